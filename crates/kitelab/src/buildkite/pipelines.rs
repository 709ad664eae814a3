//! Pipelines.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::builds::{Build, BuildScope, BuildsQuery, CreateBuild};
use super::Buildkite;
use super::Builds;
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

/// A pipeline: `bk.pipeline("acme", "web")`.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub(crate) bk: Buildkite,
    pub(crate) org: String,
    pub(crate) slug: String,
}

impl Pipeline {
    pub(crate) fn new(bk: Buildkite, org: String, slug: String) -> Self {
        Self { bk, org, slug }
    }

    /// The organization and pipeline slugs: the path of a pipeline operation.
    pub(crate) fn ids(&self) -> (&str, &str) {
        (&self.org, &self.slug)
    }

    /// Fetches the pipeline.
    pub async fn get(&self) -> Result<types::Pipeline> {
        let (org, slug) = self.ids();
        let op = self
            .bk
            .api()
            .get_pipeline()
            .org_slug(org)
            .pipeline_slug(slug);
        Ok(send(op).await?.into_inner())
    }

    /// Archives the pipeline: no new builds, hidden from the dashboard.
    pub async fn archive(&self) -> Result<types::Pipeline> {
        let (org, slug) = self.ids();
        let op = self
            .bk
            .api()
            .archive_pipeline()
            .org_slug(org)
            .pipeline_slug(slug);
        Ok(send(op).await?.into_inner())
    }

    /// Unarchives the pipeline.
    pub async fn unarchive(&self) -> Result<types::Pipeline> {
        let (org, slug) = self.ids();
        let op = self
            .bk
            .api()
            .unarchive_pipeline()
            .org_slug(org)
            .pipeline_slug(slug);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the pipeline.
    pub async fn delete(&self) -> Result<()> {
        let (org, slug) = self.ids();
        let op = self
            .bk
            .api()
            .delete_pipeline()
            .org_slug(org)
            .pipeline_slug(slug);
        send(op).await?;
        Ok(())
    }

    /// The pipeline's builds, newest first.
    pub fn builds(&self) -> Builds {
        List::new(
            BuildsQuery::new(
                self.bk.clone(),
                BuildScope::Pipeline(self.org.clone(), self.slug.clone()),
            ),
            self.bk.per_page(),
        )
    }

    /// A build of this pipeline, by number.
    pub fn build(&self, number: i64) -> Build {
        Build::new(self.clone(), number)
    }

    /// Starts creating a build of `commit` (a SHA, tag or `HEAD`) on `branch`.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk
    ///     .pipeline("acme", "web")
    ///     .create_build("HEAD", "main")
    ///     .message("Nightly")
    ///     .env("DEPLOY", "1")
    ///     .send()
    ///     .await?;
    /// println!("started #{}", build.number);
    /// # Ok(()) }
    /// ```
    pub fn create_build(
        &self,
        commit: impl Into<String>,
        branch: impl Into<String>,
    ) -> CreateBuild {
        CreateBuild::new(self.clone(), commit.into(), branch.into())
    }
}

/// An organization's pipelines: `bk.organization("acme").pipelines()`.
#[derive(Debug, Clone)]
pub struct PipelinesQuery {
    bk: Buildkite,
    org: String,
    name: Option<String>,
    repository: Option<String>,
}

impl PipelinesQuery {
    pub(crate) fn new(bk: Buildkite, org: String) -> Self {
        Self {
            bk,
            org,
            name: None,
            repository: None,
        }
    }
}

impl List<PipelinesQuery> {
    /// Only pipelines whose name contains `name` (case-insensitive).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.query.name = Some(name.into());
        self
    }

    /// Only pipelines whose repository URL contains `repository` (case-insensitive).
    pub fn repository(mut self, repository: impl Into<String>) -> Self {
        self.query.repository = Some(repository.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for PipelinesQuery {}

impl ListQuery for PipelinesQuery {
    type Item = types::Pipeline;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .bk
            .api()
            .list_pipelines()
            .org_slug(&self.org)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(name) = &self.name {
            op = op.name(name.as_str());
        }
        if let Some(repository) = &self.repository {
            op = op.repository(repository.as_str());
        }
        at.send(op).await
    }
}

/// A list of pipelines, `List<PipelinesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Pipelines = List<PipelinesQuery>;
