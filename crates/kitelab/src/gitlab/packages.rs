//! Packages of a project's package registry, as far as CI goes: the pipelines that built one.

use kitelab_api::gitlab::prelude::*;
use kitelab_api::gitlab::types;

use super::Project;
use crate::pagination::{ListQuery, PageAt};
use crate::{List, Page, Result};

/// GitLab serves at most this many package pipelines per page.
const MAX_PACKAGE_PIPELINES_PER_PAGE: u32 = 20;

/// Packages.
impl Project {
    /// A package of the project's package registry, by id: a handle, nothing is sent.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(gl: kitelab::GitLab) -> kitelab::Result<()> {
    /// let package = gl.project("group/app").package(7);
    /// let builds: Vec<_> = package.pipelines().max_items(5).stream().try_collect().await?;
    /// # let _ = builds; Ok(()) }
    /// ```
    pub fn package(&self, id: i64) -> Package {
        Package {
            project: self.clone(),
            id,
        }
    }
}

/// A package of a project: `project.package(id)`.
#[derive(Debug, Clone)]
pub struct Package {
    project: Project,
    id: i64,
}

impl Package {
    /// The package's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The pipelines that built the package, newest first (GitLab 16.1 and later). GitLab
    /// reads them by keyset only, at most 20 per page: a larger
    /// [`per_page`](List::per_page) is sent as 20.
    pub fn pipelines(&self) -> PackagePipelines {
        List::new(
            PackagePipelinesQuery {
                package: self.clone(),
            },
            self.project.gl.per_page(),
        )
    }
}

/// The pipelines that built a package: `package.pipelines()`, newest first, read by keyset.
#[derive(Debug, Clone)]
pub struct PackagePipelinesQuery {
    package: Package,
}

impl crate::pagination::sealed::Sealed for PackagePipelinesQuery {}

impl ListQuery for PackagePipelinesQuery {
    type Item = types::PackagePipeline;

    fn follows_links(&self) -> bool {
        true
    }

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let p = &self.package;
        let per_page = at.per_page().get().min(MAX_PACKAGE_PIPELINES_PER_PAGE);
        let mut op = p
            .project
            .gl
            .api()
            .list_package_pipelines()
            .id(p.project.id.as_str())
            .package_id(p.id)
            .per_page(crate::pagination::non_zero(per_page));
        if let Some(cursor) = at.param("cursor") {
            op = op.cursor(cursor.to_owned());
        }
        at.send(op).await
    }
}

/// A list of package pipelines, `List<PackagePipelinesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type PackagePipelines = List<PackagePipelinesQuery>;
