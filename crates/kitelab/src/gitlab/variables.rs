//! CI/CD variables of projects, of groups and of the instance, and the [`Group`] handle.
//!
//! The three owners have the same operations and models; one implementation serves them all, and
//! the handle remembers whose variable it is. Instance variables have no environment scope, and
//! cannot be hidden: asking for either fails before anything is sent.
//!
//! A key can exist once per environment scope. When several variables share a key, GitLab answers
//! 409 "There are multiple variables with provided parameters. Please use
//! 'filter[environment_scope]'": select one with [`Variable::environment_scope`].

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::{GitLab, Project, ProjectId};
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, List, Page, Result};

/// A group id: a number or a full path (`group/subgroup`), passed raw; kitelab encodes it once.
/// It is the same type as [`ProjectId`], with the same conversions.
///
/// ```
/// use kitelab::gitlab::GroupId;
/// assert_eq!(GroupId::from("group/subgroup").as_str(), "group/subgroup");
/// assert_eq!(GroupId::from(42).as_str(), "42");
/// ```
pub type GroupId = ProjectId;

/// Groups.
impl GitLab {
    /// A group, by numeric id or full path (`"group/subgroup"`).
    pub fn group(&self, id: impl Into<GroupId>) -> Group {
        Group {
            gl: self.clone(),
            id: id.into(),
        }
    }
}

/// Instance CI/CD variables (`/admin/ci/variables`; an administrator's token). They work like a
/// project's, without environment scopes.
///
/// ```no_run
/// use futures_util::TryStreamExt;
///
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let all: Vec<_> = gl.instance_variables().stream().try_collect().await?;
/// gl.create_instance_variable("REGISTRY_MIRROR", "https://mirror.example.com")
///     .protected(true)
///     .send()
///     .await?;
/// gl.instance_variable("REGISTRY_MIRROR")
///     .update()
///     .value("https://mirror2.example.com")
///     .send()
///     .await?;
/// gl.instance_variable("REGISTRY_MIRROR").delete().await?;
/// # let _ = all; Ok(()) }
/// ```
impl GitLab {
    /// The instance's CI/CD variables.
    pub fn instance_variables(&self) -> Variables {
        Owner::Instance(self.clone()).variables()
    }

    /// An instance CI/CD variable, by key.
    pub fn instance_variable(&self, key: impl Into<String>) -> Variable {
        Owner::Instance(self.clone()).variable(key.into())
    }

    /// Starts creating an instance CI/CD variable.
    pub fn create_instance_variable(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> CreateVariable {
        Owner::Instance(self.clone()).create_variable(key.into(), value.into())
    }
}

/// A group: `gl.group("group/subgroup")` or `gl.group(42)`. Its CI/CD variables work like a
/// project's.
///
/// ```no_run
/// use futures_util::TryStreamExt;
///
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let group = gl.group("group/subgroup");
/// let all: Vec<_> = group.variables().stream().try_collect().await?;
/// group
///     .create_variable("REGISTRY_PASSWORD", "s3cr3t")
///     .masked(true)
///     .protected(true)
///     .send()
///     .await?;
/// # let _ = all; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Group {
    pub(crate) gl: GitLab,
    id: GroupId,
}

impl Group {
    /// The group's id.
    pub fn id(&self) -> &GroupId {
        &self.id
    }

    /// The group's CI/CD variables.
    pub fn variables(&self) -> Variables {
        Owner::Group(self.clone()).variables()
    }

    /// A group CI/CD variable, by key.
    pub fn variable(&self, key: impl Into<String>) -> Variable {
        Owner::Group(self.clone()).variable(key.into())
    }

    /// Starts creating a group CI/CD variable.
    pub fn create_variable(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> CreateVariable {
        Owner::Group(self.clone()).create_variable(key.into(), value.into())
    }
}

/// Project CI/CD variables.
impl Project {
    /// The project's CI/CD variables (hidden ones without their value).
    pub fn variables(&self) -> Variables {
        Owner::Project(self.clone()).variables()
    }

    /// A project CI/CD variable, by key; see [`Variable::environment_scope`] when the key exists
    /// in several scopes.
    pub fn variable(&self, key: impl Into<String>) -> Variable {
        Owner::Project(self.clone()).variable(key.into())
    }

    /// Starts creating a project CI/CD variable.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let variable = gl
    ///     .project("group/project")
    ///     .create_variable("DEPLOY_TOKEN", "s3cr3t")
    ///     .environment_scope("production")
    ///     .masked(true)
    ///     .protected(true)
    ///     .send()
    ///     .await?;
    /// # let _ = variable; Ok(()) }
    /// ```
    pub fn create_variable(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> CreateVariable {
        Owner::Project(self.clone()).create_variable(key.into(), value.into())
    }
}

/// Whose variables: the one thing that differs between project, group and instance variables.
#[derive(Debug, Clone)]
enum Owner {
    Project(Project),
    Group(Group),
    Instance(GitLab),
}

impl Owner {
    fn variables(self) -> Variables {
        let per_page = match &self {
            Owner::Project(project) => project.gl.per_page(),
            Owner::Group(group) => group.gl.per_page(),
            Owner::Instance(gl) => gl.per_page(),
        };
        List::new(VariablesQuery { owner: self }, per_page)
    }

    fn variable(self, key: String) -> Variable {
        Variable {
            owner: self,
            key,
            environment_scope: None,
        }
    }

    fn create_variable(self, key: String, value: String) -> CreateVariable {
        CreateVariable {
            owner: self,
            body: types::CreateVariableRequest {
                description: None,
                environment_scope: None,
                key,
                masked: None,
                masked_and_hidden: None,
                protected: None,
                raw: None,
                value: value.into(),
                variable_type: None,
            },
        }
    }
}

/// Refuses an option instance variables do not have, when it is `asked` of one.
fn not_for_the_instance(owner: &Owner, asked: bool, what: &str) -> Result<()> {
    match owner {
        Owner::Instance(_) if asked => Err(crate::Error::invalid(format!(
            "instance variables have no {what}"
        ))),
        _ => Ok(()),
    }
}

/// The instance form of a create body (checked to have no scope and no hiding).
fn instance_create(body: types::CreateVariableRequest) -> types::CreateInstanceVariableRequest {
    types::CreateInstanceVariableRequest {
        description: body.description,
        key: body.key,
        masked: body.masked,
        protected: body.protected,
        raw: body.raw,
        value: body.value,
        variable_type: body.variable_type,
    }
}

/// The instance form of an update body (checked to have no scope).
fn instance_update(body: types::UpdateVariableRequest) -> types::UpdateInstanceVariableRequest {
    types::UpdateInstanceVariableRequest {
        description: body.description,
        masked: body.masked,
        protected: body.protected,
        raw: body.raw,
        value: body.value,
        variable_type: body.variable_type,
    }
}

/// A CI/CD variable of a project, a group or the instance: `project.variable("KEY")`,
/// `gl.group("group").variable("KEY")`, `gl.instance_variable("KEY")`.
///
/// ```no_run
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// // The key exists in several environment scopes: select the production one.
/// let variable = gl
///     .project("group/project")
///     .variable("DEPLOY_TOKEN")
///     .environment_scope("production");
/// let current = variable.get().await?;
/// variable.update().value("n3w").masked(true).send().await?;
/// variable.delete().await?;
/// # let _ = current; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Variable {
    owner: Owner,
    key: String,
    environment_scope: Option<String>,
}

impl Variable {
    /// The variable's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Selects the variable of this environment scope (`*`, `production`, `review/*`) when the
    /// key exists in several: sent as `filter[environment_scope]` by [`get`](Self::get),
    /// [`update`](Self::update) and [`delete`](Self::delete). Instance variables have no scope:
    /// for them those calls fail with [`Error::InvalidInput`](crate::Error::InvalidInput).
    pub fn environment_scope(mut self, scope: impl Into<String>) -> Self {
        self.environment_scope = Some(scope.into());
        self
    }

    /// Fetches the variable.
    pub async fn get(&self) -> Result<types::Variable> {
        let (key, scope) = self.checked()?;
        let variable = match &self.owner {
            Owner::Project(project) => {
                let api = project.gl.api();
                let mut op = api.get_project_variable().id(project.id.as_str()).key(key);
                if let Some(scope) = scope {
                    op = op.filter_environment_scope(scope);
                }
                send(op).await?
            }
            Owner::Group(group) => {
                let api = group.gl.api();
                let mut op = api.get_group_variable().id(group.id.as_str()).key(key);
                if let Some(scope) = scope {
                    op = op.filter_environment_scope(scope);
                }
                send(op).await?
            }
            Owner::Instance(gl) => send(gl.api().get_instance_variable().key(key)).await?,
        };
        Ok(variable.into_inner())
    }

    /// Starts updating the variable; only the fields set are changed.
    pub fn update(&self) -> UpdateVariable {
        UpdateVariable {
            variable: self.clone(),
            body: types::UpdateVariableRequest::default(),
        }
    }

    /// Deletes the variable.
    pub async fn delete(&self) -> Result<()> {
        let (key, scope) = self.checked()?;
        match &self.owner {
            Owner::Project(project) => {
                let api = project.gl.api();
                let mut op = api
                    .delete_project_variable()
                    .id(project.id.as_str())
                    .key(key);
                if let Some(scope) = scope {
                    op = op.filter_environment_scope(scope);
                }
                send(op).await?;
            }
            Owner::Group(group) => {
                let api = group.gl.api();
                let mut op = api.delete_group_variable().id(group.id.as_str()).key(key);
                if let Some(scope) = scope {
                    op = op.filter_environment_scope(scope);
                }
                send(op).await?;
            }
            Owner::Instance(gl) => {
                send(gl.api().delete_instance_variable().key(key)).await?;
            }
        }
        Ok(())
    }

    /// The key and the selected scope, checked: an empty one, or a scope on an instance
    /// variable, fails before anything is sent.
    fn checked(&self) -> Result<(&str, Option<&str>)> {
        let key = segment("the variable key", &self.key)?;
        let scope = self
            .environment_scope
            .as_deref()
            .map(|s| segment("the environment scope", s))
            .transpose()?;
        not_for_the_instance(&self.owner, scope.is_some(), "environment scope")?;
        Ok((key, scope))
    }
}

/// Creates a project, group or instance CI/CD variable: `project.create_variable(key, value)`,
/// options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateVariable {
    owner: Owner,
    body: types::CreateVariableRequest,
}

/// The settings a variable is created with and can change to, for both builders.
macro_rules! variable_settings {
    () => {
        /// The description.
        pub fn description(mut self, description: impl Into<String>) -> Self {
            self.body.description = Some(description.into());
            self
        }

        /// Masks the value in job logs, or not (`false` for a new variable); the value must
        /// meet GitLab's masking rules.
        pub fn masked(mut self, masked: bool) -> Self {
            self.body.masked = Some(masked);
            self
        }

        /// Exports the variable only to pipelines of protected branches and tags, or to all
        /// (all for a new variable).
        pub fn protected(mut self, protected: bool) -> Self {
            self.body.protected = Some(protected);
            self
        }

        /// Uses the value as is, without expanding `$OTHER` variables in it, or expands them
        /// (expands for a new variable).
        pub fn raw(mut self, raw: bool) -> Self {
            self.body.raw = Some(raw);
            self
        }

        /// `env_var` (for a new variable) or `file`: the job sees a path to a file holding the
        /// value.
        pub fn variable_type(mut self, variable_type: types::VariableType) -> Self {
            self.body.variable_type = Some(variable_type);
            self
        }
    };
}

impl CreateVariable {
    variable_settings!();

    /// The environments the variable is for: `production`, `review/*` (default `*`, all;
    /// Premium or Ultimate for groups; instance variables have none).
    pub fn environment_scope(mut self, scope: impl Into<String>) -> Self {
        self.body.environment_scope = Some(scope.into());
        self
    }

    /// Masks the value and hides it in the UI and API for good (GitLab 17.4+; default `false`;
    /// not for instance variables).
    pub fn masked_and_hidden(mut self, yes: bool) -> Self {
        self.body.masked_and_hidden = Some(yes);
        self
    }

    /// Creates the variable and returns it. An empty key, or an environment scope or hiding
    /// asked of an instance variable, fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::Variable> {
        let Self { owner, body } = self;
        segment("the variable key", &body.key)?;
        not_for_the_instance(
            &owner,
            body.environment_scope.is_some(),
            "environment scope",
        )?;
        not_for_the_instance(
            &owner,
            body.masked_and_hidden == Some(true),
            "hidden values",
        )?;
        let variable = match &owner {
            Owner::Project(project) => {
                let api = project.gl.api();
                let op = api.create_project_variable().id(project.id.as_str());
                send(op.body(body)).await?
            }
            Owner::Group(group) => {
                let api = group.gl.api();
                let op = api.create_group_variable().id(group.id.as_str());
                send(op.body(body)).await?
            }
            Owner::Instance(gl) => {
                let op = gl.api().create_instance_variable();
                send(op.body(instance_create(body))).await?
            }
        };
        Ok(variable.into_inner())
    }
}

/// Updates a project, group or instance CI/CD variable: `variable.update()`, changes, then
/// [`send`](Self::send). The variable is the one the handle selects (its key, and its
/// [`environment_scope`](Variable::environment_scope) if set).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateVariable {
    variable: Variable,
    body: types::UpdateVariableRequest,
}

impl UpdateVariable {
    variable_settings!();

    /// The new value.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.body.value = Some(kitelab_api::SecretString::new(value));
        self
    }

    /// Moves the variable to another environment scope. (To select which variable to update, set
    /// [`Variable::environment_scope`] on the handle.) Not for instance variables.
    pub fn environment_scope(mut self, scope: impl Into<String>) -> Self {
        self.body.environment_scope = Some(scope.into());
        self
    }

    /// Updates the variable and returns it. Moving an instance variable to an environment
    /// scope fails with [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is
    /// sent.
    pub async fn send(self) -> Result<types::Variable> {
        let Self { variable, body } = self;
        let (key, scope) = variable.checked()?;
        not_for_the_instance(
            &variable.owner,
            body.environment_scope.is_some(),
            "environment scope",
        )?;
        let updated = match &variable.owner {
            Owner::Project(project) => {
                let api = project.gl.api();
                let mut op = api
                    .update_project_variable()
                    .id(project.id.as_str())
                    .key(key);
                if let Some(scope) = scope {
                    op = op.filter_environment_scope(scope);
                }
                send(op.body(body)).await?
            }
            Owner::Group(group) => {
                let api = group.gl.api();
                let mut op = api.update_group_variable().id(group.id.as_str()).key(key);
                if let Some(scope) = scope {
                    op = op.filter_environment_scope(scope);
                }
                send(op.body(body)).await?
            }
            Owner::Instance(gl) => {
                let op = gl.api().update_instance_variable().key(key);
                send(op.body(instance_update(body))).await?
            }
        };
        Ok(updated.into_inner())
    }
}

/// The CI/CD variables of a project, a group or the instance: `project.variables()`,
/// `group.variables()`, `gl.instance_variables()`.
#[derive(Debug, Clone)]
pub struct VariablesQuery {
    owner: Owner,
}

impl crate::pagination::sealed::Sealed for VariablesQuery {}

impl ListQuery for VariablesQuery {
    type Item = types::Variable;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (page, per_page) = (at.page(), at.per_page());
        match &self.owner {
            Owner::Project(project) => {
                let op = project.gl.api().list_project_variables();
                let op = op.id(project.id.as_str()).page(page).per_page(per_page);
                at.send(op).await
            }
            Owner::Group(group) => {
                let op = group.gl.api().list_group_variables().id(group.id.as_str());
                at.send(op.page(page).per_page(per_page)).await
            }
            Owner::Instance(gl) => {
                let op = gl.api().list_instance_variables();
                at.send(op.page(page).per_page(per_page)).await
            }
        }
    }
}

/// A list of variables, `List<VariablesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Variables = List<VariablesQuery>;
