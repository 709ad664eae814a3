//! End-to-end tests of the Buildkite operations around teams and clusters: creating and enabling
//! teams and a team's Test Engine suites; a cluster's maintainers, agent images, network ranges
//! and cache volumes; an organization's rules and portals; Test Engine suites, runs, failed
//! executions, tests (with their metrics and filters), a build's tests and execution tags.
//! Each checks the wire (method, exact path, query, `Authorization`, JSON body) and the typed
//! result decoded from the docs' examples, and the failure paths.

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use kitelab::buildkite::types::{
    self, AgentImageStatus, RuleType, TeamMemberRole, TeamPrivacy, TeamSuiteAccessLevel,
};
use kitelab::Error;
use kitelab_tests::{buildkite, fixture_body};
use serde_json::json;

const BEARER: &str = "Bearer bkua_test_token_0123456789";
const ORG: &str = "/organizations/acme";
const TEAM: &str = "c5e09619-8648-4896-a936-9d0b8b7b3fe9";
const SUITE: &str = "19f3973d-1e0b-43f1-b490-22be52abd99a";
const CLUSTER: &str = "42f1a7da-812d-4430-93d8-1cc7c33a6bcf";

/// The `Error::Api` inside `err`, or a panic showing what it was.
fn api_error(err: &Error) -> &kitelab::error::ApiError {
    match err {
        Error::Api(api) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Mocks `method path` (with the token, and `body` when given) answering `status` with the
/// first fixture of `fixture`, or nothing when `fixture` is `None`.
async fn mock<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    path: &str,
    body: Option<serde_json::Value>,
    status: u16,
    fixture: Option<&str>,
) -> httpmock::Mock<'a> {
    let reply = fixture.map(|f| fixture_body("buildkite", f));
    server
        .mock_async(|when, then| {
            let when = when
                .method(method)
                .path(path)
                .header("authorization", BEARER);
            if let Some(body) = body {
                when.json_body(body);
            }
            let then = then.status(status);
            if let Some(reply) = reply {
                then.header("content-type", "application/json")
                    .json_body(reply);
            }
        })
        .await
}

#[tokio::test]
async fn enable_teams_create_one_with_every_setting_and_with_the_defaults() {
    let server = MockServer::start_async().await;
    let enable = mock(
        &server,
        POST,
        &format!("{ORG}/teams/enable"),
        None,
        204,
        None,
    )
    .await;
    let full = mock(
        &server,
        POST,
        &format!("{ORG}/teams"),
        Some(json!({
            "name": "Barefoot Backenders",
            "description": "Backend engineers at Acme Inc",
            "privacy": "secret",
            "is_default_team": true,
            "default_member_role": "maintainer",
            "members_can_create_pipelines": true,
            "members_can_create_suites": true,
            "members_can_create_registries": true,
            "members_can_destroy_registries": true,
            "members_can_destroy_packages": true
        })),
        201,
        Some("createTeam"),
    )
    .await;
    let defaults = mock(
        &server,
        POST,
        &format!("{ORG}/teams"),
        Some(json!({
            "name": "Frontenders",
            "description": "",
            "privacy": "visible",
            "is_default_team": false,
            "default_member_role": "member",
            "members_can_create_pipelines": false,
            "members_can_create_suites": false,
            "members_can_create_registries": false,
            "members_can_destroy_registries": false,
            "members_can_destroy_packages": false
        })),
        201,
        Some("createTeam"),
    )
    .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    org.enable_teams().await.expect("enabled");
    let team = org
        .create_team("Barefoot Backenders")
        .description("Backend engineers at Acme Inc")
        .privacy(TeamPrivacy::Secret)
        .is_default_team(true)
        .default_member_role(TeamMemberRole::Maintainer)
        .members_can_create_pipelines(true)
        .members_can_create_suites(true)
        .members_can_create_registries(true)
        .members_can_destroy_registries(true)
        .members_can_destroy_packages(true)
        .send()
        .await
        .expect("created");
    assert_eq!(team.id, TEAM);
    assert_eq!(team.name.as_deref(), Some("Barefoot Backenders"));
    org.create_team("Frontenders")
        .send()
        .await
        .expect("created with the defaults");
    enable.assert_async().await;
    full.assert_async().await;
    defaults.assert_async().await;

    // A blank name is refused before anything is sent.
    let blank = org.create_team("  ").send().await.unwrap_err();
    assert!(matches!(blank, Error::InvalidInput(_)), "{blank:?}");
    assert!(blank.to_string().contains("team name"), "{blank}");
    assert_eq!(full.calls_async().await + defaults.calls_async().await, 2);
}

#[tokio::test]
async fn teams_already_enabled_carry_the_service_message() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST).path(format!("{ORG}/teams/enable"));
            then.status(422)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Teams are already enabled"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .enable_teams()
        .await
        .unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.status().as_u16(), 422);
    assert_eq!(api.message(), "Teams are already enabled");
    assert_eq!(api.operation().id, "enableTeams");
    refused.assert_async().await;
}

#[tokio::test]
async fn give_a_team_a_suite_change_its_access_then_take_it_away() {
    let server = MockServer::start_async().await;
    let suites_path = format!("{ORG}/teams/{TEAM}/suites");
    let suite_path = format!("{suites_path}/{SUITE}");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&suites_path)
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listTeamSuites"));
        })
        .await;
    let get = mock(&server, GET, &suite_path, None, 200, Some("getTeamSuite")).await;
    let add = mock(
        &server,
        POST,
        &suites_path,
        Some(json!({"suite_id": SUITE, "access_level": ["read", "edit"]})),
        201,
        Some("createTeamSuite"),
    )
    .await;
    let update = mock(
        &server,
        PATCH,
        &suite_path,
        Some(json!({"access_level": ["edit", "read"]})),
        200,
        Some("updateTeamSuite"),
    )
    .await;
    let remove = mock(&server, DELETE, &suite_path, None, 204, None).await;
    let bk = buildkite(&server);
    let team = bk.organization("acme").team(TEAM);
    let suites: Vec<types::TeamSuite> = team.suites().stream().try_collect().await.expect("suites");
    assert_eq!(suites.len(), 2);
    assert_eq!(suites[0].access_level, [TeamSuiteAccessLevel::Read]);
    let suite = team.suite(SUITE);
    assert_eq!(suite.uuid(), SUITE);
    let got = suite.get().await.expect("access");
    assert_eq!(got.suite_id, "19f3973d-1e0b-43f1-b490-22besa5299a");
    let added = team
        .add_suite(
            SUITE,
            [TeamSuiteAccessLevel::Read, TeamSuiteAccessLevel::Edit],
        )
        .await
        .expect("given");
    assert_eq!(
        added.access_level,
        [TeamSuiteAccessLevel::Read, TeamSuiteAccessLevel::Edit]
    );
    let changed = suite
        .set_access([TeamSuiteAccessLevel::Edit, TeamSuiteAccessLevel::Read])
        .await
        .expect("changed");
    assert_eq!(changed.access_level[0], TeamSuiteAccessLevel::Edit);
    suite.remove().await.expect("taken away");
    for m in [&list, &get, &add, &update, &remove] {
        m.assert_async().await;
    }

    // No level, or no suite, is refused before anything is sent.
    let none = team.add_suite(SUITE, []).await.unwrap_err();
    assert!(none.to_string().contains("at least one level"), "{none}");
    let none = suite.set_access([]).await.unwrap_err();
    assert!(matches!(none, Error::InvalidInput(_)), "{none:?}");
    let empty = team
        .add_suite("", [TeamSuiteAccessLevel::Read])
        .await
        .unwrap_err();
    assert!(empty.to_string().contains("suite UUID"), "{empty}");
    let no_suite = team.suite("").get().await.unwrap_err();
    assert!(matches!(no_suite, Error::InvalidInput(_)), "{no_suite:?}");
    assert_eq!(add.calls_async().await, 1);
    assert_eq!(update.calls_async().await, 1);
}

#[tokio::test]
async fn a_missing_team_suite_is_not_found() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/teams/{TEAM}/suites/{SUITE}"));
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "No suite found"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .team(TEAM)
        .suite(SUITE)
        .get()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(api_error(&err).message(), "No suite found");
    missing.assert_async().await;
}

#[tokio::test]
async fn make_a_user_and_a_team_cluster_maintainers_list_them_and_remove_one() {
    let server = MockServer::start_async().await;
    let base = format!("{ORG}/clusters/{CLUSTER}/maintainers");
    let assignment = "282a043f-4d4f-4db5-ac9a-58673ae02caf";
    let user = "01973824-0c57-45ae-a440-638fceb3ec06";
    let team = "0da645b7-9840-428f-bd80-0b92ee274480";
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&base)
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listClusterMaintainers"));
        })
        .await;
    let get = mock(
        &server,
        GET,
        &format!("{base}/{assignment}"),
        None,
        200,
        Some("getClusterMaintainer"),
    )
    .await;
    let add_user = mock(
        &server,
        POST,
        &base,
        Some(json!({"user": user})),
        201,
        Some("createClusterMaintainer"),
    )
    .await;
    let add_team = mock(
        &server,
        POST,
        &base,
        Some(json!({"team": team})),
        201,
        Some("createClusterMaintainer"),
    )
    .await;
    let remove = mock(
        &server,
        DELETE,
        &format!("{base}/{assignment}"),
        None,
        204,
        None,
    )
    .await;
    let bk = buildkite(&server);
    let cluster = bk.organization("acme").cluster(CLUSTER);
    let all: Vec<types::ClusterMaintainer> = cluster
        .maintainers()
        .stream()
        .try_collect()
        .await
        .expect("maintainers");
    assert_eq!(all.len(), 2);
    let staff = all[0].actor.as_ref().expect("an actor");
    assert_eq!(staff.email.as_deref(), Some("staff@example.com"));
    cluster.add_maintainer_user(user).await.expect("user added");
    let added = cluster.add_maintainer_team(team).await.expect("team added");
    assert_eq!(added.id, assignment);
    let maintainer = cluster.maintainer(&added.id);
    assert_eq!(maintainer.id(), assignment);
    let got = maintainer.get().await.expect("assignment");
    assert_eq!(
        got.actor.and_then(|a| a.slug).as_deref(),
        Some("Developers")
    );
    maintainer.remove().await.expect("removed");
    for m in [&list, &get, &add_user, &add_team, &remove] {
        m.assert_async().await;
    }

    let empty = cluster.add_maintainer_team(" ").await.unwrap_err();
    assert!(empty.to_string().contains("team UUID"), "{empty}");
    let empty = cluster.add_maintainer_user("").await.unwrap_err();
    assert!(empty.to_string().contains("user UUID"), "{empty}");
    assert_eq!(
        add_user.calls_async().await + add_team.calls_async().await,
        2
    );
}

#[tokio::test]
async fn a_maintainer_buildkite_cannot_remove_carries_the_service_message() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{ORG}/clusters/{CLUSTER}/maintainers/m-1"));
            then.status(422).header("content-type", "application/json").json_body(
                json!({"message": "Validation failed: Reason cluster maintainer permission could not be deleted"}),
            );
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .cluster(CLUSTER)
        .maintainer("m-1")
        .remove()
        .await
        .unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.status().as_u16(), 422);
    assert!(api.message().contains("could not be deleted"), "{api:?}");
    assert_eq!(api.operation().id, "deleteClusterMaintainer");
    refused.assert_async().await;
}

#[tokio::test]
async fn build_a_custom_agent_image_follow_it_and_delete_it() {
    let server = MockServer::start_async().await;
    let base = format!("{ORG}/clusters/{CLUSTER}/agent-images");
    let image = "abc123def4567";
    // The service answers the whole list at once: no paging parameters are sent.
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&base)
                .header("authorization", BEARER)
                .query_param_missing("page")
                .query_param_missing("per_page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listAgentImages"));
        })
        .await;
    let create = mock(
        &server,
        POST,
        &base,
        Some(json!({
            "name": "my-custom-image",
            "dockerfile": "RUN apt-get update && apt-get install -y curl"
        })),
        201,
        Some("createAgentImage"),
    )
    .await;
    let bare = mock(
        &server,
        POST,
        &base,
        Some(json!({"name": "plain", "dockerfile": ""})),
        201,
        Some("createAgentImage"),
    )
    .await;
    let get = mock(
        &server,
        GET,
        &format!("{base}/{image}"),
        None,
        200,
        Some("getAgentImage"),
    )
    .await;
    let delete = mock(&server, DELETE, &format!("{base}/{image}"), None, 204, None).await;
    let bk = buildkite(&server);
    let cluster = bk.organization("acme").cluster(CLUSTER);
    let images: Vec<types::AgentImage> = cluster
        .agent_images()
        .stream()
        .try_collect()
        .await
        .expect("images");
    assert_eq!(images[0].status, Some(AgentImageStatus::Ready));
    let created = cluster
        .create_agent_image("my-custom-image")
        .dockerfile("RUN apt-get update && apt-get install -y curl")
        .send()
        .await
        .expect("created");
    assert_eq!(created.status, Some(AgentImageStatus::Building));
    assert_eq!(created.image_ref, None);
    cluster
        .create_agent_image("plain")
        .send()
        .await
        .expect("created without layers");
    let handle = cluster.agent_image(&created.id);
    assert_eq!(handle.id(), image);
    let built = handle.get().await.expect("image");
    assert_eq!(
        built.image_ref.as_deref(),
        Some("registry.example.com/your-org/buildkite/abc123def4567:v1")
    );
    handle.delete().await.expect("deleted");
    // A second page of a whole list is empty, and costs no request.
    let page = cluster.agent_images().page(2).await.expect("page 2");
    assert!(page.items().is_empty());
    for m in [&list, &create, &bare, &get, &delete] {
        m.assert_async().await;
    }
    let unnamed = cluster.create_agent_image("").send().await.unwrap_err();
    assert!(
        unnamed.to_string().contains("agent image name"),
        "{unnamed}"
    );
    assert_eq!(create.calls_async().await + bare.calls_async().await, 2);
}

#[tokio::test]
async fn read_the_egress_ranges_and_clear_a_cache_volume_by_its_tag() {
    let server = MockServer::start_async().await;
    let ranges = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/clusters/{CLUSTER}/network_ranges"))
                .header("authorization", BEARER)
                .query_param_missing("page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listNetworkRanges"));
        })
        .await;
    let volumes = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/clusters/{CLUSTER}/cache_volumes"))
                .header("authorization", BEARER)
                .query_param_missing("page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listCacheVolumes"));
        })
        .await;
    let delete = mock(
        &server,
        DELETE,
        &format!("{ORG}/clusters/{CLUSTER}/cache_volumes"),
        Some(json!({"tag": "pipeline-uuid/node-modules"})),
        204,
        None,
    )
    .await;
    let bk = buildkite(&server);
    let cluster = bk.organization("acme").cluster(CLUSTER);
    let cidrs: Vec<types::NetworkRange> = cluster
        .network_ranges()
        .stream()
        .try_collect()
        .await
        .expect("ranges");
    assert_eq!(cidrs[0].cidr_range.as_deref(), Some("203.0.113.0/29"));
    let all: Vec<types::CacheVolume> = cluster
        .cache_volumes()
        .stream()
        .try_collect()
        .await
        .expect("volumes");
    assert_eq!(all[0].size_mb, Some(20480));
    let tag = all[0].tag.as_deref().expect("a tag");
    let volume = cluster.cache_volume(tag);
    assert_eq!(volume.tag(), "pipeline-uuid/node-modules");
    volume.delete().await.expect("deleted");
    for m in [&ranges, &volumes, &delete] {
        m.assert_async().await;
    }
    let blank = cluster.cache_volume(" ").delete().await.unwrap_err();
    assert!(blank.to_string().contains("cache volume tag"), "{blank}");
    assert_eq!(delete.calls_async().await, 1);
}

#[tokio::test]
async fn a_cluster_without_hosted_cache_volumes_is_not_found() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("{ORG}/clusters/{CLUSTER}/cache_volumes"));
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "This cluster has no hosted cache volumes"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .cluster(CLUSTER)
        .cache_volume("pipeline-uuid/node-modules")
        .delete()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        api_error(&err).message(),
        "This cluster has no hosted cache volumes"
    );
    missing.assert_async().await;
}

#[tokio::test]
async fn let_one_pipeline_trigger_another_with_a_rule_then_delete_it() {
    let server = MockServer::start_async().await;
    let rule = "42f1a7da-812d-4430-93d8-1cc7c33a6bcf";
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/rules"))
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listRules"));
        })
        .await;
    let create = mock(
        &server,
        POST,
        &format!("{ORG}/rules"),
        Some(json!({
            "type": "pipeline.trigger_build.pipeline",
            "value": {
                "source_pipeline": "16f3b56f-4934-4546-923c-287859851332",
                "target_pipeline": "d07d5d84-d1bd-479c-902c-ce8a01ce5aac"
            }
        })),
        201,
        Some("createRule"),
    )
    .await;
    let get = mock(
        &server,
        GET,
        &format!("{ORG}/rules/{rule}"),
        None,
        200,
        Some("getRule"),
    )
    .await;
    let delete = mock(
        &server,
        DELETE,
        &format!("{ORG}/rules/{rule}"),
        None,
        204,
        None,
    )
    .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let rules: Vec<types::Rule> = org.rules().stream().try_collect().await.expect("rules");
    assert_eq!(rules[0].type_, Some(RuleType::PipelineTriggerBuildPipeline));
    let created = org
        .create_rule(RuleType::PipelineTriggerBuildPipeline)
        .source_pipeline("16f3b56f-4934-4546-923c-287859851332")
        .target_pipeline("d07d5d84-d1bd-479c-902c-ce8a01ce5aac")
        .send()
        .await
        .expect("created");
    assert_eq!(created.effect.as_deref(), Some("allow"));
    let handle = org.rule(&created.uuid);
    assert_eq!(handle.uuid(), rule);
    assert_eq!(
        handle.get().await.expect("rule").source_uuid.as_deref(),
        Some("16f3b56f-4934-4546-923c-287859851332")
    );
    handle.delete().await.expect("deleted");
    for m in [&list, &create, &get, &delete] {
        m.assert_async().await;
    }

    // A rule without its value, or with a blank pipeline, is refused before anything is sent.
    let bare = org
        .create_rule(RuleType::PipelineArtifactsReadPipeline)
        .send()
        .await
        .unwrap_err();
    assert!(bare.to_string().contains("needs its value"), "{bare}");
    let blank = org
        .create_rule(RuleType::PipelineArtifactsReadPipeline)
        .source_pipeline("web")
        .target_pipeline(" ")
        .send()
        .await
        .unwrap_err();
    assert!(blank.to_string().contains("target_pipeline"), "{blank}");
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn a_rule_buildkite_refuses_carries_the_service_message() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{ORG}/rules"))
                .json_body(json!({
                    "type": "pipeline.artifacts_read.pipeline",
                    "value": {"source_pipeline": "web", "target_pipeline": "api", "note": 1}
                }));
            then.status(422)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Validation failed: Target pipeline not found"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .create_rule(RuleType::PipelineArtifactsReadPipeline)
        .source_pipeline("web")
        .target_pipeline("api")
        .value("note", 1)
        .send()
        .await
        .unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.status().as_u16(), 422);
    assert_eq!(
        api.message(),
        "Validation failed: Target pipeline not found"
    );
    refused.assert_async().await;
}

#[tokio::test]
async fn create_a_portal_keep_its_token_secret_update_and_delete_it() {
    let server = MockServer::start_async().await;
    let slug = "trigger-main-build";
    let query = fixture_body("buildkite", "createPortal")["query"]
        .as_str()
        .expect("query")
        .to_owned();
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/portals"))
                .header("authorization", BEARER)
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listPortals"));
        })
        .await;
    let create = mock(
        &server,
        POST,
        &format!("{ORG}/portals"),
        Some(json!({
            "name": "Trigger main build",
            "query": query,
            "slug": slug,
            "description": "Triggers a build on the main branch",
            "allowed_ip_addresses": "192.0.2.0/24",
            "user_invokable": true
        })),
        201,
        Some("createPortal"),
    )
    .await;
    let get = mock(
        &server,
        GET,
        &format!("{ORG}/portals/{slug}"),
        None,
        200,
        Some("getPortal"),
    )
    .await;
    let update = mock(
        &server,
        PUT,
        &format!("{ORG}/portals/{slug}"),
        Some(json!({
            "name": "Trigger main build",
            "slug": slug,
            "description": "Triggers a build on the main branch",
            "query": "query { viewer { user { name } } }",
            "allowed_ip_addresses": "198.51.100.12/32",
            "user_invokable": false
        })),
        200,
        Some("updatePortal"),
    )
    .await;
    let delete = mock(
        &server,
        DELETE,
        &format!("{ORG}/portals/{slug}"),
        None,
        204,
        None,
    )
    .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let portals: Vec<types::Portal> = org.portals().stream().try_collect().await.expect("portals");
    assert_eq!(portals[0].slug.as_deref(), Some(slug));
    let created = org
        .create_portal("Trigger main build", &query)
        .slug(slug)
        .description("Triggers a build on the main branch")
        .allowed_ip_addresses("192.0.2.0/24")
        .user_invokable(true)
        .send()
        .await
        .expect("created");
    let token = created.token.as_ref().expect("the token, this once");
    assert_eq!(token.expose(), "xxx-yyy-zzz");
    assert!(
        !format!("{created:?}").contains("xxx-yyy-zzz"),
        "the portal token leaked into Debug"
    );
    let portal = org.portal(slug);
    assert_eq!(portal.slug(), slug);
    assert_eq!(portal.get().await.expect("portal").token, None);
    portal
        .update()
        .name("Trigger main build")
        .slug(slug)
        .description("Triggers a build on the main branch")
        .query("query { viewer { user { name } } }")
        .allowed_ip_addresses("198.51.100.12/32")
        .user_invokable(false)
        .send()
        .await
        .expect("updated");
    portal.delete().await.expect("deleted");
    for m in [&list, &create, &get, &update, &delete] {
        m.assert_async().await;
    }

    let no_query = org.create_portal("Nothing", " ").send().await.unwrap_err();
    assert!(no_query.to_string().contains("GraphQL query"), "{no_query}");
    let no_name = org.create_portal("", &query).send().await.unwrap_err();
    assert!(no_name.to_string().contains("portal name"), "{no_name}");
    let no_slug = org.portal("").get().await.unwrap_err();
    assert!(matches!(no_slug, Error::InvalidInput(_)), "{no_slug:?}");
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn a_missing_portal_is_not_found() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(PUT).path(format!("{ORG}/portals/gone"));
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Not Found"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .portal("gone")
        .update()
        .name("x")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(api_error(&err).operation().id, "updatePortal");
    missing.assert_async().await;
}

const SUITES: &str = "/analytics/organizations/acme/suites";

#[tokio::test]
async fn create_a_test_suite_with_its_api_token_then_list_update_and_delete_suites() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(SUITES)
                .header("authorization", BEARER)
                .query_param("show_api_token", "true")
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listTestSuites"));
        })
        .await;
    let create = mock(
        &server,
        POST,
        SUITES,
        Some(json!({
            "name": "Jasmine",
            "default_branch": "main",
            "application_name": "web",
            "color": "#FFF700",
            "emoji": ":lemon:",
            "team_ids": ["4c15a4c7-6674-4585-b592-4adcc8630383"],
            "show_api_token": true
        })),
        201,
        Some("createTestSuite"),
    )
    .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITES}/jasmine"))
                .header("authorization", BEARER)
                .query_param_missing("show_api_token");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getTestSuite"));
        })
        .await;
    let update = mock(
        &server,
        PATCH,
        &format!("{SUITES}/jasmine"),
        Some(json!({
            "name": "Jasmine 2",
            "default_branch": "trunk",
            "application_name": "web",
            "color": "#000000",
            "emoji": ":tangerine:"
        })),
        200,
        Some("updateTestSuite"),
    )
    .await;
    let delete = mock(
        &server,
        DELETE,
        &format!("{SUITES}/jasmine"),
        None,
        204,
        None,
    )
    .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let suites: Vec<types::TestSuite> = org
        .test_suites()
        .show_api_token(true)
        .stream()
        .try_collect()
        .await
        .expect("suites");
    assert_eq!(suites[0].slug.as_deref(), Some("my_suite_slug"));
    let created = org
        .create_test_suite("Jasmine", "main")
        .application_name("web")
        .color("#FFF700")
        .emoji(":lemon:")
        .teams(["4c15a4c7-6674-4585-b592-4adcc8630383"])
        .show_api_token(true)
        .send()
        .await
        .expect("created");
    let token = created.api_token.as_ref().expect("the API token");
    assert_eq!(token.expose(), "AAAAAAAAAAAAAAAAAAAAAAAA");
    assert!(!format!("{created:?}").contains("AAAAAAAAAAAAAAAAAAAAAAAA"));
    let suite = org.test_suite(created.slug.as_deref().expect("a slug"));
    assert_eq!(suite.slug(), "jasmine");
    assert_eq!(suite.get().await.expect("suite").api_token, None);
    suite
        .update()
        .name("Jasmine 2")
        .default_branch("trunk")
        .application_name("web")
        .color("#000000")
        .emoji(":tangerine:")
        .send()
        .await
        .expect("updated");
    suite.delete().await.expect("deleted");
    for m in [&list, &create, &get, &update, &delete] {
        m.assert_async().await;
    }

    let no_branch = org
        .create_test_suite("Jasmine", " ")
        .send()
        .await
        .unwrap_err();
    assert!(
        no_branch.to_string().contains("default branch"),
        "{no_branch}"
    );
    let no_name = org.create_test_suite("", "main").send().await.unwrap_err();
    assert!(matches!(no_name, Error::InvalidInput(_)), "{no_name:?}");
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn read_a_build_s_test_runs_and_the_failed_executions_of_one() {
    let server = MockServer::start_async().await;
    let run = "64374307-12ab-4b13-a3f3-6a408f644ea2";
    let build = "0190046e-e199-453b-a302-a21a4d649d31";
    let runs = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITES}/jasmine/runs"))
                .header("authorization", BEARER)
                .query_param("build_id", build)
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listTestRuns"));
        })
        .await;
    let get = mock(
        &server,
        GET,
        &format!("{SUITES}/jasmine/runs/{run}"),
        None,
        200,
        Some("getTestRun"),
    )
    .await;
    let failed = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITES}/jasmine/runs/{run}/failed_executions"))
                .header("authorization", BEARER)
                .query_param("page", "1");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listFailedExecutions"));
        })
        .await;
    let bk = buildkite(&server);
    let suite = bk.organization("acme").test_suite("jasmine");
    let of_build: Vec<types::TestRun> = suite
        .runs()
        .build_id(build)
        .stream()
        .try_collect()
        .await
        .expect("runs");
    assert_eq!(of_build[0].id, run);
    let handle = suite.run(run);
    assert_eq!(handle.id(), run);
    assert_eq!(
        handle.get().await.expect("run").branch.as_deref(),
        Some("main")
    );
    let executions: Vec<types::FailedExecution> = handle
        .failed_executions()
        .stream()
        .try_collect()
        .await
        .expect("executions");
    assert_eq!(
        executions[0].test_id.as_deref(),
        Some("f6cb6c43-df94-8b60-81ed-14f9db7bbfd8")
    );
    for m in [&runs, &get, &failed] {
        m.assert_async().await;
    }
    let blank = suite
        .runs()
        .build_id(" ")
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(blank.to_string().contains("build UUID"), "{blank}");
    assert_eq!(runs.calls_async().await, 1);
}

#[tokio::test]
async fn find_a_flaky_test_label_it_mute_skip_and_enable_it() {
    let server = MockServer::start_async().await;
    let test = "01867216-8478-7fde-a55a-0300f88bb49b";
    let tests = format!("{SUITES}/jasmine/tests");
    let flaky = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITES}/jasmine/flaky-tests"))
                .header("authorization", BEARER)
                .query_param("search", "email")
                .query_param("branch", "main")
                .query_param("period", "7days");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listFlakyTests"));
        })
        .await;
    let muted = mock(
        &server,
        GET,
        &format!("{tests}/muted"),
        None,
        200,
        Some("listMutedTests"),
    )
    .await;
    let skipped = mock(
        &server,
        GET,
        &format!("{tests}/skipped"),
        None,
        200,
        Some("listSkippedTests"),
    )
    .await;
    let find = mock(
        &server,
        POST,
        &format!("{tests}/find"),
        Some(json!({"scope": "User#email", "name": "is correctly formatted"})),
        200,
        Some("findTest"),
    )
    .await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{tests}/{test}"))
                .header("authorization", BEARER)
                .header("buildkite-version", "2026-08-01");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getTest"));
        })
        .await;
    let add = mock(
        &server,
        PATCH,
        &format!("{tests}/{test}/labels"),
        Some(json!({"operator": "add", "labels": ["flaky", "slow"]})),
        200,
        Some("updateTestLabels"),
    )
    .await;
    let remove = mock(
        &server,
        PATCH,
        &format!("{tests}/{test}/labels"),
        Some(json!({"operator": "remove", "labels": ["slow"]})),
        200,
        Some("updateTestLabels"),
    )
    .await;
    let mute = mock(
        &server,
        PUT,
        &format!("{tests}/{test}/mute"),
        None,
        200,
        Some("muteTest"),
    )
    .await;
    let skip = mock(
        &server,
        PUT,
        &format!("{tests}/{test}/skip"),
        None,
        200,
        Some("skipTest"),
    )
    .await;
    let enable = mock(
        &server,
        PUT,
        &format!("{tests}/{test}/enable"),
        None,
        200,
        Some("enableTest"),
    )
    .await;
    let bk = buildkite(&server);
    let suite = bk.organization("acme").test_suite("jasmine");
    let found: Vec<types::FlakyTest> = suite
        .flaky_tests()
        .search("email")
        .branch("main")
        .period(types::FlakyTestsPeriod::V7days)
        .stream()
        .try_collect()
        .await
        .expect("flaky");
    assert_eq!(found[0].id, test);
    let muted_now: Vec<types::Test> = suite
        .muted_tests()
        .stream()
        .try_collect()
        .await
        .expect("muted");
    assert_eq!(muted_now[0].scope.as_deref(), Some("Flaky test"));
    let skipped_now: Vec<types::Test> = suite
        .skipped_tests()
        .stream()
        .try_collect()
        .await
        .expect("skipped");
    assert_eq!(skipped_now.len(), muted_now.len());
    let by_name = suite
        .find_test("User#email", "is correctly formatted")
        .await
        .expect("found");
    let handle = suite.test(&by_name.id);
    assert_eq!(handle.id(), test);
    assert_eq!(
        handle.get().await.expect("test").scope.as_deref(),
        Some("User#email")
    );
    let labelled = handle
        .add_labels(["flaky", "slow"])
        .await
        .expect("labelled");
    assert_eq!(labelled.labels, ["flaky", "slow"]);
    handle.remove_labels(["slow"]).await.expect("unlabelled");
    handle.mute().await.expect("muted");
    handle.skip().await.expect("skipped");
    handle.enable().await.expect("enabled");
    for m in [
        &flaky, &muted, &skipped, &find, &get, &add, &remove, &mute, &skip, &enable,
    ] {
        m.assert_async().await;
    }

    // No label, an empty label, or an empty scope is refused before anything is sent.
    let none = handle.add_labels(Vec::<String>::new()).await.unwrap_err();
    assert!(none.to_string().contains("at least one label"), "{none}");
    let empty = handle.remove_labels([""]).await.unwrap_err();
    assert!(empty.to_string().contains("test label"), "{empty}");
    let no_scope = suite.find_test("", "x").await.unwrap_err();
    assert!(no_scope.to_string().contains("test scope"), "{no_scope}");
    assert_eq!(add.calls_async().await + remove.calls_async().await, 2);
    assert_eq!(find.calls_async().await, 1);
}

#[tokio::test]
async fn a_test_buildkite_cannot_find_is_not_found() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{SUITES}/jasmine/tests/find"));
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Test not found"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .test_suite("jasmine")
        .find_test("User#email", "is gone")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(api_error(&err).message(), "Test not found");
    assert_eq!(api_error(&err).operation().id, "findTest");
    missing.assert_async().await;
}

#[tokio::test]
async fn list_a_suite_s_slowest_tests_with_every_filter_and_a_build_s_tests() {
    let server = MockServer::start_async().await;
    let suite_tests = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITES}/jasmine/tests"))
                .header("authorization", BEARER)
                .header("buildkite-version", "2026-08-01")
                .query_param("labels", "flaky,!slow")
                .query_param("branch", "staging-*")
                .query_param("owners", "backend,!frontend")
                .query_param("state", "muted")
                .query_param("tags", "result:~failed,cloud.provider:aws")
                .query_param("sort_by", "reliability")
                .query_param("order", "asc")
                .query_param("min_timestamp", "2026-07-01T00:00:00Z")
                .query_param("max_timestamp", "2026-07-08T00:00:00Z")
                .query_param_missing("period")
                .query_param("page", "1")
                .query_param("per_page", "100");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listTests"));
        })
        .await;
    let by_period = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{SUITES}/jasmine/tests"))
                .header("buildkite-version", "2026-08-01")
                .query_param("period", "7days")
                .query_param_missing("labels");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listTests"));
        })
        .await;
    let build = "0190046e-e199-453b-a302-a21a4d649d31";
    let build_tests = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!(
                    "/analytics/organizations/acme/builds/{build}/tests"
                ))
                .header("authorization", BEARER)
                .query_param("labels", "flaky")
                .query_param("owners", "backend")
                .query_param("state", "enabled")
                .query_param("tags", "result:^passed")
                .query_param("branch", "main")
                .query_param("sort_by", "duration_max")
                .query_param("order", "desc");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listBuildTests"));
        })
        .await;
    let bk = buildkite(&server);
    let org = bk.organization("acme");
    let suite = org.test_suite("jasmine");
    let from = kitelab::Timestamp::parse("2026-07-01T00:00:00Z").expect("time");
    let to = kitelab::Timestamp::parse("2026-07-08T00:00:00Z").expect("time");
    let tests: Vec<types::Test> = suite
        .tests()
        .labels(["flaky"])
        .labels(["!slow"])
        .branch("staging-*")
        .owners(["backend", "!frontend"])
        .state(types::TestState::Muted)
        .tags(["result:~failed", "cloud.provider:aws"])
        .sort_by(types::TestSortBy::Reliability)
        .order(types::SortOrder::Asc)
        .window(kitelab::buildkite::MetricsWindow::Between(from, to))
        .stream()
        .try_collect()
        .await
        .expect("tests");
    assert_eq!(tests[0].id, "01867216-8478-7fde-a55a-0300f88bb49b");
    suite
        .tests()
        .window(kitelab::buildkite::MetricsWindow::Period("7days".into()))
        .page(1)
        .await
        .expect("tests of a period");
    let of_build: Vec<types::Test> = org
        .build_tests(build)
        .labels(["flaky"])
        .owners(["backend"])
        .state(types::TestState::Enabled)
        .tags(["result:^passed"])
        .branch("main")
        .sort_by(types::TestSortBy::DurationMax)
        .order(types::SortOrder::Desc)
        .stream()
        .try_collect()
        .await
        .expect("build tests");
    assert_eq!(of_build[0].id, "a915535c-a8f1-4e1a-bd6a-a5589e09f349");
    for m in [&suite_tests, &by_period, &build_tests] {
        m.assert_async().await;
    }

    // A label with a comma is refused before anything is sent.
    let comma = org
        .build_tests(build)
        .labels(["a,b"])
        .page(1)
        .await
        .unwrap_err();
    assert!(matches!(comma, Error::InvalidInput(_)), "{comma:?}");
    assert!(comma.to_string().contains("test label"), "{comma}");
    let blank = org
        .build_tests(build)
        .tags([" "])
        .page(1)
        .await
        .unwrap_err();
    assert!(blank.to_string().contains("execution tag"), "{blank}");
    assert_eq!(suite_tests.calls_async().await, 1);
    assert_eq!(build_tests.calls_async().await, 1);
}

#[tokio::test]
async fn a_malformed_version_or_a_missing_build_carries_the_service_message() {
    let server = MockServer::start_async().await;
    let missing = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/analytics/organizations/acme/builds/gone/tests");
            then.status(404)
                .header("content-type", "application/json")
                .json_body(json!({"message": "Not Found"}));
        })
        .await;
    let err = buildkite(&server)
        .organization("acme")
        .build_tests("gone")
        .page(1)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(api_error(&err).operation().id, "listBuildTests");
    missing.assert_async().await;
}

#[tokio::test]
async fn reclassify_executions_with_mutable_tags() {
    let server = MockServer::start_async().await;
    let update = server
        .mock_async(|when, then| {
            when.method(PUT)
                .path(format!("{SUITES}/jasmine/execution-tags"))
                .header("authorization", BEARER)
                .json_body(json!({"executions": [
                    {"id": "60f0e64c-ae4b-870e-b41f-5431205caf06", "tags": {"mut.classification": "infra", "mut.owner": "sre"}},
                    {"id": "70f0e64c-ae4b-870e-b41f-5431205caf07", "tags": {}}
                ]}));
            then.status(200);
        })
        .await;
    let bk = buildkite(&server);
    let suite = bk.organization("acme").test_suite("jasmine");
    suite
        .update_execution_tags()
        .execution(
            "60f0e64c-ae4b-870e-b41f-5431205caf06",
            [("mut.classification", "infra"), ("mut.owner", "sre")],
        )
        .execution(
            "70f0e64c-ae4b-870e-b41f-5431205caf07",
            Vec::<(String, String)>::new(),
        )
        .send()
        .await
        .expect("tagged");
    update.assert_async().await;

    // No execution, an immutable key, or an empty id is refused before anything is sent.
    let none = suite.update_execution_tags().send().await.unwrap_err();
    assert!(none.to_string().contains("1 to 100000"), "{none}");
    let immutable = suite
        .update_execution_tags()
        .execution("60f0e64c", [("classification", "infra")])
        .send()
        .await
        .unwrap_err();
    assert!(immutable.to_string().contains("mut."), "{immutable}");
    let no_id = suite
        .update_execution_tags()
        .execution(" ", [("mut.a", "b")])
        .send()
        .await
        .unwrap_err();
    assert!(no_id.to_string().contains("execution id"), "{no_id}");
    assert_eq!(update.calls_async().await, 1);
}
