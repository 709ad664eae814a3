//! Package registries of an organization (Buildkite Package Registries) and their tokens. The
//! packages of a registry are in `packages.rs`.

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::Organization;
use crate::pagination::whole_list;
use crate::{segment, send, List, Result};

/// Package registries.
impl Organization {
    /// The organization's package registries (scope `read_registries`); Buildkite sends them
    /// all at once.
    pub fn package_registries(&self) -> PackageRegistries {
        List::new(
            PackageRegistriesQuery { org: self.clone() },
            self.bk.per_page(),
        )
    }

    /// A package registry, by slug.
    pub fn package_registry(&self, slug: impl Into<String>) -> PackageRegistry {
        PackageRegistry {
            org: self.clone(),
            slug: slug.into(),
        }
    }

    /// Starts creating a package registry for `ecosystem` (`ruby`, `python`, `npm`, `java`,
    /// `container`, `generic`…; scope `write_registries`).
    ///
    /// ```no_run
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let org = bk.organization("acme");
    /// let registry = org
    ///     .create_package_registry("my registry", "ruby")
    ///     .description("registry containing ruby gems")
    ///     .emoji(":sunflower:")
    ///     .team("0aa2a3f6-f7f3-4fc7-8c39-5a5f0e1e3f26")
    ///     .send()
    ///     .await?;
    /// let registry = org.package_registry(registry.slug.unwrap_or_default());
    /// let token = registry.create_token("CI installs").send().await?;
    /// // token.token holds its value, shown this once.
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn create_package_registry(
        &self,
        name: impl Into<String>,
        ecosystem: impl Into<String>,
    ) -> CreatePackageRegistry {
        CreatePackageRegistry {
            org: self.clone(),
            body: types::CreatePackageRegistryRequest {
                color: None,
                description: None,
                ecosystem: ecosystem.into(),
                emoji: None,
                name: name.into(),
                oidc_policy: None,
                team_ids: Vec::new(),
            },
        }
    }
}

/// A package registry of an organization: `org.package_registry(slug)`.
#[derive(Debug, Clone)]
pub struct PackageRegistry {
    pub(crate) org: Organization,
    pub(crate) slug: String,
}

impl PackageRegistry {
    /// The registry's slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    pub(crate) fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// Fetches the registry.
    pub async fn get(&self) -> Result<types::PackageRegistry> {
        let op = self
            .api()
            .get_package_registry()
            .org_slug(&self.org.slug)
            .registry_slug(&self.slug);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the registry; only the fields set change.
    pub fn update(&self) -> UpdatePackageRegistry {
        UpdatePackageRegistry {
            registry: self.clone(),
            body: types::UpdatePackageRegistryRequest::default(),
        }
    }

    /// Deletes the registry (scope `delete_registries`).
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_package_registry()
            .org_slug(&self.org.slug)
            .registry_slug(&self.slug);
        send(op).await?;
        Ok(())
    }

    /// The registry's tokens, without their values; Buildkite sends them all at once.
    pub fn tokens(&self) -> RegistryTokens {
        List::new(
            RegistryTokensQuery {
                registry: self.clone(),
            },
            self.org.bk.per_page(),
        )
    }

    /// A token of the registry, by id.
    pub fn token(&self, id: impl Into<String>) -> RegistryToken {
        RegistryToken {
            registry: self.clone(),
            id: id.into(),
        }
    }

    /// Starts creating a token to install packages from the registry; the answer carries its
    /// value, shown this once.
    pub fn create_token(&self, description: impl Into<String>) -> CreateRegistryToken {
        CreateRegistryToken {
            registry: self.clone(),
            body: types::CreateRegistryTokenRequest {
                description: description.into(),
            },
        }
    }
}

/// The options a package registry is created or updated with: one definition for both
/// builders, whose request bodies hold the same optional fields.
macro_rules! registry_options {
    ($builder:ident) => {
        impl $builder {
            /// A description.
            pub fn description(mut self, description: impl Into<String>) -> Self {
                self.body.description = Some(description.into());
                self
            }

            /// An emoji, `:sunflower:` or a character.
            pub fn emoji(mut self, emoji: impl Into<String>) -> Self {
                self.body.emoji = Some(emoji.into());
                self
            }

            /// A color, as hex (`#f0ccff`).
            pub fn color(mut self, color: impl Into<String>) -> Self {
                self.body.color = Some(color.into());
                self
            }

            /// The OIDC policy: who may publish with an OIDC token, as YAML text or a JSON
            /// array of statements (`iss`, `claims`…); sent as given, it replaces the whole
            /// policy.
            pub fn oidc_policy(mut self, policy: impl Into<serde_json::Value>) -> Self {
                self.body.oidc_policy = Some(policy.into());
                self
            }
        }
    };
}

/// Creates a package registry: `org.create_package_registry(name, ecosystem)`, options, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreatePackageRegistry {
    org: Organization,
    body: types::CreatePackageRegistryRequest,
}

registry_options!(CreatePackageRegistry);

impl CreatePackageRegistry {
    /// Gives this team access, by UUID (`team_ids`; required when the organization has teams
    /// enabled). Call once per team.
    pub fn team(mut self, team_uuid: impl Into<String>) -> Self {
        self.body.team_ids.push(team_uuid.into());
        self
    }

    /// Creates the registry and returns it. An empty name or ecosystem fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn send(self) -> Result<types::PackageRegistry> {
        segment("the registry name", &self.body.name)?;
        segment("the registry ecosystem", &self.body.ecosystem)?;
        let op = self
            .org
            .bk
            .api()
            .create_package_registry()
            .org_slug(&self.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a package registry: `registry.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdatePackageRegistry {
    registry: PackageRegistry,
    body: types::UpdatePackageRegistryRequest,
}

registry_options!(UpdatePackageRegistry);

impl UpdatePackageRegistry {
    /// The new name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(name.into());
        self
    }

    /// Updates the registry and returns it.
    pub async fn send(self) -> Result<types::PackageRegistry> {
        let op = self
            .registry
            .api()
            .update_package_registry()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// A token of a package registry: `registry.token(id)`.
#[derive(Debug, Clone)]
pub struct RegistryToken {
    registry: PackageRegistry,
    id: String,
}

impl RegistryToken {
    /// The token's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Fetches the token's details (not its value).
    pub async fn get(&self) -> Result<types::RegistryToken> {
        let op = self
            .registry
            .api()
            .get_registry_token()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .registry_token_id(&self.id);
        Ok(send(op).await?.into_inner())
    }

    /// Replaces the token's description, the one thing of it that changes; returns its
    /// details. An empty description fails with
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) before anything is sent.
    pub async fn set_description(
        &self,
        description: impl Into<String>,
    ) -> Result<types::RegistryToken> {
        let body = types::UpdateRegistryTokenRequest {
            description: description.into(),
        };
        segment("the token description", &body.description)?;
        let op = self
            .registry
            .api()
            .update_registry_token()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .registry_token_id(&self.id)
            .body(body);
        Ok(send(op).await?.into_inner())
    }

    /// Deletes the token: installs with it stop working.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .registry
            .api()
            .delete_registry_token()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .registry_token_id(&self.id);
        send(op).await?;
        Ok(())
    }
}

/// Creates a registry token: `registry.create_token(description)`, then
/// [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateRegistryToken {
    registry: PackageRegistry,
    body: types::CreateRegistryTokenRequest,
}

impl CreateRegistryToken {
    /// Creates the token and returns it, value included (shown this once). An empty
    /// description fails with [`Error::InvalidInput`](crate::Error::InvalidInput) before
    /// anything is sent.
    pub async fn send(self) -> Result<types::RegistryToken> {
        segment("the token description", &self.body.description)?;
        let op = self
            .registry
            .api()
            .create_registry_token()
            .org_slug(&self.registry.org.slug)
            .registry_slug(&self.registry.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

whole_list!(
    /// An organization's package registries: `org.package_registries()`.
    PackageRegistriesQuery { org: Organization } => types::PackageRegistry,
    |o| o.bk.api().list_package_registries().org_slug(&o.slug)
);

whole_list!(
    /// A package registry's tokens: `registry.tokens()`.
    RegistryTokensQuery { registry: PackageRegistry } => types::RegistryToken,
    |r| r.api().list_registry_tokens().org_slug(&r.org.slug).registry_slug(&r.slug)
);

/// A list of package registries, `List<PackageRegistriesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type PackageRegistries = List<PackageRegistriesQuery>;

/// A list of registry tokens, `List<RegistryTokensQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type RegistryTokens = List<RegistryTokensQuery>;
