//! A text artifact as a string, and the tail of a job's log.
//!
//! Replaces pybuildkite's
//!
//! ```python
//! artifact = buildkite.artifacts().download_artifact("my-org", "my-pipeline", build_number,
//!                                                    job_id, artifact_id)
//! text = str(artifact)
//! log = buildkite.jobs().get_job_log("my-org", "my-pipeline", build_number, job_id)
//! ```
//!
//! Run it with `cargo run -p kitelab --example bk_artifact_text`: against a local mock server, or
//! against Buildkite with `BUILDKITE_API_TOKEN`, `BUILDKITE_ORG` and `BUILDKITE_PIPELINE` set.

mod common;

use futures_util::TryStreamExt;
use kitelab::buildkite::{types, BuildState, JobType};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::buildkite().await?;
    let pipeline = example.bk.pipeline(&example.org, &example.pipeline);
    let mut finished = pipeline
        .builds()
        .state([BuildState::Finished])
        .max_items(1)
        .stream();
    let Some(latest) = finished.try_next().await? else {
        println!("{}/{} has no finished build", example.org, example.pipeline);
        return Ok(());
    };
    let build = pipeline.build(latest.number);
    println!("build #{} ({})", latest.number, latest.state);

    // str(artifact): the first text artifact, whole, as a String (invalid UTF-8 is replaced).
    let artifacts: Vec<types::Artifact> = build.artifacts().stream().try_collect().await?;
    let text_artifact = artifacts.iter().find(|a| {
        a.mime_type
            .as_deref()
            .is_some_and(|m| m.starts_with("text/") || m == "application/json")
    });
    match text_artifact {
        Some(a) => {
            let job = build.job(a.job_id.clone().unwrap_or_default());
            let text = job.artifact(a.id.clone()).download().await?.text().await?;
            println!(
                "{} ({} lines):",
                a.path.as_deref().unwrap_or("?"),
                text.lines().count()
            );
            for line in text.lines() {
                println!("  | {line}");
            }
        }
        None => println!("build #{} has no text artifact", latest.number),
    }

    // The end of the first command job's log, without downloading the rest: a range request.
    let Some(job) = latest.jobs.iter().find(|j| j.type_ == JobType::Script) else {
        println!("build #{} has no command job", latest.number);
        return Ok(());
    };
    let job = build.job(job.id.clone());
    let size = job.log_size().await?;
    let tail = job.download_log_tail(512).await?.text().await?;
    println!("log of job {} ({size} bytes), the last lines:", job.id());
    for line in common::last_lines(&tail, 6) {
        println!("  | {line}");
    }

    // get_job_log(): the whole log, as JSON.
    let log = job.log().await?;
    println!("the whole log: {} lines", log.content.lines().count());
    Ok(())
}
