//! Publishing a package (multipart, written by hand: see `listPackages` in the spec).

use std::fmt;

use kitelab_api::buildkite::types;
use reqwest::multipart::Form;

use super::Organization;
use crate::upload::{file_part, post_multipart};
use crate::{segment, Result};

impl Organization {
    /// Starts publishing a package file to a package registry, then
    /// [`send`](PublishPackage::send). The content can be bytes or a `tokio::fs::File`; it is
    /// streamed, and never retried.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let file = tokio::fs::File::open("dist/app-1.2.0.tar.gz").await.expect("readable");
    /// let package = bk.organization("acme").publish_package("generic", "app-1.2.0.tar.gz", file).send().await?;
    /// println!("published {}", package.id);
    /// # Ok(()) }
    /// ```
    pub fn publish_package(
        &self,
        registry: impl Into<String>,
        file_name: impl Into<String>,
        content: impl Into<reqwest::Body>,
    ) -> PublishPackage {
        PublishPackage {
            organization: self.clone(),
            registry: registry.into(),
            file_name: file_name.into(),
            content: content.into(),
        }
    }
}

/// Publishes a package: [`Organization::publish_package`], then [`send`](Self::send).
#[must_use = "nothing is published until `.send()`"]
pub struct PublishPackage {
    organization: Organization,
    registry: String,
    file_name: String,
    content: reqwest::Body,
}

impl fmt::Debug for PublishPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishPackage")
            .field("organization", &self.organization.slug)
            .field("registry", &self.registry)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

impl PublishPackage {
    /// Publishes the package and returns it.
    pub async fn send(self) -> Result<types::Package> {
        let org = segment("the organization slug", &self.organization.slug)?;
        let registry = segment("the registry slug", &self.registry)?;
        let file_name = segment("the file name", &self.file_name)?.to_owned();
        let form = Form::new().part("file", file_part(self.content, file_name));
        let segments = [
            "packages",
            "organizations",
            org,
            "registries",
            registry,
            "packages",
        ];
        post_multipart(
            self.organization.bk.api(),
            &kitelab_api::hand_written::PUBLISH_PACKAGE,
            &segments,
            form,
        )
        .await
    }
}
