//! Builds in progress: the running and scheduled builds of a pipeline, then the same filters on
//! an organization's builds and on every build the token can see.
//!
//! Replaces pybuildkite's
//!
//! ```python
//! buildkite.builds().list_all_for_pipeline("my-org", "my-pipeline",
//!                                          states=[BuildState.RUNNING, BuildState.SCHEDULED])
//! buildkite.builds().list_all_for_org("my-org", branch="main", states=[BuildState.FAILED])
//! buildkite.builds().list_all(states=[BuildState.RUNNING, BuildState.SCHEDULED])
//! ```
//!
//! Run it with `cargo run -p kitelab --example bk_running_builds`: against a local mock server,
//! or against Buildkite with `BUILDKITE_API_TOKEN`, `BUILDKITE_ORG` and `BUILDKITE_PIPELINE` set.

mod common;

use std::time::Duration;

use futures_util::TryStreamExt;
use kitelab::buildkite::{types, BuildState};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let common::BuildkiteExample {
        bk, org, pipeline, ..
    } = common::buildkite().await?;

    // list_all_for_pipeline(org, pipeline, states=[RUNNING, SCHEDULED]): every page, lazily.
    let active: Vec<types::Build> = bk
        .pipeline(&org, &pipeline)
        .builds()
        .state([BuildState::Running, BuildState::Scheduled])
        .stream()
        .try_collect()
        .await?;
    println!(
        "running or scheduled builds of {org}/{pipeline}: {}",
        active.len()
    );
    for build in &active {
        print_build(build);
    }

    // list_all_for_org(org, branch="main", states=[FAILED]), created in the last week, no jobs.
    let week_ago = chrono::Utc::now() - Duration::from_secs(7 * 24 * 3600);
    let failed: Vec<types::Build> = bk
        .organization(&org)
        .builds()
        .state([BuildState::Failed])
        .branch(["main"])
        .created_from(week_ago)
        .exclude_jobs(true)
        .max_items(10)
        .stream()
        .try_collect()
        .await?;
    println!("failed builds on main in {org} this week: {}", failed.len());
    for build in &failed {
        print_build(build);
    }

    // list_all(states=[RUNNING, SCHEDULED]) across every organization, stopping after 20.
    println!("running or scheduled builds the token can see (at most 20):");
    let mut everywhere = bk
        .builds()
        .state([BuildState::Running, BuildState::Scheduled])
        .exclude_jobs(true)
        .max_items(20)
        .stream();
    while let Some(build) = everywhere.try_next().await? {
        let pipeline = build.pipeline.as_ref().map_or("?", |p| p.slug.as_str());
        println!("  {pipeline} #{} {}", build.number, build.state);
    }

    // Finished builds of a glob of branches: `Finished` matches passed, failed, canceled...
    let finished = bk
        .pipeline(&org, &pipeline)
        .builds()
        .state([BuildState::Finished])
        .branch(["feature/*"])
        .max_items(3)
        .stream();
    let finished: Vec<types::Build> = finished.try_collect().await?;
    println!("latest finished builds of feature branches:");
    for build in &finished {
        print_build(build);
    }
    Ok(())
}

fn print_build(build: &types::Build) {
    let message = build
        .message
        .as_deref()
        .unwrap_or("")
        .lines()
        .next()
        .unwrap_or("");
    println!(
        "  #{:<3} {:<9} {:<15} {message}",
        build.number,
        build.state.as_str(),
        build.branch.as_deref().unwrap_or("?"),
    );
}
