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

/// Sparse instances from the vendors (issue 13.4): for every object of the fact table
/// `spec/upstream/facts.tsv` (GitLab's JSON Schemas, go-buildkite's structs), the sparsest
/// instance upstream allows decodes through the matching generated type: every field upstream
/// leaves optional absent, every nullable one null, the others the smallest of their type. The
/// fields the tolerance policy still requires (identity fields, `REQUIRABLE`: the differences
/// `cargo xtask upstream` accepts, as go-buildkite's structs mark nothing required) are sent
/// too. An object field that upstream describes by reference gets the sparsest instance of the
/// spec's schema for it.
#[test]
fn the_sparsest_upstream_instance_of_every_object_in_the_fact_table_decodes() {
    use std::collections::BTreeMap;

    use kitelab_tests::conformance::{sparsest, spec};
    use kitelab_tests::decoder;
    use serde_json::{Map, Value};

    let path = format!("{}/../spec/upstream/facts.tsv", env!("CARGO_MANIFEST_DIR"));
    let facts = std::fs::read_to_string(path).expect("the fact table");
    // (service, component) -> [(field, type, nullable, required)]
    let mut objects: BTreeMap<(String, String), Vec<[String; 4]>> = BTreeMap::new();
    for line in facts.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        objects
            .entry((cols[0].into(), cols[1].into()))
            .or_default()
            .push([
                cols[2].into(),
                cols[3].into(),
                cols[4].into(),
                cols[5].into(),
            ]);
    }
    let specs: BTreeMap<&str, Value> =
        [("buildkite", spec("buildkite")), ("gitlab", spec("gitlab"))]
            .into_iter()
            .collect();
    let buildkite = decoder!(
        buildkite: AccessToken, Agent, Annotation, Artifact, Author, Build, Cluster, ClusterQueue,
        ClusterToken, Creator, Emoji, FlakyTest, Job, Meta, Organization, OrganizationRateLimit,
        Package, PackageRegistry, Pipeline, PipelineSchedule, PipelineTemplate, RateLimitWindow,
        Rule, Step, Team, Test, TestRun, TestSuite, TriggeredFrom, User,
    );
    let gitlab = decoder!(
        gitlab: Commit, Deployment, EnvironmentBasic, Job, JobArtifact, Pipeline, PipelineBasic,
        PipelineSchedule, User,
    );

    /// The sparsest object with the fields under `prefix`.
    fn instance(
        spec: &Value,
        component: &str,
        fields: &[[String; 4]],
        prefix: &str,
    ) -> Map<String, Value> {
        let mut object = Map::new();
        let schema = prefix.split('.').filter(|s| !s.is_empty()).fold(
            &spec["components"]["schemas"][component],
            |schema, segment| &resolve(spec, schema)["properties"][segment],
        );
        let schema = resolve(spec, schema);
        for [field, ty, nullable, required] in fields {
            let Some(name) = field.strip_prefix(prefix) else {
                continue;
            };
            let by_policy = schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|f| f == name));
            if name.contains('.') || !(required == "yes" || by_policy) {
                continue;
            }
            let value = if nullable == "yes" {
                Value::Null
            } else {
                match ty.as_str() {
                    // A timestamp is also a valid string, and an unknown value of an open enum.
                    "string" => "2024-01-01T00:00:00Z".into(),
                    "integer" => 0.into(),
                    "number" => 0.5.into(),
                    "boolean" => false.into(),
                    "array" => Value::Array(Vec::new()),
                    "object" => {
                        let children = format!("{field}.");
                        if fields.iter().any(|f| f[0].starts_with(&children)) {
                            Value::Object(instance(spec, component, fields, &children))
                        } else {
                            sparsest(spec, &schema["properties"][name])
                        }
                    }
                    _ => Value::Null,
                }
            };
            object.insert(name.to_owned(), value);
        }
        object
    }

    fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
        let reference = schema
            .get("$ref")
            .or_else(|| schema.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str);
        match reference {
            Some(r) => resolve(spec, spec.pointer(&r[1..]).expect("the $ref target")),
            None => schema,
        }
    }

    let mut failures = Vec::new();
    for ((service, component), fields) in &objects {
        let spec = &specs[service.as_str()];
        let body = Value::Object(instance(spec, component, fields, ""));
        let result = match service.as_str() {
            "buildkite" => buildkite(component, &body, false),
            _ => gitlab(component, &body, false),
        };
        if let Err(e) = result {
            failures.push(format!("{service} {component} {body}: {e}"));
        }
    }
    assert!(objects.len() >= 20, "only {} objects", objects.len());
    assert!(
        failures.is_empty(),
        "{} of {} sparse upstream instances do not decode:\n{}",
        failures.len(),
        objects.len(),
        failures.join("\n")
    );
}

/// GitLab sends `null` where its docs show a list (`Commit.parent_ids`,
/// `PipelineSchedule.variables`): every optional array or map of the generated models reads it
/// as empty (the tolerance policy, put on every such field by `cargo xtask generate`).
#[test]
fn optional_lists_and_maps_accept_null() {
    let commit: gitlab::types::Commit =
        serde_json::from_value(serde_json::json!({"id": null, "parent_ids": null}))
            .expect("decodes");
    assert!(commit.id.is_none() && commit.parent_ids.is_empty());
    let schedule: gitlab::types::PipelineSchedule = serde_json::from_value(
        serde_json::json!({"id": 1, "variables": null, "inputs": null, "owner": {"id": 2}}),
    )
    .expect("decodes");
    assert!(schedule.variables.is_empty() && schedule.inputs.is_empty());
    let build: buildkite::types::Build = serde_json::from_value(serde_json::json!({
        "id": "b", "number": 1, "url": "u", "web_url": "w", "state": "passed",
        "jobs": null, "meta_data": null, "env": null,
    }))
    .expect("decodes");
    assert!(build.jobs.is_empty());
}
