//! Checking CI configuration (CI Lint), and commit statuses: how an external CI system reports
//! on a commit, and reading them back.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::Project;
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

/// CI Lint and commit statuses.
impl Project {
    /// Starts checking a CI/CD configuration in the project's context (its includes, its
    /// variables). See [`LintResult`](types::LintResult)'s `valid`, `errors` and `warnings`.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let yaml = std::fs::read_to_string(".gitlab-ci.yml").unwrap();
    /// let lint = gl.project("group/project").lint(yaml).dry_run(true).send().await?;
    /// if !lint.valid {
    ///     for error in &lint.errors {
    ///         eprintln!("{error}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn lint(&self, content: impl Into<String>) -> LintContent {
        LintContent {
            project: self.clone(),
            body: types::LintRequest {
                content: content.into(),
                dry_run: None,
                include_jobs: None,
                ref_: None,
            },
        }
    }

    /// Starts checking the project's own `.gitlab-ci.yml`, at the head of its default branch
    /// unless [`content_ref`](LintProjectConfig::content_ref) says otherwise.
    pub fn lint_config(&self) -> LintProjectConfig {
        LintProjectConfig {
            project: self.clone(),
            content_ref: None,
            dry_run: None,
            dry_run_ref: None,
            include_jobs: None,
        }
    }

    /// Starts reporting the status of an external job on commit `sha` (GitLab shows it with the
    /// commit, its merge requests and its pipeline).
    ///
    /// ```no_run
    /// use kitelab::gitlab::types::CommitStatusState;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// gl.project("group/project")
    ///     .set_commit_status("18f3e63d05582537db6d183d9d557be09e1f90c8", CommitStatusState::Success)
    ///     .name("external/security-scan")
    ///     .target_url("https://scanner.example.com/runs/991")
    ///     .description("No findings")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn set_commit_status(
        &self,
        sha: impl Into<String>,
        state: types::CommitStatusState,
    ) -> SetCommitStatus {
        SetCommitStatus {
            project: self.clone(),
            sha: sha.into(),
            body: types::CreateCommitStatusRequest {
                context: None,
                coverage: None,
                description: None,
                name: None,
                pipeline_id: None,
                ref_: None,
                state,
                target_url: None,
            },
        }
    }

    /// The statuses of commit `sha`: of its pipelines' jobs and of external systems.
    pub fn commit_statuses(&self, sha: impl Into<String>) -> CommitStatuses {
        List::new(
            CommitStatusesQuery {
                project: self.clone(),
                sha: sha.into(),
                filters: StatusFilters::default(),
            },
            self.gl.per_page(),
        )
    }
}

/// Checks a CI/CD configuration: `project.lint(yaml)`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is checked until `.send()`"]
pub struct LintContent {
    project: Project,
    body: types::LintRequest,
}

impl LintContent {
    /// Simulates creating the pipeline, which finds more errors than the syntax check (default
    /// `false`).
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.body.dry_run = Some(yes);
        self
    }

    /// With [`dry_run`](Self::dry_run), the branch or tag to simulate the pipeline for
    /// (default the project's default branch).
    pub fn dry_run_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.body.ref_ = Some(git_ref.into());
        self
    }

    /// Lists the jobs the configuration would create.
    pub fn include_jobs(mut self, yes: bool) -> Self {
        self.body.include_jobs = Some(yes);
        self
    }

    /// Checks the configuration. An empty one fails with [`Error::InvalidInput`] before
    /// anything is sent; an invalid one is a result with `valid: false`, not an error.
    pub async fn send(self) -> Result<types::LintResult> {
        segment("the CI/CD configuration to check", &self.body.content)?;
        let op = self
            .project
            .gl
            .api()
            .lint_ci_config()
            .id(self.project.id.as_str())
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Checks a project's own CI/CD configuration: `project.lint_config()`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is checked until `.send()`"]
pub struct LintProjectConfig {
    project: Project,
    content_ref: Option<String>,
    dry_run: Option<bool>,
    dry_run_ref: Option<String>,
    include_jobs: Option<bool>,
}

impl LintProjectConfig {
    /// The commit SHA, branch or tag to read the configuration at.
    pub fn content_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.content_ref = Some(git_ref.into());
        self
    }

    /// Simulates creating the pipeline (default `false`).
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = Some(yes);
        self
    }

    /// With [`dry_run`](Self::dry_run), the branch or tag to simulate the pipeline for.
    pub fn dry_run_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.dry_run_ref = Some(git_ref.into());
        self
    }

    /// Lists the jobs the configuration would create.
    pub fn include_jobs(mut self, yes: bool) -> Self {
        self.include_jobs = Some(yes);
        self
    }

    /// Checks the configuration.
    pub async fn send(self) -> Result<types::LintResult> {
        let mut op = self
            .project
            .gl
            .api()
            .lint_project_ci_config()
            .id(self.project.id.as_str());
        if let Some(git_ref) = &self.content_ref {
            op = op.content_ref(segment("the content ref", git_ref)?.to_owned());
        }
        if let Some(yes) = self.dry_run {
            op = op.dry_run(yes);
        }
        if let Some(git_ref) = &self.dry_run_ref {
            op = op.dry_run_ref(segment("the dry-run ref", git_ref)?.to_owned());
        }
        if let Some(yes) = self.include_jobs {
            op = op.include_jobs(yes);
        }
        Ok(send(op).await?.into_inner())
    }
}

/// Reports a commit status: `project.set_commit_status(sha, state)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is reported until `.send()`"]
pub struct SetCommitStatus {
    project: Project,
    sha: String,
    body: types::CreateCommitStatusRequest,
}

impl SetCommitStatus {
    /// The status's name, which identifies it on the commit (default `default`); setting the
    /// same name again updates the status.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// The branch or tag the status is for (needed when the commit is on several).
    pub fn git_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.body.ref_ = Some(git_ref.into());
        self
    }

    /// Where the status links to: the external job's page.
    pub fn target_url(mut self, url: impl Into<String>) -> Self {
        self.body.target_url = Some(url.into());
        self
    }

    /// A short description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// The total code coverage, in percent.
    pub fn coverage(mut self, percent: f64) -> Self {
        self.body.coverage = Some(percent);
        self
    }

    /// The pipeline to attach the status to, when the commit has several.
    pub fn pipeline_id(mut self, id: i64) -> Self {
        self.body.pipeline_id = Some(id);
        self
    }

    /// Reports the status and returns it. An empty SHA or a coverage outside 0 to 100 fails
    /// with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::CommitStatus> {
        let sha = segment("the commit SHA", &self.sha)?;
        if let Some(coverage) = self.body.coverage.filter(|c| !(0.0..=100.0).contains(c)) {
            return Err(Error::invalid(format!(
                "coverage is a percentage, 0 to 100, not {coverage}"
            )));
        }
        let op = self
            .project
            .gl
            .api()
            .create_commit_status()
            .id(self.project.id.as_str())
            .sha(sha)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

#[derive(Debug, Clone, Default)]
struct StatusFilters {
    git_ref: Option<String>,
    stage: Option<String>,
    name: Option<String>,
    pipeline_id: Option<i64>,
    all: Option<bool>,
    order_by: Option<types::CommitStatusOrderBy>,
    sort: Option<types::Sort>,
}

/// The statuses of a commit: `project.commit_statuses(sha)`.
#[derive(Debug, Clone)]
pub struct CommitStatusesQuery {
    project: Project,
    sha: String,
    filters: StatusFilters,
}

/// Commit-status filters.
impl List<CommitStatusesQuery> {
    /// Only statuses for this branch or tag.
    pub fn git_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.query.filters.git_ref = Some(git_ref.into());
        self
    }

    /// Only statuses of jobs in this stage.
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.query.filters.stage = Some(stage.into());
        self
    }

    /// Only statuses with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.query.filters.name = Some(name.into());
        self
    }

    /// Only statuses of this pipeline.
    pub fn pipeline_id(mut self, id: i64) -> Self {
        self.query.filters.pipeline_id = Some(id);
        self
    }

    /// Every status, retried ones included (GitLab's default: the latest of each name).
    pub fn all(mut self, yes: bool) -> Self {
        self.query.filters.all = Some(yes);
        self
    }

    /// Orders by this field (GitLab's default `id`).
    pub fn order_by(mut self, field: types::CommitStatusOrderBy) -> Self {
        self.query.filters.order_by = Some(field);
        self
    }

    /// Ascending or descending (GitLab's default).
    pub fn sort(mut self, sort: types::Sort) -> Self {
        self.query.filters.sort = Some(sort);
        self
    }
}

impl crate::pagination::sealed::Sealed for CommitStatusesQuery {}

impl ListQuery for CommitStatusesQuery {
    type Item = types::CommitStatus;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let f = self.filters;
        let mut op = self
            .project
            .gl
            .api()
            .list_commit_statuses()
            .id(self.project.id.as_str())
            .sha(segment("the commit SHA", &self.sha)?)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(git_ref) = f.git_ref {
            op = op.ref_(git_ref);
        }
        if let Some(stage) = f.stage {
            op = op.stage(stage);
        }
        if let Some(name) = f.name {
            op = op.name(name);
        }
        if let Some(id) = f.pipeline_id {
            op = op.pipeline_id(id);
        }
        if let Some(all) = f.all {
            op = op.all(all);
        }
        if let Some(order_by) = f.order_by {
            op = op.order_by(order_by);
        }
        if let Some(sort) = f.sort {
            op = op.sort(sort);
        }
        at.send(op).await
    }
}

/// A list of commit statuses, `List<CommitStatusesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type CommitStatuses = List<CommitStatusesQuery>;
