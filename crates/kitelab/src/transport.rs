//! The transport every generated operation goes through (a [`kitelab_api::Middleware`]):
//! credentials for the client's own origin only, redirects followed by hand (GET and HEAD only,
//! credentials dropped when the origin changes), bounded retries for rate limits, server errors
//! and connection failures, per-request timeouts, and the last rate-limit headers seen.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, Request, Response, StatusCode};
use url::Url;

use crate::auth::{AuthHeader, CREDENTIAL_HEADERS};
use crate::retry::RetryPolicy;
use crate::Secret;
use kitelab_api::Operation;

/// How many redirects a GET or HEAD follows.
const MAX_REDIRECTS: usize = 10;
/// The most of a 409 or 429 body read to decide whether to retry.
const PEEK_LIMIT: usize = 16 * 1024;

/// The shared state behind every generated client of one kitelab client.
pub(crate) struct Transport {
    origin: url::Origin,
    auth: Option<AuthHeader>,
    retry: RetryPolicy,
    request_timeout: Option<Duration>,
    /// The client's token, to redact wherever a service echoes it.
    secret: Option<Secret>,
    follow_redirects: bool,
    rate_limit: Arc<Mutex<Option<crate::RateLimitStatus>>>,
    jitter: AtomicU64,
}

impl Transport {
    pub(crate) fn new(
        base: &Url,
        auth: Option<AuthHeader>,
        retry: RetryPolicy,
        request_timeout: Option<Duration>,
        secret: Option<Secret>,
    ) -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            | 1;
        Self {
            origin: base.origin(),
            auth,
            retry,
            request_timeout,
            secret,
            follow_redirects: true,
            rate_limit: Arc::new(Mutex::new(None)),
            jitter: AtomicU64::new(seed),
        }
    }

    /// The same transport, but answering redirects instead of following them (to read a signed
    /// download URL without downloading).
    #[cfg(feature = "buildkite")]
    pub(crate) fn not_following_redirects(&self) -> Self {
        Self {
            origin: self.origin.clone(),
            auth: self.auth.clone(),
            retry: self.retry.clone(),
            request_timeout: self.request_timeout,
            secret: self.secret.clone(),
            follow_redirects: false,
            rate_limit: Arc::clone(&self.rate_limit),
            jitter: AtomicU64::new(self.jitter.load(Ordering::Relaxed)),
        }
    }

    pub(crate) fn rate_limit(&self) -> Option<crate::RateLimitStatus> {
        self.rate_limit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Attaches the credential when `request` goes to the client's origin, and strips every
    /// credential header when it does not.
    fn authorize(&self, request: &mut Request, operation: &'static Operation) {
        let headers = request.headers_mut();
        for name in CREDENTIAL_HEADERS {
            headers.remove(name);
        }
        if request.url().origin() == self.origin && !operation.anonymous {
            if let Some(auth) = &self.auth {
                auth.apply(request.headers_mut());
            }
        }
    }

    async fn send_following(
        &self,
        client: &reqwest::Client,
        mut request: Request,
        operation: &'static Operation,
    ) -> reqwest::Result<Response> {
        match operation.media_type {
            // A raw operation is asked for its media type (Buildkite picks a log's format by it).
            Some(media) if !request.headers().contains_key(reqwest::header::ACCEPT) => {
                request.headers_mut().insert(
                    reqwest::header::ACCEPT,
                    reqwest::header::HeaderValue::from_static(media),
                );
            }
            // Streamed bodies get no total timeout, only the idle read timeout.
            Some(_) => {}
            None if request.timeout().is_none() => *request.timeout_mut() = self.request_timeout,
            None => {}
        }
        for hop in 0..=MAX_REDIRECTS {
            self.authorize(&mut request, operation);
            let method = request.method().clone();
            // Kept to build the next hop from, should this answer be a redirect.
            let template = (method == Method::GET || method == Method::HEAD).then(|| {
                (
                    request.url().clone(),
                    request.headers().clone(),
                    request.timeout().copied(),
                )
            });
            let response = self.send_with_retries(client, request, operation).await?;
            let status = response.status();
            let redirect = matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308);
            let Some((url, headers, timeout)) =
                template.filter(|_| redirect && self.follow_redirects && hop < MAX_REDIRECTS)
            else {
                return Ok(response);
            };
            let Some(next) = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
            else {
                return Ok(response);
            };
            tracing::debug!(
                target: "kitelab",
                operation = operation.id,
                status = status.as_u16(),
                to = %kitelab_api::redact_url(&next),
                same_origin = next.origin() == self.origin,
                "following redirect"
            );
            let mut next_request = Request::new(method, next);
            *next_request.headers_mut() = headers;
            next_request.headers_mut().remove(reqwest::header::HOST);
            *next_request.timeout_mut() = timeout;
            request = next_request;
        }
        unreachable!("the last hop returns")
    }

    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        mut request: Request,
        operation: &'static Operation,
    ) -> reqwest::Result<Response> {
        let operation = operation.id;
        let idempotent = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let mut attempt: u32 = 1;
        loop {
            // A streamed body cannot be cloned, and so is never retried.
            let spare = if attempt < self.retry.max_attempts {
                request.try_clone()
            } else {
                None
            };
            let result = client.execute(request).await;
            if let Ok(response) = &result {
                self.record_rate_limit(response.headers());
            }
            let Some(next) = spare else { return result };
            let (wait, reason, response) = match result {
                Ok(response) => {
                    let status = response.status();
                    if status == StatusCode::TOO_MANY_REQUESTS && self.retry.rate_limits {
                        let (response, body) = peek(response).await?;
                        let wait = retry_after(response.headers(), &body);
                        match wait {
                            Some(w) if w > self.retry.max_wait => return Ok(response),
                            _ => (
                                wait.unwrap_or_else(|| self.backoff(attempt)),
                                "rate limited",
                                response,
                            ),
                        }
                    } else if idempotent && status.is_server_error() && self.retry.server_errors {
                        (self.backoff(attempt), "server error", response)
                    } else if idempotent
                        && status == StatusCode::CONFLICT
                        && self.retry.server_errors
                    {
                        // GitLab answers 409 "Resource lock" to a request that raced another.
                        let (response, body) = peek(response).await?;
                        if !String::from_utf8_lossy(&body).contains("Resource lock") {
                            return Ok(response);
                        }
                        (self.backoff(attempt), "resource lock", response)
                    } else {
                        return Ok(response);
                    }
                }
                Err(error) => {
                    let transient = error.is_connect() || error.is_timeout() || error.is_request();
                    if !(idempotent && transient && self.retry.server_errors) {
                        return Err(error);
                    }
                    tracing::warn!(
                        target: "kitelab",
                        operation,
                        attempt,
                        error = %kitelab_api::redact_error(&error),
                        "request failed; retrying"
                    );
                    self.sleep(self.backoff(attempt)).await;
                    request = next;
                    attempt += 1;
                    continue;
                }
            };
            tracing::warn!(
                target: "kitelab",
                operation,
                attempt,
                status = response.status().as_u16(),
                wait_ms = wait.as_millis() as u64,
                reason,
                "retrying"
            );
            drop(response);
            self.sleep(wait).await;
            request = next;
            attempt += 1;
        }
    }

    async fn sleep(&self, wait: Duration) {
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Exponential backoff with equal jitter: half the step, plus up to half again at random.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .retry
            .initial_backoff
            .saturating_mul(1u32 << (attempt - 1).min(16));
        let step = base.min(self.retry.max_backoff);
        let half = step / 2;
        half + half.mul_f64(self.random_unit())
    }

    /// A number in [0, 1) from a xorshift generator: jitter needs spread, not cryptography.
    fn random_unit(&self) -> f64 {
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn record_rate_limit(&self, headers: &HeaderMap) {
        if let Some(status) = crate::RateLimitStatus::from_headers(headers) {
            *self.rate_limit.lock().unwrap_or_else(|e| e.into_inner()) = Some(status);
        }
    }
}

impl kitelab_api::Middleware for Transport {
    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: Request,
        operation: &'static Operation,
    ) -> kitelab_api::BoxFuture<'a, reqwest::Result<Response>> {
        Box::pin(self.send_following(client, request, operation))
    }

    fn redact<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        match &self.secret {
            Some(secret) => kitelab_api::redact_secret(text, secret.expose()),
            None => std::borrow::Cow::Borrowed(text),
        }
    }
}

/// Reads (up to [`PEEK_LIMIT`] of) a response's body and rebuilds the response around it.
async fn peek(response: Response) -> reqwest::Result<(Response, bytes::Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let url = response.url().clone();
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() >= PEEK_LIMIT {
            break;
        }
    }
    let body = bytes::Bytes::from(body);
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    rebuilt.extensions_mut().insert(url);
    Ok((Response::from(rebuilt), body))
}

/// How long a 429 asks to wait: `Retry-After` (seconds or an HTTP date); else Buildkite's
/// `RateLimit-User-Reset` or `RateLimit-Reset` (seconds), picked by the body's `scope`; else
/// GitLab's `RateLimit-Reset` (a Unix time); else the body's `reset`.
pub(crate) fn retry_after(headers: &HeaderMap, body: &[u8]) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(value) = header("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
            let wait = date.timestamp() - chrono::Utc::now().timestamp();
            return Some(Duration::from_secs(wait.max(0) as u64));
        }
    }
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let user_scope = json
        .as_ref()
        .and_then(|j| j.get("scope"))
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.contains("user"));
    let reset = if user_scope {
        header("ratelimit-user-reset").or(header("ratelimit-reset"))
    } else {
        header("ratelimit-reset")
    };
    if let Some(seconds) = reset.and_then(|v| v.parse::<u64>().ok()) {
        return Some(reset_to_wait(seconds));
    }
    json.and_then(|j| j.get("reset").and_then(|r| r.as_u64()))
        .map(Duration::from_secs)
}

/// `RateLimit-Reset` is seconds from now at Buildkite and a Unix time at GitLab.
pub(crate) fn reset_to_wait(value: u64) -> Duration {
    const EPOCH_THRESHOLD: u64 = 1_000_000_000;
    if value >= EPOCH_THRESHOLD {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Duration::from_secs(value.saturating_sub(now))
    } else {
        Duration::from_secs(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_reads_each_service_s_headers() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")]), b"Retry later"),
            Some(Duration::from_secs(7))
        );
        let bk = headers(&[("ratelimit-reset", "42"), ("ratelimit-user-reset", "13")]);
        assert_eq!(
            retry_after(&bk, br#"{"scope":"rest_user","reset":13}"#),
            Some(Duration::from_secs(13))
        );
        assert_eq!(
            retry_after(&bk, br#"{"scope":"rest","reset":42}"#),
            Some(Duration::from_secs(42))
        );
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let gl = headers(&[("ratelimit-reset", &(now + 30).to_string())]);
        let wait = retry_after(&gl, b"Retry later").unwrap();
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28),
            "{wait:?}"
        );
        assert_eq!(
            retry_after(&HeaderMap::new(), br#"{"reset":5}"#),
            Some(Duration::from_secs(5))
        );
        assert_eq!(retry_after(&HeaderMap::new(), b"garbage"), None);
    }
}
