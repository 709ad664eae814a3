//! Waiting for builds and pipelines, following a running job's log, keyset pagination, playing a
//! manual job, and Buildkite's log forms (tail, size, HTML): the wire and the behaviour over time.
//!
//! Sequences (a build that runs, then passes) come from `respond_with` answering by call count.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use httpmock::HttpMockResponse;
use kitelab::Error;
use kitelab_tests::{buildkite, fixture_body, gitlab};
use serde_json::{json, Value};

const PIPELINE: &str = "/organizations/acme/pipelines/web";
const PROJECT: &str = "/api/v4/projects/group%2Fproject";

/// A JSON response.
fn json_response(body: &Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// Answers the n-th call with `answers[n]` (the last one again after that); counts the calls.
fn script(
    answers: Vec<HttpMockResponse>,
) -> (
    impl Fn(&HttpMockRequest) -> HttpMockResponse + Send + Sync + 'static,
    Arc<AtomicUsize>,
) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let respond = move |_: &HttpMockRequest| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        answers[n.min(answers.len() - 1)].clone()
    };
    (respond, calls)
}

fn build_in(state: &str, finished: bool) -> Value {
    let mut b = fixture_body("buildkite", "getBuild");
    b["state"] = json!(state);
    b["finished_at"] = if finished {
        json!("2025-01-01T00:00:00Z")
    } else {
        Value::Null
    };
    b
}

#[tokio::test]
async fn wait_for_a_build_to_finish_returns_its_final_state() {
    let server = MockServer::start_async().await;
    let (respond, calls) = script(vec![
        json_response(&build_in("scheduled", false)),
        json_response(&build_in("running", false)),
        json_response(&build_in("passed", true)),
    ]);
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{PIPELINE}/builds/42"));
            then.respond_with(respond);
        })
        .await;
    let bk = buildkite(&server);
    let build = bk
        .pipeline("acme", "web")
        .build(42)
        .wait()
        .poll_every(Duration::from_millis(1))
        .await
        .expect("finished");
    assert_eq!(build.state, kitelab::buildkite::BuildState::Passed);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_unknown_build_state_counts_as_finished_once_finished_at_is_set() {
    let server = MockServer::start_async().await;
    let (respond, calls) = script(vec![
        json_response(&build_in("teleporting", false)),
        json_response(&build_in("teleported", true)),
    ]);
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{PIPELINE}/builds/7"));
            then.respond_with(respond);
        })
        .await;
    let bk = buildkite(&server);
    let build = bk
        .pipeline("acme", "web")
        .build(7)
        .wait()
        .poll_every(Duration::from_millis(1))
        .await
        .expect("finished");
    assert_eq!(build.state.as_str(), "teleported");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn wait_gives_up_after_its_timeout_with_the_last_state() {
    let server = MockServer::start_async().await;
    let mut running = fixture_body("gitlab", "getPipeline");
    running["status"] = json!("running");
    running["finished_at"] = Value::Null;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/pipelines/5"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(running.clone());
        })
        .await;
    let gl = gitlab(&server);
    let err = gl
        .project("group/project")
        .pipeline(5)
        .wait()
        .poll_every(Duration::from_millis(2))
        .timeout(Duration::from_millis(20))
        .await
        .unwrap_err();
    let Error::WaitTimeout {
        what, last_state, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(last_state, "running");
    assert!(what.contains("pipeline 5 of group/project"), "{what}");
}

#[tokio::test]
async fn trigger_a_pipeline_then_wait_until_it_finishes() {
    let server = MockServer::start_async().await;
    let triggered = fixture_body("gitlab", "triggerPipeline");
    let id = triggered["id"].as_i64().unwrap();
    server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/trigger/pipeline"));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(triggered.clone());
        })
        .await;
    let mut pending = fixture_body("gitlab", "getPipeline");
    pending["id"] = json!(id);
    pending["status"] = json!("pending");
    let mut done = pending.clone();
    done["status"] = json!("success");
    done["finished_at"] = json!("2025-01-01T00:00:00Z");
    let (respond, calls) = script(vec![json_response(&pending), json_response(&done)]);
    server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(move |r| r.uri().path() == format!("{PROJECT}/pipelines/{id}"));
            then.respond_with(respond);
        })
        .await;
    let gl = gitlab(&server);
    let p = gl
        .trigger_pipeline("group/project", "main", "glptt-x")
        .send()
        .await
        .expect("triggered");
    let finished = gl
        .project("group/project")
        .pipeline(p.id)
        .wait()
        .poll_every(Duration::from_millis(1))
        .await
        .expect("waited");
    assert_eq!(finished.status, kitelab::gitlab::PipelineStatus::Success);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

fn job_in(status: &str) -> Value {
    let mut j = fixture_body("gitlab", "getJob");
    j["status"] = json!(status);
    j
}

#[tokio::test]
async fn follow_a_running_job_log_yields_only_new_bytes_until_it_finishes() {
    let server = MockServer::start_async().await;
    let (job_respond, job_calls) = script(vec![
        json_response(&job_in("running")),
        json_response(&job_in("running")),
        json_response(&job_in("running")),
        json_response(&job_in("success")),
    ]);
    let text = |body: &str| {
        HttpMockResponse::builder()
            .status(200)
            .header("content-type", "text/plain")
            .body(body.to_owned())
            .build()
    };
    let (trace_respond, trace_calls) = script(vec![
        text("$ make\n"),
        text("$ make\n"),
        text("$ make\nbuilding\n"),
        text("$ make\nbuilding\ndone\n"),
    ]);
    server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/jobs/9"));
            then.respond_with(job_respond);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/jobs/9/trace"))
                .header("accept", "text/plain");
            then.respond_with(trace_respond);
        })
        .await;
    let gl = gitlab(&server);
    let chunks: Vec<bytes::Bytes> = gl
        .project("group/project")
        .job(9)
        .follow()
        .poll_every(Duration::from_millis(1))
        .stream()
        .try_collect()
        .await
        .expect("followed");
    // Nothing new on the second poll: nothing yielded for it.
    assert_eq!(
        chunks,
        vec![
            bytes::Bytes::from_static(b"$ make\n"),
            bytes::Bytes::from_static(b"building\n"),
            bytes::Bytes::from_static(b"done\n")
        ]
    );
    assert_eq!(
        (
            job_calls.load(Ordering::SeqCst),
            trace_calls.load(Ordering::SeqCst)
        ),
        (4, 4)
    );
}

#[tokio::test]
async fn project_jobs_follow_keyset_links_to_the_end() {
    let server = MockServer::start_async().await;
    let jobs = fixture_body("gitlab", "listProjectJobs");
    let next = format!(
        "<{}{PROJECT}/jobs?cursor=eyJpZCI6IjQyIn0&order_by=id&pagination=keyset&per_page=100&sort=desc>; rel=\"next\"",
        server.base_url()
    );
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/jobs"))
                .query_param("pagination", "keyset")
                .query_param("order_by", "id")
                .query_param("sort", "desc")
                .query_param_missing("page")
                .query_param_missing("cursor");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", next.as_str())
                .json_body(jobs.clone());
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/jobs"))
                .query_param("cursor", "eyJpZCI6IjQyIn0")
                .query_param("pagination", "keyset");
            // The end: no Link header.
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([]));
        })
        .await;
    let gl = gitlab(&server);
    let all: Vec<_> = gl
        .project("group/project")
        .jobs()
        .stream()
        .try_collect()
        .await
        .expect("jobs");
    assert_eq!(all.len(), jobs.as_array().unwrap().len());
    first.assert_async().await;
    second.assert_async().await;

    // Opting out: page numbers.
    let offset = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/jobs"))
                .query_param("page", "1")
                .query_param_missing("pagination");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(jobs.clone());
        })
        .await;
    let paged: Vec<_> = gl
        .project("group/project")
        .jobs()
        .offset_pagination()
        .stream()
        .try_collect()
        .await
        .expect("jobs");
    assert_eq!(paged.len(), all.len());
    offset.assert_async().await;
}

#[tokio::test]
async fn play_a_manual_job_with_variables() {
    let server = MockServer::start_async().await;
    let play = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(|r| r.uri().path() == format!("{PROJECT}/jobs/42/play"))
                .json_body(
                    json!({"job_variables_attributes": [{"key": "TARGET", "value": "staging"}]}),
                );
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "playJob"));
        })
        .await;
    let gl = gitlab(&server);
    gl.project("group/project")
        .job(42)
        .play()
        .variable("TARGET", "staging")
        .send()
        .await
        .expect("played");
    let err = gl
        .project("group/project")
        .job(42)
        .play()
        .variable(" ", "x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert_eq!(play.calls_async().await, 1);
}

#[tokio::test]
async fn a_buildkite_log_tail_size_and_html() {
    let server = MockServer::start_async().await;
    let job = format!("{PIPELINE}/builds/42/jobs/j1");
    let tail = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{job}/log.txt"))
                .header("range", "bytes=-10")
                .header("accept", "text/plain");
            then.status(206)
                .header("content-type", "text/plain")
                .header("content-range", "bytes 990-999/1000")
                .body("last bytes");
        })
        .await;
    let empty = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/43/jobs/j1/log.txt"))
                .header("range", "bytes=-10");
            then.status(416)
                .header("content-type", "application/json")
                .body(r#"{"message":"Range Not Satisfiable"}"#);
        })
        .await;
    let size = server
        .mock_async(|when, then| {
            when.method("HEAD").path(format!("{job}/log"));
            then.status(200)
                .header("content-length", "1000")
                .header("accept-ranges", "bytes");
        })
        .await;
    let html = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{job}/log.html"))
                .header("accept", "text/html");
            then.status(200)
                .header("content-type", "text/html")
                .body("<span class=\"term-fg32\">ok</span>");
        })
        .await;
    let bk = buildkite(&server);
    let j = bk.pipeline("acme", "web").build(42).job("j1");
    let t = j.download_log_tail(10).await.expect("tail");
    assert_eq!(t.status().as_u16(), 206);
    assert_eq!(t.text().await.unwrap(), "last bytes");
    assert_eq!(
        bk.pipeline("acme", "web")
            .build(43)
            .job("j1")
            .download_log_tail(10)
            .await
            .expect("empty tail")
            .bytes()
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(j.log_size().await.expect("size"), 1000);
    assert!(j
        .download_log_html()
        .await
        .expect("html")
        .text()
        .await
        .unwrap()
        .contains("term-fg32"));
    assert!(matches!(
        j.download_log_tail(0).await.unwrap_err(),
        Error::InvalidInput(_)
    ));
    for m in [&tail, &empty, &size, &html] {
        m.assert_async().await;
    }
}

/// Five pages of builds numbered from the top, each linking to the next and to the last.
async fn five_pages(server: &MockServer) -> Vec<httpmock::Mock<'_>> {
    let template = fixture_body("buildkite", "getBuild");
    let mut mocks = Vec::new();
    for page in 1..=5u32 {
        let items: Vec<Value> = (0..10)
            .map(|i| {
                let mut b = template.clone();
                b["number"] = json!(60 - (page * 10 + i) as i64);
                b
            })
            .collect();
        let mut links = Vec::new();
        if page < 5 {
            links.push(format!(
                "<{}{PIPELINE}/builds?page={}&per_page=10>; rel=\"next\"",
                server.base_url(),
                page + 1
            ));
        }
        links.push(format!(
            "<{}{PIPELINE}/builds?page=5&per_page=10>; rel=\"last\"",
            server.base_url()
        ));
        let link = links.join(", ");
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .path(format!("{PIPELINE}/builds"))
                        .query_param("page", page.to_string());
                    then.status(200)
                        .header("content-type", "application/json")
                        .header("link", link.as_str())
                        .json_body(json!(items));
                })
                .await,
        );
    }
    mocks
}

#[tokio::test]
async fn max_items_fetches_no_page_beyond_the_items_it_needs() {
    let server = MockServer::start_async().await;
    let pages = five_pages(&server).await;
    let bk = buildkite(&server);
    let numbers: Vec<i64> = bk
        .pipeline("acme", "web")
        .builds()
        .per_page(10)
        .max_items(15)
        .stream()
        .map_ok(|b| b.number)
        .try_collect()
        .await
        .expect("builds");
    assert_eq!(numbers.len(), 15);
    let calls: Vec<usize> =
        futures_util::future::join_all(pages.iter().map(|m| m.calls_async())).await;
    assert_eq!(calls, [1, 1, 0, 0, 0]);
}

#[tokio::test]
async fn every_reading_mode_yields_every_item_once_in_order() {
    every_reading_mode().await;
}

/// On a multi-threaded runtime too, the order holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reading_mode_yields_every_item_once_in_order_on_worker_threads() {
    every_reading_mode().await;
}

async fn every_reading_mode() {
    let server = MockServer::start_async().await;
    let pages = five_pages(&server).await;
    let bk = buildkite(&server);
    let expected: Vec<i64> = (1..=5)
        .flat_map(|p| (0..10).map(move |i| 60 - (p * 10 + i)))
        .collect();
    for (name, list) in [
        (
            "one page at a time (default)",
            bk.pipeline("acme", "web").builds().per_page(10),
        ),
        (
            "four at once, the last page known",
            bk.pipeline("acme", "web")
                .builds()
                .per_page(10)
                .concurrency(4),
        ),
    ] {
        let numbers: Vec<i64> = list
            .stream()
            .map_ok(|b| b.number)
            .try_collect()
            .await
            .expect(name);
        assert_eq!(numbers, expected, "{name}");
    }
    let calls: Vec<usize> =
        futures_util::future::join_all(pages.iter().map(|m| m.calls_async())).await;
    assert_eq!(calls, [2, 2, 2, 2, 2], "each page once per mode");
}

#[tokio::test]
async fn a_build_s_jobs_follow_their_cursor_links() {
    let server = MockServer::start_async().await;
    let job = fixture_body("buildkite", "getJob");
    let jobs = format!("{PIPELINE}/builds/42/jobs");
    let next = format!("{}{jobs}?after=Y3Vyc29yLTE&per_page=2", server.base_url());
    let first = server
        .mock_async(|when, then| {
            when.method(GET).path(&jobs).query_param("state[]", "failed").query_param("per_page", "2").query_param_missing("after");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"items": [job.clone(), job.clone()], "links": {"self": "x", "next": next}}));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&jobs)
                .query_param("after", "Y3Vyc29yLTE")
                .query_param("state[]", "failed");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"items": [job.clone()], "links": {"self": "y"}}));
        })
        .await;
    let bk = buildkite(&server);
    let all: Vec<_> = bk
        .pipeline("acme", "web")
        .build(42)
        .jobs()
        .state([kitelab::buildkite::JobState::Failed])
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .expect("jobs");
    assert_eq!(all.len(), 3);
    first.assert_async().await;
    second.assert_async().await;
}
