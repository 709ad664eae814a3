//! A webhook receiver: a small hyper server that verifies Buildkite and GitLab webhook
//! requests, reads their events, and reacts through kitelab. When `build.finished` reports a
//! failed build, it fetches the build's failed jobs and the tail of their logs.
//!
//! With no arguments it tests itself, offline: it starts the receiver on `127.0.0.1:0` and a
//! local mock Buildkite API, posts itself a signed `build.finished` for a failed build, checks
//! that it fetched the failed job's log tail, checks that tampered, wrongly signed, replayed,
//! oversized and unauthenticated requests are refused and that a GitLab pipeline event and an
//! unknown event are accepted, prints a summary and exits 0.
//!
//! ```text
//! cargo run -p kitelab --example webhook_receiver
//! ```
//!
//! With `serve [ADDRESS]` it serves for real (default `127.0.0.1:8080`): `POST /buildkite` and
//! `POST /gitlab`. It needs `BUILDKITE_WEBHOOK_TOKEN` (the Webhook Notification service's
//! token; set the service to sign with it), `GITLAB_WEBHOOK_TOKEN` for GitLab, and
//! `BUILDKITE_API_TOKEN` to fetch logs. Try it with curl, signing as Buildkite does (HMAC-SHA256
//! of `timestamp.body`, hex):
//!
//! ```text
//! export BUILDKITE_WEBHOOK_TOKEN=s3cret
//! cargo run -p kitelab --example webhook_receiver -- serve &
//! body='{"event":"ping","service":{"id":"49801950-1df0-474f-bb56-ad6a930c5cb9"}}'
//! ts=$(date +%s)
//! sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$BUILDKITE_WEBHOOK_TOKEN" -r | cut -d' ' -f1)
//! curl -i http://127.0.0.1:8080/buildkite \
//!   -H 'X-Buildkite-Event: ping' \
//!   -H "X-Buildkite-Signature: timestamp=$ts,signature=$sig" \
//!   --data "$body"
//! ```
//!
//! Change one byte of `$body` after signing, or wait five minutes and resend, and the answer is
//! `401` with the reason.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use kitelab::api::buildkite::types::{BuildState, JobState};
use kitelab::webhook::{self, buildkite, gitlab};
use kitelab::Buildkite;
use serde_json::json;
use tokio::net::TcpListener;

/// The largest body the server reads (and the verifiers accept): 1 MiB is plenty for CI events.
const MAX_BODY: usize = 1024 * 1024;

/// How much of a failed job's log to fetch.
const LOG_TAIL_BYTES: u64 = 2048;

/// What the receiver needs to verify requests and react to them.
struct Receiver {
    buildkite: buildkite::Verifier,
    gitlab: Option<gitlab::Verifier>,
    bk: Buildkite,
    /// What it did, one line per reaction (the self-test reads it).
    reactions: Mutex<Vec<String>>,
}

impl Receiver {
    /// Routes one request; every answer is plain text.
    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        // Read at most MAX_BODY + 1 bytes, so that the verifier can say the body is too large.
        let body = match Limited::new(body, MAX_BODY + 1).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return reply(StatusCode::PAYLOAD_TOO_LARGE, "body too large".into()),
        };
        let outcome = match (&parts.method, parts.uri.path()) {
            (&Method::POST, "/buildkite") => self.on_buildkite(&parts.headers, &body).await,
            (&Method::POST, "/gitlab") => self.on_gitlab(&parts.headers, &body),
            _ => return reply(StatusCode::NOT_FOUND, "POST /buildkite or /gitlab\n".into()),
        };
        match outcome {
            Ok(text) => reply(StatusCode::OK, text),
            Err(Refused::Webhook(e)) => {
                let status = match &e {
                    e if e.is_unauthorized() => StatusCode::UNAUTHORIZED,
                    webhook::Error::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    _ => StatusCode::BAD_REQUEST,
                };
                eprintln!("refused: {e}");
                reply(status, format!("{e}\n"))
            }
            Err(Refused::Reaction(e)) => {
                eprintln!("reaction failed: {e}");
                reply(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n"))
            }
        }
    }

    async fn on_buildkite(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
    ) -> Result<String, Refused> {
        let event = self.buildkite.receive(headers, body)?;
        match &event {
            buildkite::Event::BuildFinished(e) if e.build.state == BuildState::Failed => {
                let lines = self.fetch_failed_logs(&e.build).await?;
                let mut reactions = self.reactions.lock().unwrap();
                reactions.extend(lines.iter().cloned());
                Ok(format!("{}\n", lines.join("\n")))
            }
            buildkite::Event::Unknown { name, .. } => Ok(format!("ignored unknown event {name}\n")),
            other => {
                let build = other.build().map(|b| format!(" #{} {}", b.number, b.state));
                Ok(format!("{}{}\n", other.name(), build.unwrap_or_default()))
            }
        }
    }

    fn on_gitlab(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<String, Refused> {
        let Some(verifier) = &self.gitlab else {
            return Ok("GitLab webhooks are not configured (GITLAB_WEBHOOK_TOKEN)\n".into());
        };
        let received = verifier.receive(headers, body)?;
        // A real receiver would drop a delivery whose Idempotency-Key it has already handled.
        let key = received.delivery.idempotency_key.as_deref().unwrap_or("-");
        let text = match &received.event {
            gitlab::Event::Pipeline(p) => {
                let failed: Vec<&str> = p
                    .builds
                    .iter()
                    .flatten()
                    .filter(|job| {
                        job.status == Some(kitelab::api::gitlab::types::JobStatus::Failed)
                    })
                    .filter_map(|job| job.name.as_deref())
                    .collect();
                format!(
                    "pipeline {} {} (failed jobs: {})",
                    p.object_attributes.id,
                    p.object_attributes
                        .status
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    if failed.is_empty() {
                        "none".into()
                    } else {
                        failed.join(", ")
                    }
                )
            }
            other => other.name().to_owned(),
        };
        self.reactions
            .lock()
            .unwrap()
            .push(format!("gitlab {text}"));
        Ok(format!("{text} (delivery {key})\n"))
    }

    /// The failed jobs of a build (the webhook's build carries none, so the build is fetched)
    /// and the tail of each one's log.
    async fn fetch_failed_logs(
        &self,
        build: &kitelab::api::buildkite::types::Build,
    ) -> kitelab::Result<Vec<String>> {
        let (org, pipeline) = org_and_pipeline(&build.url).ok_or_else(|| {
            kitelab::Error::InvalidInput(format!("unexpected build URL {}", build.url))
        })?;
        let handle = self.bk.pipeline(org, pipeline).build(build.number);
        let full = handle.get().await?;
        let mut lines = Vec::new();
        for job in full
            .jobs
            .iter()
            .filter(|j| j.state == Some(JobState::Failed))
        {
            let tail = handle
                .job(&job.id)
                .download_log_tail(LOG_TAIL_BYTES)
                .await?
                .text()
                .await?;
            let name = job
                .name
                .as_deref()
                .or(job.label.as_deref())
                .unwrap_or(&job.id);
            lines.push(format!(
                "build #{} failed: job {name}, log tail:\n{}",
                build.number,
                common::last_lines(&tail, 3).join("\n")
            ));
        }
        if lines.is_empty() {
            lines.push(format!("build #{} failed, no failed job", build.number));
        }
        Ok(lines)
    }
}

/// Why a request got no `200`.
enum Refused {
    Webhook(webhook::Error),
    Reaction(kitelab::Error),
}

impl From<webhook::Error> for Refused {
    fn from(e: webhook::Error) -> Self {
        Refused::Webhook(e)
    }
}

impl From<kitelab::Error> for Refused {
    fn from(e: kitelab::Error) -> Self {
        Refused::Reaction(e)
    }
}

fn reply(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text)));
    *response.status_mut() = status;
    response
}

/// The organization and pipeline slugs in a build's API URL
/// (`…/organizations/{org}/pipelines/{pipeline}/builds/{number}`).
fn org_and_pipeline(url: &str) -> Option<(String, String)> {
    let path = url::Url::parse(url).ok()?;
    let segments: Vec<&str> = path.path_segments()?.collect();
    let org = segments.iter().position(|s| *s == "organizations")?;
    match &segments[org..] {
        ["organizations", org, "pipelines", pipeline, ..] => {
            Some(((*org).to_owned(), (*pipeline).to_owned()))
        }
        _ => None,
    }
}

/// Serves the receiver on `listener` until the process ends.
async fn serve(listener: TcpListener, receiver: Arc<Receiver>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let receiver = Arc::clone(&receiver);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let receiver = Arc::clone(&receiver);
                async move { Ok::<_, Infallible>(receiver.handle(request).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection: {e}");
            }
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => self_test().await,
        Some("serve") => {
            let address: SocketAddr = args
                .get(1)
                .map(String::as_str)
                .unwrap_or("127.0.0.1:8080")
                .parse()?;
            let secret = std::env::var("BUILDKITE_WEBHOOK_TOKEN")
                .map_err(|_| "BUILDKITE_WEBHOOK_TOKEN is not set")?;
            let receiver = Arc::new(Receiver {
                buildkite: buildkite::Verifier::new(secret).max_body_size(MAX_BODY),
                gitlab: std::env::var("GITLAB_WEBHOOK_TOKEN")
                    .ok()
                    .map(|t| gitlab::Verifier::new(t).max_body_size(MAX_BODY)),
                bk: Buildkite::from_env()?,
                reactions: Mutex::new(Vec::new()),
            });
            let listener = TcpListener::bind(address).await?;
            println!("listening on http://{}", listener.local_addr()?);
            serve(listener, receiver).await;
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown argument {other:?}: run with no argument, or `serve [ADDRESS]`"
        )
        .into()),
    }
}

/// The offline self-test: the receiver, a fake Buildkite, and requests it sends itself.
async fn self_test() -> Result<(), Box<dyn std::error::Error>> {
    const SECRET: &str = "self-test-webhook-token";
    const GITLAB_SECRET: &str = "self-test-gitlab-token";
    let mock = kitelab_testkit::FakeBuildkite::start().await;
    let bk = mock.client();
    let receiver = Arc::new(Receiver {
        buildkite: buildkite::Verifier::new(SECRET)
            .require_signature()
            .max_body_size(MAX_BODY),
        gitlab: Some(gitlab::Verifier::new(GITLAB_SECRET).max_body_size(MAX_BODY)),
        bk,
        reactions: Mutex::new(Vec::new()),
    });
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener, Arc::clone(&receiver)));
    println!("receiver at {base}, fake Buildkite at {}", mock.url());

    // Build 27 of the mock pipeline failed: its RSpec job did.
    let number = 27;
    let mut event = common::fixture("webhooks/buildkite", "build.finished");
    event["build"]["number"] = json!(number);
    event["build"]["state"] = json!("failed");
    event["build"]["url"] = json!(format!(
        "https://api.buildkite.com/v2/organizations/{}/pipelines/{}/builds/{number}",
        mock.org(),
        mock.pipeline()
    ));
    let body = serde_json::to_vec(&event)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let http = kitelab::api::reqwest_builder().build()?;
    let post = |path: &str, headers: Vec<(&str, String)>, body: Vec<u8>| {
        let mut request = http.post(format!("{base}{path}")).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        async move {
            let response = request.send().await?;
            let status = response.status().as_u16();
            Ok::<_, reqwest::Error>((status, response.text().await?))
        }
    };
    let signed = |timestamp: i64, body: &[u8], event: &str| {
        vec![
            ("X-Buildkite-Event", event.to_owned()),
            (
                "X-Buildkite-Signature",
                buildkite::signature_header(SECRET, timestamp, body),
            ),
        ]
    };

    let mut checks = Vec::new();
    let mut check = |what: &str, ok: bool, detail: &str| {
        println!(
            "{} {what}{}",
            if ok { "ok  " } else { "FAIL" },
            if ok {
                String::new()
            } else {
                format!(": {detail}")
            }
        );
        checks.push(ok);
    };

    // The reaction: a failed build's failed job's log tail, fetched through kitelab.
    let (status, text) = post(
        "/buildkite",
        signed(now, &body, "build.finished"),
        body.clone(),
    )
    .await?;
    let reacted = receiver
        .reactions
        .lock()
        .unwrap()
        .iter()
        .any(|r| r.contains(&format!("build #{number} failed: job RSpec")));
    check(
        "signed build.finished (failed): log tail fetched",
        status == 200 && reacted,
        &text,
    );
    println!(
        "{}",
        text.trim_end()
            .lines()
            .map(|l| format!("     | {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // Refusals.
    let mut tampered = body.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    let (status, text) = post("/buildkite", signed(now, &body, "build.finished"), tampered).await?;
    check(
        "tampered body refused (401)",
        status == 401 && text.contains("signature"),
        &text,
    );

    let wrong = vec![
        ("X-Buildkite-Event", "build.finished".to_owned()),
        (
            "X-Buildkite-Signature",
            buildkite::signature_header("not-the-secret", now, &body),
        ),
    ];
    let (status, text) = post("/buildkite", wrong, body.clone()).await?;
    check("wrong secret refused (401)", status == 401, &text);

    let (status, text) = post(
        "/buildkite",
        signed(now - 600, &body, "build.finished"),
        body.clone(),
    )
    .await?;
    check(
        "replayed request refused (401)",
        status == 401 && text.contains("replay window"),
        &text,
    );

    let (status, text) = post(
        "/buildkite",
        signed(now + 600, &body, "build.finished"),
        body.clone(),
    )
    .await?;
    check(
        "future timestamp refused (401)",
        status == 401 && text.contains("future"),
        &text,
    );

    let token_only = vec![
        ("X-Buildkite-Event", "build.finished".to_owned()),
        ("X-Buildkite-Token", SECRET.to_owned()),
    ];
    let (status, text) = post("/buildkite", token_only, body.clone()).await?;
    check("unsigned request refused (401)", status == 401, &text);

    let big = vec![b' '; MAX_BODY + 1];
    let (status, text) = post("/buildkite", signed(now, &big, "ping"), big).await?;
    check("oversized body refused (413)", status == 413, &text);

    let unknown = br#"{"event":"build.teleported"}"#.to_vec();
    let (status, text) = post(
        "/buildkite",
        signed(now, &unknown, "build.teleported"),
        unknown,
    )
    .await?;
    check(
        "unknown event accepted and ignored",
        status == 200 && text.contains("ignored"),
        &text,
    );

    // GitLab: the docs' pipeline event, with its token and delivery identifiers.
    let pipeline = serde_json::to_vec(&common::fixture("webhooks/gitlab", "pipeline"))?;
    let gitlab_headers = |token: &str| {
        vec![
            ("X-Gitlab-Event", "Pipeline Hook".to_owned()),
            ("X-Gitlab-Token", token.to_owned()),
            (
                "Idempotency-Key",
                "a5461c4d-9c7f-4af9-add6-cddebe3c426f".to_owned(),
            ),
        ]
    };
    let (status, text) = post("/gitlab", gitlab_headers(GITLAB_SECRET), pipeline.clone()).await?;
    check(
        "GitLab pipeline event accepted",
        status == 200 && text.contains("failed jobs: test-build") && text.contains("a5461c4d"),
        &text,
    );
    let (status, text) = post("/gitlab", gitlab_headers("guess"), pipeline).await?;
    check("GitLab wrong token refused (401)", status == 401, &text);

    let passed = checks.iter().filter(|ok| **ok).count();
    println!(
        "webhook receiver self-test: {passed}/{} checks passed",
        checks.len()
    );
    if passed == checks.len() {
        Ok(())
    } else {
        Err("the webhook receiver self-test failed".into())
    }
}
