//! The packages of a package registry: listing, reading, copying and deleting them, and
//! publishing one (multipart, written by hand: see `listPackages` in the spec).

use std::fmt;

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;
use reqwest::multipart::Form;

use super::PackageRegistry;
use crate::pagination::{ListQuery, PageAt, PageRequest};
use crate::upload::{file_part, post_multipart};
use crate::{segment, send, List, Page, Result};

/// Packages.
impl PackageRegistry {
    /// The registry's packages, newest first (scope `read_packages`).
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let staging = bk.organization("acme").package_registry("staging");
    /// let bananas: Vec<_> = staging.packages().name("banana").stream().try_collect().await?;
    /// for banana in bananas {
    ///     staging.package(banana.id).copy_to("production").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn packages(&self) -> Packages {
        List::new(
            PackagesQuery {
                registry: self.clone(),
                name: None,
            },
            self.org.bk.per_page(),
        )
    }

    /// A package of the registry, by id.
    pub fn package(&self, id: impl Into<String>) -> Package {
        Package {
            registry: self.clone(),
            id: id.into(),
        }
    }
}

/// A package of a registry: `registry.package(id)`.
#[derive(Debug, Clone)]
pub struct Package {
    registry: PackageRegistry,
    id: String,
}

impl Package {
    /// The package's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the package.
    pub async fn get(&self) -> Result<types::Package> {
        let op = self
            .registry
            .api()
            .get_package()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .package_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Copies the package into the registry with the slug `registry` and returns the copy
    /// (scopes `read_packages` and `write_packages`; Alpine, Debian, generic, npm, Python, Red
    /// Hat and Ruby packages only). An empty slug fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn copy_to(&self, registry: impl Into<String>) -> Result<types::Package> {
        let to = registry.into();
        segment("the destination registry slug", &to)?;
        let op = self
            .registry
            .api()
            .copy_package()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .package_id(&self.id)
            .to(to);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the package (scope `delete_packages`).
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .registry
            .api()
            .delete_package()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .package_id(&self.id);
        send(op).await?;
        Ok(())
    }
}

/// The packages of a registry: `registry.packages()`.
#[derive(Debug, Clone)]
pub struct PackagesQuery {
    registry: PackageRegistry,
    name: Option<String>,
}

/// Filters of a registry's packages.
impl List<PackagesQuery> {
    /// Only the packages with this name (`banana`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.query.name = Some(name.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for PackagesQuery {}

impl ListQuery for PackagesQuery {
    type Item = types::Package;

    fn follows_links(&self) -> bool {
        true
    }

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        // The body is a cursor list, but the docs name no cursor parameter: a later page passes
        // on the query of its `next` link as given, but for the filter, which is this list's.
        let cursor: Vec<(String, String)> = match at.request() {
            PageRequest::Link(pairs) => {
                pairs.iter().filter(|(k, _)| k != "name").cloned().collect()
            }
            PageRequest::Number(_) => Vec::new(),
        };
        let api = self.registry.org.bk.api_with_query(cursor);
        let mut op = api
            .list_packages()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug);
        if let Some(name) = &self.name {
            op = op.name(name.as_str());
        }
        at.send_cursor(op, |body| {
            (body.items, body.links.and_then(|links| links.next))
        })
        .await
    }
}

impl PackageRegistry {
    /// Starts publishing a package file to the registry, then
    /// [`send`](PublishPackage::send) (scope `write_packages`). The content can be bytes or a
    /// `tokio::fs::File`; it is streamed, and never retried.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let file = tokio::fs::File::open("dist/app-1.2.0.tar.gz").await.expect("readable");
    /// let registry = bk.organization("acme").package_registry("generic");
    /// let package = registry.publish_package("app-1.2.0.tar.gz", file).send().await?;
    /// println!("published {}", package.id);
    /// # Ok(()) }
    /// ```
    pub fn publish_package(
        &self,
        file_name: impl Into<String>,
        content: impl Into<reqwest::Body>,
    ) -> PublishPackage {
        PublishPackage {
            registry: self.clone(),
            file_name: file_name.into(),
            content: content.into(),
        }
    }
}

/// Publishes a package: [`PackageRegistry::publish_package`], then [`send`](Self::send).
#[must_use = "nothing is published until `.send()`"]
pub struct PublishPackage {
    registry: PackageRegistry,
    file_name: String,
    content: reqwest::Body,
}

impl fmt::Debug for PublishPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishPackage")
            .field("organization", &self.registry.org.slug)
            .field("registry", &self.registry.slug)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

impl PublishPackage {
    /// Publishes the package and returns it.
    pub async fn send(self) -> Result<types::Package> {
        let org = segment("the organization slug", &self.registry.org.slug)?;
        let registry = segment("the registry slug", &self.registry.slug)?;
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
            self.registry.api(),
            &kitelab_api::hand_written::PUBLISH_PACKAGE,
            &segments,
            form,
        )
        .await
    }
}

/// A list of packages, `List<PackagesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Packages = List<PackagesQuery>;
