//! Pipeline schedules: list, create, update, run, take over and delete them, and their variables.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::Project;
use crate::pagination::{ListQuery, PageAt};
use crate::{segment, send, List, Page, Result};

/// Pipeline schedules.
impl Project {
    /// The project's pipeline schedules (without their last pipeline and variables: fetch one
    /// with [`Schedule::get`] for those).
    pub fn schedules(&self) -> Schedules {
        List::new(
            SchedulesQuery {
                project: self.clone(),
                scope: None,
            },
            self.gl.per_page(),
        )
    }

    /// A pipeline schedule, by id.
    pub fn schedule(&self, id: i64) -> Schedule {
        Schedule {
            project: self.clone(),
            id,
        }
    }

    /// Starts creating a pipeline schedule: a description, the branch or tag it runs on (short,
    /// `main`, or full, `refs/heads/main`) and a cron schedule (`0 1 * * *`, UTC unless
    /// [`cron_timezone`](CreateSchedule::cron_timezone) says otherwise).
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let project = gl.project("group/project");
    /// let schedule = project
    ///     .create_schedule("Nightly build", "main", "0 1 * * *")
    ///     .cron_timezone("Europe/Paris")
    ///     .input("environment", "staging")
    ///     .send()
    ///     .await?;
    /// project
    ///     .schedule(schedule.id)
    ///     .create_variable("DEPLOY_ZONE", "eu")
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn create_schedule(
        &self,
        description: impl Into<String>,
        git_ref: impl Into<String>,
        cron: impl Into<String>,
    ) -> CreateSchedule {
        CreateSchedule {
            project: self.clone(),
            description: description.into(),
            git_ref: git_ref.into(),
            cron: cron.into(),
            cron_timezone: None,
            active: None,
            inputs: Vec::new(),
        }
    }
}

/// A pipeline schedule of a project: `project.schedule(13)`.
///
/// ```no_run
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let schedule = gl.project("group/project").schedule(13);
/// schedule.update().cron("0 2 * * *").active(true).send().await?;
/// schedule.play().await?; // runs now; the next scheduled run is unchanged
/// schedule.take_ownership().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Schedule {
    pub(crate) project: Project,
    pub(crate) id: i64,
}

impl Schedule {
    fn api(&self) -> &kitelab_api::gitlab::Client {
        self.project.gl.api()
    }

    /// The schedule's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the schedule, with its last pipeline and its variables.
    pub async fn get(&self) -> Result<types::PipelineSchedule> {
        let op = self
            .api()
            .get_pipeline_schedule()
            .id(self.project.id.as_str())
            .pipeline_schedule_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the schedule; only the fields set are changed.
    pub fn update(&self) -> UpdateSchedule {
        UpdateSchedule {
            schedule: self.clone(),
            body: types::UpdatePipelineScheduleRequest::default(),
        }
    }

    /// Deletes the schedule.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_pipeline_schedule()
            .id(self.project.id.as_str())
            .pipeline_schedule_id(self.id);
        send(op).await?;
        Ok(())
    }

    /// Runs the schedule now. GitLab starts the pipeline asynchronously and does not say which
    /// it is; the next scheduled run is not affected.
    pub async fn play(&self) -> Result<()> {
        let op = self
            .api()
            .play_pipeline_schedule()
            .id(self.project.id.as_str())
            .pipeline_schedule_id(self.id);
        send(op).await?;
        Ok(())
    }

    /// Makes the caller the schedule's owner (its pipelines then run as the caller); returns the
    /// schedule.
    pub async fn take_ownership(&self) -> Result<types::PipelineSchedule> {
        let op = self
            .api()
            .take_ownership_pipeline_schedule()
            .id(self.project.id.as_str())
            .pipeline_schedule_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts creating a variable the schedule's pipelines get.
    pub fn create_variable(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> CreateScheduleVariable {
        CreateScheduleVariable {
            schedule: self.clone(),
            key: key.into(),
            value: value.into(),
            variable_type: None,
        }
    }

    /// One of the schedule's variables, by key: a handle, nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let zone = gl.project("group/app").schedule(13).variable("DEPLOY_ZONE");
    /// zone.update("eu-west1").send().await?;
    /// let was = zone.delete().await?;
    /// # let _ = was;
    /// # Ok(()) }
    /// ```
    pub fn variable(&self, key: impl Into<String>) -> ScheduleVariable {
        ScheduleVariable {
            schedule: self.clone(),
            key: key.into(),
        }
    }
}

/// One variable of a pipeline schedule: `schedule.variable(key)`. Nothing is sent until a method
/// is called.
#[derive(Debug, Clone)]
pub struct ScheduleVariable {
    schedule: Schedule,
    key: String,
}

impl ScheduleVariable {
    /// The variable's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Fetches the variable.
    pub async fn get(&self) -> Result<types::Variable> {
        let op = self
            .schedule
            .api()
            .get_pipeline_schedule_variable()
            .id(self.schedule.project.id.as_str())
            .pipeline_schedule_id(self.schedule.id)
            .key(&self.key);
        Ok(send(op).await?.into_inner())
    }

    /// Starts changing the variable's value (GitLab requires one), options, then
    /// [`send`](UpdateScheduleVariable::send).
    pub fn update(&self, value: impl Into<String>) -> UpdateScheduleVariable {
        UpdateScheduleVariable {
            variable: self.clone(),
            value: value.into(),
            variable_type: None,
        }
    }

    /// Deletes the variable; returns it as it was.
    pub async fn delete(&self) -> Result<types::Variable> {
        let op = self
            .schedule
            .api()
            .delete_pipeline_schedule_variable()
            .id(self.schedule.project.id.as_str())
            .pipeline_schedule_id(self.schedule.id)
            .key(&self.key);
        Ok(send(op).await?.into_inner())
    }
}

/// Creates a pipeline schedule: `project.create_schedule(description, ref, cron)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateSchedule {
    project: Project,
    description: String,
    git_ref: String,
    cron: String,
    cron_timezone: Option<String>,
    active: Option<bool>,
    inputs: Vec<types::PipelineScheduleInput>,
}

impl CreateSchedule {
    /// The time zone of the cron schedule: `Europe/Paris` or `Pacific Time (US & Canada)`
    /// (default `UTC`).
    pub fn cron_timezone(mut self, timezone: impl Into<String>) -> Self {
        self.cron_timezone = Some(timezone.into());
        self
    }

    /// Whether the schedule starts active (default `true`).
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// A pipeline input (`spec:inputs`) for the schedule's pipelines.
    pub fn input(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.inputs.push(types::PipelineScheduleInput {
            name: name.into(),
            value: Some(value.into()),
        });
        self
    }

    /// Creates the schedule and returns it. An empty ref or cron fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::PipelineSchedule> {
        let id = self.project.id.as_str();
        segment("the schedule's ref", &self.git_ref)?;
        segment("the cron schedule", &self.cron)?;
        let body = types::CreatePipelineScheduleRequest {
            active: self.active,
            cron: self.cron,
            cron_timezone: self.cron_timezone,
            description: self.description,
            inputs: self.inputs,
            ref_: self.git_ref,
        };
        let op = self
            .project
            .gl
            .api()
            .create_pipeline_schedule()
            .id(id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a pipeline schedule: `schedule.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateSchedule {
    schedule: Schedule,
    body: types::UpdatePipelineScheduleRequest,
}

impl UpdateSchedule {
    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// The branch or tag to run on, short or full.
    pub fn git_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.body.ref_ = Some(git_ref.into());
        self
    }

    /// The new cron schedule.
    pub fn cron(mut self, cron: impl Into<String>) -> Self {
        self.body.cron = Some(cron.into());
        self
    }

    /// The new time zone of the cron schedule.
    pub fn cron_timezone(mut self, timezone: impl Into<String>) -> Self {
        self.body.cron_timezone = Some(timezone.into());
        self
    }

    /// Activates or deactivates the schedule.
    pub fn active(mut self, active: bool) -> Self {
        self.body.active = Some(active);
        self
    }

    /// Adds a pipeline input, or changes its value.
    pub fn input(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.body.inputs.push(types::PipelineScheduleInputUpdate {
            destroy: None,
            name: name.into(),
            value: Some(value.into()),
        });
        self
    }

    /// Removes a pipeline input.
    pub fn remove_input(mut self, name: impl Into<String>) -> Self {
        self.body.inputs.push(types::PipelineScheduleInputUpdate {
            destroy: Some(true),
            name: name.into(),
            value: None,
        });
        self
    }

    /// Updates the schedule and returns it. An empty ref or cron fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::PipelineSchedule> {
        if let Some(git_ref) = &self.body.ref_ {
            segment("the schedule's ref", git_ref)?;
        }
        if let Some(cron) = &self.body.cron {
            segment("the cron schedule", cron)?;
        }
        let op = self
            .schedule
            .api()
            .update_pipeline_schedule()
            .id(self.schedule.project.id.as_str())
            .pipeline_schedule_id(self.schedule.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Creates a variable of a pipeline schedule: `schedule.create_variable(key, value)`, options,
/// then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateScheduleVariable {
    schedule: Schedule,
    key: String,
    value: String,
    variable_type: Option<types::VariableType>,
}

impl CreateScheduleVariable {
    /// `env_var` (the default) or `file`: the job sees a path to a file holding the value.
    pub fn variable_type(mut self, variable_type: types::VariableType) -> Self {
        self.variable_type = Some(variable_type);
        self
    }

    /// Creates the variable and returns it. An empty key fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::Variable> {
        segment("the variable key", &self.key)?;
        let body = types::CreatePipelineScheduleVariableRequest {
            key: self.key,
            value: self.value.into(),
            variable_type: self.variable_type,
        };
        let op = self
            .schedule
            .api()
            .create_pipeline_schedule_variable()
            .id(self.schedule.project.id.as_str())
            .pipeline_schedule_id(self.schedule.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a variable of a pipeline schedule: `schedule.variable(key).update(value)`, options,
/// then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateScheduleVariable {
    variable: ScheduleVariable,
    value: String,
    variable_type: Option<types::VariableType>,
}

impl UpdateScheduleVariable {
    /// Changes the type: `env_var` or `file`.
    pub fn variable_type(mut self, variable_type: types::VariableType) -> Self {
        self.variable_type = Some(variable_type);
        self
    }

    /// Updates the variable and returns it. An empty key fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::Variable> {
        let body = types::UpdatePipelineScheduleVariableRequest {
            value: Some(self.value.into()),
            variable_type: self.variable_type,
        };
        let op = self
            .variable
            .schedule
            .api()
            .update_pipeline_schedule_variable()
            .id(self.variable.schedule.project.id.as_str())
            .pipeline_schedule_id(self.variable.schedule.id)
            .key(&self.variable.key)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// A project's pipeline schedules with filters: `project.schedules()`.
#[derive(Debug, Clone)]
pub struct SchedulesQuery {
    project: Project,
    scope: Option<types::ScheduleScope>,
}

/// Schedule-list filters.
impl List<SchedulesQuery> {
    /// Only active or only inactive schedules.
    pub fn scope(mut self, scope: types::ScheduleScope) -> Self {
        self.query.scope = Some(scope);
        self
    }
}

impl crate::pagination::sealed::Sealed for SchedulesQuery {}

impl ListQuery for SchedulesQuery {
    type Item = types::PipelineSchedule;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .project
            .gl
            .api()
            .list_pipeline_schedules()
            .id(self.project.id.as_str())
            .page(at.page())
            .per_page(at.per_page());
        if let Some(v) = self.scope.clone() {
            op = op.scope(v);
        }
        at.send(op).await
    }
}

/// A list of schedules, `List<SchedulesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Schedules = List<SchedulesQuery>;
