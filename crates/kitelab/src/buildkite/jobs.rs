//! Jobs of a build.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use crate::pagination::{ListQuery, PageAt};
use crate::Page;

use super::{Artifact, ArtifactsQuery, Build};
use crate::{download, send, Download, List, Result};

/// A job of a build: `build.job("0190…")`.
#[derive(Debug, Clone)]
pub struct Job {
    pub(crate) build: Build,
    pub(crate) id: String,
}

impl Job {
    pub(crate) fn new(build: Build, id: String) -> Self {
        Self { build, id }
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The organization slug, the pipeline slug and the job id: the path of a job operation.
    pub(crate) fn ids(&self) -> (&str, &str, &str) {
        let (org, slug) = self.build.pipeline.ids();
        (org, slug, &self.id)
    }

    pub(crate) fn api(&self) -> &kitelab_api::buildkite::Client {
        self.build.pipeline.bk.api()
    }

    /// Fetches the job.
    pub async fn get(&self) -> Result<types::Job> {
        let op = self
            .api()
            .get_job()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Changes the job's priority (agents take higher ones first) and returns the job.
    pub async fn reprioritize(&self, priority: i64) -> Result<types::Job> {
        let body = types::ReprioritizeJobRequest { priority };
        let op = self
            .api()
            .reprioritize_job()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Retries the job (failed or timed out); returns the new attempt.
    pub async fn retry(&self) -> Result<types::Job> {
        let op = self
            .api()
            .retry_job()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The job's log as JSON: content, size and header times.
    pub async fn log(&self) -> Result<types::JobLog> {
        let op = self
            .api()
            .get_job_log()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The job's log as raw bytes, streamed.
    pub async fn download_log(&self) -> Result<Download> {
        let op = self
            .api()
            .get_job_log_text()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        download(op).await
    }

    /// The job's log rendered as HTML (ANSI colours as markup), streamed.
    pub async fn download_log_html(&self) -> Result<Download> {
        let op = self
            .api()
            .get_job_log_html()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        download(op).await
    }

    /// The size of the job's log in bytes, without downloading it (a `HEAD` request).
    pub async fn log_size(&self) -> Result<u64> {
        let op = self
            .api()
            .get_job_log_size()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        let response = send(op).await?;
        response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                crate::Error::unexpected(
                    &kitelab_api::buildkite::operations::GET_JOB_LOG_SIZE,
                    "Buildkite sent no Content-Length for the log size",
                )
            })
    }

    /// The last `bytes` bytes of the job's log (a suffix `Range` request), streamed; empty for
    /// an empty log.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let job = bk.pipeline("acme", "web").build(42).job("0190-…");
    /// let tail = job.download_log_tail(4096).await?.text().await?;
    /// println!("{tail}");
    /// # Ok(()) }
    /// ```
    pub async fn download_log_tail(&self, bytes: u64) -> Result<Download> {
        if bytes == 0 {
            return Err(crate::Error::invalid("a log tail needs at least one byte"));
        }
        let op = self
            .api()
            .get_job_log_text()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id)
            .range(format!("bytes=-{bytes}"));
        match download(op).await {
            Ok(download) => Ok(download),
            // Buildkite answers 416 when the log is empty: that is an empty tail.
            Err(crate::Error::Api(e))
                if e.status() == reqwest::StatusCode::RANGE_NOT_SATISFIABLE =>
            {
                Ok(Download::empty(
                    &kitelab_api::buildkite::operations::GET_JOB_LOG_TEXT,
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes the job's log.
    pub async fn delete_log(&self) -> Result<()> {
        let op = self
            .api()
            .delete_job_log()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        send(op).await?;
        Ok(())
    }

    /// The job's environment as `KEY=VALUE` lines, streamed.
    pub async fn download_env(&self) -> Result<Download> {
        let op = self
            .api()
            .get_job_env_text()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        download(op).await
    }

    /// The job's environment variables.
    pub async fn env(&self) -> Result<types::JobEnv> {
        let op = self
            .api()
            .get_job_env()
            .org_slug(&self.build.pipeline.org)
            .pipeline_slug(&self.build.pipeline.slug)
            .build_number(self.build.number)
            .job_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The job's artifacts.
    pub fn artifacts(&self) -> List<ArtifactsQuery> {
        List::new(
            ArtifactsQuery::new(self.build.clone(), Some(self.id.clone())),
            self.build.pipeline.bk.per_page(),
        )
    }

    /// An artifact of this job, by id.
    pub fn artifact(&self, id: impl Into<String>) -> Artifact {
        Artifact::new(self.clone(), id.into())
    }

    /// Downloads every artifact of this job into `dir`, keeping their paths; see
    /// [`Build::save_artifacts`].
    #[doc(alias = "download_artifacts")]
    pub fn save_artifacts(&self, dir: impl Into<std::path::PathBuf>) -> super::SaveArtifacts {
        self.artifacts().save_all(dir)
    }
}

impl Build {
    /// The build's jobs, a cursor-paginated list (`{items, links}` bodies, followed by their
    /// `next` link).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::buildkite::JobState;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let failed: Vec<_> =
    ///     bk.pipeline("acme", "web").build(42).jobs().state([JobState::Failed]).stream().try_collect().await?;
    /// # let _ = failed; Ok(()) }
    /// ```
    pub fn jobs(&self) -> List<BuildJobsQuery> {
        List::new(
            BuildJobsQuery {
                build: self.clone(),
                states: Vec::new(),
                include_retried_jobs: None,
                step_key: None,
            },
            self.pipeline.bk.per_page(),
        )
    }
}

/// The jobs of a build: [`Build::jobs`].
#[derive(Debug, Clone)]
pub struct BuildJobsQuery {
    build: Build,
    states: Vec<types::JobState>,
    include_retried_jobs: Option<bool>,
    step_key: Option<String>,
}

/// Filters of a build's jobs.
impl List<BuildJobsQuery> {
    /// Only jobs in these states (`state[]`).
    pub fn state(mut self, states: impl IntoIterator<Item = types::JobState>) -> Self {
        self.query.states.extend(states);
        self
    }

    /// Whether to include retried jobs (`include_retried_jobs`; Buildkite's default here: true).
    pub fn include_retried(mut self, yes: bool) -> Self {
        self.query.include_retried_jobs = Some(yes);
        self
    }

    /// Only the jobs of the step with this key.
    pub fn step_key(mut self, key: impl Into<String>) -> Self {
        self.query.step_key = Some(key.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for BuildJobsQuery {}

impl ListQuery for BuildJobsQuery {
    type Item = types::Job;

    fn follows_links(&self) -> bool {
        true
    }

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (org, slug) = self.build.pipeline.ids();
        let mut op = self
            .build
            .pipeline
            .bk
            .api()
            .list_jobs()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.build.number)
            .per_page(at.per_page());
        // The first page has no cursor; later ones carry the `after` of the `next` link.
        if let Some(after) = at.param("after") {
            op = op.after(after.to_owned());
        }
        if !self.states.is_empty() {
            op = op.state(self.states.clone());
        }
        if let Some(v) = self.include_retried_jobs {
            op = op.include_retried_jobs(v);
        }
        if let Some(v) = &self.step_key {
            op = op.step_key(v.clone());
        }
        at.send_cursor(op, |body| (body.items, body.links.next))
            .await
    }
}
