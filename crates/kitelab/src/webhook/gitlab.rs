//! GitLab project and group webhooks: [`Verifier`], [`Delivery`] and [`Event`].
//!
//! GitLab sends the webhook's secret token in clear in `X-Gitlab-Token`; it signs nothing and
//! dates nothing, so a receiver that must not act twice on one delivery keeps the
//! `Idempotency-Key` of the [`Delivery`] and drops the retries it has already seen.
//!
//! The event is named by `X-Gitlab-Event` (`Pipeline Hook`); without that header, or for
//! `System Hook` deliveries, by the body's `object_kind` (`pipeline`). When both are present
//! the header wins. See <https://docs.gitlab.com/user/project/integrations/webhook_events/>.
//!
//! ```
//! use http::HeaderMap;
//! use kitelab::webhook::gitlab::{Event, Verifier};
//!
//! # fn handle(headers: &HeaderMap, body: &[u8]) -> Result<(), kitelab::webhook::Error> {
//! let verifier = Verifier::new("my-secret-token");
//! let received = verifier.receive(headers, body)?;
//! if let Event::Pipeline(p) = &received.event {
//!     println!("pipeline {} {:?}", p.object_attributes.id, p.object_attributes.status);
//! }
//! println!("delivery {:?}", received.delivery.idempotency_key);
//! # Ok(()) }
//! ```

use std::fmt;

use http::HeaderMap;
use kitelab_api::gitlab::types;

use super::{check_size, header, token_matches, Error, DEFAULT_MAX_BODY_SIZE};
use crate::Secret;

/// `X-Gitlab-Event`: the event name (`Pipeline Hook`).
pub const EVENT_HEADER: &str = "X-Gitlab-Event";
/// `X-Gitlab-Token`: the webhook's secret token, in clear.
pub const TOKEN_HEADER: &str = "X-Gitlab-Token";
/// `X-Gitlab-Event-UUID`: the event, shared by every webhook it triggers (and by webhooks
/// triggered in turn by those requests).
pub const EVENT_UUID_HEADER: &str = "X-Gitlab-Event-UUID";
/// `X-Gitlab-Webhook-UUID`: this request, a fresh UUID each time (a retry gets a new one).
pub const WEBHOOK_UUID_HEADER: &str = "X-Gitlab-Webhook-UUID";
/// `Idempotency-Key`: the delivery, the same across its retries (recent GitLab versions).
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// `X-Gitlab-Instance`: the GitLab host that sent the request.
pub const INSTANCE_HEADER: &str = "X-Gitlab-Instance";

/// Verifies GitLab webhook requests with the webhook's secret token, and decodes their events.
/// Cheap to clone; its `Debug` output never shows the token.
///
/// ```
/// use http::HeaderMap;
/// use kitelab::webhook::{gitlab::Verifier, Error};
///
/// let verifier = Verifier::new("s3cret");
/// let mut headers = HeaderMap::new();
/// headers.insert("x-gitlab-token", "s3cret".parse().unwrap());
/// assert!(verifier.verify(&headers, b"{}").is_ok());
/// headers.insert("x-gitlab-token", "guess".parse().unwrap());
/// assert_eq!(
///     verifier.verify(&headers, b"{}").unwrap_err(),
///     Error::WrongToken { name: "X-Gitlab-Token" }
/// );
/// assert!(!format!("{verifier:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct Verifier {
    secret: Secret,
    max_body_size: usize,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"[redacted]")
            .field("max_body_size", &self.max_body_size)
            .finish()
    }
}

impl Verifier {
    /// A verifier for the webhook whose **Secret token** is `secret`.
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secret: Secret::new(secret),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
        }
    }

    /// The largest body accepted, in bytes (default
    /// [`DEFAULT_MAX_BODY_SIZE`]); a larger one is
    /// [`Error::BodyTooLarge`].
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Checks that the request comes from GitLab (its size, then its token, compared in
    /// constant time) and returns its delivery identifiers.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, Error> {
        check_size(body, self.max_body_size)?;
        let token = headers
            .get(TOKEN_HEADER)
            .ok_or(Error::MissingHeader { name: TOKEN_HEADER })?;
        if !token_matches(token.as_bytes(), self.secret.expose().as_bytes()) {
            return Err(Error::WrongToken { name: TOKEN_HEADER });
        }
        Ok(Delivery::from_headers(headers))
    }

    /// [Verifies](Self::verify) the request, then decodes its event.
    pub fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Result<Received, Error> {
        let delivery = self.verify(headers, body)?;
        let event = Event::from_request(headers, body)?;
        Ok(Received { delivery, event })
    }
}

/// A verified request: what GitLab says about the delivery, and the event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Received {
    /// The delivery identifiers, for idempotency.
    pub delivery: Delivery,
    /// The event.
    pub event: Event,
}

/// The identifiers GitLab sends with a webhook request (each absent from older GitLab
/// versions). To act once per delivery, keep `idempotency_key`: GitLab sends the same one with
/// every retry of a delivery, and a new one for each delivery. `webhook_uuid` is new on every
/// request, retries included: it correlates logs. `event_uuid` is shared by every webhook one
/// event triggers.
///
/// ```
/// use http::HeaderMap;
/// use kitelab::webhook::gitlab::Delivery;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("idempotency-key", "a5461c4d-9c7f".parse().unwrap());
/// headers.insert("x-gitlab-event-uuid", "9cebe914-4827".parse().unwrap());
/// let delivery = Delivery::from_headers(&headers);
/// assert_eq!(delivery.idempotency_key.as_deref(), Some("a5461c4d-9c7f"));
/// assert_eq!(delivery.webhook_uuid, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Delivery {
    /// `X-Gitlab-Event-UUID`: the event, shared by the webhooks it triggers.
    pub event_uuid: Option<String>,
    /// `X-Gitlab-Webhook-UUID`: this request (new on every retry).
    pub webhook_uuid: Option<String>,
    /// `Idempotency-Key`: the delivery, the same on every retry.
    pub idempotency_key: Option<String>,
    /// `X-Gitlab-Instance`: the sending GitLab's URL.
    pub instance: Option<String>,
}

impl Delivery {
    /// Reads the identifiers from a request's headers; an absent or unreadable one is `None`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let read = |name| header(headers, name).ok().flatten().map(str::to_owned);
        Self {
            event_uuid: read(EVENT_UUID_HEADER),
            webhook_uuid: read(WEBHOOK_UUID_HEADER),
            idempotency_key: read(IDEMPOTENCY_KEY_HEADER),
            instance: read(INSTANCE_HEADER),
        }
    }
}

super::event_enum! {
    /// A GitLab webhook event, by its `X-Gitlab-Event` name (or the body's `object_kind`). The
    /// payloads are the `*HookEvent` schemas of `spec/gitlab.yaml`.
    ///
    /// ```
    /// use kitelab::webhook::gitlab::Event;
    ///
    /// let body = br#"{"object_kind": "deployment", "deployment_id": 15, "status": "success"}"#;
    /// let event = Event::decode("Deployment Hook", body)?;
    /// assert!(matches!(&event, Event::Deployment(d) if d.deployment_id == 15));
    /// assert!(matches!(Event::decode("Emoji Hook", b"{}")?, Event::Unknown { .. }));
    /// # Ok::<(), kitelab::webhook::Error>(())
    /// ```
    types: types;
    /// `Push Hook`: commits were pushed to a branch.
    Push(PushHookEvent) = "Push Hook" | "push",
    /// `Tag Push Hook`: a tag was created or deleted.
    TagPush(PushHookEvent) = "Tag Push Hook" | "tag_push",
    /// `Merge Request Hook`: a merge request was opened, updated, merged or closed.
    MergeRequest(MergeRequestHookEvent) = "Merge Request Hook" | "merge_request",
    /// `Pipeline Hook`: a pipeline's status changed.
    Pipeline(PipelineHookEvent) = "Pipeline Hook" | "pipeline",
    /// `Job Hook`: a job's status changed.
    Job(JobHookEvent) = "Job Hook" | "build",
    /// `Deployment Hook`: a deployment started, succeeded, failed or was canceled.
    Deployment(DeploymentHookEvent) = "Deployment Hook" | "deployment",
    /// `Release Hook`: a release was created, updated or deleted.
    Release(ReleaseHookEvent) = "Release Hook" | "release",
}

impl Event {
    /// Decodes a request's event, named by `X-Gitlab-Event` or, without that header or for a
    /// `System Hook`, by the body's `object_kind` (the header wins when both name an event).
    /// This checks nothing: [`Verifier::receive`] verifies first.
    pub fn from_request(headers: &HeaderMap, body: &[u8]) -> Result<Event, Error> {
        let name = match header(headers, EVENT_HEADER)? {
            Some("System Hook") => kind_in_body(body).unwrap_or_else(|| "System Hook".into()),
            Some(name) => name.to_owned(),
            None => kind_in_body(body).ok_or(Error::MissingHeader { name: EVENT_HEADER })?,
        };
        Event::decode(&name, body)
    }
}

/// The body's top-level `object_kind`, if it is a JSON object with one.
fn kind_in_body(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Kind {
        object_kind: Option<String>,
    }
    serde_json::from_slice::<Kind>(body).ok()?.object_kind
}

#[cfg(test)]
mod tests;
