//! # kitelab
//!
//! An async SDK for the [Buildkite REST API v2] and the [GitLab CI REST API v4]: typed models,
//! lists as lazy streams, streamed downloads, retries and rate limits, one matchable error type.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use kitelab::buildkite::BuildState;
//! use kitelab::{Buildkite, GitLab};
//!
//! # async fn run() -> kitelab::Result<()> {
//! // Buildkite: BUILDKITE_API_TOKEN
//! let bk = Buildkite::from_env()?;
//! let mut running = bk
//!     .pipeline("my-org", "my-pipeline")
//!     .builds()
//!     .state([BuildState::Running, BuildState::Scheduled])
//!     .stream();
//! while let Some(build) = running.try_next().await? {
//!     println!("#{} {}", build.number, build.state);
//! }
//! let build = bk
//!     .pipeline("my-org", "my-pipeline")
//!     .create_build("HEAD", "main")
//!     .message("Deploy")
//!     .clean_checkout(true)
//!     .send()
//!     .await?;
//!
//! // GitLab: CI_SERVER_URL or GITLAB_URL, and GITLAB_TOKEN or CI_JOB_TOKEN
//! let gl = GitLab::from_env()?;
//! let project = gl.project("group/subgroup/project");
//! let pipeline = project.create_pipeline("main").variable("DEPLOY_ZONE", "eu").send().await?;
//! let log = project.job(42).download_log().await?.text().await?;
//! # let _ = (build, pipeline, log);
//! # Ok(()) }
//! ```
//!
//! ## Authentication
//!
//! - Buildkite: an API access token, sent as `Authorization: Bearer` ([`Buildkite::new`];
//!   [`Buildkite::from_env`] reads `BUILDKITE_API_TOKEN`, and `BUILDKITE_REST_URL` for the
//!   base URL). The egress-IP list (`bk.meta()`) needs none, and a client's token is not sent
//!   with it.
//! - GitLab: a personal, project or group access token or an OAuth token, sent as
//!   `Authorization: Bearer`; a CI job token, sent as `JOB-TOKEN` ([`gitlab::Token`];
//!   [`GitLab::from_env`] reads `CI_SERVER_URL` or `GITLAB_URL`, then `GITLAB_TOKEN` or
//!   `CI_JOB_TOKEN`). Trigger tokens travel in the body of the trigger call only, which sends no
//!   other credential.
//! - Both services follow the same rules: `from_env` fails when no token is set, and a builder
//!   needs a token or `.anonymous()` ([`buildkite::BuildkiteBuilder::anonymous`],
//!   [`gitlab::GitLabBuilder::anonymous`]): a client without a token is always asked for.
//! - A token may only hold visible ASCII (`0x21` to `0x7E`); any other is refused when the
//!   client is built, with an error that names the position, never the token.
//! - A credential goes only to the client's own origin (scheme, host and port): a download that
//!   redirects to object storage or a CDN leaves it behind, whatever its kind. Tokens are
//!   [`Secret`]s: never in `Debug` output, errors or logs; the generated models' secrets (trigger
//!   tokens, CI/CD variable values, runner tokens) are [`api::SecretString`]s.
//!
//! ## Concepts
//!
//! - **Clients** ([`Buildkite`], [`GitLab`]) are cheap to clone and `Send + Sync`; build them from
//!   the environment or with a builder (base URL, token, timeouts, [`RetryPolicy`], page size).
//! - **Handles** per resource read like the domain (`bk.pipeline(org, slug).build(42)`,
//!   `gl.project("group/project").pipeline(7)`); their methods are the verbs. Operations with
//!   options are builders that end in `.send()`. Beyond builds, jobs, pipelines and their
//!   artifacts and logs: Buildkite agents, annotations, build schedules, clusters (queues,
//!   agent tokens, secrets), teams, members, invitations and the audit log; GitLab CI/CD
//!   variables (project, group, instance), schedules, trigger tokens, environments,
//!   deployments, runners, CI Lint, commit statuses, secure files, job token access, resource
//!   groups and merge request pipelines. `COVERAGE.md` maps every operation of both APIs to its
//!   method, and the rest are one call away on [`Buildkite::api`] and [`GitLab::api`], with the
//!   service's prelude in scope (`use kitelab::api::buildkite::prelude::*;`, or `gitlab`).
//! - **Lists** are [`List`]s: `.stream()` for items, `.pages()` for [`Page`]s with their headers,
//!   `.page(n)` for one page; see [`pagination`].
//! - **Downloads** (artifacts, logs, traces) are a [`Download`]: streamed, or written to a file
//!   atomically, keeping the mode of the file it replaces; see [`download`]. Every artifact of
//!   a Buildkite build goes into a directory with `build.save_artifacts(dir)`.
//! - **Errors** are one [`Error`]: see [`error`]. Tokens never appear in `Debug` output, errors or
//!   logs, and are never sent to another origin.
//! - **Retries**: see [`retry`].
//! - **Waiting** for a build or pipeline to finish: `.wait()`, see [`wait`].
//! - **Webhooks**: verify a Buildkite or GitLab webhook request (tokens, HMAC signatures with a
//!   replay window) from its headers and body, whatever the web framework, and read its event
//!   as a typed enum; see [`webhook`] (feature `webhooks`, on by default).
//! - The generated low-level clients are in [`kitelab_api`], re-exported as [`api`].
//!
//! ## Features
//!
//! `buildkite` and `gitlab` (the two clients), `rustls` (TLS) and `webhooks` are on by default.
//! TLS is chosen separately from the services: with `default-features = false`, name one of
//! `rustls` or `native-tls` (`features = ["gitlab", "rustls"]`). A client built for an https
//! base URL without either fails with [`Error::InvalidInput`] naming them, rather than on its
//! first call.
//!
//! Off by default, for the generated models in [`api`]: `builders` (`Type::builder()` for the
//! models a caller only reads, e.g. to make a response in a test; the models a caller sends
//! always have one) and `schemars` (`schemars::JsonSchema` on every model). Both cost compile
//! time that most users need not pay.
//!
//! [Buildkite REST API v2]: https://buildkite.com/docs/apis/rest-api
//! [GitLab CI REST API v4]: https://docs.gitlab.com/api/rest/

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod auth;
mod config;
pub mod download;
pub mod error;
pub mod pagination;
#[cfg(test)]
mod properties;
mod rate_limit;
pub mod retry;
#[doc = include_str!("../docs/shape.md")]
pub mod shape {}
mod transport;
mod upload;
pub mod wait;
#[cfg(feature = "webhooks")]
pub mod webhook;

#[cfg(feature = "buildkite")]
pub mod buildkite;
#[cfg(feature = "gitlab")]
pub mod gitlab;

pub use auth::Secret;
#[cfg(feature = "buildkite")]
pub use buildkite::Buildkite;
pub use download::Download;
pub use error::{Error, Operation, Result};
#[cfg(feature = "gitlab")]
pub use gitlab::GitLab;
pub use kitelab_api as api;
pub use kitelab_api::Timestamp;
pub use pagination::{Links, List, Page};
pub use rate_limit::RateLimitStatus;
pub use retry::RetryPolicy;
pub use wait::Wait;

/// A URL (as text) with credentials in its query redacted; unparsable text is not shown.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(url) => kitelab_api::redact_url(&url),
        Err(_) => "[unparsable URL]".to_owned(),
    }
}

/// Sends a generated operation and converts its error: the one way the handles call a
/// service. The operation comes from the builder's type, never from a name typed by hand.
pub(crate) async fn send<R: kitelab_api::Request>(
    request: R,
) -> Result<kitelab_api::ResponseValue<R::Output>> {
    let hooks = request.hooks().clone();
    match request.send().await {
        Ok(value) => Ok(value),
        Err(error) => Err(Error::from_generated::<R>(error, &hooks).await),
    }
}

/// Sends a generated operation whose answer is a byte stream, as a [`Download`].
pub(crate) async fn download<R>(request: R) -> Result<Download>
where
    R: kitelab_api::Request<Output = kitelab_api::ByteStream>,
{
    Ok(Download::new(R::OPERATION, send(request).await?))
}

/// Checks a value the caller must supply: a required text (a name, a cronline, a key in a body),
/// a segment of a hand-written upload's path, or a path value whose blank form a handle refuses
/// by name (a variable key, a ref, a commit SHA). An empty or blank one fails with
/// [`Error::InvalidInput`] saying "`what` is empty" before anything is sent. (Other path
/// parameters need no check here: the generated `send` refuses an empty, `.` or `..` one.)
pub(crate) fn segment<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    if value.trim().is_empty() {
        return Err(Error::invalid(format!("{what} is empty")));
    }
    Ok(value)
}

/// The README's examples, compiled as doctests so that they stay true. `README.md` in the crate
/// links to the workspace's, and is a plain file in the packaged crate.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
