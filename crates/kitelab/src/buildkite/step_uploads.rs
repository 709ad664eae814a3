//! Step uploads of a build: each `buildkite-agent pipeline upload` run during it. Not in
//! Buildkite's REST API docs; the routes are those of the official Go client.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Build;
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

/// Step uploads.
impl Build {
    /// The build's step uploads, newest first, without their definitions: a cursor-paginated
    /// list. Buildkite keeps them while the build is within its maximum lifetime; after that
    /// it answers `410 Gone`.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let build = bk.pipeline("acme", "web").build(42);
    /// let uploads: Vec<_> = build.step_uploads().stream().try_collect().await?;
    /// for upload in uploads {
    ///     let upload = build.step_upload(upload.uuid).get().await?;
    ///     println!("{}", upload.definition_yaml.unwrap_or_default());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn step_uploads(&self) -> StepUploads {
        List::new(
            StepUploadsQuery {
                build: self.clone(),
                source_job_id: None,
            },
            self.pipeline.bk.per_page(),
        )
    }

    /// A step upload of the build, by UUID.
    pub fn step_upload(&self, uuid: impl Into<String>) -> StepUpload {
        StepUpload {
            build: self.clone(),
            uuid: uuid.into(),
        }
    }
}

/// A step upload of a build: `build.step_upload(uuid)`.
#[derive(Debug, Clone)]
pub struct StepUpload {
    build: Build,
    uuid: String,
}

impl StepUpload {
    /// The upload's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// Fetches the upload, with what it uploaded re-rendered as YAML (`definition_yaml`; none,
    /// with `definition_yaml_omitted`, when too large to render).
    pub async fn get(&self) -> Result<types::StepUpload> {
        let (org, slug) = self.build.pipeline.ids();
        let op = self
            .build
            .pipeline
            .bk
            .api()
            .get_step_upload()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.build.number)
            .step_upload_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }
}

/// The step uploads of a build: `build.step_uploads()`.
#[derive(Debug, Clone)]
pub struct StepUploadsQuery {
    build: Build,
    source_job_id: Option<String>,
}

/// Filters of a build's step uploads.
impl List<StepUploadsQuery> {
    /// Only the uploads the job with this id ran (`filter[source_job_id]`).
    pub fn source_job_id(mut self, job_id: impl Into<String>) -> Self {
        self.query.source_job_id = Some(job_id.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for StepUploadsQuery {}

impl ListQuery for StepUploadsQuery {
    type Item = types::StepUpload;

    fn follows_links(&self) -> bool {
        true
    }

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (org, slug) = self.build.pipeline.ids();
        let mut op = self
            .build
            .pipeline
            .bk
            .api()
            .list_step_uploads()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.build.number)
            .per_page(at.per_page());
        // The first page has no cursor; later ones carry the `after` of the `next` link.
        if let Some(after) = at.param("after") {
            op = op.after(after.to_owned());
        }
        if let Some(job_id) = &self.source_job_id {
            op = op.filter_source_job_id(job_id.as_str());
        }
        at.send_cursor(op, |body| (body.items, body.links.next))
            .await
    }
}

/// A list of step uploads, `List<StepUploadsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type StepUploads = List<StepUploadsQuery>;
