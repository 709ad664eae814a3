//! A tour of kitelab: the seed workflows of pybuildkite and python-gitlab, end to end.
//!
//! ```sh
//! cargo run -p kitelab --example tour
//! ```
//!
//! With no token set it starts local mock servers (Buildkite, GitLab, and an object store the
//! artifact downloads redirect to) and runs against them. With tokens it runs against the real
//! services, read-only unless `KITELAB_EXAMPLE_WRITE=1`:
//!
//! - Buildkite: `BUILDKITE_API_TOKEN`, `BUILDKITE_ORG`, `BUILDKITE_PIPELINE`;
//! - GitLab: `GITLAB_TOKEN` (and `GITLAB_URL` for a self-managed host), `GITLAB_PROJECT`.
//!
//! Each workflow has an example of its own (`bk_*` and `gl_*` in this directory).

mod common;

use std::time::Instant;

use futures_util::TryStreamExt;
use kitelab::buildkite::BuildState;
use kitelab::{Buildkite, GitLab};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result {
    let started = Instant::now();

    let bk = common::buildkite().await?;
    buildkite(&bk.bk, &bk.org, &bk.pipeline, &bk).await?;

    println!();
    let gl = common::gitlab().await?;
    gitlab(&gl.gl, &gl.project, &gl).await?;

    println!("tour finished in {:.2?}", started.elapsed());
    Ok(())
}

async fn buildkite(
    bk: &Buildkite,
    org: &str,
    pipeline: &str,
    example: &common::BuildkiteExample,
) -> Result {
    let p = bk.pipeline(org, pipeline);

    // pybuildkite: builds().list_all_for_pipeline(org, p, states=[RUNNING, SCHEDULED])
    let active: Vec<_> = p
        .builds()
        .state([BuildState::Running, BuildState::Scheduled])
        .max_items(50)
        .stream()
        .try_collect()
        .await?;
    println!(
        "running or scheduled builds of {org}/{pipeline}: {}",
        active.len()
    );
    for b in active.iter().take(5) {
        println!(
            "  #{} {} on {} ({})",
            b.number,
            b.state,
            b.branch.as_deref().unwrap_or("?"),
            b.web_url
        );
    }

    // pybuildkite: builds().create_build(org, p, 'HEAD', 'main', clean_checkout=True, message=...)
    if example.may("creating a build") {
        let build = p
            .create_build("HEAD", "main")
            .message("kitelab tour")
            .clean_checkout(true)
            .env("FROM", "kitelab")
            .send()
            .await?;
        println!(
            "created build #{} ({}): {}",
            build.number, build.state, build.web_url
        );
    }

    // pybuildkite: artifacts().download_artifact(..., as_stream=True)
    let recent: Vec<_> = p.builds().max_items(1).stream().try_collect().await?;
    let Some(build) = recent.first() else {
        println!("no builds, so no artifact to download");
        return Ok(());
    };
    let artifacts: Vec<_> = p
        .build(build.number)
        .artifacts()
        .max_items(1)
        .stream()
        .try_collect()
        .await?;
    match artifacts.first() {
        Some(artifact) => {
            let handle = p.build(build.number).artifact_of(artifact)?;
            let path = std::env::temp_dir().join(format!(
                "kitelab-tour-{}",
                artifact.filename.as_deref().unwrap_or("artifact")
            ));
            let bytes = handle.download().await?.write_to(&path).await?;
            println!(
                "downloaded artifact {} of build #{} ({bytes} bytes, through the redirect to storage) to {}",
                artifact.path.as_deref().unwrap_or("?"),
                build.number,
                path.display()
            );
            std::fs::remove_file(&path).ok();
        }
        None => println!("build #{} has no artifacts", build.number),
    }
    Ok(())
}

async fn gitlab(gl: &GitLab, project_path: &str, example: &common::GitLabExample) -> Result {
    let project = gl.project(project_path);

    // python-gitlab: project.pipelines.list()
    let pipelines: Vec<_> = project
        .pipelines()
        .max_items(5)
        .stream()
        .try_collect()
        .await?;
    println!("latest pipelines of {project_path}:");
    for p in &pipelines {
        println!(
            "  {} {} on {} ({})",
            p.id,
            p.status.as_ref().map_or("?", |s| s.as_str()),
            p.ref_.as_deref().unwrap_or("?"),
            p.web_url.as_deref().unwrap_or("")
        );
    }

    // python-gitlab: project.pipelines.create({'ref': 'main'}), pipeline.retry(), pipeline.cancel()
    if example.may("creating, retrying and canceling a pipeline") {
        let created = project
            .create_pipeline("main")
            .variable("FROM", "kitelab")
            .send()
            .await?;
        println!("created pipeline {} ({})", created.id, created.status);
        let retried = project.pipeline(created.id).retry().await?;
        println!("retried pipeline {} ({})", retried.id, retried.status);
        let canceled = project.pipeline(created.id).cancel().await?;
        println!("canceled pipeline {} ({})", canceled.id, canceled.status);
    }

    // python-gitlab: job.trace()
    let Some(latest) = pipelines.first() else {
        println!("no pipelines, so no job trace to read");
        return Ok(());
    };
    let jobs: Vec<_> = project
        .pipeline(latest.id)
        .jobs()
        .max_items(1)
        .stream()
        .try_collect()
        .await?;
    match jobs.first() {
        Some(job) => {
            let trace = project.job(job.id).download_log().await?.text().await?;
            let last = trace.lines().last().unwrap_or("");
            println!(
                "job {} ({}) trace: {} bytes, last line {:?}",
                job.id,
                job.name,
                trace.len(),
                last
            );
        }
        None => println!("pipeline {} has no jobs", latest.id),
    }
    Ok(())
}
