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
