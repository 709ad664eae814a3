//! `ci-bot retry <org> <pipeline> <branch>` (with `BUILDKITE_TOKEN`) or
//! `ci-bot report <project> <ref> <job> <path>` (with `GITLAB_TOKEN`; `GITLAB_URL` for a
//! self-managed instance).

use std::time::Duration;

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["retry", org, pipeline, branch] => {
            let bk = kitelab::Buildkite::from_env()?;
            match ci_bot::retry_last_failed_build(&bk, org, pipeline, branch).await? {
                Some(r) => println!("retried {} job(s) of build {}", r.jobs, r.build),
                None => println!("no failed build on {branch}"),
            }
        }
        ["report", project, git_ref, job, path] => {
            let gl = kitelab::GitLab::from_env()?;
            let poll = Duration::from_secs(10);
            match ci_bot::pipeline_report(&gl, project, git_ref, job, path, poll).await? {
                ci_bot::Report::Ready { text, .. } => print!("{text}"),
                ci_bot::Report::NotReady { pipeline, status } => {
                    eprintln!("pipeline {pipeline} ended {status}: no report");
                    std::process::exit(1);
                }
            }
        }
        _ => {
            eprintln!("usage: ci-bot retry <org> <pipeline> <branch>");
            eprintln!("       ci-bot report <project> <ref> <job> <path>");
            std::process::exit(2);
        }
    }
    Ok(())
}
