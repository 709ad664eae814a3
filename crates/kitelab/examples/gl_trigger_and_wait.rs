//! Trigger a pipeline with a trigger token and wait for it to finish: create the token, trigger
//! with variables, poll until the pipeline is done, delete the token.
//!
//! Replaces python-gitlab's
//!
//! ```python
//! trigger = project.triggers.create({"description": "mytrigger"})
//! pipeline = project.trigger_pipeline("main", trigger.token,
//!                                     variables={"DEPLOY_ZONE": "us-west1"})
//! while pipeline.finished_at is None:
//!     pipeline.refresh()
//!     time.sleep(1)
//! trigger.delete()
//! ```
//!
//! Run it with `cargo run -p kitelab --example gl_trigger_and_wait`: against a local mock
//! server, or against GitLab with `GITLAB_TOKEN`, `GITLAB_PROJECT` (and `GITLAB_REF`) set and
//! `KITELAB_EXAMPLE_WRITE=1`, since it creates a trigger token and runs a pipeline.

mod common;

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use kitelab::gitlab::types;

#[tokio::main]
async fn main() -> kitelab::Result<()> {
    let example = common::gitlab().await?;
    let gl = &example.gl;
    let project = gl.project(&example.project);

    // project.triggers.list(): only their owner sees the tokens in full.
    let triggers: Vec<types::Trigger> = project.triggers().stream().try_collect().await?;
    println!("trigger tokens: {}", triggers.len());
    for t in &triggers {
        println!(
            "  {} {:?}, last used {}",
            t.id,
            t.description.as_deref().unwrap_or(""),
            t.last_used
                .as_ref()
                .map_or("never".into(), |at| at.to_string())
        );
    }
    if !example.may("creating a trigger token and triggering a pipeline") {
        return Ok(());
    }

    // project.triggers.create({"description": ...})
    let trigger = project.create_trigger("kitelab example").send().await?;
    println!(
        "created trigger token {} ({:?})",
        trigger.id,
        trigger.description.as_deref().unwrap_or("")
    );

    // project.trigger_pipeline(ref, token, variables=...): the trigger token is the credential,
    // so the client's own token is not sent (a client without one works too).
    let triggered = gl
        .trigger_pipeline(&example.project, &example.git_ref, trigger.token.expose())
        .variable("DEPLOY_ZONE", "us-west1")
        .variable("TRIGGERED_BY", "kitelab")
        .send()
        .await?;
    println!(
        "triggered pipeline {} on {}: {}",
        triggered.id, triggered.ref_, triggered.status
    );

    // while pipeline.finished_at is None: pipeline.refresh()
    let started = Instant::now();
    let finished = project
        .pipeline(triggered.id)
        .wait()
        .poll_every(example.poll)
        .timeout(Duration::from_secs(30 * 60))
        .await;
    // Delete the token whatever became of the pipeline.
    project.trigger(trigger.id).delete().await?;
    println!("deleted trigger token {}", trigger.id);
    let finished = finished?;
    println!(
        "pipeline {} finished {} after {:.1?}",
        finished.id,
        finished.status,
        started.elapsed()
    );
    let variables: Vec<_> = project
        .pipeline(finished.id)
        .variables()
        .stream()
        .try_collect()
        .await?;
    for v in &variables {
        println!(
            "  {}={}",
            v.key,
            v.value.as_ref().map_or("", |s| s.expose())
        );
    }
    Ok(())
}
