//! Jobs and their logs: list a project's jobs and a pipeline's, read a finished job's trace, and
//! follow a running job's log until it finishes.
//!
//! Replaces python-gitlab's
//!
//! ```python
//! jobs = project.jobs.list(scope=["failed", "success"], iterator=True)
//! jobs = pipeline.jobs.list()
//! job = project.jobs.get(job_id, lazy=True)
//! print(job.trace().decode())
//! # following a running job: call job.trace() again and again, and print what is new
//! ```
//!
//! Run it with `cargo run -p kitelab --example gl_job_trace`: against a local mock server, or
//! against GitLab with `GITLAB_TOKEN` and `GITLAB_PROJECT` set.

mod common;

use std::io::Write;

use futures_util::TryStreamExt;
use kitelab::gitlab::{types, JobStatus};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::gitlab().await?;
    let project = example.gl.project(&example.project);

    // project.jobs.list(scope=[...]): newest first, read by keyset (no deep-page limit).
    let finished: Vec<types::Job> = project
        .jobs()
        .status([JobStatus::Failed, JobStatus::Success])
        .max_items(5)
        .stream()
        .try_collect()
        .await?;
    println!("latest finished jobs of {}:", example.project);
    for job in &finished {
        print_job(job);
    }

    // pipeline.jobs.list(): the jobs of the latest pipeline.
    let mut latest = project.pipelines().max_items(1).stream();
    if let Some(p) = latest.try_next().await? {
        let jobs: Vec<types::Job> = project.pipeline(p.id).jobs().stream().try_collect().await?;
        let status = p.status.as_ref().map_or("?", |s| s.as_str());
        println!("jobs of pipeline {} ({status}):", p.id);
        for job in &jobs {
            print_job(job);
        }
    }

    // job.trace(): the whole log of the latest failed job (or finished one).
    let failed = finished.iter().find(|j| j.status == JobStatus::Failed);
    if let Some(job) = failed.or(finished.first()) {
        let trace = project.job(job.id).download_log().await?.text().await?;
        println!(
            "trace of job {} ({}, {} bytes), the end:",
            job.id,
            job.status,
            trace.len()
        );
        for line in common::last_lines(&trace, 3) {
            println!("  | {line}");
        }
    }

    // Follow a running job: each poll yields only what the log gained, until the job finishes.
    let mut running = project
        .jobs()
        .status([JobStatus::Running])
        .max_items(1)
        .stream();
    let Some(job) = running.try_next().await? else {
        println!("no running job to follow");
        return Ok(());
    };
    println!("following job {} ({}):", job.id, job.name);
    let mut log = project
        .job(job.id)
        .follow()
        .poll_every(example.poll)
        .stream();
    let (mut chunks, mut bytes) = (0, 0);
    let mut stdout = std::io::stdout();
    while let Some(new) = log.try_next().await? {
        chunks += 1;
        bytes += new.len();
        stdout.write_all(&new).ok();
        stdout.flush().ok();
    }
    let done = project.job(job.id).get().await?;
    println!(
        "job {} finished {}: {bytes} bytes of log in {chunks} pieces",
        done.id, done.status
    );
    Ok(())
}

fn print_job(job: &types::Job) {
    println!(
        "  {:<5} {:<12} {:<7} {:<9} {}",
        job.id,
        job.name,
        job.stage,
        job.status.as_str(),
        job.ref_
    );
}
