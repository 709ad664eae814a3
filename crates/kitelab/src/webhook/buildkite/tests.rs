use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};

use super::*;
use crate::webhook::fixtures::{fixtures, Fixture};

const SECRET: &str = "my-webhook-token";
/// The timestamp of the docs' example signature header.
const NOW: u64 = 1_619_071_700;
const BODY: &[u8] = br#"{"event":"ping"}"#;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// A verifier whose clock reads `NOW`.
fn verifier() -> Verifier {
    Verifier::new(SECRET).clock(|| at(NOW))
}

fn sign(secret: &str, timestamp: u64, body: &[u8]) -> String {
    signature_header(secret, timestamp as i64, body)
}

fn signed(secret: &str, timestamp: u64, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-buildkite-signature",
        sign(secret, timestamp, body).parse().unwrap(),
    );
    headers.insert("x-buildkite-event", "ping".parse().unwrap());
    headers
}

fn with_token(token: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-buildkite-token", token.parse().unwrap());
    headers.insert("x-buildkite-event", "ping".parse().unwrap());
    headers
}

#[test]
fn a_signed_request_is_accepted() {
    verifier().verify(&signed(SECRET, NOW, BODY), BODY).unwrap();
}

#[test]
fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
    // Computed independently (Python's hmac) for this secret, timestamp and body.
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-buildkite-signature",
        HeaderValue::from_static(
            "timestamp=1619071700, signature=db7dd8a446d9035de73a55191643c0808f30df22970089f2e14f826658a97198",
        ),
    );
    verifier().verify(&headers, BODY).unwrap();
}

#[test]
fn a_tampered_body_is_refused() {
    let headers = signed(SECRET, NOW, BODY);
    let tampered = br#"{"event":"pong"}"#;
    assert_eq!(
        verifier().verify(&headers, tampered),
        Err(Error::WrongSignature)
    );
}

#[test]
fn a_signature_made_with_another_secret_is_refused() {
    let headers = signed("not-the-secret", NOW, BODY);
    assert_eq!(
        verifier().verify(&headers, BODY),
        Err(Error::WrongSignature)
    );
}

#[test]
fn a_signature_moved_to_another_timestamp_is_refused() {
    let genuine = sign(SECRET, NOW, BODY);
    let moved = genuine.replace(&NOW.to_string(), &(NOW + 1).to_string());
    let mut headers = HeaderMap::new();
    headers.insert("x-buildkite-signature", moved.parse().unwrap());
    assert_eq!(
        verifier().verify(&headers, BODY),
        Err(Error::WrongSignature)
    );
}

#[test]
fn a_replayed_request_is_refused_once_the_window_has_passed() {
    let headers = signed(SECRET, NOW, BODY);
    // Just inside the default 5 minutes.
    let late = Verifier::new(SECRET).clock(|| at(NOW + 300));
    late.verify(&headers, BODY).unwrap();
    // Just outside.
    let replayed = Verifier::new(SECRET).clock(|| at(NOW + 301));
    assert_eq!(
        replayed.verify(&headers, BODY),
        Err(Error::StaleTimestamp {
            timestamp: NOW as i64,
            age: Duration::from_secs(301),
            window: DEFAULT_REPLAY_WINDOW,
        })
    );
    // A shorter window refuses sooner.
    let strict = replayed.replay_window(Duration::from_secs(30));
    assert!(matches!(
        strict.clock(|| at(NOW + 31)).verify(&headers, BODY),
        Err(Error::StaleTimestamp { .. })
    ));
}

#[test]
fn a_timestamp_from_the_future_is_refused_beyond_the_clock_skew() {
    let ahead = signed(SECRET, NOW + 60, BODY);
    verifier().verify(&ahead, BODY).unwrap();
    let too_far = signed(SECRET, NOW + 61, BODY);
    assert_eq!(
        verifier().verify(&too_far, BODY),
        Err(Error::FutureTimestamp {
            timestamp: (NOW + 61) as i64,
            ahead: Duration::from_secs(61),
            tolerance: DEFAULT_CLOCK_SKEW,
        })
    );
    let lenient = verifier().clock_skew(Duration::from_secs(120));
    lenient.verify(&too_far, BODY).unwrap();
}

#[test]
fn the_timestamp_is_judged_only_once_the_signature_is_authentic() {
    // A forged, stale request is reported as forged.
    let headers = signed("not-the-secret", NOW - 3600, BODY);
    assert_eq!(
        verifier().verify(&headers, BODY),
        Err(Error::WrongSignature)
    );
}

#[test]
fn the_token_is_accepted_when_right_and_refused_when_wrong() {
    verifier().verify(&with_token(SECRET), BODY).unwrap();
    assert_eq!(
        verifier().verify(&with_token("my-webhook-tokeN"), BODY),
        Err(Error::WrongToken { name: TOKEN_HEADER })
    );
    assert_eq!(
        verifier().verify(&with_token("my-webhook-token-and-more"), BODY),
        Err(Error::WrongToken { name: TOKEN_HEADER })
    );
}

#[test]
fn require_signature_refuses_a_token() {
    let strict = verifier().require_signature();
    assert_eq!(
        strict.verify(&with_token(SECRET), BODY),
        Err(Error::MissingHeader {
            name: SIGNATURE_HEADER
        })
    );
    strict.verify(&signed(SECRET, NOW, BODY), BODY).unwrap();
}

#[test]
fn a_request_with_neither_header_is_refused() {
    let mut headers = HeaderMap::new();
    headers.insert("x-buildkite-event", "ping".parse().unwrap());
    assert!(matches!(
        verifier().verify(&headers, BODY),
        Err(Error::MissingHeader { name }) if name.contains("X-Buildkite-Token")
    ));
}

#[test]
fn malformed_signature_headers_are_refused_with_the_reason() {
    let hex = "a".repeat(64);
    for (value, reason) in [
        (format!("signature={hex}"), "timestamp"),
        ("timestamp=1619071700".to_owned(), "signature"),
        (format!("timestamp=soon,signature={hex}"), "number"),
        (format!("timestamp=-5,signature={hex}"), "number"),
        ("timestamp=1619071700,signature=abc".to_owned(), "64"),
        (
            format!("timestamp=1619071700,signature={}", "g".repeat(64)),
            "64",
        ),
        ("sha256=deadbeef".to_owned(), "timestamp"),
    ] {
        let mut headers = HeaderMap::new();
        headers.insert("x-buildkite-signature", value.parse().unwrap());
        match verifier().verify(&headers, BODY) {
            Err(Error::MalformedHeader { name, reason: r }) => {
                assert_eq!(name, SIGNATURE_HEADER);
                assert!(r.contains(reason), "{value}: {r}");
            }
            other => panic!("{value}: {other:?}"),
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-buildkite-signature",
        HeaderValue::from_bytes(b"timestamp=\xff").unwrap(),
    );
    assert!(matches!(
        verifier().verify(&headers, BODY),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn an_oversized_body_is_refused_before_it_is_hashed() {
    let body = vec![b' '; 1025];
    let headers = signed(SECRET, NOW, &body);
    let small = verifier().max_body_size(1024);
    assert_eq!(
        small.verify(&headers, &body),
        Err(Error::BodyTooLarge {
            size: 1025,
            limit: 1024
        })
    );
    small.verify(&headers, &body[..1024]).unwrap_err();
    verifier()
        .max_body_size(1025)
        .verify(&headers, &body)
        .unwrap();
    // Even without credentials, size comes first.
    assert!(matches!(
        small.verify(&HeaderMap::new(), &body),
        Err(Error::BodyTooLarge { .. })
    ));
}

#[test]
fn neither_debug_nor_errors_show_the_secret() {
    let v = verifier();
    assert!(!format!("{v:?}").contains(SECRET));
    let errors = [
        v.verify(&with_token("my-webhook-tokeX"), BODY).unwrap_err(),
        v.verify(&signed("x", NOW, BODY), BODY).unwrap_err(),
        v.verify(&HeaderMap::new(), BODY).unwrap_err(),
    ];
    for e in errors {
        assert!(!e.to_string().contains(SECRET));
        assert!(!format!("{e:?}").contains(SECRET));
    }
}

#[test]
fn receive_verifies_then_decodes() {
    let body = br#"{"event":"build.finished","build":{"id":"b1","url":"u","web_url":"w","number":7,"state":"failed"}}"#;
    let mut headers = signed(SECRET, NOW, body);
    headers.insert("x-buildkite-event", "build.finished".parse().unwrap());
    match verifier().receive(&headers, body).unwrap() {
        Event::BuildFinished(e) => {
            assert_eq!(e.build.number, 7);
            assert_eq!(e.build.state, types::BuildState::Failed);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        verifier().receive(&headers, &body[1..]),
        Err(Error::WrongSignature)
    );
}

#[test]
fn unknown_events_keep_their_name_and_body() {
    let body = br#"{"event":"build.teleported","build":{}}"#;
    let mut headers = HeaderMap::new();
    headers.insert("x-buildkite-event", "build.teleported".parse().unwrap());
    let event = Event::from_request(&headers, body).unwrap();
    assert_eq!(
        event,
        Event::Unknown {
            name: "build.teleported".into(),
            body: bytes::Bytes::from_static(body),
        }
    );
    assert_eq!(event.name(), "build.teleported");
}

#[test]
fn the_header_names_the_event_and_the_body_stands_in_for_it() {
    let body = br#"{"event":"agent.lost","agent":{"id":"a1"}}"#;
    // No header: the body's `event`.
    let event = Event::from_request(&HeaderMap::new(), body).unwrap();
    assert!(matches!(event, Event::AgentLost(_)));
    // Header and body disagree: the header wins.
    let mut headers = HeaderMap::new();
    headers.insert("x-buildkite-event", "agent.stopped".parse().unwrap());
    let event = Event::from_request(&headers, body).unwrap();
    assert!(matches!(event, Event::AgentStopped(_)));
    // Neither.
    assert_eq!(
        Event::from_request(&HeaderMap::new(), br#"{"agent":{"id":"a1"}}"#),
        Err(Error::MissingHeader { name: EVENT_HEADER })
    );
}

#[test]
fn an_undecodable_payload_names_the_event_and_the_path() {
    let body = br#"{"event":"build.finished","build":{"id":"b1","url":"u","web_url":"w","number":"seven","state":"failed"}}"#;
    match Event::decode("build.finished", body) {
        Err(Error::Decode {
            event,
            path,
            message,
        }) => {
            assert_eq!(event, "build.finished");
            assert_eq!(path, "build.number");
            assert!(message.contains("string"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Event::decode("ping", b"not json"),
        Err(Error::Decode { .. })
    ));
}

#[test]
fn every_documented_event_has_a_variant() {
    // The list on https://buildkite.com/docs/apis/webhooks/pipelines#events.
    let names = [
        "ping",
        "build.scheduled",
        "build.running",
        "build.failing",
        "build.finished",
        "build.skipped",
        "job.scheduled",
        "job.started",
        "job.finished",
        "job.activated",
        "job.promised_exit_status",
        "agent.connected",
        "agent.lost",
        "agent.disconnected",
        "agent.stopping",
        "agent.stopped",
        "agent.blocked",
        "cluster_token.registration_blocked",
    ];
    let minimal = br#"{"build":{"id":"b","url":"u","web_url":"w","number":1,"state":"passed"},
        "job":{"id":"j","type":"script","state":"passed"},"agent":{"id":"a"},
        "cluster_token":{"id":"t"}}"#;
    for name in names {
        let event = Event::decode(name, minimal).unwrap();
        assert!(
            !matches!(event, Event::Unknown { .. }),
            "{name} is not known"
        );
        assert_eq!(event.name(), name);
    }
}

#[test]
fn the_docs_payloads_verify_and_decode_to_their_variants() {
    let fixtures = fixtures("buildkite");
    assert!(fixtures.len() >= 10, "{} fixtures", fixtures.len());
    for (path, fixture) in fixtures {
        let body = serde_json::to_vec(&fixture.body).unwrap();
        let mut headers = signed(SECRET, NOW, &body);
        headers.insert("x-buildkite-event", fixture.event.parse().unwrap());
        let event = verifier()
            .receive(&headers, &body)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let variant = format!("{event:?}");
        assert!(
            variant.starts_with(&format!("{}(", fixture.variant)),
            "{path}: decoded as {}",
            variant.split('(').next().unwrap_or("?")
        );
        assert_eq!(event.name(), fixture.event, "{path}");
    }
}

#[test]
fn the_docs_payloads_keep_their_facts() {
    let body = std::fs::read(format!(
        "{}/fixtures/webhooks/buildkite/agent.blocked.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let fixture: Fixture = serde_json::from_slice(&body).unwrap();
    let body = serde_json::to_vec(&fixture.body).unwrap();
    let Event::AgentBlocked(e) = Event::decode("agent.blocked", &body).unwrap() else {
        panic!("not agent.blocked")
    };
    assert_eq!(e.blocked_ip.as_deref(), Some("202.188.43.20"));
    assert!(e.cluster_token.is_some());
    assert_eq!(e.sender.unwrap().id, "8a7693f8-dbae-4783-9137-84090fce9045");
}

#[test]
fn build_and_job_events_name_their_build_and_pipeline() {
    let body = br#"{"job":{"id":"j","type":"script","state":"running"},
        "build":{"id":"b","url":"u","web_url":"w","number":2,"state":"running"},
        "pipeline":{"id":"p","url":"u","name":"My Pipeline","slug":"my-pipeline"}}"#;
    let event = Event::decode("job.started", body).unwrap();
    assert_eq!(event.build().map(|b| b.number), Some(2));
    assert_eq!(
        event.pipeline().map(|p| p.slug.as_str()),
        Some("my-pipeline")
    );
    let ping = Event::decode("ping", br#"{"event":"ping"}"#).unwrap();
    assert!(ping.build().is_none() && ping.pipeline().is_none());
}
