//! Trust: no secret in any error, no request on a route the caller did not name, no endless
//! list, bounded error text. Each test fails when the guarantee it names is removed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::gitlab::Token;
use kitelab::{Error, GitLab};
use kitelab_tests::{buildkite, fixture_body, gitlab, gitlab_with, BK_TOKEN, GL_TOKEN, JOB_TOKEN};
use serde_json::json;

/// Asserts `secret` appears in none of the error's texts.
fn assert_no_secret(err: &Error, secret: &str) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(!display.contains(secret), "Display leaks: {display}");
    assert!(!debug.contains(secret), "Debug leaks: {debug}");
    if let Error::Api(api) = err {
        assert!(!api.body().contains(secret), "body leaks: {}", api.body());
        assert!(!api.message().contains(secret));
        assert!(!api.body_excerpt().contains(secret));
    }
    if let Error::Decode(decode) = err {
        assert!(!decode.body_excerpt().contains(secret));
        assert!(!decode.message().contains(secret));
    }
}

#[tokio::test]
async fn a_token_the_service_echoes_back_never_reaches_an_error() {
    let server = MockServer::start_async().await;
    // JSON, JSON with escaped slashes, HTML and plain text, each echoing the credential.
    let bodies = [
        (
            "/organizations/json",
            format!(r#"{{"message":"token `Bearer {BK_TOKEN}` is not valid"}}"#),
        ),
        (
            "/organizations/html",
            format!("<html><title>401 for {BK_TOKEN}</title><body>{BK_TOKEN}</body></html>"),
        ),
        ("/organizations/text", format!("Unauthorized: {BK_TOKEN}\n")),
    ];
    for (path, body) in &bodies {
        server
            .mock_async(|when, then| {
                when.method(GET).path(*path);
                then.status(401).body(body.as_str());
            })
            .await;
    }
    let bk = buildkite(&server);
    for slug in ["json", "html", "text"] {
        let err = bk.organization(slug).get().await.unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
        assert!(err.to_string().contains("[redacted]"), "{err}");
        assert_no_secret(&err, BK_TOKEN);
    }
    // A success body that does not decode, echoing the token: the excerpt is redacted too.
    server
        .mock_async(|when, then| {
            when.method(GET).path("/organizations/decode");
            then.status(200)
                .header("content-type", "application/json")
                .body(format!(r#"{{"token":"{BK_TOKEN}","slug":7}}"#));
        })
        .await;
    let err = bk.organization("decode").get().await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert_no_secret(&err, BK_TOKEN);
}

#[tokio::test]
async fn gitlab_personal_job_and_trigger_tokens_are_redacted_from_errors() {
    let server = MockServer::start_async().await;
    let trigger = "glptt-trigger-secret-42";
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v4/projects/1/pipelines/5");
            then.status(403).json_body(json!({
                "message": format!("403 Forbidden: {GL_TOKEN} {JOB_TOKEN}"),
                "echo": GL_TOKEN.replace('-', "\\u002d"),
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v4/projects/1/trigger/pipeline");
            then.status(404)
                .json_body(json!({"message": format!("404 no trigger {trigger}")}));
        })
        .await;
    let personal = gitlab(&server);
    let err = personal.project(1).pipeline(5).get().await.unwrap_err();
    assert_no_secret(&err, GL_TOKEN);
    let job = gitlab_with(&server, Token::Job(JOB_TOKEN.into()));
    let err = job.project(1).pipeline(5).get().await.unwrap_err();
    assert_no_secret(&err, JOB_TOKEN);
    let err = personal
        .trigger_pipeline(1, "main", trigger)
        .send()
        .await
        .unwrap_err();
    assert_no_secret(&err, trigger);
    assert!(err.to_string().contains("[redacted]"), "{err}");
}

#[tokio::test]
async fn a_status_is_said_once() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v4/projects/1/pipelines/5");
            then.status(401)
                .json_body(json!({"message": "401 Unauthorized"}));
        })
        .await;
    let err = gitlab(&server)
        .project(1)
        .pipeline(5)
        .get()
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "getPipeline: 401 Unauthorized");
    assert_eq!(format!("{err:?}"), "Api(getPipeline: 401 Unauthorized)");
}

#[tokio::test]
async fn error_text_is_capped_but_the_whole_body_is_kept() {
    let server = MockServer::start_async().await;
    let long = "é".repeat(30_000); // 60 KB of two-byte characters
    server
        .mock_async(|when, then| {
            when.method(GET).path("/organizations/long");
            then.status(404).json_body(json!({ "message": long }));
        })
        .await;
    let errors: Vec<_> = (0..800)
        .map(|i| json!({"field": format!("field_{i}"), "code": "invalid"}))
        .collect();
    server
        .mock_async(|when, then| {
            when.method(GET).path("/organizations/many");
            then.status(422)
                .json_body(json!({"message": "Validation Failed", "errors": errors}));
        })
        .await;
    let bk = buildkite(&server);
    for slug in ["long", "many"] {
        let err = bk.organization(slug).get().await.unwrap_err();
        let display = err.to_string();
        let debug = format!("{err:?}");
        assert!(
            display.len() < 1400,
            "{slug}: {} bytes shown",
            display.len()
        );
        assert!(debug.len() < 1500, "{slug}: {} bytes in Debug", debug.len());
        assert!(display.contains("more bytes)"), "{display}");
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert!(api.body().len() > 12_000, "the whole body stays available");
        assert!(api.message().len() > 12_000);
    }
}

#[tokio::test]
async fn dot_segments_never_leave_the_route_and_nothing_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    let bk = buildkite(&server);
    let gl = gitlab(&server);
    for value in ["", " ", "\t", ".", ".."] {
        let errors = [
            bk.organization(value).get().await.unwrap_err(),
            bk.pipeline("acme", value).delete().await.unwrap_err(),
            bk.pipeline(value, "web").build(1).get().await.unwrap_err(),
            gl.project(value).pipeline(5).delete().await.unwrap_err(),
            gl.project("group/project")
                .job(3)
                .download_artifact(value)
                .await
                .unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, Error::InvalidInput(_)), "{value:?}: {err:?}");
        }
        let err = gl
            .project("group/project")
            .download_artifacts_by_ref(value, "build")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput(_)), "{value:?}: {err:?}");
    }
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}

#[tokio::test]
async fn a_backslash_cannot_climb_out_of_a_segment() {
    let server = MockServer::start_async().await;
    let org = server
        .mock_async(|when, then| {
            when.method(GET).path("/organizations/..%5Cx");
            then.status(404).json_body(json!({"message": "Not Found"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("..\\x")
        .get()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(org.calls_async().await, 1);
}

#[tokio::test]
async fn a_keyset_cursor_cycle_ends_with_an_error_naming_the_operation() {
    let server = MockServer::start_async().await;
    let path = "/api/v4/projects/1/jobs";
    let job = fixture_body("gitlab", "getJob");
    let link = |cursor: &str| {
        format!(
            "<{}{path}?cursor={cursor}&pagination=keyset&per_page=100>; rel=\"next\"",
            server.base_url()
        )
    };
    let requests = Arc::new(AtomicUsize::new(0));
    for (asked, next) in [(None, "A"), (Some("A"), "B"), (Some("B"), "A")] {
        let link = link(next);
        let job = job.clone();
        server
            .mock_async(|when, then| {
                let when = when.method(GET).path(path);
                match asked {
                    Some(cursor) => when.query_param("cursor", cursor),
                    None => when.query_param_missing("cursor"),
                };
                then.status(200)
                    .header("content-type", "application/json")
                    .header("link", link.as_str())
                    .json_body(json!([job]));
            })
            .await;
    }
    let _ = &requests;
    let gl = gitlab(&server);
    let mut jobs = gl.project(1).jobs().stream();
    let mut items = 0;
    let err = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match jobs.try_next().await {
                Ok(Some(_)) => items += 1,
                Ok(None) => panic!("the list ended without an error"),
                Err(e) => break e,
            }
        }
    })
    .await
    .expect("the cycle looped");
    assert_eq!(items, 3, "first page, A and B");
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    assert_eq!(err.operation().map(|o| o.id), Some("listProjectJobs"));
}

#[tokio::test]
async fn concurrency_never_fans_out_past_an_empty_page_whatever_the_totals_claim() {
    let server = MockServer::start_async().await;
    let path = "/organizations/acme/pipelines/web/builds";
    let build = fixture_body("buildkite", "getBuild");
    let first_link = format!(
        "<{0}{path}?page=2&per_page=1>; rel=\"next\", <{0}{path}?page=1000000&per_page=1>; rel=\"last\"",
        server.base_url()
    );
    let first = server
        .mock_async(|when, then| {
            when.method(GET).path(path).query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .header("x-total-pages", "1000000")
                .header("link", first_link.as_str())
                .json_body(json!([build]));
        })
        .await;
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    let empty = server
        .mock_async(move |when, then| {
            when.method(GET).path(path).is_true(move |req| {
                let later = !req.uri().query().unwrap_or("").contains("page=1&");
                if later {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                later
            });
            then.status(200)
                .header("content-type", "application/json")
                .header("x-total-pages", "1000000")
                .body("[]");
        })
        .await;
    let builds: Vec<_> = tokio::time::timeout(
        Duration::from_secs(10),
        buildkite(&server)
            .pipeline("acme", "web")
            .builds()
            .per_page(1)
            .concurrency(8)
            .stream()
            .try_collect(),
    )
    .await
    .expect("the list fanned out")
    .expect("builds");
    assert_eq!(builds.len(), 1);
    assert_eq!(first.calls_async().await, 1);
    let later = empty.calls_async().await;
    assert!(
        (1..=8).contains(&later),
        "{later} requests beyond the last page with items"
    );
}

#[tokio::test]
async fn concurrency_on_a_cursor_list_says_it_cannot_apply() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!([]));
        })
        .await;
    let gl: GitLab = gitlab(&server);
    let err = gl
        .project(1)
        .jobs()
        .concurrency(4)
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("cursor"), "{err}");
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn every_reader_sees_an_empty_list_the_same_way() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/organizations/acme/pipelines/web/builds");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", "")
                .body("[]");
        })
        .await;
    let bk = buildkite(&server);
    let list = || bk.pipeline("acme", "web").builds();
    for concurrency in [1, 4] {
        let pages: Vec<_> = list()
            .concurrency(concurrency)
            .pages()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(pages.len(), 1, "one empty page");
        assert!(pages[0].items().is_empty());
        let items: Vec<_> = list()
            .concurrency(concurrency)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert!(items.is_empty());
    }
    assert!(list().page(1).await.unwrap().items().is_empty());
}

/// Drains a list that must end in an error, within a bound; returns the items seen and the error.
async fn drain_to_error<T>(
    mut list: futures_util::stream::BoxStream<'static, kitelab::Result<T>>,
) -> (usize, Error) {
    let mut items = 0;
    let err = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match list.try_next().await {
                Ok(Some(_)) => items += 1,
                Ok(None) => panic!("the list ended without an error"),
                Err(e) => break e,
            }
        }
    })
    .await
    .expect("the cycle looped");
    (items, err)
}

/// A Buildkite cursor list (a build's jobs) handed cursors A → B → A ends with an error.
#[tokio::test]
async fn a_buildkite_cursor_cycle_ends_with_an_error_naming_the_operation() {
    let server = MockServer::start_async().await;
    let job = fixture_body("buildkite", "getJob");
    let path = "/organizations/acme/pipelines/web/builds/42/jobs";
    let link = |cursor: &str| format!("{}{path}?after={cursor}&per_page=2", server.base_url());
    for (asked, next) in [(None, "A"), (Some("A"), "B"), (Some("B"), "A")] {
        let body = json!({"items": [job.clone()], "links": {"self": "x", "next": link(next)}});
        server
            .mock_async(|when, then| {
                let when = when.method(GET).path(path);
                match asked {
                    Some(cursor) => when.query_param("after", cursor),
                    None => when.query_param_missing("after"),
                };
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(body);
            })
            .await;
    }
    let list = buildkite(&server)
        .pipeline("acme", "web")
        .build(42)
        .jobs()
        .per_page(2)
        .stream();
    let (items, err) = drain_to_error(list).await;
    assert_eq!(items, 3, "first page, A and B");
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    assert_eq!(err.operation().map(|o| o.id), Some("listJobs"), "{err:?}");
}

/// A page-numbered list whose page 2 names page 1 as the next ends with an error, on the
/// sequential path and with concurrency.
#[tokio::test]
async fn a_numbered_page_cycle_ends_with_an_error() {
    let server = MockServer::start_async().await;
    let pipeline = fixture_body("gitlab", "getPipeline");
    let path = "/api/v4/projects/1/pipelines";
    for (page, next) in [("1", "2"), ("2", "1")] {
        let body = json!([pipeline.clone()]);
        server
            .mock_async(|when, then| {
                when.method(GET).path(path).query_param("page", page);
                then.status(200)
                    .header("content-type", "application/json")
                    .header("x-next-page", next)
                    .json_body(body);
            })
            .await;
    }
    let gl = gitlab(&server);
    for concurrency in [1, 4] {
        let list = gl
            .project(1)
            .pipelines()
            .per_page(1)
            .concurrency(concurrency)
            .stream();
        let (items, err) = drain_to_error(list).await;
        assert_eq!(items, 2, "pages 1 and 2 (concurrency {concurrency})");
        assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
        assert_eq!(err.operation().map(|o| o.id), Some("listProjectPipelines"));
    }
}
