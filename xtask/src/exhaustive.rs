//! The non-exhaustive policy of the generated models (CONTRIBUTING.md states it):
//!
//! - A model a caller only **reads** (everything a response or a webhook carries, and what it
//!   holds) is `#[non_exhaustive]`: a property added to the spec is a minor release, not a
//!   breaking one. Tests that need one decode it from JSON or build it with its generated
//!   builder (`types::Build::builder()`, with the `builders` feature: see `gates.rs`).
//! - A model a caller **sends** (a request body, and every model a request body holds) stays
//!   exhaustive, so a struct literal can build it; a property added there is breaking, and the
//!   CHANGELOG says so. The ergonomic layer builds them for its callers.
//! - Every enum is `#[non_exhaustive]`: the services add values, which decode as
//!   `Unrecognized` until the spec names them, and naming one is a minor release.

use std::collections::{BTreeMap, BTreeSet};

/// Marks the generated models as the policy says, and returns how many structs and enums
/// became non-exhaustive.
pub fn mark(file: &mut syn::File) -> Result<(usize, usize), String> {
    let sent = sent_models(file)?;
    let types = types_module(file)?;
    let (mut structs, mut enums) = (0, 0);
    for item in types.iter_mut() {
        let (attrs, counter) = match item {
            syn::Item::Struct(s) if !sent.contains(&s.ident.to_string()) => {
                (&mut s.attrs, &mut structs)
            }
            syn::Item::Enum(e) => (&mut e.attrs, &mut enums),
            _ => continue,
        };
        if add(attrs) {
            *counter += 1;
        }
    }
    Ok((structs, enums))
}

fn add(attrs: &mut Vec<syn::Attribute>) -> bool {
    if attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
        return false;
    }
    attrs.push(syn::parse_quote!(#[non_exhaustive]));
    true
}

fn types_module(file: &mut syn::File) -> Result<&mut Vec<syn::Item>, String> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| "the generated code has no `types` module".to_owned())
}

/// The models a request body names, and every model they hold, by name.
pub(crate) fn sent_models(file: &syn::File) -> Result<BTreeSet<String>, String> {
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut roots = BTreeSet::new();
    for item in &file.items {
        let syn::Item::Mod(m) = item else { continue };
        let Some((_, items)) = &m.content else {
            continue;
        };
        if m.ident == "types" {
            for item in items {
                let (name, tokens) = match item {
                    syn::Item::Struct(s) => (s.ident.to_string(), quote::quote!(#s)),
                    syn::Item::Enum(e) => (e.ident.to_string(), quote::quote!(#e)),
                    syn::Item::Type(t) => (t.ident.to_string(), quote::quote!(#t)),
                    _ => continue,
                };
                let mut named = BTreeSet::new();
                idents(tokens, &mut named);
                named.remove(&name);
                fields.insert(name, named);
            }
        } else if m.ident == "builder" {
            // `pub fn body<V>(…) where V: TryInto<types::X>` in each operation's builder.
            for item in items {
                let syn::Item::Impl(imp) = item else { continue };
                for member in &imp.items {
                    let syn::ImplItem::Fn(f) = member else {
                        continue;
                    };
                    if f.sig.ident != "body" {
                        continue;
                    }
                    let sig = &f.sig;
                    let mut named = BTreeSet::new();
                    idents(quote::quote!(#sig), &mut named);
                    roots.extend(named.into_iter().filter(|n| fields_key(n)));
                }
            }
        }
    }
    if fields.is_empty() {
        return Err("the generated code has no `types` module".to_owned());
    }
    let mut sent = BTreeSet::new();
    let mut todo: Vec<String> = roots
        .into_iter()
        .filter(|n| fields.contains_key(n))
        .collect();
    while let Some(name) = todo.pop() {
        if !sent.insert(name.clone()) {
            continue;
        }
        if let Some(named) = fields.get(&name) {
            todo.extend(
                named
                    .iter()
                    .filter(|n| fields.contains_key(*n) && !sent.contains(*n))
                    .cloned(),
            );
        }
    }
    Ok(sent)
}

/// Whether an identifier can name a model (models are `PascalCase`).
fn fields_key(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn idents(tokens: proc_macro2::TokenStream, out: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            proc_macro2::TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            proc_macro2::TokenTree::Group(g) => idents(g.stream(), out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_models_and_enums_are_non_exhaustive_and_sent_ones_are_not() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Build { pub id: String, pub author: Author }
                pub struct Author { pub name: String }
                pub struct CreateBuildRequest { pub commit: String, pub author: Author, pub env: Env }
                pub struct Env { pub key: String }
                pub enum BuildState { Passed, Unrecognized(String) }
            }
            pub mod builder {
                impl<'a> CreateBuild<'a> {
                    pub fn body<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<types::CreateBuildRequest>,
                    {
                        self
                    }
                }
            }
        };
        assert_eq!(mark(&mut file).unwrap(), (1, 1));
        let text = quote::quote!(#file).to_string();
        let marked = |name: &str| {
            text.contains(&format!("# [non_exhaustive] pub struct {name}"))
                || text.contains(&format!("# [non_exhaustive] pub enum {name}"))
        };
        assert!(marked("Build"));
        assert!(marked("BuildState"));
        // Sent, and held by what is sent (even when a response holds it too).
        assert!(!marked("CreateBuildRequest"));
        assert!(!marked("Author"));
        assert!(!marked("Env"));
        // Idempotent.
        assert_eq!(mark(&mut file).unwrap(), (0, 0));
    }
}
