//! Jobs: lists, one job's verbs, its trace and its artifacts.

use futures_util::future::BoxFuture;
use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::{Pipeline, Project};
use crate::pagination::{non_zero, page_of, ListQuery, PageRequest};
use crate::{call, Download, List, Page, Result};

/// A job of a project: `project.job(42)`.
#[derive(Debug, Clone)]
pub struct Job {
    pub(crate) project: Project,
    pub(crate) id: i64,
}

macro_rules! job_op {
    ($job:expr, $method:ident) => {{
        let j = $job;
        j.project
            .gl
            .api()
            .$method()
            .id(j.project.id.checked()?)
            .job_id(j.id)
    }};
}

impl Job {
    pub(crate) fn new(project: Project, id: i64) -> Self {
        Self { project, id }
    }

    /// The job id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the job.
    pub async fn get(&self) -> Result<types::Job> {
        Ok(call("get_job", job_op!(self, get_job).send())
            .await?
            .into_inner())
    }

    /// Cancels the job.
    pub async fn cancel(&self) -> Result<types::Job> {
        Ok(call("cancel_job", job_op!(self, cancel_job).send())
            .await?
            .into_inner())
    }

    /// Retries the job; returns the new job.
    pub async fn retry(&self) -> Result<types::Job> {
        Ok(call("retry_job", job_op!(self, retry_job).send())
            .await?
            .into_inner())
    }

    /// Erases the job's artifacts and log.
    pub async fn erase(&self) -> Result<types::Job> {
        Ok(call("erase_job", job_op!(self, erase_job).send())
            .await?
            .into_inner())
    }

    /// The job's log (its trace) so far, streamed.
    pub async fn trace(&self) -> Result<Download> {
        Ok(Download::new(
            "get_job_trace",
            call("get_job_trace", job_op!(self, get_job_trace).send()).await?,
        ))
    }

    /// The job's artifacts archive (a zip), streamed; GitLab may redirect to object storage,
    /// where the token is not sent.
    pub async fn artifacts(&self) -> Result<Download> {
        let op = job_op!(self, download_job_artifacts);
        Ok(Download::new(
            "download_job_artifacts",
            call("download_job_artifacts", op.send()).await?,
        ))
    }

    /// One file of the job's artifacts archive, by its path in the archive.
    pub async fn artifact(&self, path: &str) -> Result<Download> {
        let path = crate::segment("the artifact path", path)?;
        let op = job_op!(self, download_job_artifact_file).artifact_path(path);
        Ok(Download::new(
            "download_job_artifact_file",
            call("download_job_artifact_file", op.send()).await?,
        ))
    }

    /// Keeps the job's artifacts past their expiry.
    pub async fn keep_artifacts(&self) -> Result<types::Job> {
        Ok(call(
            "keep_job_artifacts",
            job_op!(self, keep_job_artifacts).send(),
        )
        .await?
        .into_inner())
    }

    /// Deletes the job's artifacts.
    pub async fn delete_artifacts(&self) -> Result<()> {
        call(
            "delete_job_artifacts",
            job_op!(self, delete_job_artifacts).send(),
        )
        .await?;
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum JobsScope {
    Project(Project),
    Pipeline(Pipeline),
}

/// Jobs of a project or a pipeline: `project.jobs()`, `pipeline.jobs()`.
#[derive(Debug, Clone)]
pub struct JobsQuery {
    scope: JobsScope,
    statuses: Vec<types::JobStatus>,
    include_retried: Option<bool>,
}

impl JobsQuery {
    pub(crate) fn project(project: Project) -> Self {
        Self {
            scope: JobsScope::Project(project),
            statuses: Vec::new(),
            include_retried: None,
        }
    }

    pub(crate) fn pipeline(pipeline: Pipeline) -> Self {
        Self {
            scope: JobsScope::Pipeline(pipeline),
            statuses: Vec::new(),
            include_retried: None,
        }
    }
}

/// Job-list filters.
impl List<JobsQuery> {
    /// Only jobs with these statuses (`scope[]`).
    pub fn status(mut self, statuses: impl IntoIterator<Item = types::JobStatus>) -> Self {
        self.query.statuses.extend(statuses);
        self
    }

    /// Include retried jobs (pipeline job lists only).
    pub fn include_retried(mut self, yes: bool) -> Self {
        self.query.include_retried = Some(yes);
        self
    }
}

impl crate::pagination::sealed::Sealed for JobsQuery {}

impl ListQuery for JobsQuery {
    type Item = types::Job;

    fn fetch(
        &self,
        request: PageRequest,
        per_page: u32,
    ) -> BoxFuture<'static, Result<Page<Self::Item>>> {
        let q = self.clone();
        Box::pin(async move {
            let number = request.number();
            let response = match &q.scope {
                JobsScope::Project(project) => {
                    let mut op = project
                        .gl
                        .api()
                        .list_project_jobs()
                        .id(project.id.checked()?)
                        .page(non_zero(number))
                        .per_page(non_zero(per_page));
                    if !q.statuses.is_empty() {
                        op = op.scope(q.statuses.clone());
                    }
                    call("list_project_jobs", op.send()).await?
                }
                JobsScope::Pipeline(pipeline) => {
                    let mut op = pipeline
                        .project
                        .gl
                        .api()
                        .list_pipeline_jobs()
                        .id(pipeline.project.id.checked()?)
                        .pipeline_id(pipeline.id)
                        .page(non_zero(number))
                        .per_page(non_zero(per_page));
                    if !q.statuses.is_empty() {
                        op = op.scope(q.statuses.clone());
                    }
                    if let Some(v) = q.include_retried {
                        op = op.include_retried(v);
                    }
                    call("list_pipeline_jobs", op.send()).await?
                }
            };
            Ok(page_of(Some(number), response))
        })
    }
}
