//! An enumeration of strings gets from typify a `Display` and a `FromStr` that list every
//! variant with its text — twice, in about twenty lines plus two per variant. When both are
//! exactly typify's (token for token, rebuilt from the pairs read out of them), they become one
//! `model_impls!(@simple_enum Type Variant = "text", …);` line (the rule is in
//! [`super::model_impls::SOURCE`]).

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote};

use super::model_impls::model_trait_impl;
use crate::tokens::flatten;

/// Which of the two impls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Half {
    Display,
    FromStr,
}

/// A simple enumeration's variants and their texts, in typify's order.
pub(super) type Pairs = Vec<(Ident, String)>;

/// typify's `Display` or `FromStr` of enumeration `ty` with `pairs`.
fn typify_impl(ty: &Ident, half: Half, pairs: &Pairs) -> TokenStream {
    let (variants, texts): (Vec<&Ident>, Vec<&String>) = pairs.iter().map(|(v, t)| (v, t)).unzip();
    match half {
        Half::Display => quote! {
            impl ::std::fmt::Display for #ty {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match *self {
                        #(Self::#variants => f.write_str(#texts),)*
                    }
                }
            }
        },
        Half::FromStr => quote! {
            impl ::std::str::FromStr for #ty {
                type Err = self::error::ConversionError;
                fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                    match value {
                        #(#texts => Ok(Self::#variants),)*
                        _ => Err("invalid value".into()),
                    }
                }
            }
        },
    }
}

/// The type, half and pairs of `item` when it is one of typify's two impls of a simple
/// enumeration in `types`.
pub(super) fn read(item: &syn::ItemImpl, types: &BTreeSet<String>) -> Option<(Ident, Half, Pairs)> {
    let (half, (ty, function)) = [(Half::Display, "Display"), (Half::FromStr, "FromStr")]
        .into_iter()
        .find_map(|(half, name)| Some((half, model_trait_impl(item, name, types)?)))?;
    let ty = ty.clone();
    let [syn::Stmt::Expr(syn::Expr::Match(m), None)] = &function.block.stmts[..] else {
        return None;
    };
    let mut pairs = Vec::new();
    for arm in &m.arms {
        let pair = match half {
            Half::Display => {
                let syn::Pat::Path(p) = &arm.pat else {
                    return None;
                };
                let syn::Expr::MethodCall(call) = &*arm.body else {
                    return None;
                };
                let variant = p.path.segments.last()?.ident.clone();
                (variant, string_literal(call.args.first()?)?)
            }
            Half::FromStr => {
                let syn::Pat::Lit(syn::PatLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) = &arm.pat
                else {
                    continue; // the `_` arm
                };
                let syn::Expr::Call(call) = &*arm.body else {
                    return None;
                };
                let syn::Expr::Path(p) = call.args.first()? else {
                    return None;
                };
                (p.path.segments.last()?.ident.clone(), text.value())
            }
        };
        pairs.push(pair);
    }
    if flatten(item.to_token_stream()) != flatten(typify_impl(&ty, half, &pairs)) {
        return None;
    }
    Some((ty, half, pairs))
}

fn string_literal(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// The one line standing for both impls of `ty`.
pub(super) fn line(ty: &Ident, pairs: &Pairs) -> syn::Item {
    let pairs = pairs.iter().map(|(v, t)| quote! { #v = #t });
    syn::parse_quote! { model_impls!(@simple_enum #ty #(#pairs),*); }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::format_ident;

    #[test]
    fn both_impls_are_read_back_into_their_pairs() {
        let ty = format_ident!("Kind");
        let pairs: Pairs = vec![
            (format_ident!("A"), "a".into()),
            (format_ident!("BigB"), "big-b".into()),
        ];
        let types = BTreeSet::from(["Kind".to_owned()]);
        for half in [Half::Display, Half::FromStr] {
            let item: syn::ItemImpl = syn::parse2(typify_impl(&ty, half, &pairs)).expect("an impl");
            assert_eq!(read(&item, &types), Some((ty.clone(), half, pairs.clone())));
        }
        assert_eq!(
            line(&ty, &pairs).to_token_stream().to_string(),
            "model_impls ! (@ simple_enum Kind A = \"a\" , BigB = \"big-b\") ;"
        );
    }

    #[test]
    fn a_display_that_writes_something_else_is_not_read() {
        let item: syn::ItemImpl = syn::parse_quote! {
            impl ::std::fmt::Display for Kind {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match *self { Self::A => f.write_str("b"), Self::B => write!(f, "x") }
                }
            }
        };
        assert_eq!(read(&item, &BTreeSet::from(["Kind".to_owned()])), None);
    }
}
