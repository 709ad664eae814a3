//! Local stand-ins for Buildkite, GitLab and the object store their artifact downloads redirect
//! to, for the examples to run with no network and no token.
//!
//! Each service is an httpmock server with one mock per route. Routes answer with the docs'
//! example responses (`tests/fixtures/<service>/*.json`), patched to fit the request (ids,
//! states, echoed fields), and keep a little state so that a sequence reads like the real thing:
//! a created build is listed afterwards and runs before it passes, a followed job's log grows, a
//! variable deleted is gone. Lists are paginated the way each service does it (`Link` headers,
//! GitLab's `X-Next-Page`, keyset cursors), every call takes a few milliseconds, and a request
//! without the token is refused.

pub mod buildkite;
pub mod gitlab;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use serde_json::{json, Value};

/// How long every call to a mock service takes (a nearby data centre).
const LATENCY: Duration = Duration::from_millis(20);

/// The body of a docs example response saved under `tests/fixtures/<service>/<name>.json`.
pub fn fixture(service: &str, name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/{service}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let fixture: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    fixture["body"].clone()
}

/// One request to a route, with the path parameters its pattern captured.
pub struct Call<'a> {
    req: &'a HttpMockRequest,
    params: Vec<(String, String)>,
    base: &'a str,
}

impl Call<'_> {
    /// A path parameter (`:name` or `*name` in the pattern), percent-decoded.
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// A numeric path parameter (-1 if it is not a number).
    pub fn number(&self, name: &str) -> i64 {
        self.param(name).parse().unwrap_or(-1)
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<String> {
        self.req
            .query_params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Every value of an array query parameter, sent as `name[]` (or `name`).
    pub fn query_all(&self, name: &str) -> Vec<String> {
        let array = format!("{name}[]");
        self.req
            .query_params()
            .into_iter()
            .filter(|(k, _)| *k == array || k == name)
            .map(|(_, v)| v)
            .collect()
    }

    /// A request header.
    pub fn header(&self, name: &str) -> Option<String> {
        self.req
            .headers_vec()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// The JSON body (`null` when there is none).
    pub fn body(&self) -> Value {
        serde_json::from_slice(self.req.body_ref()).unwrap_or(Value::Null)
    }

    /// This request's URL, absolute, with query parameters set or replaced.
    pub fn url_with(&self, set: &[(&str, String)]) -> String {
        let mut url =
            url::Url::parse(&format!("{}{}", self.base, self.req.uri().path())).expect("mock URL");
        let kept: Vec<(String, String)> = self
            .req
            .query_params()
            .into_iter()
            .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
            .collect();
        {
            let mut query = url.query_pairs_mut();
            query.clear();
            for (k, v) in &kept {
                query.append_pair(k, v);
            }
            for (k, v) in set {
                query.append_pair(k, v);
            }
        }
        url.to_string()
    }
}

/// Who may call a route.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Only with the service's token.
    Token,
    /// Anyone: the route authenticates by its body (GitLab's trigger token).
    Open,
}

type Guard = Arc<dyn Fn(&Call, Access) -> Option<HttpMockResponse> + Send + Sync>;
type Decorate = Arc<dyn Fn(HttpMockResponse) -> HttpMockResponse + Send + Sync>;

/// A mock service: an httpmock server, what every route checks first, and what every answer gets.
pub struct Api {
    pub server: MockServer,
    base: String,
    prefix: String,
    guard: Guard,
    decorate: Decorate,
}

impl Api {
    async fn start(prefix: &str, guard: Guard, decorate: Decorate) -> Self {
        let server = MockServer::start_async().await;
        let base = server.base_url();
        Self {
            server,
            base,
            prefix: prefix.to_owned(),
            guard,
            decorate,
        }
    }

    /// The server's URL (`http://127.0.0.1:port`).
    pub fn base_url(&self) -> String {
        self.base.clone()
    }

    /// Answers `method` on `pattern` (after the service's prefix) with `handler`. In a pattern,
    /// `:name` matches one segment and `*name` the rest of the path; segments are matched as sent
    /// (a GitLab project path `group%2Fproject` is one segment) and captured decoded.
    pub async fn on<F>(&self, method: &'static str, pattern: &str, handler: F)
    where
        F: Fn(&Call) -> HttpMockResponse + Send + Sync + 'static,
    {
        self.route(method, pattern, Access::Token, handler).await;
    }

    /// [`on`](Self::on), for a route that needs no token.
    pub async fn open<F>(&self, method: &'static str, pattern: &str, handler: F)
    where
        F: Fn(&Call) -> HttpMockResponse + Send + Sync + 'static,
    {
        self.route(method, pattern, Access::Open, handler).await;
    }

    async fn route<F>(&self, method: &'static str, pattern: &str, access: Access, handler: F)
    where
        F: Fn(&Call) -> HttpMockResponse + Send + Sync + 'static,
    {
        let pattern = format!("{}{pattern}", self.prefix);
        let matcher = pattern.clone();
        let (guard, decorate, base) =
            (self.guard.clone(), self.decorate.clone(), self.base.clone());
        self.server
            .mock_async(|when, then| {
                when.method(method)
                    .is_true(move |req| capture(&matcher, req.uri().path()).is_some());
                then.delay(LATENCY).respond_with(move |req| {
                    let call = Call {
                        req,
                        params: capture(&pattern, req.uri().path()).unwrap_or_default(),
                        base: &base,
                    };
                    let response = guard(&call, access).unwrap_or_else(|| handler(&call));
                    decorate(response)
                });
            })
            .await;
    }
}

/// Matches a raw path against a pattern; the captured parameters, decoded.
fn capture(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let want: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let got: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut params = Vec::new();
    for (i, segment) in want.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('*') {
            let rest = got.get(i..).filter(|r| !r.is_empty())?;
            let rest: Vec<String> = rest.iter().map(|s| decode(s)).collect();
            params.push((name.to_owned(), rest.join("/")));
            return Some(params);
        }
        let actual = got.get(i)?;
        match segment.strip_prefix(':') {
            Some(name) => params.push((name.to_owned(), decode(actual))),
            None if segment == actual => {}
            None => return None,
        }
    }
    (want.len() == got.len()).then_some(params)
}

/// Percent-decodes a path segment.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A JSON answer.
pub fn reply(status: u16, body: &Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// An answer with no body.
pub fn no_content() -> HttpMockResponse {
    HttpMockResponse::builder().status(204).build()
}

/// A redirect to `location`, with the URL repeated in a JSON body (as Buildkite does).
pub fn redirect(location: &str) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(302)
        .header("location", location)
        .header("content-type", "application/json")
        .body(json!({ "url": location }).to_string())
        .build()
}

/// Adds a header to an answer.
pub fn with_header(mut response: HttpMockResponse, name: &str, value: &str) -> HttpMockResponse {
    response
        .headers
        .get_or_insert_with(Vec::new)
        .push((name.to_owned(), value.to_owned()));
    response
}

/// Sets the fields of `patch` on the object `value`.
pub fn patch(mut value: Value, patch: Value) -> Value {
    if let (Some(target), Value::Object(fields)) = (value.as_object_mut(), patch) {
        target.extend(fields);
    }
    value
}

/// The page a request asks for: `(page, per_page)`, with the service's default page size.
fn page_request(call: &Call, default_per_page: usize) -> (usize, usize) {
    let page = call
        .query("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let per_page = call
        .query("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(default_per_page)
        .clamp(1, 100);
    (page, per_page)
}

/// One page of `items`, the Buildkite way: a `Link` header with `first`, `prev`, `next` and
/// `last` (30 items a page unless `per_page` says otherwise).
pub fn buildkite_page(call: &Call, items: &[Value]) -> HttpMockResponse {
    let (page, per_page) = page_request(call, 30);
    let last = items.len().div_ceil(per_page).max(1);
    let body: Vec<Value> = items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    let link = |rel: &str, n: usize| {
        format!(
            "<{}>; rel=\"{rel}\"",
            call.url_with(&[("page", n.to_string()), ("per_page", per_page.to_string())])
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link("first", 1));
        links.push(link("prev", page - 1));
    }
    if page < last {
        links.push(link("next", page + 1));
        links.push(link("last", last));
    }
    let response = reply(200, &Value::Array(body));
    if links.is_empty() {
        response
    } else {
        with_header(response, "link", &links.join(", "))
    }
}

/// One page of `items`, the GitLab way: `X-Page`, `X-Per-Page`, `X-Next-Page` (empty on the
/// last page), `X-Prev-Page`, `X-Total`, `X-Total-Pages` and a `Link` header (20 items a page
/// unless `per_page` says otherwise).
pub fn gitlab_page(call: &Call, items: &[Value]) -> HttpMockResponse {
    let (page, per_page) = page_request(call, 20);
    let last = items.len().div_ceil(per_page).max(1);
    let body: Vec<Value> = items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    let link = |rel: &str, n: usize| {
        format!(
            "<{}>; rel=\"{rel}\"",
            call.url_with(&[("page", n.to_string()), ("per_page", per_page.to_string())])
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link("prev", page - 1));
    }
    if page < last {
        links.push(link("next", page + 1));
    }
    links.push(link("first", 1));
    links.push(link("last", last));
    let next = if page < last {
        (page + 1).to_string()
    } else {
        String::new()
    };
    let prev = if page > 1 {
        (page - 1).to_string()
    } else {
        String::new()
    };
    let mut response = reply(200, &Value::Array(body));
    for (name, value) in [
        ("x-page", page.to_string()),
        ("x-per-page", per_page.to_string()),
        ("x-next-page", next),
        ("x-prev-page", prev),
        ("x-total", items.len().to_string()),
        ("x-total-pages", last.to_string()),
        ("link", links.join(", ")),
    ] {
        response = with_header(response, name, &value);
    }
    response
}

/// An object in the mock object store.
#[derive(Clone)]
pub struct Object {
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub file_name: String,
}

/// The object store artifact downloads redirect to: it serves objects by key to requests with a
/// signature in the query, and refuses any that carry an `Authorization` header (as S3 does:
/// one way of authenticating at a time), so a token forwarded across the redirect would fail.
pub struct Storage {
    pub server: MockServer,
    objects: Arc<Mutex<HashMap<String, Object>>>,
}

impl Storage {
    pub async fn start() -> Self {
        let server = MockServer::start_async().await;
        let objects: Arc<Mutex<HashMap<String, Object>>> = Arc::default();
        let store = objects.clone();
        server
            .mock_async(|when, then| {
                when.method("GET");
                then.delay(LATENCY).respond_with(move |req: &HttpMockRequest| {
                    let xml = |status: u16, code: &str, message: &str| {
                        HttpMockResponse::builder()
                            .status(status)
                            .header("content-type", "application/xml")
                            .body(format!(
                                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
                            ))
                            .build()
                    };
                    if req.headers_vec().iter().any(|(k, _)| k.eq_ignore_ascii_case("authorization")) {
                        return xml(400, "InvalidArgument", "Only one auth mechanism allowed");
                    }
                    if !req.query_params().iter().any(|(k, _)| k == "X-Amz-Signature") {
                        return xml(403, "AccessDenied", "Request has expired or is not signed");
                    }
                    let key = decode(req.uri().path().trim_start_matches('/'));
                    match store.lock().unwrap().get(&key) {
                        Some(object) => HttpMockResponse::builder()
                            .status(200)
                            .header("content-type", object.content_type.as_str())
                            .header(
                                "content-disposition",
                                format!("attachment; filename=\"{}\"", object.file_name),
                            )
                            .body(object.bytes.clone())
                            .build(),
                        None => xml(404, "NoSuchKey", "The specified key does not exist."),
                    }
                });
            })
            .await;
        Self { server, objects }
    }

    /// Stores an object; returns a signed URL for it, valid (in spirit) for a minute.
    pub fn put(&self, key: &str, object: Object) -> String {
        self.objects.lock().unwrap().insert(key.to_owned(), object);
        self.signed_url(key)
    }

    /// A signed URL for `key`.
    pub fn signed_url(&self, key: &str) -> String {
        let path: Vec<String> = key.split('/').map(encode).collect();
        format!(
            "{}/{}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=60&X-Amz-Signature={:016x}",
            self.server.base_url(),
            path.join("/"),
            fnv(key)
        )
    }
}

/// Percent-encodes a path segment.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A stable, fake signature.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A commit SHA made from a number (the same every run).
pub fn sha(seed: i64) -> String {
    let n = (seed as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
    format!("{n:032x}{:08x}", fnv(&seed.to_string()) as u32)
}

/// `len` bytes that look like compressed data (and are the same every run).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A zip archive of `files` (stored, not compressed), as GitLab serves job artifacts.
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let crc = crc32(data);
        let offset = out.len() as u32;
        let sizes = [crc, data.len() as u32, data.len() as u32];
        // Local file header: version 2.0, no flags, stored, a fixed DOS time and date.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0x5a]);
        sizes
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its central directory entry.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0x5a]);
        sizes
            .iter()
            .for_each(|v| central.extend_from_slice(&v.to_le_bytes()));
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 8]);
        central.extend_from_slice(&0o100_644u32.wrapping_shl(16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let (start, size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    let count = (files.len() as u16).to_le_bytes();
    out.extend_from_slice(&count);
    out.extend_from_slice(&count);
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &byte| {
        (0..8).fold(crc ^ u32::from(byte), |c, _| {
            if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            }
        })
    })
}

/// An RFC 3339 time `minutes` before now.
pub fn minutes_ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Whether `text` matches a glob where `*` matches anything.
pub fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}
