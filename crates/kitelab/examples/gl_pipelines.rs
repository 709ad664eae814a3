//! Pipelines of a project: list them with filters, get one and its variables, create one with
//! variables, retry it, cancel it and delete it.
//!
//! Replaces python-gitlab's
//!
//! ```python
//! pipelines = project.pipelines.list(status="failed", ref="main", iterator=True)
//! pipeline = project.pipelines.get(pipeline_id)
//! variables = pipeline.variables.list()
//! pipeline = project.pipelines.create({"ref": "main",
//!                                      "variables": [{"key": "MY_VARIABLE", "value": "hello"}]})
//! pipeline.retry()
//! pipeline.cancel()
//! pipeline.delete()
//! ```
//!
//! Run it with `cargo run -p kitelab --example gl_pipelines`: against a local mock server, or
//! against GitLab with `GITLAB_TOKEN` and `GITLAB_PROJECT` set (creating, retrying, canceling
//! and deleting a pipeline also need `KITELAB_EXAMPLE_WRITE=1`).

mod common;

use futures_util::TryStreamExt;
use kitelab::gitlab::{types, PipelineScope, PipelineSource, PipelineStatus};

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::gitlab().await?;
    let project = example.gl.project(&example.project);

    // project.pipelines.list(status="failed", ref="main")
    let failed: Vec<types::PipelineBasic> = project
        .pipelines()
        .status(PipelineStatus::Failed)
        .git_ref(&example.git_ref)
        .max_items(5)
        .stream()
        .try_collect()
        .await?;
    println!("failed pipelines on {}: {}", example.git_ref, failed.len());
    for p in &failed {
        print_pipeline(p);
    }
    // Other filters: finished ones, started by a schedule.
    let scheduled: Vec<types::PipelineBasic> = project
        .pipelines()
        .scope(PipelineScope::Finished)
        .source(PipelineSource::Schedule)
        .max_items(3)
        .stream()
        .try_collect()
        .await?;
    println!("latest finished scheduled pipelines: {}", scheduled.len());
    for p in &scheduled {
        print_pipeline(p);
    }

    // project.pipelines.get(id), and the variables it was created with.
    let mut latest = project.pipelines().max_items(1).stream();
    if let Some(p) = latest.try_next().await? {
        let pipeline = project.pipeline(p.id).get().await?;
        println!(
            "pipeline {} ({}) on {} at {}: {}, started by {}",
            pipeline.id,
            pipeline.source.as_ref().map_or("?", |s| s.as_str()),
            pipeline.ref_,
            &pipeline.sha[..8.min(pipeline.sha.len())],
            pipeline.status,
            pipeline
                .user
                .as_ref()
                .and_then(|u| u.username.as_deref())
                .unwrap_or("?")
        );
        if let Some(url) = &pipeline.web_url {
            println!("  {url}");
        }
        let variables: Vec<_> = project
            .pipeline(p.id)
            .variables()
            .stream()
            .try_collect()
            .await?;
        println!("  {} variables: {}", variables.len(), keys(&variables));
    }

    if !example.may("creating, retrying, canceling and deleting a pipeline") {
        return Ok(());
    }
    // project.pipelines.create({"ref": ..., "variables": [...]})
    let created = project
        .create_pipeline(&example.git_ref)
        .variable("MY_VARIABLE", "hello")
        .variable("DEPLOY_ZONE", "eu-west-1")
        .send()
        .await?;
    println!(
        "created pipeline {} ({}) on {}",
        created.id, created.status, created.ref_
    );
    let pipeline = project.pipeline(created.id);
    let variables: Vec<_> = pipeline.variables().stream().try_collect().await?;
    println!("  with variables {}", keys(&variables));
    // pipeline.retry(), pipeline.cancel(), pipeline.delete()
    let retried = pipeline.retry().await?;
    println!("retried pipeline {}: {}", retried.id, retried.status);
    let canceled = pipeline.cancel().await?;
    println!("canceled pipeline {}: {}", canceled.id, canceled.status);
    pipeline.delete().await?;
    match pipeline.get().await {
        Err(e) if e.is_not_found() => println!("deleted pipeline {}: it is gone", created.id),
        Err(e) => return Err(e),
        Ok(p) => println!("deleted pipeline {}, still there: {}", p.id, p.status),
    }
    Ok(())
}

fn print_pipeline(p: &types::PipelineBasic) {
    println!(
        "  {:<5} {:<9} {:<14} {}",
        p.id,
        p.status.as_ref().map_or("?", |s| s.as_str()),
        p.ref_.as_deref().unwrap_or("?"),
        p.created_at
            .as_ref()
            .map(|t| t.to_string())
            .unwrap_or_default()
    );
}

fn keys(variables: &[types::Variable]) -> String {
    let keys: Vec<&str> = variables.iter().map(|v| v.key.as_str()).collect();
    keys.join(", ")
}
