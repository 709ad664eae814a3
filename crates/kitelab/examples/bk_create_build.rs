//! Start a build (a message, environment variables, meta-data, a clean checkout), then wait for
//! it to finish.
//!
//! Replaces pybuildkite's
//!
//! ```python
//! build = buildkite.builds().create_build("my-org", "my-pipeline", "HEAD", "main",
//!                                         clean_checkout=True, message="Deploy",
//!                                         env={"DEPLOY_ENV": "staging"})
//! while build["state"] in ("scheduled", "running"):
//!     time.sleep(5)
//!     build = buildkite.builds().get_build_by_number("my-org", "my-pipeline", build["number"])
//! ```
//!
//! Run it with `cargo run -p kitelab --example bk_create_build`: against a local mock server, or
//! against Buildkite with `BUILDKITE_API_TOKEN`, `BUILDKITE_ORG`, `BUILDKITE_PIPELINE` (and
//! `BUILDKITE_BRANCH`) set and `KITELAB_EXAMPLE_WRITE=1`, since it starts a build.

mod common;

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::buildkite().await?;
    let pipeline = example.bk.pipeline(&example.org, &example.pipeline);
    if !example.may("creating a build") {
        return Ok(());
    }

    // create_build(org, pipeline, "HEAD", branch, clean_checkout=True, message=..., env=...)
    let build = pipeline
        .create_build("HEAD", &example.branch)
        .message("Deploy from kitelab")
        .env("DEPLOY_ENV", "staging")
        .meta_data("release", "2025.1")
        .clean_checkout(true)
        .send()
        .await?;
    println!(
        "created build #{} ({}) of {} on {}",
        build.number,
        build.state,
        build.commit.as_deref().unwrap_or("?"),
        build.branch.as_deref().unwrap_or("?")
    );
    println!("  {}", build.web_url);

    // Poll until it finishes; a wait that runs past its timeout is an Error::WaitTimeout.
    let started = Instant::now();
    let finished = pipeline
        .build(build.number)
        .wait()
        .poll_every(example.poll)
        .timeout(Duration::from_secs(60 * 60))
        .await?;
    println!(
        "build #{} of {} finished {} after {:.1?}",
        finished.number,
        finished
            .commit
            .as_deref()
            .map_or("?", |c| &c[..c.len().min(12)]),
        finished.state,
        started.elapsed()
    );
    for job in &finished.jobs {
        println!(
            "  {:<20} {:<9} exit {}",
            job.name.as_deref().unwrap_or("(unnamed)"),
            job.state.as_ref().map_or("-", |s| s.as_str()), // waiter jobs have none
            job.exit_status.map_or("-".into(), |s| s.to_string())
        );
    }
    Ok(())
}
