//! End-to-end tests of the Buildkite client against httpmock servers: the wire (method, path and
//! its encoding, query, headers, body) and the typed result of each operation, and the failure
//! paths. Tests are named for the pybuildkite workflow they prove.

use futures_util::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use kitelab::buildkite::BuildState;
use kitelab::Error;
use kitelab_tests::{buildkite, fixture_body, BK_TOKEN};
use serde_json::json;

const BEARER: &str = "Bearer bkua_test_token_0123456789";
const PIPELINE: &str = "/organizations/acme/pipelines/web";

fn builds_page(numbers: &[i64]) -> serde_json::Value {
    let template = fixture_body("buildkite", "getBuild");
    serde_json::Value::Array(
        numbers
            .iter()
            .map(|n| {
                let mut b = template.clone();
                b["number"] = json!(n);
                b
            })
            .collect(),
    )
}

/// A build whose second job is a `wait` step: Buildkite sends waiter jobs with no `state` (and
/// `null` for optional lists), which once failed the whole page of builds.
fn build_with_a_waiter(number: i64) -> serde_json::Value {
    let mut build = fixture_body("buildkite", "getBuild");
    build["number"] = json!(number);
    let script = build["jobs"][0].clone();
    build["jobs"] = json!([
        script,
        {"id": format!("w-{number}"), "graphql_id": "Sm9iLS0t", "type": "waiter", "step_key": null},
        {"id": format!("w2-{number}"), "type": "waiter", "agent_query_rules": null},
    ]);
    build["author"] = json!("Keith Pitt <keith@buildkite.com>");
    build
}

#[tokio::test]
async fn list_builds_whose_waiter_jobs_have_no_state_streams_to_the_end() {
    let server = MockServer::start_async().await;
    let next = format!(
        "<{}{PIPELINE}/builds?page=2&per_page=100>; rel=\"next\"",
        server.base_url()
    );
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds"))
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", next.as_str())
                .json_body(json!([build_with_a_waiter(4), build_with_a_waiter(3)]));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds"))
                .query_param("page", "2");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([build_with_a_waiter(2), build_with_a_waiter(1)]));
        })
        .await;

    let builds: Vec<_> = buildkite(&server)
        .pipeline("acme", "web")
        .builds()
        .stream()
        .try_collect()
        .await
        .expect("every page decodes");

    assert_eq!(
        builds.iter().map(|b| b.number).collect::<Vec<_>>(),
        [4, 3, 2, 1]
    );
    for build in &builds {
        assert_eq!(build.jobs.len(), 3);
        assert!(build.jobs[0].state.is_some());
        assert!(build.jobs[1..].iter().all(|j| j.state.is_none()));
        assert_eq!(
            build.jobs[1].type_,
            kitelab::buildkite::types::JobType::Waiter
        );
    }
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn list_running_and_scheduled_builds_of_a_pipeline_across_pages() {
    let server = MockServer::start_async().await;
    let next = format!(
        "<{}{PIPELINE}/builds?page=2&per_page=100>; rel=\"next\"",
        server.base_url()
    );
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds"))
                .header("authorization", BEARER)
                .header("accept", "application/json")
                .query_param("page", "1")
                .query_param("per_page", "100")
                // Repeated bracketed keys, in order, encoded the way Rails decodes them.
                .is_true(|req| {
                    req.uri()
                        .to_string()
                        .contains("state%5B%5D=running&state%5B%5D=scheduled")
                });
            then.status(200)
                .header("content-type", "application/json")
                .header("link", next.as_str())
                .json_body(builds_page(&[3, 2]));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds"))
                .query_param("page", "2")
                .query_param_count("state\\[\\]", ".*", 2);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(builds_page(&[1]));
        })
        .await;

    let bk = buildkite(&server);
    let builds: Vec<_> = bk
        .pipeline("acme", "web")
        .builds()
        .state([BuildState::Running, BuildState::Scheduled])
        .stream()
        .try_collect()
        .await
        .expect("builds");

    assert_eq!(
        builds.iter().map(|b| b.number).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn list_builds_of_an_organization_and_of_every_pipeline_with_all_filters() {
    let server = MockServer::start_async().await;
    let org = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/organizations/acme/builds")
                .query_param("branch[]", "main")
                .query_param("branch[]", "release/*")
                .query_param("commit[]", "abc123")
                .query_param("creator", "0190-user")
                .query_param("created_from", "2025-01-08T23:22:05Z")
                .query_param("created_to", "2025-02-01T00:00:00Z")
                .query_param("finished_from", "2025-01-09T00:00:00Z")
                .query_param("include_retried_jobs", "true")
                .query_param("exclude_jobs", "true")
                .query_param("include_paused", "false")
                .query_param("meta_data[release]", "1.2")
                .query_param("per_page", "25");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(builds_page(&[9]));
        })
        .await;
    let all = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/builds")
                .query_param("state[]", "failed")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(builds_page(&[5, 4]));
        })
        .await;

    let bk = buildkite(&server);
    let t = |s: &str| kitelab::Timestamp::parse(s).unwrap();
    let org_builds: Vec<_> = bk
        .organization("acme")
        .builds()
        .branch(["main", "release/*"])
        .commit(["abc123"])
        .creator("0190-user")
        .created_from(t("2025-01-08T23:22:05+00:00"))
        .created_to(t("2025-02-01 00:00:00 UTC"))
        .finished_from(t("2025-01-09T00:00:00Z"))
        .include_retried(true)
        .exclude_jobs(true)
        .include_paused(false)
        .meta_data("release", "1.2")
        .per_page(25)
        .stream()
        .try_collect()
        .await
        .expect("org builds");
    assert_eq!(org_builds.len(), 1);
    let every: Vec<_> = bk
        .builds()
        .state([BuildState::Failed])
        .stream()
        .try_collect()
        .await
        .expect("all builds");
    assert_eq!(every.len(), 2);
    org.assert_async().await;
    all.assert_async().await;
}

#[tokio::test]
async fn get_an_organization_and_list_organizations_and_pipelines() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/organizations/acme")
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getOrganization"));
        })
        .await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/organizations")
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listOrganizations"));
        })
        .await;
    let pipelines = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/organizations/acme/pipelines")
                .query_param("name", "web")
                .query_param("repository", "github.com/acme");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listPipelines"));
        })
        .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme").get().await.expect("org");
    assert!(!org.slug.is_empty());
    let orgs: Vec<_> = bk
        .organizations()
        .stream()
        .try_collect()
        .await
        .expect("orgs");
    assert!(!orgs.is_empty());
    let ps: Vec<_> = bk
        .organization("acme")
        .pipelines()
        .name("web")
        .repository("github.com/acme")
        .stream()
        .try_collect()
        .await
        .expect("pipelines");
    assert!(!ps.is_empty());
    get.assert_async().await;
    list.assert_async().await;
    pipelines.assert_async().await;
}

#[tokio::test]
async fn create_a_build_with_every_option() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{PIPELINE}/builds"))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "commit": "COMMITSHA",
                    "branch": "master",
                    "message": "Hello, world!",
                    "clean_checkout": true,
                    "ignore_pipeline_branch_filters": true,
                    "author": {"name": "Keith", "email": "keith@example.com"},
                    "env": {"DEPLOY": "1"},
                    "meta_data": {"release": "1.2"},
                    "pull_request_id": 42,
                    "pull_request_base_branch": "main",
                    "pull_request_labels": ["ship-it"]
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "createBuild"));
        })
        .await;
    let bk = buildkite(&server);
    let build = bk
        .pipeline("acme", "web")
        .create_build("COMMITSHA", "master")
        .message("Hello, world!")
        .clean_checkout(true)
        .ignore_pipeline_branch_filters(true)
        .author("Keith", "keith@example.com")
        .env("DEPLOY", "1")
        .meta_data("release", "1.2")
        .pull_request(42, "main", None)
        .pull_request_labels(["ship-it"])
        .send()
        .await
        .expect("created");
    assert_eq!(
        build.number,
        fixture_body("buildkite", "createBuild")["number"]
            .as_i64()
            .unwrap()
    );
    create.assert_async().await;

    let err = bk
        .pipeline("acme", "web")
        .create_build("", "main")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert_eq!(
        create.calls_async().await,
        1,
        "an invalid build must not be sent"
    );
}

#[tokio::test]
async fn get_cancel_and_rebuild_a_build() {
    let server = MockServer::start_async().await;
    let build = fixture_body("buildkite", "getBuild");
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{PIPELINE}/builds/42"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(build.clone());
        })
        .await;
    let cancel = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{PIPELINE}/builds/42/cancel"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "cancelBuild"));
        })
        .await;
    let rebuild = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{PIPELINE}/builds/42/rebuild"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "rebuildBuild"));
        })
        .await;
    let bk = buildkite(&server);
    let b = bk.pipeline("acme", "web").build(42);
    assert_eq!(
        b.get().await.expect("get").id,
        build["id"].as_str().unwrap()
    );
    b.cancel().await.expect("cancel");
    b.rebuild().await.expect("rebuild");
    get.assert_async().await;
    cancel.assert_async().await;
    rebuild.assert_async().await;
}

#[tokio::test]
async fn job_log_as_json_and_as_a_text_stream_env_retry_and_delete_log() {
    let server = MockServer::start_async().await;
    let job = format!("{PIPELINE}/builds/42/jobs/b63254c0");
    let log_json = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{job}/log"))
                .header("accept", "application/json");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getJobLog"));
        })
        .await;
    let raw: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let log_text = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{job}/log.txt"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "text/plain")
                .body(raw.clone());
        })
        .await;
    let env = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{job}/env"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getJobEnv"));
        })
        .await;
    let retry = server
        .mock_async(|when, then| {
            when.method(PUT).path(format!("{job}/retry"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "retryJob"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("{job}/log"));
            then.status(204);
        })
        .await;
    let bk = buildkite(&server);
    let j = bk.pipeline("acme", "web").build(42).job("b63254c0");
    assert!(!j.log().await.expect("json log").content.is_empty());
    let mut stream = j.download_log().await.expect("text log").into_stream();
    let mut got = Vec::new();
    while let Some(chunk) = stream.next().await {
        got.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(got, raw);
    assert!(!j.env().await.expect("env").env.is_empty());
    j.retry().await.expect("retry");
    j.delete_log().await.expect("delete");
    for m in [&log_json, &log_text, &env, &retry, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn download_an_artifact_through_the_redirect_without_sending_the_token_to_storage() {
    let api = MockServer::start_async().await;
    let storage = MockServer::start_async().await;
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let signed = format!(
        "{}/artifacts/abc?Signature=xyz&Expires=60",
        storage.base_url()
    );
    let artifact = format!("{PIPELINE}/builds/42/jobs/j1/artifacts/a1");
    let redirect = api
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{artifact}/download"))
                .header("authorization", BEARER);
            then.status(302)
                .header("location", signed.as_str())
                .json_body(json!({"url": signed}));
        })
        .await;
    let clean = storage
        .mock_async(|when, then| {
            when.method(GET)
                .path("/artifacts/abc")
                .query_param("Signature", "xyz")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/octet-stream")
                .body(content.clone());
        })
        .await;
    let leaked = storage
        .mock_async(|when, then| {
            when.method(GET).header_exists("authorization");
            then.status(500);
        })
        .await;

    let bk = buildkite(&api);
    let a = bk.pipeline("acme", "web").build(42).artifact("j1", "a1");
    // As a file, atomically.
    let dir = std::env::temp_dir().join(format!("kitelab-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("artifact.bin");
    let written = a
        .download()
        .await
        .expect("download")
        .write_to(&path)
        .await
        .expect("written");
    assert_eq!(written, content.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), content);
    // As bytes.
    assert_eq!(
        a.download()
            .await
            .expect("download")
            .bytes()
            .await
            .expect("bytes"),
        content
    );
    // The signed URL only.
    let url = a.download_url().await.expect("url");
    assert_eq!(url.as_str(), signed);
    assert_eq!(redirect.calls_async().await, 3);
    assert_eq!(
        clean.calls_async().await,
        2,
        "download_url must not download"
    );
    assert_eq!(
        leaked.calls_async().await,
        0,
        "the token was sent to object storage"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn artifacts_of_a_build_and_of_a_job_with_filters() {
    let server = MockServer::start_async().await;
    let build = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/42/artifacts"))
                .query_param("state", "finished")
                .query_param("path", "pkg/*");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listBuildArtifacts"));
        })
        .await;
    let job = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/42/jobs/j1/artifacts"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listJobArtifacts"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/42/jobs/j1/artifacts/a1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getArtifact"));
        })
        .await;
    let bk = buildkite(&server);
    let b = bk.pipeline("acme", "web").build(42);
    let all: Vec<_> = b
        .artifacts()
        .state(kitelab::buildkite::ArtifactState::Finished)
        .path("pkg/*")
        .stream()
        .try_collect()
        .await
        .expect("build artifacts");
    assert!(!all.is_empty());
    let of_job: Vec<_> = b
        .job("j1")
        .artifacts()
        .stream()
        .try_collect()
        .await
        .expect("job artifacts");
    assert!(!of_job.is_empty());
    assert!(!b
        .job("j1")
        .artifact("a1")
        .get()
        .await
        .expect("artifact")
        .id
        .is_empty());
    build.assert_async().await;
    job.assert_async().await;
    get.assert_async().await;
}

#[tokio::test]
async fn archive_unarchive_get_and_delete_a_pipeline() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (method, suffix, status, op) in [
        (GET, "", 200, Some("getPipeline")),
        (POST, "/archive", 200, Some("archivePipeline")),
        (POST, "/unarchive", 200, Some("unarchivePipeline")),
        (DELETE, "", 204, None),
    ] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(method)
                        .path(format!("{PIPELINE}{suffix}"))
                        .header("authorization", BEARER);
                    let then = then.status(status);
                    if let Some(op) = op {
                        then.header("content-type", "application/json")
                            .json_body(fixture_body("buildkite", op));
                    }
                })
                .await,
        );
    }
    let bk = buildkite(&server);
    let p = bk.pipeline("acme", "web");
    p.get().await.expect("get");
    p.archive().await.expect("archive");
    p.unarchive().await.expect("unarchive");
    p.delete().await.expect("delete");
    for m in &mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn an_error_carries_the_service_message_status_and_operation_but_no_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{PIPELINE}/builds/404"));
            then.status(404)
                .header("content-type", "application/json")
                .header("x-request-id", "req-1")
                .json_body(json!({"message": "No build found"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(format!("{PIPELINE}/builds"));
            then.status(422)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Validation Failed", "errors": [{"field": "branch", "code": "missing"}]}));
        })
        .await;
    let bk = buildkite(&server);
    let err = bk
        .pipeline("acme", "web")
        .build(404)
        .get()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.operation().map(|o| o.id), Some("getBuild"));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.message(), "No build found");
    assert_eq!(api.request_id(), Some("req-1"));
    let shown = format!("{err} {err:?} {bk:?}");
    assert!(
        shown.contains("No build found") && shown.contains("404"),
        "{shown}"
    );
    assert!(!shown.contains(BK_TOKEN), "token in {shown}");

    let err = bk
        .pipeline("acme", "web")
        .create_build("HEAD", "x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert!(
        err.to_string()
            .contains("Validation Failed: branch missing"),
        "{err}"
    );
}

#[tokio::test]
async fn a_rate_limited_call_waits_and_succeeds_and_the_limits_are_readable() {
    let server = MockServer::start_async().await;
    // The first request is rate-limited; the retry gets through.
    let first = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let limited = server
        .mock_async(|when, then| {
            let first = first.clone();
            when.method(GET).path("/organizations/acme").is_true(move |_| first.swap(false, std::sync::atomic::Ordering::SeqCst));
            then.status(429)
                .header("content-type", "application/json")
                .header("ratelimit-reset", "60")
                .header("ratelimit-user-reset", "0")
                .json_body(json!({"message": "You have exceeded your API rate limit.", "scope": "rest_user", "reset": 0}));
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(GET).path("/organizations/acme");
            then.status(200)
                .header("content-type", "application/json")
                .header("ratelimit-remaining", "199")
                .header("ratelimit-limit", "200")
                .header("ratelimit-reset", "42")
                .json_body(fixture_body("buildkite", "getOrganization"));
        })
        .await;
    // The body's scope picks the user window (0 s), not the organization's (60 s), which would be
    // over this client's longest wait and fail the call as RateLimited.
    let bk = kitelab::Buildkite::builder()
        .base_url(server.base_url())
        .token(BK_TOKEN)
        .retry(kitelab_tests::fast_retries().max_wait(std::time::Duration::from_secs(10)))
        .build()
        .unwrap();
    bk.organization("acme")
        .get()
        .await
        .expect("retried to success");
    assert_eq!(limited.calls_async().await, 1);
    assert_eq!(ok.calls_async().await, 1);
    let limits = bk.rate_limit().expect("rate limit headers");
    assert_eq!((limits.limit, limits.remaining), (Some(200), Some(199)));
    assert_eq!(limits.reset_after, Some(std::time::Duration::from_secs(42)));
}

#[tokio::test]
async fn bad_input_fails_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let bk = buildkite(&server);
    for per_page in [0, 101] {
        let err = bk
            .builds()
            .per_page(per_page)
            .stream()
            .next()
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput(_)) && err.to_string().contains("per_page"),
            "{err}"
        );
    }
    let err = bk.pipeline("acme", "").get().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("the path parameter `pipeline_slug` is empty"),
        "{err}"
    );
    assert!(kitelab::Buildkite::new("")
        .unwrap_err()
        .to_string()
        .contains("empty"));
    assert!(kitelab::Buildkite::builder()
        .token("t")
        .base_url("not a url")
        .build()
        .is_err());
    assert!(kitelab::Buildkite::builder()
        .token("t")
        .per_page(0)
        .build()
        .is_err());
    assert_eq!(any.calls_async().await, 0);
}
