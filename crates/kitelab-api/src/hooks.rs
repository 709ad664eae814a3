//! The hooks every generated call goes through.
//!
//! Progenitor calls `pre` and `exec` of [`progenitor_client::ClientHooks`] around every request.
//! Because of the orphan rule that impl must live next to the generated `Client`s, so it is here;
//! what it does is delegated to a [`Middleware`] carried in the client's [`Hooks`], which lets the
//! ergonomic crate (`kitelab`) add authentication, safe redirects, retries and rate-limit handling
//! to every operation without touching generated code.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use crate::{Operation, SecretString};

/// A boxed, sendable future, the return type of [`Middleware::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends a request on behalf of a generated operation.
///
/// The default (no middleware) is `client.execute(request)`. An implementation may change the
/// request, send it several times, follow redirects itself or answer from elsewhere; it must not
/// print credentials.
pub trait Middleware: Send + Sync + 'static {
    /// Sends `request` for `operation`.
    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;

    /// `text` (from the service: an error message, a body excerpt) with every secret the
    /// middleware holds replaced by a marker. The default holds none.
    fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        Cow::Borrowed(text)
    }
}

/// The per-client state the hooks use: the generated `Client::new` and `Client::new_with_client`
/// take one. `Hooks::default()` sends requests as they are.
///
/// Besides the [`Middleware`], hooks can carry what one call needs that its spec cannot say:
/// query pairs appended to the request ([`with_query`](Hooks::with_query), for
/// `meta_data[key]=value` filters) and secrets of the call's own ([`with_secret`](Hooks::with_secret),
/// e.g. a trigger token in the body) that [`redact`](Hooks::redact) hides from error text. A
/// client built with such hooks serves that one call.
///
/// ```
/// let client = kitelab_api::buildkite::Client::new_with_client(
///     "https://api.buildkite.com/v2",
///     kitelab_api::reqwest_builder().build().unwrap(),
///     kitelab_api::Hooks::default(),
/// );
/// # let _ = client;
/// ```
#[derive(Clone, Default)]
pub struct Hooks {
    middleware: Option<Arc<dyn Middleware>>,
    extra_query: Vec<(String, String)>,
    secrets: Vec<SecretString>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("middleware", &self.middleware.is_some())
            .field("extra_query", &self.extra_query.len())
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

/// What replaces a secret in text from a service.
pub const REDACTED: &str = "[redacted]";

impl Hooks {
    /// Hooks that hand every request to `middleware`.
    pub fn with_middleware(middleware: Arc<dyn Middleware>) -> Self {
        Self {
            middleware: Some(middleware),
            ..Self::default()
        }
    }

    /// The same hooks, appending `pairs` to the query of every request.
    pub fn with_query(mut self, pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        self.extra_query.extend(pairs);
        self
    }

    /// The same hooks, with one more secret for [`redact`](Hooks::redact) to hide.
    pub fn with_secret(mut self, secret: SecretString) -> Self {
        if !secret.expose().is_empty() {
            self.secrets.push(secret);
        }
        self
    }

    /// Runs before a request is sent: drops the `api-version` header progenitor adds to every
    /// request (neither service reads it) and appends the extra query pairs.
    pub fn prepare(&self, request: &mut reqwest::Request) {
        request.headers_mut().remove("api-version");
        if !self.extra_query.is_empty() {
            request.url_mut().query_pairs_mut().extend_pairs(
                self.extra_query
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            );
        }
    }

    /// `text` with every secret of these hooks and of their middleware replaced by
    /// [`REDACTED`]: as it is, percent-encoded, and JSON-escaped.
    ///
    /// ```
    /// let hooks = kitelab_api::Hooks::default().with_secret("glptt-s3cr3t".into());
    /// assert_eq!(hooks.redact("bad token glptt-s3cr3t"), "bad token [redacted]");
    /// ```
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text = match &self.middleware {
            Some(middleware) => middleware.redact(text),
            None => Cow::Borrowed(text),
        };
        for secret in &self.secrets {
            if let Cow::Owned(redacted) = redact_secret(&text, secret.expose()) {
                text = Cow::Owned(redacted);
            }
        }
        text
    }

    /// Sends `request` through the middleware, with a tracing event per exchange.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> reqwest::Result<reqwest::Response> {
        let method = request.method().clone();
        let url = redact_url(request.url());
        let started = Instant::now();
        let result = match &self.middleware {
            Some(middleware) => middleware.send(client, request, operation).await,
            None => client.execute(request).await,
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let operation = operation.id;
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

/// `text` with every occurrence of `secret` replaced by [`REDACTED`]: as it is, and in the
/// forms a service may echo it in (percent-encoded, JSON-escaped). Borrowed when none occurs.
///
/// ```
/// use kitelab_api::redact_secret;
///
/// assert_eq!(redact_secret("token `Bearer a/b+c` is not valid", "a/b+c"), "token `Bearer [redacted]` is not valid");
/// assert_eq!(redact_secret(r#"{"token":"a\/b+c"}"#, "a/b+c"), r#"{"token":"[redacted]"}"#);
/// assert_eq!(redact_secret("?t=a%2Fb%2Bc", "a/b+c"), "?t=[redacted]");
/// assert_eq!(redact_secret("nothing here", "a/b+c"), "nothing here");
/// ```
pub fn redact_secret<'t>(text: &'t str, secret: &str) -> Cow<'t, str> {
    if secret.is_empty() {
        return Cow::Borrowed(text);
    }
    let json = secret
        .replace('\\', "\\\\")
        .replace('/', "\\/")
        .replace('"', "\\\"");
    let percent = percent_encode(secret);
    let percent_path = progenitor_client::encode_path(secret);
    let mut out = Cow::Borrowed(text);
    for form in [
        secret,
        &json,
        &percent,
        &percent.to_ascii_lowercase(),
        &percent_path,
    ] {
        if !form.is_empty() && out.contains(form) {
            out = Cow::Owned(out.replace(form, REDACTED));
        }
    }
    out
}

/// `text` with every byte but ASCII letters, digits and `-._~` percent-encoded (upper-case hex).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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
