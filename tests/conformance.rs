//! Open models: unknown enum values and unknown fields decode.

use kitelab_api::{buildkite, gitlab};

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

/// Sparse instances (issue 13.4): for every schema an operation answers with, the sparsest
/// instance its spec allows (optional fields absent, nullable ones null) decodes through the
/// generated type. A failure names the schema and the exact path of the field at fault.
#[test]
fn the_sparsest_instance_of_every_response_schema_decodes() {
    use kitelab_tests::conformance::{response_schemas, sparsest, spec};
    type Decode = fn(&str, &serde_json::Value, bool) -> Result<(), String>;
    let services: [(&str, Decode); 2] = [
        ("buildkite", crate::conformance_buildkite::decode),
        ("gitlab", crate::conformance_gitlab::decode),
    ];
    for (service, decode) in services {
        let spec = spec(service);
        let names = response_schemas(&spec);
        assert!(names.len() >= 20, "{service}: only {} schemas", names.len());
        let mut failures = Vec::new();
        for name in &names {
            let instance = sparsest(&spec, &spec["components"]["schemas"][name]);
            if let Err(e) = decode(name, &instance, false) {
                failures.push(format!("{name} {instance}: {e}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{service}: {} of {} sparse instances do not decode:\n{}",
            failures.len(),
            names.len(),
            failures.join("\n")
        );
    }
}
