//! Jobs of a build, reached through their build or through their organization alone.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use crate::pagination::{ListQuery, PageAt};
use crate::Page;

use super::Artifacts;
use super::{Artifact, ArtifactsQuery, Build, Organization};
use crate::{download, send, Download, List, Result};

/// A job: `build.job("0190…")`, or `org.job("0190…")` when only its id is known.
///
/// Buildkite serves most job operations on two routes: under the job's build
/// (`/organizations/{org}/pipelines/{pipeline}/builds/{number}/jobs/{id}/…`) and under its
/// organization alone (`/organizations/{org}/jobs/{id}/…`). A handle from [`Build::job`] uses
/// the first, one from [`Organization::job`] the second; the methods, their answers and their
/// errors are the same. Remote-access sessions ([`open_ssh_session`](Self::open_ssh_session),
/// [`open_vnc_session`](Self::open_vnc_session)) exist only on the organization's route, which
/// both handles use for them.
#[derive(Debug, Clone)]
pub struct Job {
    pub(crate) at: JobAt,
    pub(crate) id: String,
}

/// What a job handle was reached through.
#[derive(Debug, Clone)]
pub(crate) enum JobAt {
    /// `build.job(id)`: the build's routes.
    Build(Build),
    /// `org.job(id)`: the organization's routes.
    Organization(Organization),
}

/// The path parameters of a job's route, borrowed from its handle.
#[derive(Clone, Copy)]
pub(crate) enum JobRoute<'a> {
    /// Under the build: organization slug, pipeline slug, build number.
    Build(&'a str, &'a str, i64),
    /// Under the organization: its slug.
    Organization(&'a str),
}

impl Job {
    pub(crate) fn new(build: Build, id: String) -> Self {
        Self {
            at: JobAt::Build(build),
            id,
        }
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The route this handle's operations take.
    pub(crate) fn route(&self) -> JobRoute<'_> {
        match &self.at {
            JobAt::Build(build) => {
                JobRoute::Build(&build.pipeline.org, &build.pipeline.slug, build.number)
            }
            JobAt::Organization(org) => JobRoute::Organization(&org.slug),
        }
    }

    /// The organization slug.
    pub(crate) fn org(&self) -> &str {
        match self.route() {
            JobRoute::Build(org, ..) | JobRoute::Organization(org) => org,
        }
    }

    pub(crate) fn client(&self) -> &crate::Buildkite {
        match &self.at {
            JobAt::Build(build) => &build.pipeline.bk,
            JobAt::Organization(org) => &org.bk,
        }
    }

    pub(crate) fn api(&self) -> &kitelab_api::buildkite::Client {
        self.client().api()
    }

    /// Fetches the job.
    pub async fn get(&self) -> Result<types::Job> {
        let api = self.api();
        let job = match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.get_job().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(&self.id)).await?
            }
            JobRoute::Organization(org) => {
                send(api.get_organization_job().org_slug(org).job_id(&self.id)).await?
            }
        };
        Ok(job.into_inner())
    }

    /// Changes the job's priority (agents take higher ones first) and returns the job.
    pub async fn reprioritize(&self, priority: i64) -> Result<types::Job> {
        let body = types::ReprioritizeJobRequest { priority };
        let api = self.api();
        let job = match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.reprioritize_job().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(&self.id).body(body)).await?
            }
            JobRoute::Organization(org) => {
                let op = api.reprioritize_organization_job().org_slug(org);
                send(op.job_id(&self.id).body(body)).await?
            }
        };
        Ok(job.into_inner())
    }

    /// Retries the job (failed or timed out); returns the new attempt.
    pub async fn retry(&self) -> Result<types::Job> {
        let api = self.api();
        let job = match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.retry_job().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(&self.id)).await?
            }
            JobRoute::Organization(org) => {
                send(api.retry_organization_job().org_slug(org).job_id(&self.id)).await?
            }
        };
        Ok(job.into_inner())
    }

    /// The job's log as JSON: content, size and header times.
    pub async fn log(&self) -> Result<types::JobLog> {
        let api = self.api();
        let log = match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.get_job_log().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(&self.id)).await?
            }
            JobRoute::Organization(org) => {
                send(
                    api.get_organization_job_log()
                        .org_slug(org)
                        .job_id(&self.id),
                )
                .await?
            }
        };
        Ok(log.into_inner())
    }

    /// The job's log as raw bytes, streamed.
    pub async fn download_log(&self) -> Result<Download> {
        self.download_log_text(None).await
    }

    /// The job's plain-text log, whole or (with a `Range`) in part.
    async fn download_log_text(&self, range: Option<String>) -> Result<Download> {
        let api = self.api();
        match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let mut op = api.get_job_log_text().org_slug(org).pipeline_slug(pipeline);
                op = op.build_number(number).job_id(&self.id);
                if let Some(range) = range {
                    op = op.range(range);
                }
                download(op).await
            }
            JobRoute::Organization(org) => {
                let mut op = api.get_organization_job_log_text().org_slug(org);
                op = op.job_id(&self.id);
                if let Some(range) = range {
                    op = op.range(range);
                }
                download(op).await
            }
        }
    }

    /// The job's log rendered as HTML (ANSI colours as markup), streamed.
    pub async fn download_log_html(&self) -> Result<Download> {
        let api = self.api();
        match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.get_job_log_html().org_slug(org).pipeline_slug(pipeline);
                download(op.build_number(number).job_id(&self.id)).await
            }
            JobRoute::Organization(org) => {
                let op = api.get_organization_job_log_html().org_slug(org);
                download(op.job_id(&self.id)).await
            }
        }
    }

    /// The size of the job's log in bytes, without downloading it (a `HEAD` request).
    pub async fn log_size(&self) -> Result<u64> {
        let api = self.api();
        let (response, operation) = match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.get_job_log_size().org_slug(org).pipeline_slug(pipeline);
                let response = send(op.build_number(number).job_id(&self.id)).await?;
                (
                    response,
                    &kitelab_api::buildkite::operations::GET_JOB_LOG_SIZE,
                )
            }
            JobRoute::Organization(org) => {
                let op = api.get_organization_job_log_size().org_slug(org);
                let response = send(op.job_id(&self.id)).await?;
                (
                    response,
                    &kitelab_api::buildkite::operations::GET_ORGANIZATION_JOB_LOG_SIZE,
                )
            }
        };
        response
            .headers()
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                crate::Error::unexpected(
                    operation,
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
        match self
            .download_log_text(Some(format!("bytes=-{bytes}")))
            .await
        {
            Ok(download) => Ok(download),
            // Buildkite answers 416 when the log is empty: that is an empty tail.
            Err(crate::Error::Api(e))
                if e.status() == reqwest::StatusCode::RANGE_NOT_SATISFIABLE =>
            {
                Ok(Download::empty(match self.route() {
                    JobRoute::Build(..) => &kitelab_api::buildkite::operations::GET_JOB_LOG_TEXT,
                    JobRoute::Organization(_) => {
                        &kitelab_api::buildkite::operations::GET_ORGANIZATION_JOB_LOG_TEXT
                    }
                }))
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes the job's log.
    pub async fn delete_log(&self) -> Result<()> {
        let api = self.api();
        match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.delete_job_log().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(&self.id)).await?;
            }
            JobRoute::Organization(org) => {
                let op = api.delete_organization_job_log().org_slug(org);
                send(op.job_id(&self.id)).await?;
            }
        }
        Ok(())
    }

    /// The job's environment as `KEY=VALUE` lines, streamed.
    pub async fn download_env(&self) -> Result<Download> {
        let api = self.api();
        match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.get_job_env_text().org_slug(org).pipeline_slug(pipeline);
                download(op.build_number(number).job_id(&self.id)).await
            }
            JobRoute::Organization(org) => {
                let op = api.get_organization_job_env_text().org_slug(org);
                download(op.job_id(&self.id)).await
            }
        }
    }

    /// The job's environment variables.
    pub async fn env(&self) -> Result<types::JobEnv> {
        let api = self.api();
        let env = match self.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.get_job_env().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(&self.id)).await?
            }
            JobRoute::Organization(org) => {
                send(
                    api.get_organization_job_env()
                        .org_slug(org)
                        .job_id(&self.id),
                )
                .await?
            }
        };
        Ok(env.into_inner())
    }

    /// Opens an SSH session into the job, a running command job on a macOS hosted agent
    /// (`createSshSession`, on the organization's route whichever way the handle was made).
    ///
    /// The answer holds a WebSocket endpoint, a short-lived access token and the SSH user and
    /// private key; its secrets are [redacting](crate::api::SecretString) and it must not be logged,
    /// cached or stored. Buildkite answers `422` for a job that is not a running command job on
    /// a supported hosted agent, `404` when remote access is not available.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let session = bk.organization("acme").job("0190-…").open_ssh_session().await?;
    /// if let Some(endpoint) = &session.endpoint {
    ///     println!("connect to {endpoint}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn open_ssh_session(&self) -> Result<types::RemoteAccessSession> {
        let op = self.api().create_ssh_session().org_slug(self.org());
        Ok(send(op.job_id(&self.id)).await?.into_inner())
    }

    /// Opens a remote-desktop (VNC) session into the job, a running command job on a macOS
    /// hosted agent (`createVncSession`, on the organization's route whichever way the handle
    /// was made). Like [`open_ssh_session`](Self::open_ssh_session), the answer's secrets are
    /// redacting and it must not be logged, cached or stored.
    pub async fn open_vnc_session(&self) -> Result<types::RemoteAccessSession> {
        let op = self.api().create_vnc_session().org_slug(self.org());
        Ok(send(op.job_id(&self.id)).await?.into_inner())
    }

    /// The job's artifacts.
    pub fn artifacts(&self) -> Artifacts {
        List::new(
            ArtifactsQuery::of_job(self.clone()),
            self.client().per_page(),
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

impl Organization {
    /// A job of this organization, by its id alone: a handle on the organization-scoped job
    /// routes (`/organizations/{org}/jobs/{id}/…`), for when the pipeline and build are not at
    /// hand (a job id from an agent's `BUILDKITE_JOB_ID`, or from a webhook). It has every
    /// method of a job reached through its build ([`Build::job`]).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let job = bk.organization("acme").job("0190b6e4-7c3f-4c59-b5b2-2a0b9d0b3f7c");
    /// let retried = job.retry().await?;
    /// let log = job.download_log().await?.text().await?;
    /// # let _ = (retried, log); Ok(()) }
    /// ```
    pub fn job(&self, id: impl Into<String>) -> Job {
        Job {
            at: JobAt::Organization(self.clone()),
            id: id.into(),
        }
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
    pub fn jobs(&self) -> BuildJobs {
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

/// A list of build jobs, `List<BuildJobsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type BuildJobs = List<BuildJobsQuery>;
