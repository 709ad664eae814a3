//! Artifacts: listing, metadata and downloads.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::{Build, Job};
use crate::pagination::{ListQuery, PageAt};
use crate::{download, segment, send, Download, Error, List, Page, Result};

/// An artifact: `build.artifact(job_id, artifact_id)` or `job.artifact(id)`.
#[derive(Debug, Clone)]
pub struct Artifact {
    job: Job,
    id: String,
}

macro_rules! artifact_op {
    ($artifact:expr, $client:expr, $method:ident) => {{
        let a = $artifact;
        let (org, slug) = a.job.build.pipeline.ids()?;
        let job = segment("the job id", &a.job.id)?;
        let id = segment("the artifact id", &a.id)?;
        $client
            .$method()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(a.job.build.number)
            .job_id(job)
            .artifact_id(id)
    }};
}

impl Artifact {
    pub(crate) fn new(job: Job, id: String) -> Self {
        Self { job, id }
    }

    /// Fetches the artifact's metadata.
    pub async fn get(&self) -> Result<types::Artifact> {
        let op = artifact_op!(self, self.job.build.pipeline.bk.api(), get_artifact);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the artifact from Buildkite's storage. Artifacts kept in your own S3, Google
    /// Cloud or Artifactory storage are only marked deleted: remove those files yourself.
    pub async fn delete(&self) -> Result<()> {
        let op = artifact_op!(self, self.job.build.pipeline.bk.api(), delete_artifact);
        send(op).await?;
        Ok(())
    }

    /// Downloads the artifact, streamed. Buildkite answers with a redirect to a signed URL in
    /// object storage; the token is not sent there.
    pub async fn download(&self) -> Result<Download> {
        let op = artifact_op!(self, self.job.build.pipeline.bk.api(), download_artifact);
        download(op).await
    }

    /// The signed URL Buildkite redirects downloads to, without downloading. It is valid for
    /// about a minute and needs no token.
    pub async fn download_url(&self) -> Result<url::Url> {
        const OP: &kitelab_api::Operation = &kitelab_api::buildkite::operations::DOWNLOAD_ARTIFACT;
        let op = artifact_op!(
            self,
            self.job.build.pipeline.bk.no_redirect(),
            download_artifact
        );
        let hooks = kitelab_api::Request::hooks(&op).clone();
        let response = match kitelab_api::Request::send(op).await {
            Err(kitelab_api::Error::UnexpectedResponse(response))
                if response.status().is_redirection() =>
            {
                response
            }
            Err(other) => {
                return Err(Error::from_generated::<
                    kitelab_api::buildkite::builder::DownloadArtifact<'_>,
                >(other, &hooks)
                .await)
            }
            Ok(_) => {
                return Err(Error::unexpected(
                    OP,
                    "Buildkite served the artifact directly instead of a download URL",
                ))
            }
        };
        let base = response.url().clone();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let location = match location {
            Some(location) => location,
            // The body repeats the URL: `{"url": "..."}`.
            None => {
                let body: types::ArtifactDownloadUrl =
                    response.json().await.map_err(|e| Error::transport(OP, e))?;
                body.url
            }
        };
        base.join(&location).map_err(|e| {
            Error::unexpected(OP, format!("Buildkite sent an unusable download URL: {e}"))
        })
    }
}

/// The artifacts of a build or of one of its jobs.
#[derive(Debug, Clone)]
pub struct ArtifactsQuery {
    build: Build,
    job: Option<String>,
    state: Option<types::ArtifactState>,
    path: Option<String>,
}

impl ArtifactsQuery {
    pub(crate) fn new(build: Build, job: Option<String>) -> Self {
        Self {
            build,
            job,
            state: None,
            path: None,
        }
    }
}

/// Artifact-list filters.
impl List<ArtifactsQuery> {
    /// Only artifacts in this state.
    pub fn state(mut self, state: types::ArtifactState) -> Self {
        self.query.state = Some(state);
        self
    }

    /// Only artifacts at this path (exact, or a `*` glob).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.query.path = Some(path.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for ArtifactsQuery {}

/// Applies the filters both artifact lists share to a generated list builder.
macro_rules! with_artifact_filters {
    ($op:expr, $q:expr) => {{
        let (mut op, q) = ($op, $q);
        if let Some(state) = &q.state {
            op = op.state(state.clone());
        }
        if let Some(path) = &q.path {
            op = op.path(path.as_str());
        }
        op
    }};
}

impl ListQuery for ArtifactsQuery {
    type Item = types::Artifact;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (org, slug) = self.build.pipeline.ids()?;
        let api = self.build.pipeline.bk.api();
        let response = match &self.job {
            None => {
                let op = api
                    .list_build_artifacts()
                    .org_slug(org)
                    .pipeline_slug(slug)
                    .build_number(self.build.number)
                    .page(at.page())
                    .per_page(at.per_page());
                at.send(with_artifact_filters!(op, &self)).await?
            }
            Some(job) => {
                let op = api
                    .list_job_artifacts()
                    .org_slug(org)
                    .pipeline_slug(slug)
                    .build_number(self.build.number)
                    .job_id(segment("the job id", job)?)
                    .page(at.page())
                    .per_page(at.per_page());
                at.send(with_artifact_filters!(op, &self)).await?
            }
        };
        Ok(response)
    }
}
