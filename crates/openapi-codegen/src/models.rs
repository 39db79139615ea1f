//! Models: every component schema becomes one Rust type (typify), emitted into the models crate
//! and shared by the client (progenitor replacements) and the server (trait signatures).

use proc_macro2::TokenStream;
use serde_json::{Map, Value, json};
use typify::{TypeSpace, TypeSpaceSettings};

use crate::error::{Error, Result, catch_backend};
use crate::ir::{Additional, Api, Kind, Schema};

/// The typed models of a document.
pub(crate) struct Models {
    space: TypeSpace,
    /// Their Rust names (all the client and server generators need; shareable across threads).
    pub names: ModelNames,
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
    /// Builds the type space of all component schemas.
    pub fn build(api: &Api) -> Result<Self> {
        let schemas: Vec<(String, schemars::schema::Schema)> = api
            .schemas
            .iter()
            .map(|(name, schema)| {
                let converted = to_json_schema(&schema.json);
                serde_json::from_value(converted)
                    .map(|s| (name.clone(), s))
                    .map_err(|e| {
                        Error::backend(
                            "typify",
                            format!("schema `{name}` cannot be read as JSON Schema: {e}"),
                        )
                    })
            })
            .collect::<Result<_>>()?;
        let mut space = catch_backend("typify", move || {
            let mut settings = TypeSpaceSettings::default();
            // Builders (`X::builder().field(v)`) let callers set only what they need, so a new
            // field in the document never breaks code that builds a model.
            settings
                .with_derive("PartialEq".to_owned())
                .with_map_type("::std::collections::BTreeMap")
                .with_struct_builder(true);
            let mut space = TypeSpace::new(&settings);
            space
                .add_ref_types(schemas)
                .map_err(|e| Error::backend("typify", e.to_string()))?;
            Ok(space)
        })?;
        let mut names = indexmap::IndexMap::new();
        for name in api.schemas.keys() {
            let rust = type_name_of(&mut space, name)?;
            names.insert(name.clone(), rust);
        }
        Ok(Self {
            space,
            names: ModelNames(names),
        })
    }

    /// The code of the models crate's generated module: typify's types, each struct with named
    /// fields and each enum marked `#[non_exhaustive]`, so the document can grow without breaking
    /// code outside the crate (structs are built with their builders; matches need a `_` arm).
    pub fn tokens(&self) -> Result<TokenStream> {
        let space = std::panic::AssertUnwindSafe(&self.space);
        let tokens = catch_backend("typify", move || Ok(space.to_stream()))?;
        let Ok(mut file) = syn::parse2::<syn::File>(tokens.clone()) else {
            // Formatting reports unparsable output with its reason.
            return Ok(tokens);
        };
        let non_exhaustive: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
        for item in &mut file.items {
            match item {
                syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {
                    s.attrs.push(non_exhaustive.clone());
                }
                syn::Item::Enum(e) => e.attrs.push(non_exhaustive.clone()),
                _ => {}
            }
        }
        Ok(quote::quote!(#file))
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

fn type_name_of(space: &mut TypeSpace, name: &str) -> Result<String> {
    let typify = |e: &dyn std::fmt::Display| Error::backend("typify", e.to_string());
    let reference: schemars::schema::Schema =
        serde_json::from_value(json!({ "$ref": format!("#/components/schemas/{name}") }))
            .map_err(|e| typify(&e))?;
    let id = space.add_type(&reference).map_err(|e| typify(&e))?;
    let ty = space.get_type(&id).map_err(|e| typify(&e))?;
    Ok(ty.name())
}

/// Whether typify would give two string values of `values` the same variant name (or none).
fn enum_names_collide(values: Option<&Value>) -> bool {
    let Some(Value::Array(values)) = values else {
        return false;
    };
    let mut seen = std::collections::BTreeSet::new();
    values.iter().filter_map(Value::as_str).any(|v| {
        let name = crate::naming::rust_variant_name(v);
        name.is_empty() || !seen.insert(name)
    })
}

/// Converts a normalized (OpenAPI 3.0 flavoured) schema into JSON Schema (draft 7) for typify.
pub(crate) fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(src) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in src {
        let converted = match key.as_str() {
            "properties" | "patternProperties" => match value {
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), to_json_schema(v)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "not" | "additionalProperties" if value.is_object() => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(list) => Value::Array(list.iter().map(to_json_schema).collect()),
                other => other.clone(),
            },
            "nullable" | "discriminator" | "xml" | "externalDocs" | "example" => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    for (bound, exclusive) in [
        ("minimum", "exclusiveMinimum"),
        ("maximum", "exclusiveMaximum"),
    ] {
        if out.get(exclusive) == Some(&Value::Bool(true)) {
            if let Some(v) = out.remove(bound) {
                out.insert(exclusive.into(), v);
            }
        } else if out.get(exclusive) == Some(&Value::Bool(false)) {
            out.remove(exclusive);
        }
    }
    if let Some(example) = src.get("example") {
        out.insert("examples".into(), json!([example]));
    }
    if enum_names_collide(out.get("enum")) {
        // typify cannot name these variants apart (`>=`/`>`, `reactions-+1`/`reactions--1`,
        // emoji): it gets a plain string; the server still checks the enumeration.
        out.remove("enum");
    }
    if src.get("nullable") == Some(&Value::Bool(true)) {
        match out.get("type") {
            Some(Value::String(t)) if !out.contains_key("enum") => {
                let t = t.clone();
                out.insert("type".into(), json!([t, "null"]));
            }
            _ => {
                // Wrap: annotations stay outside, the value schema moves into an `anyOf` with null.
                let mut wrapper = Map::new();
                for key in [
                    "description",
                    "title",
                    "default",
                    "deprecated",
                    "readOnly",
                    "writeOnly",
                    "examples",
                ] {
                    if let Some(v) = out.remove(key) {
                        wrapper.insert(key.into(), v);
                    }
                }
                let inner = match out.get("allOf") {
                    Some(Value::Array(list)) if list.len() == 1 && out.len() == 1 => {
                        list[0].clone()
                    }
                    _ => Value::Object(out),
                };
                if let Some(Value::Array(values)) = inner.get("enum") {
                    let mut inner = inner.clone();
                    let mut values = values.clone();
                    if !values.contains(&Value::Null) {
                        values.push(Value::Null);
                    }
                    inner["enum"] = Value::Array(values);
                    if let Some(Value::String(t)) = inner.get("type").cloned() {
                        inner["type"] = json!([t, "null"]);
                    }
                    for (k, v) in wrapper {
                        inner[k] = v;
                    }
                    return inner;
                }
                wrapper.insert("anyOf".into(), json!([inner, { "type": "null" }]));
                return Value::Object(wrapper);
            }
        }
    }
    Value::Object(out)
}
