//! What both clients are configured with: base URL, timeouts, user agent, retries, page size,
//! and optionally a caller-supplied `reqwest::Client`.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::auth::AuthHeader;
use crate::transport::Transport;
use crate::{Error, Result, RetryPolicy};

/// The default `User-Agent`.
pub(crate) const USER_AGENT: &str = concat!(
    "kitelab/",
    env!("CARGO_PKG_VERSION"),
    " (+https://crates.io/crates/kitelab)"
);

/// Settings shared by the Buildkite and GitLab builders.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) base_url: Option<String>,
    pub(crate) user_agent: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Option<Duration>,
    pub(crate) read_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) per_page: u32,
    pub(crate) http: Option<reqwest::Client>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            base_url: None,
            user_agent: USER_AGENT.to_owned(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Some(Duration::from_secs(60)),
            read_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            per_page: crate::pagination::MAX_PER_PAGE,
            http: None,
        }
    }
}

/// What a built client holds besides its generated clients.
pub(crate) struct Built {
    pub(crate) base: Url,
    pub(crate) http: reqwest::Client,
    pub(crate) transport: Arc<Transport>,
    /// The transport that answers redirects (Buildkite's signed artifact URLs).
    #[cfg(feature = "buildkite")]
    pub(crate) no_redirect: Arc<Transport>,
    pub(crate) per_page: u32,
}

impl Settings {
    /// Validates the settings and builds the HTTP client and transport. `api_path` is appended
    /// to a base URL that does not already end with it (`/api/v4` for GitLab).
    pub(crate) fn build(
        &self,
        default_base: &str,
        api_path: &str,
        auth: Option<AuthHeader>,
        secret: Option<crate::Secret>,
    ) -> Result<Built> {
        let raw = self.base_url.as_deref().unwrap_or(default_base);
        let mut base = Url::parse(raw.trim())
            .map_err(|e| Error::invalid(format!("base URL `{raw}` is not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(Error::invalid(format!(
                "base URL `{raw}` must be an http or https URL with a host"
            )));
        }
        // Without a TLS feature reqwest cannot speak https, and would only say so, as "invalid
        // URL, scheme is not http", on the first call.
        #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
        if base.scheme() == "https" && self.http.is_none() {
            return Err(Error::invalid(format!(
                "base URL `{raw}` is https, but kitelab was built without TLS: enable its \
                 `rustls` feature (or `native-tls`)"
            )));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(Error::invalid(format!(
                "base URL `{raw}` must not have a query or fragment"
            )));
        }
        let path = base.path().trim_end_matches('/').to_owned();
        let path = if api_path.is_empty() || path.ends_with(api_path) {
            path
        } else {
            format!("{path}{api_path}")
        };
        base.set_path(&path);
        if self.per_page == 0 || self.per_page > crate::pagination::MAX_PER_PAGE {
            return Err(Error::invalid(format!(
                "per_page must be between 1 and {}, not {}",
                crate::pagination::MAX_PER_PAGE,
                self.per_page
            )));
        }
        let http = match &self.http {
            Some(client) => client.clone(),
            None => kitelab_api::reqwest_builder()
                .user_agent(&self.user_agent)
                .connect_timeout(self.connect_timeout)
                // An idle timeout, not a total one: downloads of any size are never cut while
                // bytes flow; ordinary calls get `request_timeout` per request.
                .read_timeout(self.read_timeout)
                // Redirects are followed by the transport, which drops credentials when the
                // origin changes and never replays a POST as a GET.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::invalid(format!("cannot build the HTTP client: {e}")))?,
        };
        let transport = Transport::new(
            &base,
            auth,
            self.retry.clone(),
            self.request_timeout,
            secret,
        );
        #[cfg(feature = "buildkite")]
        let no_redirect = Arc::new(transport.not_following_redirects());
        Ok(Built {
            base,
            http,
            transport: Arc::new(transport),
            #[cfg(feature = "buildkite")]
            no_redirect,
            per_page: self.per_page,
        })
    }
}

/// The builder methods both services share.
macro_rules! common_builder_methods {
    () => {
        /// The user agent (default `kitelab/<version>`).
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.settings.user_agent = user_agent.into();
            self
        }

        /// How long to wait for a connection (default 10 s).
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.connect_timeout = timeout;
            self
        }

        /// The total time an ordinary call may take (default 60 s); `None` for no limit.
        /// Downloads are exempt: they only have the [read timeout](Self::read_timeout).
        pub fn request_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.settings.request_timeout = timeout;
            self
        }

        /// How long a connection may stay silent while a response is read (default 60 s).
        pub fn read_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.read_timeout = timeout;
            self
        }

        /// When and how to retry (default [`RetryPolicy::default`](crate::RetryPolicy)).
        pub fn retry(mut self, policy: crate::RetryPolicy) -> Self {
            self.settings.retry = policy;
            self
        }

        /// The page size of every list (1 to 100, default 100); a list can override it.
        pub fn per_page(mut self, per_page: u32) -> Self {
            self.settings.per_page = per_page;
            self
        }

        /// Sends requests through this `reqwest::Client` instead of one kitelab builds.
        ///
        /// The user agent and timeouts set here are then ignored. Build it with
        /// `.redirect(reqwest::redirect::Policy::none())`: kitelab follows redirects itself, and
        /// a client that follows them would send credentials on to wherever a download redirects.
        /// Start from [`kitelab::api::reqwest_builder()`](crate::api::reqwest_builder), which
        /// readies rustls' `ring` provider (with the `rustls` feature, reqwest has none of its
        /// own unless your own reqwest dependency brings `aws-lc-rs`).
        pub fn http_client(mut self, client: reqwest::Client) -> Self {
            self.settings.http = Some(client);
            self
        }
    };
}
pub(crate) use common_builder_methods;

#[cfg(test)]
mod tests {
    use super::*;

    /// Run by `.ci/run` with `--no-default-features --features buildkite,gitlab`.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    #[test]
    fn an_https_client_without_tls_names_the_missing_feature() {
        let err = Settings::default()
            .build("https://api.buildkite.com/v2", "", None, None)
            .err()
            .expect("https without TLS is refused");
        match err {
            Error::InvalidInput(message) => {
                assert!(message.contains("`rustls` feature"), "{message}");
                assert!(message.contains("`native-tls`"), "{message}");
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
        // http still works (a local mock, a proxy).
        assert!(Settings::default()
            .build("http://127.0.0.1:9/v2", "", None, None)
            .is_ok());
    }

    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn an_https_client_with_tls_builds() {
        assert!(Settings::default()
            .build("https://api.buildkite.com/v2", "", None, None)
            .is_ok());
    }
}
