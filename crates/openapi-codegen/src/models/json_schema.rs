//! The document's schemas as typify reads them: JSON Schema (draft 7) converted from the
//! normalized OpenAPI schemas, and the gentler form without `default` values that the repair
//! tries first.

use serde_json::{Map, Value, json};

/// `schema` without its `default` keywords, in it and every subschema (a property named
/// `default` stays).
pub(super) fn without_defaults(schema: &Value) -> Value {
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

/// Whether `list` is an `allOf` list of references alone.
fn only_references(list: Option<&Value>) -> bool {
    let Some(Value::Array(list)) = list else {
        return false;
    };
    !list.is_empty()
        && list.iter().all(|b| {
            b.as_object()
                .is_some_and(|m| m.len() == 1 && m.contains_key("$ref"))
        })
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

/// Names the inline property types of component `parent` that typify would name
/// `<Parent><Property>` when another component already has that Rust name (Microsoft Graph's
/// `user.settings`, an inline `anyOf`, beside `userSettings`), by giving each a title typify
/// names it after instead; the others keep typify's name.
pub(super) fn name_inline_properties(
    schema: &mut Value,
    parent: &str,
    components: &std::collections::BTreeSet<String>,
) {
    let parent_rust = crate::naming::rust_type_name(parent);
    rename_in(schema, &parent_rust, components, 0);
}

/// Splits the value type out of nullable component `parent` when it is an inline schema (`anyOf`
/// of it and `null`: a 3.1 document's `anyOf: [{…}, {type: null}]`, or a nullable `oneOf`):
/// typify names such a value type after the component itself, which then names two types. The
/// value type becomes a schema of its own, `<Parent>Inner` (the name typify gives the value type
/// of a component typed `[object, null]`), returned with its name; `schema` refers to it.
pub(super) fn split_nullable(
    schema: &mut Value,
    parent: &str,
    taken: &std::collections::BTreeSet<String>,
) -> Option<(String, Value)> {
    let Some(Value::Array(branches)) = schema.get_mut("anyOf") else {
        return None;
    };
    if branches.len() != 2 || branches[1] != json!({ "type": "null" }) {
        return None;
    }
    if !branches[0].is_object() || branches[0].get("$ref").is_some() {
        return None;
    }
    let base = format!("{}Inner", crate::naming::rust_type_name(parent));
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
    let inner = std::mem::replace(&mut branches[0], reference);
    Some((name, inner))
}

/// [`name_inline_properties`] in `schema` and the branches of its `allOf`/`anyOf`/`oneOf`
/// (whose properties typify also names after the parent).
fn rename_in(
    schema: &mut Value,
    parent_rust: &str,
    components: &std::collections::BTreeSet<String>,
    depth: usize,
) {
    if depth > 4 {
        return;
    }
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (prop, value) in props.iter_mut() {
            let Value::Object(map) = value else { continue };
            if map.len() == 1 && map.contains_key("$ref") {
                continue;
            }
            let candidate = format!("{parent_rust}{}", crate::naming::rust_type_name(prop));
            if components.contains(&candidate) {
                let mut title = format!("{candidate}Property");
                let mut n = 2;
                while components.contains(&title) {
                    title = format!("{candidate}Property{n}");
                    n += 1;
                }
                map.insert("title".into(), Value::String(title));
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = schema.get_mut(key).and_then(Value::as_array_mut) {
            for branch in list {
                rename_in(branch, parent_rust, components, depth + 1);
            }
        }
    }
}

/// Converts a normalized (OpenAPI 3.0 flavoured) schema into JSON Schema (draft 7) for typify.
pub(super) fn to_json_schema(schema: &Value) -> Value {
    convert(schema, false, false)
}

/// [`to_json_schema`] for validating and synthesizing values rather than naming types: every
/// `enum` kept and `discriminator` kept (an annotation validators ignore).
pub(crate) fn to_value_schema(schema: &Value) -> Value {
    convert(schema, false, true)
}

/// [`to_json_schema`] of a schema, or (`nested`) of a subschema: typify names an inline type
/// after its `title`, and two inline types with one title (`"title": "Type"` on the `type`
/// property of every variant) become one type, which the other's values then do not fit. Inline
/// types are named after their place instead.
fn convert(schema: &Value, nested: bool, values: bool) -> Value {
    let Value::Object(src) = schema else {
        return schema.clone();
    };
    let to_json_schema = |v: &Value| convert(v, true, values);
    let mut out = Map::new();
    for (key, value) in src {
        let converted = match key.as_str() {
            // A nullable schema's value type is an inner type, which typify names after the
            // title too: `nullable-simple-user` titled "Simple User" would take `SimpleUser`
            // from `simple-user`. It is named after the schema instead.
            "title" if nested || src.get("nullable") == Some(&Value::Bool(true)) => continue,
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
            // Annotations the mock reads (discriminators, XML names): validators ignore them.
            "discriminator" | "xml" if values => value.clone(),
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
    if !values && out.contains_key("enum") && only_references(out.get("allOf")) {
        // `{enum: [...], allOf: [{$ref}]}` (an enumeration narrowing a referenced one, as
        // Discord writes its tags): the enumeration already fixes the values, and typify panics
        // merging it with the reference. The value check keeps the `allOf`.
        out.remove("allOf");
    }
    if !values && enum_names_collide(out.get("enum")) {
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
