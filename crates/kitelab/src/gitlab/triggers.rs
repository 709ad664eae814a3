//! Pipeline trigger tokens: list, create, read, describe and delete them. Triggering a pipeline
//! with a token is [`GitLab::trigger_pipeline`](super::GitLab::trigger_pipeline).

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;
use kitelab_api::Timestamp;

use super::Project;
use crate::pagination::simple_list;
use crate::{send, List, Result};

/// Trigger tokens.
impl Project {
    /// The project's pipeline trigger tokens. A token is shown in full only to the user who
    /// created it; everyone else sees its first four characters.
    pub fn triggers(&self) -> Triggers {
        List::new(
            TriggersQuery {
                project: self.clone(),
            },
            self.gl.per_page(),
        )
    }

    /// A trigger token, by id.
    pub fn trigger(&self, id: i64) -> Trigger {
        Trigger {
            project: self.clone(),
            id,
        }
    }

    /// Starts creating a trigger token; the answer carries the token in full.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let trigger = gl
    ///     .project("group/project")
    ///     .create_trigger("nightly deploys")
    ///     .expires_at(kitelab::Timestamp::parse("2030-01-01T00:00:00Z").unwrap())
    ///     .send()
    ///     .await?;
    /// let token = trigger.token; // keep it secret
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn create_trigger(&self, description: impl Into<String>) -> CreateTrigger {
        CreateTrigger {
            project: self.clone(),
            description: description.into(),
            expires_at: None,
        }
    }
}

/// A pipeline trigger token of a project: `project.trigger(10)`.
///
/// ```no_run
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let trigger = gl.project("group/project").trigger(10);
/// let details = trigger.get().await?;
/// trigger.update().description("release deploys").send().await?;
/// trigger.delete().await?;
/// # let _ = details; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Trigger {
    project: Project,
    id: i64,
}

impl Trigger {
    fn api(&self) -> &kitelab_api::gitlab::Client {
        self.project.gl.api()
    }

    /// The trigger token's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the trigger token.
    pub async fn get(&self) -> Result<types::Trigger> {
        let op = self
            .api()
            .get_trigger()
            .id(self.project.id.as_str())
            .trigger_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the trigger token (its description).
    pub fn update(&self) -> UpdateTrigger {
        UpdateTrigger {
            trigger: self.clone(),
            description: None,
        }
    }

    /// Deletes the trigger token.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_trigger()
            .id(self.project.id.as_str())
            .trigger_id(self.id);
        send(op).await?;
        Ok(())
    }
}

/// Creates a trigger token: `project.create_trigger(description)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateTrigger {
    project: Project,
    description: String,
    expires_at: Option<Timestamp>,
}

impl CreateTrigger {
    /// When the token expires (default: never).
    pub fn expires_at(mut self, time: impl Into<Timestamp>) -> Self {
        self.expires_at = Some(time.into());
        self
    }

    /// Creates the trigger token and returns it, token in full.
    pub async fn send(self) -> Result<types::Trigger> {
        let id = self.project.id.as_str();
        let body = types::CreateTriggerRequest {
            description: self.description,
            expires_at: self.expires_at,
        };
        let op = self.project.gl.api().create_trigger().id(id).body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a trigger token: `trigger.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateTrigger {
    trigger: Trigger,
    description: Option<String>,
}

impl UpdateTrigger {
    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Updates the trigger token and returns it.
    pub async fn send(self) -> Result<types::Trigger> {
        let body = types::UpdateTriggerRequest {
            description: self.description,
        };
        let op = self
            .trigger
            .api()
            .update_trigger()
            .id(self.trigger.project.id.as_str())
            .trigger_id(self.trigger.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// A project's trigger tokens: `project.triggers()`.
    TriggersQuery { project: Project } => types::Trigger,
    |p| p.gl.api().list_triggers().id(p.id.as_str())
);

/// A list of triggers, `List<TriggersQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Triggers = List<TriggersQuery>;
