//! Secure files of a project: list, read, download and delete them, and upload one (multipart,
//! written by hand: see `listSecureFiles` in the spec).

use std::fmt;

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;
use reqwest::multipart::Form;

use super::Project;
use crate::pagination::simple_list;
use crate::upload::{file_part, post_multipart};
use crate::{download, segment, send, Download, List, Result};

impl Project {
    /// The project's secure files (their details; not their content).
    pub fn secure_files(&self) -> SecureFiles {
        List::new(
            SecureFilesQuery {
                project: self.clone(),
            },
            self.gl.per_page(),
        )
    }

    /// A secure file, by id.
    ///
    /// ```no_run
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let file = gl.project("group/project").secure_file(3);
    /// let details = file.get().await?;
    /// // Created 0600: secure-file downloads are sensitive. Choose the path yourself rather
    /// // than trusting `details.name`, which the project's maintainers pick.
    /// file.download().await?.write_to("release.keystore").await?;
    /// # let _ = details;
    /// # Ok(()) }
    /// ```
    pub fn secure_file(&self, id: i64) -> SecureFile {
        SecureFile {
            project: self.clone(),
            id,
        }
    }

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
            &kitelab_api::hand_written::CREATE_SECURE_FILE,
            &["projects", id, "secure_files"],
            form,
        )
        .await
    }
}

/// A secure file of a project: `project.secure_file(id)`.
#[derive(Debug, Clone)]
pub struct SecureFile {
    project: Project,
    id: i64,
}

impl SecureFile {
    fn api(&self) -> &kitelab_api::gitlab::Client {
        self.project.gl.api()
    }

    /// The secure file's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Fetches the secure file's details: name, checksum, expiry, metadata.
    pub async fn get(&self) -> Result<types::SecureFile> {
        let op = self
            .api()
            .get_secure_file()
            .id(self.project.id.as_str())
            .secure_file_id(self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Downloads the secure file's content, streamed. The download is
    /// [`sensitive`](Download::sensitive): [`write_to`](Download::write_to) creates a new file
    /// readable by its owner only (`0600` on Unix), and a file it replaces keeps its mode.
    pub async fn download(&self) -> Result<Download> {
        let op = self
            .api()
            .download_secure_file()
            .id(self.project.id.as_str())
            .secure_file_id(self.id);
        Ok(download(op).await?.sensitive())
    }

    /// Deletes the secure file.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_secure_file()
            .id(self.project.id.as_str())
            .secure_file_id(self.id);
        send(op).await?;
        Ok(())
    }
}

simple_list!(
    /// A project's secure files: `project.secure_files()`.
    SecureFilesQuery { project: Project } => types::SecureFile,
    |p| p.gl.api().list_secure_files().id(p.id.as_str())
);

/// A list of secure files, `List<SecureFilesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type SecureFiles = List<SecureFilesQuery>;
