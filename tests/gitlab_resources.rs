//! End-to-end tests of the GitLab trigger tokens, pipeline schedules, CI/CD variables (project,
//! group and instance), environments (with stale ones and stopped review apps), deployments,
//! runners (and their jobs, by keyset), CI Lint, commit statuses, secure files, pipeline names,
//! the job token's own job and its access allowlists, resource groups, merge request
//! pipelines, and artifacts-by-ref against httpmock servers: the wire (method, raw path, query, headers, JSON
//! body) and the typed result of each operation, and the failure paths. Tests are named for the
//! python-gitlab workflow they prove.

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::gitlab::{ScheduleScope, VariableType};
use kitelab::Error;
use kitelab_tests::{fixture_body, gitlab, gitlab_with, JOB_TOKEN};
use serde_json::json;

const BEARER: &str = "Bearer glpat-test-token-0123456789";
const PROJECT: &str = "/api/v4/projects/group%2Fsubgroup%2Fproject";
const GROUP: &str = "/api/v4/groups/group%2Fsubgroup";
const MULTIPLE: &str =
    "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'";

/// Matches a request whose raw path (before any decoding) is `path`.
fn raw_path(path: &str) -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
    let path = path.to_owned();
    move |req| req.uri().path() == path
}

#[tokio::test]
async fn list_create_get_update_and_delete_project_trigger_tokens() {
    // python-gitlab: project.triggers.list(), .create({"description": ...}), .get(id),
    // trigger.description = ...; trigger.save(), trigger.delete()
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/triggers")))
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .header("x-next-page", "")
                .json_body(fixture_body("gitlab", "listTriggers"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/triggers")))
                .header("authorization", BEARER)
                .json_body(
                    json!({"description": "my trigger", "expires_at": "2030-01-01T00:00:00Z"}),
                );
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createTrigger"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/triggers/10")))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getTrigger"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{PROJECT}/triggers/10")))
                .header("authorization", BEARER)
                .json_body(json!({"description": "my trigger"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateTrigger"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{PROJECT}/triggers/10")))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let listed: Vec<_> = project
        .triggers()
        .stream()
        .try_collect()
        .await
        .expect("triggers");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, 10);
    assert_eq!(listed[0].token.expose(), "6d056f63e50fe6f8c5f8f4aa10edb7");
    assert!(listed[0].last_used.is_none() && listed[0].owner.is_none());
    let created = project
        .create_trigger("my trigger")
        .expires_at(kitelab::Timestamp::parse("2030-01-01T00:00:00Z").unwrap())
        .send()
        .await
        .expect("created");
    assert_eq!(created.description.as_deref(), Some("my trigger"));
    let trigger = project.trigger(created.id);
    assert_eq!(trigger.id(), 10);
    let got = trigger.get().await.expect("get");
    assert_eq!(
        got.created_at.map(|t| t.to_string()).as_deref(),
        Some("2016-01-07T09:53:58.235Z")
    );
    let updated = trigger
        .update()
        .description("my trigger")
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.id, 10);
    trigger.delete().await.expect("deleted");
    for m in [&list, &create, &get, &update, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn list_active_schedules_then_create_get_update_play_take_ownership_and_delete_one() {
    // python-gitlab: project.pipelineschedules.list(scope="active"), .create({...}), .get(id),
    // sched.cron = ...; sched.save(), sched.play(), sched.take_ownership(), sched.delete()
    let server = MockServer::start_async().await;
    let schedule = |suffix: &str| format!("{PROJECT}/pipeline_schedules{suffix}");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&schedule("")))
                .header("authorization", BEARER)
                .query_param("scope", "active")
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listPipelineSchedules"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&schedule("")))
                .header("authorization", BEARER)
                .json_body(json!({
                    "description": "Build packages",
                    "ref": "main",
                    "cron": "0 1 * * 5",
                    "cron_timezone": "UTC",
                    "active": true,
                    "inputs": [{"name": "environment", "value": "staging"}, {"name": "replicas", "value": 3}]
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createPipelineSchedule"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&schedule("/13")))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getPipelineSchedule"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&schedule("/13")))
                .header("authorization", BEARER)
                .json_body(json!({
                    "description": "Test schedule pipeline",
                    "ref": "refs/heads/main",
                    "cron": "0 2 * * *",
                    "cron_timezone": "Asia/Tokyo",
                    "active": true,
                    "inputs": [
                        {"name": "environment", "value": "production"},
                        {"name": "replicas", "destroy": true}
                    ]
                }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updatePipelineSchedule"));
        })
        .await;
    let play = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&schedule("/13/play")))
                .header("authorization", BEARER);
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "playPipelineSchedule"));
        })
        .await;
    let take = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&schedule("/13/take_ownership")))
                .header("authorization", BEARER);
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "takeOwnershipPipelineSchedule"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&schedule("/13")))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let active: Vec<_> = project
        .schedules()
        .scope(ScheduleScope::Active)
        .stream()
        .try_collect()
        .await
        .expect("schedules");
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].cron_timezone.as_deref(), Some("Asia/Tokyo"));
    assert!(active[0].last_pipeline.is_none() && active[0].variables.is_empty());
    let created = project
        .create_schedule("Build packages", "main", "0 1 * * 5")
        .cron_timezone("UTC")
        .active(true)
        .input("environment", "staging")
        .input("replicas", 3)
        .send()
        .await
        .expect("created");
    assert_eq!(created.id, 14);
    assert_eq!(created.ref_.as_deref(), Some("refs/heads/main"));
    let s = project.schedule(active[0].id);
    assert_eq!(s.id(), 13);
    let got = s.get().await.expect("get");
    assert_eq!(got.last_pipeline.as_ref().map(|p| p.id), Some(332));
    let updated = s
        .update()
        .description("Test schedule pipeline")
        .git_ref("refs/heads/main")
        .cron("0 2 * * *")
        .cron_timezone("Asia/Tokyo")
        .active(true)
        .input("environment", "production")
        .remove_input("replicas")
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.cron.as_deref(), Some("0 2 * * *"));
    s.play().await.expect("played");
    let owned = s.take_ownership().await.expect("taken");
    assert_eq!(
        owned.owner.and_then(|o| o.username).as_deref(),
        Some("maeda")
    );
    s.delete().await.expect("deleted");
    for m in [&list, &create, &get, &update, &play, &take, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn create_update_and_delete_pipeline_schedule_variables_by_key() {
    // python-gitlab: sched.variables.create({"key": ..., "value": ...}), var.value = ...;
    // var.save(), var.delete()
    let server = MockServer::start_async().await;
    let variables = format!("{PROJECT}/pipeline_schedules/13/variables");
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&variables))
                .header("authorization", BEARER)
                .json_body(json!({"key": "NEW_VARIABLE", "value": "new value", "variable_type": "env_var"}));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createPipelineScheduleVariable"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{variables}/NEW_VARIABLE")))
                .header("authorization", BEARER)
                .json_body(json!({"value": "updated value"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updatePipelineScheduleVariable"));
        })
        .await;
    let update_type = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{variables}/CONFIG")))
                .json_body(json!({"value": "a=1", "variable_type": "file"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"key": "CONFIG", "value": "a=1", "variable_type": "file"}));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{variables}/NEW_VARIABLE")))
                .header("authorization", BEARER);
            // 202 with the deleted variable, not 204.
            then.status(202)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "deletePipelineScheduleVariable"));
        })
        .await;
    let gl = gitlab(&server);
    let s = gl.project("group/subgroup/project").schedule(13);
    let created = s
        .create_variable("NEW_VARIABLE", "new value")
        .variable_type(VariableType::EnvVar)
        .send()
        .await
        .expect("created");
    assert_eq!(created.key, "NEW_VARIABLE");
    assert_eq!(created.variable_type, Some(VariableType::EnvVar));
    let updated = s
        .variable("NEW_VARIABLE")
        .update("updated value")
        .send()
        .await
        .expect("updated");
    assert_eq!(
        updated.value.as_ref().map(|v| v.expose()),
        Some("updated value")
    );
    let file = s
        .variable("CONFIG")
        .update("a=1")
        .variable_type(VariableType::File)
        .send()
        .await
        .expect("file");
    assert_eq!(file.variable_type, Some(VariableType::File));
    let deleted = s.variable("NEW_VARIABLE").delete().await.expect("deleted");
    assert_eq!(
        deleted.value.as_ref().map(|v| v.expose()),
        Some("updated value")
    );
    for m in [&create, &update, &update_type, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn list_create_get_update_and_delete_project_variables_in_an_environment_scope() {
    // python-gitlab: project.variables.list(), .create({...}), .get(key,
    // filter={"environment_scope": ...}), var.save(filter=...), var.delete(filter=...)
    let server = MockServer::start_async().await;
    let variables = format!("{PROJECT}/variables");
    let one = format!("{variables}/TEST_VARIABLE_1");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&variables))
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listProjectVariables"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&variables))
                .header("authorization", BEARER)
                .json_body(json!({
                    "key": "NEW_VARIABLE",
                    "value": "new value",
                    "description": "deploy token",
                    "environment_scope": "production",
                    "masked": true,
                    "masked_and_hidden": false,
                    "protected": true,
                    "raw": false,
                    "variable_type": "env_var"
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createProjectVariable"));
        })
        .await;
    let get_any_scope = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&one))
                .query_param_missing("filter[environment_scope]");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getProjectVariable"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&one))
                .header("authorization", BEARER)
                .query_param("filter[environment_scope]", "production");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getProjectVariable"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&one))
                .header("authorization", BEARER)
                .query_param("filter[environment_scope]", "production")
                .json_body(json!({
                    "value": "updated value",
                    "description": "rotated",
                    "environment_scope": "production/*",
                    "masked": false,
                    "protected": true,
                    "raw": true,
                    "variable_type": "file"
                }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateProjectVariable"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&one))
                .header("authorization", BEARER)
                .query_param("filter[environment_scope]", "production");
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let listed: Vec<_> = project
        .variables()
        .stream()
        .try_collect()
        .await
        .expect("variables");
    let keys: Vec<_> = listed.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(keys, ["TEST_VARIABLE_1", "TEST_VARIABLE_2"]);
    assert_eq!(listed[0].masked, Some(true));
    let created = project
        .create_variable("NEW_VARIABLE", "new value")
        .description("deploy token")
        .environment_scope("production")
        .masked(true)
        .masked_and_hidden(false)
        .protected(true)
        .raw(false)
        .variable_type(VariableType::EnvVar)
        .send()
        .await
        .expect("created");
    assert_eq!(
        created.value.as_ref().map(|v| v.expose()),
        Some("new value")
    );
    let any = project
        .variable("TEST_VARIABLE_1")
        .get()
        .await
        .expect("any scope");
    assert_eq!(any.environment_scope.as_deref(), Some("*"));
    let variable = project
        .variable("TEST_VARIABLE_1")
        .environment_scope("production");
    assert_eq!(variable.key(), "TEST_VARIABLE_1");
    assert_eq!(
        variable
            .get()
            .await
            .expect("get")
            .value
            .as_ref()
            .map(|v| v.expose()),
        Some("TEST_1")
    );
    let updated = variable
        .update()
        .value("updated value")
        .description("rotated")
        .environment_scope("production/*")
        .masked(false)
        .protected(true)
        .raw(true)
        .variable_type(VariableType::File)
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.protected, Some(true));
    variable.delete().await.expect("deleted");
    for m in [&list, &create, &get_any_scope, &get, &update, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn group_variables_by_path_or_id_work_like_project_variables() {
    // python-gitlab: gl.groups.get("group/subgroup").variables.list() / .create / .get / save /
    // delete
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{GROUP}/variables")))
                .header("authorization", BEARER)
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listGroupVariables"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{GROUP}/variables")))
                .header("authorization", BEARER)
                .json_body(
                    json!({"key": "NEW_VARIABLE", "value": "new value", "protected": false}),
                );
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createGroupVariable"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/groups/42/variables/TEST_VARIABLE_1"))
                .header("authorization", BEARER)
                .query_param("filter[environment_scope]", "*");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getGroupVariable"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{GROUP}/variables/NEW_VARIABLE")))
                .header("authorization", BEARER)
                .query_param_missing("filter[environment_scope]")
                .json_body(json!({"value": "updated value", "protected": true, "masked": true, "raw": true}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateGroupVariable"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{GROUP}/variables/NEW_VARIABLE")))
                .header("authorization", BEARER)
                .query_param("filter[environment_scope]", "staging");
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let group = gl.group("group/subgroup");
    assert_eq!(group.id().as_str(), "group/subgroup");
    let listed: Vec<_> = group
        .variables()
        .stream()
        .try_collect()
        .await
        .expect("variables");
    assert_eq!(listed.len(), 2);
    let created = group
        .create_variable("NEW_VARIABLE", "new value")
        .protected(false)
        .send()
        .await
        .expect("created");
    assert_eq!(created.key, "NEW_VARIABLE");
    let got = gl
        .group(42)
        .variable("TEST_VARIABLE_1")
        .environment_scope("*")
        .get()
        .await
        .expect("by numeric id");
    assert_eq!(got.value.as_ref().map(|v| v.expose()), Some("TEST_1"));
    let updated = group
        .variable("NEW_VARIABLE")
        .update()
        .value("updated value")
        .protected(true)
        .masked(true)
        .raw(true)
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.raw, Some(true));
    group
        .variable("NEW_VARIABLE")
        .environment_scope("staging")
        .delete()
        .await
        .expect("deleted");
    for m in [&list, &create, &get, &update, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn instance_variables_work_like_project_variables_without_scopes() {
    // python-gitlab: gl.variables.list() / .create / .get / save / delete
    let server = MockServer::start_async().await;
    const INSTANCE: &str = "/api/v4/admin/ci/variables";
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(INSTANCE))
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listInstanceVariables"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(INSTANCE))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "key": "NEW_VARIABLE",
                    "value": "new value",
                    "description": "mirror",
                    "masked": false,
                    "protected": true,
                    "raw": false,
                    "variable_type": "file"
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createInstanceVariable"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{INSTANCE}/TEST_VARIABLE_1")))
                .header("authorization", BEARER)
                .query_param_missing("filter[environment_scope]");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getInstanceVariable"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{INSTANCE}/NEW_VARIABLE")))
                .header("authorization", BEARER)
                .json_body(json!({"value": "updated value", "protected": true}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateInstanceVariable"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{INSTANCE}/NEW_VARIABLE")))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let listed: Vec<_> = gl
        .instance_variables()
        .stream()
        .try_collect()
        .await
        .expect("variables");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].key, "TEST_VARIABLE_1");
    let created = gl
        .create_instance_variable("NEW_VARIABLE", "new value")
        .description("mirror")
        .masked(false)
        .protected(true)
        .raw(false)
        .variable_type(VariableType::File)
        .send()
        .await
        .expect("created");
    assert_eq!(created.key, "NEW_VARIABLE");
    let got = gl
        .instance_variable("TEST_VARIABLE_1")
        .get()
        .await
        .expect("got");
    assert_eq!(got.value.as_ref().map(|v| v.expose()), Some("TEST_1"));
    let updated = gl
        .instance_variable("NEW_VARIABLE")
        .update()
        .value("updated value")
        .protected(true)
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.key, "NEW_VARIABLE");
    gl.instance_variable("NEW_VARIABLE")
        .delete()
        .await
        .expect("deleted");
    for m in [&list, &create, &get, &update, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn an_instance_variable_refuses_scopes_and_hiding_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let gl = gitlab(&server);
    let scoped = gl.instance_variable("K").environment_scope("production");
    assert_invalid(scoped.get().await, "environment scope");
    assert_invalid(scoped.delete().await, "environment scope");
    assert_invalid(scoped.update().value("v").send().await, "environment scope");
    let moved = gl
        .instance_variable("K")
        .update()
        .environment_scope("production")
        .send()
        .await;
    assert_invalid(moved, "environment scope");
    let created = gl
        .create_instance_variable("K", "v")
        .environment_scope("*")
        .send()
        .await;
    assert_invalid(created, "environment scope");
    let hidden = gl
        .create_instance_variable("K", "v")
        .masked_and_hidden(true)
        .send()
        .await;
    assert_invalid(hidden, "hidden values");
    assert_invalid(gl.instance_variable("").get().await, "variable key");
    let created = gl.create_instance_variable(" ", "v").send().await;
    assert_invalid(created, "variable key");
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn a_key_in_several_scopes_answers_409_until_filter_environment_scope_selects_one() {
    // python-gitlab raises GitlabGetError (409) for project.variables.get(key) when the key
    // exists in several environment scopes.
    let server = MockServer::start_async().await;
    for path in [
        format!("{PROJECT}/variables/DEPLOY_TOKEN"),
        format!("{GROUP}/variables/DEPLOY_TOKEN"),
    ] {
        server
            .mock_async(|when, then| {
                when.is_true(raw_path(&path))
                    .query_param_missing("filter[environment_scope]");
                then.status(409)
                    .header("content-type", "application/json")
                    .json_body(json!({"message": MULTIPLE}));
            })
            .await;
    }
    let selected = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/variables/DEPLOY_TOKEN")))
                .query_param("filter[environment_scope]", "production");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getProjectVariable"));
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let group = gl.group("group/subgroup");
    let failures = [
        (
            project.variable("DEPLOY_TOKEN").get().await.unwrap_err(),
            "getProjectVariable",
        ),
        (
            project
                .variable("DEPLOY_TOKEN")
                .update()
                .value("x")
                .send()
                .await
                .unwrap_err(),
            "updateProjectVariable",
        ),
        (
            group.variable("DEPLOY_TOKEN").delete().await.unwrap_err(),
            "deleteGroupVariable",
        ),
    ];
    for (err, operation) in failures {
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(api.status().as_u16(), 409);
        assert_eq!(api.message(), MULTIPLE);
        assert_eq!(api.operation().id, operation);
    }
    project
        .variable("DEPLOY_TOKEN")
        .environment_scope("production")
        .get()
        .await
        .expect("selected");
    selected.assert_async().await;
}

/// Asserts that `result` failed with [`Error::InvalidInput`] naming `what`.
fn assert_invalid<T>(result: kitelab::Result<T>, what: &str) {
    match result {
        Err(Error::InvalidInput(message)) => {
            assert!(message.contains(what), "{message:?} should name {what}")
        }
        Err(other) => panic!("{what}: {other:?}"),
        Ok(_) => panic!("{what}: succeeded"),
    }
}

#[tokio::test]
async fn empty_keys_crons_refs_and_ids_fail_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let schedule = project.schedule(13);
    // Variables: the key, the selected scope, and the owner's id.
    assert_invalid(project.variable("").get().await, "variable key");
    assert_invalid(project.variable(" ").delete().await, "variable key");
    let update = project.variable("").update().value("v").send().await;
    assert_invalid(update, "variable key");
    let scoped = project.variable("K").environment_scope("").get().await;
    assert_invalid(scoped, "environment scope");
    let created = project.create_variable("", "v").send().await;
    assert_invalid(created, "variable key");
    let created = gl.group("group").create_variable("", "v").send().await;
    assert_invalid(created, "variable key");
    assert_invalid(gl.group("").variable("K").get().await, "`id` is empty");
    let listed = gl
        .group("")
        .variables()
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(listed, "`id` is empty");
    // Schedules: the cron and ref, and the variable keys.
    let created = project.create_schedule("Nightly", "main", "").send().await;
    assert_invalid(created, "cron");
    let created = project
        .create_schedule("Nightly", "", "0 1 * * *")
        .send()
        .await;
    assert_invalid(created, "ref");
    assert_invalid(schedule.update().cron("  ").send().await, "cron");
    assert_invalid(
        schedule.create_variable("", "v").send().await,
        "variable key",
    );
    assert_invalid(
        schedule.variable("").update("v").send().await,
        "`key` is empty",
    );
    assert_invalid(schedule.variable("").delete().await, "`key` is empty");
    // Artifacts by ref: the ref, the job name and the path.
    assert_invalid(project.download_artifacts_by_ref("", "build").await, "ref");
    assert_invalid(
        project.download_artifacts_by_ref("main", "").await,
        "job name",
    );
    let file = project.download_artifact_by_ref("main", "", "build").await;
    assert_invalid(file, "artifact path");
    // Triggers: the project id (the generated code names the path parameter, `id`).
    let listed = gl
        .project("")
        .triggers()
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(listed, "`id` is empty");
    assert_invalid(
        gl.project("").trigger(10).get().await,
        "the path parameter `id` is empty",
    );
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn download_the_latest_artifacts_of_a_branch_with_a_slash_by_job_name() {
    // python-gitlab: project.artifacts.download(ref_name="feature/x", job="build"),
    // project.artifacts.raw("feature/x", "dist/report v1.txt", "unit tests")
    let server = MockServer::start_async().await;
    let zip: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let archive = server
        .mock_async(|when, then| {
            // The ref's slash is encoded once, as one segment: feature%2Fx.
            when.method(GET)
                .is_true(raw_path(&format!(
                    "{PROJECT}/jobs/artifacts/feature%2Fx/download"
                )))
                .header("authorization", BEARER)
                .query_param("job", "build")
                .query_param_missing("job_token");
            then.status(200)
                .header("content-type", "application/octet-stream")
                .header(
                    "content-disposition",
                    "attachment; filename=\"artifacts.zip\"",
                )
                .body(zip.clone());
        })
        .await;
    let file = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!(
                    "{PROJECT}/jobs/artifacts/feature%2Fx/raw/dist%2Freport%20v1.txt"
                )))
                .header("authorization", BEARER)
                .query_param("job", "unit tests");
            then.status(200)
                .header("content-type", "text/plain")
                .body("report");
        })
        .await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/jobs/artifacts/main/download")))
                .query_param("job", "build");
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "404 Not found"}));
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let download = project
        .download_artifacts_by_ref("feature/x", "build")
        .await
        .expect("archive");
    assert_eq!(download.file_name().as_deref(), Some("artifacts.zip"));
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), zip);
    assert_eq!(
        project
            .download_artifact_by_ref("feature/x", "dist/report v1.txt", "unit tests")
            .await
            .expect("file")
            .text()
            .await
            .expect("text"),
        "report"
    );
    let err = project
        .download_artifacts_by_ref("main", "build")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.operation().map(|o| o.id), Some("downloadRefArtifacts"));
    archive.assert_async().await;
    file.assert_async().await;
    missing.assert_async().await;
}

#[tokio::test]
async fn list_create_get_update_stop_and_delete_environments() {
    // python-gitlab: project.environments.list(search=..., states=...), .create({...}),
    // .get(id), env.external_url = ...; env.save(), env.stop(), env.delete()
    use kitelab::gitlab::types::{EnvironmentAutoStopSetting, EnvironmentState, EnvironmentTier};
    let server = MockServer::start_async().await;
    let environments = format!("{PROJECT}/environments");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&environments))
                .header("authorization", BEARER)
                .query_param("search", "review/")
                .query_param("states", "available")
                .query_param_missing("name")
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listEnvironments"));
        })
        .await;
    let by_name = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&environments))
                .query_param("name", "review/fix-foo")
                .query_param_missing("search");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listEnvironments"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&environments))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "name": "deploy",
                    "external_url": "https://deploy.gitlab.example.com",
                    "tier": "production",
                    "description": "The production deploy",
                    "cluster_agent_id": 1,
                    "kubernetes_namespace": "flux-system",
                    "flux_resource_path": "HelmRelease/flux-system",
                    "auto_stop_setting": "with_action"
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createEnvironment"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{environments}/1")))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getEnvironment"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{environments}/1")))
                .header("authorization", BEARER)
                .json_body(json!({"external_url": "https://staging.gitlab.example.com", "tier": "staging"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateEnvironment"));
        })
        .await;
    let stop = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{environments}/1/stop")))
                .header("authorization", BEARER)
                .query_param_missing("force");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "stopEnvironment"));
        })
        .await;
    let force_stop = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{environments}/2/stop")))
                .query_param("force", "true");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "stopEnvironment"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{environments}/1")))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let listed: Vec<_> = project
        .environments()
        .search("review/")
        .state(EnvironmentState::Available)
        .stream()
        .try_collect()
        .await
        .expect("environments");
    assert_eq!(listed[0].name, "review/fix-foo");
    let named: Vec<_> = project
        .environments()
        .name("review/fix-foo")
        .stream()
        .try_collect()
        .await
        .expect("by name");
    assert_eq!(named.len(), 1);
    let created = project
        .create_environment("deploy")
        .external_url("https://deploy.gitlab.example.com")
        .tier(EnvironmentTier::Production)
        .description("The production deploy")
        .cluster_agent_id(1)
        .kubernetes_namespace("flux-system")
        .flux_resource_path("HelmRelease/flux-system")
        .auto_stop_setting(EnvironmentAutoStopSetting::WithAction)
        .send()
        .await
        .expect("created");
    assert_eq!(created.name, "deploy");
    let environment = project.environment(1);
    assert_eq!(environment.id(), 1);
    let got = environment.get().await.expect("got");
    assert_eq!(got.id, 1);
    let updated = environment
        .update()
        .external_url("https://staging.gitlab.example.com")
        .tier(EnvironmentTier::Staging)
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.name, "staging");
    let stopped = environment.stop().await.expect("stopped");
    assert_eq!(stopped.state, Some(EnvironmentState::Stopped));
    project
        .environment(2)
        .force_stop()
        .await
        .expect("stopped by force");
    environment.delete().await.expect("deleted");
    for m in [
        &list,
        &by_name,
        &create,
        &get,
        &update,
        &stop,
        &force_stop,
        &delete,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn stop_stale_environments_and_delete_stopped_review_apps_after_a_dry_run() {
    // python-gitlab has neither; GitLab's docs: POST environments/stop_stale?before=...,
    // DELETE environments/review_apps?dry_run=false
    let server = MockServer::start_async().await;
    let environments = format!("{PROJECT}/environments");
    let stale = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{environments}/stop_stale")))
                .header("authorization", BEARER)
                .query_param("before", "2024-01-01T00:00:00Z");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "stopStaleEnvironments"));
        })
        .await;
    let dry_run = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{environments}/review_apps")))
                .header("authorization", BEARER)
                .query_param_missing("dry_run")
                .query_param_missing("limit")
                .query_param_missing("before");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "deleteStoppedReviewApps"));
        })
        .await;
    let for_real = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{environments}/review_apps")))
                .query_param("dry_run", "false")
                .query_param("limit", "50")
                .query_param("before", "2024-06-01T00:00:00Z");
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"message": {
                    "scheduled_entries": [],
                    "unprocessable_entries": [],
                    "message": "Failed to authorize deletions for some or all of the environments. Ask someone with more permissions to delete the environments."
                }}));
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let before = kitelab::Timestamp::parse("2024-01-01T00:00:00Z").expect("a time");
    let message = project
        .stop_stale_environments(before)
        .await
        .expect("stopped");
    assert_eq!(
        message,
        fixture_body("gitlab", "stopStaleEnvironments")["message"]
    );
    let would = project
        .delete_stopped_review_apps()
        .send()
        .await
        .expect("dry run");
    assert_eq!(would.scheduled_entries.len(), 2);
    let err = project
        .delete_stopped_review_apps()
        .dry_run(false)
        .limit(50)
        .before(kitelab::Timestamp::parse("2024-06-01T00:00:00Z").expect("a time"))
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status().as_u16(), 400);
    assert!(
        api.message().contains("Failed to authorize deletions"),
        "{}",
        api.message()
    );
    assert_eq!(api.operation().id, "deleteStoppedReviewApps");
    for m in [&stale, &dry_run, &for_real] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn bad_environment_inputs_fail_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let both = project
        .environments()
        .name("production")
        .search("prod")
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(both, "not both");
    let short = project
        .environments()
        .search("pr")
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(short, "at least 3 characters");
    let empty = project
        .environments()
        .name("")
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(empty, "environment name");
    assert_invalid(
        project.create_environment(" ").send().await,
        "environment name",
    );
    for limit in [0, 1001] {
        let deleted = project
            .delete_stopped_review_apps()
            .limit(limit)
            .send()
            .await;
        assert_invalid(deleted, &format!("not {limit}"));
    }
    assert_invalid(
        gl.project("").environment(1).get().await,
        "the path parameter `id` is empty",
    );
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn record_a_deployment_list_get_finish_approve_and_delete_it() {
    // python-gitlab: project.deployments.list(environment=..., status=...), .create({...}),
    // .get(id), deployment.status = "success"; deployment.save(), deployment.approval(...),
    // deployment.mergerequests.list()
    use kitelab::gitlab::types::{DeploymentOrderBy, DeploymentStatus, Sort};
    let server = MockServer::start_async().await;
    let deployments = format!("{PROJECT}/deployments");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&deployments))
                .header("authorization", BEARER)
                .query_param("environment", "production")
                .query_param("status", "success")
                .query_param("order_by", "finished_at")
                .query_param("sort", "desc")
                .query_param("finished_after", "2026-11-01T00:00:00Z")
                .query_param_missing("updated_after")
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listDeployments"));
        })
        .await;
    let updated_since = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&deployments))
                .query_param("updated_after", "2026-11-01T00:00:00Z")
                .query_param("updated_before", "2026-11-02T00:00:00Z")
                .query_param_missing("order_by");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([]));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&deployments))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "environment": "production",
                    "sha": "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
                    "ref": "main",
                    "tag": false,
                    "status": "success"
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createDeployment"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{deployments}/42")))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getDeployment"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{deployments}/42")))
                .header("authorization", BEARER)
                .json_body(json!({"status": "success"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateDeployment"));
        })
        .await;
    let merge_requests = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{deployments}/42/merge_requests")))
                .header("authorization", BEARER)
                .query_param("state", "merged");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([{"id": 7, "iid": 3, "title": "Ship it", "state": "merged"}]));
        })
        .await;
    let approve = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{deployments}/42/approval")))
                .header("authorization", BEARER)
                .json_body(json!({"status": "approved", "comment": "Looks good", "represented_as": "security"}));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "approveDeployment"));
        })
        .await;
    let reject = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{deployments}/43/approval")))
                .json_body(json!({"status": "rejected"}));
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"message": "You cannot approve your own deployment."}));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{deployments}/42")))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let november = kitelab::Timestamp::parse("2026-11-01T00:00:00Z").expect("a time");
    let listed: Vec<_> = project
        .deployments()
        .environment("production")
        .status(DeploymentStatus::Success)
        .order_by(DeploymentOrderBy::FinishedAt)
        .sort(Sort::Desc)
        .finished_after(november)
        .stream()
        .try_collect()
        .await
        .expect("deployments");
    assert_eq!(listed[0].id, 41);
    let none: Vec<_> = project
        .deployments()
        .updated_after(november)
        .updated_before(kitelab::Timestamp::parse("2026-11-02T00:00:00Z").expect("a time"))
        .stream()
        .try_collect()
        .await
        .expect("updated since");
    assert!(none.is_empty());
    let created = project
        .create_deployment(
            "production",
            "a91957a858320c0e17f3a0eca7cfacbff50ea29a",
            "main",
            DeploymentStatus::Success,
        )
        .send()
        .await
        .expect("created");
    assert_eq!(created.id, 42);
    let deployment = project.deployment(created.id);
    assert_eq!(deployment.id(), 42);
    let got = deployment.get().await.expect("got");
    assert_eq!(got.status, Some(DeploymentStatus::Success));
    deployment
        .set_status(DeploymentStatus::Success)
        .await
        .expect("finished");
    let shipped: Vec<_> = deployment
        .merge_requests()
        .state("merged")
        .stream()
        .try_collect()
        .await
        .expect("merge requests");
    assert_eq!(shipped[0].iid, 3);
    let approval = deployment
        .approve()
        .comment("Looks good")
        .represented_as("security")
        .send()
        .await
        .expect("approved");
    assert_eq!(
        approval.status,
        Some(kitelab::gitlab::types::DeploymentApprovalStatus::Approved)
    );
    let err = project.deployment(43).reject().send().await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status().as_u16(), 400);
    assert_eq!(api.message(), "You cannot approve your own deployment.");
    assert_eq!(api.operation().id, "approveDeployment");
    deployment.delete().await.expect("deleted");
    for m in [
        &list,
        &updated_since,
        &create,
        &get,
        &update,
        &merge_requests,
        &approve,
        &reject,
        &delete,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn deployment_filters_gitlab_refuses_fail_before_anything_is_sent() {
    use kitelab::gitlab::types::{DeploymentOrderBy, DeploymentStatus};
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let t = kitelab::Timestamp::parse("2026-11-01T00:00:00Z").expect("a time");
    let lists = [
        (
            project
                .deployments()
                .updated_after(t)
                .finished_before(t)
                .order_by(DeploymentOrderBy::FinishedAt)
                .status(DeploymentStatus::Success),
            "not both",
        ),
        (
            project
                .deployments()
                .finished_after(t)
                .status(DeploymentStatus::Success),
            "order_by(FinishedAt)",
        ),
        (
            project
                .deployments()
                .order_by(DeploymentOrderBy::FinishedAt),
            "order_by(FinishedAt)",
        ),
        (
            project
                .deployments()
                .finished_after(t)
                .order_by(DeploymentOrderBy::FinishedAt),
            "status(Success)",
        ),
        (project.deployments().environment(""), "environment name"),
    ];
    for (list, what) in lists {
        assert_invalid(list.stream().try_collect::<Vec<_>>().await, what);
    }
    for (env, sha, git_ref, what) in [
        ("", "abc", "main", "environment name"),
        ("production", " ", "main", "SHA"),
        ("production", "abc", "", "ref"),
    ] {
        let created = project
            .create_deployment(env, sha, git_ref, DeploymentStatus::Running)
            .send()
            .await;
        assert_invalid(created, what);
    }
    let merge_requests = project
        .deployment(1)
        .merge_requests()
        .state("")
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(merge_requests, "merge request state");
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn list_runners_four_ways_with_filters_then_update_pause_and_delete_one() {
    // python-gitlab: gl.runners.list(scope=..., type=..., status=..., paused=..., tag_list=[...]),
    // gl.runners.list_all(), project.runners.list(), group.runners.list(), runner.save(),
    // runner.delete(), project.runners.create({"runner_id": ...}), project.runners.delete(id)
    use kitelab::gitlab::types::{RunnerAccessLevel, RunnerScope, RunnerStatusFilter, RunnerType};
    let server = MockServer::start_async().await;
    let list = |path: &'static str, fixture: &'static str| {
        let server = &server;
        async move {
            server
                .mock_async(|when, then| {
                    when.method(GET)
                        .is_true(raw_path(path))
                        .header("authorization", BEARER)
                        .query_param("type", "project_type")
                        .query_param("status", "online")
                        .query_param("paused", "false")
                        .query_param("tag_list", "docker,linux")
                        .query_param("version_prefix", "17.")
                        .query_param("page", "1")
                        .query_param("per_page", "100");
                    then.status(200)
                        .header("content-type", "application/json")
                        .json_body(fixture_body("gitlab", fixture));
                })
                .await
        }
    };
    let mine = list("/api/v4/runners", "listRunners").await;
    let all = list("/api/v4/runners/all", "listAllRunners").await;
    let project_runners = list(
        "/api/v4/projects/group%2Fsubgroup%2Fproject/runners",
        "listProjectRunners",
    )
    .await;
    let group_runners = list(
        "/api/v4/groups/group%2Fsubgroup/runners",
        "listGroupRunners",
    )
    .await;
    let scoped = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/runners"))
                .query_param("scope", "paused");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([]));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/runners/6"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getRunner"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path("/api/v4/runners/6"))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "description": "test-1-20150125-test",
                    "tag_list": ["ruby", "mysql", "tag1", "tag2"],
                    "run_untagged": false,
                    "locked": true,
                    "access_level": "ref_protected",
                    "maximum_timeout": 3600,
                    "maintenance_note": "Patched on Tuesdays"
                }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateRunner"));
        })
        .await;
    let pause = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path("/api/v4/runners/6"))
                .json_body(json!({"paused": true}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateRunner"));
        })
        .await;
    let resume = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path("/api/v4/runners/6"))
                .json_body(json!({"paused": false}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updateRunner"));
        })
        .await;
    let managers = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/runners/6/managers"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listRunnerManagers"));
        })
        .await;
    let reset = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path("/api/v4/runners/6/reset_authentication_token"))
                .header("authorization", BEARER);
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "resetRunnerAuthenticationToken"));
        })
        .await;
    let assign = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/runners")))
                .header("authorization", BEARER)
                .json_body(json!({"runner_id": 9}));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "assignProjectRunner"));
        })
        .await;
    let unassign = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{PROJECT}/runners/9")))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path("/api/v4/runners/6"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let group = gl.group("group/subgroup");
    for (list, fixture) in [
        (gl.runners(), "listRunners"),
        (gl.all_runners(), "listAllRunners"),
        (project.runners(), "listProjectRunners"),
        (group.runners(), "listGroupRunners"),
    ] {
        let runners: Vec<_> = list
            .runner_type(RunnerType::ProjectType)
            .status(RunnerStatusFilter::Online)
            .paused(false)
            .tags(["docker"])
            .tags(["linux"])
            .version_prefix("17.")
            .stream()
            .try_collect()
            .await
            .expect(fixture);
        let expected = fixture_body("gitlab", fixture);
        assert_eq!(runners.len(), expected.as_array().map_or(0, Vec::len));
        assert_eq!(runners[0].id, expected[0]["id"]);
    }
    let paused: Vec<_> = gl
        .runners()
        .scope(RunnerScope::Paused)
        .stream()
        .try_collect()
        .await
        .expect("scoped");
    assert!(paused.is_empty());
    let runner = gl.runner(6);
    assert_eq!(runner.id(), 6);
    assert_eq!(runner.get().await.expect("details").id, 6);
    let updated = runner
        .update()
        .description("test-1-20150125-test")
        .tags(["ruby", "mysql", "tag1", "tag2"])
        .run_untagged(false)
        .locked(true)
        .access_level(RunnerAccessLevel::RefProtected)
        .maximum_timeout(3600)
        .maintenance_note("Patched on Tuesdays")
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.id, 6);
    runner.pause().await.expect("paused");
    runner.resume().await.expect("resumed");
    let machines = runner.managers().await.expect("managers");
    assert_eq!(machines.len(), 2);
    let token = runner.reset_authentication_token().await.expect("reset");
    assert_eq!(
        token.token.expose(),
        fixture_body("gitlab", "resetRunnerAuthenticationToken")["token"]
    );
    let assigned = project.assign_runner(9).await.expect("assigned");
    assert_eq!(assigned.id, 9);
    project.unassign_runner(9).await.expect("unassigned");
    runner.delete().await.expect("deleted");
    for m in [
        &mine,
        &all,
        &project_runners,
        &group_runners,
        &scoped,
        &get,
        &update,
        &pause,
        &resume,
        &managers,
        &reset,
        &assign,
        &unassign,
        &delete,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn a_runner_s_jobs_follow_keyset_cursors_newest_first() {
    // python-gitlab: runner.jobs.list(iterator=True, pagination="keyset", order_by="id")
    use kitelab::gitlab::types::JobStatus;
    let server = MockServer::start_async().await;
    let jobs = "/api/v4/runners/6/jobs";
    let job = fixture_body("gitlab", "listRunnerJobs")[0].clone();
    let page = |ids: &[i64]| {
        json!(ids
            .iter()
            .map(|id| {
                let mut j = job.clone();
                j["id"] = json!(id);
                j
            })
            .collect::<Vec<_>>())
    };
    let next = format!(
        "<{}{jobs}?cursor=eyJpZCI6IjEwIn0&order_by=id&pagination=keyset&per_page=2&sort=desc&status=success>; rel=\"next\"",
        server.base_url()
    );
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(jobs))
                .header("authorization", BEARER)
                .query_param("pagination", "keyset")
                .query_param("order_by", "id")
                .query_param("sort", "desc")
                .query_param("per_page", "2")
                .query_param("status", "success")
                .query_param("system_id", "s_89e5e9956577")
                .query_param_missing("cursor")
                .query_param_missing("page");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", next.as_str())
                .json_body(page(&[12, 11]));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(jobs))
                .query_param("cursor", "eyJpZCI6IjEwIn0")
                .query_param("pagination", "keyset")
                .query_param_missing("page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(page(&[10]));
        })
        .await;
    let gl = gitlab(&server);
    let ids: Vec<i64> = gl
        .runner(6)
        .jobs()
        .status(JobStatus::Success)
        .system_id("s_89e5e9956577")
        .per_page(2)
        .stream()
        .map_ok(|j| j.id)
        .try_collect()
        .await
        .expect("jobs");
    assert_eq!(ids, [12, 11, 10]);
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn bad_runner_inputs_fail_before_anything_is_sent() {
    use kitelab::gitlab::types::RunnerScope;
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let gl = gitlab(&server);
    let group_scope = gl
        .group("group")
        .runners()
        .scope(RunnerScope::Online)
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(group_scope, "no scope filter");
    for tag in ["", "a,b"] {
        let listed = gl
            .runners()
            .tags([tag])
            .stream()
            .try_collect::<Vec<_>>()
            .await;
        assert_invalid(listed, "runner tag");
    }
    assert_invalid(gl.runner(6).update().tags([" "]).send().await, "runner tag");
    let jobs = gl
        .runner(6)
        .jobs()
        .system_id("")
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(jobs, "system id");
    assert_invalid(
        gl.project("").assign_runner(9).await,
        "the path parameter `id` is empty",
    );
    assert_eq!(anything.calls_async().await, 0);
}

#[tokio::test]
async fn lint_a_configuration_and_the_project_s_own_then_report_and_read_commit_statuses() {
    // python-gitlab: project.ci_lint.create({"content": ..., "dry_run": True}),
    // project.ci_lint.get(), commit.statuses.create({...}), commit.statuses.list(all=True)
    use kitelab::gitlab::types::{CommitStatusOrderBy, CommitStatusState, Sort};
    let server = MockServer::start_async().await;
    let sha = "18f3e63d05582537db6d183d9d557be09e1f90c8";
    let yaml = "test_job:\n  script: echo 1\n";
    let lint = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/ci/lint")))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(
                    json!({"content": yaml, "dry_run": true, "ref": "main", "include_jobs": true}),
                );
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "lintCiConfig"));
        })
        .await;
    let lint_config = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{PROJECT}/ci/lint")))
                .header("authorization", BEARER)
                .query_param("content_ref", "feature/x")
                .query_param("dry_run", "true")
                .query_param("dry_run_ref", "main")
                .query_param("include_jobs", "true");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "lintProjectCiConfig"));
        })
        .await;
    let set_status = server
        .mock_async(|when, then| {
            when.method(POST)
                .is_true(raw_path(&format!("{PROJECT}/statuses/{sha}")))
                .header("authorization", BEARER)
                .json_body(json!({
                    "state": "success",
                    "name": "external/security-scan",
                    "ref": "main",
                    "target_url": "https://scanner.example.com/runs/991",
                    "description": "No findings",
                    "coverage": 81.5,
                    "pipeline_id": 7
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "createCommitStatus"));
        })
        .await;
    let statuses = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!(
                    "{PROJECT}/repository/commits/{sha}/statuses"
                )))
                .header("authorization", BEARER)
                .query_param("ref", "main")
                .query_param("stage", "test")
                .query_param("name", "bundler:audit")
                .query_param("pipeline_id", "7")
                .query_param("all", "true")
                .query_param("order_by", "pipeline_id")
                .query_param("sort", "asc");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listCommitStatuses"));
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let result = project
        .lint(yaml)
        .dry_run(true)
        .dry_run_ref("main")
        .include_jobs(true)
        .send()
        .await
        .expect("linted");
    assert!(result.valid && result.errors.is_empty());
    let own = project
        .lint_config()
        .content_ref("feature/x")
        .dry_run(true)
        .dry_run_ref("main")
        .include_jobs(true)
        .send()
        .await
        .expect("linted");
    assert!(own.valid);
    let status = project
        .set_commit_status(sha, CommitStatusState::Success)
        .name("external/security-scan")
        .git_ref("main")
        .target_url("https://scanner.example.com/runs/991")
        .description("No findings")
        .coverage(81.5)
        .pipeline_id(7)
        .send()
        .await
        .expect("reported");
    assert_eq!(
        status.id,
        fixture_body("gitlab", "createCommitStatus")["id"]
    );
    let listed: Vec<_> = project
        .commit_statuses(sha)
        .git_ref("main")
        .stage("test")
        .name("bundler:audit")
        .pipeline_id(7)
        .all(true)
        .order_by(CommitStatusOrderBy::PipelineId)
        .sort(Sort::Asc)
        .stream()
        .try_collect()
        .await
        .expect("statuses");
    assert_eq!(listed[0].name.as_deref(), Some("bundler:audit"));
    for m in [&lint, &lint_config, &set_status, &statuses] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn name_a_pipeline_read_a_schedule_variable_and_manage_secure_files() {
    // python-gitlab: project.secure_files.list() / .get(id) / .download() / .delete(),
    // schedule.variables.get(key) (not in python-gitlab: it lists them)
    let server = MockServer::start_async().await;
    let rename = server
        .mock_async(|when, then| {
            when.method(PUT)
                .is_true(raw_path(&format!("{PROJECT}/pipelines/46/metadata")))
                .header("authorization", BEARER)
                .json_body(json!({"name": "Nightly release"}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "updatePipelineMetadata"));
        })
        .await;
    let schedule_variable = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!(
                    "{PROJECT}/pipeline_schedules/13/variables/NEW_VARIABLE"
                )))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"key": "NEW_VARIABLE", "variable_type": "env_var", "value": "new value"}));
        })
        .await;
    let files = format!("{PROJECT}/secure_files");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&files))
                .header("authorization", BEARER)
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "listSecureFiles"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{files}/1")))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getSecureFile"));
        })
        .await;
    let download = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{files}/1/download")))
                .header("authorization", BEARER)
                .header("accept", "application/octet-stream");
            then.status(200)
                .header("content-type", "application/octet-stream")
                .body(b"\x00keystore\xff".as_slice());
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .is_true(raw_path(&format!("{files}/1")))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let renamed = project
        .pipeline(46)
        .set_name("Nightly release")
        .await
        .expect("renamed");
    assert_eq!(renamed.id, 46);
    let variable = project
        .schedule(13)
        .variable("NEW_VARIABLE")
        .get()
        .await
        .expect("variable");
    assert_eq!(
        variable.value.as_ref().map(|v| v.expose()),
        Some("new value")
    );
    let listed: Vec<_> = project
        .secure_files()
        .stream()
        .try_collect()
        .await
        .expect("secure files");
    assert_eq!(listed[0].name, "myfile.jks");
    let file = project.secure_file(1);
    assert_eq!(file.id(), 1);
    assert_eq!(file.get().await.expect("details").id, 1);
    let bytes = file
        .download()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("content");
    assert_eq!(&bytes[..], b"\x00keystore\xff");
    file.delete().await.expect("deleted");
    for m in [&rename, &schedule_variable, &list, &get, &download, &delete] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn a_job_token_reads_its_own_job_and_its_allowed_agents() {
    // python-gitlab has no /job; the CI job's own curl --header "JOB-TOKEN: $CI_JOB_TOKEN"
    let server = MockServer::start_async().await;
    let job = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/job"))
                .header("job-token", JOB_TOKEN)
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getCurrentJob"));
        })
        .await;
    let agents = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path("/api/v4/job/allowed_agents"))
                .header("job-token", JOB_TOKEN);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("gitlab", "getJobAllowedAgents"));
        })
        .await;
    let gl = gitlab_with(&server, kitelab::gitlab::Token::Job(JOB_TOKEN.into()));
    let current = gl.current_job().await.expect("the job");
    assert_eq!(current.id, fixture_body("gitlab", "getCurrentJob")["id"]);
    let allowed = gl.current_job_allowed_agents().await.expect("agents");
    assert_eq!(allowed.allowed_agents.len(), 1);
    job.assert_async().await;
    agents.assert_async().await;
}

#[tokio::test]
async fn bad_lint_status_pipeline_name_and_secure_file_inputs_fail_before_anything_is_sent() {
    use kitelab::gitlab::types::CommitStatusState;
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    assert_invalid(project.lint(" \n").send().await, "configuration");
    let lint = project.lint_config().content_ref("").send().await;
    assert_invalid(lint, "content ref");
    let status = project
        .set_commit_status("", CommitStatusState::Running)
        .send()
        .await;
    assert_invalid(status, "commit SHA");
    for coverage in [-1.0, 100.5, f64::NAN] {
        let status = project
            .set_commit_status("abc", CommitStatusState::Success)
            .coverage(coverage)
            .send()
            .await;
        assert_invalid(status, "0 to 100");
    }
    let listed = project
        .commit_statuses("")
        .stream()
        .try_collect::<Vec<_>>()
        .await;
    assert_invalid(listed, "commit SHA");
    assert_invalid(project.pipeline(1).set_name("").await, "pipeline name");
    assert_invalid(
        project.schedule(1).variable("").get().await,
        "`key` is empty",
    );
    assert_invalid(
        gl.project("").secure_file(1).get().await,
        "the path parameter `id` is empty",
    );
    assert_eq!(anything.calls_async().await, 0);
}

/// A mock answering `method` on the raw `path` with the fixture of `operation`, after checking
/// the token and, when given, the JSON body.
async fn fixture_mock<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    path: String,
    body: Option<serde_json::Value>,
    status: u16,
    operation: &str,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            let when = when
                .method(method)
                .is_true(raw_path(&path))
                .header("authorization", BEARER);
            if let Some(body) = body {
                when.json_body(body);
            }
            let then = then.status(status);
            if status != 204 {
                then.header("content-type", "application/json")
                    .json_body(fixture_body("gitlab", operation));
            }
        })
        .await
}

#[tokio::test]
async fn limit_job_token_access_to_allowlisted_projects_and_groups() {
    // python-gitlab: project.job_token_scope.get(), scope.enabled = True; scope.save(),
    // scope.allowlist.list() / .create({"target_project_id": 2}) / .delete(2),
    // scope.groups_allowlist.…
    let server = MockServer::start_async().await;
    let scope = format!("{PROJECT}/job_token_scope");
    let mocks = [
        fixture_mock(&server, GET, scope.clone(), None, 200, "getJobTokenScope").await,
        fixture_mock(
            &server,
            PATCH,
            scope.clone(),
            Some(json!({"enabled": true})),
            204,
            "",
        )
        .await,
        fixture_mock(
            &server,
            GET,
            format!("{scope}/allowlist"),
            None,
            200,
            "listJobTokenAllowlist",
        )
        .await,
        fixture_mock(
            &server,
            POST,
            format!("{scope}/allowlist"),
            Some(json!({"target_project_id": 2})),
            201,
            "addJobTokenAllowlistProject",
        )
        .await,
        fixture_mock(
            &server,
            DELETE,
            format!("{scope}/allowlist/2"),
            None,
            204,
            "",
        )
        .await,
        fixture_mock(
            &server,
            GET,
            format!("{scope}/groups_allowlist"),
            None,
            200,
            "listJobTokenGroupsAllowlist",
        )
        .await,
        fixture_mock(
            &server,
            POST,
            format!("{scope}/groups_allowlist"),
            Some(json!({"target_group_id": 2})),
            201,
            "addJobTokenGroupsAllowlistGroup",
        )
        .await,
        fixture_mock(
            &server,
            DELETE,
            format!("{scope}/groups_allowlist/2"),
            None,
            204,
            "",
        )
        .await,
    ];
    let gl = gitlab(&server);
    let access = gl.project("group/subgroup/project").job_token_access();
    assert_eq!(
        access.get().await.expect("scope").inbound_enabled,
        Some(true)
    );
    access.set_enabled(true).await.expect("limited");
    let projects: Vec<_> = access
        .projects()
        .stream()
        .try_collect()
        .await
        .expect("projects");
    assert_eq!(projects[0].id, 4);
    let link = access.allow_project(2).await.expect("allowed");
    assert_eq!(link.target_project_id, Some(2));
    access.remove_project(2).await.expect("removed");
    let groups: Vec<_> = access
        .groups()
        .stream()
        .try_collect()
        .await
        .expect("groups");
    assert_eq!(groups[0].id, 4);
    let link = access.allow_group(2).await.expect("allowed");
    assert_eq!(link.target_group_id, Some(2));
    access.remove_group(2).await.expect("removed");
    for m in &mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn serialize_deploys_with_a_resource_group_and_run_merge_request_pipelines() {
    // python-gitlab: project.resource_groups.list() / .get("production"), rg.process_mode = ...;
    // rg.save(), rg.upcoming_jobs.list(), mr.pipelines.list() / .create()
    use kitelab::gitlab::types::ResourceGroupProcessMode;
    let server = MockServer::start_async().await;
    let groups = format!("{PROJECT}/resource_groups");
    let mrs = format!("{PROJECT}/merge_requests/1/pipelines");
    let mocks = [
        fixture_mock(
            &server,
            GET,
            groups.clone(),
            None,
            200,
            "listResourceGroups",
        )
        .await,
        fixture_mock(
            &server,
            GET,
            format!("{groups}/production"),
            None,
            200,
            "getResourceGroup",
        )
        .await,
        fixture_mock(
            &server,
            PUT,
            format!("{groups}/production"),
            Some(json!({"process_mode": "oldest_first"})),
            200,
            "updateResourceGroup",
        )
        .await,
        fixture_mock(
            &server,
            GET,
            format!("{groups}/production/current_job"),
            None,
            200,
            "getResourceGroupCurrentJob",
        )
        .await,
        fixture_mock(
            &server,
            GET,
            format!("{groups}/production/upcoming_jobs"),
            None,
            200,
            "listResourceGroupUpcomingJobs",
        )
        .await,
        fixture_mock(
            &server,
            GET,
            mrs.clone(),
            None,
            200,
            "listMergeRequestPipelines",
        )
        .await,
        fixture_mock(
            &server,
            POST,
            mrs.clone(),
            None,
            200,
            "createMergeRequestPipeline",
        )
        .await,
    ];
    let idle = server
        .mock_async(|when, then| {
            when.method(GET)
                .is_true(raw_path(&format!("{groups}/staging/current_job")));
            then.status(200)
                .header("content-type", "application/json")
                .body("null");
        })
        .await;
    let gl = gitlab(&server);
    let project = gl.project("group/subgroup/project");
    let listed: Vec<_> = project
        .resource_groups()
        .stream()
        .try_collect()
        .await
        .expect("resource groups");
    assert_eq!(listed[0].key, "production");
    let production = project.resource_group("production");
    assert_eq!(production.key(), "production");
    production.get().await.expect("group");
    let updated = production
        .set_process_mode(ResourceGroupProcessMode::OldestFirst)
        .await
        .expect("updated");
    assert_eq!(
        updated.process_mode,
        Some(ResourceGroupProcessMode::OldestFirst)
    );
    let holding = production.current_job().await.expect("current job");
    assert_eq!(holding.map(|j| j.id), Some(1154));
    let idle_job = project
        .resource_group("staging")
        .current_job()
        .await
        .expect("no job");
    assert!(idle_job.is_none());
    let waiting: Vec<_> = production
        .upcoming_jobs()
        .stream()
        .try_collect()
        .await
        .expect("upcoming");
    assert_eq!(waiting[0].id, 1154);
    let merge_request = project.merge_request(1);
    assert_eq!(merge_request.iid(), 1);
    let pipelines: Vec<_> = merge_request
        .pipelines()
        .stream()
        .try_collect()
        .await
        .expect("pipelines");
    assert_eq!(pipelines[0].id, 77);
    let created = merge_request
        .create_pipeline()
        .send()
        .await
        .expect("created");
    assert_eq!(created.id, 2);
    assert!(project
        .resource_group("")
        .get()
        .await
        .unwrap_err()
        .to_string()
        .contains("the path parameter `key` is empty"));
    for m in &mocks {
        m.assert_async().await;
    }
    idle.assert_async().await;
}
