//! Builds: lists with typed filters, one build's verbs, and creating one.

use std::collections::BTreeMap;

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;
use kitelab_api::Timestamp;

use super::Artifacts;
use super::{Artifact, ArtifactsQuery, Buildkite, Job, Pipeline, SaveArtifacts};
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

/// A build, by pipeline and number: `bk.pipeline("acme", "web").build(42)`.
#[derive(Debug, Clone)]
pub struct Build {
    pub(crate) pipeline: Pipeline,
    pub(crate) number: i64,
}

impl Build {
    pub(crate) fn new(pipeline: Pipeline, number: i64) -> Self {
        Self { pipeline, number }
    }

    /// The build number.
    pub fn number(&self) -> i64 {
        self.number
    }

    /// Fetches the build, with its jobs.
    pub async fn get(&self) -> Result<types::Build> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .get_build()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.number);
        Ok(send(op).await?.into_inner())
    }

    /// Cancels the build (when scheduled, running or failing).
    pub async fn cancel(&self) -> Result<types::Build> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .cancel_build()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.number);
        Ok(send(op).await?.into_inner())
    }

    /// Starts a new build with this one's commit, branch, environment and pull request; returns
    /// the new build.
    pub async fn rebuild(&self) -> Result<types::Build> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .rebuild_build()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.number);
        Ok(send(op).await?.into_inner())
    }

    /// Starts retrying the build's failed jobs: every retryable one, or only those that ended
    /// in the states given to [`only`](RetryFailedJobs::only). Buildkite queues the retries and
    /// answers at once with the build, whose `retried_jobs_count` says how many were queued.
    ///
    /// ```no_run
    /// use kitelab::buildkite::FailedState;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk
    ///     .pipeline("acme", "web")
    ///     .build(42)
    ///     .retry_failed_jobs()
    ///     .only([FailedState::Failed, FailedState::TimedOut])
    ///     .send()
    ///     .await?;
    /// println!("{:?} jobs retried", build.retried_jobs_count);
    /// # Ok(()) }
    /// ```
    pub fn retry_failed_jobs(&self) -> RetryFailedJobs {
        RetryFailedJobs {
            build: self.clone(),
            states: Vec::new(),
        }
    }

    /// Polls until the build finishes (passed, failed, blocked, canceled, skipped or not run;
    /// a state this version does not know counts as finished once `finished_at` is set), and
    /// returns it. See [`Wait`](crate::Wait) for the interval and the timeout.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let pipeline = bk.pipeline("acme", "web");
    /// let started = pipeline.create_build("HEAD", "main").send().await?;
    /// let finished = pipeline.build(started.number).wait().await?;
    /// println!("#{} {}", finished.number, finished.state);
    /// # Ok(()) }
    /// ```
    pub fn wait(&self) -> crate::Wait<types::Build> {
        let build = self.clone();
        let what = format!(
            "build #{} of {}/{}",
            self.number, self.pipeline.org, self.pipeline.slug
        );
        crate::Wait::new(
            what,
            move || {
                let build = build.clone();
                async move { build.get().await }
            },
            unfinished_build,
        )
    }

    /// A job of this build, by id.
    pub fn job(&self, id: impl Into<String>) -> Job {
        Job::new(self.clone(), id.into())
    }

    /// The build's artifacts, of every job.
    pub fn artifacts(&self) -> Artifacts {
        List::new(
            ArtifactsQuery::of_build(self.clone()),
            self.pipeline.bk.per_page(),
        )
    }

    /// An artifact of a job of this build.
    pub fn artifact(&self, job: impl Into<String>, id: impl Into<String>) -> Artifact {
        Artifact::new(self.job(job), id.into())
    }

    /// The handle of an artifact a list of this build yielded, without unwrapping its fields.
    /// Fails with [`Error::InvalidInput`](crate::Error::InvalidInput) when the artifact does not
    /// name its job (Buildkite always does for a build's artifacts).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk.pipeline("acme", "web").build(42);
    /// let mut artifacts = build.artifacts().stream();
    /// while let Some(listed) = artifacts.try_next().await? {
    ///     let bytes = build.artifact_of(&listed)?.download().await?.bytes().await?;
    ///     println!("{}: {} bytes", listed.id, bytes.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn artifact_of(&self, listed: &types::Artifact) -> Result<Artifact> {
        let job = listed.job_id.as_deref().ok_or_else(|| {
            crate::Error::invalid(format!(
                "artifact {} does not name its job (`job_id`), so it has no handle",
                listed.id
            ))
        })?;
        Ok(self.artifact(job, listed.id.clone()))
    }

    /// Downloads every artifact of the build into `dir`, keeping their paths
    /// (`dir/dist/app.bin`): every page of the list, a few downloads at a time, the
    /// directories created as needed, and no file outside `dir` (an unsafe path fails the call
    /// before anything is written). See [`SaveArtifacts::send`] for the rules; a filtered
    /// list is saved with [`save_all`](List::save_all).
    ///
    /// It is `save_*`, not `download_*`, because it writes files: a `download*()` method
    /// always returns one [`Download`](crate::Download) to read.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk.pipeline("my-org", "my-pipeline").build(42);
    /// let done = build.save_artifacts("artifacts").concurrency(8).send().await?;
    /// for saved in &done.saved {
    ///     println!("{} ({} bytes)", saved.path.display(), saved.bytes);
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "download_artifacts")]
    pub fn save_artifacts(&self, dir: impl Into<std::path::PathBuf>) -> SaveArtifacts {
        self.artifacts().save_all(dir)
    }
}

/// The state of a build that has not finished; `None` once it has.
fn unfinished_build(build: &types::Build) -> Option<String> {
    use types::BuildState as S;
    let finished = match &build.state {
        S::Passed | S::Failed | S::Blocked | S::Canceled | S::Skipped | S::NotRun => true,
        S::Unrecognized(_) => build.finished_at.is_some(),
        _ => false,
    };
    (!finished).then(|| build.state.to_string())
}

/// Whose builds are listed.
#[derive(Debug, Clone)]
pub(crate) enum BuildScope {
    All,
    Organization(String),
    Pipeline(String, String),
}

/// A list of builds with its filters: `pipeline.builds()`, `organization.builds()`,
/// `bk.builds()`. Set filters with the methods of [`List<BuildsQuery>`](List#impl-List<BuildsQuery>).
#[derive(Debug, Clone)]
pub struct BuildsQuery {
    bk: Buildkite,
    scope: BuildScope,
    states: Vec<types::BuildState>,
    branches: Vec<String>,
    commits: Vec<String>,
    creator: Option<String>,
    created_from: Option<Timestamp>,
    created_to: Option<Timestamp>,
    finished_from: Option<Timestamp>,
    include_retried_jobs: Option<bool>,
    exclude_jobs: Option<bool>,
    exclude_pipeline: Option<bool>,
    include_paused: Option<bool>,
    meta_data: Vec<(String, String)>,
}

impl BuildsQuery {
    pub(crate) fn new(bk: Buildkite, scope: BuildScope) -> Self {
        Self {
            bk,
            scope,
            states: Vec::new(),
            branches: Vec::new(),
            commits: Vec::new(),
            creator: None,
            created_from: None,
            created_to: None,
            finished_from: None,
            include_retried_jobs: None,
            exclude_jobs: None,
            exclude_pipeline: None,
            include_paused: None,
            meta_data: Vec::new(),
        }
    }
}

/// Build-list filters.
impl List<BuildsQuery> {
    /// Only builds in these states (`state[]`); `BuildState::Finished` matches every finished one.
    pub fn state(mut self, states: impl IntoIterator<Item = types::BuildState>) -> Self {
        self.query.states.extend(states);
        self
    }

    /// Only builds of these branches (`branch[]`; globs such as `release/*` work).
    pub fn branch<S: Into<String>>(mut self, branches: impl IntoIterator<Item = S>) -> Self {
        self.query
            .branches
            .extend(branches.into_iter().map(Into::into));
        self
    }

    /// Only builds of these commits (`commit[]`; full SHAs).
    pub fn commit<S: Into<String>>(mut self, commits: impl IntoIterator<Item = S>) -> Self {
        self.query
            .commits
            .extend(commits.into_iter().map(Into::into));
        self
    }

    /// Only builds created by this user (a user UUID).
    pub fn creator(mut self, user_id: impl Into<String>) -> Self {
        self.query.creator = Some(user_id.into());
        self
    }

    /// Only builds created at or after this time.
    pub fn created_from(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.created_from = Some(time.into());
        self
    }

    /// Only builds created before this time.
    pub fn created_to(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.created_to = Some(time.into());
        self
    }

    /// Only builds finished at or after this time.
    pub fn finished_from(mut self, time: impl Into<Timestamp>) -> Self {
        self.query.finished_from = Some(time.into());
        self
    }

    /// Include retried jobs in each build's `jobs` (`include_retried_jobs`).
    pub fn include_retried(mut self, yes: bool) -> Self {
        self.query.include_retried_jobs = Some(yes);
        self
    }

    /// Leave out each build's jobs (faster, smaller pages).
    pub fn exclude_jobs(mut self, yes: bool) -> Self {
        self.query.exclude_jobs = Some(yes);
        self
    }

    /// Leave out each build's pipeline.
    pub fn exclude_pipeline(mut self, yes: bool) -> Self {
        self.query.exclude_pipeline = Some(yes);
        self
    }

    /// Whether builds with jobs on paused queues are listed (`include_paused`; the service's
    /// default is `true`). With `false`, builds whose jobs are all on paused queues are left
    /// out, and so are the jobs on paused queues of the other builds.
    pub fn include_paused(mut self, yes: bool) -> Self {
        self.query.include_paused = Some(yes);
        self
    }

    /// Only builds whose meta-data `key` is `value` (`meta_data[key]=value`); repeat for several.
    pub fn meta_data(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.meta_data.push((key.into(), value.into()));
        self
    }
}

/// Applies the filters every build list shares to a generated list builder.
macro_rules! with_build_filters {
    ($op:expr, $q:expr, $at:expr) => {{
        let q = $q;
        let mut op = $op.page($at.page()).per_page($at.per_page());
        if !q.states.is_empty() {
            op = op.state(q.states.clone());
        }
        if !q.branches.is_empty() {
            op = op.branch(q.branches.clone());
        }
        if !q.commits.is_empty() {
            op = op.commit(q.commits.clone());
        }
        if let Some(v) = &q.creator {
            op = op.creator(v.clone());
        }
        if let Some(v) = q.created_from {
            op = op.created_from(v);
        }
        if let Some(v) = q.created_to {
            op = op.created_to(v);
        }
        if let Some(v) = q.finished_from {
            op = op.finished_from(v);
        }
        if let Some(v) = q.include_retried_jobs {
            op = op.include_retried_jobs(v);
        }
        if let Some(v) = q.exclude_jobs {
            op = op.exclude_jobs(v);
        }
        if let Some(v) = q.exclude_pipeline {
            op = op.exclude_pipeline(v);
        }
        if let Some(v) = q.include_paused {
            op = op.include_paused(v);
        }
        op
    }};
}

impl crate::pagination::sealed::Sealed for BuildsQuery {}

impl ListQuery for BuildsQuery {
    type Item = types::Build;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        // `meta_data[key]=value` is a map in the query, which the spec cannot express.
        let extra: Vec<(String, String)> = self
            .meta_data
            .iter()
            .map(|(k, v)| (format!("meta_data[{k}]"), v.clone()))
            .collect();
        let api = self.bk.api_with_query(extra);
        let api = &api;
        let response = match &self.scope {
            BuildScope::All => {
                let op = with_build_filters!(api.list_builds(), &self, &at);
                at.send(op).await?
            }
            BuildScope::Organization(org) => {
                let op =
                    with_build_filters!(api.list_organization_builds().org_slug(org), &self, &at);
                at.send(op).await?
            }
            BuildScope::Pipeline(org, slug) => {
                let op = with_build_filters!(
                    api.list_pipeline_builds().org_slug(org).pipeline_slug(slug),
                    &self,
                    &at
                );
                at.send(op).await?
            }
        };
        Ok(response)
    }
}

/// Creates a build: `pipeline.create_build(commit, branch)`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateBuild {
    pipeline: Pipeline,
    commit: String,
    branch: String,
    message: Option<String>,
    clean_checkout: Option<bool>,
    ignore_pipeline_branch_filters: Option<bool>,
    author: Option<types::Author>,
    env: BTreeMap<String, String>,
    meta_data: BTreeMap<String, String>,
    pull_request_id: Option<i64>,
    pull_request_base_branch: Option<String>,
    pull_request_repository: Option<String>,
    pull_request_labels: Vec<String>,
}

impl CreateBuild {
    pub(crate) fn new(pipeline: Pipeline, commit: String, branch: String) -> Self {
        Self {
            pipeline,
            commit,
            branch,
            message: None,
            clean_checkout: None,
            ignore_pipeline_branch_filters: None,
            author: None,
            env: BTreeMap::new(),
            meta_data: BTreeMap::new(),
            pull_request_id: None,
            pull_request_base_branch: None,
            pull_request_repository: None,
            pull_request_labels: Vec::new(),
        }
    }

    /// The build's message (default: the commit message).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Remove any existing checkout on the agent first.
    pub fn clean_checkout(mut self, yes: bool) -> Self {
        self.clean_checkout = Some(yes);
        self
    }

    /// Run even if the pipeline's branch filters exclude the branch.
    pub fn ignore_pipeline_branch_filters(mut self, yes: bool) -> Self {
        self.ignore_pipeline_branch_filters = Some(yes);
        self
    }

    /// The author shown on the build.
    pub fn author(mut self, name: impl Into<String>, email: impl Into<String>) -> Self {
        self.author = Some(types::Author {
            name: Some(name.into()),
            email: Some(email.into()),
            username: None,
        });
        self
    }

    /// An environment variable for every job.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// A meta-data entry.
    pub fn meta_data(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta_data.insert(key.into(), value.into());
        self
    }

    /// Build a pull request: its number, base branch and (for forks) repository.
    pub fn pull_request(
        mut self,
        id: i64,
        base_branch: impl Into<String>,
        repository: Option<String>,
    ) -> Self {
        self.pull_request_id = Some(id);
        self.pull_request_base_branch = Some(base_branch.into());
        self.pull_request_repository = repository;
        self
    }

    /// The pull request's labels.
    pub fn pull_request_labels<S: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = S>,
    ) -> Self {
        self.pull_request_labels
            .extend(labels.into_iter().map(Into::into));
        self
    }

    /// Creates the build and returns it.
    pub async fn send(self) -> Result<types::Build> {
        let (org, slug) = self.pipeline.ids();
        if self.commit.trim().is_empty() || self.branch.trim().is_empty() {
            return Err(crate::Error::invalid("a build needs a commit and a branch"));
        }
        let body = types::CreateBuildRequest {
            author: self.author,
            branch: self.branch,
            clean_checkout: self.clean_checkout,
            commit: self.commit,
            env: self.env,
            ignore_pipeline_branch_filters: self.ignore_pipeline_branch_filters,
            message: self.message,
            meta_data: self.meta_data,
            pull_request_base_branch: self.pull_request_base_branch,
            pull_request_id: self.pull_request_id,
            pull_request_labels: self.pull_request_labels,
            pull_request_repository: self.pull_request_repository,
        };
        let op = self
            .pipeline
            .bk
            .api()
            .create_build()
            .org_slug(org)
            .pipeline_slug(slug)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// How a job failed, for [`Build::retry_failed_jobs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailedState {
    /// `canceled`
    Canceled,
    /// `expired`
    Expired,
    /// `failed`
    Failed,
    /// `soft_failed`
    SoftFailed,
    /// `timed_out`
    TimedOut,
}

impl FailedState {
    /// The state as Buildkite writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailedState::Canceled => "canceled",
            FailedState::Expired => "expired",
            FailedState::Failed => "failed",
            FailedState::SoftFailed => "soft_failed",
            FailedState::TimedOut => "timed_out",
        }
    }
}

/// Retries a build's failed jobs: `build.retry_failed_jobs()`, optionally
/// [`only`](Self::only), then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is retried until `.send()`"]
pub struct RetryFailedJobs {
    build: Build,
    states: Vec<FailedState>,
}

impl RetryFailedJobs {
    /// Retries only the jobs that ended in these states (all retryable failures otherwise).
    pub fn only(mut self, states: impl IntoIterator<Item = FailedState>) -> Self {
        for state in states {
            if !self.states.contains(&state) {
                self.states.push(state);
            }
        }
        self
    }

    /// Queues the retries; returns the build (`retried_jobs_count` says how many).
    pub async fn send(self) -> Result<types::Build> {
        let (org, slug) = self.build.pipeline.ids();
        // Buildkite takes the states as one comma-separated string.
        let states = self
            .states
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let body = types::RetryFailedJobsRequest {
            states: (!states.is_empty()).then_some(states),
        };
        let op = self
            .build
            .pipeline
            .bk
            .api()
            .retry_failed_jobs()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.build.number)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// A list of builds, `List<BuildsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Builds = List<BuildsQuery>;
