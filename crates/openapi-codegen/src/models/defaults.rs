//! The `default` values typify rejects, found one schema at a time. typify checks each `default`
//! against the type it makes of the subschema holding it and fails the whole document on the
//! first it does not take; rather than searching the document for the schemas to blame (a build
//! of every schema per step), each schema is read into a type space of its own under its own
//! name — first alone, its references read as any value, then followed by the schemas it
//! references — once with each of its defaults alone, a millisecond or so each; a default typify
//! rejects there is left out, alone, with a warning naming where it was. What this does not
//! show (a clash with another schema's types) is left to the search.

use serde_json::Value;

use super::json_schema::without_defaults;
use super::space::{Named, probe};
use crate::error::{Diagnostic, escape_pointer};

/// How a schema is read on its own.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Context {
    /// Alone, every reference read as any value (only defaults on subschemas without references
    /// are checked).
    Alone,
    /// First, followed by the schemas it references (directly or not) without their defaults,
    /// as the document orders them: typify checks a default on a reference against the
    /// referenced type.
    WithReferences,
}

/// Leaves out of `schemas` the `default` values typify rejects, where a schema read on its own
/// (`context`) shows it, with a warning for each; empty when there are none.
pub(super) fn leave_out_rejected(schemas: &mut [Named], context: Context) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let jsons: Vec<Value> = schemas
        .iter()
        .map(|(_, s)| serde_json::to_value(s).unwrap_or(Value::Null))
        .collect();
    let index: std::collections::HashMap<String, usize> = schemas
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (format!("#/components/schemas/{n}"), i))
        .collect();
    for i in 0..schemas.len() {
        let mut json = jsons[i].clone();
        let name = schemas[i].0.clone();
        let mut holders = Vec::new();
        defaults_in(&json, String::new(), 0, &mut holders);
        if holders.is_empty() {
            continue;
        }
        if context == Context::Alone {
            // A default on a subschema with references depends on the referenced types, which
            // this reading replaces.
            holders.retain(|at| json.pointer(at).is_some_and(|sub| !has_reference(sub)));
            if holders.is_empty() {
                continue;
            }
        }
        let (candidate, others) = match context {
            // Under its own name (typify names its inline types after it).
            Context::Alone => (without_references(&json), Vec::new()),
            Context::WithReferences => {
                let reached = references_reached(i, &jsons, &index);
                if reached.is_empty() {
                    continue;
                }
                let others: Vec<Named> = reached
                    .into_iter()
                    .filter_map(|j| {
                        let stripped = without_defaults(&jsons[j]);
                        serde_json::from_value(stripped)
                            .ok()
                            .map(|s| (schemas[j].0.clone(), s))
                    })
                    .collect();
                (json.clone(), others)
            }
        };
        let reads = |schema: &Value| reads(&name, schema, &others);
        let rejected = if reads(&candidate) || !reads(&keeping(&candidate, &holders, None)) {
            // Read with its defaults, or failing without them too: not theirs to blame.
            Vec::new()
        } else {
            holders
                .iter()
                .filter(|at| !reads(&keeping(&candidate, &holders, Some(at.as_str()))))
                .cloned()
                .collect::<Vec<_>>()
        };
        let mut left_out = Vec::new();
        for at in &rejected {
            if let Some(Value::Object(holder)) = json.pointer_mut(at)
                && let Some(value) = holder.remove("default")
            {
                left_out.push((at.clone(), shown(&value)));
            }
        }
        if left_out.is_empty() {
            continue;
        }
        let Ok(repaired) = serde_json::from_value(json) else {
            continue;
        };
        schemas[i].1 = repaired;
        let component = format!("/components/schemas/{}", escape_pointer(&name));
        for (at, value) in left_out {
            warnings.push(Diagnostic::warning(
                format!("{component}{at}/default"),
                format!(
                    "schema `{name}`: the default {value} is left out of the generated type (typify rejects it)"
                ),
            ));
        }
    }
    warnings
}

/// `schema` with the default of every holder but `kept` left out.
fn keeping(schema: &Value, holders: &[String], kept: Option<&str>) -> Value {
    let mut copy = schema.clone();
    for at in holders.iter().filter(|at| Some(at.as_str()) != kept) {
        if let Some(Value::Object(holder)) = copy.pointer_mut(at) {
            holder.remove("default");
        }
    }
    copy
}

/// Whether typify reads `schema` as component `name`, followed by `others`.
fn reads(name: &str, schema: &Value, others: &[Named]) -> bool {
    serde_json::from_value::<schemars::schema::Schema>(schema.clone()).is_ok_and(|s| {
        let mut space = vec![(name.to_owned(), s)];
        space.extend_from_slice(others);
        probe(space).is_ok()
    })
}

/// The schemas schema `start` references, directly or through others, in document order
/// (itself left out).
fn references_reached(
    start: usize,
    jsons: &[Value],
    index: &std::collections::HashMap<String, usize>,
) -> Vec<usize> {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![start];
    while let Some(at) = stack.pop() {
        let mut refs = Vec::new();
        references(&jsons[at], &mut refs);
        for r in refs {
            if let Some(&j) = index.get(r)
                && j != start
                && seen.insert(j)
            {
                stack.push(j);
            }
        }
    }
    seen.into_iter().collect()
}

/// Whether `value` holds a `$ref`.
fn has_reference(value: &Value) -> bool {
    let mut refs = Vec::new();
    references(value, &mut refs);
    !refs.is_empty()
}

/// Every `$ref` in `value`.
fn references<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    ("default" | "examples" | "enum", _) => {}
                    _ => references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// `schema` with every `$ref` left out (its subschema reads as any value).
fn without_references(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "$ref")
            .map(|(k, v)| {
                let v = if matches!(k.as_str(), "default" | "examples" | "enum") {
                    v.clone()
                } else {
                    without_references(v)
                };
                (k.clone(), v)
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Array(items) => Value::Array(items.iter().map(without_references).collect()),
        other => other.clone(),
    }
}

/// A default as the warning shows it (at most 60 bytes).
fn shown(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 60 {
        let cut = (0..=60)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// The JSON pointers (relative to the schema) of the subschemas of `schema` holding a `default`.
fn defaults_in(schema: &Value, pointer: String, depth: usize, out: &mut Vec<String>) {
    const MAX_DEPTH: usize = 32;
    let Value::Object(map) = schema else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    if map.contains_key("default") {
        out.push(pointer.clone());
    }
    for (key, child) in map {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" => {
                if let Value::Object(props) = child {
                    for (prop, sub) in props {
                        let at = format!("{pointer}/{key}/{}", escape_pointer(prop));
                        defaults_in(sub, at, depth + 1, out);
                    }
                }
            }
            "allOf" | "anyOf" | "oneOf" | "items" => match child {
                Value::Array(list) => {
                    for (i, sub) in list.iter().enumerate() {
                        defaults_in(sub, format!("{pointer}/{key}/{i}"), depth + 1, out);
                    }
                }
                sub => defaults_in(sub, format!("{pointer}/{key}"), depth + 1, out),
            },
            "additionalProperties" | "not" | "additionalItems" | "propertyNames" | "contains" => {
                defaults_in(child, format!("{pointer}/{key}"), depth + 1, out);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_in_lists_every_holder_by_pointer_but_not_inside_default_values() {
        let schema = json!({
            "default": { "a": { "default": 1 } },
            "properties": { "a/b": { "default": 1 }, "c": { "anyOf": [{ "default": 2 }] } },
            "items": { "default": 3 }
        });
        let mut out = Vec::new();
        defaults_in(&schema, String::new(), 0, &mut out);
        out.sort();
        assert_eq!(
            out,
            ["", "/items", "/properties/a~1b", "/properties/c/anyOf/0"]
        );
    }

    #[test]
    fn keeping_leaves_out_every_default_but_the_one_kept() {
        let schema = json!({ "properties": { "a": { "default": 1 }, "b": { "default": 2 } } });
        let holders = vec!["/properties/a".to_owned(), "/properties/b".to_owned()];
        assert_eq!(
            keeping(&schema, &holders, Some("/properties/b")),
            json!({ "properties": { "a": {}, "b": { "default": 2 } } })
        );
    }
}
