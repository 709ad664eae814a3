//! The decode tolerance of the generated models, decided once for every schema: an optional
//! array or map (a field progenitor gives `#[serde(default)]`) accepts `null` as well as absence,
//! because both services send `null` where their docs promise an empty list (GitLab
//! `Commit.parent_ids`, `PipelineSchedule.variables`). spec/README.md states the policy; the
//! spec lint enforces the half of it that lives in the spec.

use syn::visit_mut::VisitMut;

/// The function every such field decodes through (hand-written in `kitelab-api`).
const NULL_AS_DEFAULT: &str = "crate::decode::null_as_default";

/// Makes every defaulted `Vec` or map field of the generated models accept `null`, and returns
/// how many there are. (A change in progenitor's attributes that switched this off would fail
/// `optional_lists_and_maps_accept_null` in tests/conformance.rs.)
pub fn accept_null_collections(file: &mut syn::File) -> usize {
    let mut pass = Pass(0);
    pass.visit_file_mut(file);
    pass.0
}

struct Pass(usize);

impl VisitMut for Pass {
    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        if !is_collection(&field.ty) {
            return;
        }
        for attr in &mut field.attrs {
            if !attr.path().is_ident("serde") {
                continue;
            }
            let syn::Meta::List(list) = &mut attr.meta else {
                continue;
            };
            let text = list.tokens.to_string();
            let defaulted = text == "default" || text.starts_with("default ,");
            if defaulted && !text.contains("deserialize_with") {
                list.tokens
                    .extend(quote::quote!(, deserialize_with = #NULL_AS_DEFAULT));
                self.0 += 1;
            }
        }
    }
}

/// A `Vec`, or a map (`BTreeMap`, `HashMap`, `serde_json::Map`), by the last segment of its path.
fn is_collection(ty: &syn::Type) -> bool {
    let syn::Type::Path(path) = ty else {
        return false;
    };
    path.path.segments.last().is_some_and(|last| {
        matches!(
            last.ident.to_string().as_str(),
            "Vec" | "BTreeMap" | "HashMap" | "Map"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaulted_collections_accept_null_and_nothing_else_changes() {
        let mut file: syn::File = syn::parse_quote! {
            pub struct Commit {
                #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                pub parent_ids: ::std::vec::Vec<::std::string::String>,
                #[serde(default, skip_serializing_if = "::serde_json::Map::is_empty")]
                pub env: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                pub id: ::std::string::String,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub title: ::std::option::Option<::std::string::String>,
                pub tags: ::std::vec::Vec<::std::string::String>,
            }
        };
        assert_eq!(accept_null_collections(&mut file), 2);
        let text = quote::quote!(#file).to_string();
        assert_eq!(
            text.matches("crate::decode::null_as_default").count(),
            2,
            "{text}"
        );
        // Idempotent.
        assert_eq!(accept_null_collections(&mut file), 0);
        let again = quote::quote!(#file).to_string();
        assert_eq!(again, text);
    }
}
