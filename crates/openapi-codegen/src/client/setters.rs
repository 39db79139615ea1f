//! progenitor writes every setter of its request builders alike — eleven lines each, most of a
//! large document's builder module. Each setter that is, token for token, progenitor's shape
//! becomes one line (`builder_setter!(name: Type);`, `name?:` for an optional value), and the
//! macro ([`SOURCE`]) is written once at the top of the client's module; its expansion is that
//! setter, the text of a failed conversion naming the type as `stringify!` writes it
//! (`::std::string::String` where progenitor wrote `:: std :: string :: String`). A setter
//! progenitor writes differently is left as it is.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote};

use crate::tokens::flatten;

/// The macro's source, placed at the top of the generated client module when it is used.
pub(super) const SOURCE: &str = r#"/// The request builders' setters, written once: `builder_setter!(name: Type)` sets a required
/// value, `builder_setter!(name?: Type)` an optional one.
macro_rules! builder_setter {
    (@failed $name:ident, $ty:ty) => {
        concat!("conversion to `", stringify!($ty), "` for ", stringify!($name), " failed")
    };
    ($name:ident?: $ty:ty) => {
        pub fn $name<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<$ty>,
        {
            self.$name = value
                .try_into()
                .map(Some)
                .map_err(|_| builder_setter!(@failed $name, $ty).to_string());
            self
        }
    };
    ($name:ident: $ty:ty) => {
        pub fn $name<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<$ty>,
        {
            self.$name = value
                .try_into()
                .map_err(|_| builder_setter!(@failed $name, $ty).to_string());
            self
        }
    };
}
"#;

/// progenitor's setter of `name` (type `ty`, optional or not) with error text `failed`.
fn progenitor_setter(name: &Ident, ty: &syn::Type, optional: bool, failed: &str) -> TokenStream {
    let some = optional.then(|| quote! { .map(Some) });
    quote! {
        pub fn #name<V>(mut self, value: V) -> Self
            where V: std::convert::TryInto<#ty>,
        {
            self.#name = value.try_into() #some .map_err(|_| #failed.to_string());
            self
        }
    }
}

/// The `builder_setter!` line of `f`, when it is a setter exactly as progenitor writes it.
fn setter_line(f: &syn::ImplItemFn) -> Option<syn::ImplItem> {
    let name = &f.sig.ident;
    let predicate = f.sig.generics.where_clause.as_ref()?.predicates.first()?;
    let syn::WherePredicate::Type(predicate) = predicate else {
        return None;
    };
    let syn::TypeParamBound::Trait(bound) = predicate.bounds.first()? else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &bound.path.segments.last()?.arguments else {
        return None;
    };
    let syn::GenericArgument::Type(ty) = args.args.first()? else {
        return None;
    };
    let written = flatten(f.to_token_stream());
    let optional = written.windows(3).any(|w| w == ["map", "(", "Some"]);
    let literal = written.iter().find(|t| t.starts_with('"'))?;
    let syn::Lit::Str(failed) = syn::parse_str::<syn::Lit>(literal).ok()? else {
        return None;
    };
    if written != flatten(progenitor_setter(name, ty, optional, &failed.value())) {
        return None;
    }
    let mark = optional.then(|| quote! { ? });
    Some(syn::parse_quote! { builder_setter!(#name #mark: #ty); })
}

/// `tokens` (progenitor's module) with each setter of its `builder` module's impls as one
/// `builder_setter!` line, and whether any was: then the module needs [`SOURCE`] first.
pub(super) fn compact_setters(tokens: TokenStream) -> (TokenStream, bool) {
    let Ok(mut file) = syn::parse2::<syn::File>(tokens.clone()) else {
        return (tokens, false);
    };
    let mut used = false;
    for item in &mut file.items {
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let Some((_, items)) = module
            .content
            .as_mut()
            .filter(|_| module.ident == "builder")
        else {
            continue;
        };
        for item in items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            for member in &mut block.items {
                if let syn::ImplItem::Fn(f) = member
                    && let Some(line) = setter_line(f)
                {
                    *member = line;
                    used = true;
                }
            }
        }
    }
    if used {
        (file.into_token_stream(), true)
    } else {
        (tokens, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder(setters: TokenStream) -> TokenStream {
        quote! {
            pub mod builder {
                pub struct Op<'a> { client: &'a (), after: Result<Option<u64>, String> }
                impl<'a> Op<'a> { #setters }
            }
        }
    }

    #[test]
    fn progenitors_setters_become_one_line_each() {
        let ty: syn::Type = syn::parse_quote!(::std::num::NonZeroU64);
        let name = quote::format_ident!("limit");
        let required = progenitor_setter(&name, &ty, false, "conversion to `NonZeroU64` failed");
        let name = quote::format_ident!("after");
        let optional = progenitor_setter(&name, &ty, true, "after failed");
        let (out, used) = compact_setters(builder(quote! { #required #optional }));
        assert!(used);
        let text = out.to_string();
        assert!(
            text.contains("builder_setter ! (limit : :: std :: num :: NonZeroU64) ;"),
            "{text}"
        );
        assert!(
            text.contains("builder_setter ! (after ? : :: std :: num :: NonZeroU64) ;"),
            "{text}"
        );
        assert!(!text.contains("try_into"));
    }

    #[test]
    fn a_method_that_is_not_progenitors_setter_is_kept() {
        let setters = quote! {
            pub fn body<V>(mut self, value: V) -> Self
                where V: std::convert::TryInto<u64>,
            {
                self.body = value.try_into().map(From::from).map_err(|_| "x".to_string());
                self
            }
        };
        let tokens = builder(setters);
        let (out, used) = compact_setters(tokens.clone());
        assert!(!used);
        assert_eq!(out.to_string(), tokens.to_string());
    }

    #[test]
    fn the_macro_source_parses() {
        assert!(syn::parse_str::<syn::ItemMacro>(SOURCE).is_ok());
    }
}
