//! CI/CD variables of projects and of groups, and the [`Group`] handle.
//!
//! Both owners have the same operations, bodies and models; one implementation serves both, and
//! the handle remembers whose variable it is.
//!
//! A key can exist once per environment scope. When several variables share a key, GitLab answers
//! 409 "There are multiple variables with provided parameters. Please use
//! 'filter[environment_scope]'": select one with [`Variable::environment_scope`].

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::{GitLab, Project, ProjectId};
use crate::pagination::{ListQuery, PageAt};
use crate::{call, segment, List, Page, Result};

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
    gl: GitLab,
    id: GroupId,
}

impl Group {
    /// The group's id.
    pub fn id(&self) -> &GroupId {
        &self.id
    }

    /// The group's CI/CD variables.
    pub fn variables(&self) -> List<VariablesQuery> {
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

    fn checked_id(&self) -> Result<&str> {
        segment("the group id", self.id.as_str())
    }
}

/// Project CI/CD variables.
impl Project {
    /// The project's CI/CD variables (hidden ones without their value).
    pub fn variables(&self) -> List<VariablesQuery> {
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

/// Whose variables: the one thing that differs between project and group variables.
#[derive(Debug, Clone)]
enum Owner {
    Project(Project),
    Group(Group),
}

impl Owner {
    fn variables(self) -> List<VariablesQuery> {
        let per_page = match &self {
            Owner::Project(project) => project.gl.per_page(),
            Owner::Group(group) => group.gl.per_page(),
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

/// Runs the project or the group form of a variable operation and converts its error: `$op` is
/// the generated builder with the owner's id set, and `$finish` completes and sends it.
macro_rules! by_owner {
    ($owner:expr, $project_op:ident / $group_op:ident, |$op:ident| $finish:expr) => {
        match $owner {
            Owner::Project(project) => {
                let $op = project.gl.api().$project_op().id(project.id.checked()?);
                call(stringify!($project_op), $finish).await?
            }
            Owner::Group(group) => {
                let $op = group.gl.api().$group_op().id(group.checked_id()?);
                call(stringify!($group_op), $finish).await?
            }
        }
    };
}

/// Adds `filter[environment_scope]` to a generated builder when a scope is selected.
macro_rules! with_scope {
    ($op:expr, $scope:expr) => {{
        let op = $op;
        match $scope {
            Some(scope) => op.filter_environment_scope(scope),
            None => op,
        }
    }};
}

/// A CI/CD variable of a project or a group: `project.variable("KEY")`,
/// `gl.group("group").variable("KEY")`.
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
    /// [`update`](Self::update) and [`delete`](Self::delete).
    pub fn environment_scope(mut self, scope: impl Into<String>) -> Self {
        self.environment_scope = Some(scope.into());
        self
    }

    /// Fetches the variable.
    pub async fn get(&self) -> Result<types::Variable> {
        let (key, scope) = self.checked()?;
        Ok(by_owner!(
            &self.owner,
            get_project_variable / get_group_variable,
            |op| with_scope!(op.key(key), scope).send()
        )
        .into_inner())
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
        by_owner!(
            &self.owner,
            delete_project_variable / delete_group_variable,
            |op| with_scope!(op.key(key), scope).send()
        );
        Ok(())
    }

    /// The key and the selected scope, checked: an empty one fails before anything is sent.
    fn checked(&self) -> Result<(&str, Option<&str>)> {
        let key = segment("the variable key", &self.key)?;
        let scope = self
            .environment_scope
            .as_deref()
            .map(|s| segment("the environment scope", s))
            .transpose()?;
        Ok((key, scope))
    }
}

/// Creates a project or group CI/CD variable: `project.create_variable(key, value)`, options,
/// then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateVariable {
    owner: Owner,
    body: types::CreateVariableRequest,
}

impl CreateVariable {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// The environments the variable is for: `production`, `review/*` (default `*`, all;
    /// Premium or Ultimate for groups).
    pub fn environment_scope(mut self, scope: impl Into<String>) -> Self {
        self.body.environment_scope = Some(scope.into());
        self
    }

    /// Masks the value in job logs (default `false`); the value must meet GitLab's masking rules.
    pub fn masked(mut self, masked: bool) -> Self {
        self.body.masked = Some(masked);
        self
    }

    /// Masks the value and hides it in the UI and API for good (GitLab 17.4+; default `false`).
    pub fn masked_and_hidden(mut self, yes: bool) -> Self {
        self.body.masked_and_hidden = Some(yes);
        self
    }

    /// Exports the variable only to pipelines of protected branches and tags (default `false`).
    pub fn protected(mut self, protected: bool) -> Self {
        self.body.protected = Some(protected);
        self
    }

    /// Uses the value as is, without expanding `$OTHER` variables in it (default `false`).
    pub fn raw(mut self, raw: bool) -> Self {
        self.body.raw = Some(raw);
        self
    }

    /// `env_var` (the default) or `file`: the job sees a path to a file holding the value.
    pub fn variable_type(mut self, variable_type: types::VariableType) -> Self {
        self.body.variable_type = Some(variable_type);
        self
    }

    /// Creates the variable and returns it. An empty key fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::Variable> {
        let Self { owner, body } = self;
        segment("the variable key", &body.key)?;
        Ok(by_owner!(
            &owner,
            create_project_variable / create_group_variable,
            |op| op.body(body).send()
        )
        .into_inner())
    }
}

/// Updates a project or group CI/CD variable: `variable.update()`, changes, then
/// [`send`](Self::send). The variable is the one the handle selects (its key, and its
/// [`environment_scope`](Variable::environment_scope) if set).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateVariable {
    variable: Variable,
    body: types::UpdateVariableRequest,
}

impl UpdateVariable {
    /// The new value.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.body.value = Some(kitelab_api::SecretString::new(value));
        self
    }

    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// Moves the variable to another environment scope. (To select which variable to update, set
    /// [`Variable::environment_scope`] on the handle.)
    pub fn environment_scope(mut self, scope: impl Into<String>) -> Self {
        self.body.environment_scope = Some(scope.into());
        self
    }

    /// Masks the value in job logs, or stops masking it.
    pub fn masked(mut self, masked: bool) -> Self {
        self.body.masked = Some(masked);
        self
    }

    /// Exports the variable only to protected refs, or to all.
    pub fn protected(mut self, protected: bool) -> Self {
        self.body.protected = Some(protected);
        self
    }

    /// Uses the value as is, or expands variables in it.
    pub fn raw(mut self, raw: bool) -> Self {
        self.body.raw = Some(raw);
        self
    }

    /// Changes the type: `env_var` or `file`.
    pub fn variable_type(mut self, variable_type: types::VariableType) -> Self {
        self.body.variable_type = Some(variable_type);
        self
    }

    /// Updates the variable and returns it.
    pub async fn send(self) -> Result<types::Variable> {
        let Self { variable, body } = self;
        let (key, scope) = variable.checked()?;
        Ok(by_owner!(
            &variable.owner,
            update_project_variable / update_group_variable,
            |op| with_scope!(op.key(key), scope).body(body).send()
        )
        .into_inner())
    }
}

/// The CI/CD variables of a project or a group: `project.variables()`, `group.variables()`.
#[derive(Debug, Clone)]
pub struct VariablesQuery {
    owner: Owner,
}

impl crate::pagination::sealed::Sealed for VariablesQuery {}

impl ListQuery for VariablesQuery {
    type Item = types::Variable;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let response = by_owner!(
            &self.owner,
            list_project_variables / list_group_variables,
            |op| op.page(at.page()).per_page(at.per_page()).send()
        );
        Ok(at.page_of(response))
    }
}
