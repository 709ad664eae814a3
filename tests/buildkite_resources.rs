//! End-to-end tests of the Buildkite resources beyond builds: agents, annotations (listed,
//! created, appended to, deleted), teams (and one team's settings, members and pipelines), the account (user, access token, meta, emojis),
//! creating and updating pipelines, unblocking, getting and reprioritizing jobs, retrying a
//! build's failed jobs, deleting artifacts, clusters with their queues, agent tokens and
//! secrets, pausing agents, a job's environment as text, build schedules, the organization's
//! rate limit, members, invitations and audit log. Each checks the wire (method, exact path, query, `Authorization`, JSON body) and the
//! typed result decoded from the docs' examples, and the failure paths.

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::buildkite::types::{
    self, AgentConnectionState, AnnotationScopeFilter, JobState, JobType, PipelineVisibility,
    TeamPipelineAccessLevel,
};
use kitelab::Error;
use kitelab_tests::{buildkite, fixture_body};
use serde_json::json;

const BEARER: &str = "Bearer bkua_test_token_0123456789";
const ORG: &str = "/organizations/acme";
const PIPELINE: &str = "/organizations/acme/pipelines/web";
const AGENT_ID: &str = "0b461f65-e7be-4c80-888a-ef11d81fd971";
const CLUSTER: &str = "42f1a7da-812d-4430-93d8-1cc7c33a6bcf";
const TEAM: &str = "c5e09619-8648-4896-a936-9d0b8b7b3fe9";

fn fixture_str(operation: &str, field: &str) -> String {
    let body = fixture_body("buildkite", operation);
    let item = body.as_array().map_or(&body, |items| &items[0]);
    item[field].as_str().expect(field).to_owned()
}

/// The body of the fixture saved as `file` (for operations with several examples).
fn fixture_file(file: &str) -> serde_json::Value {
    kitelab_tests::fixtures("buildkite")
        .into_iter()
        .find(|(name, _)| name == file)
        .unwrap_or_else(|| panic!("no fixture {file}"))
        .1
        .body
}

/// The `Error::Api` inside `err`, or a panic showing what it was.
fn api_error(err: &Error) -> &kitelab::error::ApiError {
    match err {
        Error::Api(api) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn step(kind: JobType) -> types::builder::Step {
    types::Step::builder().type_(kind)
}

#[tokio::test]
async fn list_connected_agents_with_every_filter_across_pages() {
    let server = MockServer::start_async().await;
    let next = format!(
        "<{}{ORG}/agents?page=2&per_page=2&name=my-agent>; rel=\"next\"",
        server.base_url()
    );
    let filtered = |when: httpmock::When| {
        when.method(GET)
            .path(format!("{ORG}/agents"))
            .header("authorization", BEARER)
            .query_param("name", "my-agent")
            .query_param("hostname", "some.server")
            .query_param("version", "2.1.0")
            .query_param("cluster_queue_id", "c109939f-3b71-4cd3-b175-8eb79d2eb38e")
            .query_param("per_page", "2")
    };
    let first = server
        .mock_async(|when, then| {
            filtered(when).query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .header("link", next.as_str())
                .json_body(fixture_body("buildkite", "listAgents"));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            // The filters are sent again on the next page.
            filtered(when).query_param("page", "2");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([fixture_body("buildkite", "getAgent")]));
        })
        .await;

    let bk = buildkite(&server);
    let agents: Vec<types::Agent> = bk
        .organization("acme")
        .agents()
        .name("my-agent")
        .hostname("some.server")
        .version("2.1.0")
        .cluster_queue_id("c109939f-3b71-4cd3-b175-8eb79d2eb38e")
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .expect("agents");

    let listed = fixture_body("buildkite", "listAgents");
    assert_eq!(agents.len(), listed.as_array().unwrap().len() + 1);
    assert_eq!(agents[0].id, fixture_str("listAgents", "id"));
    assert_eq!(
        agents[0].connection_state,
        Some(AgentConnectionState::Connected)
    );
    assert_eq!(
        agents.last().unwrap().hostname.as_deref(),
        Some("some.server")
    );
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn get_an_agent_then_stop_it_gracefully_and_by_force() {
    let server = MockServer::start_async().await;
    let agent_path = format!("{ORG}/agents/{AGENT_ID}");
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(agent_path.as_str())
                .header("authorization", BEARER)
                .header("accept", "application/json");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getAgent"));
        })
        .await;
    let graceful = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{agent_path}/stop"))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({"force": false}));
            then.status(204);
        })
        .await;
    // Without `.force(..)` nothing is sent for it: Buildkite's default (force) applies.
    let default = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{agent_path}/stop"))
                .header("authorization", BEARER)
                .json_body(json!({}));
            then.status(204);
        })
        .await;
    let forced = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{agent_path}/stop"))
                .json_body(json!({"force": true}));
            then.status(204);
        })
        .await;

    let bk = buildkite(&server);
    let agent = bk.organization("acme").agent(AGENT_ID);
    assert_eq!(agent.id(), AGENT_ID);
    let got = agent.get().await.expect("agent");
    assert_eq!(got.id, AGENT_ID);
    assert_eq!(got.name.as_deref(), Some("my-agent"));
    assert_eq!(got.version.as_deref(), Some("2.1.0"));
    agent
        .stop()
        .force(false)
        .send()
        .await
        .expect("graceful stop");
    agent.stop().send().await.expect("default stop");
    agent.stop().force(true).send().await.expect("forced stop");
    get.assert_async().await;
    graceful.assert_async().await;
    default.assert_async().await;
    forced.assert_async().await;
}

#[tokio::test]
async fn a_missing_agent_and_stopping_a_disconnected_one_carry_the_service_message() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{ORG}/agents/nope"));
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "No agent found"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{ORG}/agents/{AGENT_ID}/stop"));
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Can only stop connected agents"}));
        })
        .await;
    let bk = buildkite(&server);

    let err = bk
        .organization("acme")
        .agent("nope")
        .get()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.operation().map(|o| o.id), Some("getAgent"));
    assert_eq!(api_error(&err).message(), "No agent found");

    let err = bk
        .organization("acme")
        .agent(AGENT_ID)
        .stop()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.operation().map(|o| o.id), Some("stopAgent"));
    assert_eq!(api_error(&err).message(), "Can only stop connected agents");
}

#[tokio::test]
async fn empty_ids_fail_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let bk = buildkite(&server);
    let invalid = |err: Error, what: &str| {
        assert!(
            matches!(err, Error::InvalidInput(_)) && err.to_string().contains(what),
            "{err}"
        );
    };

    invalid(
        bk.organization("acme").agent("").get().await.unwrap_err(),
        "the path parameter `agent_id` is empty",
    );
    invalid(
        bk.organization("acme")
            .agent("")
            .stop()
            .send()
            .await
            .unwrap_err(),
        "the path parameter `agent_id` is empty",
    );
    invalid(
        bk.organization("")
            .agents()
            .stream()
            .try_next()
            .await
            .unwrap_err(),
        "the path parameter `org_slug` is empty",
    );
    invalid(
        bk.organization("")
            .teams()
            .stream()
            .try_next()
            .await
            .unwrap_err(),
        "the path parameter `org_slug` is empty",
    );
    invalid(
        bk.organization("").emojis().await.unwrap_err(),
        "the path parameter `org_slug` is empty",
    );
    invalid(
        bk.pipeline("acme", "")
            .build(1)
            .annotations()
            .stream()
            .try_next()
            .await
            .unwrap_err(),
        "the path parameter `pipeline_slug` is empty",
    );
    invalid(
        bk.pipeline("acme", "web")
            .build(1)
            .job("")
            .unblock()
            .send()
            .await
            .unwrap_err(),
        "the path parameter `job_id` is empty",
    );
    invalid(
        bk.pipeline("acme", "")
            .update()
            .description("x")
            .send()
            .await
            .unwrap_err(),
        "the path parameter `pipeline_slug` is empty",
    );
    invalid(
        bk.organization("")
            .create_pipeline("Web", "git@github.com:acme/web.git")
            .cluster_id(CLUSTER)
            .configuration("steps: []")
            .send()
            .await
            .unwrap_err(),
        "the path parameter `org_slug` is empty",
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn list_annotations_of_every_scope_without_their_bodies() {
    let server = MockServer::start_async().await;
    let all = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/42/annotations"))
                .header("authorization", BEARER)
                .query_param("scope", "all")
                .query_param("omit_body", "true")
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listAnnotations"));
        })
        .await;
    let default = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/42/annotations"))
                .query_param_missing("scope")
                .query_param_missing("omit_body");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([]));
        })
        .await;

    let bk = buildkite(&server);
    let build = bk.pipeline("acme", "web").build(42);
    let annotations: Vec<types::Annotation> = build
        .annotations()
        .scope(AnnotationScopeFilter::All)
        .omit_body(true)
        .stream()
        .try_collect()
        .await
        .expect("annotations");
    assert_eq!(annotations.len(), 2);
    assert_eq!(annotations[0].id, fixture_str("listAnnotations", "id"));
    assert_eq!(annotations[1].context.as_deref(), Some("coverage"));
    assert_eq!(annotations[0].style, Some(types::AnnotationStyle::Info));
    let none: Vec<_> = build
        .annotations()
        .stream()
        .try_collect()
        .await
        .expect("default scope");
    assert!(none.is_empty());
    all.assert_async().await;
    default.assert_async().await;
}

#[tokio::test]
async fn list_the_teams_a_user_belongs_to() {
    let server = MockServer::start_async().await;
    let teams = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/teams"))
                .header("authorization", BEARER)
                .query_param("user_id", "8s7ce846-f6c0-4360-8133-389b03c7c46a")
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listTeams"));
        })
        .await;
    let bk = buildkite(&server);
    let got: Vec<types::Team> = bk
        .organization("acme")
        .teams()
        .user_id("8s7ce846-f6c0-4360-8133-389b03c7c46a")
        .stream()
        .try_collect()
        .await
        .expect("teams");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, TEAM);
    assert_eq!(got[0].slug.as_deref(), Some("fearless-frontenders"));
    teams.assert_async().await;
}

#[tokio::test]
async fn who_am_i_inspect_the_token_then_revoke_it() {
    let server = MockServer::start_async().await;
    let user = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/user")
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getUser"));
        })
        .await;
    let token = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/access-token")
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getAccessToken"));
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/access-token")
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;

    let bk = buildkite(&server);
    let me = bk.user().await.expect("user");
    assert_eq!(me.id, fixture_str("getUser", "id"));
    assert_eq!(me.email.as_deref(), Some("john.smith@example.com"));
    let details = bk.access_token().get().await.expect("token");
    assert_eq!(details.uuid, fixture_str("getAccessToken", "uuid"));
    assert_eq!(details.scopes, ["read_build"]);
    // The docs' `2025-07-23 06:07:42 UTC` form decodes.
    assert!(details.expires_at.is_some());
    assert_eq!(
        details.user.and_then(|u| u.name).as_deref(),
        Some("Algernon Moncrieff")
    );
    bk.access_token().revoke().await.expect("revoked");
    user.assert_async().await;
    token.assert_async().await;
    revoke.assert_async().await;
}

#[tokio::test]
async fn meta_needs_no_token_and_no_client_sends_one() {
    let server = MockServer::start_async().await;
    let meta = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/meta")
                .header_missing("authorization");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getMeta"));
        })
        .await;
    let anonymous = kitelab::Buildkite::builder()
        .anonymous()
        .base_url(server.base_url())
        .retry(kitelab_tests::fast_retries())
        .build()
        .expect("a client without a token");
    let got = anonymous.meta().await.expect("meta");
    assert_eq!(got.webhook_ips, ["192.0.2.0/24", "198.51.100.12"]);
    // A client with a token keeps it to itself here too.
    buildkite(&server)
        .meta()
        .await
        .expect("meta with a tokened client");
    assert_eq!(meta.calls_async().await, 2);
}

#[tokio::test]
async fn list_every_emoji_of_an_organization_in_one_unpaginated_call() {
    let server = MockServer::start_async().await;
    let emojis = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/emojis"))
                .header("authorization", BEARER)
                .query_param_missing("page")
                .query_param_missing("per_page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listEmojis"));
        })
        .await;
    let bk = buildkite(&server);
    let got = bk.organization("acme").emojis().await.expect("emojis");
    assert_eq!(got.len(), 6);
    let shipit = got.iter().find(|e| e.name == "shipit").expect("shipit");
    assert_eq!(shipit.aliases, ["squirrel"]);
    assert!(got[0].aliases.is_empty());
    emojis.assert_async().await;
}

#[tokio::test]
async fn create_a_yaml_pipeline_with_every_option() {
    let server = MockServer::start_async().await;
    let yaml = "steps:\n  - command: \"buildkite-agent pipeline upload\"";
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{ORG}/pipelines"))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "name": "My Pipeline X",
                    "repository": "git@github.com:acme-inc/my-pipeline.git",
                    "cluster_id": CLUSTER,
                    "configuration": yaml,
                    "slug": "my-pipeline-x",
                    "description": "Builds the web app",
                    "default_branch": "main",
                    "branch_configuration": "main feature/*",
                    "skip_queued_branch_builds": true,
                    "skip_queued_branch_builds_filter": "!main",
                    "cancel_running_branch_builds": true,
                    "cancel_running_branch_builds_filter": "develop prs/*",
                    "allow_rebuilds": false,
                    "default_command_step_timeout": 30,
                    "maximum_command_step_timeout": 120,
                    "clone_mirror_url": "https://mirror.example.com/acme-inc/my-pipeline.git",
                    "color": "#FF5733",
                    "emoji": ":rocket:",
                    "pipeline_template_uuid": "018e5b4c-template",
                    "provider_settings": {
                        "publish_commit_status": true,
                        "trigger_mode": "code",
                        "build_pull_requests": false
                    },
                    "teams": {TEAM: "build_and_read", "d1a2-other-team": "read_only"},
                    "team_uuids": ["old-team-uuid"],
                    "tags": ["web", ":rocket:"],
                    "visibility": "private"
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_file("createPipeline.json"));
        })
        .await;
    let bk = buildkite(&server);
    let mut settings = serde_json::Map::new();
    settings.insert("publish_commit_status".into(), json!(false));
    let pipeline = bk
        .organization("acme")
        .create_pipeline("My Pipeline X", "git@github.com:acme-inc/my-pipeline.git")
        .cluster_id(CLUSTER)
        .configuration(yaml)
        .slug("my-pipeline-x")
        .description("Builds the web app")
        .default_branch("main")
        .branch_configuration("main feature/*")
        .skip_queued_branch_builds(true)
        .skip_queued_branch_builds_filter("!main")
        .cancel_running_branch_builds(true)
        .cancel_running_branch_builds_filter("develop prs/*")
        .allow_rebuilds(false)
        .default_command_step_timeout(30)
        .maximum_command_step_timeout(120)
        .clone_mirror_url("https://mirror.example.com/acme-inc/my-pipeline.git")
        .color("#FF5733")
        .emoji(":rocket:")
        .pipeline_template_uuid("018e5b4c-template")
        // A whole map, then single settings on top of it (the later value wins).
        .provider_settings(types::ProviderSettings::from(settings))
        .provider_setting("publish_commit_status", true)
        .provider_setting("trigger_mode", "code")
        .provider_setting("build_pull_requests", false)
        .team(TEAM, TeamPipelineAccessLevel::BuildAndRead)
        .team("d1a2-other-team", TeamPipelineAccessLevel::ReadOnly)
        .team_uuids(["old-team-uuid"])
        .tags(["web"])
        .tags([":rocket:"])
        .visibility(PipelineVisibility::Private)
        .send()
        .await
        .expect("created");
    assert_eq!(pipeline.slug, "my-pipeline-x");
    assert_eq!(pipeline.id, "ad93b461-96ab-4a1e-9281-260ead506a0e");
    create.assert_async().await;
}

#[tokio::test]
async fn create_a_visual_step_pipeline_with_environment_and_steps() {
    let server = MockServer::start_async().await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{ORG}/pipelines"))
                .header("authorization", BEARER)
                .json_body(json!({
                    "name": "My Pipeline",
                    "repository": "git@github.com:acme-inc/my-pipeline.git",
                    "cluster_id": CLUSTER,
                    "env": {"FOO": "bar", "RELEASE": "1"},
                    "steps": [
                        {
                            "type": "script",
                            "name": "Build :package:",
                            "command": "script/release.sh",
                            "agent_query_rules": ["queue=build"]
                        },
                        {"type": "waiter"},
                        {"type": "manual", "label": "Ship it"},
                        {
                            "type": "trigger",
                            "label": "Deploy :rocket:",
                            "trigger_project_slug": "deploy",
                            "trigger_commit": "HEAD",
                            "trigger_branch": "main",
                            "trigger_async": true
                        }
                    ]
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_file("createPipeline.2.json"));
        })
        .await;
    let bk = buildkite(&server);
    let build: types::Step = step(JobType::Script)
        .name("Build :package:".to_owned())
        .command("script/release.sh".to_owned())
        .agent_query_rules(vec!["queue=build".to_owned()])
        .try_into()
        .expect("a command step");
    let wait: types::Step = step(JobType::Waiter).try_into().expect("a wait step");
    let block: types::Step = step(JobType::Manual)
        .label("Ship it".to_owned())
        .try_into()
        .expect("a block step");
    let trigger: types::Step = step(JobType::Trigger)
        .label("Deploy :rocket:".to_owned())
        .trigger_project_slug("deploy".to_owned())
        .trigger_commit("HEAD".to_owned())
        .trigger_branch("main".to_owned())
        .trigger_async(true)
        .try_into()
        .expect("a trigger step");
    let pipeline = bk
        .organization("acme")
        .create_pipeline("My Pipeline", "git@github.com:acme-inc/my-pipeline.git")
        .cluster_id(CLUSTER)
        .env("FOO", "bar")
        .env("RELEASE", "1")
        .steps([build, wait])
        .step(block)
        .step(trigger)
        .send()
        .await
        .expect("created");
    assert_eq!(pipeline.slug, "my-pipeline");
    // The docs' example answers with the visual steps.
    let steps = pipeline.steps.expect("steps");
    assert_eq!(steps[1].type_, JobType::Waiter);
    assert_eq!(steps.last().unwrap().type_, JobType::Trigger);
    create.assert_async().await;
}

#[tokio::test]
async fn a_pipeline_needs_exactly_one_of_configuration_and_steps_and_a_cluster_checked_before_sending(
) {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(201);
        })
        .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let start = || {
        org.create_pipeline("Web", "git@github.com:acme/web.git")
            .cluster_id(CLUSTER)
    };
    let wait: types::Step = step(JobType::Waiter).try_into().unwrap();
    let cases = [
        (
            start().configuration("steps: []").step(wait.clone()),
            "not both",
        ),
        (start(), "a YAML configuration or visual steps"),
        (start().configuration("  \n"), "blank"),
        (
            org.create_pipeline("Web", "git@github.com:acme/web.git")
                .configuration("steps: []"),
            "cluster_id",
        ),
        (
            start().cluster_id(" ").configuration("steps: []"),
            "cluster_id",
        ),
        (
            org.create_pipeline(" ", "git@github.com:acme/web.git")
                .cluster_id(CLUSTER)
                .step(wait.clone()),
            "name and a repository",
        ),
        (
            org.create_pipeline("Web", "")
                .cluster_id(CLUSTER)
                .step(wait),
            "name and a repository",
        ),
    ];
    for (create, expected) in cases {
        let err = create.send().await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput(_)) && err.to_string().contains(expected),
            "{expected}: {err}"
        );
    }
    assert_eq!(
        any.calls_async().await,
        0,
        "an invalid pipeline must not be sent"
    );
}

#[tokio::test]
async fn create_a_pipeline_from_a_template_and_see_why_buildkite_refused_it() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            // No configuration and no steps: the template supplies them.
            when.method(POST)
                .path(format!("{ORG}/pipelines"))
                .json_body(json!({
                    "name": "Web",
                    "repository": "git@github.com:acme/web.git",
                    "cluster_id": CLUSTER,
                    "pipeline_template_uuid": "018e5b4c-template"
                }));
            then.status(422)
                .header("content-type", "application/json")
                .json_body(json!({
                    "message": "Validation Failed",
                    "errors": [{"field": "name", "code": "has already been taken"}]
                }));
        })
        .await;
    let bk = buildkite(&server);
    let err = bk
        .organization("acme")
        .create_pipeline("Web", "git@github.com:acme/web.git")
        .cluster_id(CLUSTER)
        .pipeline_template_uuid("018e5b4c-template")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(err.operation().map(|o| o.id), Some("createPipeline"));
    assert_eq!(
        api_error(&err).message(),
        "Validation Failed: name has already been taken"
    );
    refused.assert_async().await;
}

#[tokio::test]
async fn update_a_pipeline_with_every_field_and_only_what_changes() {
    let server = MockServer::start_async().await;
    let everything = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(PIPELINE)
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "name": "My Pipeline",
                    "slug": "my-pipeline",
                    "repository": "git@github.com:acme-inc/new-repo.git",
                    "cluster_id": CLUSTER,
                    "configuration": "steps:\n  - command: make",
                    "description": "New description",
                    "default_branch": "main",
                    "branch_configuration": "main",
                    "skip_queued_branch_builds": false,
                    "skip_queued_branch_builds_filter": "",
                    "cancel_running_branch_builds": true,
                    "cancel_running_branch_builds_filter": "!main",
                    "allow_rebuilds": true,
                    "default_command_step_timeout": 10,
                    "maximum_command_step_timeout": 60,
                    "clone_mirror_url": "",
                    "color": "#000000",
                    "emoji": ":ship:",
                    "pipeline_template_uuid": "018e5b4c-template",
                    "provider_settings": {"build_tags": true},
                    "teams": {TEAM: "manage_build_and_read"},
                    "tags": ["prod"],
                    "visibility": "public"
                }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "updatePipeline"));
        })
        .await;
    let visual = server
        .mock_async(|when, then| {
            when.method(PATCH).path(PIPELINE).json_body(json!({
                "env": {"FOO": "baz"},
                "steps": [{"type": "script", "command": "make test"}]
            }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "updatePipeline"));
        })
        .await;
    let bk = buildkite(&server);
    let web = bk.pipeline("acme", "web");
    let updated = web
        .update()
        .name("My Pipeline")
        .slug("my-pipeline")
        .repository("git@github.com:acme-inc/new-repo.git")
        .cluster_id(CLUSTER)
        .configuration("steps:\n  - command: make")
        .description("New description")
        .default_branch("main")
        .branch_configuration("main")
        .skip_queued_branch_builds(false)
        .skip_queued_branch_builds_filter("")
        .cancel_running_branch_builds(true)
        .cancel_running_branch_builds_filter("!main")
        .allow_rebuilds(true)
        .default_command_step_timeout(10)
        .maximum_command_step_timeout(60)
        .clone_mirror_url("")
        .color("#000000")
        .emoji(":ship:")
        .pipeline_template_uuid("018e5b4c-template")
        .provider_setting("build_tags", true)
        .team(TEAM, TeamPipelineAccessLevel::ManageBuildAndRead)
        .tags(["prod"])
        .visibility(PipelineVisibility::Public)
        .send()
        .await
        .expect("updated");
    assert_eq!(
        updated.repository.as_deref(),
        Some("git@github.com:acme-inc/new-repo.git")
    );
    assert_eq!(updated.id, fixture_str("updatePipeline", "id"));
    let test: types::Step = step(JobType::Script)
        .command("make test".to_owned())
        .try_into()
        .unwrap();
    web.update()
        .env("FOO", "baz")
        .step(test)
        .send()
        .await
        .expect("visual update");
    everything.assert_async().await;
    visual.assert_async().await;
}

#[tokio::test]
async fn unblock_a_block_step_with_its_fields_and_on_behalf_of_a_user() {
    let server = MockServer::start_async().await;
    let job_path = format!("{PIPELINE}/builds/1/jobs/ded35de2-7de0-4da8-8daa-b4ce0b7f1064");
    let with_fields = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{job_path}/unblock"))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "unblocker": "cfbb422f-2e4a-41b5-86f0-59e813b3d6e2",
                    "fields": {"release-name": "Flying Dolpin", "env": "prod"}
                }));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "unblockJob"));
        })
        .await;
    let plain = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{job_path}/unblock"))
                .json_body(json!({}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "unblockJob"));
        })
        .await;
    let bk = buildkite(&server);
    let job = bk
        .pipeline("acme", "web")
        .build(1)
        .job("ded35de2-7de0-4da8-8daa-b4ce0b7f1064");
    let unblocked = job
        .unblock()
        .unblocker("cfbb422f-2e4a-41b5-86f0-59e813b3d6e2")
        .field("release-name", "Flying Dolpin")
        .field("env", "prod")
        .send()
        .await
        .expect("unblocked");
    assert_eq!(unblocked.state, Some(JobState::Unblocked));
    assert_eq!(unblocked.type_, JobType::Manual);
    assert_eq!(
        unblocked.unblocked_by.and_then(|u| u.name).as_deref(),
        Some("Liam Neeson")
    );
    job.unblock().send().await.expect("plain unblock");
    with_fields.assert_async().await;
    plain.assert_async().await;
}

#[tokio::test]
async fn unblocking_a_job_that_is_not_a_block_step_carries_the_service_message() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{PIPELINE}/builds/1/jobs/j1/unblock"));
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"message": "This job type cannot be unblocked"}));
        })
        .await;
    let bk = buildkite(&server);
    let err = bk
        .pipeline("acme", "web")
        .build(1)
        .job("j1")
        .unblock()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.operation().map(|o| o.id), Some("unblockJob"));
    assert_eq!(
        api_error(&err).message(),
        "This job type cannot be unblocked"
    );
}

#[tokio::test]
async fn annotate_a_build_and_a_job_append_to_a_context_list_and_delete() {
    // pybuildkite has no annotation writes; the Buildkite docs' curl examples.
    let server = MockServer::start_async().await;
    let build_annotations = format!("{PIPELINE}/builds/42/annotations");
    let job_annotations = format!("{PIPELINE}/builds/42/jobs/j1/annotations");
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(&build_annotations)
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "body": "Hello world!",
                    "style": "info",
                    "context": "greeting",
                    "priority": 5
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "createAnnotation"));
        })
        .await;
    let append = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(&build_annotations)
                .json_body(json!({"body": " Again!", "context": "greeting", "append": true}));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "createAnnotation"));
        })
        .await;
    let on_job = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(&job_annotations)
                .header("authorization", BEARER)
                .json_body(json!({"body": "Flaky: `spec/a_spec.rb`", "style": "warning"}));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "createJobAnnotation"));
        })
        .await;
    let list_job = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&job_annotations)
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listJobAnnotations"));
        })
        .await;
    let uuid = "018b8d10-6b5b-4df2-b0ff-dfa2af566050";
    let delete_build = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{build_annotations}/{uuid}"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let delete_job = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{job_annotations}/{uuid}"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let bk = buildkite(&server);
    let build = bk.pipeline("acme", "web").build(42);
    let created = build
        .annotate("Hello world!")
        .style(types::AnnotationStyle::Info)
        .context("greeting")
        .priority(5)
        .send()
        .await
        .expect("created");
    assert_eq!(created.id, uuid);
    assert_eq!(created.context.as_deref(), Some("greeting"));
    build
        .annotate(" Again!")
        .context("greeting")
        .append(true)
        .send()
        .await
        .expect("appended");
    let job = build.job("j1");
    let created = job
        .annotate("Flaky: `spec/a_spec.rb`")
        .style(types::AnnotationStyle::Warning)
        .send()
        .await
        .expect("on the job");
    assert_eq!(
        created.id,
        fixture_str("createJobAnnotation", "id"),
        "the job annotation"
    );
    let listed: Vec<types::Annotation> = job
        .annotations()
        .stream()
        .try_collect()
        .await
        .expect("job annotations");
    assert_eq!(listed[0].id, fixture_str("listJobAnnotations", "id"));
    build.delete_annotation(uuid).await.expect("deleted");
    job.delete_annotation(uuid)
        .await
        .expect("deleted on the job");
    for m in [
        &create,
        &append,
        &on_job,
        &list_job,
        &delete_build,
        &delete_job,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn bad_annotations_fail_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    let bk = buildkite(&server);
    let build = bk.pipeline("acme", "web").build(42);
    let cases = [
        (build.annotate("").send().await, "body is empty"),
        (
            build.annotate("x").context(" ").send().await,
            "context is empty",
        ),
        (build.annotate("x").priority(0).send().await, "not 0"),
        (
            build.job("j1").annotate("x").priority(11).send().await,
            "not 11",
        ),
        (
            bk.pipeline("acme", "web")
                .build(1)
                .job("")
                .annotate("x")
                .send()
                .await,
            "`job_id` is empty",
        ),
    ];
    for (result, what) in cases {
        match result {
            Err(Error::InvalidInput(message)) => assert!(message.contains(what), "{message}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    let deleted = build.delete_annotation("").await.unwrap_err();
    assert!(
        deleted.to_string().contains("`annotation_uuid` is empty"),
        "{deleted}"
    );
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn get_and_reprioritize_a_job_retry_failed_jobs_and_delete_an_artifact() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/42/jobs/j1"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getJob"));
        })
        .await;
    let reprioritize = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{PIPELINE}/builds/42/jobs/j1/reprioritize"))
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({"priority": 5}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "reprioritizeJob"));
        })
        .await;
    let retry_some = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{PIPELINE}/builds/42/retry_failed_jobs"))
                .header("authorization", BEARER)
                .json_body(json!({"states": "failed,timed_out"}));
            then.status(202)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "retryFailedJobs"));
        })
        .await;
    let retry_all = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{PIPELINE}/builds/43/retry_failed_jobs"))
                .json_body(json!({}));
            then.status(202)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "retryFailedJobs"));
        })
        .await;
    let refused = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{PIPELINE}/builds/44/retry_failed_jobs"));
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Invalid states: invalid. Valid states are canceled, expired, failed, soft_failed, timed_out."}));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{PIPELINE}/builds/42/jobs/j1/artifacts/a1"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let bk = buildkite(&server);
    let pipeline = bk.pipeline("acme", "web");
    let job = pipeline.build(42).job("j1");
    let got = job.get().await.expect("job");
    assert_eq!(got.id, fixture_str("getJob", "id"));
    let reprioritized = job.reprioritize(5).await.expect("reprioritized");
    assert_eq!(reprioritized.id, fixture_str("reprioritizeJob", "id"));
    let retried = pipeline
        .build(42)
        .retry_failed_jobs()
        .only([
            kitelab::buildkite::FailedState::Failed,
            kitelab::buildkite::FailedState::TimedOut,
            kitelab::buildkite::FailedState::Failed,
        ])
        .send()
        .await
        .expect("retried");
    assert_eq!(retried.retried_jobs_count, Some(2));
    pipeline
        .build(43)
        .retry_failed_jobs()
        .send()
        .await
        .expect("every failed job");
    let err = pipeline
        .build(44)
        .retry_failed_jobs()
        .send()
        .await
        .unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.status().as_u16(), 400);
    assert!(api.message().starts_with("Invalid states"), "{err}");
    assert_eq!(api.operation().id, "retryFailedJobs");
    job.artifact("a1").delete().await.expect("deleted");
    for m in [
        &get,
        &reprioritize,
        &retry_some,
        &retry_all,
        &refused,
        &delete,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn create_a_cluster_with_a_queue_and_an_agent_token_then_manage_and_delete_them() {
    use kitelab::buildkite::types::RetryAgentAffinity;
    let server = MockServer::start_async().await;
    let clusters = format!("{ORG}/clusters");
    let cluster_path = format!("{clusters}/{CLUSTER}");
    let queue_id = "01885682-55a7-44f5-84f3-0402fb452e66";
    let token_id = "b6001416-0e1e-41c6-9dbe-3d96766f451a";
    let queue_path = format!("{cluster_path}/queues/{queue_id}");
    let token_path = format!("{cluster_path}/tokens/{token_id}");
    let json_mock = |method: httpmock::Method,
                     path: String,
                     body: Option<serde_json::Value>,
                     status: u16,
                     fixture: &'static str| {
        let server = &server;
        async move {
            server
                .mock_async(|when, then| {
                    let when = when
                        .method(method)
                        .path(path)
                        .header("authorization", BEARER);
                    if let Some(body) = body {
                        when.header("content-type", "application/json")
                            .json_body(body);
                    }
                    then.status(status)
                        .header("content-type", "application/json")
                        .json_body(fixture_body("buildkite", fixture));
                })
                .await
        }
    };
    let list = json_mock(GET, clusters.clone(), None, 200, "listClusters").await;
    let create = json_mock(
        POST,
        clusters.clone(),
        Some(json!({
            "name": "Open Source",
            "description": "A place for safely running our open source builds",
            "emoji": ":technologist:",
            "color": "#FFE0F1",
            "maintainers": [{"team": TEAM}, {"user": "3d3c3bf0-7d58-4afe-8fe7-b3017d5504de"}]
        })),
        201,
        "createCluster",
    )
    .await;
    let get = json_mock(GET, cluster_path.clone(), None, 200, "getCluster").await;
    let update = json_mock(
        PUT,
        cluster_path.clone(),
        Some(json!({"name": "Open Source", "default_queue_id": queue_id})),
        200,
        "updateCluster",
    )
    .await;
    let queues = json_mock(
        GET,
        format!("{cluster_path}/queues"),
        None,
        200,
        "listClusterQueues",
    )
    .await;
    let create_queue = json_mock(
        POST,
        format!("{cluster_path}/queues"),
        Some(json!({"key": "default", "description": "The default queue", "retry_agent_affinity": "prefer-different"})),
        201,
        "createClusterQueue",
    )
    .await;
    let get_queue = json_mock(GET, queue_path.clone(), None, 200, "getClusterQueue").await;
    let update_queue = json_mock(
        PUT,
        queue_path.clone(),
        Some(json!({"description": "Linux agents"})),
        200,
        "updateClusterQueue",
    )
    .await;
    let pause = json_mock(
        POST,
        format!("{queue_path}/pause_dispatch"),
        Some(json!({"dispatch_paused_note": "Draining for the upgrade"})),
        200,
        "pauseClusterQueueDispatch",
    )
    .await;
    let resume = json_mock(
        POST,
        format!("{queue_path}/resume_dispatch"),
        None,
        200,
        "resumeClusterQueueDispatch",
    )
    .await;
    let tokens = json_mock(
        GET,
        format!("{cluster_path}/tokens"),
        None,
        200,
        "listClusterTokens",
    )
    .await;
    let create_token = json_mock(
        POST,
        format!("{cluster_path}/tokens"),
        Some(json!({
            "description": "Windows agents",
            "allowed_ip_addresses": "202.144.0.0/24",
            "expires_at": "2030-01-01T00:00:00Z"
        })),
        201,
        "createClusterToken",
    )
    .await;
    let get_token = json_mock(GET, token_path.clone(), None, 200, "getClusterToken").await;
    let update_token = json_mock(
        PUT,
        token_path.clone(),
        Some(json!({"description": "Linux agents"})),
        200,
        "updateClusterToken",
    )
    .await;
    let deletes = [
        ("delete_cluster_queue", queue_path.clone()),
        ("revoke_cluster_token", token_path.clone()),
        ("delete_cluster", cluster_path.clone()),
    ];
    let mut delete_mocks = Vec::new();
    for (_, path) in &deletes {
        delete_mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(DELETE)
                        .path(path)
                        .header("authorization", BEARER);
                    then.status(204);
                })
                .await,
        );
    }
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let listed: Vec<types::Cluster> = org
        .clusters()
        .stream()
        .try_collect()
        .await
        .expect("clusters");
    assert_eq!(listed[0].id, CLUSTER);
    let created = org
        .create_cluster("Open Source")
        .description("A place for safely running our open source builds")
        .emoji(":technologist:")
        .color("#FFE0F1")
        .maintainer_team(TEAM)
        .maintainer_user("3d3c3bf0-7d58-4afe-8fe7-b3017d5504de")
        .send()
        .await
        .expect("created");
    let cluster = org.cluster(created.id);
    assert_eq!(cluster.id(), CLUSTER);
    assert_eq!(
        cluster.get().await.expect("cluster").name.as_deref(),
        Some("Open Source")
    );
    cluster
        .update()
        .name("Open Source")
        .default_queue(queue_id)
        .send()
        .await
        .expect("updated");
    let listed: Vec<types::ClusterQueue> = cluster
        .queues()
        .stream()
        .try_collect()
        .await
        .expect("queues");
    assert_eq!(listed[0].key.as_deref(), Some("default"));
    let made = cluster
        .create_queue("default")
        .description("The default queue")
        .retry_agent_affinity(RetryAgentAffinity::PreferDifferent)
        .send()
        .await
        .expect("queue");
    let queue = cluster.queue(made.id);
    assert_eq!(queue.id(), queue_id);
    queue.get().await.expect("queue");
    queue
        .update()
        .description("Linux agents")
        .send()
        .await
        .expect("queue updated");
    let paused = queue
        .pause_dispatch(Some("Draining for the upgrade"))
        .await
        .expect("paused");
    assert_eq!(paused.dispatch_paused, Some(true));
    queue.resume_dispatch().await.expect("resumed");
    let listed: Vec<types::ClusterToken> = cluster
        .tokens()
        .stream()
        .try_collect()
        .await
        .expect("tokens");
    assert_eq!(listed[0].id, token_id);
    let made = cluster
        .create_token("Windows agents")
        .allowed_ip_addresses("202.144.0.0/24")
        .expires_at(kitelab::Timestamp::parse("2030-01-01T00:00:00Z").expect("a time"))
        .send()
        .await
        .expect("token");
    let value = made.token.as_ref().expect("the value, once");
    assert!(!format!("{made:?}").contains(value.expose()), "redacted");
    let token = cluster.token(made.id);
    assert_eq!(token.id(), token_id);
    token.get().await.expect("token details");
    token
        .update()
        .description("Linux agents")
        .send()
        .await
        .expect("token updated");
    queue.delete().await.expect("queue deleted");
    token.revoke().await.expect("revoked");
    cluster.delete().await.expect("cluster deleted");
    for m in [
        &list,
        &create,
        &get,
        &update,
        &queues,
        &create_queue,
        &get_queue,
        &update_queue,
        &pause,
        &resume,
        &tokens,
        &create_token,
        &get_token,
        &update_token,
    ]
    .into_iter()
    .chain(delete_mocks.iter())
    {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn bad_cluster_inputs_fail_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(500);
        })
        .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let cases = [
        (
            org.create_cluster(" ").send().await.map(|_| ()),
            "cluster name",
        ),
        (
            org.cluster("").get().await.map(|_| ()),
            "`cluster_id` is empty",
        ),
        (
            org.cluster(CLUSTER)
                .create_queue("")
                .send()
                .await
                .map(|_| ()),
            "queue key",
        ),
        (
            org.cluster(CLUSTER)
                .queue("")
                .resume_dispatch()
                .await
                .map(|_| ()),
            "`queue_id` is empty",
        ),
        (
            org.cluster(CLUSTER)
                .create_token("")
                .send()
                .await
                .map(|_| ()),
            "token description",
        ),
        (
            org.cluster(CLUSTER).token("").revoke().await,
            "`token_id` is empty",
        ),
        (
            bk.organization("").clusters().page(1).await.map(|_| ()),
            "`org_slug` is empty",
        ),
    ];
    for (result, what) in cases {
        match result {
            Err(Error::InvalidInput(message)) => assert!(message.contains(what), "{message}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    assert_eq!(any.calls_async().await, 0);
}

#[tokio::test]
async fn schedule_nightly_builds_then_pause_and_delete_the_schedule_and_read_the_rate_limit() {
    let server = MockServer::start_async().await;
    let schedules = format!("{PIPELINE}/schedules");
    let id = "b3a1e9f2-7c4d-4f1a-9e6c-2d8a5f7b1c3d";
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&schedules)
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listPipelineSchedules"));
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(&schedules)
                .header("authorization", BEARER)
                .header("content-type", "application/json")
                .json_body(json!({
                    "cronline": "0 2 * * 1-5 Europe/Berlin",
                    "label": "Nightly",
                    "branch": "main",
                    "commit": "HEAD",
                    "message": "Nightly build",
                    "env": {"NIGHTLY": "1", "SLOW_TESTS": "true"},
                    "enabled": true
                }));
            then.status(201)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "createPipelineSchedule"));
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{schedules}/{id}"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getPipelineSchedule"));
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{schedules}/{id}"))
                .header("authorization", BEARER)
                .json_body(json!({"cronline": "@daily", "enabled": false}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "updatePipelineSchedule"));
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{schedules}/{id}"))
                .header("authorization", BEARER);
            then.status(204);
        })
        .await;
    let rate = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/rate_limit"))
                .header("authorization", BEARER);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getOrganizationRateLimit"));
        })
        .await;
    let bk = buildkite(&server);
    let pipeline = bk.pipeline("acme", "web");
    let listed: Vec<types::PipelineSchedule> = pipeline
        .schedules()
        .stream()
        .try_collect()
        .await
        .expect("schedules");
    assert_eq!(listed[0].id, id);
    let created = pipeline
        .create_schedule("0 2 * * 1-5 Europe/Berlin")
        .label("Nightly")
        .branch("main")
        .commit("HEAD")
        .message("Nightly build")
        .env("NIGHTLY", "1")
        .env("SLOW_TESTS", "true")
        .enabled(true)
        .send()
        .await
        .expect("created");
    let schedule = pipeline.schedule(created.id);
    assert_eq!(schedule.id(), id);
    schedule.get().await.expect("schedule");
    schedule
        .update()
        .cronline("@daily")
        .enabled(false)
        .send()
        .await
        .expect("updated");
    schedule.delete().await.expect("deleted");
    let limit = bk
        .organization("acme")
        .rate_limit()
        .await
        .expect("rate limit");
    assert!(format!("{limit:?}").contains("200"), "{limit:?}");
    let bad = pipeline.create_schedule(" ").send().await.unwrap_err();
    assert!(matches!(bad, Error::InvalidInput(_)), "{bad}");
    let bad = schedule.update().cronline("").send().await.unwrap_err();
    assert!(matches!(bad, Error::InvalidInput(_)), "{bad}");
    let bad = pipeline.schedule("").delete().await.unwrap_err();
    assert!(bad.to_string().contains("`schedule_id` is empty"), "{bad}");
    for m in [&list, &create, &get, &update, &delete, &rate] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn keep_cluster_secrets_pause_an_agent_and_read_a_job_s_environment_as_text() {
    let server = MockServer::start_async().await;
    let secrets = format!("{ORG}/clusters/{CLUSTER}/secrets");
    let id = "9bf7650d-52ba-40e6-a18e-7a34a109f8bc";
    let json_ok = |status: u16, fixture: &'static str| {
        move |then: httpmock::Then| {
            then.status(status)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", fixture));
        }
    };
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&secrets)
                .header("authorization", BEARER);
            json_ok(200, "listClusterSecrets")(then);
        })
        .await;
    let create = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(&secrets)
                .header("authorization", BEARER)
                .json_body(json!({
                    "key": "MY_SECRET",
                    "value": "s3cr3t",
                    "description": "Deploys to production",
                    "policy": "- pipeline_slug: web\n"
                }));
            json_ok(201, "createClusterSecret")(then);
        })
        .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{secrets}/{id}"))
                .header("authorization", BEARER);
            json_ok(200, "getClusterSecret")(then);
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{secrets}/{id}"))
                .json_body(json!({"description": "Rotated monthly"}));
            json_ok(200, "updateClusterSecret")(then);
        })
        .await;
    let value = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{secrets}/{id}/value"))
                .header("authorization", BEARER)
                .json_body(json!({"value": "r0tated"}));
            json_ok(200, "updateClusterSecretValue")(then);
        })
        .await;
    let delete = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("{secrets}/{id}"));
            then.status(204);
        })
        .await;
    let agent_path = format!("{ORG}/agents/{AGENT_ID}");
    let pause = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{agent_path}/pause"))
                .header("authorization", BEARER)
                .json_body(json!({"note": "Kernel upgrade", "timeout_in_minutes": 60}));
            then.status(204);
        })
        .await;
    let resume = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{agent_path}/resume"))
                .json_body(json!({}));
            then.status(204);
        })
        .await;
    let env_text = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{PIPELINE}/builds/42/jobs/j1/env.txt"))
                .header("authorization", BEARER)
                .header("accept", "text/plain");
            then.status(200)
                .header("content-type", "text/plain")
                .body("CI=true\nBUILDKITE_BRANCH=main\n");
        })
        .await;
    let bk = buildkite(&server);
    let cluster = bk.organization("acme").cluster(CLUSTER);
    let listed: Vec<types::ClusterSecret> = cluster
        .secrets()
        .stream()
        .try_collect()
        .await
        .expect("secrets");
    assert_eq!(listed[0].key.as_deref(), Some("MY_SECRET"));
    let created = cluster
        .create_secret("MY_SECRET", "s3cr3t")
        .description("Deploys to production")
        .policy("- pipeline_slug: web\n")
        .send()
        .await
        .expect("created");
    assert_eq!(created.key.as_deref(), Some("MY_SECRET"));
    let secret = cluster.secret(id);
    assert_eq!(secret.id(), id);
    secret.get().await.expect("details");
    secret
        .update()
        .description("Rotated monthly")
        .send()
        .await
        .expect("updated");
    secret.set_value("r0tated").await.expect("new value");
    secret.delete().await.expect("deleted");
    let agent = bk.organization("acme").agent(AGENT_ID);
    agent
        .pause()
        .note("Kernel upgrade")
        .timeout_in_minutes(60)
        .send()
        .await
        .expect("paused");
    agent.resume().await.expect("resumed");
    let text = bk
        .pipeline("acme", "web")
        .build(42)
        .job("j1")
        .download_env()
        .await
        .expect("env")
        .text()
        .await
        .expect("text");
    assert_eq!(text, "CI=true\nBUILDKITE_BRANCH=main\n");
    // Refused before sending.
    let empty = cluster.create_secret("KEY", "").send().await.unwrap_err();
    assert!(empty.to_string().contains("value is empty"), "{empty}");
    let no_key = cluster.create_secret("", "v").send().await.unwrap_err();
    assert!(no_key.to_string().contains("secret key"), "{no_key}");
    let zero = agent
        .pause()
        .timeout_in_minutes(0)
        .send()
        .await
        .unwrap_err();
    assert!(zero.to_string().contains("at least one minute"), "{zero}");
    for m in [
        &list, &create, &get, &update, &value, &delete, &pause, &resume, &env_text,
    ] {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn manage_a_team_its_members_and_its_pipelines() {
    use kitelab::buildkite::types::{TeamMemberRole, TeamPrivacy};
    let server = MockServer::start_async().await;
    let team_path = format!("{ORG}/teams/{TEAM}");
    let user = "875ce846-f6c0-4360-8133-389b03c7c46a";
    let pipeline = "018c5ad7-28f1-45d4-867e-b59fa04511b2";
    let fixture_reply = |status: u16, fixture: &'static str| {
        move |then: httpmock::Then| {
            then.status(status)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", fixture));
        }
    };
    let mut mocks = Vec::new();
    for (method, path, body, status, fixture) in [
        (GET, team_path.clone(), None, 200, "getTeam"),
        (
            PATCH,
            team_path.clone(),
            Some(json!({
                "name": "New and Improved Backenders V2!",
                "description": "Updated backend engineers team",
                "privacy": "visible",
                "is_default_team": false,
                "default_member_role": "maintainer",
                "members_can_create_pipelines": true
            })),
            200,
            "updateTeam",
        ),
        (
            GET,
            format!("{team_path}/members"),
            None,
            200,
            "listTeamMembers",
        ),
        (
            GET,
            format!("{team_path}/members/{user}"),
            None,
            200,
            "getTeamMember",
        ),
        (
            POST,
            format!("{team_path}/members"),
            Some(json!({"user_id": user, "role": "maintainer"})),
            201,
            "createTeamMember",
        ),
        (
            PATCH,
            format!("{team_path}/members/{user}"),
            Some(json!({"role": "member"})),
            200,
            "updateTeamMember",
        ),
        (
            GET,
            format!("{team_path}/pipelines"),
            None,
            200,
            "listTeamPipelines",
        ),
        (
            GET,
            format!("{team_path}/pipelines/{pipeline}"),
            None,
            200,
            "getTeamPipeline",
        ),
        (
            POST,
            format!("{team_path}/pipelines"),
            Some(json!({"pipeline_id": pipeline, "access_level": "build_and_read"})),
            201,
            "createTeamPipeline",
        ),
        (
            PATCH,
            format!("{team_path}/pipelines/{pipeline}"),
            Some(json!({"access_level": "read_only"})),
            200,
            "updateTeamPipeline",
        ),
    ] {
        let reply = fixture_reply(status, fixture);
        mocks.push(
            server
                .mock_async(|when, then| {
                    let when = when
                        .method(method)
                        .path(&path)
                        .header("authorization", BEARER);
                    if let Some(body) = &body {
                        when.json_body(body.clone());
                    }
                    reply(then);
                })
                .await,
        );
    }
    for path in [
        format!("{team_path}/members/{user}"),
        format!("{team_path}/pipelines/{pipeline}"),
        team_path.clone(),
    ] {
        mocks.push(
            server
                .mock_async(|when, then| {
                    when.method(DELETE)
                        .path(&path)
                        .header("authorization", BEARER);
                    then.status(204);
                })
                .await,
        );
    }
    let bk = buildkite(&server);
    let team = bk.organization("acme").team(TEAM);
    assert_eq!(team.uuid(), TEAM);
    assert_eq!(team.get().await.expect("team").id, TEAM);
    team.update()
        .name("New and Improved Backenders V2!")
        .description("Updated backend engineers team")
        .privacy(TeamPrivacy::Visible)
        .is_default_team(false)
        .default_member_role(TeamMemberRole::Maintainer)
        .members_can_create_pipelines(true)
        .send()
        .await
        .expect("updated");
    let members: Vec<types::TeamMember> = team
        .members()
        .stream()
        .try_collect()
        .await
        .expect("members");
    assert_eq!(members[0].user_name.as_deref(), Some("Severus Snape"));
    team.member(user).get().await.expect("member");
    let added = team
        .add_member(user, TeamMemberRole::Maintainer)
        .await
        .expect("added");
    assert_eq!(added.role, Some(TeamMemberRole::Maintainer));
    team.member(user)
        .set_role(TeamMemberRole::Member)
        .await
        .expect("role");
    let pipelines: Vec<types::TeamPipeline> = team
        .pipelines()
        .stream()
        .try_collect()
        .await
        .expect("pipelines");
    assert_eq!(pipelines[0].pipeline_id, pipeline);
    team.pipeline(pipeline).get().await.expect("access");
    team.add_pipeline(pipeline, TeamPipelineAccessLevel::BuildAndRead)
        .await
        .expect("given");
    team.pipeline(pipeline)
        .set_access(TeamPipelineAccessLevel::ReadOnly)
        .await
        .expect("changed");
    team.member(user).remove().await.expect("removed");
    team.pipeline(pipeline).remove().await.expect("taken away");
    team.delete().await.expect("deleted");
    let empty = team
        .add_member("", TeamMemberRole::Member)
        .await
        .unwrap_err();
    assert!(empty.to_string().contains("user UUID"), "{empty}");
    let no_team = bk.organization("acme").team("").get().await.unwrap_err();
    assert!(
        no_team.to_string().contains("`team_uuid` is empty"),
        "{no_team}"
    );
    for m in &mocks {
        m.assert_async().await;
    }
}

#[tokio::test]
async fn manage_members_invite_people_and_read_the_audit_log_by_cursor() {
    use kitelab::buildkite::types::{OrganizationRole, SsoMode, TeamMemberRole};
    let server = MockServer::start_async().await;
    let user = "0185dbbf-8447-4f72-ac7e-4ea3c2ec8381";
    let invitation = "00000000-0000-4000-8000-000000000001";
    let event = "01931fa7-b1c0-7abc-8abc-0123456789ab";
    let reply = |status: u16, body: serde_json::Value| {
        move |then: httpmock::Then| {
            then.status(status)
                .header("content-type", "application/json")
                .json_body(body);
        }
    };
    let members = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/members"))
                .header("authorization", BEARER)
                .query_param("page", "1");
            reply(200, fixture_body("buildkite", "listOrganizationMembers"))(then);
        })
        .await;
    let member = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{ORG}/members/{user}"));
            reply(200, fixture_body("buildkite", "getOrganizationMember"))(then);
        })
        .await;
    let update = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("{ORG}/members/{user}"))
                .header("authorization", BEARER)
                .json_body(json!({"role": "admin", "sso_mode": "optional"}));
            reply(200, fixture_body("buildkite", "updateOrganizationMember"))(then);
        })
        .await;
    let remove = server
        .mock_async(|when, then| {
            when.method(DELETE).path(format!("{ORG}/members/{user}"));
            then.status(204);
        })
        .await;
    // Two pages of invitations: the first names the second in its body's links.
    let mut first = fixture_body("buildkite", "listInvitations");
    first["links"] = json!({"next": format!("{}{ORG}/invitations?after=abc123&per_page=100", server.base_url())});
    let mut second = fixture_body("buildkite", "listInvitations");
    second["items"][0]["id"] = json!("00000000-0000-4000-8000-000000000002");
    second["links"] = json!({});
    let invitations_1 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/invitations"))
                .header("authorization", BEARER)
                .query_param_missing("after");
            reply(200, first.clone())(then);
        })
        .await;
    let invitations_2 = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/invitations"))
                .query_param("after", "abc123");
            reply(200, second.clone())(then);
        })
        .await;
    let get_invitation = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/invitations/{invitation}"));
            reply(200, fixture_body("buildkite", "getInvitation"))(then);
        })
        .await;
    let invite = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{ORG}/invitations"))
                .header("authorization", BEARER)
                .json_body(json!({
                    "emails": ["ada@example.com", "grace@example.com"],
                    "role": "member",
                    "sso_mode": "optional",
                    "teams": [{"id": TEAM, "role": "maintainer"}]
                }));
            reply(201, fixture_body("buildkite", "createInvitations"))(then);
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{ORG}/invitations/{invitation}"));
            then.status(204);
        })
        .await;
    // The docs' page names a next page (on api.buildkite.com: only its cursor is used).
    let events = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/audit_events"))
                .header("authorization", BEARER)
                .query_param("per_page", "100")
                .query_param_missing("after");
            reply(200, fixture_body("buildkite", "listAuditEvents"))(then);
        })
        .await;
    let events_end = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/audit_events"))
                .query_param("after", "eyJvY2N1cnJlZF9hdCI6Ii4uLiJ9");
            reply(200, json!({"items": [], "links": {}}))(then);
        })
        .await;
    let one_event = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("{ORG}/audit_events/{event}"));
            reply(200, fixture_body("buildkite", "getAuditEvent"))(then);
        })
        .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let everyone: Vec<types::OrganizationMember> =
        org.members().stream().try_collect().await.expect("members");
    assert_eq!(everyone[0].name.as_deref(), Some("Scout Finch"));
    let vic = org.member(user);
    assert_eq!(vic.uuid(), user);
    vic.get().await.expect("member");
    let promoted = vic
        .update()
        .role(OrganizationRole::Admin)
        .sso_mode(SsoMode::Optional)
        .send()
        .await
        .expect("updated");
    assert_eq!(promoted.role, Some(OrganizationRole::Admin));
    vic.remove().await.expect("removed");
    let pending: Vec<String> = org
        .invitations()
        .stream()
        .map_ok(|i| i.id)
        .try_collect()
        .await
        .expect("invitations");
    assert_eq!(
        pending,
        [
            "00000000-0000-4000-8000-000000000001",
            "00000000-0000-4000-8000-000000000002"
        ]
    );
    let one = org.invitation(invitation);
    assert_eq!(one.uuid(), invitation);
    one.get().await.expect("invitation");
    let sent = org
        .invite(["ada@example.com", "grace@example.com"])
        .role(OrganizationRole::Member)
        .sso_mode(SsoMode::Optional)
        .team(TEAM, TeamMemberRole::Maintainer)
        .send()
        .await
        .expect("invited");
    assert!(!sent.is_empty());
    one.revoke().await.expect("revoked");
    let log: Vec<types::AuditEvent> = org
        .audit_events()
        .stream()
        .try_collect()
        .await
        .expect("audit log");
    assert_eq!(log[0].uuid, event);
    let read = org.audit_event(event).await.expect("event");
    assert_eq!(read.type_, "OrganizationUpdatedEvent");
    // Refused before sending.
    for (result, what) in [
        (
            org.invite(Vec::<String>::new()).send().await.map(|_| ()),
            "at least one email",
        ),
        (
            org.invite(["not-an-email"]).send().await.map(|_| ()),
            "not an email",
        ),
        (
            org.invite(["a@example.com"])
                .team(TEAM, TeamMemberRole::Member)
                .team(TEAM, TeamMemberRole::Maintainer)
                .send()
                .await
                .map(|_| ()),
            "given twice",
        ),
        (org.member("").remove().await, "`user_uuid` is empty"),
        (
            org.audit_event("").await.map(|_| ()),
            "`event_uuid` is empty",
        ),
    ] {
        match result {
            Err(Error::InvalidInput(message)) => assert!(message.contains(what), "{message}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    for m in [
        &members,
        &member,
        &update,
        &remove,
        &invitations_1,
        &invitations_2,
        &get_invitation,
        &invite,
        &revoke,
        &events,
        &events_end,
        &one_event,
    ] {
        m.assert_async().await;
    }
}

/// A listed artifact becomes a handle without unwrapping its `job_id`; one that names no job
/// is refused before anything is sent.
#[tokio::test]
async fn a_listed_artifact_becomes_a_handle() {
    use kitelab_api::buildkite::operations::LIST_BUILD_ARTIFACTS;
    let server = MockServer::start_async().await;
    let build = format!("{PIPELINE}/builds/42");
    let list = kitelab_tests::mock_fixture(
        &server,
        &LIST_BUILD_ARTIFACTS,
        &format!("{build}/artifacts"),
    )
    .await;
    let listed: Vec<types::Artifact> = buildkite(&server)
        .pipeline("acme", "web")
        .build(42)
        .artifacts()
        .stream()
        .try_collect()
        .await
        .expect("listed");
    let first = &listed[0];
    let job = first.job_id.clone().expect("the fixture names its job");
    let download = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!(
                    "{build}/jobs/{job}/artifacts/{}/download",
                    first.id
                ))
                .header("authorization", BEARER);
            then.status(200).body("artifact bytes");
        })
        .await;
    let bk = buildkite(&server);
    let handle = bk
        .pipeline("acme", "web")
        .build(42)
        .artifact_of(first)
        .expect("a handle");
    let bytes = handle
        .download()
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(&bytes[..], b"artifact bytes");
    list.assert_async().await;
    download.assert_async().await;

    let mut orphan = first.clone();
    orphan.job_id = None;
    match bk.pipeline("acme", "web").build(42).artifact_of(&orphan) {
        Err(Error::InvalidInput(message)) => assert!(message.contains("job_id"), "{message}"),
        other => panic!("{other:?}"),
    }
}
