//! Models: every component schema becomes one Rust type (typify), emitted into the models crate
//! and shared by the client (progenitor replacements) and the server (trait signatures).

use proc_macro2::TokenStream;
use serde_json::{Map, Value, json};
use typify::{TypeSpace, TypeSpaceSettings};

use crate::error::{Diagnostic, Error, Result, catch_backend, escape_pointer};
use crate::ir::{Additional, Api, Kind, Schema};

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
        let mut schemas: Vec<(String, schemars::schema::Schema)> = Vec::new();
        for (name, schema) in &api.schemas {
            match serde_json::from_value(to_json_schema(&schema.json)) {
                Ok(s) => schemas.push((name.clone(), s)),
                Err(e) => {
                    warnings.push(untyped(name, &format!("typify cannot read it ({e})")));
                    schemas.push((name.clone(), any_json()));
                }
            }
        }
        let (rendered, names) = match attempt(&schemas, api) {
            Ok(built) => built,
            Err(first) => {
                // Only the failure path pays for the schemas without their `default` values.
                let stripped: Vec<schemars::schema::Schema> = api
                    .schemas
                    .values()
                    .map(|schema| {
                        let converted = without_defaults(&to_json_schema(&schema.json));
                        serde_json::from_value(converted).unwrap_or(any_json())
                    })
                    .collect();
                // A name defined twice: the culprits are among the schemas that mention it, and
                // only those are searched (a few builds instead of a bisection over the whole
                // document per culprit, which took minutes on GitHub's documents).
                let duplicates = duplicate_culprits(&schemas, api, &first);
                // Otherwise first the gentler repair: the same schemas without their `default`
                // values (typify checks them against the type and rejects some); then `{}`.
                let gentle = if duplicates.is_empty() {
                    culprits(&schemas, api, &|i| stripped[i].clone())
                } else {
                    Vec::new()
                };
                let (culprits, replacement): (
                    Vec<usize>,
                    &dyn Fn(usize) -> schemars::schema::Schema,
                ) = if !duplicates.is_empty() {
                    (duplicates, &|_| any_json())
                } else if gentle.is_empty() {
                    (culprits(&schemas, api, &|_| any_json()), &|_| any_json())
                } else {
                    (gentle, &|i| stripped[i].clone())
                };
                if culprits.is_empty() {
                    return Err(first);
                }
                let mut replaced = schemas.clone();
                for &i in &culprits {
                    let name = &schemas[i].0;
                    let replacement = replacement(i);
                    warnings.push(if replacement == any_json() {
                        untyped(
                            name,
                            &format!("typify fails on the document with it (its first failure: {first})"),
                        )
                    } else {
                        Diagnostic::warning(
                            format!("/components/schemas/{}", escape_pointer(name)),
                            format!("schema `{name}`: its `default` values are left out of the generated type (typify rejects them: {first})"),
                        )
                    });
                    replaced[i].1 = replacement;
                }
                attempt(&replaced, api)?
            }
        };
        Ok(Self {
            rendered,
            names,
            warnings,
        })
    }

    /// The code of the models crate's generated module: typify's types, each struct with named
    /// fields and each enum marked `#[non_exhaustive]`, so the document can grow without breaking
    /// code outside the crate (structs are built with their builders; matches need a `_` arm).
    pub fn tokens(&self) -> Result<TokenStream> {
        let tokens = self.rendered.clone();
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

/// `{}`: any JSON value.
fn any_json() -> schemars::schema::Schema {
    schemars::schema::Schema::Bool(true)
}

/// `schema` without its `default` keywords, in it and every subschema (a property named
/// `default` stays).
fn without_defaults(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let each = |v: &Value| match v {
        Value::Array(items) => Value::Array(items.iter().map(without_defaults).collect()),
        other => without_defaults(other),
    };
    map.iter()
        .filter(|(k, _)| k.as_str() != "default")
        .map(|(k, v)| {
            let v = match k.as_str() {
                "properties" | "patternProperties" | "definitions" | "$defs" => match v {
                    Value::Object(m) => Value::Object(
                        m.iter()
                            .map(|(name, sub)| (name.clone(), without_defaults(sub)))
                            .collect(),
                    ),
                    other => other.clone(),
                },
                "items"
                | "additionalProperties"
                | "not"
                | "allOf"
                | "anyOf"
                | "oneOf"
                | "additionalItems"
                | "contains"
                | "propertyNames" => each(v),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect::<Map<String, Value>>()
        .into()
}

/// The warning for a schema generated as `serde_json::Value`.
fn untyped(name: &str, why: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("/components/schemas/{}", escape_pointer(name)),
        format!("schema `{name}` is generated as `serde_json::Value`: {why}"),
    )
}

/// typify's settings for the models.
fn type_space_settings() -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    // Builders (`X::builder().field(v)`) let callers set only what they need, so a new field in
    // the document never breaks code that builds a model.
    settings
        .with_derive("PartialEq".to_owned())
        .with_map_type("::std::collections::BTreeMap")
        .with_struct_builder(true);
    settings
}

/// Builds the type space of `schemas`, names every schema of `api` in it and renders it;
/// typify's errors and panics (rendering panics on some schemas it accepted) become errors.
fn attempt(
    schemas: &[(String, schemars::schema::Schema)],
    api: &Api,
) -> Result<(TokenStream, ModelNames)> {
    let schemas = schemas.to_vec();
    let keys: Vec<String> = api.schemas.keys().cloned().collect();
    catch_backend("typify", move || {
        let mut space = TypeSpace::new(&type_space_settings());
        let present: std::collections::HashSet<String> =
            schemas.iter().map(|(n, _)| n.clone()).collect();
        space
            .add_ref_types(schemas)
            .map_err(|e| Error::backend("typify", e.to_string()))?;
        let mut names = indexmap::IndexMap::new();
        for name in keys.iter().filter(|k| present.contains(*k)) {
            names.insert(name.clone(), type_name_of(&mut space, name)?);
        }
        let rendered = space.to_stream();
        if let Some(name) = defined_twice(&rendered) {
            // typify's output would not compile: a failure like any other, bisected to schemas.
            return Err(Error::backend(
                "typify",
                format!("the models define `{name}` twice"),
            ));
        }
        Ok((rendered, ModelNames(names)))
    })
}

/// The schemas typify fails on, found by bisection: replacing each culprit `i` with
/// `replacement(i)` makes the build succeed (none found: empty). Each culprit costs about
/// log2(n) builds; only the failure path pays them.
fn culprits(
    schemas: &[(String, schemars::schema::Schema)],
    api: &Api,
    replacement: &dyn Fn(usize) -> schemars::schema::Schema,
) -> Vec<usize> {
    const MAX_CULPRITS: usize = 32;
    let with_replaced = |replaced: &[usize]| {
        let mut copy = schemas.to_vec();
        for &i in replaced {
            copy[i].1 = replacement(i);
        }
        attempt(&copy, api).is_ok()
    };
    let mut found: Vec<usize> = Vec::new();
    while found.len() < MAX_CULPRITS {
        if with_replaced(&found) {
            return found;
        }
        let candidates: Vec<usize> = (0..schemas.len()).filter(|i| !found.contains(i)).collect();
        let with_prefix = |k: usize| {
            let mut trial = found.clone();
            trial.extend_from_slice(&candidates[..k]);
            with_replaced(&trial)
        };
        if candidates.is_empty() || !with_prefix(candidates.len()) {
            // Replacing every schema does not help: the failure is not one of theirs.
            return Vec::new();
        }
        // The shortest prefix of the candidates whose replacement fixes the build: its last
        // schema is a culprit (prefix `lo` fails, prefix `hi` works).
        let (mut lo, mut hi) = (0, candidates.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if with_prefix(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        found.push(candidates[hi - 1]);
    }
    if with_replaced(&found) {
        found
    } else {
        Vec::new()
    }
}

/// `schemas` with those at `replaced` made `{}` (any JSON value).
fn untyped_at(
    schemas: &[(String, schemars::schema::Schema)],
    replaced: &[usize],
) -> Vec<(String, schemars::schema::Schema)> {
    let mut copy = schemas.to_vec();
    for &i in replaced {
        copy[i].1 = any_json();
    }
    copy
}

/// The name a "defines `N` twice" failure names.
fn name_defined_twice(error: &Error) -> Option<String> {
    let Error::Backend { message, .. } = error else {
        return None;
    };
    let rest = message.split("the models define `").nth(1)?;
    Some(rest.split('`').next()?.to_owned())
}

/// Letters and digits only, lower-cased: how a Rust type name and the keys and words it was
/// made from compare (`AutoMerge` ~ `auto-merge` ~ `auto_merge`).
fn squashed(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The schemas to replace (by `{}`) so that typify stops defining names twice, found among the
/// schemas that mention each name (by key or anywhere in their text), one name after another;
/// empty when `first` is not such a failure or the search does not end in a build that works
/// (then the general search runs).
fn duplicate_culprits(
    schemas: &[(String, schemars::schema::Schema)],
    api: &Api,
    first: &Error,
) -> Vec<usize> {
    const MAX_NAMES: usize = 32;
    let texts: Vec<String> = api
        .schemas
        .values()
        .map(|s| squashed(&s.json.to_string()))
        .collect();
    let build = |replaced: &[usize]| attempt(&untyped_at(schemas, replaced), api).err();
    let mut found: Vec<usize> = Vec::new();
    let Some(mut name) = name_defined_twice(first) else {
        return Vec::new();
    };
    for _ in 0..MAX_NAMES {
        let wanted = squashed(&name);
        let candidates: Vec<usize> = (0..schemas.len())
            .filter(|i| !found.contains(i))
            .filter(|&i| {
                squashed(&schemas[i].0) == wanted
                    || texts.get(i).is_some_and(|t| t.contains(&wanted))
            })
            .collect();
        // Still names a type `name` twice with the first `k` candidates replaced? (Asked of
        // the type space, without rendering it: the searches' builds cost a fraction.)
        let still = |k: usize| {
            let replaced: Vec<usize> = found.iter().chain(&candidates[..k]).copied().collect();
            named_twice(&untyped_at(schemas, &replaced)).as_deref() == Some(name.as_str())
        };
        // The type space must show the duplicate the rendered output has (else this search
        // cannot tell), and replacing every candidate must remove it.
        if candidates.is_empty() || !still(0) || still(candidates.len()) {
            return Vec::new();
        }
        // The shortest prefix of the candidates whose replacement removes the duplicate: its
        // last schema is a culprit (prefix `lo` still fails, prefix `hi` does not).
        let (mut lo, mut hi) = (0, candidates.len());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if still(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        found.push(candidates[hi - 1]);
        // The next duplicate, from the type space; once it shows none, the rendered build has
        // the last word (it may still find one, or another failure).
        if let Some(next) = named_twice(&untyped_at(schemas, &found)) {
            name = next;
            continue;
        }
        match build(&found) {
            None => return found,
            Some(error) => match name_defined_twice(&error) {
                Some(next) => name = next,
                None => return Vec::new(),
            },
        }
    }
    Vec::new()
}

/// A name typify gives two of the types of `schemas` (structs, enums, newtypes), asked of the
/// type space without rendering it; `None` when there is none or typify fails otherwise.
fn named_twice(schemas: &[(String, schemars::schema::Schema)]) -> Option<String> {
    let schemas = schemas.to_vec();
    catch_backend("typify", move || {
        let mut space = TypeSpace::new(&type_space_settings());
        space
            .add_ref_types(schemas)
            .map_err(|e| Error::backend("typify", e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
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
            .find(|name| !seen.insert(name.clone())))
    })
    .ok()
    .flatten()
}

/// A name typify's output defines twice in one module (top level or nested), if any.
fn defined_twice(tokens: &TokenStream) -> Option<String> {
    fn scan(items: &[syn::Item]) -> Option<String> {
        let mut seen = std::collections::HashSet::new();
        for item in items {
            let name = match item {
                syn::Item::Struct(i) => Some(i.ident.to_string()),
                syn::Item::Enum(i) => Some(i.ident.to_string()),
                syn::Item::Type(i) => Some(i.ident.to_string()),
                syn::Item::Fn(i) => Some(i.sig.ident.to_string()),
                syn::Item::Const(i) => Some(i.ident.to_string()),
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content
                        && let Some(twice) = scan(inner)
                    {
                        return Some(twice);
                    }
                    Some(m.ident.to_string())
                }
                _ => None,
            };
            if let Some(name) = name
                && !seen.insert(name.clone())
            {
                return Some(name);
            }
        }
        None
    }
    let file = syn::parse2::<syn::File>(tokens.clone()).ok()?;
    scan(&file.items)
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
    convert(schema, false)
}

/// [`to_json_schema`] of a schema, or (`nested`) of a subschema: typify names an inline type
/// after its `title`, and two inline types with one title (`"title": "Type"` on the `type`
/// property of every variant) become one type, which the other's values then do not fit. Inline
/// types are named after their place instead.
fn convert(schema: &Value, nested: bool) -> Value {
    let Value::Object(src) = schema else {
        return schema.clone();
    };
    let to_json_schema = |v: &Value| convert(v, true);
    let mut out = Map::new();
    for (key, value) in src {
        let converted = match key.as_str() {
            "title" if nested => continue,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_defaults_drops_the_keyword_at_every_depth_but_keeps_a_property_named_default() {
        let schema = json!({
            "type": "object",
            "default": {},
            "properties": {
                "default": { "type": "string", "default": "x" },
                "list": { "type": "array", "items": { "enum": ["a"], "default": "a" } },
                "either": { "anyOf": [{ "type": "string", "default": "b" }] }
            }
        });
        assert_eq!(
            without_defaults(&schema),
            json!({
                "type": "object",
                "properties": {
                    "default": { "type": "string" },
                    "list": { "type": "array", "items": { "enum": ["a"] } },
                    "either": { "anyOf": [{ "type": "string" }] }
                }
            })
        );
    }
}
