//! Models: every component schema becomes one Rust type (typify), emitted into the models crate
//! and shared by the client (progenitor replacements) and the server (trait signatures).

mod compact;
mod defaults;
mod fields;
mod json_schema;
mod model_impls;
pub(crate) use json_schema::to_value_schema;
mod repair;
mod setters;
mod simple_enums;
mod space;

use proc_macro2::TokenStream;

use crate::error::{Diagnostic, Result};
use crate::ir::{Additional, Api, Kind, Schema};
use json_schema::to_json_schema;

/// The typed models of a document.
pub(crate) struct Models {
    /// typify's rendering of every type.
    rendered: TokenStream,
    /// Their Rust names (all the client and server generators need; shareable across threads).
    pub names: ModelNames,
    /// Schemas generated as `serde_json::Value` because typify could not take them.
    pub warnings: Vec<Diagnostic>,
}

/// Component schema name → Rust type name, in document order.
#[derive(Debug, Clone, Default)]
pub(crate) struct ModelNames(pub indexmap::IndexMap<String, String>);

impl ModelNames {
    /// The Rust type name of component schema `name`.
    pub fn rust_name(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Every Rust type name, in document order.
    pub fn rust_names(&self) -> impl Iterator<Item = &str> {
        self.0.values().map(String::as_str)
    }
}

impl Models {
    /// Builds the type space of all component schemas. A schema typify cannot take (it cannot
    /// read it, refuses it or panics on it) is generated as `serde_json::Value` under its own
    /// name, with a warning naming it; the others keep their types.
    pub fn build(api: &Api) -> Result<Self> {
        let mut warnings = Vec::new();
        let mut schemas: Vec<space::Named> = Vec::new();
        let mut taken: std::collections::BTreeSet<String> = api
            .schemas
            .keys()
            .map(|n| crate::naming::rust_type_name(n))
            .collect();
        let component_names = taken.clone();
        let mut add =
            |name: &str, converted: serde_json::Value, schemas: &mut Vec<space::Named>| {
                match serde_json::from_value(converted) {
                    Ok(s) => schemas.push((name.to_owned(), s)),
                    Err(e) => {
                        warnings.push(repair::untyped(
                            name,
                            &format!("typify cannot read it ({e})"),
                        ));
                        schemas.push((name.to_owned(), repair::any_json()));
                    }
                }
            };
        for (name, schema) in &api.schemas {
            let mut converted = to_json_schema(&schema.json);
            let inner = json_schema::split_nullable(&mut converted, name, &taken);
            json_schema::name_inline_properties(&mut converted, name, &component_names);
            add(name, converted, &mut schemas);
            if let Some((inner_name, mut inner)) = inner {
                taken.insert(inner_name.clone());
                json_schema::name_inline_properties(&mut inner, &inner_name, &component_names);
                add(&inner_name, inner, &mut schemas);
            }
        }
        let (rendered, names) = match space::attempt(&schemas, api) {
            Ok(built) => built,
            Err(first) => {
                let (built, repairs) = repair::repair(&schemas, api, first)?;
                warnings.extend(repairs);
                built
            }
        };
        Ok(Self {
            rendered,
            names,
            warnings,
        })
    }

    /// The code of the models crate's generated module: typify's types, with distinct names for
    /// fields typify named alike (`fields`), each struct with named fields and each enum marked
    /// `#[non_exhaustive]`, so the document can grow without breaking
    /// code outside the crate (structs are built with `new` and the `with_…` setters
    /// (`setters`); matches need a `_` arm) — with typify's repeated impls as `model_impls!` lines
    /// (`compact`) and the source the module then starts with.
    ///
    /// It takes typify's tokens out of `self` (a second call has none): parsed by value, they
    /// are freed as the syntax tree is built rather than held beside it (a large document's
    /// peak memory).
    pub fn take_file(&mut self) -> Result<(syn::File, &'static str)> {
        let rendered = std::mem::take(&mut self.rendered);
        let mut file = syn::parse2::<syn::File>(rendered).map_err(|e| {
            crate::error::Error::backend(
                "typify",
                format!("generated models are not valid Rust: {e}"),
            )
        })?;
        fields::make_distinct(&mut file.items);
        let non_exhaustive: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
        let uninhabited: std::collections::BTreeSet<String> = file
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Enum(e) if e.variants.is_empty() => Some(e.ident.to_string()),
                _ => None,
            })
            .collect();
        let mut items = Vec::with_capacity(file.items.len() * 2);
        for mut item in file.items {
            let mut constructors = None;
            match &mut item {
                syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {
                    s.attrs.push(non_exhaustive.clone());
                    skip_absent_boxes(s);
                    constructors = setters::constructors(s, &uninhabited);
                }
                syn::Item::Enum(e) => e.attrs.push(non_exhaustive.clone()),
                _ => {}
            }
            items.push(item);
            items.extend(constructors.map(syn::Item::Impl));
        }
        let (items, compacted) = compact::compact(items);
        let prelude = if compacted { model_impls::SOURCE } else { "" };
        Ok((syn::File { items, ..file }, prelude))
    }
}

/// Gives each `Box<Option<T>>` field (typify's type for an optional property of a recursive
/// type) the `skip_serializing_if` typify gives plain `Option`s, so an absent value is left out
/// instead of written `null` (which the schema of an object property does not take).
fn skip_absent_boxes(item: &mut syn::ItemStruct) {
    let syn::Fields::Named(named) = &mut item.fields else {
        return;
    };
    for field in &mut named.named {
        let boxed_option = setters::box_inner(&field.ty)
            .and_then(setters::option_inner)
            .is_some();
        let skips = field.attrs.iter().any(|a| {
            a.path().is_ident("serde")
                && a.meta
                    .require_list()
                    .is_ok_and(|l| l.tokens.to_string().contains("skip_serializing"))
        });
        if boxed_option && !skips {
            field.attrs.push(syn::parse_quote!(
                #[serde(skip_serializing_if = "::std::option::Option::is_none")]
            ));
        }
    }
}

/// Where generated code finds the crates a non-model type may name.
pub(crate) struct TypePaths {
    /// Path of the `chrono` crate.
    pub chrono: TokenStream,
    /// Path of `serde_json::Value`.
    pub json_value: TokenStream,
}

impl ModelNames {
    /// The Rust type of a parameter or body schema: the shared model for a `$ref` (as
    /// `models::Name`), a built-in type otherwise.
    pub fn rust_type(&self, schema: &Schema, paths: &TypePaths) -> TokenStream {
        if let Some(name) = &schema.reference
            && let Some(rust) = self.rust_name(name)
        {
            let ident = quote::format_ident!("{}", rust);
            return quote::quote! { models::#ident };
        }
        let format = schema.format.as_deref();
        let inner = match &schema.kind {
            Some(Kind::String) if format == Some("date-time") => {
                let chrono = &paths.chrono;
                quote::quote! { #chrono::DateTime<#chrono::Utc> }
            }
            Some(Kind::String) => quote::quote! { String },
            Some(Kind::Integer) => match format {
                Some("int8") => quote::quote! { i8 },
                Some("int16") => quote::quote! { i16 },
                Some("int32") => quote::quote! { i32 },
                Some("uint8") => quote::quote! { u8 },
                Some("uint16") => quote::quote! { u16 },
                Some("uint32") => quote::quote! { u32 },
                Some("uint64") => quote::quote! { u64 },
                _ => quote::quote! { i64 },
            },
            Some(Kind::Number) => quote::quote! { f64 },
            Some(Kind::Boolean) => quote::quote! { bool },
            Some(Kind::Array) => {
                let item = match &schema.items {
                    Some(items) => self.rust_type(items, paths),
                    None => paths.json_value.clone(),
                };
                quote::quote! { Vec<#item> }
            }
            Some(Kind::Object) => match &schema.additional {
                Additional::Schema(values) => {
                    let item = self.rust_type(values, paths);
                    quote::quote! { ::std::collections::BTreeMap<String, #item> }
                }
                _ => paths.json_value.clone(),
            },
            _ => paths.json_value.clone(),
        };
        if schema.nullable {
            quote::quote! { Option<#inner> }
        } else {
            inner
        }
    }
}
