//! An organization's notification services: the integrations that send build and job
//! notifications to webhooks, Slack, Amazon EventBridge, Datadog, OpenTelemetry…

use kitelab_api::buildkite::prelude::*;
use kitelab_api::buildkite::types;

use super::members::cursor_list;
use super::Organization;
use crate::pagination::{ListQuery, PageAt};
use crate::{send, List, Page, Result};

/// Notification services.
impl Organization {
    /// The organization's notification services, oldest first: a cursor-paginated list (scope
    /// `read_notification_services`).
    pub fn notification_services(&self) -> NotificationServices {
        List::new(
            NotificationServicesQuery { org: self.clone() },
            self.bk.per_page(),
        )
    }

    /// A notification service, by UUID.
    pub fn notification_service(&self, uuid: impl Into<String>) -> NotificationService {
        NotificationService {
            org: self.clone(),
            uuid: uuid.into(),
        }
    }

    /// Starts creating a notification service of `provider` (scope
    /// `write_notification_services`). The API creates `webhook`, `slack`, `aws_event_bridge`,
    /// `datadog_pipeline_visibility`, `open_telemetry_tracing` and `event_log_api` services;
    /// each takes its own [`setting`](CreateNotificationService::setting)s.
    ///
    /// ```no_run
    /// use kitelab::buildkite::types::NotificationServiceProviderId;
    ///
    /// # async fn run(bk: kitelab::Buildkite) -> kitelab::Result<()> {
    /// let org = bk.organization("acme");
    /// let service = org
    ///     .create_notification_service(NotificationServiceProviderId::Webhook)
    ///     .description("Deploy notifications")
    ///     .setting("url", "https://example.com/buildkite-webhook")
    ///     .setting("events", serde_json::json!(["build.finished"]))
    ///     .build_state("build_failed", true)
    ///     .send()
    ///     .await?;
    /// org.notification_service(service.id).disable().await?;
    /// # Ok(()) }
    /// ```
    pub fn create_notification_service(
        &self,
        provider: types::NotificationServiceProviderId,
    ) -> CreateNotificationService {
        CreateNotificationService {
            org: self.clone(),
            body: types::CreateNotificationServiceRequest {
                branch_configuration: None,
                build_states: Default::default(),
                description: None,
                provider,
                scope: None,
                scope_uuids: Vec::new(),
                settings: Default::default(),
            },
        }
    }
}

/// A notification service of an organization: `org.notification_service(uuid)`.
#[derive(Debug, Clone)]
pub struct NotificationService {
    org: Organization,
    uuid: String,
}

impl NotificationService {
    /// The service's UUID.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    fn api(&self) -> &kitelab_api::buildkite::Client {
        self.org.bk.api()
    }

    /// Fetches the service. A webhook's `token` comes in full; other secrets are masked or
    /// left out.
    pub async fn get(&self) -> Result<types::NotificationService> {
        let op = self
            .api()
            .get_notification_service()
            .org_slug(&self.org.slug)
            .service_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Starts updating the service; only the fields and settings set change. A masked value
    /// from [`get`](Self::get) sent back unchanged keeps the stored secret.
    pub fn update(&self) -> UpdateNotificationService {
        UpdateNotificationService {
            service: self.clone(),
            body: types::UpdateNotificationServiceRequest::default(),
        }
    }

    /// Deletes the service.
    pub async fn delete(&self) -> Result<()> {
        let op = self
            .api()
            .delete_notification_service()
            .org_slug(&self.org.slug)
            .service_uuid(&self.uuid);
        send(op).await?;
        Ok(())
    }

    /// Enables the service, clearing any disabled or broken state; returns it.
    pub async fn enable(&self) -> Result<types::NotificationService> {
        let op = self
            .api()
            .enable_notification_service()
            .org_slug(&self.org.slug)
            .service_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }

    /// Disables the service; returns it.
    pub async fn disable(&self) -> Result<types::NotificationService> {
        let op = self
            .api()
            .disable_notification_service()
            .org_slug(&self.org.slug)
            .service_uuid(&self.uuid);
        Ok(send(op).await?.into_inner())
    }
}

/// The options a notification service is created or updated with: one definition for both
/// builders, whose request bodies hold the same fields.
macro_rules! service_options {
    ($builder:ident) => {
        impl $builder {
            /// A description.
            pub fn description(mut self, description: impl Into<String>) -> Self {
                self.body.description = Some(description.into());
                self
            }

            /// The branches that notify, as a pattern (`main feature/*`); empty for all.
            pub fn branch_configuration(mut self, pattern: impl Into<String>) -> Self {
                self.body.branch_configuration = Some(pattern.into());
                self
            }

            /// Whether `state` notifies: `build_passed`, `build_fixed`, `build_failed`,
            /// `build_blocked`, `build_canceled`, `build_failing` or `job_activated` (one
            /// entry of `build_states`; call once per state).
            pub fn build_state(mut self, state: impl Into<String>, notifies: bool) -> Self {
                self.body.build_states.insert(state.into(), notifies);
                self
            }

            /// Which pipelines the service applies to: all of them, or those selected by
            /// [`scope_uuids`](Self::scope_uuids).
            pub fn scope(mut self, scope: types::NotificationServiceScope) -> Self {
                self.body.scope = Some(scope);
                self
            }

            /// The pipelines (`some_projects`), teams (`some_teams`) or clusters
            /// (`some_clusters`) the [`scope`](Self::scope) selects, by UUID.
            pub fn scope_uuids(
                mut self,
                uuids: impl IntoIterator<Item = impl Into<String>>,
            ) -> Self {
                self.body
                    .scope_uuids
                    .extend(uuids.into_iter().map(Into::into));
                self
            }

            /// One provider setting (an entry of `settings`): a webhook's `url`, `token`,
            /// `token_mode`, `events`…, Slack's `url` and `theme`, EventBridge's `aws_region`
            /// and `aws_account_id`, Datadog's `api_key`, OpenTelemetry's `endpoint`… (see
            /// Buildkite's notification services API).
            pub fn setting(
                mut self,
                key: impl Into<String>,
                value: impl Into<serde_json::Value>,
            ) -> Self {
                self.body.settings.insert(key.into(), value.into());
                self
            }
        }
    };
}

/// Creates a notification service: `org.create_notification_service(provider)`, options,
/// then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is created until `.send()`"]
pub struct CreateNotificationService {
    org: Organization,
    body: types::CreateNotificationServiceRequest,
}

service_options!(CreateNotificationService);

impl CreateNotificationService {
    /// Creates the service and returns it.
    pub async fn send(self) -> Result<types::NotificationService> {
        let op = self
            .org
            .bk
            .api()
            .create_notification_service()
            .org_slug(&self.org.slug)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

/// Updates a notification service: `service.update()`, changes, then [`send`](Self::send).
#[derive(Debug, Clone)]
#[must_use = "nothing is updated until `.send()`"]
pub struct UpdateNotificationService {
    service: NotificationService,
    body: types::UpdateNotificationServiceRequest,
}

service_options!(UpdateNotificationService);

impl UpdateNotificationService {
    /// Updates the service and returns it.
    pub async fn send(self) -> Result<types::NotificationService> {
        let op = self
            .service
            .api()
            .update_notification_service()
            .org_slug(&self.service.org.slug)
            .service_uuid(&self.service.uuid)
            .body(self.body);
        Ok(send(op).await?.into_inner())
    }
}

cursor_list!(
    /// An organization's notification services: `org.notification_services()`.
    NotificationServicesQuery => types::NotificationService, list_notification_services
);

/// A list of notification services, `List<NotificationServicesQuery>`: the methods below include its filters; read it
/// with [`stream`](List::stream), [`pages`](List::pages) or [`page`](List::page).
pub type NotificationServices = List<NotificationServicesQuery>;
