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
