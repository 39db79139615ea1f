//! Typify writes the same conversion impls for every model of a shape — a constrained string's
//! `Deref`, `From`, two `TryFrom`s, a parsing `Deserialize` and its checking `FromStr`, an
//! enumeration's two `TryFrom`s — about fifty lines per type, most of a large document's models
//! crate. Each impl that is, token for token (the type's name aside), what a rule of
//! `model_impls!` ([`super::model_impls`]) expands to is replaced by that rule's line — one
//! `model_impls!(Type: shapes…);` per type, one `model_impls!(@from_str Type …)` per checked
//! string — and the macro is written once at the top of the module. An impl typify writes
//! differently (another version, another shape) is left as it is.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote};

use super::model_impls::{PLACEHOLDER, Rules, model_trait_impl, rules};
use super::simple_enums;
use crate::tokens::flatten;

/// The model type an impl is for: its self type, or (`From<Type> for String`) its trait's
/// type argument — when that is one of `types`.
fn impl_subject(item: &syn::ItemImpl, types: &BTreeSet<String>) -> Option<String> {
    let ident = |ty: &syn::Type| match ty {
        syn::Type::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    };
    if let Some(name) = ident(&item.self_ty).filter(|n| types.contains(n)) {
        return Some(name);
    }
    let (path, _) = item.trait_.as_ref()?;
    let syn::PathArguments::AngleBracketed(args) = &path.segments.last()?.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(ty) => ident(ty).filter(|n| types.contains(n)),
        _ => None,
    }
}

/// The shape `item` is, and the model type it is for, if it is one of `rules`' shapes.
fn shape_of<'r>(
    item: &syn::ItemImpl,
    types: &BTreeSet<String>,
    shapes: &'r [(String, Vec<String>)],
) -> Option<(&'r str, String)> {
    let name = impl_subject(item, types)?;
    let mut flat = flatten(item.to_token_stream());
    // A model named like a word of the shape (`Error`) makes the impl differ: it is kept.
    for t in &mut flat {
        if *t == name {
            *t = PLACEHOLDER.to_owned();
        }
    }
    shapes
        .iter()
        .find(|(_, shape)| *shape == flat)
        .map(|(kind, _)| (kind.as_str(), name))
}

/// `items` with every impl of a shape replaced by a `model_impls!` line (a type's shapes at the
/// place of its first such impl), and whether any was: then the module needs the macro
/// ([`super::model_impls::SOURCE`]) before its items.
pub(super) fn compact(items: Vec<syn::Item>) -> (Vec<syn::Item>, bool) {
    let types: BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    let Rules { shapes, bundles } = rules();
    let shapes: Vec<(String, Vec<String>)> = shapes
        .into_iter()
        .map(|(name, tokens)| (name, flatten(tokens)))
        .collect();
    // Per type, its shapes in the order typify wrote them.
    let mut kinds: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut slots: Vec<Option<syn::Item>> = Vec::with_capacity(items.len());
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    let mut checked_strings = false;
    // A simple enumeration's `Display` waiting for its `FromStr`: its slot and pairs.
    let mut displays: BTreeMap<String, (usize, simple_enums::Pairs)> = BTreeMap::new();
    for item in items {
        if let syn::Item::Impl(i) = &item
            && let Some(call) = checked_from_str(i, &types)
        {
            checked_strings = true;
            slots.push(Some(call));
            continue;
        }
        if let syn::Item::Impl(i) = &item
            && let Some((ty, half, pairs)) = simple_enums::read(i, &types)
        {
            let name = ty.to_string();
            match half {
                simple_enums::Half::Display => {
                    displays.insert(name, (slots.len(), pairs));
                    slots.push(Some(item));
                }
                simple_enums::Half::FromStr => match displays.remove(&name) {
                    Some((at, written)) if written == pairs => {
                        slots[at] = Some(simple_enums::line(&ty, &pairs));
                        checked_strings = true;
                        slots.push(None);
                    }
                    _ => slots.push(Some(item)),
                },
            }
            continue;
        }
        let found = match &item {
            syn::Item::Impl(i) => shape_of(i, &types, &shapes),
            _ => None,
        };
        match found {
            Some((kind, name)) => {
                first.entry(name.clone()).or_insert(slots.len());
                kinds.entry(name).or_default().push(kind);
                slots.push(None);
            }
            None => slots.push(Some(item)),
        }
    }
    let mut calls: BTreeMap<usize, syn::Item> = BTreeMap::new();
    for (name, kinds) in &kinds {
        let ty = Ident::new(name, Span::call_site());
        let kinds: Vec<&str> = match bundles.iter().find(|(_, members)| members == kinds) {
            Some((bundle, _)) => vec![bundle.as_str()],
            None => kinds.clone(),
        };
        let kinds = kinds.iter().map(|k| format_ident!("{}", k));
        calls.insert(
            first[name],
            syn::parse_quote! { model_impls!(#ty: #(#kinds),*); },
        );
    }
    let used = checked_strings || !calls.is_empty();
    let mut out = Vec::with_capacity(slots.len());
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(item) => out.push(item),
            None => out.extend(calls.remove(&i)),
        }
    }
    (out, used)
}

/// A constrained string's `FromStr` (length bounds, a pattern) as typify writes it.
fn typify_from_str(
    ty: &Ident,
    max: Option<usize>,
    min: Option<usize>,
    pattern: Option<&str>,
) -> TokenStream {
    let max = max.map(|v| {
        let err = format!("longer than {v} characters");
        quote! { if value.chars().count() > #v { return Err(#err.into()); } }
    });
    let min = min.map(|v| {
        let err = format!("shorter than {v} characters");
        quote! { if value.chars().count() < #v { return Err(#err.into()); } }
    });
    let pat = pattern.map(|p| {
        let err = format!("doesn't match pattern \"{p}\"");
        quote! {
            static PATTERN: ::std::sync::LazyLock<::regress::Regex> = ::std::sync::LazyLock::new(|| {
                ::regress::Regex::new(#p).unwrap()
            });
            if PATTERN.find(value).is_none() { return Err(#err.into()); }
        }
    });
    quote! {
        impl ::std::str::FromStr for #ty {
            type Err = self::error::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                #max #min #pat
                Ok(Self(value.to_string()))
            }
        }
    }
}

/// The `model_impls!(@from_str …)` line of `item` when it is a constrained string's `FromStr`
/// exactly as typify writes it.
fn checked_from_str(item: &syn::ItemImpl, types: &BTreeSet<String>) -> Option<syn::Item> {
    let (ty, function) = model_trait_impl(item, "FromStr", types)?;
    let (mut max, mut min, mut pattern) = (None, None, None);
    for stmt in &function.block.stmts {
        match stmt {
            syn::Stmt::Expr(syn::Expr::If(e), _) => {
                let syn::Expr::Binary(b) = &*e.cond else {
                    continue;
                };
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }) = &*b.right
                else {
                    continue;
                };
                let n: usize = n.base10_parse().ok()?;
                match b.op {
                    syn::BinOp::Gt(_) => max = Some(n),
                    syn::BinOp::Lt(_) => min = Some(n),
                    _ => return None,
                }
            }
            syn::Stmt::Item(syn::Item::Static(s)) => {
                let flat = flatten(s.expr.to_token_stream());
                let literal = flat.iter().find(|t| t.starts_with('"'))?;
                let syn::Lit::Str(p) = syn::parse_str::<syn::Lit>(literal).ok()? else {
                    return None;
                };
                pattern = Some(p.value());
            }
            _ => {}
        }
    }
    if max.is_none() && min.is_none() && pattern.is_none() {
        return None;
    }
    let rebuilt = typify_from_str(ty, max, min, pattern.as_deref());
    if flatten(item.to_token_stream()) != flatten(rebuilt) {
        return None;
    }
    let max = max.map(|v| {
        let v = proc_macro2::Literal::usize_unsuffixed(v);
        quote! { max #v }
    });
    let min = min.map(|v| {
        let v = proc_macro2::Literal::usize_unsuffixed(v);
        quote! { min #v }
    });
    let pattern = pattern.map(|p| quote! { pattern #p });
    Some(syn::parse_quote! { model_impls!(@from_str #ty #max #min #pattern); })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> Vec<syn::Item> {
        syn::parse_file(text).expect("test source parses").items
    }

    fn texts(items: &[syn::Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| i.to_token_stream().to_string())
            .collect()
    }

    /// Shape `name` of the macro, written for `ty`.
    fn shape(name: &str, ty: &str) -> syn::Item {
        let Rules { shapes, .. } = rules();
        let (_, tokens) = shapes
            .iter()
            .find(|(n, _)| n == name)
            .expect("a shape of that name");
        syn::parse_str(&tokens.to_string().replace(PLACEHOLDER, ty)).expect("the shape parses")
    }

    #[test]
    fn impls_of_a_shape_become_one_macro_line_per_type() {
        let mut items = file("pub struct Uid(::std::string::String);");
        items.push(shape("deref_string", "Uid"));
        // As typify writes it: trailing commas where the macro's source has none.
        items.extend(file(
            "impl ::std::convert::TryFrom<&str> for Uid { type Error = self::error::ConversionError;
                 fn try_from(value: &str,) -> ::std::result::Result<Self, self::error::ConversionError> { value.parse() } }
             pub enum Kind { A }",
        ));
        items.push(shape("try_from_str", "Kind"));
        let (out, used) = compact(items);
        assert!(used);
        assert_eq!(
            texts(&out),
            [
                "pub struct Uid (:: std :: string :: String) ;",
                "model_impls ! (Uid : deref_string , try_from_str) ;",
                "pub enum Kind { A }",
                "model_impls ! (Kind : try_from_str) ;",
            ]
        );
    }

    #[test]
    fn an_impl_that_differs_in_one_token_or_names_two_types_is_kept() {
        let items = file(
            "pub struct Uid(::std::string::String);
             pub struct Other(::std::string::String);
             impl ::std::ops::Deref for Uid { type Target = ::std::string::String;
                 fn deref(&self) -> &::std::string::String { &self.1 } }
             impl ::std::convert::From<Uid> for Other { fn from(value: Uid) -> Self { value.0 } }",
        );
        let before = texts(&items);
        let (after, used) = compact(items);
        assert!(!used);
        assert_eq!(before, texts(&after));
    }

    #[test]
    fn a_model_named_like_a_word_of_the_shapes_does_not_stop_the_others() {
        // OpenAI's document has a schema `Error`: `type Error = …` names it too.
        let mut items = file("pub struct Error { pub message: String } pub enum Kind { A }");
        items.push(shape("try_from_str", "Kind"));
        let (out, used) = compact(items);
        assert!(used);
        assert_eq!(texts(&out)[2], "model_impls ! (Kind : try_from_str) ;");
    }

    #[test]
    fn a_constrained_strings_from_str_becomes_its_bounds_and_pattern() {
        let ty = format_ident!("Uid");
        let mut items = file("pub struct Uid(::std::string::String);");
        let written = typify_from_str(&ty, Some(256), Some(1), Some("^[a-z]+$"));
        items.push(syn::parse2(written).expect("typify's FromStr parses"));
        let (out, used) = compact(items);
        assert!(used);
        assert_eq!(
            texts(&out)[1],
            "model_impls ! (@ from_str Uid max 256 min 1 pattern \"^[a-z]+$\") ;"
        );
        // Only a minimum: the other checks are left out of the line.
        let mut items = file("pub struct Uid(::std::string::String);");
        let written = typify_from_str(&ty, None, Some(3), None);
        items.push(syn::parse2(written).expect("typify's FromStr parses"));
        assert_eq!(
            texts(&compact(items).0)[1],
            "model_impls ! (@ from_str Uid min 3) ;"
        );
    }

    #[test]
    fn a_from_str_that_says_something_else_is_kept() {
        let items = file(
            "pub struct Uid(::std::string::String);
             impl ::std::str::FromStr for Uid { type Err = self::error::ConversionError;
                 fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                     if value.chars().count() > 4usize { return Err(\"too long\".into()); }
                     Ok(Self(value.to_string())) } }",
        );
        let before = texts(&items);
        assert_eq!(before, texts(&compact(items).0));
    }

    #[test]
    fn a_type_with_every_shape_of_a_bundle_gets_the_bundles_name() {
        let Rules { bundles, .. } = rules();
        let (bundle, members) = bundles
            .iter()
            .find(|(name, _)| name == "constrained_string")
            .expect("the bundle");
        let mut items = file("pub struct Uid(::std::string::String);");
        items.extend(members.iter().map(|m| shape(m, "Uid")));
        let (out, _) = compact(items);
        assert_eq!(texts(&out)[1], format!("model_impls ! (Uid : {bundle}) ;"));
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn the_macro_source_parses_into_its_shapes_and_bundles() {
        let Rules { shapes, bundles } = rules();
        let names: Vec<&str> = shapes.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "deref_string",
                "into_string",
                "try_from_str",
                "try_from_string_ref",
                "try_from_string",
                "deserialize_parsed"
            ]
        );
        for (name, tokens) in &shapes {
            assert!(
                syn::parse2::<syn::ItemImpl>(tokens.clone()).is_ok(),
                "shape {name} is an impl"
            );
        }
        for (bundle, members) in &bundles {
            for m in members {
                assert!(names.contains(&m.as_str()), "{bundle} calls {m}, a shape");
            }
        }
        assert_eq!(bundles.len(), 2);
    }
}
