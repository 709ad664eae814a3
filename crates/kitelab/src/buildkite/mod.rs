//! The Buildkite REST API v2: [`Buildkite`] and its resource handles.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use kitelab::buildkite::BuildState;
//!
//! # async fn run() -> kitelab::Result<()> {
//! let bk = kitelab::Buildkite::from_env()?; // BUILDKITE_API_TOKEN (and BUILDKITE_REST_URL)
//! let org = bk.organization("my-org").get().await?;
//! let failed: Vec<_> = bk
//!     .organization("my-org")
//!     .builds()
//!     .state([BuildState::Failed])
//!     .branch(["main"])
//!     .max_items(20)
//!     .stream()
//!     .try_collect()
//!     .await?;
//! # let _ = (org, failed);
//! # Ok(()) }
//! ```
//!
//! Models are in [`types`] (generated from `spec/buildkite.yaml`); the enums used as filters are
//! re-exported here.

mod account;
mod agents;
mod annotations;
mod artifacts;
mod builds;
mod cluster_hosted;
mod clusters;
mod job_unblock;
mod jobs;
mod members;
mod organizations;
mod packages;
mod pipeline_edit;
mod pipeline_webhooks;
mod pipelines;
mod portals;
mod registries;
mod repository_connections;
mod rules;
mod schedules;
mod services;
mod settings;
mod step_uploads;
mod teams;
mod templates;
mod test_engine;

use std::fmt;
use std::sync::Arc;

use kitelab_api::buildkite::Client;
use url::Url;

use crate::auth::AuthHeader;
use crate::config::{common_builder_methods, Settings};
use crate::{Error, Result, Secret};

pub use account::*;
pub use agents::*;
pub use annotations::*;
pub use artifacts::*;
pub use builds::*;
pub use cluster_hosted::*;
pub use clusters::*;
pub use job_unblock::*;
pub use jobs::*;
pub use kitelab_api::buildkite::types;
pub use kitelab_api::buildkite::types::{
    AgentConnectionState, AnnotationScopeFilter, ArtifactState, BuildState, JobState, JobType,
};
pub use members::*;
pub use organizations::*;
pub use packages::*;
pub use pipeline_edit::*;
pub use pipeline_webhooks::*;
pub use pipelines::*;
pub use portals::*;
pub use registries::*;
pub use repository_connections::*;
pub use rules::*;
pub use schedules::*;
pub use services::*;
pub use settings::*;
pub use step_uploads::*;
pub use teams::*;
pub use templates::*;
pub use test_engine::*;

/// A Buildkite client. Cheap to clone; clones share connections and rate-limit state.
///
/// ```no_run
/// # fn run() -> kitelab::Result<()> {
/// let bk = kitelab::Buildkite::builder()
///     .token("bkua_…")
///     .per_page(50)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Buildkite {
    inner: Arc<Inner>,
}

struct Inner {
    api: Client,
    /// The same client, answering redirects instead of following them.
    no_redirect: Client,
    base: Url,
    per_page: u32,
    transport: Arc<crate::transport::Transport>,
}

impl fmt::Debug for Buildkite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buildkite")
            .field("base_url", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Buildkite {
    /// `https://api.buildkite.com/v2`.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.buildkite.com/v2";

    /// The environment variable [`from_env`](Self::from_env) reads the token from.
    pub const TOKEN_VAR: &'static str = "BUILDKITE_API_TOKEN";

    /// The environment variable [`from_env`](Self::from_env) reads the REST API's root from,
    /// the name Buildkite's Terraform provider reads it by.
    pub const BASE_URL_VAR: &'static str = "BUILDKITE_REST_URL";

    /// A client for `api.buildkite.com` with an API access token. Fails on a token that is empty
    /// or holds anything but visible ASCII (see [`BuildkiteBuilder::token`]).
    pub fn new(token: impl Into<Secret>) -> Result<Self> {
        Self::builder().token(token).build()
    }

    /// A builder, to set the base URL, timeouts, retries or page size.
    pub fn builder() -> BuildkiteBuilder {
        BuildkiteBuilder::default()
    }

    /// A client from the environment:
    ///
    /// - token: `BUILDKITE_API_TOKEN` ([`TOKEN_VAR`](Self::TOKEN_VAR)), required: unset or
    ///   blank, this fails with [`Error::InvalidInput`] (a client without a token is
    ///   [`BuildkiteBuilder::anonymous`], asked for explicitly);
    /// - base URL: `BUILDKITE_REST_URL` ([`BASE_URL_VAR`](Self::BASE_URL_VAR)) when set, the
    ///   root of the REST API (`https://api.buildkite.com`, a proxy, a mock); `/v2` is added
    ///   unless the URL already ends with it. Unset, `https://api.buildkite.com/v2`.
    ///
    /// ```no_run
    /// # fn run() -> kitelab::Result<()> {
    /// // BUILDKITE_API_TOKEN=bkua_… BUILDKITE_REST_URL=http://127.0.0.1:8080
    /// let bk = kitelab::Buildkite::from_env()?;
    /// assert_eq!(bk.base_url().as_str(), "http://127.0.0.1:8080/v2");
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let token = var(Self::TOKEN_VAR).ok_or_else(|| {
            Error::invalid(format!(
                "{} is not set: from_env needs a token (for a client without one, use \
                 Buildkite::builder().anonymous())",
                Self::TOKEN_VAR
            ))
        })?;
        let mut builder = Self::builder().token(token);
        if let Some(url) = var(Self::BASE_URL_VAR) {
            let root = url.trim().trim_end_matches('/');
            builder = builder.base_url(if root.ends_with("/v2") {
                root.to_owned()
            } else {
                format!("{root}/v2")
            });
        }
        builder.build()
    }

    /// The generated low-level client: every operation of the spec, for what a method here
    /// does not offer (a query parameter `COVERAGE.md` lists as "not exposed", or an operation
    /// it marks "raw only").
    ///
    /// Its operations are methods of one extension trait per resource, so a raw call needs
    /// their prelude in scope: `use kitelab::api::buildkite::prelude::*;`. The call goes through
    /// this client's token, retries, rate-limit handling and tracing; its error is the
    /// generated [`kitelab::api::Error`](crate::api::Error), not [`kitelab::Error`](crate::Error).
    ///
    /// ```no_run
    /// use kitelab::api::buildkite::prelude::*;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> Result<(), Box<dyn std::error::Error>> {
    /// // `label`, the legacy one-label filter `TestSuite::tests` leaves out:
    /// let answer = bk.api().list_tests().org_slug("my-org").suite_slug("web").label("flaky").send().await?;
    /// println!("{:?}", answer.into_inner());
    /// # Ok(()) }
    /// ```
    pub fn api(&self) -> &Client {
        &self.inner.api
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The rate-limit headers of the last response that had them.
    pub fn rate_limit(&self) -> Option<crate::RateLimitStatus> {
        self.inner.transport.rate_limit()
    }

    /// Every organization the token can see.
    pub fn organizations(&self) -> crate::List<OrganizationsQuery> {
        crate::List::new(OrganizationsQuery { bk: self.clone() }, self.inner.per_page)
    }

    /// An organization, by slug.
    pub fn organization(&self, slug: impl Into<String>) -> Organization {
        Organization::new(self.clone(), slug.into())
    }

    /// A pipeline, by organization and pipeline slug.
    pub fn pipeline(&self, org: impl Into<String>, slug: impl Into<String>) -> Pipeline {
        Pipeline::new(self.clone(), org.into(), slug.into())
    }

    /// Every build the token can see, newest first.
    pub fn builds(&self) -> crate::List<BuildsQuery> {
        crate::List::new(
            BuildsQuery::new(self.clone(), builds::BuildScope::All),
            self.inner.per_page,
        )
    }

    /// The generated client for one call that appends `pairs` to its query (filters the spec
    /// cannot express, such as `meta_data[key]=value`).
    pub(crate) fn api_with_query(&self, pairs: Vec<(String, String)>) -> Client {
        use kitelab_api::ClientInfo;
        let api = self.api();
        Client::new_with_client(
            api.baseurl(),
            api.client().clone(),
            api.inner().clone().with_query(pairs),
        )
    }

    pub(crate) fn per_page(&self) -> u32 {
        self.inner.per_page
    }

    pub(crate) fn no_redirect(&self) -> &Client {
        &self.inner.no_redirect
    }
}

/// Builds a [`Buildkite`] client.
#[derive(Default)]
pub struct BuildkiteBuilder {
    settings: Settings,
    token: Option<Secret>,
    anonymous: bool,
}

impl fmt::Debug for BuildkiteBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuildkiteBuilder")
            .field("base_url", &self.settings.base_url)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

impl BuildkiteBuilder {
    /// The API access token, sent as `Authorization: Bearer`. A builder needs a token or
    /// [`anonymous`](Self::anonymous).
    ///
    /// A token may only hold visible ASCII characters (`0x21` to `0x7E`): [`build`](Self::build)
    /// refuses an empty token, or one with a space, a control character (CR, LF, ...) or any
    /// character outside ASCII (`tökén`), with [`Error::InvalidInput`] naming the position of
    /// the character, never the token.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self.anonymous = false;
        self
    }

    /// A client without a token, asked for explicitly: only the endpoints that need none
    /// (`meta`) answer it. Without a token or this, [`build`](Self::build) fails. Undoes
    /// [`token`](Self::token).
    ///
    /// ```no_run
    /// # async fn run() -> kitelab::Result<()> {
    /// let bk = kitelab::Buildkite::builder().anonymous().build()?;
    /// let ips = bk.meta().await?.webhook_ips;
    /// # let _ = ips; Ok(()) }
    /// ```
    pub fn anonymous(mut self) -> Self {
        self.token = None;
        self.anonymous = true;
        self
    }

    /// The base URL (default `https://api.buildkite.com/v2`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = Some(url.into());
        self
    }

    common_builder_methods!();

    /// Builds the client. Fails with neither a token nor [`anonymous`](Self::anonymous), on a
    /// token that is empty or holds anything but visible ASCII (see [`token`](Self::token)), an
    /// unusable base URL or a page size out of range.
    pub fn build(self) -> Result<Buildkite> {
        let auth = match &self.token {
            Some(token) => {
                token.validate("the Buildkite token")?;
                Some(AuthHeader::bearer(token)?)
            }
            None if self.anonymous => None,
            None => {
                return Err(Error::invalid(
                    "no Buildkite token: set one with .token(…), or call .anonymous() for a \
                     client without one",
                ))
            }
        };
        let built =
            self.settings
                .build(Buildkite::DEFAULT_BASE_URL, "", auth, self.token.clone())?;
        let base = built.base.as_str().trim_end_matches('/').to_owned();
        let api = Client::new_with_client(
            &base,
            built.http.clone(),
            kitelab_api::Hooks::with_middleware(built.transport.clone()),
        );
        let no_redirect = Client::new_with_client(
            &base,
            built.http,
            kitelab_api::Hooks::with_middleware(built.no_redirect),
        );
        Ok(Buildkite {
            inner: Arc::new(Inner {
                api,
                no_redirect,
                base: built.base,
                per_page: built.per_page,
                transport: built.transport,
            }),
        })
    }
}
