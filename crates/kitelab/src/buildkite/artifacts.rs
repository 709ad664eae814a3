//! Artifacts: listing, metadata and downloads.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use std::path::{Component, Path, PathBuf};

use super::jobs::JobRoute;
use super::{Build, Job};
use crate::pagination::{ListQuery, PageAt};
use crate::{download, send, Download, Error, List, Page, Result};

/// An artifact: `build.artifact(job_id, artifact_id)` or `job.artifact(id)`.
#[derive(Debug, Clone)]
pub struct Artifact {
    job: Job,
    id: String,
}

impl Artifact {
    pub(crate) fn new(job: Job, id: String) -> Self {
        Self { job, id }
    }

    /// Fetches the artifact's metadata.
    pub async fn get(&self) -> Result<types::Artifact> {
        let (job, id) = (&self.job.id, &self.id);
        let api = self.job.api();
        let artifact = match self.job.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.get_artifact().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(job).artifact_id(id)).await?
            }
            JobRoute::Organization(org) => {
                let op = api.get_organization_job_artifact().org_slug(org);
                send(op.job_id(job).artifact_id(id)).await?
            }
        };
        Ok(artifact.into_inner())
    }

    /// Deletes the artifact from Buildkite's storage. Artifacts kept in your own S3, Google
    /// Cloud or Artifactory storage are only marked deleted: remove those files yourself.
    pub async fn delete(&self) -> Result<()> {
        let (job, id) = (&self.job.id, &self.id);
        let api = self.job.api();
        match self.job.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api.delete_artifact().org_slug(org).pipeline_slug(pipeline);
                send(op.build_number(number).job_id(job).artifact_id(id)).await?;
            }
            JobRoute::Organization(org) => {
                let op = api.delete_organization_job_artifact().org_slug(org);
                send(op.job_id(job).artifact_id(id)).await?;
            }
        }
        Ok(())
    }

    /// Downloads the artifact, streamed. Buildkite answers with a redirect to a signed URL in
    /// object storage; the token is not sent there.
    pub async fn download(&self) -> Result<Download> {
        let (job, id) = (&self.job.id, &self.id);
        let api = self.job.api();
        match self.job.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api
                    .download_artifact()
                    .org_slug(org)
                    .pipeline_slug(pipeline);
                download(op.build_number(number).job_id(job).artifact_id(id)).await
            }
            JobRoute::Organization(org) => {
                let op = api.download_organization_job_artifact().org_slug(org);
                download(op.job_id(job).artifact_id(id)).await
            }
        }
    }

    /// The signed URL Buildkite redirects downloads to, without downloading. It is valid for
    /// about a minute and needs no token.
    pub async fn download_url(&self) -> Result<url::Url> {
        // The client that does not follow redirects: the answer is the redirect itself.
        let api = self.job.client().no_redirect();
        let (job, id) = (&self.job.id, &self.id);
        match self.job.route() {
            JobRoute::Build(org, pipeline, number) => {
                let op = api
                    .download_artifact()
                    .org_slug(org)
                    .pipeline_slug(pipeline);
                redirect_target(op.build_number(number).job_id(job).artifact_id(id)).await
            }
            JobRoute::Organization(org) => {
                let op = api.download_organization_job_artifact().org_slug(org);
                redirect_target(op.job_id(job).artifact_id(id)).await
            }
        }
    }
}

/// Sends an artifact download that does not follow redirects, and returns where it redirects to.
async fn redirect_target<R>(op: R) -> Result<url::Url>
where
    R: kitelab_api::Request,
{
    let operation = R::OPERATION;
    let hooks = kitelab_api::Request::hooks(&op).clone();
    let response = match kitelab_api::Request::send(op).await {
        Err(kitelab_api::Error::UnexpectedResponse(response))
            if response.status().is_redirection() =>
        {
            response
        }
        Err(other) => return Err(Error::from_generated::<R>(other, &hooks).await),
        Ok(_) => {
            return Err(Error::unexpected(
                operation,
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
            let body: types::ArtifactDownloadUrl = response
                .json()
                .await
                .map_err(|e| Error::transport(operation, e))?;
            body.url
        }
    };
    base.join(&location).map_err(|e| {
        Error::unexpected(
            operation,
            format!("Buildkite sent an unusable download URL: {e}"),
        )
    })
}

/// The artifacts of a build or of one of its jobs: [`Build::artifacts`], [`Job::artifacts`].
#[derive(Debug, Clone)]
pub struct ArtifactsQuery {
    of: ArtifactsOf,
    state: Option<types::ArtifactState>,
    path: Option<String>,
}

/// Whose artifacts a list holds.
#[derive(Debug, Clone)]
enum ArtifactsOf {
    Build(Build),
    Job(Job),
}

impl ArtifactsQuery {
    pub(crate) fn of_build(build: Build) -> Self {
        Self::new(ArtifactsOf::Build(build))
    }

    pub(crate) fn of_job(job: Job) -> Self {
        Self::new(ArtifactsOf::Job(job))
    }

    fn new(of: ArtifactsOf) -> Self {
        Self {
            of,
            state: None,
            path: None,
        }
    }

    /// The handle of an artifact this list yielded.
    fn handle(&self, listed: &types::Artifact) -> Result<Artifact> {
        match &self.of {
            ArtifactsOf::Build(build) => build.artifact_of(listed),
            ArtifactsOf::Job(job) => Ok(job.artifact(listed.id.clone())),
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

impl ListQuery for ArtifactsQuery {
    type Item = types::Artifact;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (state, path) = (self.state.as_ref(), self.path.as_deref());
        match &self.of {
            ArtifactsOf::Build(build) => {
                let (org, slug) = build.pipeline.ids();
                let mut op = build.pipeline.bk.api().list_build_artifacts().org_slug(org);
                op = op.pipeline_slug(slug).build_number(build.number);
                op = op.page(at.page()).per_page(at.per_page());
                if let Some(state) = state {
                    op = op.state(state.clone());
                }
                if let Some(path) = path {
                    op = op.path(path);
                }
                at.send(op).await
            }
            ArtifactsOf::Job(job) => match job.route() {
                JobRoute::Build(org, pipeline, number) => {
                    let mut op = job.api().list_job_artifacts().org_slug(org);
                    op = op
                        .pipeline_slug(pipeline)
                        .build_number(number)
                        .job_id(&job.id);
                    op = op.page(at.page()).per_page(at.per_page());
                    if let Some(state) = state {
                        op = op.state(state.clone());
                    }
                    if let Some(path) = path {
                        op = op.path(path);
                    }
                    at.send(op).await
                }
                JobRoute::Organization(org) => {
                    let mut op = job.api().list_organization_job_artifacts().org_slug(org);
                    op = op.job_id(&job.id).page(at.page()).per_page(at.per_page());
                    if let Some(state) = state {
                        op = op.state(state.clone());
                    }
                    if let Some(path) = path {
                        op = op.path(path);
                    }
                    at.send(op).await
                }
            },
        }
    }
}

/// Downloads of a whole artifact list.
impl List<ArtifactsQuery> {
    /// Downloads every artifact of this list (with its filters) into `dir`, keeping their
    /// paths; see [`Build::save_artifacts`].
    #[doc(alias = "download_all")]
    pub fn save_all(self, dir: impl Into<PathBuf>) -> SaveArtifacts {
        SaveArtifacts {
            list: self,
            dir: dir.into(),
            concurrency: SaveArtifacts::DEFAULT_CONCURRENCY,
        }
    }
}

/// Downloads every artifact of a build (or a job, or a filtered list) into a directory, keeping
/// their paths: [`Build::save_artifacts`], options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is downloaded until `.send()`"]
pub struct SaveArtifacts {
    list: List<ArtifactsQuery>,
    dir: PathBuf,
    concurrency: usize,
}

/// What [`SaveArtifacts::send`] did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SavedArtifacts {
    /// The artifacts written, in list order.
    pub saved: Vec<SavedArtifact>,
    /// The artifacts not downloaded because they are not `finished` (still uploading, failed,
    /// deleted or expired): Buildkite has no bytes to give for them.
    pub skipped: Vec<types::Artifact>,
}

/// One artifact written by [`SaveArtifacts::send`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SavedArtifact {
    /// The artifact, as listed.
    pub artifact: types::Artifact,
    /// Where it was written: the directory joined with the artifact's path.
    pub path: PathBuf,
    /// The number of bytes written.
    pub bytes: u64,
}

impl SaveArtifacts {
    /// Downloads at once by default.
    pub const DEFAULT_CONCURRENCY: usize = 4;

    /// How many artifacts are downloaded at once (default 4, at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Lists every artifact (all pages), checks every path, then downloads them, at most
    /// [`concurrency`](Self::concurrency) at a time, each written with
    /// [`Download::write_to`] (atomically) to `dir/<artifact path>`.
    ///
    /// - Nothing is written before every path has been checked. A path that is empty,
    ///   absolute, holds a `..` segment, a backslash, a control character or a drive prefix, or
    ///   two artifacts with the same path (parallel jobs often upload the same file: download
    ///   them per job with [`Job::save_artifacts`]), fail the call with
    ///   [`Error::InvalidInput`] naming the artifact, before anything is downloaded. No path
    ///   leads outside `dir` (a symbolic link you placed inside `dir` is followed, as by any
    ///   file write).
    /// - `dir` and the directories below it that the paths need are created.
    /// - Artifacts that are not `finished` are skipped and listed in
    ///   [`skipped`](SavedArtifacts::skipped).
    /// - The first failed download ends the call with its error: downloads in flight are
    ///   cancelled (their temporary files removed), files already written stay.
    pub async fn send(self) -> Result<SavedArtifacts> {
        use futures_util::{StreamExt, TryStreamExt};

        let query = self.list.query.clone();
        let artifacts: Vec<types::Artifact> = self.list.stream().try_collect().await?;
        let mut plan = Vec::new();
        let mut skipped = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for artifact in artifacts {
            if !matches!(artifact.state, None | Some(types::ArtifactState::Finished)) {
                skipped.push(artifact);
                continue;
            }
            let relative = safe_relative_path(&artifact)?;
            if let Some(first) = seen.insert(relative.clone(), artifact.id.clone()) {
                return Err(Error::invalid(format!(
                    "artifacts {first} and {} both have the path {:?}: download them per job \
                     (job.save_artifacts)",
                    artifact.id,
                    relative.display()
                )));
            }
            let handle = query.handle(&artifact)?;
            plan.push((artifact, handle, self.dir.join(relative)));
        }
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|source| Error::Io {
                context: format!("cannot create the directory {}", self.dir.display()),
                source,
            })?;
        let saved = futures_util::stream::iter(plan)
            .map(|(artifact, handle, path)| async move {
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(|source| Error::Io {
                            context: format!("cannot create the directory {}", parent.display()),
                            source,
                        })?;
                }
                let bytes = handle.download().await?.write_to(&path).await?;
                Ok::<_, Error>(SavedArtifact {
                    artifact,
                    path,
                    bytes,
                })
            })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        Ok(SavedArtifacts { saved, skipped })
    }
}

/// The artifact's path as a relative path that stays below any directory it is joined to:
/// only normal components, separated by `/`.
fn safe_relative_path(artifact: &types::Artifact) -> Result<PathBuf> {
    let raw = artifact.path.as_deref().unwrap_or("");
    let refuse = |why: &str| {
        Err(Error::invalid(format!(
            "artifact {} has an unsafe path {raw:?} ({why}): nothing was downloaded",
            artifact.id
        )))
    };
    if raw.chars().any(char::is_control) {
        return refuse("a control character");
    }
    if raw.contains('\\') {
        return refuse("a backslash");
    }
    if raw.starts_with('/') {
        return refuse("absolute");
    }
    let mut relative = PathBuf::new();
    for segment in raw.split('/') {
        match segment {
            "" | "." => continue,
            ".." => return refuse("a `..` segment"),
            _ => {}
        }
        // What the platform makes of the segment: a drive (`C:`) or a root is not a name.
        let mut components = Path::new(segment).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(name)), None) if name == segment => relative.push(name),
            _ => return refuse("not a plain file name"),
        }
    }
    if relative.as_os_str().is_empty() {
        return refuse("empty");
    }
    Ok(relative)
}

/// A list of artifacts, `List<ArtifactsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Artifacts = List<ArtifactsQuery>;

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(path: Option<&str>) -> types::Artifact {
        serde_json::from_value(serde_json::json!({
            "id": "a1",
            "url": "https://api.buildkite.com/v2/x",
            "path": path,
        }))
        .unwrap()
    }

    #[test]
    fn artifact_paths_stay_below_the_directory() {
        for (path, expected) in [
            ("dist/app.bin", "dist/app.bin"),
            ("./dist//app.bin", "dist/app.bin"),
            ("report.xml", "report.xml"),
            ("a/.../b", "a/.../b"),
            ("résumé ☃.txt", "résumé ☃.txt"),
        ] {
            assert_eq!(
                safe_relative_path(&artifact(Some(path))).unwrap(),
                Path::new(expected),
                "{path}"
            );
        }
        for path in [
            Some("/etc/passwd"),
            Some("../outside"),
            Some("dist/../../outside"),
            Some("dist/.."),
            Some("..\\outside"),
            Some("C:\\Windows\\x"),
            Some("dist\\..\\..\\x"),
            Some("evil\0.txt"),
            Some("a\nb"),
            Some(""),
            Some("./"),
            Some("//"),
            None,
        ] {
            let err = safe_relative_path(&artifact(path)).unwrap_err().to_string();
            assert!(
                err.contains("unsafe path") && err.contains("a1"),
                "{path:?}: {err}"
            );
        }
    }
}
