//! Organizations.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Builds;
use super::Pipelines;
use super::{builds::BuildScope, Buildkite, BuildsQuery, Pipeline, PipelinesQuery};
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

/// An organization, by slug: `bk.organization("acme")`.
#[derive(Debug, Clone)]
pub struct Organization {
    pub(crate) bk: Buildkite,
    pub(crate) slug: String,
}

impl Organization {
    pub(crate) fn new(bk: Buildkite, slug: String) -> Self {
        Self { bk, slug }
    }

    /// The organization's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// Fetches the organization.
    pub async fn get(&self) -> Result<types::Organization> {
        let slug = self.slug.as_str();
        let response = send(self.bk.api().get_organization().org_slug(slug)).await?;
        Ok(response.into_inner())
    }

    /// The organization's REST API rate limit as Buildkite counts it now: the limit, what is
    /// left and when it resets. (Every answer's headers say the same of the last call:
    /// [`Buildkite::rate_limit`].)
    pub async fn rate_limit(&self) -> Result<types::OrganizationRateLimit> {
        let slug = self.slug.as_str();
        let op = self.bk.api().get_organization_rate_limit().org_slug(slug);
        Ok(send(op).await?.into_inner())
    }

    /// The organization's pipelines.
    pub fn pipelines(&self) -> Pipelines {
        List::new(
            PipelinesQuery::new(self.bk.clone(), self.slug.clone()),
            self.bk.per_page(),
        )
    }

    /// The organization's builds, newest first.
    pub fn builds(&self) -> Builds {
        List::new(
            BuildsQuery::new(self.bk.clone(), BuildScope::Organization(self.slug.clone())),
            self.bk.per_page(),
        )
    }

    /// A pipeline of this organization.
    pub fn pipeline(&self, slug: impl Into<String>) -> Pipeline {
        Pipeline::new(self.bk.clone(), self.slug.clone(), slug.into())
    }
}

/// The list of organizations: [`Buildkite::organizations`].
#[derive(Debug, Clone)]
pub struct OrganizationsQuery {
    pub(crate) bk: Buildkite,
}

impl crate::pagination::sealed::Sealed for OrganizationsQuery {}

impl ListQuery for OrganizationsQuery {
    type Item = types::Organization;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let bk = self.bk;
        let op = bk
            .api()
            .list_organizations()
            .page(at.page())
            .per_page(at.per_page());
        at.send(op).await
    }
}

/// A list of organizations, `List<OrganizationsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Organizations = List<OrganizationsQuery>;
