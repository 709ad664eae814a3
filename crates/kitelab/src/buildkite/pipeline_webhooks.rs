//! A pipeline's GitHub webhook: adding it, and whether incoming GitHub webhooks are
//! processed.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Pipeline;
use crate::{send, Result};

/// Webhooks.
impl Pipeline {
    /// Adds the GitHub webhook of a pipeline set up through the Buildkite GitHub App, so that
    /// pushes to its repository start builds (scope `write_pipelines`; the docs' "Add a
    /// webhook"). Buildkite answers `422` when the repository does not support it or the
    /// webhook exists already.
    pub async fn add_webhook(&self) -> Result<()> {
        let (org, slug) = self.ids();
        let op = self
            .bk
            .api()
            .create_pipeline_webhook()
            .org_slug(org)
            .pipeline_slug(slug);
        send(op).await?;
        Ok(())
    }

    /// Whether incoming GitHub webhooks are processed for this GitHub pipeline: a handle with
    /// `get`, `enable` and `disable`. Only organizations enrolled in expanded webhook triggers
    /// have it; for others, and for pipelines not on GitHub, Buildkite answers `404`.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let processing = bk.pipeline("acme", "web").github_webhook_processing();
    /// if processing.get().await?.enabled != Some(true) {
    ///     processing.enable().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn github_webhook_processing(&self) -> GithubWebhookProcessing {
        GithubWebhookProcessing {
            pipeline: self.clone(),
        }
    }
}

/// Whether a pipeline processes incoming GitHub webhooks:
/// `pipeline.github_webhook_processing()`. Enabling or disabling twice changes nothing.
#[derive(Debug, Clone)]
pub struct GithubWebhookProcessing {
    pipeline: Pipeline,
}

impl GithubWebhookProcessing {
    /// Fetches the state (scope `read_pipelines`).
    pub async fn get(&self) -> Result<types::GithubWebhookProcessing> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .get_github_webhook_processing()
            .org_slug(org)
            .pipeline_slug(slug);
        Ok(send(op).await?.into_inner())
    }

    /// Processes incoming GitHub webhooks again; returns the state (scope `write_pipelines`).
    pub async fn enable(&self) -> Result<types::GithubWebhookProcessing> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .enable_github_webhook_processing()
            .org_slug(org)
            .pipeline_slug(slug);
        Ok(send(op).await?.into_inner())
    }

    /// Ignores incoming GitHub webhooks, recording who decided and when; returns the state
    /// (scope `write_pipelines`).
    pub async fn disable(&self) -> Result<types::GithubWebhookProcessing> {
        let (org, slug) = self.pipeline.ids();
        let op = self
            .pipeline
            .bk
            .api()
            .disable_github_webhook_processing()
            .org_slug(org)
            .pipeline_slug(slug);
        Ok(send(op).await?.into_inner())
    }
}
