//! A request body's schema as the mock checks it, with OpenAPI's `discriminator` semantics: a
//! `oneOf` (or `anyOf`) of component references with a `discriminator` checks the body against
//! the one branch its discriminating property names (through `mapping`, else the component's
//! name), as OpenAPI validators such as Prism's do; plain JSON Schema would refuse a body that
//! also fits another branch, which branches sharing a base (`allOf` of a common part) always do.
//! A value naming no branch is checked against the `oneOf` as written.

use serde_json::{Map, Value, json};

use crate::ir::Api;
use crate::models::to_value_schema;

/// The prefix of a component schema reference.
const COMPONENTS: &str = "#/components/schemas/";

/// `schema` (a request body's value schema, as `mock.json` holds it) with a discriminated
/// `oneOf`/`anyOf` at its top, or in the component it references, rewritten to select its
/// branch by the discriminator.
pub(super) fn by_discriminator(api: &Api, schema: &Value) -> Value {
    if let Some(rewritten) = rewrite(schema) {
        return rewritten;
    }
    // A body that is a reference to a discriminated component: that component, rewritten.
    let referenced = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(COMPONENTS))
        .and_then(|name| api.schemas.get(name));
    match referenced.and_then(|component| rewrite(&to_value_schema(&component.json))) {
        Some(rewritten) => rewritten,
        None => schema.clone(),
    }
}

/// `schema` rewritten, when it is an object with a `discriminator` over `oneOf`/`anyOf` branches
/// that are all component references.
fn rewrite(schema: &Value) -> Option<Value> {
    let object = schema.as_object()?;
    let discriminator = object.get("discriminator")?;
    let property = discriminator.get("propertyName")?.as_str()?;
    let (keyword, branches) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| Some((*k, object.get(*k)?.as_array()?)))?;
    let refs: Vec<&str> = branches
        .iter()
        .map(|b| b.get("$ref").and_then(Value::as_str))
        .collect::<Option<_>>()?;
    // Each branch's discriminating values: the mapping's keys naming it, else its name.
    let mapping = discriminator.get("mapping").and_then(Value::as_object);
    let mut selections: Vec<(String, &str)> = Vec::new();
    for r in &refs {
        let name = r.strip_prefix(COMPONENTS)?;
        let mapped: Vec<String> = mapping
            .into_iter()
            .flatten()
            .filter(|(_, target)| target.as_str().is_some_and(|t| t == *r || t == name))
            .map(|(key, _)| key.clone())
            .collect();
        // A mapped branch answers to its component's name too (OpenAPI's implicit mapping).
        if !mapped.iter().any(|key| key == name) {
            selections.push((name.to_owned(), r));
        }
        selections.extend(mapped.into_iter().map(|key| (key, *r)));
    }
    let keys: Vec<&str> = selections.iter().map(|(k, _)| k.as_str()).collect();
    let mut all: Vec<Value> = selections
        .iter()
        .map(|(key, r)| {
            json!({
                "if": { "required": [property], "properties": { property: { "const": key } } },
                "then": { "$ref": r },
            })
        })
        .collect();
    let mapped = mapping.is_some_and(|m| !m.is_empty());
    if mapped {
        // With a `mapping`, the property's values are its keys and the branches' names (as
        // Prism's validator reads it): another value names no schema and is refused; a body
        // without the property is checked against the branches as written.
        all.push(json!({
            "if": { "required": [property] },
            "then": { "properties": { property: { "enum": keys } } },
            "else": { keyword: branches },
        }));
    } else {
        // A value naming no branch (or none at all): the branches as written.
        all.push(json!({
            "if": { "not": { "required": [property], "properties": { property: { "enum": keys } } } },
            "then": { keyword: branches },
        }));
    }
    let mut out: Map<String, Value> = object
        .iter()
        .filter(|(k, _)| k.as_str() != keyword && k.as_str() != "discriminator")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match out.get_mut("allOf").and_then(Value::as_array_mut) {
        Some(existing) => existing.extend(all),
        None => {
            out.insert("allOf".into(), Value::Array(all));
        }
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::rewrite;
    use serde_json::json;

    #[test]
    fn a_discriminated_one_of_selects_its_branch_by_mapping_or_name() {
        let schema = json!({
            "oneOf": [
                { "$ref": "#/components/schemas/Cat" },
                { "$ref": "#/components/schemas/Dog" }
            ],
            "discriminator": { "propertyName": "kind", "mapping": { "dog": "#/components/schemas/Dog" } }
        });
        let out = rewrite(&schema).expect("rewritten");
        let all = out["allOf"].as_array().expect("allOf");
        let keys: Vec<&str> = all[..3]
            .iter()
            .map(|c| c["if"]["properties"]["kind"]["const"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["Cat", "Dog", "dog"], "by name, and by mapping");
        assert_eq!(all[2]["then"]["$ref"], "#/components/schemas/Dog");
        assert_eq!(
            all[3]["then"]["properties"]["kind"]["enum"],
            json!(["Cat", "Dog", "dog"]),
            "with a mapping, a value naming no schema is refused"
        );
        assert_eq!(
            all[3]["else"]["oneOf"], schema["oneOf"],
            "no value: as written"
        );
        assert!(out.get("oneOf").is_none() && out.get("discriminator").is_none());
        let unmapped = json!({
            "oneOf": [{ "$ref": "#/components/schemas/Cat" }],
            "discriminator": { "propertyName": "kind" }
        });
        let all = rewrite(&unmapped).expect("rewritten")["allOf"].clone();
        assert_eq!(
            all[1]["then"]["oneOf"], unmapped["oneOf"],
            "without a mapping, a value naming no branch: as written"
        );
    }

    #[test]
    fn a_one_of_without_discriminator_or_with_inline_branches_stays() {
        assert!(rewrite(&json!({ "oneOf": [{ "$ref": "#/components/schemas/A" }] })).is_none());
        let inline = json!({
            "oneOf": [{ "type": "object" }],
            "discriminator": { "propertyName": "kind" }
        });
        assert!(rewrite(&inline).is_none());
    }
}
