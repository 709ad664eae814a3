//! End-to-end tests of the GitLab runner operations beyond a runner's settings: creating a
//! runner with a user token, registering one with a registration token, the calls a runner
//! makes with its own authentication token (verify, reset, delete), resetting registration
//! tokens; the pipelines that built a package (by keyset); and triggering a pipeline on the
//! legacy ref route. Each checks the wire (method, raw path, query, headers, JSON body) and the
//! typed result decoded from the docs' examples, and the failure paths. A registration, runner
//! or trigger token travels in the body only: no user token is sent with it, and none reaches
//! an error or a `Debug` output.

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::gitlab::types::{RunnerAccessLevel, RunnerInfo, RunnerType};
use kitelab::Error;
use kitelab_tests::{fixture_body, gitlab};
use serde_json::json;

const BEARER: &str = "Bearer glpat-test-token-0123456789";
const PROJECT: &str = "/api/v4/projects/group%2Fsubgroup%2Fproject";
const REGISTRATION: &str = "GR1348941-registration-secret";
const RUNNER: &str = "glrt-runner-secret-0123456789";

/// Matches a request whose raw path (before any decoding) is `path`.
fn raw_path(path: &str) -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
    let path = path.to_owned();
    move |req| req.uri().path() == path
}

/// A client without a token, as a runner host has.
fn anonymous(server: &MockServer) -> kitelab::GitLab {
    kitelab::GitLab::builder()
        .anonymous()
        .base_url(server.base_url())
        .build()
        .expect("client")
}

/// Neither the error's text, nor its `Debug`, nor the body it keeps holds `secret`.
fn assert_no_secret(err: &Error, secret: &str) {
    assert!(!err.to_string().contains(secret), "Display leaks: {err}");
    assert!(!format!("{err:?}").contains(secret), "Debug leaks: {err:?}");
    if let Error::Api(api) = err {
        assert!(!api.body().contains(secret), "body leaks: {}", api.body());
        assert!(!api.message().contains(secret));
    }
}

#[tokio::test]
async fn register_a_runner_with_a_registration_token_and_no_user_token() {
    let server = MockServer::start_async().await;
    let register = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v4/runners")
                .header_missing("authorization")
                .header_missing("private-token")
                .header_missing("job-token")
                .json_body(json!({
                    "token": REGISTRATION,
                    "description": "test-1-20150125-test",
                    "info": {"name": "gitlab-runner", "version": "17.0.0"},
                    "paused": true,
                    "locked": false,
                    "run_untagged": false,
                    "tag_list": ["ruby", "mysql", "tag1"],
                    "access_level": "ref_protected",
                    "maximum_timeout": 3600,
                    "maintenance_note": "rack 4"
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "registerRunner"));
        })
        .await;
    // A client with a user token does not send it; a client without one works.
    for gl in [gitlab(&server), anonymous(&server)] {
        let builder = gl
            .register_runner(REGISTRATION)
            .description("test-1-20150125-test")
            .info(
                RunnerInfo::builder()
                    .name("gitlab-runner".to_owned())
                    .version("17.0.0".to_owned())
                    .try_into()
                    .expect("info"),
            )
            .paused(true)
            .locked(false)
            .run_untagged(false)
            .tags(["ruby", "mysql"])
            .tags(["tag1"])
            .access_level(RunnerAccessLevel::RefProtected)
            .maximum_timeout(3600)
            .maintenance_note("rack 4");
        assert!(
            !format!("{builder:?}").contains(REGISTRATION),
            "the builder's Debug shows the registration token"
        );
        let runner = builder.send().await.expect("registered");
        assert_eq!(runner.id, 12345);
        assert_eq!(runner.token.expose(), "6337ff461c94fd3fa32ba3b1ff4125");
        assert!(!format!("{runner:?}").contains("6337ff461c94fd3fa32ba3b1ff4125"));
    }
    assert_eq!(register.calls_async().await, 2);
}

#[tokio::test]
async fn a_refused_registration_token_never_reaches_the_error_and_a_bad_one_is_not_sent() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v4/runners");
            then.status(403)
                .header("content-type", "application/json")
                .json_body(
                    json!({"message": format!("403 Forbidden - invalid token {REGISTRATION}")}),
                );
        })
        .await;
    let gl = anonymous(&server);
    let err = gl.register_runner(REGISTRATION).send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403), "{err}");
    assert_eq!(err.operation().map(|o| o.id), Some("registerRunner"));
    assert_no_secret(&err, REGISTRATION);
    assert!(err.to_string().contains("[redacted]"), "{err}");
    refused.assert_async().await;

    // An empty token, one with a space, or an empty tag, is refused before anything is sent.
    let empty = gl.register_runner("").send().await.unwrap_err();
    assert!(matches!(empty, Error::InvalidInput(_)), "{empty:?}");
    assert!(empty.to_string().contains("registration token"), "{empty}");
    let spaced = gl.register_runner("GR13 48941").send().await.unwrap_err();
    assert!(spaced.to_string().contains("a space"), "{spaced}");
    assert!(!spaced.to_string().contains("GR13"), "{spaced}");
    let tag = gl
        .register_runner(REGISTRATION)
        .tags(["ok", " "])
        .send()
        .await
        .unwrap_err();
    assert!(tag.to_string().contains("runner tag"), "{tag}");
    assert_eq!(refused.calls_async().await, 1);
}

#[tokio::test]
async fn a_runner_verifies_resets_and_deletes_itself_with_its_own_token() {
    let server = MockServer::start_async().await;
    let verify = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v4/runners/verify")
                .header_missing("authorization")
                .header_missing("private-token")
                .json_body(json!({"token": RUNNER, "system_id": "s_89e5e9956577"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "verifyRunner"));
        })
        .await;
    let verify_bare = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v4/runners/verify")
                .json_body(json!({"token": RUNNER}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "verifyRunner"));
        })
        .await;
    let reset = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v4/runners/reset_authentication_token")
                .header_missing("authorization")
                .header_missing("private-token")
                .json_body(json!({"token": RUNNER}));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body(
                    "gitlab",
                    "resetRunnerAuthenticationTokenByToken",
                ));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v4/runners")
                .header_missing("authorization")
                .header_missing("private-token")
                .json_body(json!({"token": RUNNER}));
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let runner = gl.runner_by_token(RUNNER);
    assert!(
        !format!("{runner:?}").contains(RUNNER),
        "the handle's Debug shows the runner token"
    );
    let me = runner
        .verify(Some("s_89e5e9956577"))
        .await
        .expect("verified");
    assert_eq!(me.id, 12345);
    assert_eq!(me.token.expose(), "glrt-6337ff461c94fd3fa32ba3b1ff4125");
    anonymous(&server)
        .runner_by_token(RUNNER)
        .verify(None)
        .await
        .expect("verified without a system id, by a client without a token");
    let fresh = runner.reset_authentication_token().await.expect("reset");
    assert_eq!(fresh.token.expose(), "6337ff461c94fd3fa32ba3b1ff4125");
    assert_eq!(
        fresh.token_expires_at.map(|t| t.to_string()).as_deref(),
        Some("2021-09-27T21:05:03.203Z")
    );
    runner.delete().await.expect("deleted");
    for m in [&verify, &verify_bare, &reset, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn a_refused_runner_token_never_reaches_the_error_and_a_bad_one_is_not_sent() {
    let server = MockServer::start_async().await;
    let forbidden = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v4/runners/verify");
            then.status(403)
                .header("content-type", "application/json")
                .json_body(json!({"message": format!("403 Forbidden: {RUNNER}")}));
        })
        .await;
    let orphaned = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/api/v4/runners");
            then.status(403)
                .header("content-type", "text/plain")
                .body(format!("no runner for token={RUNNER}"));
        })
        .await;
    let gl = anonymous(&server);
    let runner = gl.runner_by_token(RUNNER);
    let err = runner.verify(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.operation().map(|o| o.id), Some("verifyRunner"));
    assert_no_secret(&err, RUNNER);
    let err = runner.delete().await.unwrap_err();
    assert_eq!(err.operation().map(|o| o.id), Some("deleteRunnerByToken"));
    assert_no_secret(&err, RUNNER);
    forbidden.assert_async().await;
    orphaned.assert_async().await;

    // A malformed token or an empty system id is refused before anything is sent.
    let bad = gl
        .runner_by_token("glrt-\u{e9}")
        .reset_authentication_token()
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::InvalidInput(_)), "{bad:?}");
    assert!(
        bad.to_string().contains("runner authentication token"),
        "{bad}"
    );
    let empty = gl.runner_by_token("").delete().await.unwrap_err();
    assert!(matches!(empty, Error::InvalidInput(_)), "{empty:?}");
    let no_system = runner.verify(Some(" ")).await.unwrap_err();
    assert!(no_system.to_string().contains("system id"), "{no_system}");
    assert_eq!(forbidden.calls_async().await, 1);
    assert_eq!(orphaned.calls_async().await, 1);
}

#[tokio::test]
async fn create_project_group_and_instance_runners_with_a_user_token() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for body in [
        json!({
            "runner_type": "project_type",
            "project_id": 42,
            "description": "arm64 builder",
            "paused": false,
            "locked": true,
            "run_untagged": false,
            "tag_list": ["docker", "arm64"],
            "access_level": "not_protected",
            "maximum_timeout": 7200,
            "maintenance_note": "in rack 4"
        }),
        json!({"runner_type": "group_type", "group_id": 7}),
        json!({"runner_type": "instance_type"}),
    ] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(POST)
                        .path("/api/v4/user/runners")
                        .header("authorization", BEARER)
                        .json_body(body);
                    then.status(201)
                        .header("content-type", "application/json")
                        .json_body(fixture_body("gitlab", "createUserRunner"));
                })
                .await,
        );
    }
    let gl = gitlab(&server);
    let project = gl
        .create_runner(RunnerType::ProjectType)
        .project_id(42)
        .description("arm64 builder")
        .paused(false)
        .locked(true)
        .run_untagged(false)
        .tags(["docker", "arm64"])
        .access_level(RunnerAccessLevel::NotProtected)
        .maximum_timeout(7200)
        .maintenance_note("in rack 4")
        .send()
        .await
        .expect("project runner");
    assert_eq!(project.id, 9171);
    assert_eq!(project.token.expose(), "glrt-kyahzxLaj4Dc1jQf4xjX");
    assert_eq!(project.token_expires_at, None);
    gl.create_runner(RunnerType::GroupType)
        .group_id(7)
        .send()
        .await
        .expect("group runner");
    gl.create_runner(RunnerType::InstanceType)
        .send()
        .await
        .expect("instance runner");
    for m in &mocks {
        m.assert_async().await;
    }

    // A group or project runner without its id is refused before anything is sent.
    let no_group = gl
        .create_runner(RunnerType::GroupType)
        .project_id(42)
        .send()
        .await
        .unwrap_err();
    assert!(no_group.to_string().contains("group_id"), "{no_group}");
    let no_project = gl
        .create_runner(RunnerType::ProjectType)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(no_project, Error::InvalidInput(_)),
        "{no_project:?}"
    );
    assert!(
        no_project.to_string().contains("project_id"),
        "{no_project}"
    );
    let sent: usize = {
        let mut n = 0;
        for m in &mocks {
            n += m.calls_async().await;
        }
        n
    };
    assert_eq!(sent, 3);
}

#[tokio::test]
async fn creating_a_runner_without_the_scope_carries_the_service_message() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v4/user/runners");
            then.status(403)
                .header("content-type", "application/json")
                .json_body(json!({"message": "403 Forbidden - insufficient_scope"}));
        })
        .await;
    let err = gitlab(&server)
        .create_runner(RunnerType::InstanceType)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert!(err.to_string().contains("insufficient_scope"), "{err}");
    assert_eq!(err.operation().map(|o| o.id), Some("createUserRunner"));
    refused.assert_async().await;
}

#[tokio::test]
async fn reset_the_instance_project_and_group_registration_tokens() {
    let server = MockServer::start_async().await;
    let mut mocks = Vec::new();
    for (path, fixture) in [
        (
            "/api/v4/runners/reset_registration_token".to_owned(),
            "resetInstanceRunnerRegistrationToken",
        ),
        (
            format!("{PROJECT}/runners/reset_registration_token"),
            "resetProjectRunnerRegistrationToken",
        ),
        (
            "/api/v4/groups/group%2Fsubgroup/runners/reset_registration_token".to_owned(),
            "resetGroupRunnerRegistrationToken",
        ),
    ] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(POST)
                        .is_true(raw_path(&path))
                        .header("authorization", BEARER);
                    then.status(201)
                        .header("content-type", "application/json")
                        .json_body(fixture_body("gitlab", fixture));
                })
                .await,
        );
    }
    let gl = gitlab(&server);
    let instance = gl
        .reset_runner_registration_token()
        .await
        .expect("instance");
    assert_eq!(instance.token.expose(), "6337ff461c94fd3fa32ba3b1ff4125");
    assert!(!format!("{instance:?}").contains("6337ff461c94fd3fa32ba3b1ff4125"));
    gl.project("group/subgroup/project")
        .reset_runner_registration_token()
        .await
        .expect("project");
    gl.group("group/subgroup")
        .reset_runner_registration_token()
        .await
        .expect("group");
    for m in &mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn resetting_a_registration_token_without_access_is_forbidden() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v4/groups/9/runners/reset_registration_token");
            then.status(403)
                .header("content-type", "application/json")
                .json_body(json!({"message": "403 Forbidden"}));
        })
        .await;
    let err = gitlab(&server)
        .group(9)
        .reset_runner_registration_token()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(
        err.operation().map(|o| o.id),
        Some("resetGroupRunnerRegistrationToken")
    );
    refused.assert_async().await;
}

#[tokio::test]
async fn list_the_pipelines_that_built_a_package_by_keyset_twenty_at_most() {
    let server = MockServer::start_async().await;
    let path = format!("{PROJECT}/packages/7/pipelines");
    let first = fixture_body("gitlab", "listPackagePipelines");
    let mut second = first.clone();
    for (i, p) in second.as_array_mut().expect("array").iter_mut().enumerate() {
        p["id"] = json!(100 + i);
    }
    let next = format!(
        "<{}{path}?cursor=eyJpZCI6IjIifQ&per_page=20>; rel=\"next\"",
        server.base_url()
    );
    let page1 = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&path))
                .header("authorization", BEARER)
                .query_param("per_page", "20")
                .query_param_missing("cursor")
                .query_param_missing("page");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", next.as_str())
                .json_body(first.clone());
        })
        .await;
    let page2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&path))
                .query_param("per_page", "20")
                .query_param("cursor", "eyJpZCI6IjIifQ");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(second.clone());
        })
        .await;
    let gl = gitlab(&server);
    let package = gl.project("group/subgroup/project").package(7);
    assert_eq!(package.id(), 7);
    // The client's default page size (100) is sent as GitLab's maximum, 20.
    let all: Vec<_> = package
        .pipelines()
        .stream()
        .try_collect()
        .await
        .expect("pipelines");
    let per_page = first.as_array().expect("array").len();
    assert_eq!(all.len(), 2 * per_page);
    assert_eq!(all[0].ref_, "mytag");
    assert_eq!(
        all[0].user.as_ref().and_then(|u| u.username.as_deref()),
        Some("root")
    );
    assert_eq!(all[per_page].id, 100);
    page1.assert_async().await;
    page2.assert_async().await;
}

#[tokio::test]
async fn a_missing_package_is_not_found() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v4/projects/5/packages/404/pipelines");
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "404 Package Not Found"}));
        })
        .await;
    let err = gitlab(&server)
        .project(5)
        .package(404)
        .pipelines()
        .per_page(5)
        .page(1)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.to_string().contains("Package Not Found"), "{err}");
    missing.assert_async().await;
}

#[tokio::test]
async fn trigger_a_pipeline_on_the_legacy_ref_route() {
    let server = MockServer::start_async().await;
    let trigger = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!(
                    "{PROJECT}/ref/release%2F1.2/trigger/pipeline"
                )))
                .header_missing("authorization")
                .header_missing("private-token")
                .json_body(json!({
                    "token": "glptt-trigger",
                    "variables": {"DEPLOY_ZONE": "eu"},
                    "inputs": {"stage": "canary"}
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "triggerPipelineForRef"));
        })
        .await;
    let pipeline = gitlab(&server)
        .trigger_pipeline("group/subgroup/project", "release/1.2", "glptt-trigger")
        .variable("DEPLOY_ZONE", "eu")
        .input("stage", "canary")
        .ref_in_path()
        .send()
        .await
        .expect("triggered");
    assert_eq!(pipeline.id, 257);
    trigger.assert_async().await;
}

#[tokio::test]
async fn a_refused_trigger_on_the_legacy_route_hides_the_token() {
    let server = MockServer::start_async().await;
    let secret = "glptt-legacy-secret-77";
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path("/api/v4/projects/1/ref/main/trigger/pipeline"));
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": format!("404 no trigger {secret}")}));
        })
        .await;
    let gl = gitlab(&server);
    let err = gl
        .trigger_pipeline(1, "main", secret)
        .ref_in_path()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.operation().map(|o| o.id), Some("triggerPipelineForRef"));
    assert_no_secret(&err, secret);
    refused.assert_async().await;
    // An empty ref cannot be a path segment: refused before anything is sent.
    let empty = gl
        .trigger_pipeline(1, "", secret)
        .ref_in_path()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(empty, Error::InvalidInput(_)), "{empty:?}");
    assert_eq!(refused.calls_async().await, 1);
}
