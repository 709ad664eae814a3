//! `cargo xtask coverage [--check]`: `COVERAGE.md`, every upstream operation of both APIs with
//! its status: the spec's operationId and the `kitelab` method that wraps it, "raw only" (in the
//! generated client, not wrapped), or "not supported" with the reason.
//!
//! Which `kitelab` method wraps an operation is read from the source: every wrapped operation is
//! built by calling the generated client's builder method of that operation (`api.get_build()`),
//! so the functions whose bodies call it are its wrappers; a builder's `send` or a list's `fetch` is shown as the public method that returns the
//! builder or the list.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use heck::ToSnakeCase;
use serde_json::Value;
use syn::visit::Visit;

/// One service's inputs.
struct ServiceFiles {
    name: &'static str,
    title: &'static str,
    spec: &'static str,
    upstream: &'static str,
    /// The upstream paths' prefix, absent from the spec's paths.
    prefix: &'static str,
    /// The `kitelab` module of the service.
    module: &'static str,
}

const SERVICES: [ServiceFiles; 2] = [
    ServiceFiles {
        name: "buildkite",
        title: "Buildkite REST API v2",
        spec: "spec/buildkite.yaml",
        upstream: "spec/upstream/buildkite-endpoints.tsv",
        prefix: "/v2",
        module: "crates/kitelab/src/buildkite",
    },
    ServiceFiles {
        name: "gitlab",
        title: "GitLab CI REST API v4",
        spec: "spec/gitlab.yaml",
        upstream: "spec/upstream/gitlab-endpoints.tsv",
        prefix: "/api/v4",
        module: "crates/kitelab/src/gitlab",
    },
];

const OUTSIDE_THE_SPEC: &str = "spec/upstream/outside-the-spec.tsv";

/// A spec operation.
struct SpecOp {
    method: String,
    path: String,
    id: String,
    snake: String,
}

/// An upstream operation.
struct UpstreamOp {
    method: String,
    path: String,
    tier: String,
    purpose: String,
}

/// The rendered `COVERAGE.md`, and the problems `--check` fails on (upstream rows without a
/// status).
pub fn render(root: &Path) -> Result<(String, Vec<String>), String> {
    let not_supported = read_not_supported(&root.join(OUTSIDE_THE_SPEC))?;
    let mut out = String::new();
    let mut problems = Vec::new();
    let mut totals = String::new();
    let mut sections = String::new();
    for service in &SERVICES {
        let spec = load_spec(root, service)?;
        let upstream = read_upstream(&root.join(service.upstream))?;
        let wrappers = wrappers(&root.join(service.module), &spec)?;
        let by_key: BTreeMap<(String, String), &SpecOp> = spec
            .iter()
            .map(|op| ((op.method.clone(), normalize(&op.path, "")), op))
            .collect();

        let mut counts: BTreeMap<String, [usize; 5]> = BTreeMap::new();
        let mut matched: BTreeSet<&str> = BTreeSet::new();
        let _ = writeln!(sections, "\n## {}\n", service.title);
        let _ = writeln!(sections, "| tier | method | path | operationId | kitelab |");
        let _ = writeln!(sections, "|---|---|---|---|---|");
        for row in &upstream {
            let key = (row.method.clone(), normalize(&row.path, service.prefix));
            let count = counts.entry(row.tier.clone()).or_default();
            count[0] += 1;
            let (id, status) = match by_key.get(&key) {
                Some(op) => {
                    matched.insert(op.id.as_str());
                    count[1] += 1;
                    match wrappers.get(&op.snake) {
                        Some(methods) => {
                            count[2] += 1;
                            (
                                format!("`{}`", op.id),
                                methods.iter().cloned().collect::<Vec<_>>().join(", "),
                            )
                        }
                        None => {
                            count[3] += 1;
                            (format!("`{}`", op.id), "raw only".to_owned())
                        }
                    }
                }
                None => match not_supported.get(&(
                    service.name.to_owned(),
                    key.0.clone(),
                    key.1.clone(),
                )) {
                    // Written by hand in kitelab (what progenitor cannot send).
                    Some(status) if status.starts_with("hand-written") => {
                        count[2] += 1;
                        ("—".to_owned(), status.clone())
                    }
                    Some(status) => {
                        count[4] += 1;
                        ("—".to_owned(), status.clone())
                    }
                    None => {
                        problems.push(format!(
                            "{}: {} {} ({}) is neither in the spec nor in {OUTSIDE_THE_SPEC}",
                            service.name, row.method, row.path, row.tier
                        ));
                        ("—".to_owned(), "**no status**".to_owned())
                    }
                },
            };
            let _ = writeln!(
                sections,
                "| {} | {} | `{}` | {} | {} |",
                row.tier,
                row.method,
                row.path,
                id,
                status.replace('|', "\\|")
            );
            let _ = &row.purpose;
        }
        let extra: Vec<&SpecOp> = spec
            .iter()
            .filter(|op| !matched.contains(op.id.as_str()))
            .collect();
        if !extra.is_empty() {
            let _ = writeln!(
                sections,
                "\nIn the spec but not in the upstream list ({}):\n",
                extra.len()
            );
            let _ = writeln!(sections, "| method | path | operationId | kitelab |");
            let _ = writeln!(sections, "|---|---|---|---|");
            for op in &extra {
                let status = wrappers
                    .get(&op.snake)
                    .map(|m| m.iter().cloned().collect::<Vec<_>>().join(", "));
                let _ = writeln!(
                    sections,
                    "| {} | `{}{}` | `{}` | {} |",
                    op.method,
                    service.prefix,
                    op.path,
                    op.id,
                    status.unwrap_or_else(|| "raw only".to_owned())
                );
            }
        }
        let wrapped_in_spec = spec
            .iter()
            .filter(|op| wrappers.contains_key(&op.snake))
            .count();
        let _ = writeln!(
            totals,
            "\n**{}**: {} upstream operations; {} operations in the spec, {} of them wrapped by `kitelab`.\n",
            service.title,
            upstream.len(),
            spec.len(),
            wrapped_in_spec
        );
        let _ = writeln!(totals, "| tier | upstream | in the spec | wrapped (or hand-written) | raw only | not supported |");
        let _ = writeln!(totals, "|---|---|---|---|---|---|");
        for (tier, c) in &counts {
            let _ = writeln!(
                totals,
                "| {tier} | {} | {} | {} | {} | {} |",
                c[0], c[1], c[2], c[3], c[4]
            );
        }
    }
    let _ = writeln!(out, "# Coverage\n");
    let _ = writeln!(
        out,
        "Generated by `cargo xtask coverage` from `spec/*.yaml`, `spec/upstream/*.tsv` and the `kitelab` sources; do not edit.\n\n\
         For every operation the two APIs offer: its operationId in the spec (and so a builder on the\n\
         generated client in `kitelab-api`), the `kitelab` method that wraps it (or the hand-written one, for what progenitor\n\
         cannot send), \"raw only\" when only the generated client has it, or why it is not supported."
    );
    let _ = writeln!(out, "\n## Totals");
    out.push_str(&totals);
    out.push_str(&sections);
    Ok((out, problems))
}

fn load_spec(root: &Path, service: &ServiceFiles) -> Result<Vec<SpecOp>, String> {
    let text = std::fs::read_to_string(root.join(service.spec))
        .map_err(|e| format!("{}: {e}", service.spec))?;
    let yaml: serde_norway::Value =
        serde_norway::from_str(&text).map_err(|e| format!("{}: {e}", service.spec))?;
    let doc = crate::yaml_to_json(yaml).map_err(|e| format!("{}: {e}", service.spec))?;
    let mut ops = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            ops.push(SpecOp {
                method: method.to_uppercase(),
                path: path.clone(),
                id: id.to_owned(),
                snake: id.to_snake_case(),
            });
        }
    }
    Ok(ops)
}

fn read_upstream(path: &Path) -> Result<Vec<UpstreamOp>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 6 {
            return Err(format!(
                "{}:{}: expected 7 tab-separated columns",
                path.display(),
                n + 1
            ));
        }
        rows.push(UpstreamOp {
            method: cols[0].trim().to_uppercase(),
            path: cols[1].trim().to_owned(),
            tier: cols[3].trim().to_owned(),
            purpose: cols[5].trim().to_owned(),
        });
    }
    Ok(rows)
}

fn read_not_supported(path: &Path) -> Result<BTreeMap<(String, String, String), String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [service, method, upstream_path, status] = cols[..] else {
            return Err(format!(
                "{}:{}: expected service, method, path, status",
                path.display(),
                n + 1
            ));
        };
        if !status.starts_with("hand-written: ") && !status.starts_with("not supported: ") {
            return Err(format!(
                "{}:{}: the status must start with `hand-written: ` or `not supported: `",
                path.display(),
                n + 1
            ));
        }
        let prefix = if service == "buildkite" {
            "/v2"
        } else {
            "/api/v4"
        };
        out.insert(
            (
                service.to_owned(),
                method.to_uppercase(),
                normalize(upstream_path, prefix),
            ),
            status.to_owned(),
        );
    }
    Ok(out)
}

/// `/v2/organizations/{org.slug}/x` and `/organizations/{org_slug}/x` → `/organizations/{}/x`.
fn normalize(path: &str, prefix: &str) -> String {
    let path = path.strip_prefix(prefix).unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out.trim_end_matches('/').to_owned()
}

/// A function of the `kitelab` sources and the operations its body names.
struct FnInfo {
    owner: String,
    trait_name: Option<String>,
    name: String,
    public: bool,
    returns: String,
    operations: BTreeSet<String>,
}

/// Operation (snake case) → the `kitelab` methods that wrap it.
fn wrappers(dir: &Path, spec: &[SpecOp]) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let known: BTreeSet<&str> = spec.iter().map(|op| op.snake.as_str()).collect();
    let mut fns = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for path in files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file = syn::parse_file(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        collect_fns(&file.items, &mut fns);
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &fns {
        for op in f.operations.iter().filter(|op| known.contains(op.as_str())) {
            let entry = out.entry(op.clone()).or_default();
            let via_builder =
                f.name == "send" || f.trait_name.as_deref() == Some("ListQuery") || !f.public;
            if !via_builder {
                entry.insert(format!("`{}::{}`", f.owner, f.name));
                continue;
            }
            let list = format!("List<{}>", f.owner);
            let callers: Vec<&FnInfo> = fns
                .iter()
                .filter(|g| {
                    g.public
                        && (g.returns == f.owner
                            || g.returns == list
                            || g.returns == format!("Result<{}>", f.owner))
                })
                .collect();
            // A builder or list that sends one operation is that operation's, whoever returns
            // it; one that sends several picks by owner.
            let sends: Vec<&String> = f
                .operations
                .iter()
                .filter(|op| known.contains(op.as_str()))
                .collect();
            let callers = credited(op, &sends, callers);
            if callers.is_empty() {
                entry.insert(format!("`{}::{}`", f.owner, f.name));
            }
            for g in callers {
                let suffix = if g.returns == list {
                    " (list)"
                } else if f.name == "send" {
                    " … `.send()`"
                } else {
                    ""
                };
                entry.insert(format!("`{}::{}`{}", g.owner, g.name, suffix));
            }
        }
    }
    Ok(out)
}

/// The callers of a builder or list credited with `op`, one of the operations it `sends`: all
/// of them when it sends one; else the [closest](closest_callers), less any caller that is the
/// only one another of the operations names (`Job::annotate` sends `create_job_annotation`, not
/// `create_annotation`), unless nothing else is left.
fn credited<'a>(op: &str, sends: &[&String], callers: Vec<&'a FnInfo>) -> Vec<&'a FnInfo> {
    if sends.len() < 2 {
        return callers;
    }
    let mine = closest_callers(op, callers.clone());
    let taken: Vec<&FnInfo> = sends
        .iter()
        .filter(|other| other.as_str() != op)
        .filter_map(|other| match closest_callers(other, callers.clone())[..] {
            [only] => Some(only),
            _ => None,
        })
        .collect();
    let free: Vec<&FnInfo> = mine
        .iter()
        .copied()
        .filter(|g| !taken.iter().any(|t| std::ptr::eq(*t, *g)))
        .collect();
    if free.is_empty() {
        mine
    } else {
        free
    }
}

/// When one builder or list sends one of several operations by owner (`Project::variables`,
/// `Group::variables`, `GitLab::instance_variables` share a query that sends three), the callers that
/// share the most words with the operation, less the words of their owner it lacks
/// (`list_group_variables` → `Group::variables`, `list_builds` → `Buildkite::builds`); all of
/// them when none stands out. The clients themselves (`Buildkite`, `GitLab`) own everything.
fn closest_callers<'a>(op: &str, callers: Vec<&'a FnInfo>) -> Vec<&'a FnInfo> {
    let words: BTreeSet<&str> = op.split('_').collect();
    let score = |g: &FnInfo| {
        let owner = match g.owner.as_str() {
            "Buildkite" | "GitLab" => String::new(),
            owner => owner.to_snake_case(),
        };
        let owner: BTreeSet<&str> = owner.split('_').filter(|w| !w.is_empty()).collect();
        let name: BTreeSet<&str> = g.name.split('_').collect();
        let shared = owner.union(&name).filter(|w| words.contains(*w)).count();
        let foreign = owner.iter().filter(|w| !words.contains(*w)).count();
        shared as i64 - foreign as i64
    };
    let best = callers.iter().map(|g| score(g)).max().unwrap_or(0);
    let worst = callers.iter().map(|g| score(g)).min().unwrap_or(0);
    if best == worst {
        return callers;
    }
    callers.into_iter().filter(|g| score(g) == best).collect()
}

fn collect_fns(items: &[syn::Item], out: &mut Vec<FnInfo>) {
    for item in items {
        match item {
            syn::Item::Impl(imp) => {
                let owner = tokens(&imp.self_ty);
                let trait_name = imp
                    .trait_
                    .as_ref()
                    .and_then(|(p, _)| p.segments.last())
                    .map(|s| s.ident.to_string());
                for member in &imp.items {
                    if let syn::ImplItem::Fn(f) = member {
                        let mut names = LiteralStrings::default();
                        names.visit_block(&f.block);
                        let returns = match &f.sig.output {
                            syn::ReturnType::Default => String::new(),
                            syn::ReturnType::Type(_, ty) => tokens(ty),
                        };
                        out.push(FnInfo {
                            owner: owner.clone(),
                            trait_name: trait_name.clone(),
                            name: f.sig.ident.to_string(),
                            public: matches!(f.vis, syn::Visibility::Public(_))
                                || trait_name.is_some(),
                            returns,
                            operations: names.0,
                        });
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_fns(items, out);
                }
            }
            // A list defined by a macro (`simple_list!(ResourceGroupsQuery { … } => Item, …,
            // "operation")`): the type is the first name ending in `Query`, and its fetch sends
            // the operations the invocation names.
            syn::Item::Macro(m) if m.ident.is_none() => {
                let query = m.mac.tokens.clone().into_iter().find_map(|t| match t {
                    proc_macro2::TokenTree::Ident(name) if name.to_string().ends_with("Query") => {
                        Some(name.to_string())
                    }
                    _ => None,
                });
                if let Some(query) = query {
                    let mut names = BTreeSet::new();
                    scan_tokens(m.mac.tokens.clone(), &mut names);
                    out.push(FnInfo {
                        owner: query,
                        trait_name: Some("ListQuery".to_owned()),
                        name: "fetch".to_owned(),
                        public: true,
                        returns: String::new(),
                        operations: names,
                    });
                }
            }
            _ => {}
        }
    }
}

fn tokens(t: &impl quote::ToTokens) -> String {
    // `crate::List<BuildsQuery>` and `List<BuildsQuery>` are the same type here.
    t.to_token_stream()
        .to_string()
        .replace(' ', "")
        .replace("crate::", "")
        .replace("super::", "")
}

/// The string literals of a body, and the literals and identifiers of its macro invocations.
#[derive(Default)]
struct LiteralStrings(BTreeSet<String>);

impl<'ast> Visit<'ast> for LiteralStrings {
    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.0.insert(lit.value());
    }
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        scan_tokens(mac.tokens.clone(), &mut self.0);
    }
    // The generated client's builder methods are named for their operation (`api.get_build()`):
    // a call of one is the operation's identity, as the generated code gives it.
    // Only a call on the generated client counts (`self.bk.api().get_build()`, `api.get_build()`),
    // not a `kitelab` method of the same name (`project.trigger_pipeline(…)`).
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if on_generated_client(&call.receiver) {
            self.0.insert(call.method.to_string());
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

/// Whether `receiver` is the generated client: a call of `api()` (or `api_with_query(…)`,
/// `api_with_secret(…)`) or a binding named `api`.
fn on_generated_client(receiver: &syn::Expr) -> bool {
    match receiver {
        syn::Expr::MethodCall(inner) => inner.method.to_string().starts_with("api"),
        syn::Expr::Path(path) => path.path.is_ident("api"),
        syn::Expr::Paren(inner) => on_generated_client(&inner.expr),
        syn::Expr::Reference(inner) => on_generated_client(&inner.expr),
        _ => false,
    }
}

fn scan_tokens(stream: proc_macro2::TokenStream, out: &mut BTreeSet<String>) {
    for tree in stream {
        match tree {
            proc_macro2::TokenTree::Literal(lit) => {
                if let Ok(s) = syn::parse_str::<syn::LitStr>(&lit.to_string()) {
                    out.insert(s.value());
                }
            }
            // A macro can name an operation by its method (`by_owner!(…, get_project_variable / …)`,
            // sent through `call(stringify!(…))`).
            proc_macro2::TokenTree::Ident(ident) => {
                out.insert(ident.to_string());
            }
            proc_macro2::TokenTree::Group(group) => scan_tokens(group.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(owner: &str, name: &str) -> FnInfo {
        FnInfo {
            owner: owner.to_owned(),
            trait_name: None,
            name: name.to_owned(),
            public: true,
            returns: String::new(),
            operations: BTreeSet::new(),
        }
    }

    fn names(callers: Vec<&FnInfo>) -> Vec<String> {
        callers
            .iter()
            .map(|g| format!("{}::{}", g.owner, g.name))
            .collect()
    }

    #[test]
    fn a_shared_query_is_credited_to_the_owner_its_operation_names() {
        let all = [
            caller("Project", "variables"),
            caller("Group", "variables"),
            caller("GitLab", "instance_variables"),
        ];
        for (op, expected) in [
            ("list_project_variables", "Project::variables"),
            ("list_group_variables", "Group::variables"),
            ("list_instance_variables", "GitLab::instance_variables"),
        ] {
            assert_eq!(names(closest_callers(op, all.iter().collect())), [expected]);
        }
        let builds = [
            caller("Buildkite", "builds"),
            caller("Organization", "builds"),
            caller("Pipeline", "builds"),
        ];
        for (op, expected) in [
            ("list_builds", "Buildkite::builds"),
            ("list_organization_builds", "Organization::builds"),
            ("list_pipeline_builds", "Pipeline::builds"),
        ] {
            assert_eq!(
                names(closest_callers(op, builds.iter().collect())),
                [expected]
            );
        }
    }

    #[test]
    fn a_caller_another_operation_names_alone_is_that_operation_s() {
        let both = [caller("Build", "annotate"), caller("Job", "annotate")];
        let (build, job) = (
            "create_annotation".to_owned(),
            "create_job_annotation".to_owned(),
        );
        let sends = [&build, &job];
        assert_eq!(
            names(credited(&build, &sends, both.iter().collect())),
            ["Build::annotate"]
        );
        assert_eq!(
            names(credited(&job, &sends, both.iter().collect())),
            ["Job::annotate"]
        );
        // A builder that sends one operation is that operation's, whoever returns it.
        assert_eq!(
            names(credited(&build, &[&build], both.iter().collect())).len(),
            2
        );
    }

    #[test]
    fn a_list_defined_by_a_macro_is_read_as_its_fetch() {
        let file: syn::File = syn::parse_str(
            r#"
            macro_rules! simple_list { ($($t:tt)*) => {}; }
            simple_list!(
                /// Docs.
                ResourceGroupsQuery { project: Project } => types::ResourceGroup,
                |p| project_op!(p, list_resource_groups),
                "list_resource_groups"
            );
            "#,
        )
        .expect("parses");
        let mut fns = Vec::new();
        collect_fns(&file.items, &mut fns);
        assert_eq!(fns.len(), 1, "the macro_rules definition is not a list");
        assert_eq!(fns[0].owner, "ResourceGroupsQuery");
        assert_eq!(fns[0].trait_name.as_deref(), Some("ListQuery"));
        assert!(fns[0].operations.contains("list_resource_groups"));
    }

    #[test]
    fn callers_that_match_equally_are_all_kept() {
        let both = [caller("Build", "retry"), caller("Job", "retry")];
        assert_eq!(
            names(closest_callers("retry_job", both.iter().collect())),
            ["Job::retry"]
        );
        assert_eq!(
            names(closest_callers("retry", both.iter().collect())).len(),
            2
        );
    }
}
