//! A small CI bot built on kitelab, the way a service that depends on it is written, with its
//! tests against `kitelab-testkit` in `tests/`: no network, no mock set-up, a few lines each.
//!
//! - [`retry_last_failed_build`]: Buildkite. Finds the newest failed build of a branch, retries
//!   its failed jobs and says so in an annotation on the build.
//! - [`pipeline_report`]: GitLab. Runs a pipeline on a ref, waits for it, and reads a report
//!   file from the artifacts of one of its jobs.

use std::time::Duration;

use futures_util::TryStreamExt;
use kitelab::buildkite::types::AnnotationStyle;
use kitelab::buildkite::BuildState;
use kitelab::gitlab::PipelineStatus;
use kitelab::{Buildkite, GitLab};

/// The annotation context the bot writes under: a second retry of the same build replaces its
/// note instead of adding one.
pub const CONTEXT: &str = "ci-bot";

/// What [`retry_last_failed_build`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retried {
    /// The build's number.
    pub build: i64,
    /// How many failed jobs Buildkite retried.
    pub jobs: i64,
}

/// Retries the failed jobs of the newest failed build of `branch`, and annotates the build
/// with what it did. `None` when the branch has no failed build.
pub async fn retry_last_failed_build(
    bk: &Buildkite,
    org: &str,
    pipeline: &str,
    branch: &str,
) -> kitelab::Result<Option<Retried>> {
    let pipeline = bk.pipeline(org, pipeline);
    let newest_failed = pipeline
        .builds()
        .branch([branch])
        .state([BuildState::Failed])
        .max_items(1)
        .stream()
        .try_next()
        .await?;
    let Some(failed) = newest_failed else {
        return Ok(None);
    };
    let build = pipeline.build(failed.number);
    let retried = build.retry_failed_jobs().send().await?;
    let jobs = retried.retried_jobs_count.unwrap_or(0);
    build
        .annotate(format!(
            "Retried {jobs} failed job(s) of build {}.",
            failed.number
        ))
        .context(CONTEXT)
        .style(AnnotationStyle::Info)
        .send()
        .await?;
    Ok(Some(Retried {
        build: failed.number,
        jobs,
    }))
}

/// What [`pipeline_report`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// The pipeline succeeded; the report file's text.
    Ready {
        /// The pipeline's id.
        pipeline: i64,
        /// The file's contents.
        text: String,
    },
    /// The pipeline ended otherwise (failed, canceled, …): no report is read.
    NotReady {
        /// The pipeline's id.
        pipeline: i64,
        /// How it ended.
        status: PipelineStatus,
    },
}

/// Runs a pipeline on `git_ref`, waits for it (polling every `poll`), and reads `path` from the
/// artifacts of its job `job`.
pub async fn pipeline_report(
    gl: &GitLab,
    project: &str,
    git_ref: &str,
    job: &str,
    path: &str,
    poll: Duration,
) -> kitelab::Result<Report> {
    let project = gl.project(project);
    let created = project.create_pipeline(git_ref).send().await?;
    let pipeline = project.pipeline(created.id);
    let done = pipeline.wait().poll_every(poll).await?;
    if done.status != PipelineStatus::Success {
        return Ok(Report::NotReady {
            pipeline: done.id,
            status: done.status,
        });
    }
    let jobs: Vec<_> = pipeline.jobs().stream().try_collect().await?;
    let Some(found) = jobs.iter().find(|j| j.name == job) else {
        return Err(kitelab::Error::InvalidInput(format!(
            "pipeline {} has no job named {job:?}",
            done.id
        )));
    };
    let text = project
        .job(found.id)
        .download_artifact(path)
        .await?
        .text()
        .await?;
    Ok(Report::Ready {
        pipeline: done.id,
        text,
    })
}
