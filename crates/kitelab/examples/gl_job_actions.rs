//! What can be done to a job: play a manual one (with variables), retry a failed one, cancel a
//! pending one, erase a finished one.
//!
//! Replaces python-gitlab's
//!
//! ```python
//! job.play(job_variables_attributes=[{"key": "TARGET", "value": "staging"}])
//! job.retry()
//! job.cancel()
//! job.erase()
//! ```
//!
//! Run it with `cargo run -p kitelab --example gl_job_actions`: against a local mock server, or
//! against GitLab with `GITLAB_TOKEN` and `GITLAB_PROJECT` set and `KITELAB_EXAMPLE_WRITE=1`
//! (without it, it only shows which jobs it would act on).

mod common;

use futures_util::TryStreamExt;
use kitelab::gitlab::{types, JobStatus, Project};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::gitlab().await?;
    let project = example.gl.project(&example.project);

    // A job of each kind, the newest.
    let manual = newest(&project, JobStatus::Manual).await?;
    let failed = newest(&project, JobStatus::Failed).await?;
    let pending = newest(&project, JobStatus::Pending).await?;
    let canceled = newest(&project, JobStatus::Canceled).await?;
    for (what, job) in [
        ("to play", &manual),
        ("to retry", &failed),
        ("to cancel", &pending),
        ("to erase", &canceled),
    ] {
        match job {
            Some(j) => println!("{what:<10} job {} ({}, {})", j.id, j.name, j.status),
            None => println!("{what:<10} none"),
        }
    }
    if !example.may("playing, retrying, canceling and erasing jobs") {
        return Ok(());
    }

    // job.play(job_variables_attributes=[...])
    if let Some(j) = &manual {
        let played = project
            .job(j.id)
            .play()
            .variable("TARGET", "staging")
            .variable("DRY_RUN", "false")
            .send()
            .await?;
        println!(
            "played job {} ({}): {}",
            played.id, played.name, played.status
        );
    }
    // job.retry(): a new job, with a new id.
    if let Some(j) = &failed {
        let retry = project.job(j.id).retry().await?;
        println!("retried job {} as job {}: {}", j.id, retry.id, retry.status);
    }
    // job.cancel()
    if let Some(j) = &pending {
        let canceled = project.job(j.id).cancel().await?;
        println!("canceled job {}: {}", canceled.id, canceled.status);
    }
    // job.erase(): its log and artifacts are deleted; the job stays.
    if let Some(j) = &canceled {
        let erased = project.job(j.id).erase().await?;
        let trace = project.job(j.id).download_log().await?.text().await?;
        println!(
            "erased job {} at {}: its log is now {} bytes",
            erased.id,
            erased
                .erased_at
                .as_ref()
                .map_or("?".into(), |t| t.to_string()),
            trace.len()
        );
    }
    Ok(())
}

async fn newest(project: &Project, status: JobStatus) -> kitelab::Result<Option<types::Job>> {
    project
        .jobs()
        .status([status])
        .max_items(1)
        .stream()
        .try_next()
        .await
}
