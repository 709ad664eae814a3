//! The hooks every generated call goes through.
//!
//! Progenitor calls `pre` and `exec` of [`progenitor_client::ClientHooks`] around every request.
//! Because of the orphan rule that impl must live next to the generated `Client`s, so it is here;
//! what it does is delegated to a [`Middleware`] carried in the client's [`Hooks`], which lets the
//! ergonomic crate (`kitelab`) add authentication, safe redirects, retries and rate-limit handling
//! to every operation without touching generated code.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

/// A boxed, sendable future, the return type of [`Middleware::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends a request on behalf of a generated operation.
///
/// The default (no middleware) is `client.execute(request)`. An implementation may change the
/// request, send it several times, follow redirects itself or answer from elsewhere; it must not
/// print credentials.
pub trait Middleware: Send + Sync + 'static {
    /// Sends `request` for the operation `operation` (the spec's operationId in snake case).
    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The per-client state the hooks use: the generated `Client::new` and `Client::new_with_client`
/// take one. `Hooks::default()` sends requests as they are.
///
/// ```
/// let client = kitelab_api::buildkite::Client::new_with_client(
///     "https://api.buildkite.com/v2",
///     reqwest::Client::new(),
///     kitelab_api::Hooks::default(),
/// );
/// # let _ = client;
/// ```
#[derive(Clone, Default)]
pub struct Hooks {
    middleware: Option<Arc<dyn Middleware>>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("middleware", &self.middleware.is_some())
            .finish()
    }
}

impl Hooks {
    /// Hooks that hand every request to `middleware`.
    pub fn with_middleware(middleware: Arc<dyn Middleware>) -> Self {
        Self {
            middleware: Some(middleware),
        }
    }

    /// Runs before a request is sent: drops the `api-version` header progenitor adds to every
    /// request (neither service reads it).
    pub fn prepare(&self, request: &mut reqwest::Request) {
        request.headers_mut().remove("api-version");
    }

    /// Sends `request` through the middleware, with a tracing event per exchange.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        let method = request.method().clone();
        let url = redact_url(request.url());
        let started = Instant::now();
        let result = match &self.middleware {
            Some(middleware) => middleware.send(client, request, operation).await,
            None => client.execute(request).await,
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(response) => tracing::debug!(
                target: "kitelab",
                operation,
                %method,
                url = %url,
                status = response.status().as_u16(),
                elapsed_ms,
                "response"
            ),
            Err(error) => tracing::debug!(
                target: "kitelab",
                operation,
                %method,
                url = %url,
                elapsed_ms,
                error = %redact_error(error),
                "request failed"
            ),
        }
        result
    }
}

/// Query parameters whose values are credentials.
const SECRET_QUERY_KEYS: [&str; 5] = [
    "private_token",
    "job_token",
    "access_token",
    "token",
    "api_key",
];

/// `url` as text with the values of credential query parameters (`private_token`, `job_token`,
/// `access_token`, `token`, `api_key`) replaced by `[redacted]`, and any user information removed.
///
/// ```
/// let url = reqwest::Url::parse("https://gitlab.example/api/v4/job?job_token=s3cr3t&x=1").unwrap();
/// assert_eq!(
///     kitelab_api::redact_url(&url),
///     "https://gitlab.example/api/v4/job?job_token=[redacted]&x=1"
/// );
/// ```
pub fn redact_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let Some(query) = url.query() else {
        return url.to_string();
    };
    if !query
        .split('&')
        .any(|pair| is_secret_key(pair.split('=').next().unwrap_or("")))
    {
        return url.to_string();
    }
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            if is_secret_key(key) {
                format!("{key}=[redacted]")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    url.set_query(Some(&redacted.join("&")));
    url.to_string()
}

fn is_secret_key(key: &str) -> bool {
    SECRET_QUERY_KEYS
        .iter()
        .any(|secret| key.eq_ignore_ascii_case(secret))
}

/// A reqwest error's text with any URL in it redacted.
pub fn redact_error(error: &reqwest::Error) -> String {
    match error.url() {
        Some(url) => {
            let mut error_text = error.to_string();
            let raw = url.to_string();
            error_text = error_text.replace(&raw, &redact_url(url));
            error_text
        }
        None => error.to_string(),
    }
}
