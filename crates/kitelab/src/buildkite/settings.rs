//! An organization's settings: its API settings (IP allowlist, token revocation, who may
//! create tokens) and its pipeline settings (defaults for new pipelines, and the switches of
//! hosted-agent terminal access, public pipelines, advanced queue metrics and build export).
//!
//! Each is one resource per organization: a handle with `get()` and `update()`, as for any
//! other resource, without an id.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::{segment, send, Result};

/// Settings.
impl Organization {
    /// The organization's API settings (the **Security > API settings** page); an
    /// administrator's token with `read_organization_settings` reads them.
    pub fn api_settings(&self) -> ApiSettings {
        ApiSettings { org: self.clone() }
    }

    /// The organization's pipeline settings (its **Pipeline Settings** page); an
    /// administrator's token with `read_organization_settings` reads them.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::BuildExportStrategy;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let settings = bk.organization("acme").pipeline_settings();
    /// let now = settings.get().await?;
    /// println!("new pipelines build {:?}", now.default_branch);
    /// settings.update().default_branch("main").default_timeout_in_minutes(60).send().await?;
    /// settings.configure_build_export("s3://my-export-bucket", BuildExportStrategy::S3).await?;
    /// # Ok(()) }
    /// ```
    pub fn pipeline_settings(&self) -> PipelineSettings {
        PipelineSettings { org: self.clone() }
    }
}

/// An organization's API settings: `org.api_settings()`.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    org: Organization,
}

impl ApiSettings {
    /// Fetches the API settings, with the plan-gated features the plan includes.
    pub async fn get(&self) -> Result<types::ApiSettings> {
        let op = self
            .org
            .bk
            .api()
            .get_api_settings()
            .org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the API settings; only the fields set change (scope
    /// `write_organization_settings`).
    ///
    /// An IP allowlist takes effect at once: one that leaves out the caller's address locks
    /// the caller out.
    pub fn update(&self) -> UpdateApiSettings {
        UpdateApiSettings {
            settings: self.clone(),
            body: types::UpdateApiSettingsRequest::default(),
        }
    }
}

/// Updates the API settings: `org.api_settings().update()`, changes, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateApiSettings {
    settings: ApiSettings,
    body: types::UpdateApiSettingsRequest,
}

impl UpdateApiSettings {
    /// The IP ranges allowed to call the API for the organization, in CIDR notation,
    /// space-separated (`192.0.2.0/24 198.51.100.12/32`); a plan feature.
    pub fn allowed_ip_addresses(mut self, cidrs: impl Into<String>) -> Self {
        self.body.allowed_ip_addresses = Some(cidrs.into());
        self
    }

    /// Whether only administrators may create API access tokens.
    pub fn restrict_user_api_token_creation(mut self, yes: bool) -> Self {
        self.body.restrict_user_api_token_creation = Some(yes);
        self
    }

    /// Revokes tokens unused for this many days: `30`, `60`, `90`, `180` or `365` (Buildkite
    /// answers `422` to any other); a plan feature.
    pub fn revoke_inactive_tokens_after_days(mut self, days: i64) -> Self {
        self.body.revoke_inactive_tokens_after_days = Some(days);
        self
    }

    /// Updates the settings and returns them all.
    pub async fn send(self) -> Result<types::ApiSettings> {
        let org = &self.settings.org;
        let op = org
            .bk
            .api()
            .update_api_settings()
            .org_slug(&org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// An organization's pipeline settings: `org.pipeline_settings()`. Every switch answers the
/// whole settings as they are after it.
#[derive(Debug, Clone)]
pub struct PipelineSettings {
    org: Organization,
}

impl PipelineSettings {
    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// Fetches the pipeline settings.
    pub async fn get(&self) -> Result<types::PipelineSettings> {
        let op = self.api().get_pipeline_settings().org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the defaults and limits; only the fields set change (scope
    /// `write_organization_settings`).
    pub fn update(&self) -> UpdatePipelineSettings {
        UpdatePipelineSettings {
            settings: self.clone(),
            body: types::UpdatePipelineSettingsRequest::default(),
        }
    }

    /// Turns on terminal access to hosted agents, recording who did and when: SSH to every
    /// hosted agent, and VNC to supported macOS hosted jobs (the setting
    /// `hosted_agents_terminal_access`, which the interface calls **Hosted Agents Remote
    /// Access**).
    pub async fn enable_hosted_agents_terminal_access(&self) -> Result<types::PipelineSettings> {
        let op = self
            .api()
            .enable_hosted_agents_remote_access()
            .org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Turns off terminal access (SSH and VNC) to hosted agents.
    pub async fn disable_hosted_agents_terminal_access(&self) -> Result<types::PipelineSettings> {
        let op = self
            .api()
            .disable_hosted_agents_remote_access()
            .org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Lets members create public pipelines (`public_pipeline_creation`).
    pub async fn enable_public_pipeline_creation(&self) -> Result<types::PipelineSettings> {
        let op = self
            .api()
            .enable_public_pipeline_creation()
            .org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Stops members from creating public pipelines.
    pub async fn disable_public_pipeline_creation(&self) -> Result<types::PipelineSettings> {
        let op = self
            .api()
            .disable_public_pipeline_creation()
            .org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Turns on advanced queue metrics for the organization's clusters. One way: the API has
    /// no call to turn them off (Buildkite support does).
    pub async fn enable_advanced_queue_metrics(&self) -> Result<types::PipelineSettings> {
        let op = self
            .api()
            .enable_advanced_queue_metrics()
            .org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Exports build data to `location` (a bucket name, or a URI such as
    /// `s3://my-export-bucket`) with `strategy` (the storage service; the settings'
    /// `build_exports.supported_strategies` lists those accepted). A plan feature. An empty
    /// location fails with [`Error::InvalidInput`](crate::Error::InvalidInput) before anything
    /// is sent.
    pub async fn configure_build_export(
        &self,
        location: impl Into<String>,
        strategy: types::BuildExportStrategy,
    ) -> Result<types::PipelineSettings> {
        let location = location.into();
        segment("the build export location", &location)?;
        let body = types::ConfigureBuildExportRequest {
            location,
            strategy_id: strategy,
        };
        let op = self
            .api()
            .configure_build_export()
            .org_slug(&self.org.slug)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Clears the build export configuration: no more builds are exported.
    pub async fn disable_build_export(&self) -> Result<types::PipelineSettings> {
        let op = self.api().disable_build_export().org_slug(&self.org.slug);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates the pipeline settings: `org.pipeline_settings().update()`, changes, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdatePipelineSettings {
    settings: PipelineSettings,
    body: types::UpdatePipelineSettingsRequest,
}

impl UpdatePipelineSettings {
    /// The default branch of new pipelines.
    pub fn default_branch(mut self, branch: impl Into<String>) -> Self {
        self.body.default_branch = Some(branch.into());
        self
    }

    /// The default cluster of new pipelines, by id (`default_cluster_id`).
    pub fn default_cluster(mut self, cluster_id: impl Into<String>) -> Self {
        self.body.default_cluster_id = Some(cluster_id.into());
        self
    }

    /// The default job timeout of new pipelines, in minutes.
    pub fn default_timeout_in_minutes(mut self, minutes: i64) -> Self {
        self.body.default_timeout_in_minutes = Some(minutes);
        self
    }

    /// The longest job timeout any pipeline may set, in minutes.
    pub fn maximum_timeout_in_minutes(mut self, minutes: i64) -> Self {
        self.body.maximum_timeout_in_minutes = Some(minutes);
        self
    }

    /// The minutes after which scheduled jobs that have not started expire.
    pub fn scheduled_job_expiry_in_minutes(mut self, minutes: i64) -> Self {
        self.body.scheduled_job_expiry_in_minutes = Some(minutes);
        self
    }

    /// Updates the settings and returns them all.
    pub async fn send(self) -> Result<types::PipelineSettings> {
        let op = self
            .settings
            .api()
            .update_pipeline_settings()
            .org_slug(&self.settings.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}
