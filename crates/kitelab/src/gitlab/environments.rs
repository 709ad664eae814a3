//! Environments of a project: list, create, read, update, stop and delete them; stop the stale
//! ones and clean up stopped review apps.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;
use kitelab_api::Timestamp;

use super::Project;
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, Error, List, Page, Result};

/// Environments.
impl Project {
    /// The project's environments; filter with the methods of
    /// [`List<EnvironmentsQuery>`](List#impl-List<EnvironmentsQuery>).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::gitlab::types::EnvironmentState;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let review_apps: Vec<_> = gl
    ///     .project("group/project")
    ///     .environments()
    ///     .search("review/")
    ///     .state(EnvironmentState::Available)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = review_apps; Ok(()) }
    /// ```
    pub fn environments(&self) -> Environments {
        List::new(
            EnvironmentsQuery {
                project: self.clone(),
                name: None,
                search: None,
                state: None,
            },
            self.gl.per_page(),
        )
    }

    /// An environment, by id.
    pub fn environment(&self, id: i64) -> Environment {
        Environment {
            project: self.clone(),
            id,
        }
    }

    /// Starts creating an environment.
    ///
    /// ```no_run
    /// use kitelab::gitlab::types::EnvironmentTier;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let environment = gl
    ///     .project("group/project")
    ///     .create_environment("staging")
    ///     .tier(EnvironmentTier::Staging)
    ///     .external_url("https://staging.example.com")
    ///     .send()
    ///     .await?;
    /// # let _ = environment; Ok(()) }
    /// ```
    pub fn create_environment(&self, name: impl Into<String>) -> CreateEnvironment {
        CreateEnvironment {
            project: self.clone(),
            body: types::CreateEnvironmentRequest {
                auto_stop_setting: None,
                cluster_agent_id: None,
                description: None,
                external_url: None,
                flux_resource_path: None,
                kubernetes_namespace: None,
                name: name.into(),
                tier: None,
            },
        }
    }

    /// Asks GitLab to stop every environment last modified or deployed to before `before`
    /// (protected environments excepted); returns GitLab's message. GitLab refuses a time less
    /// than a week or more than ten years ago.
    pub async fn stop_stale_environments(&self, before: impl Into<Timestamp>) -> Result<String> {
        let op = self
            .gl
            .api()
            .stop_stale_environments()
            .id(self.id.as_str())
            .before(before.into());
        Ok(send(op).await?.into_inner().message)
    }

    /// Starts scheduling the project's stopped review apps for deletion. A dry run unless
    /// [`dry_run(false)`](DeleteStoppedReviewApps::dry_run) says otherwise, as in GitLab.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let project = gl.project("group/project");
    /// let would = project.delete_stopped_review_apps().send().await?;
    /// println!("would delete {} review apps", would.scheduled_entries.len());
    /// project.delete_stopped_review_apps().dry_run(false).limit(50).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_stopped_review_apps(&self) -> DeleteStoppedReviewApps {
        DeleteStoppedReviewApps {
            project: self.clone(),
            before: None,
            limit: None,
            dry_run: None,
        }
    }
}

/// An environment of a project: `project.environment(7)`.
///
/// ```no_run
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let environment = gl.project("group/project").environment(7);
/// let details = environment.get().await?;
/// environment.update().external_url("https://review-7.example.com").send().await?;
/// environment.stop().await?;
/// environment.delete().await?;
/// # let _ = details; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Environment {
    project: Project,
    id: i64,
}

impl Environment {
    fn api(&self) -> &kitelab_api::gitlab::Client {
        self.project.gl.api()
    }

    /// The environment's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the environment, with its last deployment.
    pub async fn get(&self) -> Result<types::Environment> {
        let op = self
            .api()
            .get_environment()
            .id(self.project.id.as_str())
            .environment_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the environment; only the fields set change (its name cannot).
    pub fn update(&self) -> UpdateEnvironment {
        UpdateEnvironment {
            environment: self.clone(),
            body: types::UpdateEnvironmentRequest::default(),
        }
    }

    /// Stops the environment, running its `on_stop` job if it has one; returns it.
    pub async fn stop(&self) -> Result<types::Environment> {
        let op = self
            .api()
            .stop_environment()
            .id(self.project.id.as_str())
            .environment_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Stops the environment without running its `on_stop` job; returns it.
    pub async fn force_stop(&self) -> Result<types::Environment> {
        let op = self
            .api()
            .stop_environment()
            .id(self.project.id.as_str())
            .environment_id(self.id)
            .force(true);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the environment (GitLab refuses one that is not stopped).
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_environment()
            .id(self.project.id.as_str())
            .environment_id(self.id);
        send(op).await?;
        Ok(())
    }
}

/// Sets the optional fields shared by the create and update bodies.
macro_rules! environment_fields {
    () => {
        /// The URL of the deployed application.
        pub fn external_url(mut self, url: impl Into<String>) -> Self {
            self.body.external_url = Some(url.into());
            self
        }

        /// The deployment tier: production, staging, testing, development or other.
        pub fn tier(mut self, tier: types::EnvironmentTier) -> Self {
            self.body.tier = Some(tier);
            self
        }

        /// A description.
        pub fn description(mut self, description: impl Into<String>) -> Self {
            self.body.description = Some(description.into());
            self
        }

        /// The agent for Kubernetes to associate, by id.
        pub fn cluster_agent_id(mut self, id: i64) -> Self {
            self.body.cluster_agent_id = Some(id);
            self
        }

        /// The Kubernetes namespace to associate.
        pub fn kubernetes_namespace(mut self, namespace: impl Into<String>) -> Self {
            self.body.kubernetes_namespace = Some(namespace.into());
            self
        }

        /// The Flux resource path to associate.
        pub fn flux_resource_path(mut self, path: impl Into<String>) -> Self {
            self.body.flux_resource_path = Some(path.into());
            self
        }

        /// When the environment stops by itself: `always`, or `with_action` (only when it has
        /// an `on_stop` job).
        pub fn auto_stop_setting(mut self, setting: types::EnvironmentAutoStopSetting) -> Self {
            self.body.auto_stop_setting = Some(setting);
            self
        }
    };
}

/// Creates an environment: `project.create_environment(name)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateEnvironment {
    project: Project,
    body: types::CreateEnvironmentRequest,
}

impl CreateEnvironment {
    environment_fields!();

    /// Creates the environment and returns it. An empty name fails with
    /// [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::Environment> {
        let id = self.project.id.as_str();
        segment("the environment name", &self.body.name)?;
        let op = self
            .project
            .gl
            .api()
            .create_environment()
            .id(id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates an environment: `environment.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateEnvironment {
    environment: Environment,
    body: types::UpdateEnvironmentRequest,
}

impl UpdateEnvironment {
    environment_fields!();

    /// Updates the environment and returns it.
    pub async fn send(self) -> Result<types::Environment> {
        let op = self
            .environment
            .api()
            .update_environment()
            .id(self.environment.project.id.as_str())
            .environment_id(self.environment.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Schedules stopped review apps for deletion: `project.delete_stopped_review_apps()`, options,
/// then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is scheduled until `.send()`"]
pub struct DeleteStoppedReviewApps {
    project: Project,
    before: Option<Timestamp>,
    limit: Option<u32>,
    dry_run: Option<bool>,
}

impl DeleteStoppedReviewApps {
    /// Only review apps older than this (GitLab's default: 30 days ago).
    pub fn before(mut self, time: impl Into<Timestamp>) -> Self {
        self.before = Some(time.into());
        self
    }

    /// At most this many, 1 to 1000 (GitLab's default 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// `false` deletes; GitLab's default, `true`, only reports what would be deleted.
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = Some(yes);
        self
    }

    /// Schedules the deletions (a week later, in GitLab) and returns the environments scheduled
    /// and those that could not be. A limit outside 1 to 1000 fails with
    /// [`Error::InvalidInput`] before anything is sent; GitLab answers 400 when nothing is
    /// deletable.
    pub async fn send(self) -> Result<types::ReviewAppsDeletion> {
        let id = self.project.id.as_str();
        let mut op = self.project.gl.api().delete_stopped_review_apps().id(id);
        if let Some(limit) = self.limit {
            let limit = std::num::NonZeroU32::new(limit)
                .filter(|l| l.get() <= 1000)
                .ok_or_else(|| {
                    Error::invalid(format!("the review-app limit is 1 to 1000, not {limit}"))
                })?;
            op = op.limit(limit);
        }
        if let Some(before) = self.before {
            op = op.before(before);
        }
        if let Some(dry_run) = self.dry_run {
            op = op.dry_run(dry_run);
        }
        Ok(send(op).await?.into_inner())
    }
}

/// A project's environments: `project.environments()`.
#[derive(Debug, Clone)]
pub struct EnvironmentsQuery {
    project: Project,
    name: Option<String>,
    search: Option<String>,
    state: Option<types::EnvironmentState>,
}

/// Environment-list filters.
impl List<EnvironmentsQuery> {
    /// Only the environment with this exact name (not with [`search`](Self::search)).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.query.name = Some(name.into());
        self
    }

    /// Only environments whose name contains this text, at least 3 characters (not with
    /// [`name`](Self::name)).
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.query.search = Some(text.into());
        self
    }

    /// Only environments in this state: available, stopping or stopped.
    pub fn state(mut self, state: types::EnvironmentState) -> Self {
        self.query.state = Some(state);
        self
    }
}

impl crate::pagination::sealed::Sealed for EnvironmentsQuery {}

impl ListQuery for EnvironmentsQuery {
    type Item = types::Environment;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .project
            .gl
            .api()
            .list_environments()
            .id(self.project.id.as_str())
            .page(at.page())
            .per_page(at.per_page());
        match (self.name, self.search) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "an environment list takes a name or a search, not both",
                ))
            }
            (Some(name), None) => op = op.name(segment("the environment name", &name)?.to_owned()),
            (None, Some(text)) if text.chars().count() < 3 => {
                return Err(Error::invalid(format!(
                    "an environment search needs at least 3 characters, not {text:?}"
                )))
            }
            (None, Some(text)) => op = op.search(text),
            (None, None) => {}
        }
        if let Some(state) = self.state {
            op = op.states(state);
        }
        at.send(op).await
    }
}

/// A list of environments, `List<EnvironmentsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Environments = List<EnvironmentsQuery>;
