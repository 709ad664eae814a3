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

pub use kitelab_api::Operation;

/// Most of an error body kept for [`ApiError::body_excerpt`].
const EXCERPT_BYTES: usize = 200;
/// The most of an error body read and kept ([`ApiError::body`]).
const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// The most of a message that `Display` and `Debug` show; the rest is counted, not shown.
const SHOWN_BYTES: usize = 1024;

/// Everything that can go wrong in a kitelab call.
///
/// Every variant that concerns an answer of the service has the same accessors:
/// [`status`](Error::status), [`operation`](Error::operation) and
/// [`request_id`](Error::request_id). Text that came from the service (messages, bodies) never
/// holds a secret of the client: its token, a trigger token of the call, or a credential in a
/// URL are replaced by `[redacted]`. `Display` and `Debug` show at most about 1 KiB of it and
/// say how much they left out; [`ApiError::body`] keeps the whole body (up to 64 KiB).
///
/// ```no_run
/// # async fn run(bk: kitelab::Buildkite) {
/// match bk.organization("acme").get().await {
///     Ok(org) => println!("{}", org.name),
///     Err(kitelab::Error::Api(e)) if e.status() == 404 => println!("no such organization"),
///     Err(e) if e.is_rate_limited() => println!("slow down: {e}"),
///     Err(e) => println!("{} failed: {e}", e.operation().map_or("-", |op| op.id)),
/// }
/// # }
/// ```
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status (4xx or 5xx, but 429).
    Api(Box<ApiError>),
    /// The service rate-limited the call (429) and retrying did not get through.
    RateLimited(Box<RateLimited>),
    /// The service answered with a success status, but the body is not what the operation
    /// returns.
    Decode(Box<DecodeError>),
    /// The service answered something the operation does not expect: a status its spec does not
    /// declare (a redirect that is not followed, a `202` where `201` was due), or a list whose
    /// next page is one the list has already requested (a cursor or page cycle).
    UnexpectedResponse(Box<ApiError>),
    /// The request or the response could not be sent or read: connection refused, TLS, reset,
    /// a body cut short, or a timeout (see [`Error::is_timeout`]).
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
    /// The HTTP status of the answer, for [`Api`](Error::Api),
    /// [`RateLimited`](Error::RateLimited), [`Decode`](Error::Decode) (the operation's success
    /// status, when its spec declares one) and [`UnexpectedResponse`](Error::UnexpectedResponse).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) | Error::UnexpectedResponse(e) => Some(e.status),
            Error::RateLimited(_) => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Decode(e) => e.status,
            _ => None,
        }
    }

    /// The operation that failed, for every variant but [`InvalidInput`](Error::InvalidInput),
    /// [`Io`](Error::Io) and [`WaitTimeout`](Error::WaitTimeout).
    pub fn operation(&self) -> Option<&'static Operation> {
        match self {
            Error::Api(e) | Error::UnexpectedResponse(e) => Some(e.operation),
            Error::RateLimited(e) => Some(e.operation),
            Error::Decode(e) => Some(e.operation),
            Error::Transport(e) => Some(e.operation),
            _ => None,
        }
    }

    /// The service's request id (`X-Request-Id`), for support requests, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) | Error::UnexpectedResponse(e) => e.request_id(),
            Error::RateLimited(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the service answered 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Api(e) if e.status == StatusCode::NOT_FOUND)
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

    pub(crate) fn transport(operation: &'static Operation, error: reqwest::Error) -> Self {
        Error::Transport(Box::new(TransportError::new(operation, error)))
    }

    /// A body that ended before the length its answer announced.
    pub(crate) fn cut_short(operation: &'static Operation, received: u64, expected: u64) -> Self {
        Error::Transport(Box::new(TransportError {
            operation,
            url: None,
            timeout: false,
            detail: Some(format!(
                "the body was cut short: received {received} of {expected} bytes"
            )),
            source: None,
        }))
    }

    /// An answer of `operation` that is not what it should be, as `message` says.
    #[cfg(feature = "buildkite")]
    pub(crate) fn unexpected(operation: &'static Operation, message: impl Into<String>) -> Self {
        Error::UnexpectedResponse(Box::new(ApiError {
            operation,
            status: StatusCode::OK,
            message: message.into(),
            request_id: None,
            body: String::new(),
        }))
    }

    /// A list whose service named, as the next page, one the list had already requested.
    pub(crate) fn page_cycle(
        operation: &'static Operation,
        status: StatusCode,
        request_id: Option<String>,
        page: String,
    ) -> Self {
        Error::UnexpectedResponse(Box::new(ApiError {
            operation,
            status,
            message: format!(
                "the service named {page} as the next page, which this list has already \
                 requested: it would never end"
            ),
            request_id,
            body: String::new(),
        }))
    }

    /// Converts the error of a generated call of `R`; `hooks` redact the service's text.
    pub(crate) async fn from_generated<R: kitelab_api::Request>(
        error: kitelab_api::Error<()>,
        hooks: &kitelab_api::Hooks,
    ) -> Self {
        use kitelab_api::Error as G;
        let operation = R::OPERATION;
        match error {
            G::InvalidRequest(message) | G::Custom(message) => Error::InvalidInput(message),
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                Error::transport(operation, e)
            }
            G::InvalidResponsePayload(body, e) => {
                let path = R::error_path(&body)
                    .unwrap_or_else(|| json_path_at(&body, e.line(), e.column()));
                Error::decode(operation, None, &body, &e.to_string(), path, hooks)
            }
            G::ErrorResponse(response) => Error::Api(Box::new(ApiError {
                operation,
                status: response.status(),
                message: String::new(),
                request_id: request_id(response.headers()),
                body: String::new(),
            })),
            G::UnexpectedResponse(response) => {
                Error::from_response(operation, response, hooks).await
            }
        }
    }

    /// A success answer whose body did not decode. `status` is the answer's, or else the
    /// operation's success status when its spec declares just one.
    pub(crate) fn decode(
        operation: &'static Operation,
        status: Option<StatusCode>,
        body: &[u8],
        message: &str,
        path: String,
        hooks: &kitelab_api::Hooks,
    ) -> Self {
        let status = status.or(match operation.success {
            [one] => StatusCode::from_u16(*one).ok(),
            _ => None,
        });
        Error::Decode(Box::new(DecodeError {
            operation,
            status,
            path: hooks.redact(&path).into_owned(),
            message: hooks.redact(message).into_owned(),
            body_excerpt: hooks.redact(&excerpt(body)).into_owned(),
            request_id: None,
        }))
    }

    /// Builds the error for an answer with an error (or unexpected) status.
    pub(crate) async fn from_response(
        operation: &'static Operation,
        response: reqwest::Response,
        hooks: &kitelab_api::Hooks,
    ) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let raw = read_limited(response, ERROR_BODY_LIMIT).await;
        let body = hooks.redact(&String::from_utf8_lossy(&raw)).into_owned();
        let mut message = hooks.redact(&error_message(&raw)).into_owned();
        let request_id = request_id(&headers);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Error::RateLimited(Box::new(RateLimited {
                operation,
                retry_after: crate::transport::retry_after(&headers, &raw),
                message,
                request_id,
            }));
        }
        let unexpected = !(status.is_client_error() || status.is_server_error());
        if status.is_redirection() {
            // Only GET and HEAD follow redirects; replaying a POST, PUT or DELETE as a GET could
            // silently do the wrong thing (a moved project answers 301).
            message = format!(
                "redirected{} on a method that is not replayed; use the new address",
                location
                    .map(|l| format!(" to {}", crate::redact(&l)))
                    .unwrap_or_default()
            );
        } else if unexpected {
            message = format!(
                "the operation answers {}, not {}{}{}",
                operation
                    .success
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                status.as_u16(),
                if message.is_empty() { "" } else { ": " },
                message
            );
        }
        let error = ApiError {
            operation,
            status,
            message,
            request_id,
            body,
        };
        if unexpected {
            Error::UnexpectedResponse(Box::new(error))
        } else {
            Error::Api(Box::new(error))
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) | Error::UnexpectedResponse(e) => e.fmt(f),
            Error::RateLimited(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
            Error::InvalidInput(message) => write!(f, "invalid input: {}", Shown(message)),
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

/// `Api(getBuild: 404 Not Found: no such build (request id r1))`: the variant and what
/// `Display` says, readable when `main` returns the error.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variant = match self {
            Error::Api(_) => "Api",
            Error::RateLimited(_) => "RateLimited",
            Error::Decode(_) => "Decode",
            Error::UnexpectedResponse(_) => "UnexpectedResponse",
            Error::Transport(_) => "Transport",
            Error::InvalidInput(_) => "InvalidInput",
            Error::Io { .. } => "Io",
            Error::WaitTimeout { .. } => "WaitTimeout",
        };
        write!(f, "{variant}({self})")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => e
                .source
                .as_ref()
                .map(|s| s as &(dyn std::error::Error + 'static)),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Text from a service as `Display` shows it: at most [`SHOWN_BYTES`], cut on a character
/// boundary, with how much was left out.
struct Shown<'a>(&'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        if text.len() <= SHOWN_BYTES {
            return f.write_str(text);
        }
        let mut end = SHOWN_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        write!(f, "{}… ({} more bytes)", &text[..end], text.len() - end)
    }
}

/// The service answered with an error status, or with one its operation does not expect.
#[derive(Clone)]
pub struct ApiError {
    operation: &'static Operation,
    status: StatusCode,
    message: String,
    request_id: Option<String>,
    body: String,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// What the service said, whatever the shape of its error body (empty when it said
    /// nothing), with secrets redacted. Whole: `Display` shortens it.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The operation that failed.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }
    /// The service's request id (`X-Request-Id`), for support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The whole body of the answer (up to 64 KiB), as text, with secrets redacted.
    pub fn body(&self) -> &str {
        &self.body
    }
    /// The first 200 bytes of the body, as text.
    pub fn body_excerpt(&self) -> String {
        excerpt(self.body.as_bytes())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.status.as_u16())?;
        let reason = self.status.canonical_reason().unwrap_or("");
        let message = self.message.trim();
        // GitLab says `{"message": "401 Unauthorized"}`: the status is not said twice.
        let message = message
            .strip_prefix(self.status.as_str())
            .map(str::trim_start)
            .unwrap_or(message);
        if message.is_empty() || message.eq_ignore_ascii_case(reason) {
            if !reason.is_empty() {
                write!(f, " {reason}")?;
            }
        } else {
            if !reason.is_empty() && !message.starts_with(reason) {
                write!(f, " {reason}")?;
            }
            write!(f, ": {}", Shown(message))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", Shown(id))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiError({self})")
    }
}

/// The call was rate-limited and retrying did not get through.
#[derive(Clone)]
pub struct RateLimited {
    operation: &'static Operation,
    retry_after: Option<Duration>,
    message: String,
    request_id: Option<String>,
}

impl RateLimited {
    /// How long the service asked to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// What the service said, with secrets redacted.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The operation that was rate-limited.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }
}

impl fmt::Display for RateLimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: 429 rate limited", self.operation)?;
        if !self.message.is_empty() {
            write!(f, ": {}", Shown(&self.message))?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        Ok(())
    }
}

impl fmt::Debug for RateLimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RateLimited({self})")
    }
}

/// A success response whose body is not what the operation returns.
#[derive(Clone)]
pub struct DecodeError {
    operation: &'static Operation,
    status: Option<StatusCode>,
    path: String,
    message: String,
    body_excerpt: String,
    request_id: Option<String>,
}

impl DecodeError {
    /// The operation whose answer did not decode.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }
    /// The status of the answer, when known.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }
    /// Where in the body decoding failed (`[3].jobs[1].state`), when known.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// What the decoder said.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The first 200 bytes of the body, with secrets redacted.
    pub fn body_excerpt(&self) -> &str {
        &self.body_excerpt
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: cannot decode the ", self.operation)?;
        match self.status {
            Some(status) => write!(f, "{} response", status.as_u16())?,
            None => write!(f, "response")?,
        }
        if !self.path.is_empty() {
            write!(f, " at `{}`", Shown(&self.path))?;
        }
        write!(
            f,
            ": {}; body starts {:?}",
            Shown(&self.message),
            self.body_excerpt
        )
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecodeError({self})")
    }
}

/// The request or response could not be sent or read.
pub struct TransportError {
    operation: &'static Operation,
    url: Option<String>,
    timeout: bool,
    /// What went wrong, when it was not an error of the HTTP client (a body cut short).
    detail: Option<String>,
    source: Option<reqwest::Error>,
}

impl TransportError {
    fn new(operation: &'static Operation, error: reqwest::Error) -> Self {
        let url = error.url().map(kitelab_api::redact_url);
        let timeout = error.is_timeout();
        // The URL is kept redacted beside the error, never inside it.
        Self {
            operation,
            url,
            timeout,
            detail: None,
            source: Some(error.without_url()),
        }
    }
    /// The (redacted) URL concerned.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
    /// The operation.
    pub fn operation(&self) -> &'static Operation {
        self.operation
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
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
            let mut cause = std::error::Error::source(source);
            while let Some(c) = cause {
                write!(f, ": {c}")?;
                cause = c.source();
            }
        }
        Ok(())
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransportError({self})")
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
