//! Teams of an organization.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::{Buildkite, Organization};
use crate::pagination::{ListQuery, PageAt};
use crate::{call, segment, List, Page, Result};

impl Organization {
    /// The organization's teams.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let mine: Vec<_> = bk
    ///     .organization("acme")
    ///     .teams()
    ///     .user_id("8s7ce846-f6c0-4360-8133-389b03c7c46a")
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = mine;
    /// # Ok(()) }
    /// ```
    pub fn teams(&self) -> List<TeamsQuery> {
        let (bk, org) = (self.bk.clone(), self.slug.clone());
        let per_page = bk.per_page();
        List::new(
            TeamsQuery {
                bk,
                org,
                user_id: None,
            },
            per_page,
        )
    }
}

/// An organization's teams: `organization.teams()`. Set filters with the methods of
/// [`List<TeamsQuery>`](List#impl-List<TeamsQuery>).
#[derive(Debug, Clone)]
pub struct TeamsQuery {
    bk: Buildkite,
    org: String,
    user_id: Option<String>,
}

/// Team-list filters.
impl List<TeamsQuery> {
    /// Only teams that have this user (a user UUID) as a member.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.query.user_id = Some(user_id.into());
        self
    }
}

impl crate::pagination::sealed::Sealed for TeamsQuery {}

impl ListQuery for TeamsQuery {
    type Item = types::Team;

    async fn fetch(self, at: PageAt) -> Result<Page<Self::Item>> {
        let mut op = self
            .bk
            .api()
            .list_teams()
            .org_slug(segment("the organization slug", &self.org)?)
            .page(at.page())
            .per_page(at.per_page());
        if let Some(user_id) = &self.user_id {
            op = op.user_id(user_id.as_str());
        }
        Ok(at.page_of(call("list_teams", op.send()).await?))
    }
}
