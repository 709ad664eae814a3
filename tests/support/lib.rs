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
    out.sort_by(|a, b| a.0.cmp(&b.0));
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
