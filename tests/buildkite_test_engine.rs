//! Buildkite Test Engine through kitelab: suites (listed, fetched with and without their API
//! token, created, updated, deleted), runs and their failed executions, tests (filters, metric
//! windows and the `Buildkite-Version` that opts in to metrics), quarantine, labels, execution
//! tags, the legacy flaky tests and a build's tests. Each test checks the wire (method, exact
//! path, query, `Authorization`, JSON body, headers) and the failure paths.

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::buildkite::types::{self, FlakyTestsPeriod, SortOrder, TestSortBy, TestState};
use kitelab::buildkite::{MetricsWindow, TEST_METRICS_VERSION};
use kitelab::Error;
use kitelab_tests::{buildkite, fixture_body};
use serde_json::json;

const BEARER: &str = "Bearer bkua_test_token_0123456789";
const SUITES: &str = "/analytics/organizations/acme/suites";
const SUITE: &str = "/analytics/organizations/acme/suites/jasmine";
const TEST_ID: &str = "01867216-8478-7fde-a55a-0300f88bb49b";

fn ts(text: &str) -> kitelab::Timestamp {
    text.parse().expect("timestamp")
}

#[tokio::test]
async fn suites_are_listed_fetched_created_updated_and_deleted() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(SUITES)
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "50")
                .query_param("show_api_token", "true");
            then.status(200)
                .json_body(fixture_body("buildkite", "listTestSuites"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(SUITE)
                .header("authorization", BEARER)
                .query_param_missing("show_api_token");
            then.status(200)
                .json_body(fixture_body("buildkite", "getTestSuite"));
        })
        .await;
    let get_token = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(SUITE)
                .query_param("show_api_token", "true");
            then.status(200)
                .json_body(fixture_body("buildkite", "createTestSuite"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(SUITES)
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "name": "Jasmine",
                    "default_branch": "main",
                    "emoji": ":jasmine:",
                    "color": "#FFF700",
                    "application_name": "web",
                    "show_api_token": true,
                    "team_ids": ["4e0f4b2c-team"]
                }));
            then.status(201)
                .json_body(fixture_body("buildkite", "createTestSuite"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(SUITE)
                .header("authorization", BEARER)
                .json_body(json!({"default_branch": "trunk", "name": "Jasmine 2"}));
            then.status(200)
                .json_body(fixture_body("buildkite", "updateTestSuite"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(SUITE)
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;

    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let suites: Vec<types::TestSuite> = org
        .test_suites()
        .show_api_token(true)
        .per_page(50)
        .stream()
        .try_collect()
        .await
        .expect("list");
    let listed = fixture_body("buildkite", "listTestSuites");
    assert_eq!(suites.len(), listed.as_array().unwrap().len());
    assert_eq!(suites[0].id, listed[0]["id"].as_str().unwrap());

    let suite = org.test_suite("jasmine");
    assert_eq!(suite.slug(), "jasmine");
    suite.get().await.expect("get");
    let with_token = suite.get_with_api_token().await.expect("get with token");
    let token = with_token.api_token.as_ref().expect("a token");
    assert_eq!(token.expose(), "AAAAAAAAAAAAAAAAAAAAAAAA");
    assert!(!format!("{with_token:?}").contains("AAAAAAAAAAAAAAAAAAAAAAAA"));

    org.create_test_suite("Jasmine", "main")
        .emoji(":jasmine:")
        .color("#FFF700")
        .application_name("web")
        .show_api_token(true)
        .teams(["4e0f4b2c-team"])
        .send()
        .await
        .expect("create");
    suite
        .update()
        .name("Jasmine 2")
        .default_branch("trunk")
        .send()
        .await
        .expect("update");
    suite.delete().await.expect("delete");
    for m in [&list, &get, &get_token, &create, &update, &delete] {
        m.assert_async().await;
    }

    // An empty name or branch is refused before anything is sent.
    for (name, branch) in [("", "main"), ("Jasmine", " ")] {
        let err = org
            .create_test_suite(name, branch)
            .send()
            .await
            .expect_err("empty");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn a_suite_the_token_cannot_read_is_a_403_naming_the_operation() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(SUITE);
            then.status(403)
                .json_body(json!({"message": "Forbidden: missing scope read_suites"}));
        })
        .await;
    let bk = buildkite(&server);
    let err = bk
        .organization("acme")
        .test_suite("jasmine")
        .get()
        .await
        .expect_err("403");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.operation().map(|o| o.id), Some("getTestSuite"));
    assert!(err.to_string().contains("read_suites"), "{err}");
}

#[tokio::test]
async fn runs_and_their_failed_executions() {
    let server = MockServer::start_async().await;
    let runs = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITE}/runs"))
                .header("authorization", BEARER)
                .query_param("build_id", "0190-build")
                .query_param("page", "1");
            then.status(200)
                .json_body(fixture_body("buildkite", "listTestRuns"));
        })
        .await;
    let run = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITE}/runs/64374307-12ab-4b2d-b8c5-2e6f6b46a9f2"))
                .header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "getTestRun"));
        })
        .await;
    let failed = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!(
                    "{SUITE}/runs/64374307-12ab-4b2d-b8c5-2e6f6b46a9f2/failed_executions"
                ))
                .header("authorization", BEARER)
                .query_param("page", "1");
            then.status(200)
                .json_body(fixture_body("buildkite", "listFailedExecutions"));
        })
        .await;
    let bk = buildkite(&server);
    let suite = bk.organization("acme").test_suite("jasmine");
    let listed: Vec<types::TestRun> = suite
        .runs()
        .build_id("0190-build")
        .stream()
        .try_collect()
        .await
        .expect("runs");
    assert!(!listed.is_empty());
    let handle = suite.run("64374307-12ab-4b2d-b8c5-2e6f6b46a9f2");
    assert_eq!(handle.id(), "64374307-12ab-4b2d-b8c5-2e6f6b46a9f2");
    handle.get().await.expect("run");
    let executions: Vec<types::FailedExecution> = handle
        .failed_executions()
        .stream()
        .try_collect()
        .await
        .expect("failed executions");
    assert_eq!(
        executions.len(),
        fixture_body("buildkite", "listFailedExecutions")
            .as_array()
            .unwrap()
            .len()
    );
    for m in [&runs, &run, &failed] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn tests_are_filtered_once_for_a_suite_and_for_a_build_and_ask_for_metrics() {
    let server = MockServer::start_async().await;
    let suite_tests = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITE}/tests"))
                .header("authorization", BEARER)
                .header("buildkite-version", TEST_METRICS_VERSION)
                .query_param("labels", "flaky,!slow")
                .query_param("branch", "main")
                .query_param("owners", "web,platform")
                .query_param("state", "muted")
                .query_param("tags", "result:~failed,cloud:aws")
                .query_param("sort_by", "reliability")
                .query_param("order", "asc")
                .query_param("min_timestamp", "2026-07-01T00:00:00Z")
                .query_param("max_timestamp", "2026-07-08T00:00:00Z")
                .query_param_missing("period")
                .query_param("page", "1");
            then.status(200)
                .json_body(fixture_body("buildkite", "listTests"));
        })
        .await;
    let period = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITE}/tests"))
                .query_param("period", "28days")
                .query_param_missing("min_timestamp");
            then.status(200).json_body(json!([]));
        })
        .await;
    let build_tests = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/analytics/organizations/acme/builds/0190-build/tests")
                .header("authorization", BEARER)
                .header_missing("buildkite-version")
                .query_param("labels", "flaky")
                .query_param("state", "enabled")
                .query_param("sort_by", "duration_avg")
                .query_param("order", "desc")
                .query_param("page", "1");
            then.status(200)
                .json_body(fixture_body("buildkite", "listBuildTests"));
        })
        .await;

    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let tests: Vec<types::Test> = org
        .test_suite("jasmine")
        .tests()
        .labels(["flaky", "!slow"])
        .branch("main")
        .owners(["web", "platform"])
        .state(TestState::Muted)
        .tags(["result:~failed", "cloud:aws"])
        .sort_by(TestSortBy::Reliability)
        .order(SortOrder::Asc)
        .window(MetricsWindow::Between(
            ts("2026-07-01T00:00:00Z"),
            ts("2026-07-08T00:00:00Z"),
        ))
        .stream()
        .try_collect()
        .await
        .expect("suite tests");
    assert_eq!(
        tests.len(),
        fixture_body("buildkite", "listTests")
            .as_array()
            .unwrap()
            .len()
    );
    let none: Vec<types::Test> = org
        .test_suite("jasmine")
        .tests()
        .window(MetricsWindow::Period("28days".into()))
        .stream()
        .try_collect()
        .await
        .expect("period");
    assert!(none.is_empty());
    let of_build: Vec<types::Test> = org
        .build_tests("0190-build")
        .labels(["flaky"])
        .state(TestState::Enabled)
        .sort_by(TestSortBy::DurationAvg)
        .order(SortOrder::Desc)
        .stream()
        .try_collect()
        .await
        .expect("build tests");
    assert!(!of_build.is_empty());
    for m in [&suite_tests, &period, &build_tests] {
        m.assert_async().await;
    }

    // A window that ends before it starts is refused before anything is sent.
    let err = org
        .test_suite("jasmine")
        .tests()
        .window(MetricsWindow::Between(
            ts("2026-07-08T00:00:00Z"),
            ts("2026-07-01T00:00:00Z"),
        ))
        .page(1)
        .await
        .expect_err("backwards window");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(suite_tests.calls_async().await, 1);
}

#[tokio::test]
async fn a_test_is_fetched_found_labelled_and_quarantined() {
    let server = MockServer::start_async().await;
    let test_path = format!("{SUITE}/tests/{TEST_ID}");
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(test_path.as_str())
                .header("authorization", BEARER)
                .header("buildkite-version", TEST_METRICS_VERSION)
                .query_param_missing("period")
                .query_param_missing("min_timestamp");
            then.status(200)
                .json_body(fixture_body("buildkite", "getTest"));
        })
        .await;
    let get_since = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(test_path.as_str())
                .query_param("min_timestamp", "2026-07-01T00:00:00Z")
                .query_param_missing("max_timestamp");
            then.status(200)
                .json_body(fixture_body("buildkite", "getTest"));
        })
        .await;
    let find = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{SUITE}/tests/find"))
                .header("authorization", BEARER)
                .json_body(json!({"scope": "User#email", "name": "is correctly formatted"}));
            then.status(200)
                .json_body(fixture_body("buildkite", "findTest"));
        })
        .await;
    let add = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("{test_path}/labels"))
                .header("authorization", BEARER)
                .json_body(json!({"operator": "add", "labels": ["flaky", "slow"]}));
            then.status(200)
                .json_body(fixture_body("buildkite", "updateTestLabels"));
        })
        .await;
    let remove = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("{test_path}/labels"))
                .json_body(json!({"operator": "remove", "labels": ["slow"]}));
            then.status(200)
                .json_body(fixture_body("buildkite", "updateTestLabels"));
        })
        .await;
    let mut quarantine = Vec::new();
    for (verb, fixture) in [
        ("skip", "skipTest"),
        ("mute", "muteTest"),
        ("enable", "enableTest"),
    ] {
        quarantine.push(
            server
                .mock_async(|when, then| {
                    when.method(PUT)
                        .path(format!("{test_path}/{verb}"))
                        .header("authorization", BEARER);
                    then.status(200)
                        .json_body(fixture_body("buildkite", fixture));
                })
                .await,
        );
    }

    let bk = buildkite(&server);
    let suite = bk.organization("acme").test_suite("jasmine");
    let test = suite.test(TEST_ID);
    assert_eq!(test.id(), TEST_ID);
    let got = test.get().await.expect("get");
    assert_eq!(
        got.id,
        fixture_body("buildkite", "getTest")["id"].as_str().unwrap()
    );
    test.get_over(MetricsWindow::Since(ts("2026-07-01T00:00:00Z")))
        .await
        .expect("since");
    suite
        .find_test("User#email", "is correctly formatted")
        .await
        .expect("find");
    test.add_labels(["flaky", "slow"]).await.expect("add");
    test.remove_labels(["slow"]).await.expect("remove");
    test.skip().await.expect("skip");
    test.mute().await.expect("mute");
    test.enable().await.expect("enable");
    for m in [&get, &get_since, &find, &add, &remove] {
        m.assert_async().await;
    }
    for m in &quarantine {
        m.assert_async().await;
    }

    // Nothing is sent for no labels, a blank label or a blank period.
    let no_labels: [&str; 0] = [];
    assert!(matches!(
        test.add_labels(no_labels).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        test.remove_labels([" "]).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        test.get_over(MetricsWindow::Period(String::new())).await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(add.calls_async().await, 1);
    assert_eq!(remove.calls_async().await, 1);
    assert_eq!(get.calls_async().await, 1);
}

#[tokio::test]
async fn quarantined_and_flaky_test_lists() {
    let server = MockServer::start_async().await;
    let muted = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITE}/tests/muted"))
                .header("authorization", BEARER)
                .query_param("page", "1");
            then.status(200)
                .json_body(fixture_body("buildkite", "listMutedTests"));
        })
        .await;
    let skipped = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITE}/tests/skipped"))
                .header("authorization", BEARER);
            then.status(200)
                .json_body(fixture_body("buildkite", "listSkippedTests"));
        })
        .await;
    let flaky = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITE}/flaky-tests"))
                .header("authorization", BEARER)
                .query_param("search", "email")
                .query_param("branch", "main")
                .query_param("period", "28days");
            then.status(200)
                .json_body(fixture_body("buildkite", "listFlakyTests"));
        })
        .await;
    let bk = buildkite(&server);
    let suite = bk.organization("acme").test_suite("jasmine");
    let muted_tests: Vec<types::Test> = suite
        .muted_tests()
        .stream()
        .try_collect()
        .await
        .expect("muted");
    assert!(!muted_tests.is_empty());
    let skipped_tests: Vec<types::Test> = suite
        .skipped_tests()
        .stream()
        .try_collect()
        .await
        .expect("skipped");
    assert!(!skipped_tests.is_empty());
    let flaky_tests: Vec<types::FlakyTest> = suite
        .flaky_tests()
        .search("email")
        .branch("main")
        .period(FlakyTestsPeriod::V28days)
        .stream()
        .try_collect()
        .await
        .expect("flaky");
    assert_eq!(
        flaky_tests.len(),
        fixture_body("buildkite", "listFlakyTests")
            .as_array()
            .unwrap()
            .len()
    );
    for m in [&muted, &skipped, &flaky] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn execution_tags_are_replaced_in_bulk_and_only_mutable_keys_are_sent() {
    let server = MockServer::start_async().await;
    let tags = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{SUITE}/execution-tags"))
                .header("authorization", BEARER)
                .json_body(json!({"executions": [
                    {"id": "e1", "tags": {"mut.classification": "infrastructure", "mut.owner": "web"}},
                    {"id": "e2", "tags": {}}
                ]}));
            then.status(200);
        })
        .await;
    let bk = buildkite(&server);
    let suite = bk.organization("acme").test_suite("jasmine");
    let cleared: [(&str, &str); 0] = [];
    suite
        .update_execution_tags()
        .execution(
            "e1",
            [
                ("mut.classification", "infrastructure"),
                ("mut.owner", "web"),
            ],
        )
        .execution("e2", cleared)
        .send()
        .await
        .expect("tags");
    tags.assert_async().await;

    // A key without `mut.`, an empty id or no execution at all: refused, nothing sent.
    let err = suite
        .update_execution_tags()
        .execution("e1", [("classification", "x")])
        .send()
        .await
        .expect_err("immutable key");
    assert!(err.to_string().contains("classification"), "{err}");
    assert!(matches!(
        suite
            .update_execution_tags()
            .execution("", cleared)
            .send()
            .await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        suite.update_execution_tags().send().await,
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(tags.calls_async().await, 1);
}
