//! Runners: the ones a user can see, every runner of the instance, a project's and a group's;
//! one runner's details, settings, managers and jobs; assigning runners to projects.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::{GitLab, Group, Project};
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

/// Runners.
impl GitLab {
    /// The runners the user can see: the ones of their projects and groups.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::gitlab::types::RunnerStatusFilter;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let offline: Vec<_> = gl
    ///     .runners()
    ///     .status(RunnerStatusFilter::Offline)
    ///     .tags(["docker", "linux"])
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// for runner in offline {
    ///     gl.runner(runner.id).pause().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn runners(&self) -> Runners {
        RunnersOf::Mine(self.clone()).list()
    }

    /// Every runner of the instance (an administrator's token).
    pub fn all_runners(&self) -> Runners {
        RunnersOf::All(self.clone()).list()
    }

    /// A runner, by id.
    pub fn runner(&self, id: i64) -> Runner {
        Runner {
            gl: self.clone(),
            id,
        }
    }
}

/// Project runners.
impl Project {
    /// The runners available to the project: its own, its groups' and the instance's.
    pub fn runners(&self) -> Runners {
        RunnersOf::Project(self.clone()).list()
    }

    /// Lets the project use a project runner of another project; returns the runner.
    pub async fn assign_runner(&self, runner_id: i64) -> Result<types::Runner> {
        let body = types::AssignProjectRunnerRequest { runner_id };
        let op = self
            .gl
            .api()
            .assign_project_runner()
            .id(self.id.as_str())
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Stops the project from using a project runner (GitLab refuses the runner's own
    /// project).
    pub async fn unassign_runner(&self, runner_id: i64) -> Result<()> {
        let op = self
            .gl
            .api()
            .unassign_project_runner()
            .id(self.id.as_str())
            .runner_id(runner_id);
        send(op).await?;
        Ok(())
    }
}

/// Group runners.
impl Group {
    /// The group's runners, its subgroups' and projects' included (no
    /// [`scope`](List::scope) filter).
    pub fn runners(&self) -> Runners {
        RunnersOf::Group(self.clone()).list()
    }
}

/// A runner: `gl.runner(id)`.
///
/// ```no_run
/// use futures_util::TryStreamExt;
///
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let runner = gl.runner(6);
/// let details = runner.get().await?;
/// runner.update().tags(["docker", "arm64"]).maximum_timeout(3600).send().await?;
/// let recent: Vec<_> = runner.jobs().max_items(50).stream().try_collect().await?;
/// # let _ = (details, recent); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Runner {
    gl: GitLab,
    id: i64,
}

impl Runner {
    /// The runner's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the runner's details.
    pub async fn get(&self) -> Result<types::RunnerDetails> {
        Ok(send(self.gl.api().get_runner().runner_id(self.id))
            .await?
            .into_inner())
    }

    /// Starts changing the runner's settings; only the fields set change.
    pub fn update(&self) -> UpdateRunner {
        UpdateRunner {
            runner: self.clone(),
            body: types::UpdateRunnerRequest::default(),
        }
    }

    /// Pauses the runner: it takes no new jobs. Returns its details.
    pub async fn pause(&self) -> Result<types::RunnerDetails> {
        self.update().paused(true).send().await
    }

    /// Resumes a paused runner. Returns its details.
    pub async fn resume(&self) -> Result<types::RunnerDetails> {
        self.update().paused(false).send().await
    }

    /// Deletes the runner.
    pub async fn delete(&self) -> Result<()> {
        send(self.gl.api().delete_runner().runner_id(self.id)).await?;
        Ok(())
    }

    /// The runner's managers: the machines running it, each with its system id.
    pub async fn managers(&self) -> Result<Vec<types::RunnerManager>> {
        let op = self.gl.api().list_runner_managers().runner_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// The jobs the runner ran, newest first, by keyset (no deep-offset limit).
    pub fn jobs(&self) -> RunnerJobs {
        List::new(
            RunnerJobsQuery {
                runner: self.clone(),
                status: None,
                system_id: None,
            },
            self.gl.per_page(),
        )
    }

    /// Replaces the runner's authentication token; returns the new one (shown once).
    pub async fn reset_authentication_token(&self) -> Result<types::ResetTokenResult> {
        let op = self
            .gl
            .api()
            .reset_runner_authentication_token()
            .runner_id(self.id);
        Ok(send(op).await?.into_inner())
    }
}

/// Changes a runner's settings: `runner.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateRunner {
    runner: Runner,
    body: types::UpdateRunnerRequest,
}

impl UpdateRunner {
    /// The description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// Paused (takes no new jobs) or not.
    pub fn paused(mut self, paused: bool) -> Self {
        self.body.paused = Some(paused);
        self
    }

    /// The runner's tags, replacing the current ones (at least one: GitLab reads an empty
    /// list as no change).
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.body.tag_list = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the runner takes jobs without tags.
    pub fn run_untagged(mut self, yes: bool) -> Self {
        self.body.run_untagged = Some(yes);
        self
    }

    /// Whether the runner is locked to its current projects.
    pub fn locked(mut self, yes: bool) -> Self {
        self.body.locked = Some(yes);
        self
    }

    /// Which refs the runner runs jobs for: all, or protected ones only.
    pub fn access_level(mut self, level: types::RunnerAccessLevel) -> Self {
        self.body.access_level = Some(level);
        self
    }

    /// The longest a job may run on this runner, in seconds (at least 600 in GitLab).
    pub fn maximum_timeout(mut self, seconds: i64) -> Self {
        self.body.maximum_timeout = Some(seconds);
        self
    }

    /// A note for the runner's maintainers.
    pub fn maintenance_note(mut self, note: impl Into<String>) -> Self {
        self.body.maintenance_note = Some(note.into());
        self
    }

    /// Updates the runner and returns its details. An empty tag fails with
    /// [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::RunnerDetails> {
        for tag in &self.body.tag_list {
            segment("a runner tag", tag)?;
        }
        let op = self
            .runner
            .gl
            .api()
            .update_runner()
            .runner_id(self.runner.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Whose runners a list reads.
#[derive(Debug, Clone)]
enum RunnersOf {
    Mine(GitLab),
    All(GitLab),
    Project(Project),
    Group(Group),
}

impl RunnersOf {
    fn list(self) -> Runners {
        let per_page = match &self {
            RunnersOf::Mine(gl) | RunnersOf::All(gl) => gl.per_page(),
            RunnersOf::Project(project) => project.gl.per_page(),
            RunnersOf::Group(group) => group.gl.per_page(),
        };
        List::new(
            RunnersQuery {
                of: self,
                filters: RunnerFilters::default(),
            },
            per_page,
        )
    }
}

#[derive(Debug, Clone, Default)]
struct RunnerFilters {
    scope: Option<types::RunnerScope>,
    runner_type: Option<types::RunnerType>,
    status: Option<types::RunnerStatusFilter>,
    paused: Option<bool>,
    tags: Vec<String>,
    version_prefix: Option<String>,
}

/// A list of runners: `gl.runners()`, `gl.all_runners()`, `project.runners()`,
/// `group.runners()`.
#[derive(Debug, Clone)]
pub struct RunnersQuery {
    of: RunnersOf,
    filters: RunnerFilters,
}

/// Runner-list filters.
impl List<RunnersQuery> {
    /// Only runners of this kind or status (`instance_type`, `online`, `paused`, …; not for
    /// group runners, which fail with [`Error::InvalidInput`]).
    pub fn scope(mut self, scope: types::RunnerScope) -> Self {
        self.query.filters.scope = Some(scope);
        self
    }

    /// Only instance, group or project runners.
    pub fn runner_type(mut self, runner_type: types::RunnerType) -> Self {
        self.query.filters.runner_type = Some(runner_type);
        self
    }

    /// Only runners in this state: online, offline, stale or never contacted.
    pub fn status(mut self, status: types::RunnerStatusFilter) -> Self {
        self.query.filters.status = Some(status);
        self
    }

    /// Only paused runners, or only running ones.
    pub fn paused(mut self, paused: bool) -> Self {
        self.query.filters.paused = Some(paused);
        self
    }

    /// Only runners with every one of these tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.query
            .filters
            .tags
            .extend(tags.into_iter().map(Into::into));
        self
    }

    /// Only runners whose version starts with this (`15`, `15.6`, `15.6.1`).
    pub fn version_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.query.filters.version_prefix = Some(prefix.into());
        self
    }
}

/// Applies the runner-list filters to one of the generated list builders.
macro_rules! filtered {
    ($op:expr, $f:expr, $at:expr) => {{
        let f = $f;
        let mut op = $op.page($at.page()).per_page($at.per_page());
        if let Some(t) = &f.runner_type {
            op = op.type_(t.clone());
        }
        if let Some(s) = &f.status {
            op = op.status(s.clone());
        }
        if let Some(p) = f.paused {
            op = op.paused(p);
        }
        if !f.tags.is_empty() {
            // GitLab takes the tags as one comma-separated value.
            op = op.tag_list(f.tags.join(","));
        }
        if let Some(v) = &f.version_prefix {
            op = op.version_prefix(v.clone());
        }
        op
    }};
}

impl crate::pagination::sealed::Sealed for RunnersQuery {}

impl ListQuery for RunnersQuery {
    type Item = types::Runner;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let f = &self.filters;
        for tag in &f.tags {
            if tag.trim().is_empty() || tag.contains(',') {
                return Err(Error::invalid(format!(
                    "a runner tag is neither empty nor has a comma, not {tag:?}"
                )));
            }
        }
        let response = match &self.of {
            RunnersOf::Mine(gl) => {
                let mut op = filtered!(gl.api().list_runners(), f, at);
                if let Some(scope) = &f.scope {
                    op = op.scope(scope.clone());
                }
                at.send(op).await?
            }
            RunnersOf::All(gl) => {
                let mut op = filtered!(gl.api().list_all_runners(), f, at);
                if let Some(scope) = &f.scope {
                    op = op.scope(scope.clone());
                }
                at.send(op).await?
            }
            RunnersOf::Project(project) => {
                let op = project
                    .gl
                    .api()
                    .list_project_runners()
                    .id(project.id.as_str());
                let mut op = filtered!(op, f, at);
                if let Some(scope) = &f.scope {
                    op = op.scope(scope.clone());
                }
                at.send(op).await?
            }
            RunnersOf::Group(group) => {
                if f.scope.is_some() {
                    return Err(Error::invalid(
                        "group runners have no scope filter: use runner_type, status or paused",
                    ));
                }
                let op = group.gl.api().list_group_runners().id(group.id().as_str());
                at.send(filtered!(op, f, at)).await?
            }
        };
        Ok(response)
    }
}

/// The jobs a runner ran: `runner.jobs()`, newest first, read by keyset.
#[derive(Debug, Clone)]
pub struct RunnerJobsQuery {
    runner: Runner,
    status: Option<types::JobStatus>,
    system_id: Option<String>,
}

/// Runner-job filters.
impl List<RunnerJobsQuery> {
    /// Only jobs with this status.
    pub fn status(mut self, status: types::JobStatus) -> Self {
        self.query.status = Some(status);
        self
    }

    /// Only jobs of the runner manager with this system id (see [`Runner::managers`]).
    pub fn system_id(mut self, system_id: impl Into<String>) -> Self {
        self.query.system_id = Some(system_id.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for RunnerJobsQuery {}

impl ListQuery for RunnerJobsQuery {
    type Item = types::JobBasicWithProject;

    fn follows_links(&self) -> bool {
        true
    }

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let op = self
            .runner
            .gl
            .api()
            .list_runner_jobs()
            .runner_id(self.runner.id)
            .per_page(at.per_page());
        let mut op = super::jobs_by_keyset!(op, &at, true);
        if let Some(status) = &self.status {
            op = op.status(status.clone());
        }
        if let Some(system_id) = &self.system_id {
            op = op.system_id(segment("the runner manager's system id", system_id)?.to_owned());
        }
        at.send(op).await
    }
}

/// A list of runner jobs, `List<RunnerJobsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type RunnerJobs = List<RunnerJobsQuery>;

/// A list of runners, `List<RunnersQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Runners = List<RunnersQuery>;
