//! Conformance: every example response in the Buildkite and GitLab docs (saved under
//! `tests/fixtures/`, each with its source) decodes through the generated type of its operation.
//!
//! The operation's response type is read from the spec, so a fixture is checked against what the
//! spec says, not against a hand-kept table. A fixture that does not decode is a spec bug.

use kitelab_api::{buildkite, gitlab};
use kitelab_tests::fixtures;
use serde_json::Value;

/// The response schema of `operation` in `spec`: (schema name, whether it is an array).
/// `None` when the operation answers with no JSON body.
fn response_schema(spec: &Value, operation: &str) -> Option<(String, bool)> {
    for item in spec["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if op.get("operationId").and_then(Value::as_str) != Some(operation) {
                continue;
            }
            let responses = op["responses"].as_object().expect("responses");
            let (_, success) = responses
                .iter()
                .find(|(status, _)| status.starts_with('2'))
                .expect("a 2xx response");
            let schema = success.pointer("/content/application~1json/schema")?;
            let (reference, array) = match schema.get("items") {
                Some(items) => (items["$ref"].as_str(), true),
                None => (schema["$ref"].as_str(), false),
            };
            let name = reference
                .expect("a $ref schema")
                .rsplit('/')
                .next()
                .expect("a name");
            return Some((name.to_owned(), array));
        }
    }
    panic!("no operation {operation} in the spec")
}

fn spec(service: &str) -> Value {
    let path = format!("{}/../spec/{service}.yaml", env!("CARGO_MANIFEST_DIR"));
    let yaml: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(&path).expect("spec")).expect("YAML");
    // Through text, so that any YAML scalar key (`200:`) becomes a JSON string key.
    serde_json::to_value(&yaml).expect("spec as JSON")
}

/// Decodes `body` as `T` (or `Vec<T>`), reporting the JSON path of a failure.
fn decode<T: serde::de::DeserializeOwned>(body: &Value, array: bool) -> Result<(), String> {
    let text = body.to_string();
    let result = if array {
        serde_json::from_str::<Vec<T>>(&text).map(drop)
    } else {
        serde_json::from_str::<T>(&text).map(drop)
    };
    result.map_err(|e| e.to_string())
}

macro_rules! decoder {
    ($module:ident: $($name:ident),* $(,)?) => {
        |schema: &str, body: &Value, array: bool| -> Result<(), String> {
            match schema {
                $( stringify!($name) => decode::<$module::types::$name>(body, array), )*
                other => Err(format!("the test has no decoder for schema {other}: add it to the decoder! list")),
            }
        }
    };
}

fn check(service: &str, decode: impl Fn(&str, &Value, bool) -> Result<(), String>) {
    let spec = spec(service);
    let fixtures = fixtures(service);
    assert!(
        fixtures.len() >= 20,
        "{service}: only {} fixtures",
        fixtures.len()
    );
    let mut failures = Vec::new();
    let mut decoded = 0;
    for (file, fixture) in &fixtures {
        assert!(!fixture.source.is_empty(), "{file}: no source");
        match response_schema(&spec, &fixture.operation) {
            Some((schema, array)) => match decode(&schema, &fixture.body, array) {
                Ok(()) => decoded += 1,
                Err(e) => failures.push(format!(
                    "{file} ({} as {schema}{}): {e}",
                    fixture.operation,
                    if array { "[]" } else { "" }
                )),
            },
            // An operation with no JSON body: its fixture records why the docs show one.
            None => assert!(
                fixture.body.is_null() && fixture.fixes.is_some(),
                "{file}: {} answers no JSON body, but the fixture has one and says nothing of it",
                fixture.operation
            ),
        }
    }
    assert!(
        failures.is_empty(),
        "{service}: {} of {} fixtures do not decode:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
    assert!(decoded >= 20, "{service}: only {decoded} fixtures decoded");
}

#[test]
fn every_buildkite_docs_example_decodes_through_its_operation_type() {
    check(
        "buildkite",
        decoder!(buildkite: AccessToken, Agent, Annotation, Artifact, Build, Emoji, Job, JobEnv, JobLog, Meta, Organization, Pipeline, Team, User),
    );
}

#[test]
fn every_gitlab_docs_example_decodes_through_its_operation_type() {
    check(
        "gitlab",
        decoder!(gitlab: Job, Message, Pipeline, PipelineBasic, PipelineSchedule, Trigger, Variable),
    );
}

#[test]
fn unknown_enum_values_and_fields_decode() {
    let mut build = kitelab_tests::fixture_body("buildkite", "getBuild");
    build["state"] = "teleporting".into();
    build["a_field_from_the_future"] = serde_json::json!({"x": 1});
    let build: buildkite::types::Build = serde_json::from_value(build).expect("decodes");
    assert_eq!(
        build.state,
        buildkite::types::BuildState::Unrecognized("teleporting".into())
    );
    assert_eq!(build.state.to_string(), "teleporting");

    let mut job = kitelab_tests::fixture_body("gitlab", "getJob");
    job["status"] = "hibernating".into();
    let job: gitlab::types::Job = serde_json::from_value(job).expect("decodes");
    assert_eq!(job.status.as_str(), "hibernating");
    assert!(!job.status.is_known());
}
