//! Annotations of a build.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Build;
use crate::pagination::{ListQuery, PageAt};
use crate::{call, List, Page, Result};

impl Build {
    /// The build's annotations: build-scoped ones unless `.scope(…)` says otherwise.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use kitelab::buildkite::types::AnnotationScopeFilter;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let annotations: Vec<_> = bk
    ///     .pipeline("acme", "web")
    ///     .build(42)
    ///     .annotations()
    ///     .scope(AnnotationScopeFilter::All)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = annotations;
    /// # Ok(()) }
    /// ```
    pub fn annotations(&self) -> List<AnnotationsQuery> {
        List::new(
            AnnotationsQuery {
                build: self.clone(),
                scope: None,
                omit_body: None,
            },
            self.pipeline.bk.per_page(),
        )
    }
}

/// A build's annotations: `build.annotations()`. Set filters with the methods of
/// [`List<AnnotationsQuery>`](List#impl-List<AnnotationsQuery>).
#[derive(Debug, Clone)]
pub struct AnnotationsQuery {
    build: Build,
    scope: Option<types::AnnotationScopeFilter>,
    omit_body: Option<bool>,
}

/// Annotation-list filters.
impl List<AnnotationsQuery> {
    /// Which annotations: the build's (Buildkite's default), its jobs', or all.
    pub fn scope(mut self, scope: types::AnnotationScopeFilter) -> Self {
        self.query.scope = Some(scope);
        self
    }

    /// Leave out each annotation's `body_html` (smaller pages).
    pub fn omit_body(mut self, yes: bool) -> Self {
        self.query.omit_body = Some(yes);
        self
    }
}

impl crate::pagination::sealed::Sealed for AnnotationsQuery {}

impl ListQuery for AnnotationsQuery {
    type Item = types::Annotation;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let (org, slug) = self.build.pipeline.ids()?;
        let mut op = self
            .build
            .pipeline
            .bk
            .api()
            .list_annotations()
            .org_slug(org)
            .pipeline_slug(slug)
            .build_number(self.build.number)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(scope) = &self.scope {
            op = op.scope(scope.clone());
        }
        if let Some(omit_body) = self.omit_body {
            op = op.omit_body(omit_body);
        }
        Ok(at.page_of(call("list_annotations", op.send()).await?))
    }
}
