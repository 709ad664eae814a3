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
