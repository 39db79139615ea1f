//! Building typify's type space of the component schemas, in the two weights the repair search
//! needs: [`attempt`] renders the space and checks the output (what the models crate gets),
//! [`read`] only reads the schemas into it and lists the names given to two types — a fraction
//! of the cost on large documents.

use std::collections::{BTreeSet, HashSet};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use serde_json::json;
use typify::{TypeSpace, TypeSpaceSettings};

use super::ModelNames;
use crate::error::{Error, Result, catch_backend};
use crate::ir::Api;

/// One component schema as typify reads it, under its name.
pub(super) type Named = (String, schemars::schema::Schema);

/// typify's settings for the models. No builder types: each struct gets a constructor taking
/// its required fields and a setter per optional one instead (`models::setters`), half the code.
fn type_space_settings() -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    settings
        .with_derive("PartialEq".to_owned())
        .with_map_type("::std::collections::BTreeMap")
        .with_struct_builder(false);
    settings
}

/// The type space of `schemas` with each of `keys` (the document's schemas) named in it:
/// naming is where some of typify's checks run (and panic).
fn named_type_space(schemas: Vec<Named>, keys: &[String]) -> Result<(TypeSpace, ModelNames)> {
    let present: HashSet<String> = schemas.iter().map(|(n, _)| n.clone()).collect();
    let mut space = type_space(schemas)?;
    let mut names = indexmap::IndexMap::new();
    for name in keys.iter().filter(|k| present.contains(*k)) {
        names.insert(name.clone(), type_name_of(&mut space, name)?);
    }
    Ok((space, ModelNames(names)))
}

/// The type space of `schemas`.
fn type_space(schemas: Vec<Named>) -> Result<TypeSpace> {
    let mut space = TypeSpace::new(&type_space_settings());
    space
        .add_ref_types(schemas)
        .map_err(|e| Error::backend("typify", e.to_string()))?;
    Ok(space)
}

/// Reads a few schemas (that reference no others) into a type space of their own, names the
/// first and renders them (rendering a default is where typify panics on some): typify's error
/// or panic, if any.
pub(super) fn probe(schemas: Vec<Named>) -> Result<()> {
    let first: Vec<String> = schemas.iter().take(1).map(|(n, _)| n.clone()).collect();
    catch_backend("typify", move || {
        let (space, _) = named_type_space(schemas, &first)?;
        drop(space.to_stream());
        Ok(())
    })
}

/// Builds the type space of `schemas`, names every schema of `api` in it and renders it;
/// typify's errors and panics (rendering panics on some schemas it accepted) and output that
/// defines a name twice become errors.
pub(super) fn attempt(schemas: &[Named], api: &Api) -> Result<(TokenStream, ModelNames)> {
    let schemas = schemas.to_vec();
    let keys: Vec<String> = api.schemas.keys().cloned().collect();
    catch_backend("typify", move || {
        let (space, names) = named_type_space(schemas, &keys)?;
        let rendered = space.to_stream();
        if let Some(name) = defined_twice(&rendered) {
            // typify's output would not compile: a failure like any other, searched for.
            return Err(Error::backend(
                "typify",
                format!("the models define `{name}` twice"),
            ));
        }
        Ok((rendered, names))
    })
}

/// Reads `schemas` into a type space and names every schema of `api` in it, without rendering:
/// the names typify gives to two types (structs, enums, newtypes), sorted, or typify's error.
pub(super) fn read(schemas: &[Named], api: &Api) -> Result<BTreeSet<String>> {
    let schemas = schemas.to_vec();
    let keys: Vec<String> = api.schemas.keys().cloned().collect();
    catch_backend("typify", move || {
        let (space, _) = named_type_space(schemas, &keys)?;
        let mut seen = HashSet::new();
        Ok(space
            .iter_types()
            .filter(|t| {
                matches!(
                    t.details(),
                    typify::TypeDetails::Struct(_)
                        | typify::TypeDetails::Enum(_)
                        | typify::TypeDetails::Newtype(_)
                )
            })
            .map(|t| t.name())
            .filter(|name| !seen.insert(name.clone()))
            .collect())
    })
}

/// The item keywords whose next identifier is the name an item defines in its module.
const ITEM_KEYWORDS: [&str; 9] = [
    "struct", "enum", "union", "type", "fn", "const", "static", "trait", "mod",
];

/// A name typify's output defines twice in one module (top level or nested), if any. Read from
/// the tokens as they are — item by item, into `mod { … }` bodies and nowhere else — rather than
/// parsed: a parse of a large document's models costs more than typify's rendering of them.
pub(super) fn defined_twice(tokens: &TokenStream) -> Option<String> {
    fn scan(tokens: TokenStream) -> Option<String> {
        let mut seen = HashSet::new();
        // At the start of an item (attributes and visibility do not end it), and the keyword
        // whose name comes next.
        let mut at_start = true;
        let mut keyword: Option<String> = None;
        let mut after_pub = false;
        let mut tokens = tokens.into_iter().peekable();
        while let Some(token) = tokens.next() {
            match token {
                TokenTree::Ident(ident) => {
                    let text = ident.to_string();
                    if let Some(kw) = keyword.take() {
                        if kw == "mod"
                            && let Some(TokenTree::Group(body)) = tokens.peek()
                            && body.delimiter() == Delimiter::Brace
                            && let Some(twice) = scan(body.stream())
                        {
                            return Some(twice);
                        }
                        if !seen.insert(text.clone()) {
                            return Some(text);
                        }
                        at_start = false;
                    } else if at_start && ITEM_KEYWORDS.contains(&text.as_str()) {
                        keyword = Some(text);
                    } else if at_start && matches!(text.as_str(), "pub" | "unsafe" | "async") {
                        after_pub = text == "pub";
                        continue;
                    } else {
                        at_start = false;
                    }
                }
                TokenTree::Punct(p) if p.as_char() == ';' => at_start = true,
                // `#[…]`: an attribute keeps the item's start.
                TokenTree::Punct(p) if matches!(p.as_char(), '#' | '!') && at_start => {}
                TokenTree::Group(g) => match g.delimiter() {
                    Delimiter::Bracket if at_start => {}
                    Delimiter::Parenthesis if at_start && after_pub => {}
                    // An item's body ends it; a brace inside an expression is followed by `;`.
                    Delimiter::Brace => {
                        at_start = true;
                        keyword = None;
                    }
                    _ => at_start = false,
                },
                _ => at_start = false,
            }
            after_pub = false;
        }
        None
    }
    scan(tokens.clone())
}

/// The Rust name typify gives component schema `name`.
fn type_name_of(space: &mut TypeSpace, name: &str) -> Result<String> {
    let typify = |e: &dyn std::fmt::Display| Error::backend("typify", e.to_string());
    let reference: schemars::schema::Schema =
        serde_json::from_value(json!({ "$ref": format!("#/components/schemas/{name}") }))
            .map_err(|e| typify(&e))?;
    let id = space.add_type(&reference).map_err(|e| typify(&e))?;
    let ty = space.get_type(&id).map_err(|e| typify(&e))?;
    Ok(ty.name())
}

#[cfg(test)]
mod tests {
    use super::defined_twice;

    #[test]
    fn defined_twice_finds_names_in_modules_and_ignores_impl_bodies_and_generics() {
        let ok: proc_macro2::TokenStream = quote::quote! {
            #[doc = "x"]
            #[derive(Clone)]
            pub struct A { pub b: i64 }
            impl A { pub fn new() -> Self { Self { b: 1 } } const C: i64 = 1; type T = i64; }
            impl<const N: usize> From<[u8; N]> for A { fn from(_: [u8; N]) -> Self { todo!() } }
            pub(crate) enum B { X }
            pub mod defaults { pub fn a() -> i64 { 1 } pub fn b() -> i64 { 2 } }
            const D: A = A { b: 2 };
            pub type E = A;
            mod inner { pub struct A; }
        };
        assert_eq!(defined_twice(&ok), None);
        let top = quote::quote! { pub struct A; impl A {} pub enum A { X } };
        assert_eq!(defined_twice(&top).as_deref(), Some("A"));
        let nested = quote::quote! { pub mod m { pub fn f() {} pub(crate) fn f() {} } };
        assert_eq!(defined_twice(&nested).as_deref(), Some("f"));
        let module_twice = quote::quote! { mod m {} mod m {} };
        assert_eq!(defined_twice(&module_twice).as_deref(), Some("m"));
    }
}
