use http::{HeaderMap, HeaderValue};

use super::*;
use crate::webhook::fixtures::fixtures;

const SECRET: &str = "glwt-s3cret";

fn request(token: &str, event: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-gitlab-token", token.parse().unwrap());
    headers.insert("x-gitlab-event", event.parse().unwrap());
    headers
}

#[test]
fn the_right_token_is_accepted_and_a_wrong_one_refused() {
    let verifier = Verifier::new(SECRET);
    verifier
        .verify(&request(SECRET, "Push Hook"), b"{}")
        .unwrap();
    for wrong in ["glwt-s3creT", "glwt-s3cret2", "", "glwt"] {
        assert_eq!(
            verifier.verify(&request(wrong, "Push Hook"), b"{}"),
            Err(Error::WrongToken { name: TOKEN_HEADER }),
            "{wrong:?}"
        );
    }
}

#[test]
fn a_request_without_a_token_is_refused() {
    let mut headers = HeaderMap::new();
    headers.insert("x-gitlab-event", "Push Hook".parse().unwrap());
    assert_eq!(
        Verifier::new(SECRET).verify(&headers, b"{}"),
        Err(Error::MissingHeader { name: TOKEN_HEADER })
    );
}

#[test]
fn an_oversized_body_is_refused() {
    let verifier = Verifier::new(SECRET).max_body_size(8);
    let headers = request(SECRET, "Push Hook");
    assert_eq!(
        verifier.verify(&headers, b"123456789"),
        Err(Error::BodyTooLarge { size: 9, limit: 8 })
    );
    verifier.verify(&headers, b"12345678").unwrap();
}

#[test]
fn neither_debug_nor_errors_show_the_secret() {
    let verifier = Verifier::new(SECRET);
    assert!(!format!("{verifier:?}").contains(SECRET));
    let e = verifier
        .verify(&request("glwt-s3creX", "Push Hook"), b"{}")
        .unwrap_err();
    assert!(!e.to_string().contains("s3cre"));
    assert!(!format!("{e:?}").contains("s3cre"));
}

#[test]
fn the_delivery_identifiers_are_exposed() {
    let mut headers = request(SECRET, "Push Hook");
    headers.insert(
        "idempotency-key",
        "a5461c4d-9c7f-4af9-add6-cddebe3c426f".parse().unwrap(),
    );
    headers.insert(
        "x-gitlab-webhook-uuid",
        "3c5c0404-c866-44bc-a5f6-452bb1bfc76e".parse().unwrap(),
    );
    headers.insert(
        "x-gitlab-event-uuid",
        "9cebe914-4827-408f-b014-cfa23a47a35f".parse().unwrap(),
    );
    headers.insert(
        "x-gitlab-instance",
        "https://gitlab.example.com".parse().unwrap(),
    );
    let delivery = Verifier::new(SECRET).verify(&headers, b"{}").unwrap();
    assert_eq!(
        delivery,
        Delivery {
            event_uuid: Some("9cebe914-4827-408f-b014-cfa23a47a35f".into()),
            webhook_uuid: Some("3c5c0404-c866-44bc-a5f6-452bb1bfc76e".into()),
            idempotency_key: Some("a5461c4d-9c7f-4af9-add6-cddebe3c426f".into()),
            instance: Some("https://gitlab.example.com".into()),
        }
    );
    assert_eq!(
        Delivery::from_headers(&HeaderMap::new()),
        Delivery::default()
    );
}

#[test]
fn unknown_events_keep_their_name_and_body() {
    let body = br#"{"object_kind":"emoji","event_type":"award"}"#;
    let received = Verifier::new(SECRET)
        .receive(&request(SECRET, "Emoji Hook"), body)
        .unwrap();
    assert_eq!(
        received.event,
        Event::Unknown {
            name: "Emoji Hook".into(),
            body: bytes::Bytes::from_static(body),
        }
    );
}

#[test]
fn the_header_names_the_event_and_object_kind_stands_in_for_it() {
    let body = br#"{"object_kind":"deployment","deployment_id":15}"#;
    let event = Event::from_request(&HeaderMap::new(), body).unwrap();
    assert!(matches!(event, Event::Deployment(_)));
    assert_eq!(event.name(), "Deployment Hook");
    // System hooks name the kind in the body only.
    let mut headers = HeaderMap::new();
    headers.insert("x-gitlab-event", "System Hook".parse().unwrap());
    let event = Event::from_request(&headers, body).unwrap();
    assert!(matches!(event, Event::Deployment(_)));
    // The header wins over the body.
    let body = br#"{"object_kind":"push"}"#;
    let event = Event::from_request(&request(SECRET, "Tag Push Hook"), body).unwrap();
    assert!(matches!(event, Event::TagPush(_)));
    assert_eq!(
        Event::from_request(&HeaderMap::new(), b"{}"),
        Err(Error::MissingHeader { name: EVENT_HEADER })
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-gitlab-event",
        HeaderValue::from_bytes(b"Pipeline \xff").unwrap(),
    );
    assert!(matches!(
        Event::from_request(&headers, b"{}"),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn an_undecodable_payload_names_the_path() {
    let body = br#"{"object_kind":"pipeline","object_attributes":{"id":"thirty-one"}}"#;
    match Event::decode("Pipeline Hook", body) {
        Err(Error::Decode { event, path, .. }) => {
            assert_eq!(event, "Pipeline Hook");
            assert_eq!(path, "object_attributes.id");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_docs_payloads_verify_and_decode_to_their_variants() {
    let fixtures = fixtures("gitlab");
    assert!(fixtures.len() >= 7, "{} fixtures", fixtures.len());
    for (path, fixture) in fixtures {
        let body = serde_json::to_vec(&fixture.body).unwrap();
        let received = Verifier::new(SECRET)
            .receive(&request(SECRET, &fixture.event), &body)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let variant = format!("{:?}", received.event);
        assert!(
            variant.starts_with(&format!("{}(", fixture.variant)),
            "{path}: decoded as {}",
            variant.split('(').next().unwrap_or("?")
        );
        assert_eq!(received.event.name(), fixture.event, "{path}");
        // The body's object_kind names the same event.
        let by_kind = Event::from_request(&HeaderMap::new(), &body).unwrap();
        assert_eq!(by_kind, received.event, "{path}");
    }
}

#[test]
fn the_docs_pipeline_payload_keeps_its_facts() {
    let fixture = fixtures("gitlab")
        .into_iter()
        .find(|(path, _)| path.ends_with("/pipeline.json"))
        .unwrap()
        .1;
    let body = serde_json::to_vec(&fixture.body).unwrap();
    let Event::Pipeline(p) = Event::decode("Pipeline Hook", &body).unwrap() else {
        panic!("not a pipeline")
    };
    assert_eq!(p.object_attributes.id, 31);
    assert_eq!(
        p.object_attributes.status,
        Some(types::PipelineStatus::Success)
    );
    let failed: Vec<_> = p
        .builds
        .iter()
        .flatten()
        .filter(|b| b.status == Some(types::JobStatus::Failed))
        .map(|b| b.name.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(failed, ["test-build"]);
}
