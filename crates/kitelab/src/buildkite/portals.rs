//! Portals of an organization: stored GraphQL operations reachable through an authenticated
//! URL, with a token of their own.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::pagination::simple_list;
use crate::{segment, send, List, Result};

/// Portals.
impl Organization {
    /// The organization's portals.
    pub fn portals(&self) -> Portals {
        List::new(PortalsQuery { org: self.clone() }, self.bk.per_page())
    }

    /// A portal, by slug: a handle, nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let portal = bk.organization("acme").portal("trigger-main-build");
    /// portal.update().allowed_ip_addresses("192.0.2.0/24").send().await?;
    /// portal.delete().await?;
    /// # Ok(()) }
    /// ```
    pub fn portal(&self, slug: impl Into<String>) -> Portal {
        Portal {
            org: self.clone(),
            slug: slug.into(),
        }
    }

    /// Starts creating a portal that runs this GraphQL operation. The answer carries the
    /// portal's token, shown this once (a redacting secret).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let portal = bk
    ///     .organization("acme")
    ///     .create_portal(
    ///         "Trigger main build",
    ///         "mutation { buildCreate(input: {pipelineID: \"…\", branch: \"main\"}) { build { url } } }",
    ///     )
    ///     .description("Triggers a build of main")
    ///     .user_invokable(false)
    ///     .send()
    ///     .await?;
    /// let token = portal.token; // keep it secret
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn create_portal(&self, name: impl Into<String>, query: impl Into<String>) -> CreatePortal {
        CreatePortal {
            org: self.clone(),
            body: types::CreatePortalRequest {
                allowed_ip_addresses: None,
                description: None,
                name: name.into(),
                query: query.into(),
                slug: None,
                user_invokable: None,
            },
        }
    }
}

/// A portal of an organization: `org.portal(slug)`. Nothing is sent until a method is called.
#[derive(Debug, Clone)]
pub struct Portal {
    org: Organization,
    slug: String,
}

impl Portal {
    /// The portal's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// Fetches the portal (without its token).
    pub async fn get(&self) -> Result<types::Portal> {
        let op = self
            .org
            .bk
            .api()
            .get_portal()
            .org_slug(&self.org.slug)
            .portal_slug(&self.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the portal; only the fields set change.
    pub fn update(&self) -> UpdatePortal {
        UpdatePortal {
            portal: self.clone(),
            body: types::UpdatePortalRequest::default(),
        }
    }

    /// Deletes the portal.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .org
            .bk
            .api()
            .delete_portal()
            .org_slug(&self.org.slug)
            .portal_slug(&self.slug);
        send(op).await?;
        Ok(())
    }
}

/// Creates a portal: `org.create_portal(name, query)`, options, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreatePortal {
    org: Organization,
    body: types::CreatePortalRequest,
}

impl CreatePortal {
    /// The slug (Buildkite's default: derived from the name).
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.body.slug = Some(slug.into());
        self
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// The IP ranges the portal may be called from, in CIDR notation, space-separated
    /// (`192.0.2.0/24 198.51.100.12/32`).
    pub fn allowed_ip_addresses(mut self, cidrs: impl Into<String>) -> Self {
        self.body.allowed_ip_addresses = Some(cidrs.into());
        self
    }

    /// Whether users can invoke the portal.
    pub fn user_invokable(mut self, yes: bool) -> Self {
        self.body.user_invokable = Some(yes);
        self
    }

    /// Creates the portal and returns it, token included (shown this once). An empty name or
    /// query fails with [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is
    /// sent.
    pub async fn send(self) -> Result<types::Portal> {
        segment("the portal name", &self.body.name)?;
        segment("the portal's GraphQL query", &self.body.query)?;
        let op = self
            .org
            .bk
            .api()
            .create_portal()
            .org_slug(&self.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a portal: `portal.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdatePortal {
    portal: Portal,
    body: types::UpdatePortalRequest,
}

impl UpdatePortal {
    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// The new slug (the portal's URL changes with it).
    pub fn slug(mut self, slug: impl Into<String>) -> Self {
        self.body.slug = Some(slug.into());
        self
    }

    /// The new description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.body.description = Some(description.into());
        self
    }

    /// The new GraphQL operation.
    pub fn query(mut self, query: impl Into<String>) -> Self {
        self.body.query = Some(query.into());
        self
    }

    /// The IP ranges the portal may be called from, in CIDR notation, space-separated
    /// (`192.0.2.0/24 198.51.100.12/32`).
    pub fn allowed_ip_addresses(mut self, cidrs: impl Into<String>) -> Self {
        self.body.allowed_ip_addresses = Some(cidrs.into());
        self
    }

    /// Whether users can invoke the portal.
    pub fn user_invokable(mut self, yes: bool) -> Self {
        self.body.user_invokable = Some(yes);
        self
    }

    /// Updates the portal and returns it.
    pub async fn send(self) -> Result<types::Portal> {
        let op = self
            .portal
            .org
            .bk
            .api()
            .update_portal()
            .org_slug(&self.portal.org.slug)
            .portal_slug(&self.portal.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

simple_list!(
    /// An organization's portals: `org.portals()`.
    PortalsQuery { org: Organization } => types::Portal,
    |o| o.bk.api().list_portals().org_slug(&o.slug)
);

/// A list of portals, `List<PortalsQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type Portals = List<PortalsQuery>;
