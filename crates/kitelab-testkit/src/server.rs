//! The HTTP machinery the fakes share: a hyper server on an ephemeral port with a route table,
//! request recording, fault injection, the services' pagination, and the object store that
//! artifact downloads redirect to.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Request headers that carry secrets: recorded as `[redacted]`.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "private-token",
    "job-token",
    "cookie",
    "x-gitlab-token",
];

/// A request as a fake server received it, for a test to assert on.
///
/// Secrets are redacted: the value of `Authorization`, `PRIVATE-TOKEN`, `JOB-TOKEN`, `Cookie`
/// and `X-Gitlab-Token` is recorded as `[redacted]` (see [`Request::auth_kind`] for which kind
/// of credential was sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method (`GET`, `POST`, ...).
    pub method: String,
    /// The path as sent, still percent-encoded (`/api/v4/projects/group%2Fproject/pipelines`).
    pub path: String,
    /// The query parameters, decoded, in the order sent (`state[]` keeps its brackets).
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case, secrets redacted.
    pub headers: Vec<(String, String)>,
    /// The body, as sent.
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header (case-insensitive); secrets read `[redacted]`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`null` when it is empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// Which credential the request carried, by header: `Some("authorization")`,
    /// `Some("private-token")`, `Some("job-token")`, or `None`.
    pub fn auth_kind(&self) -> Option<&'static str> {
        ["authorization", "private-token", "job-token"]
            .into_iter()
            .find(|h| self.header(h).is_some())
    }

    fn redacted(&self) -> Request {
        let mut copy = self.clone();
        for (name, value) in &mut copy.headers {
            if SECRET_HEADERS.contains(&name.as_str()) {
                *value = "[redacted]".into();
            }
        }
        copy
    }
}

/// A failure a fake server answers with instead of (or before) its normal answer, on the routes
/// whose path matches a glob, for a number of requests or for good.
///
/// ```
/// # use std::time::Duration;
/// use kitelab_testkit::Fault;
/// // The next two listings of builds fail with a 502, in Buildkite's style.
/// let fault = Fault::status(502).method("GET").on("*/builds").times(2);
/// // Every call takes 200 ms more.
/// let slow = Fault::latency(Duration::from_millis(200));
/// // One rate-limited answer: come back in a second.
/// let limited = Fault::rate_limited(Duration::from_secs(1)).times(1);
/// # let _ = (fault, slow, limited);
/// ```
#[derive(Clone, Debug)]
pub struct Fault {
    method: Option<String>,
    path: String,
    kind: FaultKind,
    times: Option<usize>,
}

#[derive(Clone, Debug)]
enum FaultKind {
    Status(u16),
    RateLimited(Duration),
    Latency(Duration),
    MalformedJson,
    CutShort,
    StallBody(Duration),
}

impl Fault {
    /// Answers with `status` (a 5xx, usually) and the service's error body.
    pub fn status(status: u16) -> Self {
        Self::new(FaultKind::Status(status))
    }

    /// Answers `429 Too Many Requests` the service's way, asking to come back after `retry_after`
    /// (Buildkite: `RateLimit-Reset` in seconds; GitLab: `Retry-After` in seconds and
    /// `RateLimit-Reset` as a Unix time).
    pub fn rate_limited(retry_after: Duration) -> Self {
        Self::new(FaultKind::RateLimited(retry_after))
    }

    /// Delays the normal answer by `delay` (a stall, when it is long).
    pub fn latency(delay: Duration) -> Self {
        Self::new(FaultKind::Latency(delay))
    }

    /// Sends the normal answer's status with its JSON body cut in half.
    pub fn malformed_json() -> Self {
        Self::new(FaultKind::MalformedJson)
    }

    /// Sends the normal answer's status and headers, with a `Content-Length` for its whole body,
    /// then half the body, then closes the connection: a download cut in the middle.
    pub fn cut_short() -> Self {
        Self::new(FaultKind::CutShort)
    }

    /// Sends the normal answer's status, headers and half its body, then nothing for `pause`,
    /// then the rest: a body that stalls mid-transfer (what a read timeout is for). A stall
    /// before the head is [`latency`](Self::latency).
    pub fn stall_body(pause: Duration) -> Self {
        Self::new(FaultKind::StallBody(pause))
    }

    fn new(kind: FaultKind) -> Self {
        Self {
            method: None,
            path: "*".into(),
            kind,
            times: None,
        }
    }

    /// Only on paths that match `glob`, where `*` matches anything (the path as sent, with the
    /// GitLab `/api/v4` prefix: `"*/pipelines/*"`). Every path by default.
    pub fn on(mut self, glob: &str) -> Self {
        self.path = glob.to_owned();
        self
    }

    /// Only on requests with this method. Every method by default.
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only for the next `n` matching requests. For good by default.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, request: &Request) -> bool {
        self.times != Some(0)
            && self.method.as_ref().is_none_or(|m| *m == request.method)
            && glob(&self.path, &request.path)
    }
}

/// Which service a server plays: it shapes the answers it makes up (404, 429, 5xx).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Buildkite,
    GitLab,
    Storage,
}

/// An answer: status, headers and body.
pub(crate) struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Whether to send only half the body, then close the connection.
    cut: bool,
    /// A pause after half the body, before the rest.
    stall: Option<Duration>,
}

type Body = BoxBody<Bytes, std::io::Error>;

impl Response {
    /// A `200 OK` with no headers and no body, to build on.
    pub fn builder() -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
            cut: false,
            stall: None,
        }
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn build(self) -> Self {
        self
    }

    fn into_hyper(self) -> hyper::Response<Body> {
        let mut builder = hyper::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = if self.cut {
            let (full, half) = (self.body.len(), self.body.len() / 2);
            builder = builder.header("content-length", full.to_string());
            let half = Bytes::from(self.body).slice(..half);
            // The half goes out (with the head) before the error closes the connection.
            let first = futures_util::stream::once(async move { Ok(Frame::data(half)) });
            let cut = futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Err(std::io::Error::other(
                    "cut short by a kitelab-testkit fault",
                ))
            });
            StreamBody::new(futures_util::StreamExt::chain(first, cut)).boxed()
        } else if let Some(pause) = self.stall {
            let body = Bytes::from(self.body);
            builder = builder.header("content-length", body.len().to_string());
            let (first, rest) = (body.slice(..body.len() / 2), body.slice(body.len() / 2..));
            let first =
                futures_util::stream::once(
                    async move { Ok::<_, std::io::Error>(Frame::data(first)) },
                );
            let rest = futures_util::stream::once(async move {
                tokio::time::sleep(pause).await;
                Ok(Frame::data(rest))
            });
            StreamBody::new(futures_util::StreamExt::chain(first, rest)).boxed()
        } else {
            Full::new(Bytes::from(self.body))
                .map_err(|never| match never {})
                .boxed()
        };
        builder.body(body).unwrap_or_else(|_| {
            let empty = Full::new(Bytes::new()).map_err(|never| match never {});
            let mut broken = hyper::Response::new(empty.boxed());
            *broken.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            broken
        })
    }
}

/// One request to a route, with the path parameters its pattern captured.
pub(crate) struct Call<'a> {
    req: &'a Request,
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

    /// The request method (`GET`, `POST`, ...).
    pub fn method(&self) -> &str {
        &self.req.method
    }

    /// Every query parameter, decoded, in the order sent.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.req.query
    }

    /// A numeric path parameter (-1 if it is not a number).
    pub fn number(&self, name: &str) -> i64 {
        self.param(name).parse().unwrap_or(-1)
    }

    /// The first value of a query parameter.
    pub fn query(&self, name: &str) -> Option<String> {
        self.req.query(name).map(str::to_owned)
    }

    /// Every value of an array query parameter, sent as `name[]` (or `name`).
    pub fn query_all(&self, name: &str) -> Vec<String> {
        let array = format!("{name}[]");
        self.req
            .query
            .iter()
            .filter(|(k, _)| *k == array || k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A request header.
    pub fn header(&self, name: &str) -> Option<String> {
        self.req.header(name).map(str::to_owned)
    }

    /// The JSON body (`null` when there is none).
    pub fn body(&self) -> Value {
        self.req.json()
    }

    /// This request's URL, absolute, with query parameters set or replaced.
    pub fn url_with(&self, set: &[(&str, String)]) -> String {
        let mut url =
            url::Url::parse(&format!("{}{}", self.base, self.req.path)).expect("fake URL");
        {
            let mut query = url.query_pairs_mut();
            query.clear();
            for (k, v) in &self.req.query {
                if !set.iter().any(|(s, _)| s == k) {
                    query.append_pair(k, v);
                }
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
pub(crate) enum Access {
    /// Only with the service's token.
    Token,
    /// Anyone: the route authenticates by its body (GitLab's trigger token).
    Open,
}

type Handler = Arc<dyn Fn(&Call) -> Response + Send + Sync>;
pub(crate) type Guard = Arc<dyn Fn(&Call, Access) -> Option<Response> + Send + Sync>;
pub(crate) type Decorate = Arc<dyn Fn(Response) -> Response + Send + Sync>;

struct Route {
    method: &'static str,
    pattern: String,
    access: Access,
    handler: Handler,
}

/// What the server task shares with the handle.
struct Shared {
    service: Service,
    base: String,
    routes: Mutex<Vec<Route>>,
    guard: Guard,
    decorate: Decorate,
    requests: Mutex<Vec<Request>>,
    faults: Mutex<Vec<Fault>>,
    latency: Mutex<Duration>,
}

/// A fake service: a hyper server on `127.0.0.1` and an ephemeral port, its routes, what every
/// route checks first, and what every answer gets. The server stops when this is dropped.
pub(crate) struct Api {
    shared: Arc<Shared>,
    prefix: String,
    task: JoinHandle<()>,
}

impl Drop for Api {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Api {
    pub(crate) async fn start(
        service: Service,
        prefix: &str,
        guard: Guard,
        decorate: Decorate,
    ) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("kitelab-testkit: cannot listen on 127.0.0.1");
        let base = format!(
            "http://{}",
            listener
                .local_addr()
                .expect("a bound listener has an address")
        );
        let shared = Arc::new(Shared {
            service,
            base,
            routes: Mutex::default(),
            guard,
            decorate,
            requests: Mutex::default(),
            faults: Mutex::default(),
            latency: Mutex::default(),
        });
        let serving = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(shared.answer(req).await.into_hyper()) }
                    });
                    // A client that goes away mid-answer is not the fake's problem.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            shared,
            prefix: prefix.to_owned(),
            task,
        }
    }

    /// The server's URL (`http://127.0.0.1:port`).
    pub fn base_url(&self) -> String {
        self.shared.base.clone()
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.requests.lock().unwrap().clear();
    }

    /// Adds a fault; the first that matches a request applies.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.lock().unwrap().push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.lock().unwrap().clear();
    }

    /// How long every answer takes.
    pub fn set_latency(&self, latency: Duration) {
        *self.shared.latency.lock().unwrap() = latency;
    }

    /// Answers `method` on `pattern` (after the service's prefix) with `handler`. In a pattern,
    /// `:name` matches one segment and `*name` the rest of the path; segments are matched as sent
    /// (a GitLab project path `group%2Fproject` is one segment) and captured decoded.
    pub async fn on<F>(&self, method: &'static str, pattern: &str, handler: F)
    where
        F: Fn(&Call) -> Response + Send + Sync + 'static,
    {
        self.route(method, pattern, Access::Token, handler);
    }

    /// [`on`](Self::on), for a route that needs no token.
    pub async fn open<F>(&self, method: &'static str, pattern: &str, handler: F)
    where
        F: Fn(&Call) -> Response + Send + Sync + 'static,
    {
        self.route(method, pattern, Access::Open, handler);
    }

    fn route<F>(&self, method: &'static str, pattern: &str, access: Access, handler: F)
    where
        F: Fn(&Call) -> Response + Send + Sync + 'static,
    {
        self.shared.routes.lock().unwrap().push(Route {
            method,
            pattern: format!("{}{pattern}", self.prefix),
            access,
            handler: Arc::new(handler),
        });
    }
}

impl Shared {
    async fn answer(&self, req: hyper::Request<hyper::body::Incoming>) -> Response {
        let (parts, body) = req.into_parts();
        let request = Request {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts
                .uri
                .query()
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (k.as_str().to_owned(), value)
                })
                .collect(),
            body: match body.collect().await {
                Ok(collected) => collected.to_bytes().to_vec(),
                Err(_) => Vec::new(),
            },
        };
        self.requests.lock().unwrap().push(request.redacted());
        let fault = {
            let mut faults = self.faults.lock().unwrap();
            faults.iter_mut().find(|f| f.matches(&request)).map(|f| {
                if let Some(n) = &mut f.times {
                    *n -= 1;
                }
                f.kind.clone()
            })
        };
        let latency = *self.latency.lock().unwrap();
        let extra = match fault {
            Some(FaultKind::Latency(delay)) => delay,
            _ => Duration::ZERO,
        };
        if !(latency + extra).is_zero() {
            tokio::time::sleep(latency + extra).await;
        }
        match fault {
            Some(FaultKind::Status(status)) => return self.failure(status),
            Some(FaultKind::RateLimited(after)) => return self.rate_limited(after),
            _ => {}
        }
        let mut response = self.dispatch(&request);
        match fault {
            Some(FaultKind::MalformedJson) => {
                let half = response.body.len() / 2;
                response.body.truncate(half.max(1));
            }
            Some(FaultKind::CutShort) => response.cut = true,
            Some(FaultKind::StallBody(pause)) => response.stall = Some(pause),
            _ => {}
        }
        response
    }

    fn dispatch(&self, request: &Request) -> Response {
        let found = {
            let routes = self.routes.lock().unwrap();
            routes.iter().find_map(|route| {
                if route.method != request.method {
                    return None;
                }
                let params = capture(&route.pattern, &request.path)?;
                Some((route.handler.clone(), route.access, params))
            })
        };
        let Some((handler, access, params)) = found else {
            return self.failure(404);
        };
        let call = Call {
            req: request,
            params,
            base: &self.base,
        };
        let response = (self.guard)(&call, access).unwrap_or_else(|| handler(&call));
        (self.decorate)(response)
    }

    /// An error status with the body the service sends with it.
    fn failure(&self, status: u16) -> Response {
        let reason = hyper::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        match self.service {
            Service::Buildkite if status == 404 => reply(404, &json!({"message": "Not Found"})),
            Service::Buildkite => reply(
                status,
                &json!({"message": format!("{reason}: something went wrong on our end")}),
            ),
            Service::GitLab => reply(status, &json!({"message": format!("{status} {reason}")})),
            Service::Storage => Response::builder()
                .status(status)
                .header("content-type", "application/xml")
                .body(format!("<Error><Code>{reason}</Code></Error>")),
        }
    }

    /// A 429, in the service's style.
    fn rate_limited(&self, after: Duration) -> Response {
        let seconds = after.as_secs_f64().ceil() as u64;
        match self.service {
            Service::GitLab => {
                let reset = chrono::Utc::now().timestamp() as u64 + seconds;
                Response::builder()
                    .status(429)
                    .header("content-type", "text/plain")
                    .header("retry-after", seconds.to_string())
                    .header("ratelimit-limit", "2000")
                    .header("ratelimit-remaining", "0")
                    .header("ratelimit-reset", reset.to_string())
                    .body("Retry later\n")
            }
            _ => with_header(
                with_header(
                    reply(
                        429,
                        &json!({"message": "You have exceeded your API rate limit. Please wait before making more requests."}),
                    ),
                    "ratelimit-remaining",
                    "0",
                ),
                "ratelimit-reset",
                &seconds.to_string(),
            ),
        }
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
pub(crate) fn reply(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// An answer with no body.
pub(crate) fn no_content() -> Response {
    Response::builder().status(204).build()
}

/// A redirect to `location`, with the URL repeated in a JSON body (as Buildkite does).
pub(crate) fn redirect(location: &str) -> Response {
    Response::builder()
        .status(302)
        .header("location", location)
        .header("content-type", "application/json")
        .body(json!({ "url": location }).to_string())
        .build()
}

/// Adds a header to an answer.
pub(crate) fn with_header(response: Response, name: &str, value: &str) -> Response {
    response.header(name, value)
}

/// Sets the fields of `patch` on the object `value`.
pub(crate) fn patch(mut value: Value, patch: Value) -> Value {
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

/// The page a list request asks for, cut out of `items`.
struct Slice<'a, 'c> {
    call: &'a Call<'c>,
    page: usize,
    per_page: usize,
    /// The last page (1 for an empty list).
    last: usize,
    body: Vec<Value>,
}

impl<'a, 'c> Slice<'a, 'c> {
    fn of(call: &'a Call<'c>, items: &[Value], default_per_page: usize) -> Self {
        let (page, per_page) = page_request(call, default_per_page);
        let body = items
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .cloned()
            .collect();
        Self {
            call,
            page,
            per_page,
            last: items.len().div_ceil(per_page).max(1),
            body,
        }
    }

    /// The `Link` header entry for page `n`.
    fn link(&self, rel: &str, n: usize) -> String {
        let url = self.call.url_with(&[
            ("page", n.to_string()),
            ("per_page", self.per_page.to_string()),
        ]);
        format!("<{url}>; rel=\"{rel}\"")
    }

    /// The page before and after this one, when there is one.
    fn prev(&self) -> Option<usize> {
        (self.page > 1).then(|| self.page - 1)
    }

    fn next(&self) -> Option<usize> {
        (self.page < self.last).then(|| self.page + 1)
    }
}

/// One page of `items`, the Buildkite way: a `Link` header with `first`, `prev`, `next` and
/// `last` (30 items a page unless `per_page` says otherwise).
pub(crate) fn buildkite_page(call: &Call, items: &[Value]) -> Response {
    let slice = Slice::of(call, items, 30);
    let mut links = Vec::new();
    if let Some(prev) = slice.prev() {
        links.push(slice.link("first", 1));
        links.push(slice.link("prev", prev));
    }
    if let Some(next) = slice.next() {
        links.push(slice.link("next", next));
        links.push(slice.link("last", slice.last));
    }
    let response = reply(200, &Value::Array(slice.body));
    if links.is_empty() {
        response
    } else {
        with_header(response, "link", &links.join(", "))
    }
}

/// One page of `items`, the GitLab way: `X-Page`, `X-Per-Page`, `X-Next-Page` (empty on the
/// last page), `X-Prev-Page`, `X-Total` and `X-Total-Pages` (up to 10,000 rows) and a `Link`
/// header (20 items a page unless `per_page` says otherwise).
pub(crate) fn gitlab_page(call: &Call, items: &[Value]) -> Response {
    let slice = Slice::of(call, items, 20);
    let mut links: Vec<String> = slice
        .prev()
        .map(|n| slice.link("prev", n))
        .into_iter()
        .collect();
    links.extend(slice.next().map(|n| slice.link("next", n)));
    links.push(slice.link("first", 1));
    // Without totals (above 10,000 rows) GitLab cannot name the last page either.
    if items.len() <= 10_000 {
        links.push(slice.link("last", slice.last));
    }
    let number = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
    let headers = [
        ("x-page", slice.page.to_string()),
        ("x-per-page", slice.per_page.to_string()),
        ("x-next-page", number(slice.next())),
        ("x-prev-page", number(slice.prev())),
        ("x-total", items.len().to_string()),
        ("x-total-pages", slice.last.to_string()),
        ("link", links.join(", ")),
    ];
    let mut response = reply(200, &Value::Array(slice.body));
    for (name, value) in headers {
        // GitLab leaves the totals out above 10,000 rows.
        if name.starts_with("x-total") && items.len() > 10_000 {
            continue;
        }
        response = with_header(response, name, &value);
    }
    response
}

/// An object in the fake object store.
#[derive(Clone)]
pub(crate) struct Object {
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub file_name: String,
}

/// The object store artifact downloads redirect to: it serves objects by key to requests with a
/// signature in the query, and refuses any that carry an `Authorization` header (as S3 does:
/// one way of authenticating at a time), so a token forwarded across the redirect would fail.
pub(crate) struct Storage {
    pub api: Api,
    objects: Arc<Mutex<HashMap<String, Object>>>,
}

impl Storage {
    pub async fn start() -> Self {
        let api = Api::start(
            Service::Storage,
            "",
            Arc::new(|_: &Call, _| None),
            Arc::new(|r| r),
        )
        .await;
        let objects: Arc<Mutex<HashMap<String, Object>>> = Arc::default();
        let store = objects.clone();
        api.open("GET", "/*key", move |call| {
            let xml = |status: u16, code: &str, message: &str| {
                Response::builder()
                    .status(status)
                    .header("content-type", "application/xml")
                    .body(format!(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>"
                    ))
            };
            if call.header("authorization").is_some() {
                return xml(400, "InvalidArgument", "Only one auth mechanism allowed");
            }
            if call.query("X-Amz-Signature").is_none() {
                return xml(403, "AccessDenied", "Request has expired or is not signed");
            }
            match store.lock().unwrap().get(call.param("key")) {
                Some(object) => Response::builder()
                    .header("content-type", object.content_type.as_str())
                    .header(
                        "content-disposition",
                        format!("attachment; filename=\"{}\"", object.file_name),
                    )
                    .body(object.bytes.clone()),
                None => xml(404, "NoSuchKey", "The specified key does not exist."),
            }
        })
        .await;
        Self { api, objects }
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
            self.api.base_url(),
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
pub(crate) fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A commit SHA made from a number (the same every run).
pub(crate) fn sha(seed: i64) -> String {
    let n = (seed as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
    format!("{n:032x}{:08x}", fnv(&seed.to_string()) as u32)
}

/// `len` bytes that look like compressed data (and are the same every run).
pub(crate) fn noise(len: usize, seed: u64) -> Vec<u8> {
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
pub(crate) fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
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
pub(crate) fn minutes_ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Whether `text` matches a glob where `*` matches anything.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
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
