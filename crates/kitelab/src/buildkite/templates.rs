//! An organization's pipeline templates (an Enterprise plan feature): step configurations that
//! pipelines are assigned.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::pagination::simple_list;
use crate::{segment, send, List, Result};

/// Pipeline templates.
impl Organization {
    /// The organization's pipeline templates (scope `read_pipeline_templates`); a member who is
    /// not an administrator sees only those marked available.
    pub fn pipeline_templates(&self) -> PipelineTemplates {
        List::new(
            PipelineTemplatesQuery { org: self.clone() },
            self.bk.per_page(),
        )
    }

    /// A pipeline template, by UUID.
    pub fn pipeline_template(&self, uuid: impl Into<String>) -> PipelineTemplate {
        PipelineTemplate {
            org: self.clone(),
            uuid: uuid.into(),
        }
    }

    /// Starts creating a pipeline template from its name and its YAML step configuration
    /// (administrators only; scope `write_pipeline_templates`).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let org = bk.organization("acme");
    /// let template = org
    ///     .create_pipeline_template("Pipeline upload", "steps:\n  - command: \"buildkite-agent pipeline upload\"")
    ///     .description("Uploads .buildkite/pipeline.yml")
    ///     .available(true)
    ///     .send()
    ///     .await?;
    /// org.pipeline_template(template.uuid).update().available(false).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create_pipeline_template(
        &self,
        name: impl Into<String>,
        configuration: impl Into<String>,
    ) -> CreatePipelineTemplate {
        CreatePipelineTemplate {
            org: self.clone(),
            body: types::CreatePipelineTemplateRequest {
                available: None,
                configuration: configuration.into(),
                description: None,
                name: name.into(),
            },
        }
    }
}

/// A pipeline template of an organization: `org.pipeline_template(uuid)`.
#[derive(Debug, Clone)]
pub struct PipelineTemplate {
    org: Organization,
    uuid: String,
}

impl PipelineTemplate {
    /// The template's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// Fetches the template.
    pub async fn get(&self) -> Result<types::PipelineTemplate> {
        let op = self
            .api()
            .get_pipeline_template()
            .org_slug(&self.org.slug)
            .template_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the template; only the fields set change.
    pub fn update(&self) -> UpdatePipelineTemplate {
        UpdatePipelineTemplate {
            template: self.clone(),
            body: types::UpdatePipelineTemplateRequest::default(),
        }
    }

    /// Deletes the template (Buildkite refuses, with `422`, while a pipeline uses it).
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_pipeline_template()
            .org_slug(&self.org.slug)
            .template_uuid(&self.uuid);
        send(op).await?;
        Ok(())
    }
}

/// Creates a pipeline template: `org.create_pipeline_template(name, configuration)`, options,
/// then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreatePipelineTemplate {
    org: Organization,
    body: types::CreatePipelineTemplateRequest,
}

impl CreatePipelineTemplate {
    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// Whether members who are not administrators may assign the template to pipelines.
    pub fn available(mut self, yes: bool) -> Self {
        self.body.available = Some(yes);
        self
    }

    /// Creates the template and returns it. An empty name or configuration fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::PipelineTemplate> {
        segment("the template name", &self.body.name)?;
        segment("the template configuration", &self.body.configuration)?;
        let op = self
            .org
            .bk
            .api()
            .create_pipeline_template()
            .org_slug(&self.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a pipeline template: `template.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdatePipelineTemplate {
    template: PipelineTemplate,
    body: types::UpdatePipelineTemplateRequest,
}

impl UpdatePipelineTemplate {
    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// The new YAML step configuration.
    pub fn configuration(mut self, configuration: impl Into<String>) -> Self {
        self.body.configuration = Some(configuration.into());
        self
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// Whether members who are not administrators may assign the template to pipelines.
    pub fn available(mut self, yes: bool) -> Self {
        self.body.available = Some(yes);
        self
    }

    /// Updates the template and returns it.
    pub async fn send(self) -> Result<types::PipelineTemplate> {
        let op = self
            .template
            .api()
            .update_pipeline_template()
            .org_slug(&self.template.org.slug)
            .template_uuid(&self.template.uuid)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// An organization's pipeline templates: `org.pipeline_templates()`.
    PipelineTemplatesQuery { org: Organization } => types::PipelineTemplate,
    |o| o.bk.api().list_pipeline_templates().org_slug(&o.slug)
);

/// A list of pipeline templates, `List<PipelineTemplatesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type PipelineTemplates = List<PipelineTemplatesQuery>;
