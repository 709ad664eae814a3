//! What the examples share: a client and the identifiers to use it with, for the real service
//! when its token is set, else for a local mock server.
//!
//! - Buildkite: `BUILDKITE_API_TOKEN`, with `BUILDKITE_ORG` and `BUILDKITE_PIPELINE` (and
//!   `BUILDKITE_BRANCH`, default `main`).
//! - GitLab: `GITLAB_TOKEN`, with `GITLAB_PROJECT` (a path or an id), `GITLAB_URL` for a
//!   self-managed host (default gitlab.com), `GITLAB_GROUP` for group variables, `GITLAB_REF`
//!   (default `main`) and `GITLAB_ARTIFACT_PATH` (a file in the artifacts of a job).
//!
//! Against a real service the examples only read, unless `KITELAB_EXAMPLE_WRITE=1`: then they
//! also create, change and delete (builds, pipelines, trigger tokens, schedules, variables).
//!
//! Without a token the example runs against the fake servers of `kitelab-testkit`, which answer
//! with the docs' example responses and keep state. Nothing leaves the machine.

#![allow(dead_code)]

use std::time::Duration;

use kitelab::buildkite::BuildkiteBuilder;
use kitelab::gitlab::{GitLabBuilder, Token};
use kitelab::{Buildkite, Error, GitLab, Result};
use kitelab_testkit::{FakeBuildkite, FakeGitLab};
use serde_json::Value;

/// How long every call to a fake service takes (a nearby data centre).
const LATENCY: Duration = Duration::from_millis(20);

/// Set to `1` to let the examples write to a real service.
pub const WRITE_VAR: &str = "KITELAB_EXAMPLE_WRITE";

/// A Buildkite client and what to use it on.
pub struct BuildkiteExample {
    /// The client.
    pub bk: Buildkite,
    /// The organization slug.
    pub org: String,
    /// The pipeline slug.
    pub pipeline: String,
    /// The branch to build.
    pub branch: String,
    /// How often `wait()` polls: 5 s against Buildkite, a blink against the mock.
    pub poll: Duration,
    write: bool,
    base_url: Option<String>,
    token: String,
    mock: Option<&'static FakeBuildkite>,
}

impl BuildkiteExample {
    /// A builder with the same base URL and token as [`bk`](Self::bk), to configure another
    /// client (page size, retries, timeouts).
    pub fn builder(&self) -> BuildkiteBuilder {
        let builder = Buildkite::builder().token(self.token.clone());
        match &self.base_url {
            Some(url) => builder.base_url(url.clone()),
            None => builder,
        }
    }

    /// Whether the example may `do_what` (a write); says so when it may not.
    pub fn may(&self, do_what: &str) -> bool {
        if !self.write {
            println!("skipped {do_what} (set {WRITE_VAR}=1 to write to Buildkite)");
        }
        self.write
    }

    /// Whether this runs against the mock server.
    pub fn is_mock(&self) -> bool {
        self.mock.is_some()
    }
}

/// The Buildkite client of an example: the real Buildkite with `BUILDKITE_API_TOKEN` set, else
/// a mock; says which.
pub async fn buildkite() -> Result<BuildkiteExample> {
    let write = std::env::var(WRITE_VAR).is_ok_and(|v| v == "1");
    if let Some(token) = var(Buildkite::TOKEN_VAR) {
        let example = BuildkiteExample {
            bk: Buildkite::new(token.clone())?,
            org: required("BUILDKITE_ORG", Buildkite::TOKEN_VAR)?,
            pipeline: required("BUILDKITE_PIPELINE", Buildkite::TOKEN_VAR)?,
            branch: var("BUILDKITE_BRANCH").unwrap_or_else(|| "main".into()),
            poll: Duration::from_secs(5),
            write,
            base_url: None,
            token,
            mock: None,
        };
        println!(
            "== Buildkite (api.buildkite.com{})",
            if write { "" } else { ", read-only" }
        );
        return Ok(example);
    }
    // The fake lives as long as the example (which may keep only the client).
    let mock: &'static FakeBuildkite = Box::leak(Box::new(FakeBuildkite::start().await));
    mock.set_latency(LATENCY);
    let base_url = mock.url();
    println!(
        "== Buildkite (local fake server at {base_url}, artifact storage at {}; set {} to use the real one)",
        mock.storage_url(),
        Buildkite::TOKEN_VAR
    );
    Ok(BuildkiteExample {
        bk: mock.client(),
        org: mock.org().into(),
        pipeline: mock.pipeline().into(),
        branch: "main".into(),
        poll: Duration::from_millis(50),
        write: true,
        base_url: Some(base_url),
        token: mock.token().into(),
        mock: Some(mock),
    })
}

/// A GitLab client and what to use it on.
pub struct GitLabExample {
    /// The client.
    pub gl: GitLab,
    /// The project: a full path (`group/subgroup/project`) or a numeric id.
    pub project: String,
    /// The group for group-level examples, if one is set (`GITLAB_GROUP`).
    pub group: Option<String>,
    /// The branch or tag to run pipelines on.
    pub git_ref: String,
    /// A file in the artifacts of a job (`GITLAB_ARTIFACT_PATH`), if one is known.
    pub artifact_path: Option<String>,
    /// How often `wait()` and `follow()` poll: 3 s against GitLab, a blink against the mock.
    pub poll: Duration,
    write: bool,
    base_url: Option<String>,
    token: String,
    mock: Option<&'static FakeGitLab>,
}

impl GitLabExample {
    /// A builder with the same host and token as [`gl`](Self::gl), to configure another client.
    pub fn builder(&self) -> GitLabBuilder {
        let builder = GitLab::builder().token(Token::Personal(self.token.clone().into()));
        match &self.base_url {
            Some(url) => builder.base_url(url.clone()),
            None => builder,
        }
    }

    /// Whether the example may `do_what` (a write); says so when it may not.
    pub fn may(&self, do_what: &str) -> bool {
        if !self.write {
            println!("skipped {do_what} (set {WRITE_VAR}=1 to write to GitLab)");
        }
        self.write
    }

    /// Whether this runs against the mock server.
    pub fn is_mock(&self) -> bool {
        self.mock.is_some()
    }
}

/// The GitLab client of an example: the real GitLab with `GITLAB_TOKEN` set, else a mock; says
/// which.
pub async fn gitlab() -> Result<GitLabExample> {
    let write = std::env::var(WRITE_VAR).is_ok_and(|v| v == "1");
    if let Some(token) = var("GITLAB_TOKEN") {
        let base_url = var("CI_SERVER_URL").or_else(|| var("GITLAB_URL"));
        let mut builder = GitLab::builder().token(Token::Personal(token.clone().into()));
        if let Some(url) = &base_url {
            builder = builder.base_url(url.clone());
        }
        let example = GitLabExample {
            gl: builder.build()?,
            project: required("GITLAB_PROJECT", "GITLAB_TOKEN")?,
            group: var("GITLAB_GROUP"),
            git_ref: var("GITLAB_REF").unwrap_or_else(|| "main".into()),
            artifact_path: var("GITLAB_ARTIFACT_PATH"),
            poll: Duration::from_secs(3),
            write,
            base_url,
            token,
            mock: None,
        };
        println!(
            "== GitLab ({}{})",
            example.base_url.as_deref().unwrap_or("gitlab.com"),
            if write { "" } else { ", read-only" }
        );
        return Ok(example);
    }
    let mock: &'static FakeGitLab = Box::leak(Box::new(FakeGitLab::start().await));
    mock.set_latency(LATENCY);
    let base_url = mock.url();
    println!(
        "== GitLab (local fake server at {base_url}, artifact storage at {}; set GITLAB_TOKEN to use the real one)",
        mock.storage_url()
    );
    Ok(GitLabExample {
        gl: mock.client(),
        project: mock.project().into(),
        group: Some(mock.group().into()),
        git_ref: "main".into(),
        artifact_path: Some(kitelab_testkit::gitlab::ARTIFACT_PATH.into()),
        poll: Duration::from_millis(50),
        write: true,
        base_url: Some(base_url),
        token: kitelab_testkit::gitlab::TOKEN.into(),
        mock: Some(mock),
    })
}

/// The body of an example saved under `crates/kitelab/fixtures/<dir>/<name>.json` (the
/// webhook events), which the packaged crate carries.
pub fn fixture(dir: &str, name: &str) -> Value {
    let path = format!("{}/fixtures/{dir}/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let fixture: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    fixture["body"].clone()
}

/// A non-empty environment variable.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &str, with: &str) -> Result<String> {
    var(name).ok_or_else(|| Error::InvalidInput(format!("{name} is not set (needed with {with})")))
}

/// The last `n` lines of a text.
pub fn last_lines(text: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}
