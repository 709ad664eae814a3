//! End-to-end tests of the GitLab client against httpmock servers: the wire (method, path and
//! its encoding, query, headers, body) and the typed result of each operation, and the failure
//! paths. Tests are named for the python-gitlab workflow they prove.

use futures_util::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use kitelab::gitlab::{JobStatus, PipelineStatus, Token};
use kitelab::Error;
use kitelab_tests::{fixture_body, gitlab, gitlab_with, GL_TOKEN, JOB_TOKEN};
use serde_json::json;

const BEARER: &str = "Bearer glpat-test-token-0123456789";
const PROJECT: &str = "/api/v4/projects/group%2Fsubgroup%2Fproject";

/// Matches a request whose raw path (before any decoding) is `path`.
fn raw_path(path: &str) -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
    let path = path.to_owned();
    move |req| req.uri().path() == path
}

fn pipelines_page(ids: &[i64]) -> serde_json::Value {
    let template = fixture_body("gitlab", "listProjectPipelines")[0].clone();
    ids.iter()
        .map(|id| {
            let mut p = template.clone();
            p["id"] = json!(id);
            p
        })
        .collect()
}

#[tokio::test]
async fn list_project_pipelines_with_filters_across_pages_by_path() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/pipelines")))
                .header("authorization", BEARER)
                .query_param("status", "failed")
                .query_param("ref", "main")
                .query_param("yaml_errors", "true")
                .query_param("updated_after", "2025-01-01T00:00:00Z")
                .query_param("page", "1")
                .query_param("per_page", "2");
            then.status(200)
                .header("content-type", "application/json")
                .header("x-next-page", "2")
                .header("x-page", "1")
                .json_body(pipelines_page(&[9, 8]));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/pipelines")))
                .query_param("page", "2")
                .query_param("status", "failed");
            // The last page: an empty X-Next-Page, and no totals (GitLab omits them past 10,000).
            then.status(200)
                .header("content-type", "application/json")
                .header("x-next-page", "")
                .json_body(pipelines_page(&[7]));
        })
        .await;
    let gl = gitlab(&server);
    let ids: Vec<i64> = gl
        .project("group/subgroup/project")
        .pipelines()
        .status(PipelineStatus::Failed)
        .git_ref("main")
        .yaml_errors(true)
        .updated_after(kitelab::Timestamp::parse("2025-01-01T00:00:00Z").unwrap())
        .per_page(2)
        .stream()
        .map_ok(|p| p.id)
        .try_collect()
        .await
        .expect("pipelines");
    assert_eq!(ids, [9, 8, 7]);
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn project_paths_and_numeric_ids_are_encoded_exactly_once() {
    let server = MockServer::start_async().await;
    let odd = server
        .mock_async(|when, then| {
            when.method(GET).is_true(raw_path(
                "/api/v4/projects/my%20group%2Fpro%25ject%231%2F%C3%A9t%C3%A9/pipelines/5",
            ));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getPipeline"));
        })
        .await;
    let numeric = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/projects/42/pipelines/5"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getPipeline"));
        })
        .await;
    let gl = gitlab(&server);
    gl.project("my group/pro%ject#1/été")
        .pipeline(5)
        .get()
        .await
        .expect("odd path");
    gl.project(42u64)
        .pipeline(5)
        .get()
        .await
        .expect("numeric id");
    odd.assert_async().await;
    numeric.assert_async().await;
}

#[tokio::test]
async fn create_a_pipeline_with_variables_then_retry_cancel_and_delete_it() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/pipeline")))
                .header("authorization", BEARER)
                .json_body(json!({
                    "ref": "main",
                    "variables": [
                        {"key": "DEPLOY_ZONE", "value": "us-west1"},
                        {"key": "CONFIG", "value": "a=1", "variable_type": "file"}
                    ],
                    "inputs": {"env": "prod"}
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createPipeline"));
        })
        .await;
    let pipeline = fixture_body("gitlab", "createPipeline");
    let id = pipeline["id"].as_i64().unwrap();
    let retry = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/{id}/retry")));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "retryPipeline"));
        })
        .await;
    let cancel = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/{id}/cancel")));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "cancelPipeline"));
        })
        .await;
    let variables = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/{id}/variables")));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listPipelineVariables"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/{id}")));
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let created = project
        .create_pipeline("main")
        .variable("DEPLOY_ZONE", "us-west1")
        .file_variable("CONFIG", "a=1")
        .input("env", "prod")
        .send()
        .await
        .expect("created");
    assert_eq!(created.id, id);
    let p = project.pipeline(created.id);
    p.retry().await.expect("retry");
    p.cancel().await.expect("cancel");
    let listed: Vec<_> = p
        .variables()
        .stream()
        .try_collect()
        .await
        .expect("variables");
    assert!(!listed.is_empty());
    // One page: GitLab answers them all at once, and a later page is empty without a request.
    let second = p.variables().page(2).await.expect("page 2");
    assert!(second.items().is_empty());
    p.delete().await.expect("delete");
    for m in [&create, &retry, &cancel, &variables, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn read_a_job_trace_as_a_stream_and_as_text() {
    let server = MockServer::start_async().await;
    let log: String = (0..5000)
        .map(|i| format!("\u{1b}[32mline {i}\u{1b}[0m\n"))
        .collect();
    let trace = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/jobs/42/trace")))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "text/plain")
                .header("content-disposition", "infile; filename=\"42.log\"")
                .body(log.clone());
        })
        .await;
    let gl = gitlab(&server);
    let job = gl.project("group/subgroup/project").job(42);
    let download = job.download_log().await.expect("trace");
    assert_eq!(download.file_name().as_deref(), Some("42.log"));
    let mut chunks = 0;
    let mut got = Vec::new();
    let mut stream = download.into_stream();
    while let Some(chunk) = stream.next().await {
        got.extend_from_slice(&chunk.expect("chunk"));
        chunks += 1;
    }
    assert!(chunks >= 1);
    assert_eq!(got, log.as_bytes());
    assert_eq!(
        job.download_log()
            .await
            .expect("trace")
            .text()
            .await
            .expect("text"),
        log
    );
    assert_eq!(trace.calls_async().await, 2);
}

#[tokio::test]
async fn jobs_of_a_project_and_of_a_pipeline_and_each_job_verb() {
    let server = MockServer::start_async().await;
    let job = fixture_body("gitlab", "getJob");
    let project_jobs = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/jobs")))
                .is_true(|req| {
                    req.uri()
                        .to_string()
                        .contains("scope%5B%5D=failed&scope%5B%5D=canceled")
                });
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listProjectJobs"));
        })
        .await;
    let pipeline_jobs = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/7/jobs")))
                .query_param("include_retried", "true")
                .query_param("scope[]", "success");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listPipelineJobs"));
        })
        .await;
    let mut verbs = Vec::new();
    for (method, suffix, status) in [
        (GET, "", 200),
        (POST, "/cancel", 201),
        (POST, "/retry", 201),
        (POST, "/erase", 201),
        (POST, "/artifacts/keep", 200),
    ] {
        verbs.push(
            server
                .mock_async(|when, then| {
                    when.method(method)
                        .is_true(raw_path(&format!("{PROJECT}/jobs/42{suffix}")))
                        .header("authorization", BEARER);
                    then.status(status)
                        .header("content-type", "application/json")
                        .json_body(job.clone());
                })
                .await,
        );
    }
    let delete_artifacts = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{PROJECT}/jobs/42/artifacts")));
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let listed: Vec<_> = project
        .jobs()
        .status([JobStatus::Failed, JobStatus::Canceled])
        .stream()
        .try_collect()
        .await
        .expect("project jobs");
    assert!(!listed.is_empty());
    let of_pipeline: Vec<_> = project
        .pipeline(7)
        .jobs()
        .status([JobStatus::Success])
        .include_retried(true)
        .stream()
        .try_collect()
        .await
        .expect("pipeline jobs");
    assert!(!of_pipeline.is_empty());
    let j = project.job(42);
    assert_eq!(j.get().await.expect("get").id, job["id"].as_i64().unwrap());
    j.cancel().await.expect("cancel");
    j.retry().await.expect("retry");
    j.erase().await.expect("erase");
    j.keep_artifacts().await.expect("keep");
    j.delete_artifacts().await.expect("delete artifacts");
    project_jobs.assert_async().await;
    pipeline_jobs.assert_async().await;
    for m in &verbs {
        m.assert_async().await;
    }
    delete_artifacts.assert_async().await;
}

#[tokio::test]
async fn artifacts_archive_and_one_file_stream_to_disk_with_the_job_token_kept_from_storage() {
    let api = MockServer::start_async().await;
    let storage = MockServer::start_async().await;
    let zip: Vec<u8> = (0..100_000u32).map(|i| (i % 241) as u8).collect();
    let signed = format!(
        "{}/bucket/artifacts.zip?X-Amz-Signature=s",
        storage.base_url()
    );
    let archive = api
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/jobs/42/artifacts")))
                .header("job-token", JOB_TOKEN)
                .header_missing("authorization");
            then.status(302).header("location", signed.as_str());
        })
        .await;
    let stored = storage
        .mock_async(|when, then| {
            when.method(GET)
                .path("/bucket/artifacts.zip")
                .header_missing("job-token")
                .header_missing("authorization")
                .header_missing("private-token");
            then.status(200)
                .header("content-type", "application/zip")
                .header(
                    "content-disposition",
                    "attachment; filename=\"artifacts.zip\"",
                )
                .body(zip.clone());
        })
        .await;
    let file = api
        .mock_async(|when, then| {
            // The path inside the archive is one encoded segment; GitLab decodes it.
            when.method(GET)
                .is_true(raw_path(&format!(
                    "{PROJECT}/jobs/42/artifacts/dist%2Freport%20v1.txt"
                )))
                .header("job-token", JOB_TOKEN);
            then.status(200)
                .header("content-type", "text/plain")
                .body("report");
        })
        .await;
    let gl = gitlab_with(&api, Token::Job(JOB_TOKEN.into()));
    let job = gl.project("group/subgroup/project").job(42);
    let dir = std::env::temp_dir().join(format!("kitelab-gl-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("artifacts.zip");
    let download = job.download_artifacts().await.expect("archive");
    assert_eq!(download.file_name().as_deref(), Some("artifacts.zip"));
    assert_eq!(
        download.write_to(&path).await.expect("written"),
        zip.len() as u64
    );
    assert_eq!(std::fs::read(&path).unwrap(), zip);
    assert_eq!(
        job.download_artifact("dist/report v1.txt")
            .await
            .expect("file")
            .text()
            .await
            .expect("text"),
        "report"
    );
    archive.assert_async().await;
    stored.assert_async().await;
    file.assert_async().await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_same_origin_redirect_keeps_the_token() {
    let server = MockServer::start_async().await;
    let moved = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/jobs/42/trace")));
            then.status(302)
                .header("location", "/api/v4/projects/42/jobs/42/trace");
        })
        .await;
    let target = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/projects/42/jobs/42/trace"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "text/plain")
                .body("ok");
        })
        .await;
    let gl = gitlab(&server);
    assert_eq!(
        gl.project("group/subgroup/project")
            .job(42)
            .download_log()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    moved.assert_async().await;
    target.assert_async().await;
}

#[tokio::test]
async fn a_redirect_answering_a_post_is_an_error_never_replayed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/pipeline")));
            then.status(301)
                .header("location", "/api/v4/projects/42/pipeline");
        })
        .await;
    let replayed = server
        .mock_async(|when, then| {
            when.path("/api/v4/projects/42/pipeline");
            then.status(201);
        })
        .await;
    let gl = gitlab(&server);
    let err = gl
        .project("group/subgroup/project")
        .create_pipeline("main")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(301), "{err}");
    assert!(err.to_string().contains("not replayed"), "{err}");
    assert_eq!(replayed.calls_async().await, 0);
}

#[tokio::test]
async fn trigger_a_pipeline_with_a_trigger_token_and_no_user_token() {
    let server = MockServer::start_async().await;
    let trigger = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/trigger/pipeline")))
                .header_missing("authorization")
                .header_missing("job-token")
                .header_missing("private-token")
                .json_body(json!({"token": "glptt-trigger", "ref": "main", "variables": {"DEPLOY_ZONE": "eu", "X": "1"}}));
            then.status(201).header("content-type", "application/json").json_body(fixture_body("gitlab", "triggerPipeline"));
        })
        .await;
    // A client with a user token does not send it; a client without one works.
    for gl in [
        gitlab(&server),
        kitelab::GitLab::builder()
            .anonymous()
            .base_url(server.base_url())
            .build()
            .unwrap(),
    ] {
        let p = gl
            .trigger_pipeline("group/subgroup/project", "main", "glptt-trigger")
            .variable("DEPLOY_ZONE", "eu")
            .variables([("X", "1")])
            .send()
            .await
            .expect("triggered");
        assert!(p.id > 0);
    }
    assert_eq!(trigger.calls_async().await, 2);
}

#[tokio::test]
async fn every_gitlab_error_shape_surfaces_its_message() {
    let server = MockServer::start_async().await;
    let cases: [(i64, u16, &str, &str, &str); 5] = [
        (
            1,
            404,
            "application/json",
            r#"{"message":"404 Project Not Found"}"#,
            "404 Project Not Found",
        ),
        (
            2,
            400,
            "application/json",
            r#"{"message":{"ref":["is not a branch"]}}"#,
            "ref is not a branch",
        ),
        (
            3,
            400,
            "application/json",
            r#"{"error":"ref is missing"}"#,
            "ref is missing",
        ),
        (
            4,
            403,
            "application/json",
            r#"{"error":"insufficient_scope","error_description":"needs api"}"#,
            "insufficient_scope: needs api",
        ),
        (
            5,
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head></html>",
            "502 Bad Gateway",
        ),
    ];
    for (id, status, content_type, body, _) in cases {
        server
            .mock_async(|when, then| {
                when.method(GET)
                    .is_true(raw_path(&format!("{PROJECT}/pipelines/{id}")));
                then.status(status)
                    .header("content-type", content_type)
                    .body(body);
            })
            .await;
    }
    let gl = kitelab::GitLab::builder()
        .base_url(server.base_url())
        .token(Token::Personal(GL_TOKEN.into()))
        .retry(kitelab::RetryPolicy::none())
        .build()
        .unwrap();
    for (id, status, _, _, message) in cases {
        let err = gl
            .project("group/subgroup/project")
            .pipeline(id)
            .get()
            .await
            .unwrap_err();
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(api.status().as_u16(), status);
        assert_eq!(api.message(), message);
        assert!(!format!("{err} {err:?}").contains(GL_TOKEN));
    }
}

#[tokio::test]
async fn server_errors_are_retried_for_gets_but_a_post_is_not() {
    let server = MockServer::start_async().await;
    let first = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flaky = server
        .mock_async(|when, then| {
            let first = first.clone();
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/1")))
                .is_true(move |_| first.swap(false, std::sync::atomic::Ordering::SeqCst));
            then.status(503).body("unavailable");
        })
        .await;
    let ok = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/1")));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getPipeline"));
        })
        .await;
    let post = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/1/retry")));
            then.status(503).body("unavailable");
        })
        .await;
    let gl = gitlab(&server);
    let p = gl.project("group/subgroup/project").pipeline(1);
    p.get().await.expect("retried");
    assert_eq!((flaky.calls_async().await, ok.calls_async().await), (1, 1));
    let err = p.retry().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        post.calls_async().await,
        1,
        "a POST must not be retried on a 5xx"
    );
}

#[tokio::test]
async fn clients_come_from_the_environment_gitlab_ci_sets() {
    // One test touches the environment, so nothing races it.
    let server = MockServer::start_async().await;
    let job = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/projects/7/jobs/1"))
                .header("job-token", JOB_TOKEN)
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getJob"));
        })
        .await;
    let gl = {
        let _env = kitelab_tests::env_lock();
        // SAFETY of the test: the tests that touch the environment hold `env_lock`.
        unsafe {
            std::env::remove_var("GITLAB_TOKEN");
            std::env::remove_var("GITLAB_URL");
            std::env::set_var("CI_SERVER_URL", server.base_url());
            std::env::set_var("CI_JOB_TOKEN", JOB_TOKEN);
        }
        let gl = kitelab::GitLab::from_env().expect("from env");
        unsafe {
            std::env::remove_var("CI_SERVER_URL");
            std::env::remove_var("CI_JOB_TOKEN");
        }
        gl
    };
    assert_eq!(
        gl.base_url().as_str(),
        format!("{}/api/v4", server.base_url())
    );
    gl.project(7).job(1).get().await.expect("job");
    assert!(!format!("{gl:?}").contains(JOB_TOKEN));
    job.assert_async().await;
}

#[tokio::test]
async fn latest_pipeline_test_reports_bridges_schedule_pipelines_and_expiring_artifacts() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (method, path, query, status, fixture) in [
        (
            GET,
            format!("{PROJECT}/pipelines/latest"),
            Some(("ref", "release/1.0")),
            200,
            Some("getLatestPipeline"),
        ),
        (
            GET,
            format!("{PROJECT}/pipelines/7/test_report"),
            None,
            200,
            Some("getPipelineTestReport"),
        ),
        (
            GET,
            format!("{PROJECT}/pipelines/7/test_report_summary"),
            None,
            200,
            Some("getPipelineTestReportSummary"),
        ),
        (
            GET,
            format!("{PROJECT}/pipelines/7/bridges"),
            Some(("scope[]", "success")),
            200,
            Some("listPipelineBridges"),
        ),
        (
            GET,
            format!("{PROJECT}/pipeline_schedules/3/pipelines"),
            Some(("status", "failed")),
            200,
            Some("listPipelineSchedulePipelines"),
        ),
        (DELETE, format!("{PROJECT}/artifacts"), None, 202, None),
    ] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    let when = when
                        .method(method)
                        .is_true(raw_path(&path))
                        .header("authorization", BEARER);
                    if let Some((k, v)) = query {
                        when.query_param(k, v);
                    }
                    let then = then.status(status);
                    if let Some(op) = fixture {
                        then.header("content-type", "application/json")
                            .json_body(fixture_body("gitlab", op));
                    }
                })
                .await,
        );
    }
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    project
        .latest_pipeline(Some("release/1.0"))
        .await
        .expect("latest");
    let report = project.pipeline(7).test_report().await.expect("report");
    assert!(
        report.total_count.is_some() || !report.test_suites.is_empty(),
        "{report:?}"
    );
    project
        .pipeline(7)
        .test_report_summary()
        .await
        .expect("summary");
    let bridges: Vec<_> = project
        .pipeline(7)
        .bridges()
        .status([JobStatus::Success])
        .stream()
        .try_collect()
        .await
        .expect("bridges");
    assert!(
        bridges.iter().all(|b| b.downstream_pipeline.is_some()),
        "bridges carry their downstream pipeline"
    );
    let started: Vec<_> = project
        .schedule(3)
        .pipelines()
        .status(PipelineStatus::Failed)
        .stream()
        .try_collect()
        .await
        .expect("schedule pipelines");
    assert!(!started.is_empty());
    project.delete_artifacts().await.expect("expired");
    for m in &mocks {
        m.assert_async().await;
    }
}
