//! How runners come to be and prove who they are: creating one with a user token (the current
//! flow), registering one with a registration token (the deprecated flow) and resetting those
//! tokens, and the calls a runner makes with its own authentication token (verify, reset,
//! delete).
//!
//! A registration or runner authentication token travels in the request body, never in a
//! header, and the client's own token is not sent with it: a runner host needs no user token,
//! and an [`anonymous`](super::GitLabBuilder::anonymous) client works. The token is a
//! [`Secret`]: `Debug` never shows it, and error text the service echoes it in is redacted.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;
use kitelab_api::SecretString;

use super::{GitLab, Group, Project};
use crate::{segment, send, Error, Result, Secret};

/// Creating and registering runners.
impl GitLab {
    /// Starts creating a runner owned by the current user (a token with the `create_runner`
    /// scope). An instance runner needs an administrator; a group or project runner the
    /// Owner role, and its group or project id ([`group_id`](CreateRunner::group_id),
    /// [`project_id`](CreateRunner::project_id)). The answer carries the runner's
    /// authentication token (`glrt-…`), shown this once.
    ///
    /// ```no_run
    /// use kitelab::gitlab::types::RunnerType;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let runner = gl
    ///     .create_runner(RunnerType::ProjectType)
    ///     .project_id(42)
    ///     .description("arm64 builder")
    ///     .tags(["docker", "arm64"])
    ///     .send()
    ///     .await?;
    /// let token = runner.token; // goes in the runner's config.toml
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn create_runner(&self, runner_type: types::RunnerType) -> CreateRunner {
        CreateRunner {
            gl: self.clone(),
            runner_type,
            group_id: None,
            project_id: None,
            settings: RunnerSettings::default(),
        }
    }

    /// Starts registering a runner with a runner registration token (the deprecated flow,
    /// off by default since GitLab 17.0: prefer [`create_runner`](Self::create_runner)). The
    /// client's own token is not sent. The answer carries the runner's authentication token.
    ///
    /// ```no_run
    /// # async fn run() -> kitelab::Result<()> {
    /// let gl = kitelab::GitLab::builder()
    ///     .base_url("https://gitlab.example.com/api/v4")
    ///     .anonymous()
    ///     .build()?;
    /// let runner = gl
    ///     .register_runner("GR1348941…")
    ///     .description("test-1-20150125-test")
    ///     .tags(["ruby", "mysql"])
    ///     .send()
    ///     .await?;
    /// let runner = gl.runner_by_token(runner.token.expose());
    /// runner.verify(None).await?;
    /// # Ok(()) }
    /// ```
    pub fn register_runner(&self, registration_token: impl Into<Secret>) -> RegisterRunner {
        RegisterRunner {
            gl: self.clone(),
            token: registration_token.into(),
            settings: RunnerSettings::default(),
            info: None,
        }
    }

    /// A runner, by its authentication token: the calls a runner makes for itself. A handle,
    /// nothing is sent; the client's own token is never sent with these calls.
    pub fn runner_by_token(&self, token: impl Into<Secret>) -> RunnerByToken {
        RunnerByToken {
            gl: self.clone(),
            token: token.into(),
        }
    }

    /// Replaces the instance's runner registration token (an administrator; the deprecated
    /// registration flow); returns the new one.
    pub async fn reset_runner_registration_token(&self) -> Result<types::ResetTokenResult> {
        let op = self.api().reset_instance_runner_registration_token();
        Ok(send(op).await?.into_inner())
    }
}

/// Project registration tokens.
impl Project {
    /// Replaces the project's runner registration token (the deprecated registration flow);
    /// returns the new one.
    pub async fn reset_runner_registration_token(&self) -> Result<types::ResetTokenResult> {
        let op = self
            .gl
            .api()
            .reset_project_runner_registration_token()
            .id(self.id.as_str());
        Ok(send(op).await?.into_inner())
    }
}

/// Group registration tokens.
impl Group {
    /// Replaces the group's runner registration token (the deprecated registration flow);
    /// returns the new one.
    pub async fn reset_runner_registration_token(&self) -> Result<types::ResetTokenResult> {
        let op = self
            .gl
            .api()
            .reset_group_runner_registration_token()
            .id(self.id().as_str());
        Ok(send(op).await?.into_inner())
    }
}

/// A runner known by its authentication token: `gl.runner_by_token(token)`. Its `Debug` output
/// hides the token.
///
/// ```no_run
/// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
/// let runner = gl.runner_by_token("glrt-…");
/// let me = runner.verify(Some("s_89e5e9956577")).await?;
/// let fresh = runner.reset_authentication_token().await?;
/// gl.runner_by_token(fresh.token.expose()).delete().await?;
/// # let _ = me; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RunnerByToken {
    gl: GitLab,
    token: Secret,
}

impl RunnerByToken {
    /// The generated client for a call that carries the token, with the token registered
    /// for redaction, and the token as the body takes it; an empty or malformed token fails
    /// before anything is sent.
    fn api(&self) -> Result<(kitelab_api::gitlab::Client, SecretString)> {
        self.token.validate("the runner authentication token")?;
        Ok((
            self.gl.api_with_secret(&self.token),
            SecretString::new(self.token.expose()),
        ))
    }

    /// Checks the token; returns the runner's id and token. `system_id` (the runner
    /// manager's, `s_…`) is needed for `glrt-` tokens.
    pub async fn verify(
        &self,
        system_id: Option<&str>,
    ) -> Result<types::RunnerRegistrationDetails> {
        let system_id = system_id
            .map(|id| segment("the runner's system id", id).map(str::to_owned))
            .transpose()?;
        let (api, token) = self.api()?;
        let op = api
            .verify_runner()
            .body(types::VerifyRunnerRequest { system_id, token });
        Ok(send(op).await?.into_inner())
    }

    /// Replaces the runner's authentication token; returns the new one (shown once). This
    /// handle's token no longer works afterwards.
    pub async fn reset_authentication_token(&self) -> Result<types::ResetTokenResult> {
        let (api, token) = self.api()?;
        let op = api
            .reset_runner_authentication_token_by_token()
            .body(types::RunnerTokenRequest { token });
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the runner (unregisters it).
    pub async fn delete(&self) -> Result<()> {
        let (api, token) = self.api()?;
        let op = api
            .delete_runner_by_token()
            .body(types::RunnerTokenRequest { token });
        send(op).await?;
        Ok(())
    }
}

/// The settings a new runner starts with, shared by [`CreateRunner`] and [`RegisterRunner`].
#[derive(Debug, Clone, Default)]
struct RunnerSettings {
    description: Option<String>,
    paused: Option<bool>,
    locked: Option<bool>,
    run_untagged: Option<bool>,
    tags: Vec<String>,
    access_level: Option<types::RunnerAccessLevel>,
    maximum_timeout: Option<i64>,
    maintenance_note: Option<String>,
}

/// The setters of [`RunnerSettings`], on a builder with a `settings` field; named as
/// [`UpdateRunner`](super::UpdateRunner)'s are.
macro_rules! runner_settings {
    ($builder:ident) => {
        impl $builder {
            /// The description.
            pub fn description(mut self, description: impl Into<String>) -> Self {
                self.settings.description = Some(description.into());
                self
            }

            /// Paused (takes no new jobs) or not.
            pub fn paused(mut self, paused: bool) -> Self {
                self.settings.paused = Some(paused);
                self
            }

            /// Whether the runner is locked to its current projects.
            pub fn locked(mut self, yes: bool) -> Self {
                self.settings.locked = Some(yes);
                self
            }

            /// Whether the runner takes jobs without tags.
            pub fn run_untagged(mut self, yes: bool) -> Self {
                self.settings.run_untagged = Some(yes);
                self
            }

            /// The runner's tags.
            pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
                self.settings.tags.extend(tags.into_iter().map(Into::into));
                self
            }

            /// Which refs the runner runs jobs for: all, or protected ones only.
            pub fn access_level(mut self, level: types::RunnerAccessLevel) -> Self {
                self.settings.access_level = Some(level);
                self
            }

            /// The longest a job may run on this runner, in seconds (at least 600 in GitLab).
            pub fn maximum_timeout(mut self, seconds: i64) -> Self {
                self.settings.maximum_timeout = Some(seconds);
                self
            }

            /// A note for the runner's maintainers (at most 1024 characters).
            pub fn maintenance_note(mut self, note: impl Into<String>) -> Self {
                self.settings.maintenance_note = Some(note.into());
                self
            }
        }
    };
}

/// Checks the tags of a new runner: none empty.
fn checked_tags(tags: &[String]) -> Result<()> {
    for tag in tags {
        segment("a runner tag", tag)?;
    }
    Ok(())
}

/// Creates a runner with a user token: `gl.create_runner(runner_type)`, settings, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateRunner {
    gl: GitLab,
    runner_type: types::RunnerType,
    group_id: Option<i64>,
    project_id: Option<i64>,
    settings: RunnerSettings,
}

impl CreateRunner {
    /// The group a group runner belongs to (needed for a group runner), by numeric id.
    pub fn group_id(mut self, id: i64) -> Self {
        self.group_id = Some(id);
        self
    }

    /// The project a project runner belongs to (needed for a project runner), by numeric id.
    pub fn project_id(mut self, id: i64) -> Self {
        self.project_id = Some(id);
        self
    }

    /// Creates the runner; returns its id and authentication token (shown this once). A group
    /// runner without a group id, a project runner without a project id, or an empty tag,
    /// fails with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::RunnerRegistrationDetails> {
        match self.runner_type {
            types::RunnerType::GroupType if self.group_id.is_none() => {
                return Err(Error::invalid("a group runner needs its group_id"));
            }
            types::RunnerType::ProjectType if self.project_id.is_none() => {
                return Err(Error::invalid("a project runner needs its project_id"));
            }
            _ => {}
        }
        checked_tags(&self.settings.tags)?;
        let s = self.settings;
        let body = types::CreateUserRunnerRequest {
            access_level: s.access_level,
            description: s.description,
            group_id: self.group_id,
            locked: s.locked,
            maintenance_note: s.maintenance_note,
            maximum_timeout: s.maximum_timeout,
            paused: s.paused,
            project_id: self.project_id,
            run_untagged: s.run_untagged,
            runner_type: self.runner_type,
            tag_list: s.tags,
        };
        let op = self.gl.api().create_user_runner().body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// Registers a runner with a registration token: `gl.register_runner(token)`, settings, then
/// [`send`](Self::send). Its `Debug` output hides the token.
#[derive(Debug, Clone)]
#[must_use = "nothing is registered until `.send()`"]
pub struct RegisterRunner {
    gl: GitLab,
    token: Secret,
    settings: RunnerSettings,
    info: Option<types::RunnerInfo>,
}

impl RegisterRunner {
    /// What the runner reports about itself (name, version, revision, platform,
    /// architecture).
    pub fn info(mut self, info: types::RunnerInfo) -> Self {
        self.info = Some(info);
        self
    }

    /// Registers the runner; returns its id and authentication token. An empty or malformed
    /// token, or an empty tag, fails with [`Error::InvalidInput`] before anything is sent.
    pub async fn send(self) -> Result<types::RunnerRegistrationDetails> {
        self.token.validate("the runner registration token")?;
        checked_tags(&self.settings.tags)?;
        let s = self.settings;
        let body = types::RegisterRunnerRequest {
            access_level: s.access_level,
            active: None,
            description: s.description,
            info: self.info,
            locked: s.locked,
            maintainer_note: None,
            maintenance_note: s.maintenance_note,
            maximum_timeout: s.maximum_timeout,
            paused: s.paused,
            run_untagged: s.run_untagged,
            tag_list: s.tags,
            token: SecretString::new(self.token.expose()),
        };
        let api = self.gl.api_with_secret(&self.token);
        let op = api.register_runner().body(body);
        Ok(send(op).await?.into_inner())
    }
}

runner_settings!(CreateRunner);
runner_settings!(RegisterRunner);
