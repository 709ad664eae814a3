//! Stateful fake Buildkite and GitLab servers, in-process, for testing code that uses
//! [kitelab](https://docs.rs/kitelab).
//!
//! [`FakeBuildkite`] and [`FakeGitLab`] are real HTTP servers (hyper, on `127.0.0.1` and an
//! ephemeral port) that behave like the services, not like a list of canned answers: they are
//! seeded from the docs' example bodies, a build or pipeline created through the API is listed
//! afterwards with the next number, and the test drives what the service would do on its own
//! (finish a build or a pipeline, grow a job's log, make a job playable). Each hands out a
//! ready [`kitelab`] client, records every request (secrets redacted) for the test to assert
//! on, and fails on demand ([`Fault`]: 5xx, 429 in the service's style, latency, a body that
//! stalls or is cut short, malformed JSON). Artifact downloads redirect to a separate object store that refuses
//! credentials, as S3 does.
//!
//! A test of a bot that retries the failed jobs of a build:
//!
//! ```
//! use kitelab::buildkite::BuildState;
//! use kitelab_testkit::FakeBuildkite;
//! use futures_util::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> kitelab::Result<()> {
//! let fake = FakeBuildkite::start().await;
//! let pipeline = fake.client().pipeline(fake.org(), fake.pipeline());
//! let build = pipeline.create_build("HEAD", "main").send().await?;
//! fake.finish_build(build.number, "failed");
//!
//! let failed: Vec<_> = pipeline.builds().state([BuildState::Failed]).stream().try_collect().await?;
//! assert_eq!(failed[0].number, build.number);
//! let retried = pipeline.build(build.number).retry_failed_jobs().send().await?;
//! assert_eq!(retried.retried_jobs_count, Some(1));
//! assert!(fake.requests().iter().any(|r| r.path.ends_with("/retry_failed_jobs")));
//! # Ok(()) }
//! ```
//!
//! The fakes need a Tokio runtime (`#[tokio::test]`); each stops when it is dropped.
//!
//! `examples/ci-bot` in the repository is a downstream crate tested this way end to end.
//!
//! Two servers in the kitelab repository stay outside the testkit, on purpose: the
//! benchmark's (`bench/src/server.rs`), which serves pre-rendered pages with no state, locks or
//! JSON work per request, so that it measures the client and not itself; and the end-to-end
//! tests' raw TCP script (`tests/support`), which writes what no HTTP server would (a dropped
//! connection, a malformed head) to test the client's transport errors. Wire-level tests (the
//! exact request a method sends) use httpmock.

#![deny(missing_docs)]

pub mod buildkite;
mod fixtures;
pub mod gitlab;
mod server;

pub use buildkite::FakeBuildkite;
pub use gitlab::FakeGitLab;
pub use server::{Fault, Request};
