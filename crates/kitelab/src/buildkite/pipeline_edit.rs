//! Creating and updating pipelines.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::{Buildkite, Organization, Pipeline};
use crate::{send, Error, Result};

impl Organization {
    /// Starts creating a pipeline named `name` that builds `repository` (a clone URL). Give it a
    /// cluster and either a YAML [`configuration`](CreatePipeline::configuration) or visual
    /// [`steps`](CreatePipeline::steps), then [`send`](CreatePipeline::send).
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::{PipelineVisibility, TeamPipelineAccessLevel};
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let pipeline = bk
    ///     .organization("acme")
    ///     .create_pipeline("Web", "git@github.com:acme/web.git")
    ///     .cluster_id("42f1a7da-812d-4430-93d8-1cc7c33a6bcf")
    ///     .configuration("steps:\n  - command: \"buildkite-agent pipeline upload\"")
    ///     .default_branch("main")
    ///     .skip_queued_branch_builds(true)
    ///     .team("c5e09619-8648-4896-a936-9d0b8b7b3fe9", TeamPipelineAccessLevel::BuildAndRead)
    ///     .visibility(PipelineVisibility::Private)
    ///     .send()
    ///     .await?;
    /// println!("created {}", pipeline.slug);
    /// # Ok(()) }
    /// ```
    pub fn create_pipeline(
        &self,
        name: impl Into<String>,
        repository: impl Into<String>,
    ) -> CreatePipeline {
        let (bk, org) = (self.bk.clone(), self.slug.clone());
        CreatePipeline {
            bk,
            org,
            name: name.into(),
            repository: repository.into(),
            fields: types::UpdatePipelineRequest::default(),
            team_uuids: Vec::new(),
        }
    }
}

impl Pipeline {
    /// Starts updating the pipeline: set only what changes, then
    /// [`send`](UpdatePipeline::send).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let pipeline = bk
    ///     .pipeline("acme", "web")
    ///     .update()
    ///     .description("The web app")
    ///     .branch_configuration("main release/*")
    ///     .cancel_running_branch_builds(true)
    ///     .cancel_running_branch_builds_filter("!main")
    ///     .send()
    ///     .await?;
    /// # let _ = pipeline;
    /// # Ok(()) }
    /// ```
    pub fn update(&self) -> UpdatePipeline {
        UpdatePipeline {
            pipeline: self.clone(),
            fields: types::UpdatePipelineRequest::default(),
        }
    }
}

/// The setters creating and updating share; each writes one field of `self.fields`.
macro_rules! pipeline_setters {
    () => {
        /// The UUID of the cluster the pipeline runs in.
        pub fn cluster_id(mut self, id: impl Into<String>) -> Self {
            self.fields.cluster_id = Some(id.into());
            self
        }

        /// The pipeline YAML, as one string. On update it replaces the whole configuration.
        pub fn configuration(mut self, yaml: impl Into<String>) -> Self {
            self.fields.configuration = Some(yaml.into());
            self
        }

        /// The steps of a visual step pipeline, in order (added to those already given).
        pub fn steps(mut self, steps: impl IntoIterator<Item = types::Step>) -> Self {
            self.fields.steps.extend(steps);
            self
        }

        /// One more step of a visual step pipeline.
        pub fn step(mut self, step: types::Step) -> Self {
            self.fields.steps.push(step);
            self
        }

        /// A pipeline-level environment variable. Visual step pipelines only: Buildkite
        /// ignores it for YAML pipelines (set `env` in the YAML instead).
        pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.fields.env.insert(key.into(), value.into());
            self
        }

        /// A custom slug (alphanumerics and dashes); by default it is derived from the name.
        pub fn slug(mut self, slug: impl Into<String>) -> Self {
            self.fields.slug = Some(slug.into());
            self
        }

        /// The pipeline's description.
        pub fn description(mut self, description: impl Into<String>) -> Self {
            self.fields.description = Some(description.into());
            self
        }

        /// The branch prefilled for new builds and used to filter builds and metrics.
        pub fn default_branch(mut self, branch: impl Into<String>) -> Self {
            self.fields.default_branch = Some(branch.into());
            self
        }

        /// The branch filter limiting which pushed branches build (`main feature/*`).
        pub fn branch_configuration(mut self, pattern: impl Into<String>) -> Self {
            self.fields.branch_configuration = Some(pattern.into());
            self
        }

        /// Skip builds not yet started on a branch when a new one is created on it.
        pub fn skip_queued_branch_builds(mut self, yes: bool) -> Self {
            self.fields.skip_queued_branch_builds = Some(yes);
            self
        }

        /// The branch filter skipping queued builds applies to (`!main`).
        pub fn skip_queued_branch_builds_filter(mut self, pattern: impl Into<String>) -> Self {
            self.fields.skip_queued_branch_builds_filter = Some(pattern.into());
            self
        }

        /// Cancel running builds on a branch when a new one is created on it.
        pub fn cancel_running_branch_builds(mut self, yes: bool) -> Self {
            self.fields.cancel_running_branch_builds = Some(yes);
            self
        }

        /// The branch filter canceling running builds applies to (`develop prs/*`).
        pub fn cancel_running_branch_builds_filter(mut self, pattern: impl Into<String>) -> Self {
            self.fields.cancel_running_branch_builds_filter = Some(pattern.into());
            self
        }

        /// Whether existing builds can be rebuilt.
        pub fn allow_rebuilds(mut self, yes: bool) -> Self {
            self.fields.allow_rebuilds = Some(yes);
            self
        }

        /// The default timeout of every command step, in minutes.
        pub fn default_command_step_timeout(mut self, minutes: i64) -> Self {
            self.fields.default_command_step_timeout = Some(minutes);
            self
        }

        /// The longest timeout of any command step, in minutes; longer ones are capped.
        pub fn maximum_command_step_timeout(mut self, minutes: i64) -> Self {
            self.fields.maximum_command_step_timeout = Some(minutes);
            self
        }

        /// A repository URL agents use as a Git clone mirror (no credentials, query or
        /// fragment); on update an empty string removes it.
        pub fn clone_mirror_url(mut self, url: impl Into<String>) -> Self {
            self.fields.clone_mirror_url = Some(url.into());
            self
        }

        /// The pipeline's color, as a hex code (`#FF5733`).
        pub fn color(mut self, color: impl Into<String>) -> Self {
            self.fields.color = Some(color.into());
            self
        }

        /// The pipeline's emoji (`:rocket:`).
        pub fn emoji(mut self, emoji: impl Into<String>) -> Self {
            self.fields.emoji = Some(emoji.into());
            self
        }

        /// The UUID of the pipeline template the pipeline runs with.
        pub fn pipeline_template_uuid(mut self, uuid: impl Into<String>) -> Self {
            self.fields.pipeline_template_uuid = Some(uuid.into());
            self
        }

        /// The source provider's settings, replacing any set before.
        pub fn provider_settings(mut self, settings: types::ProviderSettings) -> Self {
            self.fields.provider_settings = Some(settings);
            self
        }

        /// One source provider setting (`publish_commit_status`, `true`); keys depend on the
        /// provider.
        pub fn provider_setting(
            mut self,
            key: impl Into<String>,
            value: impl Into<serde_json::Value>,
        ) -> Self {
            let mut settings = self
                .fields
                .provider_settings
                .take()
                .map(serde_json::Map::from)
                .unwrap_or_default();
            settings.insert(key.into(), value.into());
            self.fields.provider_settings = Some(types::ProviderSettings::from(settings));
            self
        }

        /// A team (by UUID) that gets `access` to the pipeline.
        pub fn team(
            mut self,
            team_uuid: impl Into<String>,
            access: types::TeamPipelineAccessLevel,
        ) -> Self {
            self.fields.teams.insert(team_uuid.into(), access);
            self
        }

        /// Tags of the pipeline (`:emoji:` syntax allowed), added to those already given.
        pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
            self.fields.tags.extend(tags.into_iter().map(Into::into));
            self
        }

        /// Who sees the pipeline: the organization (`Private`) or everyone (`Public`).
        pub fn visibility(mut self, visibility: types::PipelineVisibility) -> Self {
            self.fields.visibility = Some(visibility);
            self
        }
    };
}

/// Creates a pipeline: `organization.create_pipeline(name, repository)`, options, then
/// [`send`](Self::send).
///
/// Exactly one of [`configuration`](Self::configuration) (a YAML pipeline) and
/// [`steps`](Self::steps) (a visual step pipeline) must be given, unless the pipeline uses a
/// [template](Self::pipeline_template_uuid); [`cluster_id`](Self::cluster_id) is required.
/// Anything else fails with [`Error::InvalidInput`] before a request is sent.
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreatePipeline {
    bk: Buildkite,
    org: String,
    name: String,
    repository: String,
    /// Every optional field (creating has the same ones as updating, plus `team_uuids`).
    fields: types::UpdatePipelineRequest,
    team_uuids: Vec<String>,
}

impl CreatePipeline {
    pipeline_setters!();

    /// Teams (by UUID) to add the pipeline to. Deprecated by Buildkite in favour of
    /// [`team`](Self::team), which also sets the access level.
    pub fn team_uuids<S: Into<String>>(mut self, uuids: impl IntoIterator<Item = S>) -> Self {
        self.team_uuids.extend(uuids.into_iter().map(Into::into));
        self
    }

    /// Creates the pipeline and returns it.
    pub async fn send(self) -> Result<types::Pipeline> {
        let org = self.org.as_str();
        if self.name.trim().is_empty() || self.repository.trim().is_empty() {
            return Err(Error::invalid("a pipeline needs a name and a repository"));
        }
        let f = self.fields;
        let cluster_id = match f.cluster_id {
            Some(id) if !id.trim().is_empty() => id,
            _ => {
                return Err(Error::invalid(
                    "a pipeline needs a cluster_id (Buildkite documents it as required)",
                ))
            }
        };
        let yaml = f.configuration.is_some();
        let visual = !f.steps.is_empty();
        if yaml && visual {
            return Err(Error::invalid(
                "a pipeline takes a YAML configuration or visual steps, not both",
            ));
        }
        if f.configuration
            .as_deref()
            .is_some_and(|c| c.trim().is_empty())
        {
            return Err(Error::invalid("the pipeline configuration is blank"));
        }
        if !yaml && !visual && f.pipeline_template_uuid.is_none() {
            return Err(Error::invalid(
                "a pipeline needs a YAML configuration or visual steps (or a pipeline template)",
            ));
        }
        let body = types::CreatePipelineRequest {
            allow_rebuilds: f.allow_rebuilds,
            branch_configuration: f.branch_configuration,
            cancel_running_branch_builds: f.cancel_running_branch_builds,
            cancel_running_branch_builds_filter: f.cancel_running_branch_builds_filter,
            clone_mirror_url: f.clone_mirror_url,
            cluster_id,
            color: f.color,
            configuration: f.configuration,
            default_branch: f.default_branch,
            default_command_step_timeout: f.default_command_step_timeout,
            description: f.description,
            emoji: f.emoji,
            env: f.env,
            maximum_command_step_timeout: f.maximum_command_step_timeout,
            name: self.name,
            pipeline_template_uuid: f.pipeline_template_uuid,
            provider_settings: f.provider_settings,
            repository: self.repository,
            skip_queued_branch_builds: f.skip_queued_branch_builds,
            skip_queued_branch_builds_filter: f.skip_queued_branch_builds_filter,
            slug: f.slug,
            steps: f.steps,
            tags: f.tags,
            team_uuids: self.team_uuids,
            teams: f.teams,
            visibility: f.visibility,
        };
        let op = self.bk.api().create_pipeline().org_slug(org).body(body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a pipeline: `pipeline.update()`, the fields that change, then
/// [`send`](Self::send). Fields not set are left as they are.
///
/// For a YAML pipeline Buildkite ignores [`env`](Self::env), answers `422` to
/// [`steps`](Self::steps) without a [`configuration`](Self::configuration), and ignores `steps`
/// sent with one. A `null` (to remove a cluster, clone mirror or template) cannot be sent.
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdatePipeline {
    pipeline: Pipeline,
    fields: types::UpdatePipelineRequest,
}

impl UpdatePipeline {
    pipeline_setters!();

    /// A new name; without a [`slug`](Self::slug) the slug is regenerated from it.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.fields.name = Some(name.into());
        self
    }

    /// A new repository URL.
    pub fn repository(mut self, url: impl Into<String>) -> Self {
        self.fields.repository = Some(url.into());
        self
    }

    /// Updates the pipeline and returns it. If it was renamed, later calls need a handle with
    /// the new slug.
    pub async fn send(self) -> Result<types::Pipeline> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .update_pipeline()
            .org_slug(org)
            .pipeline_slug(slug)
            .body(self.fields);
        Ok(send(op).await?.into_inner())
    }
}
