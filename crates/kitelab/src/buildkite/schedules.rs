//! Scheduled builds of a pipeline: list, create, read, update and delete them.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Pipeline;
use crate::pagination::simple_list;
use crate::{segment, send, List, Result};

/// Scheduled builds.
impl Pipeline {
    /// The pipeline's build schedules.
    pub fn schedules(&self) -> Schedules {
        List::new(
            SchedulesQuery {
                pipeline: self.clone(),
            },
            self.bk.per_page(),
        )
    }

    /// A build schedule, by id.
    pub fn schedule(&self, id: impl Into<String>) -> Schedule {
        Schedule {
            pipeline: self.clone(),
            id: id.into(),
        }
    }

    /// Starts creating a build schedule: `cronline` is a crontab line (`0 2 * * 1-5`, with an
    /// optional time zone: `0 2 * * * Europe/Berlin`) or a shorthand (`@daily`, `@hourly`).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let schedule = bk
    ///     .pipeline("acme", "web")
    ///     .create_schedule("0 2 * * 1-5 Europe/Berlin")
    ///     .label("Nightly")
    ///     .branch("main")
    ///     .env("NIGHTLY", "1")
    ///     .send()
    ///     .await?;
    /// println!("next build at {:?}", schedule.next_build_at);
    /// # Ok(()) }
    /// ```
    pub fn create_schedule(&self, cronline: impl Into<String>) -> CreateSchedule {
        CreateSchedule {
            pipeline: self.clone(),
            body: types::CreatePipelineScheduleRequest {
                branch: None,
                commit: None,
                cronline: cronline.into(),
                enabled: None,
                env: Default::default(),
                label: None,
                message: None,
            },
        }
    }
}

/// A build schedule of a pipeline: `pipeline.schedule(id)`.
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
/// let schedule = bk.pipeline("acme", "web").schedule("0194…");
/// schedule.update().enabled(false).send().await?;
/// schedule.delete().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Schedule {
    pipeline: Pipeline,
    id: String,
}

impl Schedule {
    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.pipeline.bk.api()
    }

    /// The schedule's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the schedule.
    pub async fn get(&self) -> Result<types::PipelineSchedule> {
        let op = self
            .api()
            .get_pipeline_schedule()
            .org_slug(&self.pipeline.org)
            .pipeline_slug(&self.pipeline.slug)
            .schedule_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the schedule; only the fields set change.
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
            .org_slug(&self.pipeline.org)
            .pipeline_slug(&self.pipeline.slug)
            .schedule_id(&self.id);
        send(op).await?;
        Ok(())
    }
}

/// Sets what the scheduled builds are, for the create and update bodies.
macro_rules! schedule_fields {
    () => {
        /// A label, shown in Buildkite.
        pub fn label(mut self, label: impl Into<String>) -> Self {
            self.body.label = Some(label.into());
            self
        }

        /// The branch to build (default the pipeline's default branch).
        pub fn branch(mut self, branch: impl Into<String>) -> Self {
            self.body.branch = Some(branch.into());
            self
        }

        /// The commit to build (default `HEAD`).
        pub fn commit(mut self, commit: impl Into<String>) -> Self {
            self.body.commit = Some(commit.into());
            self
        }

        /// The builds' message.
        pub fn message(mut self, message: impl Into<String>) -> Self {
            self.body.message = Some(message.into());
            self
        }

        /// An environment variable of the builds (call once per variable).
        pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.body.env.insert(key.into(), value.into());
            self
        }

        /// Whether the schedule creates builds (default `true`).
        pub fn enabled(mut self, yes: bool) -> Self {
            self.body.enabled = Some(yes);
            self
        }
    };
}

/// Creates a build schedule: `pipeline.create_schedule(cronline)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateSchedule {
    pipeline: Pipeline,
    body: types::CreatePipelineScheduleRequest,
}

impl CreateSchedule {
    schedule_fields!();

    /// Creates the schedule and returns it. An empty cronline fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent; Buildkite checks the rest.
    pub async fn send(self) -> Result<types::PipelineSchedule> {
        segment("the schedule's cronline", &self.body.cronline)?;
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .create_pipeline_schedule()
            .org_slug(org)
            .pipeline_slug(slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a build schedule: `schedule.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateSchedule {
    schedule: Schedule,
    body: types::UpdatePipelineScheduleRequest,
}

impl UpdateSchedule {
    schedule_fields!();

    /// The new cronline.
    pub fn cronline(mut self, cronline: impl Into<String>) -> Self {
        self.body.cronline = Some(cronline.into());
        self
    }

    /// Updates the schedule and returns it. An empty cronline fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::PipelineSchedule> {
        if let Some(cronline) = &self.body.cronline {
            segment("the schedule's cronline", cronline)?;
        }
        let op = self
            .schedule
            .api()
            .update_pipeline_schedule()
            .org_slug(&self.schedule.pipeline.org)
            .pipeline_slug(&self.schedule.pipeline.slug)
            .schedule_id(&self.schedule.id)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// A pipeline's build schedules: `pipeline.schedules()`.
    SchedulesQuery { pipeline: Pipeline } => types::PipelineSchedule,
    |p| {
        let (org, slug) = p.ids();
        p.bk.api()
            .list_pipeline_schedules()
            .org_slug(org)
            .pipeline_slug(slug)
    }
);

/// A list of schedules, `List<SchedulesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Schedules = List<SchedulesQuery>;
