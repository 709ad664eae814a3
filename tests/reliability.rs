//! Reliability and security, end to end: credentials never leave their origin, redirects never
//! replay a write, retries and rate limits, timeouts, no partial files, bad responses, and bad
//! input. Each test fails when the behaviour it names is removed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::gitlab::Token;
use kitelab::{Buildkite, Error, GitLab, RetryPolicy};
use kitelab_tests::raw::{serve, Script};
use kitelab_tests::{fast_retries, fixture_body, BK_TOKEN, GL_TOKEN, JOB_TOKEN};
use serde_json::json;

const PROJECT: &str = "/api/v4/projects/group%2Fproject";

fn gitlab_at(url: &str, token: Token, retry: RetryPolicy) -> GitLab {
    GitLab::builder()
        .base_url(url)
        .token(token)
        .retry(retry)
        .build()
        .unwrap()
}

fn path_is(path: String) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    move |req| req.uri().path() == path
}

#[tokio::test]
async fn no_token_of_any_kind_follows_a_download_to_another_origin() {
    let api = MockServer::start_async().await;
    let storage = MockServer::start_async().await;
    let signed = format!("{}/bucket/file?sig=1", storage.base_url());
    // Same host, another port: another origin.
    assert_ne!(api.port(), storage.port());
    api.mock_async(|when, then| {
        when.method(GET)
            .is_true(path_is(format!("{PROJECT}/jobs/1/artifacts")));
        then.status(302).header("location", signed.as_str());
    })
    .await;
    api.mock_async(|when, then| {
        when.method(GET)
            .path("/organizations/o/pipelines/p/builds/1/jobs/j/artifacts/a/download");
        then.status(302).header("location", signed.as_str());
    })
    .await;
    let clean = storage
        .mock_async(|when, then| {
            when.method(GET)
                .path("/bucket/file")
                .header_missing("authorization")
                .header_missing("private-token")
                .header_missing("job-token");
            then.status(200)
                .header("content-type", "application/zip")
                .body("zip");
        })
        .await;
    let kinds = [
        Token::Personal(GL_TOKEN.into()),
        Token::OAuth("oauth-access-token-0123".into()),
        Token::Job(JOB_TOKEN.into()),
    ];
    for token in kinds {
        let gl = gitlab_at(&api.base_url(), token, RetryPolicy::none());
        let body = gl
            .project("group/project")
            .job(1)
            .download_artifacts()
            .await
            .expect("followed")
            .bytes()
            .await
            .expect("body");
        assert_eq!(&body[..], b"zip");
    }
    let bk = Buildkite::builder()
        .base_url(api.base_url())
        .token(BK_TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    bk.pipeline("o", "p")
        .build(1)
        .artifact("j", "a")
        .download()
        .await
        .expect("followed")
        .bytes()
        .await
        .expect("body");
    assert_eq!(
        clean.calls_async().await,
        4,
        "a credential reached the other origin"
    );
}

#[tokio::test]
async fn a_redirect_answering_a_put_or_delete_is_an_error_and_not_replayed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/organizations/o/pipelines/p/builds/1/cancel");
            then.status(302).header("location", "/elsewhere");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(DELETE).path("/organizations/o/pipelines/p");
            then.status(307).header("location", "/elsewhere");
        })
        .await;
    let elsewhere = server
        .mock_async(|when, then| {
            when.path("/elsewhere");
            then.status(200);
        })
        .await;
    let bk = kitelab_tests::buildkite(&server);
    let err = bk.pipeline("o", "p").build(1).cancel().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302), "{err}");
    let err = bk.pipeline("o", "p").delete().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307), "{err}");
    assert_eq!(elsewhere.calls_async().await, 0);
}

/// The first `n` requests matching get `first`, later ones fall through to the next mock.
fn first_n(n: usize) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    let seen = Arc::new(AtomicUsize::new(0));
    move |_| seen.fetch_add(1, Ordering::SeqCst) < n
}

#[tokio::test]
async fn gitlab_s_plain_text_429_is_retried_after_retry_after_even_for_a_post() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(path_is(format!("{PROJECT}/pipeline")))
                .is_true(first_n(1));
            then.status(429)
                .header("content-type", "text/plain")
                .header("retry-after", "0")
                .body("Retry later\n");
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(path_is(format!("{PROJECT}/pipeline")));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createPipeline"));
        })
        .await;
    let gl = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        fast_retries(),
    );
    gl.project("group/project")
        .create_pipeline("main")
        .send()
        .await
        .expect("retried");
    assert_eq!(
        (limited.calls_async().await, ok.calls_async().await),
        (1, 1)
    );
}

#[tokio::test]
async fn a_429_asking_for_longer_than_the_longest_wait_fails_at_once() {
    let server = MockServer::start_async().await;
    let limited = server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(429)
                .header("content-type", "text/plain")
                .header("retry-after", "3600")
                .body("Retry later");
        })
        .await;
    let gl = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        fast_retries().max_wait(Duration::from_secs(60)),
    );
    let err = gl
        .project("group/project")
        .pipeline(1)
        .get()
        .await
        .unwrap_err();
    let Error::RateLimited(limit) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(limit.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(limit.message(), "Retry later");
    assert_eq!(limited.calls_async().await, 1);
}

#[tokio::test]
async fn attempts_are_bounded_and_a_post_is_never_retried_on_a_5xx() {
    let server = MockServer::start_async().await;
    let down = server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(503).body("down");
        })
        .await;
    let post = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(502).body("bad gateway");
        })
        .await;
    let gl = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        fast_retries().max_attempts(3),
    );
    let err = gl
        .project("group/project")
        .pipeline(1)
        .get()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(down.calls_async().await, 3);
    gl.project("group/project")
        .pipeline(1)
        .retry()
        .await
        .unwrap_err();
    assert_eq!(post.calls_async().await, 1);
    let once = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        RetryPolicy::none(),
    );
    once.project("group/project")
        .pipeline(1)
        .get()
        .await
        .unwrap_err();
    assert_eq!(down.calls_async().await, 4);
}

#[tokio::test]
async fn a_resource_lock_409_is_retried_and_another_409_is_not() {
    let server = MockServer::start_async().await;
    let locked = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/organizations/o/pipelines/p/builds/1/cancel")
                .is_true(first_n(1));
            then.status(409)
                .header("content-type", "application/json")
                .json_body(json!({"message": "409 Conflict: Resource lock"}));
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/organizations/o/pipelines/p/builds/1/cancel");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "cancelBuild"));
        })
        .await;
    let conflict = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path("/organizations/o/pipelines/p/builds/2/cancel");
            then.status(409)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Build is not cancelable"}));
        })
        .await;
    let bk = kitelab_tests::buildkite(&server);
    bk.pipeline("o", "p")
        .build(1)
        .cancel()
        .await
        .expect("retried past the lock");
    assert_eq!((locked.calls_async().await, ok.calls_async().await), (1, 1));
    let err = bk.pipeline("o", "p").build(2).cancel().await.unwrap_err();
    assert!(err.to_string().contains("Build is not cancelable"), "{err}");
    assert_eq!(conflict.calls_async().await, 1);
}

#[tokio::test]
async fn connection_failures_are_retried_for_a_get_then_reported_as_transport_errors() {
    let server = serve(Script::Drop).await;
    let gl = gitlab_at(
        &server.url,
        Token::Personal(GL_TOKEN.into()),
        fast_retries().max_attempts(3),
    );
    let err = gl
        .project("group/project")
        .pipeline(1)
        .get()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
    assert!(!format!("{err} {err:?}").contains(GL_TOKEN));
}

#[tokio::test]
async fn a_retry_in_the_middle_of_a_pagination_resumes_the_same_page() {
    let server = MockServer::start_async().await;
    let template = fixture_body("gitlab", "listProjectPipelines")[0].clone();
    let page = |ids: &[i64]| {
        json!(ids
            .iter()
            .map(|id| {
                let mut p = template.clone();
                p["id"] = json!(id);
                p
            })
            .collect::<Vec<_>>())
    };
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(path_is(format!("{PROJECT}/pipelines")))
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .header("x-next-page", "2")
                .json_body(page(&[3, 2]));
        })
        .await;
    let flaky = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(path_is(format!("{PROJECT}/pipelines")))
                .query_param("page", "2")
                .is_true(first_n(1));
            then.status(502)
                .header("content-type", "text/html")
                .body("<title>502 Bad Gateway</title>");
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(path_is(format!("{PROJECT}/pipelines")))
                .query_param("page", "2");
            then.status(200)
                .header("content-type", "application/json")
                .header("x-next-page", "")
                .json_body(page(&[1]));
        })
        .await;
    let gl = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        fast_retries(),
    );
    let ids: Vec<i64> = gl
        .project("group/project")
        .pipelines()
        .stream()
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(ids, [3, 2, 1]);
    assert_eq!(
        (
            first.calls_async().await,
            flaky.calls_async().await,
            second.calls_async().await
        ),
        (1, 1, 1)
    );
}

/// Records the messages of `kitelab` tracing events.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

impl tracing::Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Text(String);
        impl tracing::field::Visit for Text {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", field.name(), value));
            }
        }
        if event.metadata().target() == "kitelab" {
            let mut text = Text(String::new());
            event.record(&mut text);
            self.0.lock().unwrap().push(text.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn each_retry_is_a_tracing_event_without_the_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).is_true(first_n(2));
            then.status(503).body("down");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getPipeline"));
        })
        .await;
    let events = Events::default();
    let _guard = tracing::subscriber::set_default(events.clone());
    let gl = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        fast_retries(),
    );
    gl.project("group/project")
        .pipeline(1)
        .get()
        .await
        .expect("third time lucky");
    let seen = events.0.lock().unwrap().clone();
    let retries: Vec<_> = seen.iter().filter(|e| e.contains("retrying")).collect();
    assert_eq!(retries.len(), 2, "{seen:#?}");
    assert!(
        retries[0].contains("operation=\"getPipeline\"") && retries[0].contains("status=503"),
        "{}",
        retries[0]
    );
    assert!(seen.iter().all(|e| !e.contains(GL_TOKEN)));
}

fn slow_client(url: &str) -> GitLab {
    GitLab::builder()
        .base_url(url)
        .token(Token::Personal(GL_TOKEN.into()))
        .retry(RetryPolicy::none())
        .read_timeout(Duration::from_millis(250))
        .request_timeout(Some(Duration::from_millis(400)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_download_that_stalls_fails_within_the_idle_timeout() {
    let head =
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n".to_owned();
    let server = serve(Script::Send {
        head,
        chunks: vec![
            (Duration::ZERO, vec![b'x'; 10]),
            (Duration::from_secs(30), vec![b'y'; 90]),
        ],
    })
    .await;
    let gl = slow_client(&server.url);
    let started = std::time::Instant::now();
    let err = gl
        .project(1)
        .job(1)
        .download_log()
        .await
        .expect("headers came")
        .bytes()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "not an idle timeout: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_steady_download_longer_than_the_request_timeout_is_not_cut() {
    // 10 chunks, 100 ms apart: 1 s in all, over the 400 ms request timeout, each gap under the
    // 250 ms idle timeout.
    let head =
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\n".to_owned();
    let chunks = (0..10)
        .map(|i| (Duration::from_millis(100), vec![b'0' + i as u8; 10]))
        .collect();
    let server = serve(Script::Send { head, chunks }).await;
    let gl = slow_client(&server.url);
    let body = gl
        .project(1)
        .job(1)
        .download_log()
        .await
        .expect("headers")
        .bytes()
        .await
        .expect("whole body");
    assert_eq!(body.len(), 100);
}

#[tokio::test]
async fn an_ordinary_call_is_cut_at_the_request_timeout() {
    // The body trickles in under the idle timeout but past the request timeout.
    let body = serde_json::to_vec(&fixture_body("gitlab", "getPipeline")).unwrap();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let chunks = body
        .chunks(body.len() / 8 + 1)
        .map(|c| (Duration::from_millis(150), c.to_vec()))
        .collect();
    let server = serve(Script::Send { head, chunks }).await;
    let gl = slow_client(&server.url);
    let err = gl.project(1).pipeline(1).get().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn a_cut_download_leaves_no_file_and_keeps_the_old_one() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/zip\r\ncontent-length: 1000\r\n\r\n"
        .to_owned();
    let server = serve(Script::Send {
        head,
        chunks: vec![(Duration::ZERO, vec![1u8; 500])],
    })
    .await;
    let gl = slow_client(&server.url);
    let dir = std::env::temp_dir().join(format!("kitelab-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fresh = dir.join("fresh.zip");
    let err = gl
        .project(1)
        .job(1)
        .download_artifacts()
        .await
        .expect("headers")
        .write_to(&fresh)
        .await
        .unwrap_err();
    assert!(!fresh.exists(), "a partial file was left: {err}");
    let old = dir.join("old.zip");
    std::fs::write(&old, b"previous version").unwrap();
    gl.project(1)
        .job(1)
        .download_artifacts()
        .await
        .expect("headers")
        .write_to(&old)
        .await
        .unwrap_err();
    assert_eq!(std::fs::read(&old).unwrap(), b"previous version");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
    // A write that cannot happen (no such directory) fails cleanly too.
    let server = serve(Script::Send {
        head: "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n".into(),
        chunks: vec![(Duration::ZERO, b"abc".to_vec())],
    })
    .await;
    let gl = slow_client(&server.url);
    let err = gl
        .project(1)
        .job(1)
        .download_artifacts()
        .await
        .expect("headers")
        .write_to(dir.join("missing/dir/file"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_decode_error_inside_a_list_names_the_item_and_the_exact_field() {
    let server = MockServer::start_async().await;
    let build = fixture_body("buildkite", "getBuild");
    let mut bad = build.clone();
    let waiter = json!({"id": "w", "type": "waiter", "step_key": "wait"});
    let mut broken = build["jobs"][0].clone();
    broken["state"] = json!(7);
    bad["jobs"] = json!([build["jobs"][0].clone(), waiter, broken]);
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/organizations/acme/pipelines/web/builds");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([build, bad]));
        })
        .await;
    let err = kitelab_tests::buildkite(&server)
        .pipeline("acme", "web")
        .builds()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    // The waiter job without a `state` decodes; the number where a state belongs does not.
    assert_eq!(decode.path(), "[1].jobs[2].state", "{err}");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_status_path_and_a_short_excerpt() {
    let server = MockServer::start_async().await;
    let mut pipeline = fixture_body("gitlab", "getPipeline");
    pipeline["id"] = json!("not a number");
    let long = format!("{{\"padding\": \"{}\", \"id\": \"x\"}}", "p".repeat(1000));
    server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(path_is(format!("{PROJECT}/pipelines/1")));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(pipeline.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(path_is(format!("{PROJECT}/pipelines/2")));
            then.status(200)
                .header("content-type", "application/json")
                .body(long.clone());
        })
        .await;
    let gl = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        RetryPolicy::none(),
    );
    let err = gl
        .project("group/project")
        .pipeline(1)
        .get()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path(), "id");
    assert_eq!(err.operation().map(|o| o.id), Some("getPipeline"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    let err = gl
        .project("group/project")
        .pipeline(2)
        .get()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert!(
        decode.body_excerpt().len() <= 200,
        "{}",
        decode.body_excerpt().len()
    );
    assert!(
        decode.body_excerpt().starts_with("{\"padding\""),
        "{}",
        decode.body_excerpt()
    );
}

#[tokio::test]
async fn bad_client_settings_are_refused_before_anything_is_sent() {
    for (url, why) in [
        ("ftp://gitlab.example", "http or https"),
        ("https://", "not a URL"),
        ("https://gl.example/?x=1", "query"),
    ] {
        let err = GitLab::builder()
            .anonymous()
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains(why), "{url}: {err}");
    }
    for token in [
        Token::Personal("".into()),
        Token::Job("  ".into()),
        Token::OAuth("a b".into()),
    ] {
        let err = GitLab::builder().token(token).build().unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    }
    for per_page in [0, 101] {
        let err = GitLab::builder()
            .anonymous()
            .per_page(per_page)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("per_page"), "{err}");
    }
    // A self-managed host: /api/v4 is added once.
    for url in [
        "https://gl.example",
        "https://gl.example/",
        "https://gl.example/api/v4",
        "https://gl.example/gitlab/",
    ] {
        let gl = GitLab::builder().anonymous().base_url(url).build().unwrap();
        assert!(
            gl.base_url().path().ends_with("/api/v4") && !gl.base_url().path().contains("v4/api"),
            "{url} → {}",
            gl.base_url()
        );
    }
}

#[test]
fn debug_output_never_shows_a_token() {
    let gl = GitLab::builder()
        .token(Token::Job(JOB_TOKEN.into()))
        .build()
        .unwrap();
    let bk = Buildkite::new(BK_TOKEN).unwrap();
    let builder = GitLab::builder().token(Token::Personal(GL_TOKEN.into()));
    let shown = format!(
        "{gl:?} {bk:?} {builder:?} {:?} {:?}",
        Token::OAuth("oauth-secret".into()),
        kitelab::Secret::new("s3cr3t")
    );
    for secret in [JOB_TOKEN, BK_TOKEN, GL_TOKEN, "oauth-secret", "s3cr3t"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // Generated models: trigger tokens and CI/CD variable values are `format: password` in the
    // spec, and decode as SecretString.
    let trigger_json = fixture_body("gitlab", "getTrigger");
    let token = trigger_json["token"].as_str().unwrap().to_owned();
    let trigger: kitelab::gitlab::types::Trigger = serde_json::from_value(trigger_json).unwrap();
    assert_eq!(trigger.token.expose(), token);
    assert!(!format!("{trigger:?}").contains(&token), "{trigger:?}");
    let variable_json = fixture_body("gitlab", "getProjectVariable");
    let value = variable_json["value"].as_str().unwrap().to_owned();
    let variable: kitelab::gitlab::types::Variable = serde_json::from_value(variable_json).unwrap();
    assert!(
        !format!("{variable:?}").contains(&format!("\"{value}\"")),
        "{variable:?}"
    );
}

#[test]
fn clients_are_cheap_to_clone_and_shareable_across_threads() {
    fn assert_client<T: Send + Sync + Clone + 'static>() {}
    fn assert_error<T: Send + Sync + std::error::Error + 'static>() {}
    assert_client::<GitLab>();
    assert_client::<Buildkite>();
    assert_error::<kitelab::Error>();
}

#[tokio::test]
async fn uploads_are_multipart_through_the_transport_and_never_retried() {
    let server = MockServer::start_async().await;
    let secure = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(path_is(format!("{PROJECT}/secure_files")))
                .header("authorization", format!("Bearer {GL_TOKEN}"))
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("name=\"name\"\r\n\r\nrelease.keystore")
                .body_includes("name=\"file\"; filename=\"release.keystore\"")
                .body_includes("KEYSTORE-BYTES")
                .body_includes("name=\"permissions\"\r\n\r\nread_only");
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getSecureFile"));
        })
        .await;
    let flaky = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/packages/organizations/acme/registries/generic/packages");
            then.status(503).body("down");
        })
        .await;
    let gl = gitlab_at(
        &server.base_url(),
        Token::Personal(GL_TOKEN.into()),
        fast_retries(),
    );
    let uploaded = gl
        .project("group/project")
        .upload_secure_file("release.keystore", "KEYSTORE-BYTES")
        .permissions(kitelab::gitlab::types::SecureFilePermissions::ReadOnly)
        .send()
        .await
        .expect("uploaded");
    assert!(uploaded.id > 0);
    secure.assert_async().await;
    let bk = kitelab_tests::buildkite(&server);
    let err = bk
        .organization("acme")
        .package_registry("generic")
        .publish_package("app.tar.gz", vec![1u8, 2, 3])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
    assert_eq!(
        flaky.calls_async().await,
        1,
        "a streamed upload must not be retried"
    );
    let err = gl
        .project("group/project")
        .upload_secure_file("", "x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_names_the_same_cursor_again_ends_the_list_with_an_error() {
    // A stuck cursor: every answer names the cursor it was asked for as the next one, in the
    // body and in the Link header. Each reading mode must end; none may loop.
    let server = MockServer::start_async().await;
    let path = "/organizations/acme/pipelines/web/builds/1/jobs";
    let job = fixture_body("buildkite", "getJob");
    let stuck = format!("{}{path}?after=STUCK&per_page=100", server.base_url());
    let first = server
        .mock_async(|when, then| {
            when.method(GET).path(path).query_param_missing("after");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", format!("<{stuck}>; rel=\"next\"").as_str())
                .json_body(json!({"items": [job.clone()], "links": {"next": stuck.clone()}}));
        })
        .await;
    let again = server
        .mock_async(|when, then| {
            when.method(GET).path(path).query_param("after", "STUCK");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", format!("<{stuck}>; rel=\"next\"").as_str())
                .json_body(json!({"items": [job.clone()], "links": {"next": stuck.clone()}}));
        })
        .await;
    let bk = kitelab_tests::buildkite(&server);
    let mut jobs = bk.pipeline("acme", "web").build(1).jobs().stream();
    let mut items = 0;
    let err = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match jobs.try_next().await {
                Ok(Some(_)) => items += 1,
                Ok(None) => panic!("the list ended without saying it was stuck"),
                Err(e) => break e,
            }
        }
    })
    .await
    .expect("the list looped");
    assert_eq!(items, 2, "the first page and the stuck one");
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    assert_eq!(err.operation().map(|o| o.id), Some("listJobs"));
    assert!(err.to_string().contains("already requested"), "{err}");
    assert!(jobs.try_next().await.expect("ended").is_none());
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(again.calls_async().await, 1);
}
