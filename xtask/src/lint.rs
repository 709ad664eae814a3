//! The spec lint: the rules of `spec/README.md` that keep a document inside what progenitor 0.15
//! handles. Progenitor panics, or silently generates wrong types, on several constructs; checking
//! them here first turns each into one line naming the file and the operation.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::SpecError;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Media types that become a byte stream in the generated client.
const BINARY_MEDIA_TYPES: [&str; 5] = [
    "application/octet-stream",
    "application/zip",
    "text/plain",
    "text/html",
    "*/*",
];

/// Checks `doc` (the spec as parsed YAML) and returns every problem found, in document order.
pub fn lint(file: &str, doc: &Value) -> Vec<SpecError> {
    let mut errors = Vec::new();
    let mut err = |operation: Option<String>, message: String| {
        errors.push(SpecError {
            file: file.to_owned(),
            operation,
            message,
        });
    };

    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0.") {
        err(
            None,
            format!(
                "`openapi: {}` is not supported: progenitor accepts OpenAPI 3.0.x only (write 3.0.3)",
                if version.is_empty() { "<missing>" } else { version }
            ),
        );
        return errors;
    }

    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        err(None, "the document has no `paths` object".into());
        return errors;
    };

    let mut seen_ids: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in paths {
        if item.get("$ref").is_some() {
            err(
                Some(path.clone()),
                "a `$ref` path item is not supported: write the path out".into(),
            );
            continue;
        }
        let path_params = item.get("parameters");
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let endpoint = format!("{} {}", method.to_uppercase(), path);
            let name = match op.get("operationId").and_then(Value::as_str) {
                Some(id) => format!("{id} ({endpoint})"),
                None => {
                    err(Some(endpoint.clone()), "has no `operationId`".into());
                    endpoint.clone()
                }
            };
            let mut op_err = |message: String| err(Some(name.clone()), message);

            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                if let Some(other) = seen_ids.insert(id.to_owned(), endpoint.clone()) {
                    op_err(format!("`operationId` is also used by {other}"));
                }
                if !id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    || !id.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    op_err("`operationId` must be camelCase ASCII (e.g. `listBuilds`)".into());
                }
            }
            if op
                .get("summary")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                op_err("has no `summary`".into());
            }
            match op.get("tags").and_then(Value::as_array).map(Vec::len) {
                Some(1) => {}
                _ => op_err("must have exactly one tag (its resource)".into()),
            }
            if op
                .pointer("/externalDocs/url")
                .and_then(Value::as_str)
                .is_none()
            {
                op_err("has no `externalDocs.url` citing the upstream documentation".into());
            }
            for params in [path_params, op.get("parameters")].into_iter().flatten() {
                for param in params.as_array().into_iter().flatten() {
                    let param = resolve(doc, param);
                    let pname = param.get("name").and_then(Value::as_str).unwrap_or("?");
                    if param.get("in").and_then(Value::as_str) == Some("cookie") {
                        op_err(format!("parameter `{pname}` is a cookie: not supported"));
                    }
                    if let Some(style) = param.get("style").and_then(Value::as_str) {
                        if style != "form" && style != "simple" {
                            op_err(format!(
                                "parameter `{pname}` has `style: {style}`: only `form` query parameters are supported"
                            ));
                        }
                    }
                }
            }
            if let Some(body) = op.get("requestBody") {
                lint_request_body(doc, resolve(doc, body), &mut op_err);
            }
            match op.get("responses").and_then(Value::as_object) {
                None => op_err("has no `responses`".into()),
                Some(responses) => lint_responses(doc, responses, &mut op_err),
            }
        }
    }

    lint_enums(doc, &mut err);
    lint_tolerance(file, doc, &mut err);
    let mut dangling = Vec::new();
    walk_objects(doc, "", &mut |pointer, map| {
        if let Some(target) = map.get("$ref").and_then(Value::as_str) {
            if target
                .strip_prefix('#')
                .and_then(|p| doc.pointer(p))
                .is_none()
            {
                dangling.push((pointer.to_owned(), target.to_owned()));
            }
        }
    });
    for (pointer, target) in dangling {
        err(Some(pointer), format!("`$ref: {target}` points at nothing (only local `#/components/...` references work)"));
    }
    errors
}

fn lint_request_body(doc: &Value, body: &Value, op_err: &mut impl FnMut(String)) {
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        op_err("request body has no `content`".into());
        return;
    };
    if content.len() != 1 {
        op_err(format!(
            "request body declares {} media types: progenitor accepts exactly one",
            content.len()
        ));
        return;
    }
    let (media, value) = content.iter().next().expect("one entry");
    if media.starts_with("multipart/") {
        op_err(format!(
            "request body is `{media}`: progenitor cannot send multipart; write the operation by hand in kitelab"
        ));
    } else if media == "application/json" {
        if !is_ref(value.get("schema")) {
            op_err("JSON request body must `$ref` a component schema".into());
        }
    } else if media == "application/octet-stream" {
        if !is_binary(value.get("schema")) {
            op_err(
                "octet-stream request body must have schema `{type: string, format: binary}`"
                    .into(),
            );
        }
    } else {
        op_err(format!(
            "request body media type `{media}` is not supported (use application/json)"
        ));
    }
    let _ = doc;
}

fn lint_responses(
    doc: &Value,
    responses: &serde_json::Map<String, Value>,
    op_err: &mut impl FnMut(String),
) {
    let mut success: Vec<(&String, &Value)> = Vec::new();
    for (status, response) in responses {
        if status == "default" {
            op_err(
                "declares a `default` response: progenitor counts it as success and error at once; remove it".into(),
            );
        } else if status.starts_with('2') {
            success.push((status, resolve(doc, response)));
        } else if status.starts_with('4') || status.starts_with('5') {
            op_err(format!(
                "declares the error response `{status}`: errors are not declared per operation (spec/README.md rule 3); list it in the description"
            ));
        } else {
            op_err(format!(
                "declares the response `{status}`: only 2xx responses are declared"
            ));
        }
    }
    if success.is_empty() {
        op_err("declares no 2xx response".into());
        return;
    }
    let first = success[0].1.get("content");
    for (status, response) in &success[1..] {
        if response.get("content") != first {
            op_err(format!(
                "responses `{}` and `{status}` have different bodies: progenitor accepts one success body per operation",
                success[0].0
            ));
        }
    }
    let Some(content) = first.and_then(Value::as_object) else {
        return;
    };
    if content.len() > 1 {
        op_err(format!(
            "success response declares {} media types: declare one (a separate path per format)",
            content.len()
        ));
    }
    for (media, value) in content {
        let schema = value.get("schema");
        if media.starts_with("application/json") {
            match schema {
                None => op_err("JSON response has no schema".into()),
                Some(s) if is_ref(Some(s)) => {}
                Some(s) if s.get("type").and_then(Value::as_str) == Some("array") && is_ref(s.get("items")) => {}
                Some(_) => op_err(
                    "inline JSON response schema: `$ref` a component schema (or an array of them); progenitor names inline response types by operation and silently drops colliding ones".into(),
                ),
            }
        } else if BINARY_MEDIA_TYPES.contains(&media.as_str()) {
            if !is_binary(schema) {
                op_err(format!(
                    "`{media}` response must have schema `{{type: string, format: binary}}`"
                ));
            }
        } else {
            op_err(format!(
                "response media type `{media}` is not one the generated client can read"
            ));
        }
    }
}

/// Every enum must be a top-level component string schema, so that the generator can make it open.
fn lint_enums(doc: &Value, err: &mut impl FnMut(Option<String>, String)) {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (name, schema) in schemas.into_iter().flatten() {
        if let Some(values) = schema.get("enum") {
            let strings = values
                .as_array()
                .is_some_and(|v| v.iter().all(Value::is_string));
            if schema.get("type").and_then(Value::as_str) != Some("string") || !strings {
                err(
                    Some(format!("schema {name}")),
                    "enum components must be `type: string` with string values".into(),
                );
            }
        }
    }
    let mut found = Vec::new();
    walk_objects(doc, "", &mut |pointer, map| {
        if map.contains_key("enum") {
            found.push(pointer.to_owned());
        }
    });
    for pointer in found {
        let top_level = pointer
            .strip_prefix("/components/schemas/")
            .is_some_and(|rest| !rest.contains('/'));
        if !top_level {
            err(
                Some(pointer.clone()),
                "inline `enum`: make it a component schema and `$ref` it, so it becomes an open enum".into(),
            );
        }
    }
}

/// Calls `visit` with every JSON object under `value` and its JSON pointer, in document order,
/// not descending into the keys that hold data rather than schemas (`enum`, `example(s)`).
fn walk_objects(
    value: &Value,
    pointer: &str,
    visit: &mut impl FnMut(&str, &serde_json::Map<String, Value>),
) {
    match value {
        Value::Object(map) => {
            visit(pointer, map);
            for (key, child) in map {
                if key == "enum" || key == "example" || key == "examples" {
                    continue;
                }
                let escaped = key.replace('~', "~0").replace('/', "~1");
                walk_objects(child, &format!("{pointer}/{escaped}"), visit);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk_objects(child, &format!("{pointer}/{i}"), visit);
            }
        }
        _ => {}
    }
}

fn is_ref(schema: Option<&Value>) -> bool {
    schema
        .and_then(|s| s.get("$ref"))
        .and_then(Value::as_str)
        .is_some_and(|r| r.starts_with("#/components/schemas/"))
}

fn is_binary(schema: Option<&Value>) -> bool {
    schema.is_some_and(|s| {
        s.get("type").and_then(Value::as_str) == Some("string")
            && s.get("format").and_then(Value::as_str) == Some("binary")
    })
}

/// Follows a local `$ref` (for parameters, responses and bodies) one level.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => doc.pointer(pointer).unwrap_or(value),
        None => value,
    }
}

/// Fields that identify an object: a response schema may require them (spec/README.md, the
/// tolerance policy).
pub const IDENTITY: [&str; 5] = ["id", "uuid", "iid", "number", "key"];

/// The other fields a response schema may require: (spec file name, schema, field, why it is
/// always sent). Anything else required in a response schema fails the lint.
#[rustfmt::skip]
pub const REQUIRABLE: &[(&str, &str, &str, &str)] = &[
    ("buildkite.yaml", "AccessToken", "scopes", "a token always has its scopes; the token endpoint has one shape"),
    ("buildkite.yaml", "Artifact", "url", "the artifact's own API URL, which its download follows"),
    ("buildkite.yaml", "AuditEvent", "type", "the discriminator of the event; every event names its type"),
    ("buildkite.yaml", "AuditEventList", "items", "the envelope of a cursor page; an empty page is `[]`"),
    ("buildkite.yaml", "AuditEventList", "links", "the envelope of a cursor page, which carries the cursor"),
    ("buildkite.yaml", "InvitationList", "items", "the envelope of a cursor page; an empty page is `[]`"),
    ("buildkite.yaml", "InvitationList", "links", "the envelope of a cursor page, which carries the cursor"),
    ("buildkite.yaml", "JobList", "items", "the envelope of a cursor page; an empty page is `[]`"),
    ("buildkite.yaml", "JobList", "links", "the envelope of a cursor page, which carries the cursor"),
    ("buildkite.yaml", "NotificationServiceList", "items", "the envelope of a cursor page; an empty page is `[]`"),
    ("buildkite.yaml", "NotificationServiceList", "links", "the envelope of a cursor page, which carries the cursor"),
    ("buildkite.yaml", "PackageList", "items", "the envelope of a page; an empty page is `[]`"),
    ("buildkite.yaml", "StepUploadList", "items", "the envelope of a cursor page; an empty page is `[]`"),
    ("buildkite.yaml", "StepUploadList", "links", "the envelope of a cursor page, which carries the cursor"),
    ("buildkite.yaml", "Build", "url", "a build is always addressed by its API URL (every docs example, also in webhooks)"),
    ("buildkite.yaml", "Build", "web_url", "a build always has its page (every docs example)"),
    ("buildkite.yaml", "Build", "state", "unlike jobs, a build of any kind has a state (every docs example)"),
    ("buildkite.yaml", "ConnectionRepository", "full_name", "the identity of a repository (`owner/name`)"),
    ("buildkite.yaml", "Emoji", "name", "the identity of an emoji"),
    ("buildkite.yaml", "Emoji", "url", "an emoji is its image; the list holds nothing else"),
    ("buildkite.yaml", "Job", "type", "the discriminator: every kind of job (script, waiter, manual, trigger) sends it"),
    ("buildkite.yaml", "Step", "type", "the discriminator: every kind of step sends it"),
    ("buildkite.yaml", "JobEnv", "env", "the whole answer of the job env endpoint"),
    ("buildkite.yaml", "JobLog", "url", "the log endpoint answers with its own URL and the content"),
    ("buildkite.yaml", "JobLog", "content", "the whole point of the log endpoint (an empty log is `\"\"`)"),
    ("buildkite.yaml", "Meta", "webhook_ips", "the whole answer of the meta endpoint"),
    ("buildkite.yaml", "Organization", "url", "an organization is always addressed by its API URL"),
    ("buildkite.yaml", "Organization", "web_url", "an organization always has its page"),
    ("buildkite.yaml", "Organization", "name", "an organization always has a name"),
    ("buildkite.yaml", "Organization", "slug", "the identity of an organization in every route"),
    ("buildkite.yaml", "Pipeline", "url", "a pipeline is always addressed by its API URL"),
    ("buildkite.yaml", "Pipeline", "name", "a pipeline always has a name"),
    ("buildkite.yaml", "Pipeline", "slug", "the identity of a pipeline in every route"),
    ("buildkite.yaml", "TeamMember", "user_id", "the identity of a membership"),
    ("buildkite.yaml", "TeamPipeline", "pipeline_id", "the identity of a team's pipeline access"),
    ("buildkite.yaml", "TeamSuite", "suite_id", "the identity of a team's suite access"),
    ("gitlab.yaml", "CommitStatus", "status", "GitLab's commit status entity always exposes the status it was created with"),
    ("gitlab.yaml", "Environment", "name", "an environment is named in every route and entity (`environment.json` requires it)"),
    ("gitlab.yaml", "Job", "status", "required by GitLab's `job.json`; bridges (JobBasic) send it too"),
    ("gitlab.yaml", "Job", "stage", "required by GitLab's `job.json`; bridges (JobBasic) send it too"),
    ("gitlab.yaml", "Job", "name", "required by GitLab's `job.json`; bridges (JobBasic) send it too"),
    ("gitlab.yaml", "Job", "ref", "required by GitLab's `job.json`; bridges (JobBasic) send it too"),
    ("gitlab.yaml", "Job", "tag", "required by GitLab's `job.json`; bridges (JobBasic) send it too"),
    ("gitlab.yaml", "Job", "created_at", "required by GitLab's `job.json`; bridges (JobBasic) send it too"),
    ("gitlab.yaml", "JobBasicWithProject", "status", "the JobBasic entity exposes it unconditionally"),
    ("gitlab.yaml", "JobAllowedAgents", "allowed_agents", "the whole answer of the endpoint (an empty list when none)"),
    ("gitlab.yaml", "JobArtifact", "file_type", "the identity of an artifact within its job (`artifact.json` requires it)"),
    ("gitlab.yaml", "JobArtifact", "filename", "required by GitLab's `artifact.json`"),
    ("gitlab.yaml", "LintResult", "valid", "the whole point of the lint answer"),
    ("gitlab.yaml", "Message", "message", "the whole answer of the endpoints that reply with a message"),
    ("gitlab.yaml", "PackagePipeline", "sha", "required by GitLab's `packages/pipelines.json`"),
    ("gitlab.yaml", "PackagePipeline", "ref", "required by GitLab's `packages/pipelines.json`"),
    ("gitlab.yaml", "PackagePipeline", "status", "required by GitLab's `packages/pipelines.json`"),
    ("gitlab.yaml", "Pipeline", "sha", "required by GitLab's `pipeline/detail.json` for a full pipeline"),
    ("gitlab.yaml", "Pipeline", "ref", "required by GitLab's `pipeline/detail.json` for a full pipeline"),
    ("gitlab.yaml", "Pipeline", "status", "required by GitLab's `pipeline/detail.json` for a full pipeline"),
    ("gitlab.yaml", "PipelineScheduleInput", "name", "the identity of an input"),
    ("gitlab.yaml", "ResetTokenResult", "token", "the whole answer of a token reset"),
    ("gitlab.yaml", "RunnerRegistrationDetails", "token", "the whole point of registering a runner"),
    ("gitlab.yaml", "SecureFile", "name", "the identity of a secure file in a project (`secure_file.json` requires it)"),
    ("gitlab.yaml", "Trigger", "token", "exposed unconditionally (masked for other users) by the Trigger entity"),
];

/// The tolerance policy (spec/README.md): in the schemas a response can hold, only identity
/// fields, and the fields of [`REQUIRABLE`] with their reasons, may be `required`.
fn lint_tolerance(file: &str, doc: &Value, err: &mut impl FnMut(Option<String>, String)) {
    let base = file.rsplit('/').next().unwrap_or(file);
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut reachable = std::collections::BTreeSet::new();
    let mut todo: Vec<String> = Vec::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for op in item.1.as_object().into_iter().flatten().map(|(_, op)| op) {
            if let Some(responses) = op.get("responses") {
                collect_refs(responses, &mut todo);
            }
        }
    }
    while let Some(name) = todo.pop() {
        if !reachable.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.and_then(|s| s.get(&name)) {
            collect_refs(schema, &mut todo);
        }
    }
    for name in &reachable {
        let Some(schema) = schemas.and_then(|s| s.get(name)) else {
            continue;
        };
        let mut found = Vec::new();
        walk_objects(schema, "", &mut |pointer, map| {
            for field in map
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                found.push((pointer.to_owned(), field.to_owned()));
            }
        });
        for (pointer, field) in found {
            let allowed = IDENTITY.contains(&field.as_str())
                || REQUIRABLE
                    .iter()
                    .any(|(f, s, n, _)| *f == base && s == name && *n == field);
            if !allowed {
                err(
                    Some(format!("schema {name}{pointer}")),
                    format!(
                        "`{field}` is required in a schema that responses hold, but is no identity \
                         field: make it optional, or add it to `REQUIRABLE` in xtask/src/lint.rs \
                         with the reason it is always sent (spec/README.md, tolerance policy)"
                    ),
                );
            }
        }
    }
}

/// The component schema names `value` refers to.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    walk_objects(value, "", &mut |_, map| {
        if let Some(name) = map
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            out.push(name.to_owned());
        }
    });
}
