//! Buildkite pipelines webhooks: [`Verifier`] and [`Event`].
//!
//! Buildkite sends either the webhook's token in clear in `X-Buildkite-Token`, or, when the
//! notification service is set to sign, `X-Buildkite-Signature: timestamp=…,signature=…`: the
//! hex HMAC-SHA256 of `{timestamp}.{body}` keyed with the token. A signature also dates the
//! request, so the [`Verifier`] refuses one older than its replay window (5 minutes by default)
//! or too far in the future; a token cannot be dated, so [`Verifier::require_signature`] refuses
//! tokens for a service that signs.
//!
//! The event is named by `X-Buildkite-Event`; without that header, by the body's `event` field.
//! When both are present the header wins. See
//! <https://buildkite.com/docs/apis/webhooks/pipelines>.
//!
//! ```
//! use http::HeaderMap;
//! use kitelab::webhook::buildkite::{Event, Verifier};
//!
//! # fn handle(headers: &HeaderMap, body: &[u8]) -> Result<(), kitelab::webhook::Error> {
//! let verifier = Verifier::new(std::env::var("BUILDKITE_WEBHOOK_TOKEN").unwrap_or_default())
//!     .require_signature();
//! if let Event::JobFinished(e) = verifier.receive(headers, body)? {
//!     println!("job {} {:?}", e.job.id, e.job.state);
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use http::HeaderMap;
use kitelab_api::buildkite::types;
use sha2::Sha256;

use super::{check_size, header, token_matches, Clock, Error, DEFAULT_MAX_BODY_SIZE};
use crate::Secret;

/// `X-Buildkite-Event`: the event name.
pub const EVENT_HEADER: &str = "X-Buildkite-Event";
/// `X-Buildkite-Token`: the webhook's token, in clear.
pub const TOKEN_HEADER: &str = "X-Buildkite-Token";
/// `X-Buildkite-Signature`: `timestamp=…,signature=…`.
pub const SIGNATURE_HEADER: &str = "X-Buildkite-Signature";

/// How old a signed request may be unless told otherwise: 5 minutes, the window Buildkite's
/// docs suggest.
pub const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(5 * 60);
/// How far ahead of the receiver's clock a signed timestamp may be unless told otherwise.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Verifies Buildkite webhook requests with the notification service's token, and decodes
/// their events. Cheap to clone; its `Debug` output shows the settings, never the token.
///
/// ```
/// use std::time::Duration;
/// use kitelab::webhook::buildkite::Verifier;
///
/// let verifier = Verifier::new("s3cret")
///     .replay_window(Duration::from_secs(120))
///     .max_body_size(1024 * 1024);
/// assert!(!format!("{verifier:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
pub struct Verifier {
    secret: Secret,
    replay_window: Duration,
    clock_skew: Duration,
    max_body_size: usize,
    require_signature: bool,
    clock: Clock,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &"[redacted]")
            .field("replay_window", &self.replay_window)
            .field("clock_skew", &self.clock_skew)
            .field("max_body_size", &self.max_body_size)
            .field("require_signature", &self.require_signature)
            .finish()
    }
}

impl Verifier {
    /// A verifier for the webhook whose token (the **Token** of the Webhook Notification
    /// service) is `secret`. It accepts a signature or, failing one, the token.
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secret: Secret::new(secret),
            replay_window: DEFAULT_REPLAY_WINDOW,
            clock_skew: DEFAULT_CLOCK_SKEW,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            require_signature: false,
            clock: Clock::default(),
        }
    }

    /// How old a signed request may be (default [`DEFAULT_REPLAY_WINDOW`]); an older one is
    /// [`Error::StaleTimestamp`].
    pub fn replay_window(mut self, window: Duration) -> Self {
        self.replay_window = window;
        self
    }

    /// How far in the future a signed timestamp may be, for clocks that disagree (default
    /// [`DEFAULT_CLOCK_SKEW`]); further is [`Error::FutureTimestamp`].
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// The largest body accepted, in bytes (default
    /// [`DEFAULT_MAX_BODY_SIZE`]); a larger one is
    /// [`Error::BodyTooLarge`] before anything is hashed.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Accepts signed requests only: a request with `X-Buildkite-Token` and no signature is
    /// [`Error::MissingHeader`]. Use it when the service signs, so that a captured token
    /// cannot be replayed.
    pub fn require_signature(mut self) -> Self {
        self.require_signature = true;
        self
    }

    /// The clock timestamps are judged by (default [`SystemTime::now`]); for tests.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use kitelab::webhook::buildkite::Verifier;
    ///
    /// let verifier = Verifier::new("s3cret")
    ///     .clock(|| UNIX_EPOCH + Duration::from_secs(1_619_071_700));
    /// # let _ = verifier;
    /// ```
    pub fn clock(mut self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Clock(std::sync::Arc::new(now));
        self
    }

    /// Checks that the request comes from Buildkite: its size, then its signature and the
    /// signature's timestamp, or, when it is not signed, its token.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use kitelab::webhook::{buildkite::Verifier, Error};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-buildkite-token", "guess".parse().unwrap());
    /// let error = Verifier::new("s3cret").verify(&headers, b"{}").unwrap_err();
    /// assert_eq!(error, Error::WrongToken { name: "X-Buildkite-Token" });
    /// ```
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Error> {
        check_size(body, self.max_body_size)?;
        if let Some(value) = header(headers, SIGNATURE_HEADER)? {
            let signature = Signature::parse(value)?;
            self.check_signature(&signature, body)?;
            return self.check_timestamp(signature.timestamp);
        }
        if self.require_signature {
            return Err(Error::MissingHeader {
                name: SIGNATURE_HEADER,
            });
        }
        let Some(token) = headers.get(TOKEN_HEADER) else {
            return Err(Error::MissingHeader {
                name: "X-Buildkite-Signature or X-Buildkite-Token",
            });
        };
        if !token_matches(token.as_bytes(), self.secret.expose().as_bytes()) {
            return Err(Error::WrongToken { name: TOKEN_HEADER });
        }
        Ok(())
    }

    /// [Verifies](Self::verify) the request, then decodes its event.
    pub fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Result<Event, Error> {
        self.verify(headers, body)?;
        Event::from_request(headers, body)
    }

    fn check_signature(&self, signature: &Signature<'_>, body: &[u8]) -> Result<(), Error> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.expose().as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(signature.timestamp_text.as_bytes());
        mac.update(b".");
        mac.update(body);
        // `verify_slice` compares in constant time.
        mac.verify_slice(&signature.mac)
            .map_err(|_| Error::WrongSignature)
    }

    fn check_timestamp(&self, timestamp: i64) -> Result<(), Error> {
        let signed = UNIX_EPOCH + Duration::from_secs(timestamp.unsigned_abs());
        let now = (self.clock.0)();
        match now.duration_since(signed) {
            Ok(age) if age > self.replay_window => Err(Error::StaleTimestamp {
                timestamp,
                age,
                window: self.replay_window,
            }),
            Ok(_) => Ok(()),
            Err(ahead) if ahead.duration() > self.clock_skew => Err(Error::FutureTimestamp {
                timestamp,
                ahead: ahead.duration(),
                tolerance: self.clock_skew,
            }),
            Err(_) => Ok(()),
        }
    }
}

/// The `X-Buildkite-Signature` value Buildkite would send for `body` at `timestamp` (seconds
/// since the Unix epoch), signed with `secret`: for testing a receiver.
///
/// ```
/// use http::HeaderMap;
/// use kitelab::webhook::buildkite::{signature_header, Verifier};
///
/// let body = br#"{"event":"ping"}"#;
/// let now = std::time::SystemTime::now()
///     .duration_since(std::time::UNIX_EPOCH)
///     .unwrap()
///     .as_secs() as i64;
/// let mut headers = HeaderMap::new();
/// headers.insert(
///     "x-buildkite-signature",
///     signature_header("s3cret", now, body).parse().unwrap(),
/// );
/// Verifier::new("s3cret").require_signature().verify(&headers, body)?;
/// # Ok::<(), kitelab::webhook::Error>(())
/// ```
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("timestamp={timestamp},signature={hex}")
}

/// A parsed `X-Buildkite-Signature`.
struct Signature<'a> {
    /// The timestamp as sent: it is what was signed.
    timestamp_text: &'a str,
    timestamp: i64,
    mac: [u8; 32],
}

impl<'a> Signature<'a> {
    fn parse(value: &'a str) -> Result<Self, Error> {
        let malformed = |reason: &str| Error::MalformedHeader {
            name: SIGNATURE_HEADER,
            reason: reason.to_owned(),
        };
        let mut timestamp = None;
        let mut signature = None;
        for part in value.split(',') {
            match part.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
                Some(("timestamp", v)) => timestamp = Some(v),
                Some(("signature", v)) => signature = Some(v),
                _ => {}
            }
        }
        let timestamp_text = timestamp.ok_or_else(|| malformed("no `timestamp=`"))?;
        let signature = signature.ok_or_else(|| malformed("no `signature=`"))?;
        let timestamp = timestamp_text
            .parse::<i64>()
            .ok()
            .filter(|t| *t >= 0 && timestamp_text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| malformed("the timestamp is not a number of seconds"))?;
        let mac = hex_32(signature)
            .ok_or_else(|| malformed("the signature is not 64 hexadecimal digits"))?;
        Ok(Self {
            timestamp_text,
            timestamp,
            mac,
        })
    }
}

/// Decodes 64 hexadecimal digits (either case) into 32 bytes.
fn hex_32(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let nibble = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

super::event_enum! {
    /// A Buildkite pipelines webhook event, by its `X-Buildkite-Event` name. The payloads are
    /// the `*WebhookEvent` schemas of `spec/buildkite.yaml`, with the REST API's `Build`,
    /// `Job`, `Pipeline` and `Agent` inside.
    ///
    /// ```
    /// use kitelab::webhook::buildkite::Event;
    ///
    /// let body = br#"{"event": "ping", "service": {"id": "4980", "provider": "webhook"}}"#;
    /// let event = Event::decode("ping", body)?;
    /// assert!(matches!(event, Event::Ping(_)));
    /// assert_eq!(event.name(), "ping");
    /// assert!(matches!(Event::decode("build.teleported", b"{}")?, Event::Unknown { .. }));
    /// # Ok::<(), kitelab::webhook::Error>(())
    /// ```
    types: types;
    /// `ping`: the webhook's settings changed.
    Ping(PingWebhookEvent) = "ping",
    /// `build.scheduled`: a build was scheduled.
    BuildScheduled(BuildWebhookEvent) = "build.scheduled",
    /// `build.running`: a build started running.
    BuildRunning(BuildWebhookEvent) = "build.running",
    /// `build.failing`: a job of a running build failed.
    BuildFailing(BuildWebhookEvent) = "build.failing",
    /// `build.finished`: a build finished (passed, failed, canceled, or blocked with
    /// `blocked: true`).
    BuildFinished(BuildWebhookEvent) = "build.finished",
    /// `build.skipped`: a build was skipped.
    BuildSkipped(BuildWebhookEvent) = "build.skipped",
    /// `job.scheduled`: a command job is waiting for an agent.
    JobScheduled(JobWebhookEvent) = "job.scheduled",
    /// `job.started`: a command job started on an agent.
    JobStarted(JobWebhookEvent) = "job.started",
    /// `job.finished`: a job finished.
    JobFinished(JobWebhookEvent) = "job.finished",
    /// `job.activated`: a block step was unblocked.
    JobActivated(JobWebhookEvent) = "job.activated",
    /// `job.promised_exit_status`: a running job declared the exit status it will end with.
    JobPromisedExitStatus(JobWebhookEvent) = "job.promised_exit_status",
    /// `agent.connected`: an agent connected.
    AgentConnected(AgentWebhookEvent) = "agent.connected",
    /// `agent.lost`: Buildkite stopped hearing from an agent.
    AgentLost(AgentWebhookEvent) = "agent.lost",
    /// `agent.disconnected`: an agent shut down and disconnected.
    AgentDisconnected(AgentWebhookEvent) = "agent.disconnected",
    /// `agent.stopping`: an agent was told to stop and is finishing its job.
    AgentStopping(AgentWebhookEvent) = "agent.stopping",
    /// `agent.stopped`: an agent stopped.
    AgentStopped(AgentWebhookEvent) = "agent.stopped",
    /// `agent.blocked`: an agent's IP address is no longer allowed by its agent token.
    AgentBlocked(AgentWebhookEvent) = "agent.blocked",
    /// `cluster_token.registration_blocked`: an agent registration came from an IP address
    /// its agent token does not allow.
    ClusterTokenRegistrationBlocked(ClusterTokenWebhookEvent) = "cluster_token.registration_blocked",
}

impl Event {
    /// Decodes a request's event, named by `X-Buildkite-Event`, or, without that header, by the
    /// body's `event` field (the header wins when both are present). This checks nothing:
    /// [`Verifier::receive`] verifies first.
    pub fn from_request(headers: &HeaderMap, body: &[u8]) -> Result<Event, Error> {
        let name = match header(headers, EVENT_HEADER)? {
            Some(name) => name.to_owned(),
            None => name_in_body(body).ok_or(Error::MissingHeader { name: EVENT_HEADER })?,
        };
        Event::decode(&name, body)
    }

    /// The build the event is about: build and job events carry one.
    pub fn build(&self) -> Option<&types::Build> {
        self.build_and_pipeline()?.0
    }

    /// The pipeline the event is about: build and job events carry one.
    pub fn pipeline(&self) -> Option<&types::Pipeline> {
        self.build_and_pipeline()?.1
    }

    /// The build and pipeline of a build or job event.
    fn build_and_pipeline(&self) -> Option<(Option<&types::Build>, Option<&types::Pipeline>)> {
        match self {
            Event::BuildScheduled(e)
            | Event::BuildRunning(e)
            | Event::BuildFailing(e)
            | Event::BuildFinished(e)
            | Event::BuildSkipped(e) => Some((Some(&e.build), e.pipeline.as_ref())),
            Event::JobScheduled(e)
            | Event::JobStarted(e)
            | Event::JobFinished(e)
            | Event::JobActivated(e)
            | Event::JobPromisedExitStatus(e) => Some((e.build.as_ref(), e.pipeline.as_ref())),
            _ => None,
        }
    }
}

/// The body's top-level `event` field, if it is a JSON object with one.
fn name_in_body(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Named {
        event: Option<String>,
    }
    serde_json::from_slice::<Named>(body).ok()?.event
}

#[cfg(test)]
mod tests;
