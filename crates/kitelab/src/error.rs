//! [`Error`]: one error type for every kitelab call, with variants a caller can match.
//!
//! Both services answer errors in several shapes (`{"message": "..."}`, `{"message": {field:
//! [...]}}`, `{"error": "..."}`, Buildkite's `{"message", "errors"}`, plain text from rate
//! limiters, HTML from proxies); whatever the shape, [`ApiError::message`] holds what the service
//! said. No error ever holds a token: URLs are redacted and request headers are never kept.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

/// The result of a kitelab call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Most of an error body kept for messages and [`ApiError::body_excerpt`].
const EXCERPT_BYTES: usize = 200;
/// The most of an error body read to find its message.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Everything that can go wrong in a kitelab call.
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) {
/// match bk.organization("acme").get().await {
///     Ok(org) => println!("{}", org.name),
///     Err(kitelab::Error::Api(e)) if e.status() == 404 => println!("no such organization"),
///     Err(e) if e.is_rate_limited() => println!("slow down: {e}"),
///     Err(e) => println!("failed: {e}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status.
    Api(Box<ApiError>),
    /// The service rate-limited the call (429) and retrying did not get through.
    RateLimited(Box<RateLimited>),
    /// The service answered with success, but the body is not what the operation returns.
    Decode(Box<DecodeError>),
    /// The request or the response could not be sent or read: connection refused, TLS, reset, or
    /// a timeout (see [`Error::is_timeout`]).
    Transport(Box<TransportError>),
    /// The caller's input is invalid; nothing was sent.
    InvalidInput(String),
    /// A local file could not be written (downloads written with `write_to`).
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A `wait()` gave up before the build or pipeline finished.
    WaitTimeout {
        /// What was waited for.
        what: String,
        /// How long it waited.
        waited: Duration,
        /// The last state seen.
        last_state: String,
    },
}

impl Error {
    /// The HTTP status, for [`Api`](Error::Api), [`RateLimited`](Error::RateLimited) and
    /// [`Decode`](Error::Decode) errors.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::RateLimited(_) => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The operation (the spec's operationId in snake case) that failed, where there is one.
    pub fn operation(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(e.operation),
            Error::RateLimited(e) => Some(e.operation),
            Error::Decode(e) => Some(e.operation),
            Error::Transport(e) => Some(e.operation),
            _ => None,
        }
    }

    /// Whether the service answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether the call was rate-limited.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited(_))
    }

    /// Whether the call timed out (connecting, waiting for an answer, or idle in a download).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.timeout)
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }

    pub(crate) fn transport(operation: &'static str, error: reqwest::Error) -> Self {
        Error::Transport(Box::new(TransportError::new(operation, error)))
    }

    /// Converts a generated client's error, reading the body of an error response; `status` is
    /// the status of the answer, when one came.
    pub(crate) async fn from_generated<E>(
        operation: &'static str,
        error: kitelab_api::Error<E>,
        status: Option<u16>,
    ) -> Self {
        use kitelab_api::Error as G;
        match error {
            G::InvalidRequest(message) => Error::InvalidInput(message),
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                Error::transport(operation, e)
            }
            G::InvalidResponsePayload(body, e) => Error::Decode(Box::new(DecodeError {
                operation,
                status: status
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::OK),
                path: json_path_at(&body, e.line(), e.column()),
                message: e.to_string(),
                body_excerpt: excerpt(&body),
            })),
            G::ErrorResponse(response) => Error::Api(Box::new(ApiError {
                operation,
                status: response.status(),
                message: response
                    .status()
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_owned(),
                request_id: request_id(response.headers()),
                body_excerpt: String::new(),
            })),
            G::UnexpectedResponse(response) => Error::from_response(operation, response).await,
            G::Custom(message) => Error::InvalidInput(message),
        }
    }

    /// A success answer whose body did not decode.
    pub(crate) fn decode(
        operation: &'static str,
        status: StatusCode,
        body: &[u8],
        error: &serde_json::Error,
    ) -> Self {
        Error::Decode(Box::new(DecodeError {
            operation,
            status,
            path: json_path_at(body, error.line(), error.column()),
            message: error.to_string(),
            body_excerpt: excerpt(body),
        }))
    }

    /// Builds the error for a response with an error (or unexpected) status.
    pub(crate) async fn from_response(
        operation: &'static str,
        response: reqwest::Response,
    ) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_limited(response, ERROR_BODY_LIMIT).await;
        let mut message = error_message(&body);
        if status.is_redirection() {
            // Only GET and HEAD follow redirects; replaying a POST, PUT or DELETE as a GET could
            // silently do the wrong thing (a moved project answers 301).
            message = format!(
                "redirected{} on a method that is not replayed; use the new address",
                location
                    .map(|l| format!(" to {}", crate::redact(&l)))
                    .unwrap_or_default()
            );
        }
        if message.is_empty() {
            message = status.canonical_reason().unwrap_or("error").to_owned();
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Error::RateLimited(Box::new(RateLimited {
                operation,
                retry_after: crate::transport::retry_after(&headers, &body),
                message,
            }));
        }
        Error::Api(Box::new(ApiError {
            operation,
            status,
            message,
            request_id: request_id(&headers),
            body_excerpt: excerpt(&body),
        }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::RateLimited(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::InvalidInput(message) => write!(f, "invalid input: {message}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::WaitTimeout {
                what,
                waited,
                last_state,
            } => {
                write!(
                    f,
                    "gave up waiting for {what} after {waited:?}; last state: {last_state}"
                )
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(&e.source),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The service answered with an error status.
#[derive(Debug, Clone)]
pub struct ApiError {
    operation: &'static str,
    status: StatusCode,
    message: String,
    request_id: Option<String>,
    body_excerpt: String,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// What the service said, whatever the shape of its error body; the status text when the
    /// body said nothing.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// The service's request id (`X-Request-Id`), for support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The first 200 bytes of the body, as text.
    pub fn body_excerpt(&self) -> &str {
        &self.body_excerpt
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {}",
            self.operation,
            self.status.as_u16(),
            self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// The call was rate-limited and retrying did not get through.
#[derive(Debug, Clone)]
pub struct RateLimited {
    operation: &'static str,
    retry_after: Option<Duration>,
    message: String,
}

impl RateLimited {
    /// How long the service asked to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// What the service said.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RateLimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: rate limited: {}", self.operation, self.message)?;
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        Ok(())
    }
}

/// A success response whose body is not what the operation returns.
#[derive(Debug, Clone)]
pub struct DecodeError {
    operation: &'static str,
    status: StatusCode,
    path: String,
    message: String,
    body_excerpt: String,
}

impl DecodeError {
    /// Where in the body decoding failed (`[3].state`), when known.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The first 200 bytes of the body.
    pub fn body_excerpt(&self) -> &str {
        &self.body_excerpt
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cannot decode the {} response",
            self.operation,
            self.status.as_u16()
        )?;
        if !self.path.is_empty() {
            write!(f, " at `{}`", self.path)?;
        }
        write!(f, ": {}; body starts {:?}", self.message, self.body_excerpt)
    }
}

/// The request or response could not be sent or read.
#[derive(Debug)]
pub struct TransportError {
    operation: &'static str,
    url: Option<String>,
    timeout: bool,
    source: reqwest::Error,
}

impl TransportError {
    fn new(operation: &'static str, error: reqwest::Error) -> Self {
        let url = error.url().map(kitelab_api::redact_url);
        let timeout = error.is_timeout();
        // The URL is kept redacted beside the error, never inside it.
        Self {
            operation,
            url,
            timeout,
            source: error.without_url(),
        }
    }
    /// The (redacted) URL concerned.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.timeout {
            "timed out"
        } else {
            "transport error"
        };
        write!(f, "{}: {what}", self.operation)?;
        if let Some(url) = &self.url {
            write!(f, " ({url})")?;
        }
        write!(f, ": {}", self.source)?;
        let mut cause = std::error::Error::source(&self.source);
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

async fn read_limited(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = limit - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= limit {
            break;
        }
    }
    body
}

fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .or_else(|| headers.get("x-gitlab-meta"))
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(128).collect())
}

/// The JSON path (`[3].jobs[0].state`) of the value at `line`:`column` (1-based, as serde_json
/// reports errors) in `body`, found by scanning the text; empty if the position is not inside
/// any container. It never fails, whatever the body.
pub(crate) fn json_path_at(body: &[u8], line: usize, column: usize) -> String {
    // The byte offset of the position.
    let mut offset = 0;
    let mut current_line = 1;
    while current_line < line && offset < body.len() {
        if body[offset] == b'\n' {
            current_line += 1;
        }
        offset += 1;
    }
    let target = (offset + column.saturating_sub(1)).min(body.len());

    enum Frame {
        Object {
            key: Option<String>,
            expecting_key: bool,
        },
        Array {
            index: usize,
        },
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < target {
        match body[i] {
            b'{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                None => {}
            },
            b'"' => {
                // A string: read to its closing quote, minding escapes.
                let start = i + 1;
                i += 1;
                while i < body.len() && body[i] != b'"' {
                    if body[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if let Some(Frame::Object { key, expecting_key }) = stack.last_mut() {
                    if *expecting_key {
                        *key = Some(
                            String::from_utf8_lossy(&body[start..i.min(body.len())]).into_owned(),
                        );
                        *expecting_key = false;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// At most [`EXCERPT_BYTES`] of `body`, as (lossy) text, cut at a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES + 4)]);
    let mut end = text.len().min(EXCERPT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].trim().to_owned()
}

/// The message of an error body, whatever its shape; empty when it has none.
pub(crate) fn error_message(body: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return plain_text_message(body);
    };
    let mut parts: Vec<String> = Vec::new();
    match value.get("message") {
        Some(serde_json::Value::String(s)) => parts.push(s.clone()),
        Some(serde_json::Value::Null) | None => {}
        Some(other) => parts.push(flatten_message(other)),
    }
    if let Some(error) = value.get("error").and_then(|e| e.as_str()) {
        parts.push(error.to_owned());
        if let Some(description) = value.get("error_description").and_then(|e| e.as_str()) {
            parts.push(description.to_owned());
        }
    }
    if let Some(errors) = value.get("errors").and_then(|e| e.as_array()) {
        let details: Vec<String> = errors
            .iter()
            .map(flatten_message)
            .filter(|s| !s.is_empty())
            .collect();
        if !details.is_empty() {
            parts.push(details.join("; "));
        }
    }
    if parts.is_empty() {
        if let serde_json::Value::String(s) = &value {
            return s.clone();
        }
    }
    parts.join(": ")
}

/// `{"name": ["is taken"], "ref": {"x": ["y"]}}` → `name is taken; ref x y`.
fn flatten_message(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(flatten_message)
            .collect::<Vec<_>>()
            .join(", "),
        // Buildkite's validation errors: `{"field": "configuration", "code": "invalid"}`.
        serde_json::Value::Object(map) if map.get("field").is_some_and(|f| f.is_string()) => {
            let field = map["field"].as_str().unwrap_or_default();
            let detail = ["message", "code"]
                .iter()
                .find_map(|k| map.get(*k))
                .map(flatten_message)
                .unwrap_or_default();
            format!("{field} {detail}").trim().to_owned()
        }
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let inner = flatten_message(v);
                if inner.is_empty() {
                    k.clone()
                } else {
                    format!("{k} {inner}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A plain-text or HTML body's gist: its `<title>` if it has one, else its first line.
fn plain_text_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let lower = text.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>")) {
        if start + 7 <= end {
            return text[start + 7..end].trim().to_owned();
        }
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    excerpt(first.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape_gives_its_message() {
        let cases: [(&str, &str); 9] = [
            (
                r#"{"message":"404 Project Not Found"}"#,
                "404 Project Not Found",
            ),
            (
                r#"{"message":{"name":["is taken"],"cron":["is invalid","is blank"]}}"#,
                "cron is invalid, is blank; name is taken",
            ),
            (r#"{"error":"ref is missing"}"#, "ref is missing"),
            (
                r#"{"error":"insufficient_scope","error_description":"needs api","scope":"api"}"#,
                "insufficient_scope: needs api",
            ),
            (
                r#"{"message":{"error":"This endpoint has been requested too many times."}}"#,
                "error This endpoint has been requested too many times.",
            ),
            (
                r#"{"message":"Validation Failed","errors":[{"field":"configuration","code":"invalid"}]}"#,
                "Validation Failed: configuration invalid",
            ),
            ("Retry later\n", "Retry later"),
            (
                "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                "502 Bad Gateway",
            ),
            ("", ""),
        ];
        for (body, expected) in cases {
            assert_eq!(error_message(body.as_bytes()), expected, "{body}");
        }
    }

    #[test]
    fn decode_errors_name_the_json_path() {
        let body = br#"[{"number":1,"state":"passed"},{"number":2,"jobs":[{"id":"a"},{"id":7}]}]"#;
        let err =
            serde_json::from_slice::<Vec<serde_json::Map<String, serde_json::Value>>>(body).err();
        assert!(err.is_none());
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Job {
            id: String,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Build {
            number: i64,
            #[serde(default)]
            jobs: Vec<Job>,
        }
        let err = serde_json::from_slice::<Vec<Build>>(body).unwrap_err();
        assert_eq!(
            json_path_at(body, err.line(), err.column()),
            "[1].jobs[1].id"
        );
        let pretty = b"{\n  \"a\": {\n    \"b\": [1, \"x\"]\n  }\n}";
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            b: Vec<u8>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            a: Inner,
        }
        let err = serde_json::from_slice::<Outer>(pretty).unwrap_err();
        assert_eq!(json_path_at(pretty, err.line(), err.column()), "a.b[1]");
        // Never panics, whatever it is given.
        for (body, line, column) in [
            (&b""[..], 0, 0),
            (b"{", 9, 9),
            (b"\"\\", 1, 3),
            (b"]]]}}", 1, 5),
        ] {
            let _ = json_path_at(body, line, column);
        }
    }

    #[test]
    fn excerpts_are_short_and_cut_on_a_character() {
        let body = "é".repeat(500);
        let e = excerpt(body.as_bytes());
        assert!(e.len() <= EXCERPT_BYTES && !e.is_empty());
    }
}
