//! Uploading a secure file (multipart, written by hand: see `listSecureFiles` in the spec).

use std::fmt;

use kitelab_api::gitlab::types;
use reqwest::multipart::Form;

use super::Project;
use crate::upload::{file_part, post_multipart};
use crate::{segment, Result};

impl Project {
    /// Starts uploading a secure file (at most 5 MB; Maintainer role), then
    /// [`send`](UploadSecureFile::send). The content can be bytes, a `String` or a
    /// `tokio::fs::File`; it is streamed, and never retried.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let file = tokio::fs::File::open("release.keystore").await.expect("readable");
    /// let uploaded = gl.project("group/project").upload_secure_file("release.keystore", file).send().await?;
    /// println!("secure file {}", uploaded.id);
    /// # Ok(()) }
    /// ```
    pub fn upload_secure_file(
        &self,
        name: impl Into<String>,
        content: impl Into<reqwest::Body>,
    ) -> UploadSecureFile {
        UploadSecureFile {
            project: self.clone(),
            name: name.into(),
            content: content.into(),
            permissions: None,
        }
    }
}

/// Uploads a secure file: [`Project::upload_secure_file`], options, then [`send`](Self::send).
#[must_use = "nothing is uploaded until `.send()`"]
pub struct UploadSecureFile {
    project: Project,
    name: String,
    content: reqwest::Body,
    permissions: Option<types::SecureFilePermissions>,
}

impl fmt::Debug for UploadSecureFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadSecureFile")
            .field("project", &self.project.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl UploadSecureFile {
    /// Who may use the file (older GitLab versions; newer ones ignore it).
    pub fn permissions(mut self, permissions: types::SecureFilePermissions) -> Self {
        self.permissions = Some(permissions);
        self
    }

    /// Uploads the file and returns its record.
    pub async fn send(self) -> Result<types::SecureFile> {
        let id = self.project.id.checked()?;
        let name = segment("the secure file name", &self.name)?.to_owned();
        let mut form = Form::new()
            .text("name", name.clone())
            .part("file", file_part(self.content, name));
        if let Some(permissions) = self.permissions {
            form = form.text("permissions", permissions.to_string());
        }
        post_multipart(
            self.project.gl.api(),
            "upload_secure_file",
            &["projects", id, "secure_files"],
            form,
        )
        .await
    }
}
