//! Shared helpers of the end-to-end tests: clients pointed at httpmock servers, and fixtures.

use std::time::Duration;

use httpmock::MockServer;
use kitelab::gitlab::Token;
use kitelab::{Buildkite, GitLab, RetryPolicy};

/// The Buildkite token the tests use; asserted on the wire, and never anywhere else.
pub const BK_TOKEN: &str = "bkua_test_token_0123456789";
/// The GitLab personal access token the tests use.
pub const GL_TOKEN: &str = "glpat-test-token-0123456789";
/// The CI job token the tests use.
pub const JOB_TOKEN: &str = "glcbt-test-job-token-0123";

/// Retries that never sleep long, so failure-path tests stay fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

/// A Buildkite client for `server`.
pub fn buildkite(server: &MockServer) -> Buildkite {
    Buildkite::builder()
        .base_url(server.base_url())
        .token(BK_TOKEN)
        .retry(fast_retries())
        .build()
        .expect("client")
}

/// A GitLab client for `server` with a personal access token.
pub fn gitlab(server: &MockServer) -> GitLab {
    gitlab_with(server, Token::Personal(GL_TOKEN.into()))
}

/// A GitLab client for `server` with the given token.
pub fn gitlab_with(server: &MockServer, token: Token) -> GitLab {
    GitLab::builder()
        .base_url(server.base_url())
        .token(token)
        .retry(fast_retries())
        .build()
        .expect("client")
}

/// A docs example response saved under `tests/fixtures/<service>/`.
#[derive(Debug, serde::Deserialize)]
pub struct Fixture {
    /// The operationId it is an example of.
    pub operation: String,
    /// Where in the docs it comes from.
    pub source: String,
    /// What was changed to make the docs' JSON valid, if anything.
    pub fixes: Option<String>,
    /// The example body.
    pub body: serde_json::Value,
}

/// Every fixture of a service, with its file name.
pub fn fixtures(service: &str) -> Vec<(String, Fixture)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(service);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let fixture: Fixture =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            fixture,
        ));
    }
    // `getBuild.json` before `getBuild.2.json`: by operation, then by the number in the name.
    out.sort_by_key(|(name, _)| {
        let stem = name.trim_end_matches(".json");
        match stem.rsplit_once('.') {
            Some((op, n)) if n.parse::<u32>().is_ok() => {
                (op.to_owned(), n.parse::<u32>().unwrap_or(0))
            }
            _ => (stem.to_owned(), 1),
        }
    });
    out
}

/// The body of the first fixture of `operation`.
pub fn fixture_body(service: &str, operation: &str) -> serde_json::Value {
    fixtures(service)
        .into_iter()
        .find(|(_, f)| f.operation == operation)
        .unwrap_or_else(|| panic!("no {service} fixture for {operation}"))
        .1
        .body
}

/// The one-line mock of a route: `operation` answered from its first fixture, with its first
/// success status, on the exact (percent-encoded) `path` and its method. Checks nothing else of
/// the request; add `when` conditions with [`MockServer::mock_async`] where a test needs them.
///
/// ```ignore
/// let get = mock_fixture(&server, &gitlab::operations::GET_JOB, "/api/v4/projects/1/jobs/5").await;
/// ```
pub async fn mock_fixture<'a>(
    server: &'a MockServer,
    operation: &kitelab::Operation,
    path: &str,
) -> httpmock::Mock<'a> {
    let service = match operation.service {
        kitelab_api::Service::Buildkite => "buildkite",
        _ => "gitlab",
    };
    let body = fixture_body(service, operation.id);
    let method = httpmock::Method::from(operation.method);
    let status = operation.success.first().copied().unwrap_or(200);
    let path = path.to_owned();
    server
        .mock_async(move |when, then| {
            when.method(method)
                .is_true(move |req: &httpmock::HttpMockRequest| req.uri().path() == path);
            then.status(status)
                .header("content-type", "application/json")
                .json_body(body);
        })
        .await
}

/// A raw TCP server on loopback that misbehaves on purpose (drops connections, stalls, cuts
/// bodies short), for the failure paths httpmock cannot produce. Every accepted connection runs
/// `script` once; the returned counter counts connections.
pub mod raw {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// What the server does with each connection.
    #[derive(Clone, Debug)]
    pub enum Script {
        /// Close the connection without answering.
        Drop,
        /// Send `head` (status line and headers, ending in a blank line), then each chunk after
        /// its delay, then close.
        Send {
            /// The status line and headers, `\r\n`-separated, ending with `\r\n\r\n`.
            head: String,
            /// (delay before, bytes) pairs.
            chunks: Vec<(Duration, Vec<u8>)>,
        },
    }

    /// A running raw server.
    pub struct RawServer {
        /// `http://127.0.0.1:PORT`.
        pub url: String,
        /// Connections accepted so far.
        pub connections: Arc<AtomicUsize>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for RawServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    /// Starts a server running `script` for every connection.
    pub async fn serve(script: Script) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(run(socket, script.clone()));
            }
        });
        RawServer {
            url,
            connections,
            task,
        }
    }

    async fn run(mut socket: TcpStream, script: Script) {
        // Read the request head before answering, as a server would.
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        match script {
            Script::Drop => {}
            Script::Send { head, chunks } => {
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for (delay, bytes) in chunks {
                    tokio::time::sleep(delay).await;
                    if socket.write_all(&bytes).await.is_err() {
                        return;
                    }
                    let _ = socket.flush().await;
                }
            }
        }
        let _ = socket.shutdown().await;
    }
}

/// Docs-example conformance: each fixture decodes through the generated type of its operation,
/// read from the spec.
pub mod conformance {
    use serde_json::Value;

    use crate::fixtures;

    /// The response schema of `operation` in `spec`: (schema name, whether it is an array).
    /// `None` when the operation answers with no JSON body.
    pub fn response_schema(spec: &Value, operation: &str) -> Option<(String, bool)> {
        for item in spec["paths"].as_object().expect("paths").values() {
            for op in item.as_object().expect("path item").values() {
                if op.get("operationId").and_then(Value::as_str) != Some(operation) {
                    continue;
                }
                let responses = op["responses"].as_object().expect("responses");
                let (_, success) = responses
                    .iter()
                    .find(|(status, _)| status.starts_with('2'))
                    .expect("a 2xx response");
                let schema = success.pointer("/content/application~1json/schema")?;
                let (reference, array) = match schema.get("items") {
                    Some(items) => (items["$ref"].as_str(), true),
                    None => (schema["$ref"].as_str(), false),
                };
                let name = reference
                    .expect("a $ref schema")
                    .rsplit('/')
                    .next()
                    .expect("a name");
                return Some((name.to_owned(), array));
            }
        }
        panic!("no operation {operation} in the spec")
    }

    pub fn spec(service: &str) -> Value {
        let path = format!("{}/../spec/{service}.yaml", env!("CARGO_MANIFEST_DIR"));
        let yaml: serde_norway::Value =
            serde_norway::from_str(&std::fs::read_to_string(&path).expect("spec")).expect("YAML");
        // Through text, so that any YAML scalar key (`200:`) becomes a JSON string key.
        serde_json::to_value(&yaml).expect("spec as JSON")
    }

    /// Decodes `body` as `T` (or `Vec<T>`), reporting the JSON path of a failure.
    pub fn decode<T: serde::de::DeserializeOwned>(body: &Value, array: bool) -> Result<(), String> {
        let text = body.to_string();
        let result = if array {
            serde_json::from_str::<Vec<T>>(&text).map(drop)
        } else {
            serde_json::from_str::<T>(&text).map(drop)
        };
        result.map_err(|e| e.to_string())
    }

    pub fn check(service: &str, decode: impl Fn(&str, &Value, bool) -> Result<(), String>) {
        let spec = spec(service);
        let fixtures = fixtures(service);
        assert!(
            fixtures.len() >= 20,
            "{service}: only {} fixtures",
            fixtures.len()
        );
        let mut failures = Vec::new();
        let mut decoded = 0;
        for (file, fixture) in &fixtures {
            assert!(!fixture.source.is_empty(), "{file}: no source");
            match response_schema(&spec, &fixture.operation) {
                Some((schema, array)) => match decode(&schema, &fixture.body, array) {
                    Ok(()) => decoded += 1,
                    Err(e) => failures.push(format!(
                        "{file} ({} as {schema}{}): {e}",
                        fixture.operation,
                        if array { "[]" } else { "" }
                    )),
                },
                // An operation with no JSON body: its fixture records why the docs show one.
                None => assert!(
                    fixture.body.is_null() && fixture.fixes.is_some(),
                    "{file}: {} answers no JSON body, but the fixture has one and says nothing of it",
                    fixture.operation
                ),
            }
        }
        assert!(
            failures.is_empty(),
            "{service}: {} of {} fixtures do not decode:\n{}",
            failures.len(),
            fixtures.len(),
            failures.join("\n")
        );
        assert!(decoded >= 20, "{service}: only {decoded} fixtures decoded");
    }

    /// The response schemas of `spec`'s operations (the types its generated client decodes).
    pub fn response_schemas(spec: &Value) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        for item in spec["paths"].as_object().expect("paths").values() {
            for op in item.as_object().expect("path item").values() {
                if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                    if let Some((name, _)) = response_schema(spec, id) {
                        names.insert(name);
                    }
                }
            }
        }
        names
    }

    /// The sparsest instance `schema` allows: every optional field absent, every nullable
    /// value null, every required value the smallest of its type (an empty array or map, the
    /// first value of an enum).
    pub fn sparsest(spec: &Value, schema: &Value) -> Value {
        if let Some(name) = schema.get("$ref").and_then(Value::as_str) {
            let pointer = name.strip_prefix('#').expect("a local $ref");
            return sparsest(spec, spec.pointer(pointer).expect("the $ref target"));
        }
        if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
            return Value::Null;
        }
        for combined in ["allOf", "oneOf", "anyOf"] {
            if let Some(first) = schema.get(combined).and_then(|v| v.get(0)) {
                return sparsest(spec, first);
            }
        }
        if let Some(first) = schema.get("enum").and_then(|v| v.get(0)) {
            return first.clone();
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => {
                let mut object = serde_json::Map::new();
                for field in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    let property = &schema["properties"][field];
                    object.insert(field.to_owned(), sparsest(spec, property));
                }
                Value::Object(object)
            }
            Some("array") => Value::Array(Vec::new()),
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => "2024-01-01T00:00:00Z".into(),
                Some("uuid") => "00000000-0000-0000-0000-000000000000".into(),
                _ => "".into(),
            },
            Some("integer") => 0.into(),
            Some("number") => 0.5.into(),
            Some("boolean") => false.into(),
            _ => Value::Null,
        }
    }

    /// A decoder for a service's schemas: `decoder!(buildkite: Build, Job, ...)`.
    #[macro_export]
    macro_rules! decoder {
        ($module:ident: $($name:ident),* $(,)?) => {
            |schema: &str, body: &serde_json::Value, array: bool| -> Result<(), String> {
                match schema {
                    $( stringify!($name) => $crate::conformance::decode::<kitelab_api::$module::types::$name>(body, array), )*
                    other => Err(format!("the test has no decoder for schema {other}: add it to the decoder! list")),
                }
            }
        };
    }
}

/// Serializes the tests that set environment variables (`from_env`): they share one process.
/// Hold the guard only while setting variables and building clients, never across an await.
pub fn env_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
