//! A Buildkite job reached through its organization alone (`org.job(id)`): every method takes
//! the organization-scoped route (`/organizations/{org}/jobs/{id}/…`), with the same answers
//! and errors as the build's route; and the remote-access sessions, which only that route has,
//! from either handle. Each test checks the wire (method, exact path, query, `Authorization`,
//! JSON body, `Range`) and a failure path.

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::buildkite::types::{self, AnnotationStyle, ArtifactState};
use kitelab::Error;
use kitelab_tests::{buildkite, fixture_body};
use serde_json::json;

const BEARER: &str = "Bearer bkua_test_token_0123456789";
const JOB: &str = "/organizations/acme/jobs/b63254c0-3271-4a98-8270-7cfbd6c2f14e";
const JOB_ID: &str = "b63254c0-3271-4a98-8270-7cfbd6c2f14e";

fn api_error(err: &Error) -> &kitelab::error::ApiError {
    match err {
        Error::Api(e) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn get_retry_reprioritize_and_unblock_a_job_by_its_organization() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(JOB).header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "getOrganizationJob"));
        })
        .await;
    let retry = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{JOB}/retry"))
                .header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "retryOrganizationJob"));
        })
        .await;
    let reprioritize = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{JOB}/reprioritize"))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({"priority": 7}));
            then.status(200)
                .json_body(fixture_body("buildkite", "reprioritizeOrganizationJob"));
        })
        .await;
    let unblock = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{JOB}/unblock"))
                .header("authorization", BEARER)
                .json_body(json!({
                    "fields": {"release-name": "Flying Dolphin"},
                    "unblocker": "0190-user"
                }));
            then.status(200)
                .json_body(fixture_body("buildkite", "unblockOrganizationJob"));
        })
        .await;

    let bk = buildkite(&server);
    let job = bk.organization("acme").job(JOB_ID);
    assert_eq!(job.id(), JOB_ID);
    let got = job.get().await.expect("get");
    assert_eq!(
        got.id,
        fixture_body("buildkite", "getOrganizationJob")["id"]
            .as_str()
            .unwrap()
    );
    job.retry().await.expect("retry");
    job.reprioritize(7).await.expect("reprioritize");
    job.unblock()
        .field("release-name", "Flying Dolphin")
        .unblocker("0190-user")
        .send()
        .await
        .expect("unblock");
    for m in [&get, &retry, &reprioritize, &unblock] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn an_unknown_job_is_a_404_naming_the_organization_route_and_a_dot_id_sends_nothing() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(PUT).path(format!("{JOB}/retry"));
            then.status(404)
                .json_body(json!({"message": "No job found"}));
        })
        .await;
    let bk = buildkite(&server);
    let err = bk
        .organization("acme")
        .job(JOB_ID)
        .retry()
        .await
        .expect_err("404");
    let api = api_error(&err);
    assert_eq!(api.status().as_u16(), 404);
    assert_eq!(api.operation().id, "retryOrganizationJob");
    assert!(err.to_string().contains("No job found"), "{err}");
    missing.assert_async().await;

    // A job id that would climb out of the route is refused before anything is sent.
    let quiet = MockServer::start_async().await;
    let any = quiet
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    let bk = buildkite(&quiet);
    for id in ["..", ".", ""] {
        let err = bk.organization("acme").job(id).get().await.expect_err(id);
        assert!(matches!(err, Error::InvalidInput(_)), "{id:?}: {err:?}");
    }
    assert_eq!(
        any.calls_async().await,
        0,
        "a request was sent for a dot segment"
    );
}

#[tokio::test]
async fn a_jobs_log_and_environment_through_the_organization_route() {
    let server = MockServer::start_async().await;
    let raw = "\u{1b}[32mhello\u{1b}[0m\nworld\n";
    let log_json = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/log"))
                .header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "getOrganizationJobLog"));
        })
        .await;
    let log_size = server
        .mock_async(|when, then| {
            when.method(httpmock::Method::HEAD)
                .path(format!("{JOB}/log"))
                .header("authorization", BEARER);
            then.status(200).header("content-length", "4096");
        })
        .await;
    let log_text = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/log.txt"))
                .header("authorization", BEARER)
                .header_missing("range");
            then.status(200)
                .header("content-type", "text/plain")
                .body(raw);
        })
        .await;
    let tail = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/log.txt"))
                .header("range", "bytes=-6");
            then.status(206)
                .header("content-type", "text/plain")
                .body("world\n");
        })
        .await;
    let html = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/log.html"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "text/html")
                .body("<span class=\"term-fg32\">hello</span>");
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{JOB}/log"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let env = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/env"))
                .header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "getOrganizationJobEnv"));
        })
        .await;
    let env_text = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/env.txt"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "text/plain")
                .body("CI=true\nBUILDKITE=true\n");
        })
        .await;

    let bk = buildkite(&server);
    let job = bk.organization("acme").job(JOB_ID);
    let log = job.log().await.expect("log");
    assert_eq!(
        Some(log.content.as_str()),
        fixture_body("buildkite", "getOrganizationJobLog")["content"].as_str()
    );
    assert_eq!(job.log_size().await.expect("size"), 4096);
    let text = job.download_log().await.expect("log.txt").text().await;
    assert_eq!(text.expect("text"), raw);
    let last = job.download_log_tail(6).await.expect("tail").text().await;
    assert_eq!(last.expect("tail text"), "world\n");
    let markup = job.download_log_html().await.expect("html").text().await;
    assert!(markup.expect("html text").contains("term-fg32"));
    job.delete_log().await.expect("delete");
    assert!(!job.env().await.expect("env").env.is_empty());
    let lines = job.download_env().await.expect("env.txt").text().await;
    assert_eq!(lines.expect("env text"), "CI=true\nBUILDKITE=true\n");
    for m in [
        &log_json, &log_size, &log_text, &tail, &html, &delete, &env, &env_text,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn an_empty_logs_tail_is_empty_and_a_missing_size_is_an_unexpected_response() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/log.txt"))
                .header("range", "bytes=-100");
            then.status(416);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(httpmock::Method::HEAD)
                .path(format!("{JOB}/log"));
            // No Content-Length (a chunked answer to HEAD).
            then.status(200).header("transfer-encoding", "chunked");
        })
        .await;
    let bk = buildkite(&server);
    let job = bk.organization("acme").job(JOB_ID);
    let tail = job.download_log_tail(100).await.expect("empty tail");
    assert!(tail.bytes().await.expect("bytes").is_empty());
    assert!(matches!(
        job.download_log_tail(0).await,
        Err(Error::InvalidInput(_))
    ));
    let err = job.log_size().await.expect_err("no Content-Length");
    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
    assert_eq!(
        err.operation().map(|o| o.id),
        Some("getOrganizationJobLogSize")
    );
}

#[tokio::test]
async fn a_jobs_annotations_through_the_organization_route() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/annotations"))
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "30");
            then.status(200)
                .json_body(fixture_body("buildkite", "listOrganizationJobAnnotations"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{JOB}/annotations"))
                .header("authorization", BEARER)
                .json_body(json!({
                    "body": "Tests **passed**",
                    "style": "success",
                    "context": "tests"
                }));
            then.status(201)
                .json_body(fixture_body("buildkite", "createOrganizationJobAnnotation"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{JOB}/annotations/0190-annotation"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let bk = buildkite(&server);
    let job = bk.organization("acme").job(JOB_ID);
    let listed: Vec<types::Annotation> = job
        .annotations()
        .per_page(30)
        .stream()
        .try_collect()
        .await
        .expect("list");
    assert_eq!(
        listed.len(),
        fixture_body("buildkite", "listOrganizationJobAnnotations")
            .as_array()
            .unwrap()
            .len()
    );
    job.annotate("Tests **passed**")
        .style(AnnotationStyle::Success)
        .context("tests")
        .send()
        .await
        .expect("create");
    job.delete_annotation("0190-annotation")
        .await
        .expect("delete");
    for m in [&list, &create, &delete] {
        m.assert_async().await;
    }
    // An empty body is refused before anything is sent.
    assert!(matches!(
        job.annotate("").send().await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn a_jobs_artifacts_through_the_organization_route_and_downloads_keep_the_token_home() {
    let api = MockServer::start_async().await;
    let storage = MockServer::start_async().await;
    let signed = format!("{}/artifacts/a1?Signature=xyz", storage.base_url());
    let list = api
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/artifacts"))
                .header("authorization", BEARER)
                .query_param("state", "finished")
                .query_param("path", "pkg/*")
                .query_param("page", "1");
            then.status(200)
                .json_body(fixture_body("buildkite", "listOrganizationJobArtifacts"));
        })
        .await;
    let get = api
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/artifacts/a1"))
                .header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "getOrganizationJobArtifact"));
        })
        .await;
    let delete = api
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{JOB}/artifacts/a1"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let redirect = api
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{JOB}/artifacts/a1/download"))
                .header("authorization", BEARER);
            then.status(302)
                .header("location", signed.as_str())
                .json_body(json!({"url": signed}));
        })
        .await;
    let clean = storage
        .mock_async(|when, then| {
            when.method(GET)
                .path("/artifacts/a1")
                .header_missing("authorization");
            then.status(200).body("the bytes");
        })
        .await;

    let bk = buildkite(&api);
    let job = bk.organization("acme").job(JOB_ID);
    let listed: Vec<types::Artifact> = job
        .artifacts()
        .state(ArtifactState::Finished)
        .path("pkg/*")
        .stream()
        .try_collect()
        .await
        .expect("list");
    assert!(!listed.is_empty());
    let artifact = job.artifact("a1");
    artifact.get().await.expect("get");
    let bytes = artifact.download().await.expect("download").bytes().await;
    assert_eq!(bytes.expect("bytes"), "the bytes".as_bytes());
    assert_eq!(artifact.download_url().await.expect("url").as_str(), signed);
    artifact.delete().await.expect("delete");
    for m in [&list, &get, &delete, &clean] {
        m.assert_async().await;
    }
    assert_eq!(redirect.calls_async().await, 2);
    assert_eq!(
        clean.calls_async().await,
        1,
        "download_url must not download"
    );
}

#[tokio::test]
async fn remote_access_sessions_take_the_organization_route_from_either_handle() {
    let server = MockServer::start_async().await;
    let ssh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{JOB}/ssh-session"))
                .header("authorization", BEARER);
            then.status(200)
                .header("cache-control", "no-store")
                .json_body(fixture_body("buildkite", "createSshSession"));
        })
        .await;
    let vnc = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{JOB}/vnc-session"))
                .header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "createVncSession"));
        })
        .await;
    let bk = buildkite(&server);
    let session = bk
        .organization("acme")
        .job(JOB_ID)
        .open_ssh_session()
        .await
        .expect("ssh");
    let fixture = fixture_body("buildkite", "createSshSession");
    assert_eq!(session.endpoint.as_deref(), fixture["endpoint"].as_str());
    // The session's secrets never reach a Debug print.
    let token = fixture["access_token"]
        .as_str()
        .expect("a token in the fixture");
    assert!(!format!("{session:?}").contains(token));
    // A job reached through its build opens its session on the organization's route too.
    bk.pipeline("acme", "web")
        .build(42)
        .job(JOB_ID)
        .open_vnc_session()
        .await
        .expect("vnc");
    ssh.assert_async().await;
    vnc.assert_async().await;
}

#[tokio::test]
async fn a_session_for_a_job_that_is_not_running_is_a_422_naming_the_operation() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(format!("{JOB}/vnc-session"));
            then.status(422)
                .json_body(json!({"message": "Job is not running on a macOS hosted agent"}));
        })
        .await;
    let bk = buildkite(&server);
    let err = bk
        .organization("acme")
        .job(JOB_ID)
        .open_vnc_session()
        .await
        .expect_err("422");
    let api = api_error(&err);
    assert_eq!(api.status().as_u16(), 422);
    assert_eq!(api.operation().id, "createVncSession");
    assert!(err.to_string().contains("not running"), "{err}");
}
