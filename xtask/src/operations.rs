//! What the generator adds to progenitor's output so that operations are identified by the
//! generated code, never by strings typed by hand:
//!
//! - an `operations` module with one `kitelab_api::Operation` constant per operation (its spec
//!   operationId, method, path template, success statuses, streamed media type and whether it
//!   carries its own credential), `ALL`, and `by_name` for the hooks;
//! - an `impl kitelab_api::Request` for every operation's builder, so the ergonomic crate sends
//!   any builder through one generic function that knows which operation it is;
//! - path parameters checked before anything is sent (an empty, `.` or `..` segment would leave
//!   the route the caller named), in the one place no caller can bypass;
//! - progenitor's ```` ```ignore ```` usage snippets kept as text, so they are no doctests.

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::Value;
use syn::visit_mut::VisitMut;

/// One operation of a spec, as the generated constant describes it.
struct OperationFacts {
    id: String,
    method: String,
    path: String,
    success: Vec<u16>,
    media_type: Option<String>,
    anonymous: bool,
}

/// The operations of `doc`, sorted by operationId.
fn operations(doc: &Value) -> Vec<OperationFacts> {
    let global_security = doc.get("security");
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
            let responses = op.get("responses").and_then(Value::as_object);
            let mut success: Vec<u16> = responses
                .into_iter()
                .flatten()
                .filter_map(|(status, _)| status.parse::<u16>().ok())
                .filter(|status| (200..300).contains(status))
                .collect();
            success.sort_unstable();
            let media_type = responses
                .into_iter()
                .flatten()
                .filter(|(status, _)| status.starts_with('2'))
                .filter_map(|(_, r)| r.get("content").and_then(Value::as_object))
                .flat_map(|content| content.keys())
                .find(|media| !media.starts_with("application/json"))
                .cloned();
            // `security: []` on the operation: it needs no credential, or carries its own.
            let security = op.get("security").or(global_security);
            let anonymous = matches!(security, Some(Value::Array(a)) if a.is_empty());
            ops.push(OperationFacts {
                id: id.to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                success,
                media_type,
                anonymous,
            });
        }
    }
    ops.sort_by(|a, b| a.id.cmp(&b.id));
    ops
}

/// The constant's name for an operationId: `getBuild` → `GET_BUILD`.
fn const_name(id: &str) -> String {
    id.to_snake_case().to_uppercase()
}

/// Adds the `operations` module and the `Request` impls, checks path parameters, and turns
/// progenitor's ignored snippets into text. `service` is the `kitelab_api::Service` variant.
pub fn add(file: &mut syn::File, doc: &Value, service: &str) -> Result<(), String> {
    let ops = operations(doc);
    file.items.push(operations_module(&ops, service)?);
    request_impls(file, &ops)?;
    check_path_segments(file)?;
    snippets_as_text(file);
    Ok(())
}

fn operations_module(ops: &[OperationFacts], service: &str) -> Result<syn::Item, String> {
    let mut src = String::from(
        "/// Every operation of this spec, as a [`crate::Operation`] constant named after its \
         operationId (`getBuild` is `GET_BUILD`).\npub mod operations {\n",
    );
    for op in ops {
        let name = const_name(&op.id);
        let success = op
            .success
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let media = match &op.media_type {
            Some(m) => format!("Some({m:?})"),
            None => "None".to_owned(),
        };
        src.push_str(&format!(
            "/// `{id}`: `{method} {path}`.\npub const {name}: crate::Operation = crate::Operation {{ \
             service: crate::Service::{service}, id: {id:?}, method: {method:?}, path: {path:?}, \
             success: &[{success}], media_type: {media}, anonymous: {anonymous} }};\n",
            id = op.id,
            method = op.method,
            path = op.path,
            anonymous = op.anonymous,
        ));
    }
    let all = ops
        .iter()
        .map(|op| format!("&{}", const_name(&op.id)))
        .collect::<Vec<_>>()
        .join(", ");
    src.push_str(&format!(
        "/// Every operation, sorted by operationId.\npub const ALL: &[&crate::Operation] = &[{all}];\n"
    ));
    let arms = ops
        .iter()
        .map(|op| {
            format!(
                "{:?} => Some(&{}),",
                op.id.to_snake_case(),
                const_name(&op.id)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    src.push_str(&format!(
        "/// The operation progenitor names `name` (the operationId in snake case).\n\
         pub fn by_name(name: &str) -> Option<&'static crate::Operation> {{ match name {{ {arms} _ => None }} }}\n}}\n"
    ));
    syn::parse_str(&src).map_err(|e| format!("the operations module does not parse: {e}"))
}

/// `impl crate::Request for builder::X<'a>` for every operation, next to the builders (their
/// `client` field is private to that module).
fn request_impls(file: &mut syn::File, ops: &[OperationFacts]) -> Result<(), String> {
    let builder = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => Some(m),
            _ => None,
        })
        .ok_or("progenitor emitted no `builder` module")?;
    let items = &mut builder
        .content
        .as_mut()
        .ok_or("the `builder` module is empty")?
        .1;
    // The output type of each builder's `send`.
    let mut outputs = std::collections::BTreeMap::new();
    for item in items.iter() {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(self_ty) = &*imp.self_ty else {
            continue;
        };
        let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        for impl_item in &imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                continue;
            };
            if let Some(output) = response_value_inner(ty) {
                outputs.insert(name.clone(), output);
            }
        }
    }
    for op in ops {
        let builder = op.id.to_upper_camel_case();
        let output = outputs.get(&builder).ok_or_else(|| {
            format!(
                "{}: progenitor emitted no `builder::{builder}::send` returning a ResponseValue",
                op.id
            )
        })?;
        let decode = if output == "ByteStream" || output == "()" {
            "None".to_owned()
        } else {
            format!("crate::decode::error_path::<{output}>(body)")
        };
        let src = format!(
            "impl<'a> crate::Request for {builder}<'a> {{
                type Output = {output};
                const OPERATION: &'static crate::Operation = &super::operations::{name};
                fn hooks(&self) -> &crate::Hooks {{ self.client.inner() }}
                fn send(self) -> impl ::std::future::Future<Output = Result<ResponseValue<{output}>, Error<()>>> + Send {{
                    {builder}::send(self)
                }}
                fn error_path({arg}: &[u8]) -> Option<String> {{ {decode} }}
            }}",
            name = const_name(&op.id),
            arg = if decode == "None" { "_" } else { "body" },
        );
        let item: syn::Item = syn::parse_str(&src)
            .map_err(|e| format!("{}: the Request impl does not parse: {e}", op.id))?;
        items.push(item);
    }
    Ok(())
}

/// `T` of `Result<ResponseValue<T>, Error<()>>`, as source text.
fn response_value_inner(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(result) = ty else {
        return None;
    };
    let last = result.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(rv))) = args.args.first() else {
        return None;
    };
    let rv = rv.path.segments.last()?;
    if rv.ident != "ResponseValue" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(inner) = &rv.arguments else {
        return None;
    };
    match inner.args.first()? {
        syn::GenericArgument::Type(t) => Some(
            quote::ToTokens::to_token_stream(t)
                .to_string()
                .replace(' ', ""),
        ),
        _ => None,
    }
}

/// Every `encode_path(&x.to_string())` of the builders becomes
/// `crate::path_segment("x", &x.to_string())?`, which refuses an empty, `.` or `..` value.
fn check_path_segments(file: &mut syn::File) -> Result<(), String> {
    struct Check(usize, Option<String>);
    impl VisitMut for Check {
        // The URL is built in a `format!`, whose arguments syn leaves as tokens.
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            if !mac.path.is_ident("format") {
                return;
            }
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            let Ok(mut args) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) else {
                return;
            };
            for arg in args.iter_mut() {
                self.visit_expr_mut(arg);
            }
            mac.tokens = quote::ToTokens::to_token_stream(&args);
        }

        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::Call(call) = expr else { return };
            let syn::Expr::Path(func) = &*call.func else {
                return;
            };
            if !func.path.is_ident("encode_path") || call.args.len() != 1 {
                return;
            }
            let arg = call.args[0].clone();
            // `&name.to_string()`
            let name = match &arg {
                syn::Expr::Reference(r) => match &*r.expr {
                    syn::Expr::MethodCall(m) => match &*m.receiver {
                        syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            let Some(name) = name else {
                self.1 = Some(quote::ToTokens::to_token_stream(&arg).to_string());
                return;
            };
            *expr = syn::parse_quote!(crate::path_segment(#name, #arg)?);
            self.0 += 1;
        }
    }
    let mut check = Check(0, None);
    check.visit_file_mut(file);
    if let Some(arg) = check.1 {
        return Err(format!(
            "a path parameter is encoded from `{arg}`, not `&name.to_string()`: see `check_path_segments` in xtask"
        ));
    }
    if check.0 == 0 {
        return Err(
            "progenitor's output has no `encode_path` call any more: see `check_path_segments` in xtask"
                .to_owned(),
        );
    }
    Ok(())
}

/// progenitor's usage snippets are marked `ignore`, which rustdoc lists as ignored doctests;
/// `text` shows them the same and runs nothing.
fn snippets_as_text(file: &mut syn::File) {
    struct Text;
    impl VisitMut for Text {
        fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
            if !attr.path().is_ident("doc") {
                return;
            }
            let syn::Meta::NameValue(nv) = &mut attr.meta else {
                return;
            };
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &mut nv.value
            else {
                return;
            };
            let text = s.value();
            if text.contains("```ignore") {
                *s = syn::LitStr::new(&text.replace("```ignore", "```text"), s.span());
            }
        }
    }
    Text.visit_file_mut(file);
}
