//! The optional parts of the generated models, behind `kitelab-api` features so a default build
//! does not compile what few callers use (issue #18: compile cost):
//!
//! - `schemars`: every `schemars::JsonSchema` derive becomes
//!   `#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]`.
//! - `builders`: the builder of a model a caller only **reads** (`types::Build::builder()` and
//!   `types::builder::Build`) is compiled only with the feature. The builder of a model a caller
//!   **sends** (a request body, and every model it holds: the set `exhaustive.rs` keeps
//!   exhaustive) is always there: an operation's `body_map` hands it to the caller. Every builder
//!   the generated code itself names stays too.
//!
//! CONTRIBUTING.md ("Generated models and semver") states the promise.

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;

/// What the pass did, for the tests and the figures of issue #18.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Gated {
    /// `JsonSchema` derives now behind the `schemars` feature.
    pub json_schema: usize,
    /// Model builders always compiled.
    pub builders_kept: usize,
    /// Model builders behind the `builders` feature.
    pub builders_gated: usize,
}

/// Applies both gates to a generated service file.
pub fn apply(file: &mut syn::File) -> Result<Gated, String> {
    let mut gated = Gated::default();
    let mut schemas = JsonSchema(0);
    schemas.visit_file_mut(file);
    gated.json_schema = schemas.0;

    let mut keep = crate::exhaustive::sent_models(file)?;
    keep.extend(named_builders(file));
    let types = types_items(file)?;
    let builders: BTreeSet<String> = builder_items(types)?
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect();
    let read: BTreeSet<String> = builders.difference(&keep).cloned().collect();
    gated.builders_kept = builders.len() - read.len();
    gated.builders_gated = read.len();

    // `impl Build { pub fn builder() -> builder::Build }` in `types`.
    for item in types.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || !read.contains(&self_name(&imp.self_ty)) {
            continue;
        }
        let only_builder = imp
            .items
            .iter()
            .all(|m| matches!(m, syn::ImplItem::Fn(f) if f.sig.ident == "builder"));
        if only_builder {
            gate(&mut imp.attrs);
        } else {
            for member in &mut imp.items {
                if let syn::ImplItem::Fn(f) = member {
                    if f.sig.ident == "builder" {
                        gate(&mut f.attrs);
                    }
                }
            }
        }
    }
    // The builder's struct and every impl of it (`Default`, setters, `TryFrom`, `From`).
    for item in builder_items(types)? {
        let (attrs, name) = match item {
            syn::Item::Struct(s) => (&mut s.attrs, s.ident.to_string()),
            syn::Item::Impl(imp) => (&mut imp.attrs, self_name(&imp.self_ty)),
            _ => continue,
        };
        if read.contains(&name) {
            gate(attrs);
        }
    }
    Ok(gated)
}

fn gate(attrs: &mut Vec<syn::Attribute>) {
    let attr: syn::Attribute = syn::parse_quote!(#[cfg(feature = "builders")]);
    let text = |a: &syn::Attribute| quote::quote!(#a).to_string();
    if !attrs.iter().any(|a| text(a) == text(&attr)) {
        attrs.insert(0, attr);
    }
}

/// The last segment of a type path (`super::Build` → `Build`), or "".
fn self_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn types_items(file: &mut syn::File) -> Result<&mut Vec<syn::Item>, String> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| "the generated code has no `types` module".to_owned())
}

fn builder_items(types: &mut [syn::Item]) -> Result<&mut Vec<syn::Item>, String> {
    types
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| "the generated `types` module has no `builder` module".to_owned())
}

/// Every `types::builder::X` the generated code names outside `types` (the operations'
/// `body_map`).
fn named_builders(file: &syn::File) -> BTreeSet<String> {
    struct Named(BTreeSet<String>);
    impl<'ast> syn::visit::Visit<'ast> for Named {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            for window in names.windows(3) {
                if window[0] == "types" && window[1] == "builder" {
                    self.0.insert(window[2].clone());
                }
            }
            syn::visit::visit_path(self, path);
        }
    }
    let mut named = Named(BTreeSet::new());
    for item in &file.items {
        if matches!(item, syn::Item::Mod(m) if m.ident == "types") {
            continue;
        }
        syn::visit::Visit::visit_item(&mut named, item);
    }
    named.0
}

/// Moves `JsonSchema` out of every derive list into a `cfg_attr` of its own.
struct JsonSchema(usize);

impl JsonSchema {
    fn attrs(&mut self, attrs: &mut Vec<syn::Attribute>) {
        let mut found = false;
        for attr in attrs.iter_mut() {
            if !attr.path().is_ident("derive") {
                continue;
            }
            let Ok(paths) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let kept: Vec<&syn::Path> = paths
                .iter()
                .filter(|p| p.segments.last().is_none_or(|s| s.ident != "JsonSchema"))
                .collect();
            if kept.len() == paths.len() {
                continue;
            }
            found = true;
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
        if found {
            attrs.retain(|a| {
                !(a.path().is_ident("derive")
                    && a.meta
                        .require_list()
                        .is_ok_and(|list| list.tokens.is_empty()))
            });
            let at = attrs
                .iter()
                .position(|a| a.path().is_ident("derive"))
                .map_or(attrs.len(), |i| i + 1);
            attrs.insert(
                at,
                syn::parse_quote!(#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]),
            );
            self.0 += 1;
        }
    }
}

impl VisitMut for JsonSchema {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        self.attrs(&mut item.attrs);
        syn::visit_mut::visit_item_struct_mut(self, item);
    }
    fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
        self.attrs(&mut item.attrs);
        syn::visit_mut::visit_item_enum_mut(self, item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> syn::File {
        syn::parse_quote! {
            pub mod types {
                #[derive(Clone, Debug, schemars::JsonSchema, PartialEq)]
                pub struct Build { pub id: String, pub author: Author }
                #[derive(schemars::JsonSchema)]
                pub struct Author { pub name: String }
                #[derive(Clone, schemars::JsonSchema)]
                pub struct CreateBuildRequest { pub commit: String, pub author: Author }
                #[derive(Clone)]
                pub enum BuildState { Passed }
                impl Build {
                    pub fn builder() -> builder::Build { Default::default() }
                }
                impl Author {
                    pub fn builder() -> builder::Author { Default::default() }
                }
                impl CreateBuildRequest {
                    pub fn builder() -> builder::CreateBuildRequest { Default::default() }
                }
                pub mod builder {
                    pub struct Build { id: Result<String, String> }
                    impl Default for Build { fn default() -> Self { todo!() } }
                    impl TryFrom<Build> for super::Build { type Error = String; fn try_from(b: Build) -> Result<Self, String> { todo!() } }
                    impl From<super::Build> for Build { fn from(b: super::Build) -> Self { todo!() } }
                    pub struct Author { name: Result<String, String> }
                    impl Author { pub fn name(self) -> Self { self } }
                    pub struct CreateBuildRequest { commit: Result<String, String> }
                    impl From<super::CreateBuildRequest> for CreateBuildRequest { fn from(b: super::CreateBuildRequest) -> Self { todo!() } }
                }
            }
            pub mod builder {
                impl<'a> CreateBuild<'a> {
                    pub fn body<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<types::CreateBuildRequest>,
                    {
                        self
                    }
                    pub fn body_map<F>(mut self, f: F) -> Self
                    where
                        F: std::ops::FnOnce(types::builder::CreateBuildRequest) -> types::builder::CreateBuildRequest,
                    {
                        self
                    }
                }
            }
        }
    }

    #[test]
    fn json_schema_moves_behind_its_feature() {
        let mut file = sample();
        let gated = apply(&mut file).unwrap();
        assert_eq!(gated.json_schema, 3);
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("# [derive (schemars"), "{text}");
        assert!(!text.contains(", schemars :: JsonSchema"), "{text}");
        assert_eq!(text.matches("JsonSchema").count(), 3, "{text}");
        assert!(text.contains(
            "# [derive (Clone , Debug , PartialEq)] # [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] pub struct Build"
        ), "{text}");
        // A derive left empty goes.
        assert!(text.contains(
            "# [cfg_attr (feature = \"schemars\" , derive (schemars :: JsonSchema))] pub struct Author"
        ), "{text}");
        assert!(
            text.contains("# [derive (Clone)] pub enum BuildState"),
            "{text}"
        );
    }

    #[test]
    fn only_the_builders_of_read_models_are_gated() {
        let mut file = sample();
        let gated = apply(&mut file).unwrap();
        // Author is held by a request body: sent, so kept.
        assert_eq!((gated.builders_kept, gated.builders_gated), (2, 1));
        let text = quote::quote!(#file).to_string();
        let cfg = "# [cfg (feature = \"builders\")]";
        assert!(
            text.contains(&format!("{cfg} impl Build {{ pub fn builder ()")),
            "{text}"
        );
        assert!(
            text.contains(&format!("{cfg} pub struct Build {{")),
            "{text}"
        );
        assert!(
            text.contains(&format!("{cfg} impl Default for Build")),
            "{text}"
        );
        assert!(text.contains(&format!("{cfg} impl TryFrom < Build > for super :: Build")));
        assert!(text.contains(&format!("{cfg} impl From < super :: Build > for Build")));
        assert_eq!(text.matches(cfg).count(), 5, "{text}");
        // Idempotent: a second pass adds nothing.
        let again = apply(&mut file).unwrap();
        assert_eq!(again.json_schema, 0);
        assert_eq!(quote::quote!(#file).to_string().matches(cfg).count(), 5);
    }
}
