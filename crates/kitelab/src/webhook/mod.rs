//! Webhooks: verify that a request really comes from Buildkite or GitLab, then read its event as
//! a typed value.
//!
//! A receiver hands the request's headers ([`http::HeaderMap`]) and its raw body bytes to a
//! service's `Verifier`; nothing here depends on a web framework, so any server (hyper, axum,
//! actix, a Lambda) can use it. Verification comes first, on the bytes as received: a body
//! re-serialized by a framework would no longer match its signature.
//!
//! - [`buildkite::Verifier`] checks `X-Buildkite-Signature` (HMAC-SHA256 of
//!   `{timestamp}.{body}`, with a replay window) or `X-Buildkite-Token`, and decodes a
//!   [`buildkite::Event`] named by `X-Buildkite-Event`.
//! - [`gitlab::Verifier`] checks `X-Gitlab-Token`, reads the [`gitlab::Delivery`] identifiers
//!   GitLab sends for idempotency, and decodes a [`gitlab::Event`] named by `X-Gitlab-Event`.
//!
//! Secrets are compared in constant time, with RustCrypto's `hmac`, `sha2` and `subtle`. Every
//! failure is one [`Error`] variant, and neither it nor a verifier's `Debug` output ever shows a
//! secret. Event payloads are the component schemas of `spec/buildkite.yaml` and
//! `spec/gitlab.yaml`, generated like the REST models; an event this version does not know
//! arrives as an `Unknown` variant with its name and body, not as an error.
//!
//! ```
//! use http::HeaderMap;
//! use kitelab::webhook::buildkite::{Event, Verifier};
//!
//! # fn handle(headers: &HeaderMap, body: &[u8]) -> Result<(), kitelab::webhook::Error> {
//! let verifier = Verifier::new("my-webhook-token");
//! match verifier.receive(headers, body)? {
//!     Event::BuildFinished(e) => println!("build #{} {}", e.build.number, e.build.state),
//!     Event::Unknown { name, .. } => println!("ignored {name}"),
//!     other => println!("{}", other.name()),
//! }
//! # Ok(()) }
//! # let mut headers = HeaderMap::new();
//! # headers.insert("x-buildkite-token", "my-webhook-token".parse().unwrap());
//! # headers.insert("x-buildkite-event", "ping".parse().unwrap());
//! # handle(&headers, br#"{"event":"ping"}"#).unwrap();
//! ```

// Without either service there is nothing to verify; the shared checks go unused.
#![cfg_attr(not(any(feature = "buildkite", feature = "gitlab")), allow(dead_code))]

#[cfg(feature = "buildkite")]
pub mod buildkite;
#[cfg(feature = "gitlab")]
pub mod gitlab;

use std::fmt;
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The largest body a verifier accepts unless told otherwise: 25 MiB, far above any event
/// either service documents, and a bound on what a forged request can make the receiver hash.
pub const DEFAULT_MAX_BODY_SIZE: usize = 25 * 1024 * 1024;

/// Why a webhook request was refused. Nothing in it, `Display` or `Debug`, is a secret: a wrong
/// token is reported without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A header the check needs is absent.
    MissingHeader {
        /// The header (or headers, `A or B`) expected.
        name: &'static str,
    },
    /// A header is present but cannot be read: not text, or not in its documented form.
    MalformedHeader {
        /// The header.
        name: &'static str,
        /// What is wrong with it (never its value when the header carries a secret).
        reason: String,
    },
    /// The token header does not match the secret.
    WrongToken {
        /// The header that carried it.
        name: &'static str,
    },
    /// The signature does not match the body and timestamp: tampered, or signed with another
    /// secret.
    WrongSignature,
    /// The signature is authentic but older than the replay window: a replay, or a delivery
    /// held up for too long.
    StaleTimestamp {
        /// The signed timestamp (seconds since the Unix epoch).
        timestamp: i64,
        /// How old it is.
        age: Duration,
        /// The window it fell outside of.
        window: Duration,
    },
    /// The signature is authentic but its timestamp is further in the future than the clock
    /// skew allowed: a clock is wrong, or the request was forged ahead of time.
    FutureTimestamp {
        /// The signed timestamp (seconds since the Unix epoch).
        timestamp: i64,
        /// How far ahead of the receiver's clock it is.
        ahead: Duration,
        /// The skew allowed.
        tolerance: Duration,
    },
    /// The body is larger than the verifier accepts; it was neither hashed nor parsed.
    BodyTooLarge {
        /// The body's size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The request is authentic but its body is not the event it says it is.
    Decode {
        /// The event name.
        event: String,
        /// Where in the JSON the problem is (`build.number`); empty at the top level.
        path: String,
        /// serde's message.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingHeader { name } => write!(f, "webhook request has no {name} header"),
            Error::MalformedHeader { name, reason } => {
                write!(f, "webhook header {name} is malformed: {reason}")
            }
            Error::WrongToken { name } => {
                write!(f, "webhook token in {name} does not match the secret")
            }
            Error::WrongSignature => {
                f.write_str("webhook signature does not match the body and the secret")
            }
            Error::StaleTimestamp {
                timestamp,
                age,
                window,
            } => write!(
                f,
                "webhook signature timestamp {timestamp} is {}s old, outside the {}s replay window",
                age.as_secs(),
                window.as_secs()
            ),
            Error::FutureTimestamp {
                timestamp,
                ahead,
                tolerance,
            } => write!(
                f,
                "webhook signature timestamp {timestamp} is {}s in the future (allowed: {}s)",
                ahead.as_secs(),
                tolerance.as_secs()
            ),
            Error::BodyTooLarge { size, limit } => write!(
                f,
                "webhook body of {size} bytes is larger than the {limit} bytes accepted"
            ),
            Error::Decode {
                event,
                path,
                message,
            } => {
                write!(f, "webhook event `{event}` cannot be decoded")?;
                if !path.is_empty() {
                    write!(f, " at `{path}`")?;
                }
                write!(f, ": {message}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Whether the request failed authentication (a missing, malformed or wrong token or
    /// signature, or a timestamp outside the window): answer it `401`. The other failures
    /// (oversized or undecodable bodies) come from authentic or unchecked requests.
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            Error::MissingHeader { .. }
                | Error::MalformedHeader { .. }
                | Error::WrongToken { .. }
                | Error::WrongSignature
                | Error::StaleTimestamp { .. }
                | Error::FutureTimestamp { .. }
        )
    }
}

/// The time a verifier judges timestamps by: [`SystemTime::now`] unless a test injects another.
#[derive(Clone)]
pub(crate) struct Clock(pub(crate) std::sync::Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl Default for Clock {
    fn default() -> Self {
        Clock(std::sync::Arc::new(SystemTime::now))
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Declares a service's event enum from a table of `Variant(PayloadType) = "wire name" | "alias"`:
/// the enum, its `Unknown` arm, `name()` and `decode()`, so that each name is written once.
macro_rules! event_enum {
    (
        $(#[$meta:meta])*
        types: $types:ident;
        $( $(#[$doc:meta])* $variant:ident($payload:ident) = $name:literal $(| $alias:literal)*, )*
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            $( $(#[$doc])* $variant($types::$payload), )*
            /// An event this version does not know: its name and its body, undecoded.
            Unknown {
                /// The event name.
                name: String,
                /// The raw body.
                body: bytes::Bytes,
            },
        }

        impl Event {
            /// The event's name as the service sends it in its event header.
            pub fn name(&self) -> &str {
                match self {
                    $( Event::$variant(_) => $name, )*
                    Event::Unknown { name, .. } => name,
                }
            }

            /// Decodes a body as the event `name`; an unknown name gives [`Event::Unknown`].
            /// This checks nothing: verify the request first.
            pub fn decode(name: &str, body: &[u8]) -> Result<Event, crate::webhook::Error> {
                Ok(match name {
                    $( $name $(| $alias)* => Event::$variant(crate::webhook::decode(name, body)?), )*
                    _ => Event::Unknown {
                        name: name.to_owned(),
                        body: bytes::Bytes::copy_from_slice(body),
                    },
                })
            }
        }
    };
}
pub(crate) use event_enum;

/// A header as text; `Ok(None)` when absent.
fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<Option<&'a str>, Error> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.trim()))
            .map_err(|_| Error::MalformedHeader {
                name,
                reason: "not visible ASCII text".into(),
            }),
    }
}

/// Compares a token sent by the caller with the secret in constant time. Both are hashed
/// first, so that the comparison takes the same time whatever their lengths.
fn token_matches(sent: &[u8], secret: &[u8]) -> bool {
    let sent = Sha256::digest(sent);
    let secret = Sha256::digest(secret);
    sent.ct_eq(&secret).into()
}

/// Refuses a body over `limit` bytes.
fn check_size(body: &[u8], limit: usize) -> Result<(), Error> {
    if body.len() > limit {
        return Err(Error::BodyTooLarge {
            size: body.len(),
            limit,
        });
    }
    Ok(())
}

/// Decodes an event's body, with the JSON path of the problem on failure.
fn decode<T: DeserializeOwned>(event: &str, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        event: event.to_owned(),
        path: crate::error::json_path_at(body, e.line(), e.column()),
        message: e.to_string(),
    })
}

/// The docs' example payloads, for the services' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    /// A saved docs payload: `crates/kitelab/fixtures/webhooks/<service>/*.json` (packaged with the crate).
    #[derive(serde::Deserialize)]
    pub(crate) struct Fixture {
        pub(crate) event: String,
        pub(crate) variant: String,
        pub(crate) body: serde_json::Value,
    }

    pub(crate) fn fixtures(service: &str) -> Vec<(String, Fixture)> {
        let dir = format!("{}/fixtures/webhooks/{service}", env!("CARGO_MANIFEST_DIR"));
        let mut found: Vec<(String, Fixture)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|entry| {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                let fixture = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (path.display().to_string(), fixture)
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(token_matches(b"s3cret", b"s3cret"));
        assert!(!token_matches(b"s3cret", b"s3cres"));
        assert!(!token_matches(b"s3cret", b"s3cret "));
        assert!(!token_matches(b"", b"s3cret"));
    }

    #[test]
    fn errors_say_what_failed_and_which_header() {
        let e = Error::MissingHeader {
            name: "X-Gitlab-Token",
        };
        assert_eq!(
            e.to_string(),
            "webhook request has no X-Gitlab-Token header"
        );
        assert!(e.is_unauthorized());
        let e = Error::BodyTooLarge { size: 10, limit: 5 };
        assert!(e.to_string().contains("10 bytes"));
        assert!(!e.is_unauthorized());
    }

    #[test]
    fn decode_errors_name_the_json_path() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            build: Inner,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            number: i64,
        }
        let e = decode::<Outer>("build.finished", br#"{"build": {"number": "x"}}"#).unwrap_err();
        match e {
            Error::Decode { event, path, .. } => {
                assert_eq!(event, "build.finished");
                assert_eq!(path, "build.number");
            }
            other => panic!("{other:?}"),
        }
    }
}
