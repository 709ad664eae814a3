//! Jobs: lists, one job's verbs, its trace and its artifacts.

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::{Pipeline, Project};
use crate::pagination::{ListQuery, PageAt};
use crate::{download, send, Download, List, Page, Result};

/// A job of a project: `project.job(42)`.
#[derive(Debug, Clone)]
pub struct Job {
    pub(crate) project: Project,
    pub(crate) id: i64,
}

impl Job {
    pub(crate) fn new(project: Project, id: i64) -> Self {
        Self { project, id }
    }

    /// The job id.
    pub fn id(&self) -> i64 {
        self.id
    }

    fn api(&self) -> &kitelab_api::gitlab::Client {
        self.project.gl.api()
    }

    /// Fetches the job.
    pub async fn get(&self) -> Result<types::Job> {
        let op = self
            .api()
            .get_job()
            .id(self.project.id.as_str())
            .job_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Cancels the job.
    pub async fn cancel(&self) -> Result<types::Job> {
        let op = self
            .api()
            .cancel_job()
            .id(self.project.id.as_str())
            .job_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Retries the job; returns the new job.
    pub async fn retry(&self) -> Result<types::Job> {
        let op = self
            .api()
            .retry_job()
            .id(self.project.id.as_str())
            .job_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts playing a manual or delayed job: options, then [`send`](PlayJob::send).
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let job = gl.project("group/project").job(42).play().variable("TARGET", "staging").send().await?;
    /// # let _ = job; Ok(()) }
    /// ```
    pub fn play(&self) -> PlayJob {
        PlayJob {
            job: self.clone(),
            variables: Vec::new(),
        }
    }

    /// Follows the log of a running job: yields the bytes added since the last poll, until the
    /// job finishes (then the rest of the log, and the end of the stream). GitLab has no
    /// incremental log API, so each poll re-reads the log and skips what was already yielded;
    /// memory holds only the new bytes.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use std::io::Write;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let mut log = gl.project("group/project").job(42).follow().stream();
    /// while let Some(bytes) = log.try_next().await? {
    ///     std::io::stdout().write_all(&bytes).ok();
    /// }
    /// # Ok(()) }
    /// ```
    pub fn follow(&self) -> FollowTrace {
        FollowTrace {
            job: self.clone(),
            poll_every: Duration::from_secs(3),
        }
    }

    /// Erases the job's artifacts and log.
    pub async fn erase(&self) -> Result<types::Job> {
        let op = self
            .api()
            .erase_job()
            .id(self.project.id.as_str())
            .job_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The job's log (its trace) so far, streamed.
    pub async fn download_log(&self) -> Result<Download> {
        let op = self
            .api()
            .get_job_trace()
            .id(self.project.id.as_str())
            .job_id(self.id);
        download(op).await
    }

    /// The job's artifacts archive (a zip), streamed; GitLab may redirect to object storage,
    /// where the token is not sent.
    pub async fn download_artifacts(&self) -> Result<Download> {
        let op = self
            .api()
            .download_job_artifacts()
            .id(self.project.id.as_str())
            .job_id(self.id);
        download(op).await
    }

    /// One file of the job's artifacts archive, by its path in the archive.
    pub async fn download_artifact(&self, path: &str) -> Result<Download> {
        let path = crate::segment("the artifact path", path)?;
        let op = self
            .api()
            .download_job_artifact_file()
            .id(self.project.id.as_str())
            .job_id(self.id)
            .artifact_path(path);
        download(op).await
    }

    /// Keeps the job's artifacts past their expiry.
    pub async fn keep_artifacts(&self) -> Result<types::Job> {
        let op = self
            .api()
            .keep_job_artifacts()
            .id(self.project.id.as_str())
            .job_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the job's artifacts.
    pub async fn delete_artifacts(&self) -> Result<()> {
        let op = self
            .api()
            .delete_job_artifacts()
            .id(self.project.id.as_str())
            .job_id(self.id);
        send(op).await?;
        Ok(())
    }
}

/// Plays a manual job: [`Job::play`], options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is played until `.send()`"]
pub struct PlayJob {
    job: Job,
    variables: Vec<types::JobVariableAttribute>,
}

impl PlayJob {
    /// A variable for this run of the job (`job_variables_attributes`).
    pub fn variable(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push(types::JobVariableAttribute {
            key: key.into(),
            value: kitelab_api::SecretString::new(value),
        });
        self
    }

    /// Plays the job; returns it (or the bridge, for a trigger job).
    pub async fn send(self) -> Result<types::Job> {
        if self.variables.iter().any(|v| v.key.trim().is_empty()) {
            return Err(crate::Error::invalid("a job variable key is empty"));
        }
        let body = types::PlayJobRequest {
            job_variables_attributes: self.variables,
        };
        let op = self
            .job
            .api()
            .play_job()
            .id(self.job.project.id.as_str())
            .job_id(self.job.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// Follows a running job's log: [`Job::follow`], then [`stream`](Self::stream).
#[derive(Debug, Clone)]
#[must_use = "nothing is read until the stream is polled"]
pub struct FollowTrace {
    job: Job,
    poll_every: Duration,
}

/// What a follow knows between polls.
struct FollowState {
    job: Job,
    poll_every: Duration,
    offset: u64,
    first: bool,
    done: bool,
}

impl FollowTrace {
    /// How long to wait between polls (default 3 s).
    pub fn poll_every(mut self, interval: Duration) -> Self {
        self.poll_every = interval;
        self
    }

    /// The new bytes of the log, poll after poll, until the job has finished.
    pub fn stream(self) -> BoxStream<'static, Result<Bytes>> {
        let state = FollowState {
            job: self.job,
            poll_every: self.poll_every,
            offset: 0,
            first: true,
            done: false,
        };
        stream::try_unfold(state, |mut state| async move {
            loop {
                if state.done {
                    return Ok(None);
                }
                if !state.first {
                    tokio::time::sleep(state.poll_every).await;
                }
                state.first = false;
                // The status first: a log read after the job finished is complete.
                let job = state.job.get().await?;
                state.done = job_finished(&job);
                let new = state
                    .job
                    .download_log()
                    .await?
                    .skip_bytes(state.offset)
                    .await?;
                state.offset += new.len() as u64;
                if !new.is_empty() {
                    return Ok(Some((new, state)));
                }
            }
        })
        .boxed()
    }
}

/// Whether a job has finished running (no more log will come).
fn job_finished(job: &types::Job) -> bool {
    use types::JobStatus as S;
    match &job.status {
        S::Success | S::Failed | S::Canceled | S::Skipped | S::Manual => true,
        S::Unrecognized(_) => job.finished_at.is_some(),
        _ => false,
    }
}

/// A project's jobs: `project.jobs()`, newest first.
#[derive(Debug, Clone)]
pub struct ProjectJobsQuery {
    project: Project,
    statuses: Vec<types::JobStatus>,
    /// Keyset pagination (the default): no deep-offset limit, no totals needed.
    keyset: bool,
}

impl ProjectJobsQuery {
    pub(crate) fn new(project: Project) -> Self {
        Self {
            project,
            statuses: Vec::new(),
            keyset: true,
        }
    }
}

/// Project-job filters.
impl List<ProjectJobsQuery> {
    /// Only jobs with these statuses (`scope[]`).
    pub fn status(mut self, statuses: impl IntoIterator<Item = types::JobStatus>) -> Self {
        self.query.statuses.extend(statuses);
        self
    }

    /// Read the jobs by page number instead of by keyset. Keyset (the default) follows
    /// GitLab's `next` links and has no deep-offset limit; page numbers allow
    /// [`concurrency`](List::concurrency) and [`start_page`](List::start_page).
    pub fn offset_pagination(mut self) -> Self {
        self.query.keyset = false;
        self
    }
}

impl crate::pagination::sealed::Sealed for ProjectJobsQuery {}

impl ListQuery for ProjectJobsQuery {
    type Item = types::Job;

    fn follows_links(&self) -> bool {
        self.keyset
    }

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let op = self
            .project
            .gl
            .api()
            .list_project_jobs()
            .id(self.project.id.as_str())
            .per_page(at.per_page());
        let mut op = super::jobs_by_keyset!(op, &at, self.keyset);
        if !self.statuses.is_empty() {
            op = op.scope(self.statuses.clone());
        }
        at.send(op).await
    }
}

/// A pipeline's jobs: `pipeline.jobs()`.
#[derive(Debug, Clone)]
pub struct PipelineJobsQuery {
    pipeline: Pipeline,
    statuses: Vec<types::JobStatus>,
    include_retried: Option<bool>,
}

impl PipelineJobsQuery {
    pub(crate) fn new(pipeline: Pipeline) -> Self {
        Self {
            pipeline,
            statuses: Vec::new(),
            include_retried: None,
        }
    }
}

/// Pipeline-job filters.
impl List<PipelineJobsQuery> {
    /// Only jobs with these statuses (`scope[]`).
    pub fn status(mut self, statuses: impl IntoIterator<Item = types::JobStatus>) -> Self {
        self.query.statuses.extend(statuses);
        self
    }

    /// Include retried jobs (`include_retried`); GitLab leaves them out by default.
    pub fn include_retried(mut self, yes: bool) -> Self {
        self.query.include_retried = Some(yes);
        self
    }
}

impl crate::pagination::sealed::Sealed for PipelineJobsQuery {}

impl ListQuery for PipelineJobsQuery {
    type Item = types::Job;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let pipeline = &self.pipeline;
        let mut op = pipeline
            .project
            .gl
            .api()
            .list_pipeline_jobs()
            .id(pipeline.project.id.as_str())
            .pipeline_id(pipeline.id)
            .page(at.page())
            .per_page(at.per_page());
        if !self.statuses.is_empty() {
            op = op.scope(self.statuses.clone());
        }
        if let Some(v) = self.include_retried {
            op = op.include_retried(v);
        }
        at.send(op).await
    }
}

/// A list of pipeline jobs, `List<PipelineJobsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type PipelineJobs = List<PipelineJobsQuery>;

/// A list of project jobs, `List<ProjectJobsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type ProjectJobs = List<ProjectJobsQuery>;
