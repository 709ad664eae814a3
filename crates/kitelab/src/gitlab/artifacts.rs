//! Artifacts by branch or tag: the latest successful pipeline's artifacts of a named job, without
//! knowing the job's id. (A known job's artifacts are [`Job::artifacts`](super::Job::artifacts).)

use kitelab_api::gitlab::prelude::*;

use super::Project;
use crate::{download, segment, Download, Result};

/// Artifacts by branch or tag.
impl Project {
    /// The artifacts archive (a zip), streamed, of the job named `job` in the latest successful
    /// pipeline of a branch or tag (`HEAD` and SHAs are not supported). The ref is passed raw:
    /// `feature/x` is encoded once. GitLab may redirect to object storage, where the token is
    /// not sent.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let project = gl.project("group/project");
    /// project
    ///     .download_artifacts_by_ref("main", "build")
    ///     .await?
    ///     .write_to("artifacts.zip")
    ///     .await?;
    /// let report = project
    ///     .download_artifact_by_ref("main", "reports/coverage.txt", "test")
    ///     .await?
    ///     .text()
    ///     .await?;
    /// # let _ = report; Ok(()) }
    /// ```
    pub async fn download_artifacts_by_ref(&self, git_ref: &str, job: &str) -> Result<Download> {
        let id = self.id.as_str();
        let git_ref = segment("the ref", git_ref)?;
        let job = segment("the job name", job)?;
        let op = self
            .gl
            .api()
            .download_ref_artifacts()
            .id(id)
            .ref_name(git_ref)
            .job(job);
        download(op).await
    }

    /// One file, streamed, of the artifacts of the job named `job` in the latest successful
    /// pipeline of a branch or tag, by its path in the archive (`dist/report.txt`).
    pub async fn download_artifact_by_ref(
        &self,
        git_ref: &str,
        path: &str,
        job: &str,
    ) -> Result<Download> {
        let id = self.id.as_str();
        let git_ref = segment("the ref", git_ref)?;
        let path = segment("the artifact path", path)?;
        let job = segment("the job name", job)?;
        let op = self
            .gl
            .api()
            .download_ref_artifact_file()
            .id(id)
            .ref_name(git_ref)
            .artifact_path(path)
            .job(job);
        download(op).await
    }
}
