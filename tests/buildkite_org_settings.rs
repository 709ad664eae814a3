//! End-to-end tests of an organization's settings and integrations: its API and pipeline
//! settings (with their switches), repository connections, notification services, pipeline
//! templates, a pipeline's GitHub webhook and webhook processing, a build's step uploads, and
//! package registries with their packages and tokens.
//! Each checks the wire (method, exact path, query, `Authorization`, JSON body or none) and the
//! typed result decoded from the docs' examples, and the failure paths.

use futures_util::TryStreamExt;
use httpmock::prelude::*;
use httpmock::Mock;
use kitelab::buildkite::types::{
    self, BuildExportStrategy, NotificationServiceProviderId, NotificationServiceScope,
};
use kitelab::Error;
use kitelab_tests::{buildkite, fixture_body};
use serde_json::{json, Value};

const BEARER: &str = "Bearer bkua_test_token_0123456789";
const ORG: &str = "/organizations/acme";
const PIPELINE: &str = "/organizations/acme/pipelines/web";

/// A mock of one authenticated call: `method` on exactly `path`, with `body` as its JSON body
/// (or, but for a GET, an empty body), answered with `status` and `answer`.
async fn expect<'a>(
    server: &'a MockServer,
    method: httpmock::Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    answer: Option<Value>,
) -> Mock<'a> {
    let is_get = matches!(method, httpmock::Method::GET);
    server
        .mock_async(|when, then| {
            let when = when
                .method(method)
                .path(path)
                .header("authorization", BEARER);
            match body {
                Some(body) => {
                    when.header("content-type", "application/json")
                        .json_body(body);
                }
                // httpmock refuses a body condition on a GET; every other call here sends none.
                None if !is_get => {
                    when.body("");
                }
                None => {}
            }
            let then = then.status(status);
            if let Some(answer) = answer {
                then.header("content-type", "application/json")
                    .json_body(answer);
            }
        })
        .await
}

/// The docs' example answer of `operation`.
fn example(operation: &str) -> Option<Value> {
    Some(fixture_body("buildkite", operation))
}

/// The `Error::Api` inside `err`, or a panic showing what it was.
fn api_error(err: &Error) -> &kitelab::error::ApiError {
    match err {
        Error::Api(api) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn read_and_tighten_the_api_settings() {
    let server = MockServer::start_async().await;
    let path = format!("{ORG}/api-settings");
    let get = expect(&server, GET, &path, None, 200, example("getApiSettings")).await;
    let update = expect(
        &server,
        PATCH,
        &path,
        Some(json!({
            "allowed_ip_addresses": "192.0.2.0/24 198.51.100.0/24",
            "revoke_inactive_tokens_after_days": 90,
            "restrict_user_api_token_creation": true
        })),
        200,
        example("updateApiSettings"),
    )
    .await;
    let settings = buildkite(&server).organization("acme").api_settings();
    let now = settings.get().await.expect("settings");
    assert_eq!(
        now.allowed_ip_addresses.as_deref(),
        Some("192.0.2.0/24 198.51.100.0/24")
    );
    assert_eq!(now.features.get("api_ip_allow_list"), Some(&true));
    let updated = settings
        .update()
        .allowed_ip_addresses("192.0.2.0/24 198.51.100.0/24")
        .revoke_inactive_tokens_after_days(90)
        .restrict_user_api_token_creation(true)
        .send()
        .await
        .expect("updated");
    let expected: types::ApiSettings =
        serde_json::from_value(fixture_body("buildkite", "updateApiSettings")).expect("decodes");
    assert_eq!(updated, expected);
    get.assert_async().await;
    update.assert_async().await;
}

#[tokio::test]
async fn a_revocation_period_buildkite_refuses_carries_its_message() {
    let server = MockServer::start_async().await;
    let refused = expect(
        &server,
        PATCH,
        &format!("{ORG}/api-settings"),
        Some(json!({"revoke_inactive_tokens_after_days": 45})),
        422,
        Some(json!({"message": "Revoke inactive tokens after days is not included in the list"})),
    )
    .await;
    let err = buildkite(&server)
        .organization("acme")
        .api_settings()
        .update()
        .revoke_inactive_tokens_after_days(45)
        .send()
        .await
        .expect_err("refused");
    let api = api_error(&err);
    assert_eq!(api.status().as_u16(), 422);
    assert_eq!(
        api.message(),
        "Revoke inactive tokens after days is not included in the list"
    );
    assert_eq!(api.operation().id, "updateApiSettings");
    refused.assert_async().await;
}

#[tokio::test]
async fn read_update_and_switch_the_pipeline_settings() {
    let server = MockServer::start_async().await;
    let path = format!("{ORG}/pipeline-settings");
    let get = expect(
        &server,
        GET,
        &path,
        None,
        200,
        example("getPipelineSettings"),
    )
    .await;
    let update = expect(
        &server,
        PATCH,
        &path,
        Some(json!({
            "default_branch": "main",
            "default_cluster_id": "3f4b6df0-1234-5678-abcd-9e0a1b2c3d4e",
            "default_timeout_in_minutes": 60,
            "maximum_timeout_in_minutes": 120,
            "scheduled_job_expiry_in_minutes": 30
        })),
        200,
        example("updatePipelineSettings"),
    )
    .await;
    let switch = |method, tail: &str, operation: &str| {
        let server = &server;
        let path = format!("{path}/{tail}");
        let answer = example(operation);
        async move { expect(server, method, &path, None, 200, answer).await }
    };
    let ssh_on = switch(PUT, "hosted-agents-ssh", "enableHostedAgentsRemoteAccess").await;
    let ssh_off = switch(
        DELETE,
        "hosted-agents-ssh",
        "disableHostedAgentsRemoteAccess",
    )
    .await;
    let public_on = switch(PUT, "public-pipelines", "enablePublicPipelineCreation").await;
    let public_off = switch(DELETE, "public-pipelines", "disablePublicPipelineCreation").await;
    let metrics_on = switch(PUT, "advanced-queue-metrics", "enableAdvancedQueueMetrics").await;
    let export_off = switch(DELETE, "build-export", "disableBuildExport").await;
    let export_on = expect(
        &server,
        PUT,
        &format!("{path}/build-export"),
        Some(json!({"location": "my-export-bucket", "strategy_id": "s3"})),
        200,
        example("configureBuildExport"),
    )
    .await;

    let settings = buildkite(&server).organization("acme").pipeline_settings();
    let now = settings.get().await.expect("settings");
    assert_eq!(now.default_branch.as_deref(), Some("main"));
    assert_eq!(now.maximum_timeout_in_minutes, Some(120));
    let updated = settings
        .update()
        .default_branch("main")
        .default_cluster("3f4b6df0-1234-5678-abcd-9e0a1b2c3d4e")
        .default_timeout_in_minutes(60)
        .maximum_timeout_in_minutes(120)
        .scheduled_job_expiry_in_minutes(30)
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.default_cluster_id, None);

    let enabled = |s: &types::PipelineSettings| {
        s.hosted_agents_terminal_access
            .as_ref()
            .and_then(|a| a.enabled)
    };
    let on = settings
        .enable_hosted_agents_terminal_access()
        .await
        .expect("enabled");
    assert_eq!(enabled(&on), Some(true));
    let off = settings
        .disable_hosted_agents_terminal_access()
        .await
        .expect("disabled");
    assert_eq!(enabled(&off), Some(false));
    settings
        .enable_public_pipeline_creation()
        .await
        .expect("public on");
    settings
        .disable_public_pipeline_creation()
        .await
        .expect("public off");
    let metrics = settings
        .enable_advanced_queue_metrics()
        .await
        .expect("metrics");
    assert_eq!(
        metrics
            .advanced_queue_metrics
            .and_then(|m| m.disable_supported),
        Some(false)
    );
    let exporting = settings
        .configure_build_export("my-export-bucket", BuildExportStrategy::S3)
        .await
        .expect("export configured");
    let export = exporting.build_exports.expect("build_exports");
    assert_eq!(export.location.as_deref(), Some("my-export-bucket"));
    assert_eq!(export.strategy_id, Some(BuildExportStrategy::S3));
    let stopped = settings
        .disable_build_export()
        .await
        .expect("export disabled");
    assert_eq!(stopped.build_exports.and_then(|e| e.location), None);

    for mock in [
        get, update, ssh_on, ssh_off, public_on, public_off, metrics_on, export_on, export_off,
    ] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_blank_export_location_fails_before_sending_and_a_member_is_refused_the_switches() {
    let server = MockServer::start_async().await;
    let path = format!("{ORG}/pipeline-settings");
    let export = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let settings = buildkite(&server).organization("acme").pipeline_settings();
    let err = settings
        .configure_build_export(" ", BuildExportStrategy::Gcs)
        .await
        .expect_err("blank location");
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("build export location")),
        "{err}"
    );
    export.assert_calls_async(0).await;
    export.delete_async().await;

    let refused = expect(
        &server,
        PUT,
        &format!("{path}/advanced-queue-metrics"),
        None,
        403,
        Some(json!({"message": "Forbidden"})),
    )
    .await;
    let err = settings
        .enable_advanced_queue_metrics()
        .await
        .expect_err("forbidden");
    assert_eq!(api_error(&err).status().as_u16(), 403);
    assert_eq!(api_error(&err).operation().id, "enableAdvancedQueueMetrics");
    refused.assert_async().await;
}

#[tokio::test]
async fn list_the_repository_connections_and_find_one_repository_of_a_connection() {
    let server = MockServer::start_async().await;
    let connection_id = "01234567-89ab-cdef-0123-456789abcdef";
    let connections = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("{ORG}/repository_connections"))
                .header("authorization", BEARER)
                .query_param_missing("page")
                .query_param_missing("per_page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listRepositoryConnections"));
        })
        .await;
    let get = expect(
        &server,
        GET,
        &format!("{ORG}/repository_connections/{connection_id}"),
        None,
        200,
        example("getRepositoryConnection"),
    )
    .await;
    let repositories = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!(
                    "{ORG}/repository_connections/{connection_id}/repositories"
                ))
                .header("authorization", BEARER)
                .query_param("repository", "acme/widgets")
                .query_param_missing("page")
                .query_param_missing("per_page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!([fixture_body(
                    "buildkite",
                    "listConnectionRepositories"
                )[0]]));
        })
        .await;
    let org = buildkite(&server).organization("acme");
    // Two pages asked for, one request: the list is sent whole.
    let listed: Vec<types::RepositoryConnection> = org
        .repository_connections()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .expect("connections");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, connection_id);
    connections.assert_calls_async(1).await;
    let connection = org.repository_connection(&listed[0].id);
    assert_eq!(connection.id(), connection_id);
    let fetched = connection.get().await.expect("connection");
    assert_eq!(fetched.display_name.as_deref(), Some("GitHub (acme-inc)"));
    let found: Vec<types::ConnectionRepository> = connection
        .repositories()
        .full_name("acme/widgets")
        .stream()
        .try_collect()
        .await
        .expect("repositories");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].full_name, "acme/widgets");
    get.assert_async().await;
    repositories.assert_async().await;
}

#[tokio::test]
async fn a_connection_that_cannot_list_repositories_says_so() {
    let server = MockServer::start_async().await;
    let id = "12345678-9abc-def0-1234-56789abcdef0";
    let refused = expect(
        &server,
        GET,
        &format!("{ORG}/repository_connections/{id}/repositories"),
        None,
        422,
        Some(json!({"message": "Listing repositories is not supported for this connection type"})),
    )
    .await;
    let err = buildkite(&server)
        .organization("acme")
        .repository_connection(id)
        .repositories()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("unsupported");
    assert_eq!(api_error(&err).status().as_u16(), 422);
    assert_eq!(
        api_error(&err).message(),
        "Listing repositories is not supported for this connection type"
    );
    refused.assert_async().await;
}

#[tokio::test]
async fn manage_a_webhook_notification_service_from_creation_to_deletion() {
    let server = MockServer::start_async().await;
    let uuid = "9f0f9a19-1b88-4e37-98d8-c5a0cebcdb9a";
    let services = format!("{ORG}/services");
    let service = format!("{services}/{uuid}");
    let create = expect(
        &server,
        POST,
        &services,
        Some(json!({
            "provider": "webhook",
            "description": "Deploy notifications",
            "branch_configuration": "main feature/*",
            "settings": {
                "url": "https://example.com/buildkite-webhook",
                "token": "xxx-yyy-zzz",
                "events": ["build.finished"]
            },
            "build_states": {"build_failed": true}
        })),
        201,
        example("createNotificationService"),
    )
    .await;
    let get = expect(
        &server,
        GET,
        &service,
        None,
        200,
        example("getNotificationService"),
    )
    .await;
    let update = expect(
        &server,
        PATCH,
        &service,
        Some(json!({
            "description": "Production deploy notifications",
            "scope": "some_projects",
            "scope_uuids": ["16f3b56f-4934-4546-923c-287859851332"],
            "build_states": {"build_failed": true, "build_fixed": true}
        })),
        200,
        example("updateNotificationService"),
    )
    .await;
    let enable = expect(
        &server,
        PUT,
        &format!("{service}/enable"),
        None,
        200,
        example("enableNotificationService"),
    )
    .await;
    let disable = expect(
        &server,
        PUT,
        &format!("{service}/disable"),
        None,
        200,
        example("disableNotificationService"),
    )
    .await;
    let delete = expect(&server, DELETE, &service, None, 204, None).await;

    let org = buildkite(&server).organization("acme");
    let created = org
        .create_notification_service(NotificationServiceProviderId::Webhook)
        .description("Deploy notifications")
        .branch_configuration("main feature/*")
        .setting("url", "https://example.com/buildkite-webhook")
        .setting("token", "xxx-yyy-zzz")
        .setting("events", json!(["build.finished"]))
        .build_state("build_failed", true)
        .send()
        .await
        .expect("created");
    assert_eq!(created.id, uuid);
    let service = org.notification_service(created.id);
    assert_eq!(service.uuid(), uuid);
    let fetched = service.get().await.expect("service");
    assert_eq!(
        fetched.settings.get("token"),
        Some(&json!("xxx-yyy-zzz")),
        "a webhook token comes back in full"
    );
    service
        .update()
        .description("Production deploy notifications")
        .scope(NotificationServiceScope::SomeProjects)
        .scope_uuids(["16f3b56f-4934-4546-923c-287859851332"])
        .build_state("build_failed", true)
        .build_state("build_fixed", true)
        .send()
        .await
        .expect("updated");
    assert_eq!(service.enable().await.expect("enabled").id, uuid);
    assert_eq!(service.disable().await.expect("disabled").id, uuid);
    service.delete().await.expect("deleted");
    for mock in [create, get, update, enable, disable, delete] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn list_notification_services_by_following_their_cursor() {
    let server = MockServer::start_async().await;
    let path = format!("{ORG}/services");
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&path)
                .header("authorization", BEARER)
                .query_param("per_page", "1")
                .query_param_missing("after");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "items": [fixture_body("buildkite", "listNotificationServices")["items"][0]],
                    "links": {"next": server.url(format!("{path}?after=CURSOR&per_page=1"))}
                }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&path)
                .header("authorization", BEARER)
                .query_param("per_page", "1")
                .query_param("after", "CURSOR");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "items": [fixture_body("buildkite", "getNotificationService")],
                    "links": {}
                }));
        })
        .await;
    let services: Vec<types::NotificationService> = buildkite(&server)
        .organization("acme")
        .notification_services()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .expect("services");
    let providers: Vec<_> = services
        .iter()
        .map(|s| s.provider.as_ref().map(|p| p.id.clone()))
        .collect();
    assert_eq!(
        providers,
        [
            Some(NotificationServiceProviderId::DatadogPipelineVisibility),
            Some(NotificationServiceProviderId::Webhook)
        ]
    );
    first.assert_async().await;
    second.assert_async().await;
}

#[tokio::test]
async fn a_notification_service_that_is_not_there_is_not_found() {
    let server = MockServer::start_async().await;
    let missing = expect(
        &server,
        PUT,
        &format!("{ORG}/services/00000000-0000-0000-0000-000000000000/enable"),
        None,
        404,
        Some(json!({"message": "Not Found"})),
    )
    .await;
    let err = buildkite(&server)
        .organization("acme")
        .notification_service("00000000-0000-0000-0000-000000000000")
        .enable()
        .await
        .expect_err("missing");
    assert!(err.is_not_found(), "{err}");
    assert_eq!(api_error(&err).operation().id, "enableNotificationService");
    missing.assert_async().await;
}

#[tokio::test]
async fn create_a_pipeline_template_then_update_and_delete_it() {
    let server = MockServer::start_async().await;
    let uuid = "018a86cc-db73-7d15-8c68-5023cf8d64c3";
    let templates = format!("{ORG}/pipeline-templates");
    let template = format!("{templates}/{uuid}");
    let configuration = "steps:\n  - label: \":hammer: Build\"\n    command: \"scripts/build.sh\"";
    let list = expect(
        &server,
        GET,
        &templates,
        None,
        200,
        example("listPipelineTemplates"),
    )
    .await;
    let create = expect(
        &server,
        POST,
        &templates,
        Some(json!({
            "name": "Build template",
            "description": "Shared build steps configuration",
            "configuration": configuration,
            "available": true
        })),
        201,
        example("createPipelineTemplate"),
    )
    .await;
    let get = expect(
        &server,
        GET,
        &template,
        None,
        200,
        example("getPipelineTemplate"),
    )
    .await;
    let update = expect(
        &server,
        PATCH,
        &template,
        Some(json!({
            "name": "Build template",
            "description": "Shared build steps",
            "configuration": "steps:\n  - command: \"scripts/build.sh\"",
            "available": false
        })),
        200,
        example("updatePipelineTemplate"),
    )
    .await;
    let delete = expect(&server, DELETE, &template, None, 204, None).await;

    let org = buildkite(&server).organization("acme");
    let listed: Vec<types::PipelineTemplate> = org
        .pipeline_templates()
        .stream()
        .try_collect()
        .await
        .expect("templates");
    assert_eq!(listed[0].uuid, uuid);
    let created = org
        .create_pipeline_template("Build template", configuration)
        .description("Shared build steps configuration")
        .available(true)
        .send()
        .await
        .expect("created");
    assert_eq!(created.available, Some(true));
    let template = org.pipeline_template(created.uuid);
    assert_eq!(template.uuid(), uuid);
    assert_eq!(
        template
            .get()
            .await
            .expect("template")
            .configuration
            .as_deref(),
        Some(configuration)
    );
    template
        .update()
        .name("Build template")
        .description("Shared build steps")
        .configuration("steps:\n  - command: \"scripts/build.sh\"")
        .available(false)
        .send()
        .await
        .expect("updated");
    template.delete().await.expect("deleted");
    for mock in [list, create, get, update, delete] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_template_needs_a_name_and_steps_and_one_in_use_cannot_be_deleted() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let org = buildkite(&server).organization("acme");
    for (name, configuration, what) in [
        ("", "steps: []", "template name"),
        ("Build", " ", "template configuration"),
    ] {
        let err = org
            .create_pipeline_template(name, configuration)
            .send()
            .await
            .expect_err("refused before sending");
        assert!(
            matches!(&err, Error::InvalidInput(m) if m.contains(what)),
            "{err}"
        );
    }
    any.assert_calls_async(0).await;
    any.delete_async().await;

    let uuid = "018a86cc-db73-7d15-8c68-5023cf8d64c3";
    let refused = expect(
        &server,
        DELETE,
        &format!("{ORG}/pipeline-templates/{uuid}"),
        None,
        422,
        Some(json!({"message": "Pipeline template is in use by 2 pipelines"})),
    )
    .await;
    let err = org
        .pipeline_template(uuid)
        .delete()
        .await
        .expect_err("in use");
    assert_eq!(
        api_error(&err).message(),
        "Pipeline template is in use by 2 pipelines"
    );
    refused.assert_async().await;
}

#[tokio::test]
async fn add_a_pipelines_github_webhook_and_switch_its_processing() {
    let server = MockServer::start_async().await;
    let create = expect(
        &server,
        POST,
        &format!("{PIPELINE}/webhook"),
        None,
        201,
        None,
    )
    .await;
    let path = format!("{PIPELINE}/github-webhooks");
    let get = expect(
        &server,
        GET,
        &path,
        None,
        200,
        example("getGithubWebhookProcessing"),
    )
    .await;
    let enable = expect(
        &server,
        PUT,
        &path,
        None,
        200,
        example("enableGithubWebhookProcessing"),
    )
    .await;
    let disable = expect(
        &server,
        DELETE,
        &path,
        None,
        200,
        example("disableGithubWebhookProcessing"),
    )
    .await;
    let pipeline = buildkite(&server).pipeline("acme", "web");
    pipeline.add_webhook().await.expect("webhook");
    let processing = pipeline.github_webhook_processing();
    let state = processing.get().await.expect("state");
    let expected: types::GithubWebhookProcessing =
        serde_json::from_value(fixture_body("buildkite", "getGithubWebhookProcessing"))
            .expect("decodes");
    assert_eq!(state, expected);
    assert_eq!(processing.enable().await.expect("on").enabled, Some(true));
    let off = processing.disable().await.expect("off");
    assert_eq!(off.enabled, Some(false));
    assert!(off.disabled_at.is_some());
    for mock in [create, get, enable, disable] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_second_webhook_is_refused_with_the_services_message() {
    let server = MockServer::start_async().await;
    let refused = expect(
        &server,
        POST,
        &format!("{PIPELINE}/webhook"),
        None,
        422,
        Some(json!({"message": "Webhooks could not be created for your repository."})),
    )
    .await;
    let err = buildkite(&server)
        .pipeline("acme", "web")
        .add_webhook()
        .await
        .expect_err("refused");
    assert_eq!(api_error(&err).status().as_u16(), 422);
    assert_eq!(
        api_error(&err).message(),
        "Webhooks could not be created for your repository."
    );
    assert_eq!(api_error(&err).operation().id, "createPipelineWebhook");
    refused.assert_async().await;
}

#[tokio::test]
async fn read_what_one_job_uploaded_to_a_build_across_cursor_pages() {
    let server = MockServer::start_async().await;
    let job = "48af33d8-2d4f-4f19-9a1c-e358c1e0f5ba";
    let path = format!("{PIPELINE}/builds/123/step-uploads");
    let listed = fixture_body("buildkite", "listStepUploads");
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&path)
                .header("authorization", BEARER)
                .query_param("filter[source_job_id]", job)
                .query_param("per_page", "2")
                .query_param_missing("after");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "items": listed["items"],
                    "links": {"next": server.url(format!(
                        "{path}?after=abc123&filter[source_job_id]={job}&per_page=2"
                    ))}
                }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&path)
                .header("authorization", BEARER)
                .query_param("filter[source_job_id]", job)
                .query_param("per_page", "2")
                .query_param("after", "abc123");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"items": [], "links": {}}));
        })
        .await;
    let get = expect(
        &server,
        GET,
        &format!("{path}/1f1f1f1f-9c3b-4b0a-8a51-b1e59a0e5b3a"),
        None,
        200,
        example("getStepUpload"),
    )
    .await;
    let build = buildkite(&server).pipeline("acme", "web").build(123);
    let uploads: Vec<types::StepUpload> = build
        .step_uploads()
        .source_job_id(job)
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .expect("uploads");
    let states: Vec<_> = uploads.iter().map(|u| u.state.as_deref()).collect();
    assert_eq!(states, [Some("applied"), Some("rejected")]);
    let upload = build.step_upload(&uploads[0].uuid);
    assert_eq!(upload.uuid(), "1f1f1f1f-9c3b-4b0a-8a51-b1e59a0e5b3a");
    let fetched = upload.get().await.expect("upload");
    assert_eq!(
        fetched.definition_yaml.as_deref(),
        Some("steps:\n- command: echo hello\n")
    );
    first.assert_async().await;
    second.assert_async().await;
    get.assert_async().await;
}

#[tokio::test]
async fn step_uploads_of_a_build_past_its_lifetime_are_gone() {
    let server = MockServer::start_async().await;
    let gone = expect(
        &server,
        GET,
        &format!("{PIPELINE}/builds/7/step-uploads/1f1f1f1f-9c3b-4b0a-8a51-b1e59a0e5b3a"),
        None,
        410,
        Some(json!({"message": "Gone"})),
    )
    .await;
    let err = buildkite(&server)
        .pipeline("acme", "web")
        .build(7)
        .step_upload("1f1f1f1f-9c3b-4b0a-8a51-b1e59a0e5b3a")
        .get()
        .await
        .expect_err("gone");
    assert_eq!(api_error(&err).status().as_u16(), 410);
    assert_eq!(api_error(&err).operation().id, "getStepUpload");
    gone.assert_async().await;
}

const REGISTRY: &str = "/packages/organizations/acme/registries/my-registry";

#[tokio::test]
async fn create_a_package_registry_with_a_token_then_manage_and_delete_both() {
    let server = MockServer::start_async().await;
    let registries = "/packages/organizations/acme/registries";
    let token_id = "0191b6a2-aa51-70d0-8a5f-aabce115b0fd";
    let token_path = format!("{REGISTRY}/tokens/{token_id}");
    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(registries)
                .header("authorization", BEARER)
                .query_param_missing("page")
                .query_param_missing("per_page");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "listPackageRegistries"));
        })
        .await;
    let create = expect(
        &server,
        POST,
        registries,
        Some(json!({
            "name": "my registry",
            "ecosystem": "ruby",
            "description": "registry containing ruby gems",
            "emoji": ":sunflower:",
            "color": "#f0ccff",
            "oidc_policy": "- iss: https://agent.buildkite.com\n  claims:\n    organization_slug: acme\n",
            "team_ids": ["team-one-uuid", "team-two-uuid"]
        })),
        200,
        example("createPackageRegistry"),
    )
    .await;
    let get = expect(
        &server,
        GET,
        REGISTRY,
        None,
        200,
        example("getPackageRegistry"),
    )
    .await;
    let update = expect(
        &server,
        POST,
        REGISTRY,
        Some(json!({"name": "my registry", "description": "registry containing ruby gems"})),
        200,
        example("updatePackageRegistry"),
    )
    .await;
    let tokens = expect(
        &server,
        GET,
        &format!("{REGISTRY}/tokens"),
        None,
        200,
        example("listRegistryTokens"),
    )
    .await;
    let mut created_token = fixture_body("buildkite", "createRegistryToken");
    created_token["token"] = json!("bkpr_secret_value_0123");
    let create_token = expect(
        &server,
        POST,
        &format!("{REGISTRY}/tokens"),
        Some(json!({"description": "Usher"})),
        200,
        Some(created_token),
    )
    .await;
    let get_token = expect(
        &server,
        GET,
        &token_path,
        None,
        200,
        example("getRegistryToken"),
    )
    .await;
    let update_token = expect(
        &server,
        POST,
        &token_path,
        Some(json!({"description": "Usher"})),
        200,
        example("updateRegistryToken"),
    )
    .await;
    let delete_token = expect(&server, DELETE, &token_path, None, 200, None).await;
    let delete = expect(&server, DELETE, REGISTRY, None, 200, None).await;

    let org = buildkite(&server).organization("acme");
    let listed: Vec<types::PackageRegistry> = org
        .package_registries()
        .stream()
        .try_collect()
        .await
        .expect("registries");
    assert_eq!(listed[0].slug.as_deref(), Some("my-registry"));
    let created = org
        .create_package_registry("my registry", "ruby")
        .description("registry containing ruby gems")
        .emoji(":sunflower:")
        .color("#f0ccff")
        .oidc_policy("- iss: https://agent.buildkite.com\n  claims:\n    organization_slug: acme\n")
        .team("team-one-uuid")
        .team("team-two-uuid")
        .send()
        .await
        .expect("created");
    let registry = org.package_registry(created.slug.expect("slug"));
    assert_eq!(registry.slug(), "my-registry");
    assert_eq!(
        registry.get().await.expect("registry").ecosystem.as_deref(),
        Some("ruby")
    );
    registry
        .update()
        .name("my registry")
        .description("registry containing ruby gems")
        .send()
        .await
        .expect("updated");
    let listed: Vec<types::RegistryToken> = registry
        .tokens()
        .stream()
        .try_collect()
        .await
        .expect("tokens");
    assert_eq!(listed[0].id, token_id);
    let token = registry.create_token("Usher").send().await.expect("token");
    let value = token.token.as_ref().expect("the value, shown once");
    assert_eq!(value.expose(), "bkpr_secret_value_0123");
    assert!(
        !format!("{token:?}").contains("bkpr_secret_value_0123"),
        "the token's value stays out of Debug"
    );
    let token = registry.token(token.id);
    assert_eq!(token.id(), token_id);
    assert_eq!(
        token.get().await.expect("token").description.as_deref(),
        Some("Usher")
    );
    token.set_description("Usher").await.expect("renamed");
    token.delete().await.expect("token deleted");
    registry.delete().await.expect("registry deleted");
    for mock in [
        list,
        create,
        get,
        update,
        tokens,
        create_token,
        get_token,
        update_token,
        delete_token,
        delete,
    ] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn list_a_registrys_packages_by_name_across_links_then_copy_and_delete_one() {
    let server = MockServer::start_async().await;
    let packages = format!("{REGISTRY}/packages");
    let id = "0191e23a-4bc8-7683-bfa4-5f73bc9b7c44";
    let listed = fixture_body("buildkite", "listPackages");
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&packages)
                .header("authorization", BEARER)
                .query_param("name", "banana")
                .query_param_missing("after");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "items": listed["items"],
                    "links": {"next": server.url(format!("{packages}?after=CURSOR&name=banana"))}
                }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(&packages)
                .header("authorization", BEARER)
                .query_param("name", "banana")
                .query_param("after", "CURSOR");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(
                    json!({"items": [fixture_body("buildkite", "getPackage")], "links": {}}),
                );
        })
        .await;
    let get = expect(
        &server,
        GET,
        &format!("{packages}/{id}"),
        None,
        200,
        example("getPackage"),
    )
    .await;
    let copy = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{packages}/{id}/copy"))
                .header("authorization", BEARER)
                .query_param("to", "production")
                .body("");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "copyPackage"));
        })
        .await;
    let delete = expect(
        &server,
        DELETE,
        &format!("{packages}/{id}"),
        None,
        200,
        None,
    )
    .await;

    let registry = buildkite(&server)
        .organization("acme")
        .package_registry("my-registry");
    let bananas: Vec<types::Package> = registry
        .packages()
        .name("banana")
        .stream()
        .try_collect()
        .await
        .expect("packages");
    let expected_count = listed["items"].as_array().expect("items").len() + 1;
    assert_eq!(bananas.len(), expected_count);
    let names: Vec<_> = bananas.iter().map(|p| p.name.clone()).collect();
    let mut expected: Vec<_> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    expected.push(Some("banana".to_owned()));
    assert_eq!(names, expected, "both pages, in order");
    let package = registry.package(&bananas[0].id);
    assert_eq!(package.id(), id);
    assert_eq!(package.get().await.expect("package").id, id);
    let copied = package.copy_to("production").await.expect("copied");
    assert_eq!(copied.name.as_deref(), Some("banana"));
    package.delete().await.expect("deleted");
    for mock in [first, second, get, copy, delete] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn registries_refuse_blank_names_before_sending_and_a_missing_one_is_not_found() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let org = buildkite(&server).organization("acme");
    let registry = org.package_registry("my-registry");
    let refusals = [
        (
            org.create_package_registry("my registry", " ")
                .send()
                .await
                .map(drop),
            "registry ecosystem",
        ),
        (
            org.create_package_registry("", "ruby")
                .send()
                .await
                .map(drop),
            "registry name",
        ),
        (
            registry.create_token("").send().await.map(drop),
            "token description",
        ),
        (
            registry.token("t").set_description(" ").await.map(drop),
            "token description",
        ),
        (
            registry.package("p").copy_to("").await.map(drop),
            "destination registry slug",
        ),
    ];
    for (result, what) in refusals {
        let err = result.expect_err("refused before sending");
        assert!(
            matches!(&err, Error::InvalidInput(m) if m.contains(what)),
            "{err}"
        );
    }
    any.assert_calls_async(0).await;
    any.delete_async().await;

    let missing = expect(
        &server,
        GET,
        REGISTRY,
        None,
        404,
        Some(json!({"message": "No registry found"})),
    )
    .await;
    let err = registry.get().await.expect_err("missing");
    assert!(err.is_not_found(), "{err}");
    assert_eq!(api_error(&err).operation().id, "getPackageRegistry");
    missing.assert_async().await;
}

#[tokio::test]
async fn publish_a_package_file_to_a_registry_as_multipart() {
    let server = MockServer::start_async().await;
    let publish = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("{REGISTRY}/packages"))
                .header("authorization", BEARER)
                .header_prefix("content-type", "multipart/form-data; boundary=")
                .body_includes("name=\"file\"; filename=\"banana-1.0.gem\"")
                .body_includes("GEM-BYTES");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(fixture_body("buildkite", "getPackage"));
        })
        .await;
    let registry = buildkite(&server)
        .organization("acme")
        .package_registry("my-registry");
    let package = registry
        .publish_package("banana-1.0.gem", b"GEM-BYTES".to_vec())
        .send()
        .await
        .expect("published");
    assert_eq!(package.name.as_deref(), Some("banana"));
    publish.assert_async().await;

    let err = registry
        .publish_package(" ", b"GEM-BYTES".to_vec())
        .send()
        .await
        .expect_err("no file name");
    assert!(
        matches!(&err, Error::InvalidInput(m) if m.contains("file name")),
        "{err}"
    );
    publish.assert_calls_async(1).await;
}
