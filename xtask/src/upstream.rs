//! `cargo xtask upstream`: the hand-curated specs checked against what the vendors wrote.
//!
//! `spec/upstream/facts.tsv` holds one row per object and field of the vendor material (type,
//! nullable, required, and the repository, path and commit it came from): GitLab's response
//! JSON Schemas (`spec/fixtures/api/schemas/` in gitlabhq/gitlabhq), which GitLab's own request
//! specs validate real answers with, and go-buildkite's struct fields. `derive` rebuilds the
//! table from local checkouts of those repositories; the check needs only the committed files
//! and reports, per component, the fields where the spec is stricter than upstream, the type
//! mismatches, and the fields upstream has that the spec lacks. `spec/upstream/allowlist.tsv`
//! gives a reason for each difference accepted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::lint::{IDENTITY, REQUIRABLE};

/// The facts file, relative to the workspace root.
pub const FACTS: &str = "spec/upstream/facts.tsv";
/// The accepted differences, relative to the workspace root.
pub const ALLOWLIST: &str = "spec/upstream/allowlist.tsv";

const FACTS_HEADER: &str =
    "service\tcomponent\tfield\ttype\tnullable\trequired\trepository\tpath\tcommit";

const GITLAB: &str = "gitlabhq/gitlabhq";
const GO_BUILDKITE: &str = "buildkite/go-buildkite";

/// How a source describes its object.
enum Kind {
    /// A JSON Schema file.
    JsonSchema,
    /// A Go struct of that name, with `json` tags.
    GoStruct(&'static str),
}

/// One vendor object: (service, spec component, repository, path, kind).
#[rustfmt::skip]
const SOURCES: &[(&str, &str, &str, &str, Kind)] = &[
    ("gitlab", "Commit", GITLAB, "spec/fixtures/api/schemas/public_api/v4/commit/basic.json", Kind::JsonSchema),
    ("gitlab", "Deployment", GITLAB, "spec/fixtures/api/schemas/public_api/v4/deployment.json", Kind::JsonSchema),
    ("gitlab", "EnvironmentBasic", GITLAB, "spec/fixtures/api/schemas/public_api/v4/basic_environment.json", Kind::JsonSchema),
    ("gitlab", "Job", GITLAB, "spec/fixtures/api/schemas/public_api/v4/job.json", Kind::JsonSchema),
    ("gitlab", "JobArtifact", GITLAB, "spec/fixtures/api/schemas/public_api/v4/artifact.json", Kind::JsonSchema),
    ("gitlab", "Pipeline", GITLAB, "spec/fixtures/api/schemas/public_api/v4/pipeline/detail.json", Kind::JsonSchema),
    ("gitlab", "PipelineBasic", GITLAB, "spec/fixtures/api/schemas/public_api/v4/pipeline/basic.json", Kind::JsonSchema),
    ("gitlab", "PipelineSchedule", GITLAB, "spec/fixtures/api/schemas/pipeline_schedule.json", Kind::JsonSchema),
    ("gitlab", "User", GITLAB, "spec/fixtures/api/schemas/public_api/v4/user/basic.json", Kind::JsonSchema),
    ("buildkite", "Agent", GO_BUILDKITE, "agents.go", Kind::GoStruct("Agent")),
    ("buildkite", "Annotation", GO_BUILDKITE, "annotations.go", Kind::GoStruct("Annotation")),
    ("buildkite", "Artifact", GO_BUILDKITE, "artifacts.go", Kind::GoStruct("Artifact")),
    ("buildkite", "Author", GO_BUILDKITE, "builds.go", Kind::GoStruct("Author")),
    ("buildkite", "Build", GO_BUILDKITE, "builds.go", Kind::GoStruct("Build")),
    ("buildkite", "Creator", GO_BUILDKITE, "builds.go", Kind::GoStruct("Creator")),
    ("buildkite", "Emoji", GO_BUILDKITE, "emojis.go", Kind::GoStruct("Emoji")),
    ("buildkite", "Job", GO_BUILDKITE, "jobs.go", Kind::GoStruct("Job")),
    ("buildkite", "Organization", GO_BUILDKITE, "organizations.go", Kind::GoStruct("Organization")),
    ("buildkite", "OrganizationRateLimit", GO_BUILDKITE, "rate_limits.go", Kind::GoStruct("RateLimit")),
    ("buildkite", "Pipeline", GO_BUILDKITE, "pipelines.go", Kind::GoStruct("Pipeline")),
    ("buildkite", "RateLimitWindow", GO_BUILDKITE, "rate_limits.go", Kind::GoStruct("RateLimitDetails")),
    ("buildkite", "Step", GO_BUILDKITE, "pipelines.go", Kind::GoStruct("Step")),
    ("buildkite", "TriggeredFrom", GO_BUILDKITE, "builds.go", Kind::GoStruct("TriggeredFrom")),
    ("buildkite", "AccessToken", GO_BUILDKITE, "access_tokens.go", Kind::GoStruct("AccessToken")),
    ("buildkite", "Cluster", GO_BUILDKITE, "clusters.go", Kind::GoStruct("Cluster")),
    ("buildkite", "ClusterQueue", GO_BUILDKITE, "cluster_queues.go", Kind::GoStruct("ClusterQueue")),
    ("buildkite", "ClusterToken", GO_BUILDKITE, "cluster_tokens.go", Kind::GoStruct("ClusterToken")),
    ("buildkite", "FlakyTest", GO_BUILDKITE, "flaky_tests.go", Kind::GoStruct("FlakyTest")),
    ("buildkite", "Meta", GO_BUILDKITE, "meta.go", Kind::GoStruct("Meta")),
    ("buildkite", "Package", GO_BUILDKITE, "packages.go", Kind::GoStruct("Package")),
    ("buildkite", "PackageRegistry", GO_BUILDKITE, "package_registries.go", Kind::GoStruct("PackageRegistry")),
    ("buildkite", "PipelineSchedule", GO_BUILDKITE, "pipeline_schedules.go", Kind::GoStruct("PipelineSchedule")),
    ("buildkite", "PipelineTemplate", GO_BUILDKITE, "pipeline_templates.go", Kind::GoStruct("PipelineTemplate")),
    ("buildkite", "Rule", GO_BUILDKITE, "rules.go", Kind::GoStruct("Rule")),
    ("buildkite", "Team", GO_BUILDKITE, "teams.go", Kind::GoStruct("Team")),
    ("buildkite", "Test", GO_BUILDKITE, "tests.go", Kind::GoStruct("Test")),
    ("buildkite", "TestRun", GO_BUILDKITE, "test_runs.go", Kind::GoStruct("TestRun")),
    ("buildkite", "TestSuite", GO_BUILDKITE, "test_suites.go", Kind::GoStruct("TestSuite")),
    ("buildkite", "User", GO_BUILDKITE, "user.go", Kind::GoStruct("User")),
];

/// One row of the fact table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub service: String,
    pub component: String,
    /// A field name; `parent.child` for a field of an inline object.
    pub field: String,
    /// `string`, `integer`, `number`, `boolean`, `array`, `object` or `any`.
    pub ty: String,
    pub nullable: bool,
    pub required: bool,
    pub repository: String,
    pub path: String,
    pub commit: String,
}

impl Fact {
    fn row(&self) -> String {
        let yes = |b: bool| if b { "yes" } else { "no" };
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.service,
            self.component,
            self.field,
            self.ty,
            yes(self.nullable),
            yes(self.required),
            self.repository,
            self.path,
            self.commit
        )
    }
}

/// Reads `spec/upstream/facts.tsv`.
pub fn read_facts(text: &str) -> Result<Vec<Fact>, String> {
    let mut facts = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [service, component, field, ty, nullable, required, repository, path, commit] =
            cols[..]
        else {
            return Err(format!("{FACTS}:{}: expected 9 columns", n + 1));
        };
        facts.push(Fact {
            service: service.into(),
            component: component.into(),
            field: field.into(),
            ty: ty.into(),
            nullable: nullable == "yes",
            required: required == "yes",
            repository: repository.into(),
            path: path.into(),
            commit: commit.into(),
        });
    }
    Ok(facts)
}

/// A local copy of a vendor repository: a git checkout or mirror (the commit of each file is
/// the last one that changed it), or a plain directory with a `COMMITS.tsv` (path, commit).
pub struct Checkout<'a>(pub &'a Path);

impl Checkout<'_> {
    fn is_git(&self) -> bool {
        Command::new("git")
            .arg("-C")
            .arg(self.0)
            .args(["rev-parse", "--git-dir"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn git(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.0)
            .args(args)
            .output()
            .map_err(|e| format!("git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {} in {}: {}",
                args.join(" "),
                self.0.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        String::from_utf8(out.stdout).map_err(|e| e.to_string())
    }

    /// The text of `path` and the commit it comes from.
    fn read(&self, path: &str) -> Result<(String, String), String> {
        if self.is_git() {
            let text = self.git(&["show", &format!("HEAD:{path}")])?;
            let commit = self.git(&["log", "-1", "--format=%H", "HEAD", "--", path])?;
            return Ok((text, commit.trim().to_owned()));
        }
        let text = std::fs::read_to_string(self.0.join(path))
            .map_err(|e| format!("{}: {e}", self.0.join(path).display()))?;
        let commits = std::fs::read_to_string(self.0.join("COMMITS.tsv")).map_err(|e| {
            format!(
                "{}: not a git checkout, and no COMMITS.tsv: {e}",
                self.0.display()
            )
        })?;
        let commit = commits
            .lines()
            .find_map(|l| l.strip_prefix(path)?.strip_prefix('\t'))
            .ok_or_else(|| {
                format!(
                    "{}/COMMITS.tsv names no commit for {path}",
                    self.0.display()
                )
            })?;
        Ok((text, commit.trim().to_owned()))
    }
}

/// Derives the fact table from local checkouts of gitlabhq and go-buildkite.
pub fn derive(gitlab: &Checkout, go_buildkite: &Checkout) -> Result<String, String> {
    let mut out = format!("{FACTS_HEADER}\n");
    for (service, component, repository, path, kind) in SOURCES {
        let checkout = if *repository == GITLAB {
            gitlab
        } else {
            go_buildkite
        };
        let (text, commit) = checkout.read(path)?;
        let fields = match kind {
            Kind::JsonSchema => {
                let schema: Value =
                    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
                let dir = Path::new(path).parent().unwrap_or(Path::new(""));
                let mut fields = Vec::new();
                schema_fields(&schema, "", dir, checkout, &mut fields)?;
                fields
            }
            Kind::GoStruct(name) => go_struct_fields(&text, name)
                .ok_or_else(|| format!("{path}: no `type {name} struct`"))?,
        };
        for (field, ty, nullable, required) in fields {
            let fact = Fact {
                service: (*service).into(),
                component: (*component).into(),
                field,
                ty,
                nullable,
                required,
                repository: (*repository).into(),
                path: (*path).into(),
                commit: commit.clone(),
            };
            out.push_str(&fact.row());
            out.push('\n');
        }
    }
    Ok(out)
}

type FieldFacts = (String, String, bool, bool);

/// The fields of a JSON Schema object, inline objects flattened as `parent.child`; `allOf`
/// branches (local or relative `$ref`s) merged.
fn schema_fields(
    schema: &Value,
    prefix: &str,
    dir: &Path,
    checkout: &Checkout,
    out: &mut Vec<FieldFacts>,
) -> Result<(), String> {
    let mut parts = vec![schema.clone()];
    for branch in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match branch.get("$ref").and_then(Value::as_str) {
            Some(file) => {
                let path = normalize(&dir.join(file));
                let (text, _) = checkout.read(&path)?;
                parts.push(serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?);
            }
            None => parts.push(branch.clone()),
        }
    }
    let required: Vec<&str> = parts
        .iter()
        .filter_map(|p| p.get("required").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    for part in &parts {
        for (name, property) in part
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            fields.insert(name.clone(), property.clone());
        }
    }
    for (name, property) in &fields {
        // A `$ref` to a type file (`types/nullable_string.json`) is read as that type.
        let referenced = match property.get("$ref").and_then(Value::as_str) {
            Some(file) if file.contains("/types/") => {
                let path = normalize(&dir.join(file));
                let (text, _) = checkout.read(&path)?;
                Some(serde_json::from_str::<Value>(&text).map_err(|e| format!("{path}: {e}"))?)
            }
            _ => None,
        };
        let (ty, nullable) = json_schema_type(referenced.as_ref().unwrap_or(property));
        let field = format!("{prefix}{name}");
        out.push((
            field.clone(),
            ty.clone(),
            nullable,
            required.contains(&name.as_str()),
        ));
        if ty == "object" && property.get("properties").is_some() {
            schema_fields(property, &format!("{field}."), dir, checkout, out)?;
        }
    }
    Ok(())
}

/// `a/b/../c.json` as `a/c.json`.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.to_str().unwrap_or_default().split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The normalized type of a JSON Schema property, and whether it allows null.
fn json_schema_type(property: &Value) -> (String, bool) {
    let mut nullable = false;
    let mut types: Vec<String> = Vec::new();
    let mut add = |schema: &Value, nullable: &mut bool| {
        if schema.get("$ref").is_some() {
            types.push("object".into());
        }
        let listed: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for t in listed {
            match t {
                "null" => *nullable = true,
                "date" | "date-time" | "uri" => types.push("string".into()),
                other => types.push(other.into()),
            }
        }
    };
    add(property, &mut nullable);
    for key in ["oneOf", "anyOf"] {
        for branch in property
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(branch, &mut nullable);
        }
    }
    types.dedup();
    let ty = match types.as_slice() {
        [one] => one.clone(),
        _ => "any".into(),
    };
    (ty, nullable)
}

/// The `json`-tagged fields of `type NAME struct { ... }` in Go source: (field, type, nullable,
/// required). The fields of an inline `struct { ... }` are `parent.child`. Go has no required
/// fields; a pointer (or an interface) is how go-buildkite marks a value that may be null. A
/// named type declared in the same file (`type RetryAgentAffinity string`) is read as what it
/// names.
fn go_struct_fields(source: &str, name: &str) -> Option<Vec<FieldFacts>> {
    let start = source.find(&format!("type {name} struct {{"))?;
    let body = &source[start..];
    let body = &body[body.find('\n')? + 1..];
    let mut fields = Vec::new();
    // The fields of the inline structs being read, innermost last.
    let mut nested: Vec<Vec<FieldFacts>> = Vec::new();
    let json_name = |tag: &str| {
        let name = tag.split("json:\"").nth(1)?.split('"').next()?;
        let name = name.split(',').next().unwrap_or_default();
        (!name.is_empty() && name != "-").then(|| name.to_owned())
    };
    for line in body.lines() {
        let line = line.trim();
        if line.starts_with("//") || line.is_empty() {
            continue;
        }
        if line.starts_with('}') {
            let Some(inner) = nested.pop() else { break };
            let Some(parent) = line.split_once('`').and_then(|(_, tag)| json_name(tag)) else {
                continue;
            };
            let out = nested.last_mut().unwrap_or(&mut fields);
            out.push((parent.clone(), "object".into(), false, false));
            for (field, ty, nullable, required) in inner {
                out.push((format!("{parent}.{field}"), ty, nullable, required));
            }
            continue;
        }
        if line.ends_with("struct {") {
            nested.push(Vec::new());
            continue;
        }
        let Some((decl, tag)) = line.split_once('`') else {
            continue;
        };
        let Some(field) = json_name(tag) else {
            continue;
        };
        let mut words = decl.split_whitespace();
        let (Some(_), Some(go_type)) = (words.next(), words.next()) else {
            continue;
        };
        let pointer = go_type.starts_with('*');
        let ty = go_type_name(source, go_type.trim_start_matches('*'));
        let nullable = pointer || ty == "any";
        nested
            .last_mut()
            .unwrap_or(&mut fields)
            .push((field, ty.to_owned(), nullable, false));
    }
    Some(fields)
}

/// The JSON type of a Go type.
fn go_type_name(source: &str, go_type: &str) -> &'static str {
    if go_type.starts_with("[]") {
        return "array";
    }
    if go_type.starts_with("map[") {
        return "object";
    }
    match go_type {
        "string" => "string",
        "bool" => "boolean",
        "int" | "int32" | "int64" | "uint" | "uint64" => "integer",
        "float32" | "float64" => "number",
        "Timestamp" | "time.Time" => "string",
        "any" | "interface{}" | "json.RawMessage" => "any",
        named => {
            // `type Named string` in the same file.
            let declaration = format!("type {named} ");
            let underlying = source
                .lines()
                .find_map(|line| line.strip_prefix(&declaration))
                .and_then(|rest| rest.split_whitespace().next());
            match underlying {
                Some(basic) if basic != "struct" && basic != named => go_type_name("", basic),
                _ => "object",
            }
        }
    }
}

/// A difference: (service, component, field, kind).
type DifferenceKey = (String, String, String, String);

/// The accepted differences, each with its reason.
fn read_allowlist(text: &str) -> Result<BTreeMap<DifferenceKey, String>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [service, component, field, kind, reason] = cols[..] else {
            return Err(format!("{ALLOWLIST}:{}: expected 5 columns", n + 1));
        };
        if !["stricter", "type", "missing"].contains(&kind) || reason.trim().is_empty() {
            return Err(format!(
                "{ALLOWLIST}:{}: the kind is `stricter`, `type` or `missing`, and a reason is required",
                n + 1
            ));
        }
        out.insert(
            (service.into(), component.into(), field.into(), kind.into()),
            reason.into(),
        );
    }
    Ok(out)
}

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// The report, one line per difference, grouped by component.
    pub text: String,
    pub stricter: usize,
    pub mismatched: usize,
    pub missing: usize,
    /// Required fields upstream leaves optional that the tolerance policy accepts (identity
    /// fields and `REQUIRABLE`).
    pub by_policy: usize,
    pub allowlisted: usize,
    /// Allowlist entries that match no difference any more.
    pub stale: Vec<String>,
}

impl Report {
    /// Whether anything is left outside the allowlist.
    pub fn is_clean(&self) -> bool {
        self.stricter == 0 && self.mismatched == 0 && self.missing == 0 && self.stale.is_empty()
    }
}

/// What the spec says of one field.
struct SpecField {
    ty: String,
    nullable: bool,
    required: bool,
}

/// Compares the specs with the facts.
pub fn check(
    specs: &BTreeMap<String, Value>,
    facts: &[Fact],
    allowlist: &str,
) -> Result<Report, String> {
    let allowed = read_allowlist(allowlist)?;
    let mut used = std::collections::BTreeSet::new();
    let mut report = Report::default();
    let mut lines: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for fact in facts {
        let doc = specs
            .get(&fact.service)
            .ok_or_else(|| format!("{FACTS}: unknown service {}", fact.service))?;
        let spec_file = format!("{}.yaml", fact.service);
        let mut problems: Vec<(&str, String)> = Vec::new();
        match spec_field(doc, &fact.component, &fact.field) {
            None => problems.push((
                "missing",
                format!(
                    "`{}` ({}) is upstream but not in the spec",
                    fact.field, fact.ty
                ),
            )),
            Some(spec) => {
                let compatible = fact.ty == "any"
                    || spec.ty == "any"
                    || spec.ty == fact.ty
                    || (spec.ty == "number" && fact.ty == "integer");
                if !compatible {
                    problems.push((
                        "type",
                        format!(
                            "`{}` is {} in the spec, {} upstream",
                            fact.field, spec.ty, fact.ty
                        ),
                    ));
                }
                // Only a required field can be stricter: an optional one decodes as an
                // `Option` (or an empty collection), absent or null.
                let leaf = fact.field.rsplit('.').next().unwrap_or(&fact.field);
                if spec.required && (!fact.required || (fact.nullable && !spec.nullable)) {
                    let why = if fact.required {
                        "rejects null, which upstream allows"
                    } else {
                        "is required, upstream optional"
                    };
                    let parent = parent_schema(doc, &fact.component, &fact.field);
                    let policy = !fact.nullable
                        && (IDENTITY.contains(&leaf)
                            || REQUIRABLE.iter().any(|(f, s, n, _)| {
                                *f == spec_file && Some(*s) == parent.as_deref() && *n == leaf
                            }));
                    if policy {
                        report.by_policy += 1;
                    } else {
                        problems.push(("stricter", format!("`{}` {why}", fact.field)));
                    }
                }
            }
        }
        for (kind, message) in problems {
            let key = (
                fact.service.clone(),
                fact.component.clone(),
                fact.field.clone(),
                kind.to_owned(),
            );
            let entry = lines
                .entry((fact.service.clone(), fact.component.clone()))
                .or_default();
            if let Some(reason) = allowed.get(&key) {
                used.insert(key);
                report.allowlisted += 1;
                entry.push(format!("  allowed  {kind:<8} {message}: {reason}"));
            } else {
                match kind {
                    "missing" => report.missing += 1,
                    "type" => report.mismatched += 1,
                    _ => report.stricter += 1,
                }
                entry.push(format!("  DIFFERS  {kind:<8} {message}"));
            }
        }
    }
    for key in allowed.keys() {
        if !used.contains(key) {
            report.stale.push(format!(
                "{ALLOWLIST}: {} {} `{}` ({}) matches no difference any more: remove it",
                key.0, key.1, key.2, key.3
            ));
        }
    }
    for ((service, component), entries) in &lines {
        let _ = writeln!(report.text, "{service} {component}");
        for entry in entries {
            let _ = writeln!(report.text, "{entry}");
        }
    }
    for stale in &report.stale {
        let _ = writeln!(report.text, "{stale}");
    }
    let _ = writeln!(
        report.text,
        "{} facts: {} stricter than upstream, {} type mismatches, {} missing (outside the allowlist); \
         {} allowlisted; {} required fields accepted by the tolerance policy (identity or REQUIRABLE)",
        facts.len(),
        report.stricter,
        report.mismatched,
        report.missing,
        report.allowlisted,
        report.by_policy
    );
    Ok(report)
}

/// Follows `$ref` and `allOf: [$ref]` to the schema that holds properties.
fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let target = schema
            .get("$ref")
            .or_else(|| schema.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p));
        match target {
            Some(next) => schema = next,
            None => break,
        }
    }
    schema
}

/// The name of the component schema that holds the last segment of `field`.
fn parent_schema(doc: &Value, component: &str, field: &str) -> Option<String> {
    let mut name = component.to_owned();
    let mut schema = doc.pointer(&format!("/components/schemas/{component}"))?;
    let segments: Vec<&str> = field.split('.').collect();
    for segment in &segments[..segments.len() - 1] {
        let property = resolve(doc, schema).get("properties")?.get(*segment)?;
        if let Some(r) = property
            .get("$ref")
            .or_else(|| property.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str)
        {
            name = r.rsplit('/').next()?.to_owned();
        }
        schema = property;
    }
    Some(name)
}

fn spec_field(doc: &Value, component: &str, field: &str) -> Option<SpecField> {
    let mut schema = doc.pointer(&format!("/components/schemas/{component}"))?;
    let mut result = None;
    for segment in field.split('.') {
        let parent = resolve(doc, schema);
        let property = parent.get("properties")?.get(segment)?;
        let required = parent
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v == segment));
        let nullable = property.get("nullable").and_then(Value::as_bool) == Some(true);
        let target = resolve(doc, property);
        let ty = if target.get("enum").is_some() {
            "string".to_owned()
        } else if target.get("oneOf").is_some() || target.get("anyOf").is_some() {
            "any".to_owned()
        } else {
            match target.get("type").and_then(Value::as_str) {
                Some(t) => t.to_owned(),
                None if target.get("properties").is_some() => "object".to_owned(),
                None => "any".to_owned(),
            }
        };
        result = Some(SpecField {
            ty,
            nullable,
            required,
        });
        schema = property;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_struct_fields_read_tags_pointers_and_collections() {
        let source = "type Kind string\n\ntype Job struct {\n\tID string `json:\"id,omitempty\"`\n\tState *string `json:\"state\"`\n\t// a comment\n\tTags []string `json:\"tags\"`\n\tEnv map[string]any `json:\"env\"`\n\tSkip string `json:\"-\"`\n\tAgent Agent `json:\"agent\"`\n\tKind Kind `json:\"kind\"`\n\tUser struct {\n\t\tName string `json:\"name\"`\n\t} `json:\"user\"`\n\tLast *int `json:\"last\"`\n}\n";
        let fields = go_struct_fields(source, "Job").expect("found");
        let names: Vec<_> = fields
            .iter()
            .map(|(f, t, n, _)| format!("{f}:{t}:{n}"))
            .collect();
        assert_eq!(
            names,
            [
                "id:string:false",
                "state:string:true",
                "tags:array:false",
                "env:object:false",
                "agent:object:false",
                "kind:string:false",
                "user:object:false",
                "user.name:string:false",
                "last:integer:true",
            ]
        );
    }

    #[test]
    fn json_schema_types_fold_null_and_dates() {
        let t = |v: Value| json_schema_type(&v);
        assert_eq!(
            t(serde_json::json!({"type": ["string", "null"]})),
            ("string".into(), true)
        );
        assert_eq!(
            t(serde_json::json!({"type": "date"})),
            ("string".into(), false)
        );
        assert_eq!(
            t(serde_json::json!({"oneOf": [{"type": "null"}, {"$ref": "a.json"}]})),
            ("object".into(), true)
        );
        assert_eq!(t(serde_json::json!({"x": 1})), ("any".into(), false));
    }

    #[test]
    fn the_check_reports_stricter_mismatched_and_missing_fields_outside_the_allowlist() {
        let doc = serde_json::json!({"components": {"schemas": {"Commit": {
            "type": "object",
            "required": ["id", "title", "sha"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "sha": {"type": "string"},
                "size": {"type": "integer"}
            }
        }}}});
        let specs = BTreeMap::from([("gitlab".to_owned(), doc)]);
        let fact = |field: &str, ty: &str, nullable: bool, required: bool| Fact {
            service: "gitlab".into(),
            component: "Commit".into(),
            field: field.into(),
            ty: ty.into(),
            nullable,
            required,
            repository: "r".into(),
            path: "p".into(),
            commit: "c".into(),
        };
        let facts = [
            fact("id", "string", true, true),       // stricter: rejects null
            fact("title", "string", false, false),  // stricter: required here
            fact("sha", "string", false, false),    // allowlisted
            fact("size", "number", false, false),   // type mismatch
            fact("web_url", "string", false, true), // missing
        ];
        let allowlist =
            "service\tcomponent\tfield\tkind\treason\ngitlab\tCommit\tsha\tstricter\tbecause\n";
        let report = check(&specs, &facts, allowlist).expect("checks");
        assert_eq!(
            (
                report.stricter,
                report.mismatched,
                report.missing,
                report.allowlisted
            ),
            (2, 1, 1, 1),
            "{}",
            report.text
        );
        assert!(!report.is_clean());
        let stale =
            "service\tcomponent\tfield\tkind\treason\ngitlab\tCommit\tnone\tmissing\tgone\n";
        assert_eq!(check(&specs, &facts, stale).expect("checks").stale.len(), 1);
    }
}
