//! A stub implementation of a generated server's `Api` trait, written from the trait itself.

use proc_macro2::TokenStream;
use quote::quote;

/// `impl Api for Stub`: every method of the generated trait answers 501 through `Undocumented`,
/// but those named in `overrides`, which get the body given there.
pub fn stub_impl(server_source: &str, overrides: &[(&str, TokenStream)]) -> TokenStream {
    let file = syn::parse_file(server_source).expect("the generated server parses");
    let trait_item = file
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Trait(t) if t.ident == "Api" => Some(t),
            _ => None,
        })
        .expect("trait Api");
    let methods = trait_item.items.iter().filter_map(|item| {
        let syn::TraitItem::Fn(f) = item else {
            return None;
        };
        let sig = &f.sig;
        let syn::ReturnType::Type(_, ty) = &sig.output else {
            return None;
        };
        let syn::Type::ImplTrait(imp) = &**ty else {
            return None;
        };
        let output = imp.bounds.iter().find_map(|b| match b {
            syn::TypeParamBound::Trait(t) => {
                t.path.segments.last().and_then(|s| match &s.arguments {
                    syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                        syn::GenericArgument::AssocType(at) if at.ident == "Output" => {
                            Some(at.ty.clone())
                        }
                        _ => None,
                    }),
                    _ => None,
                })
            }
            _ => None,
        })?;
        if let Some((_, body)) = overrides.iter().find(|(name, _)| sig.ident == name) {
            return Some(quote! {
                #[allow(unused_variables)]
                #sig {
                    async move { #body }
                }
            });
        }
        Some(quote! {
            #[allow(unused_variables)]
            #sig {
                async move { #output::Undocumented(StatusCode::NOT_IMPLEMENTED, Value::Null) }
            }
        })
    });
    quote! {
        struct Stub;
        impl Api for Stub {
            #(#methods)*
        }
    }
}
