//! The keyword algebra the synthesizer relies on: `allOf` branches merged into one schema,
//! discriminator tags, the type a schema without `type` describes, `$ref` fragments.

use serde_json::{Map, Value, json};

/// The tag a discriminator gives the branch reached through `reference` (named `name`): the
/// mapping's key for it, else the schema's name.
pub(super) fn discriminator_tag(discriminator: &Value, reference: &Value, name: &str) -> String {
    let target = reference.get("$ref").and_then(Value::as_str);
    discriminator
        .get("mapping")
        .and_then(Value::as_object)
        .and_then(|mapping| {
            mapping.iter().find_map(|(tag, to)| {
                let to = to.as_str()?;
                (Some(to) == target || to == name || to.rsplit('/').next() == Some(name))
                    .then(|| tag.clone())
            })
        })
        .unwrap_or_else(|| name.to_owned())
}

/// Whether a property schema can hold the string `tag` (no type, or a string type whose
/// `enum`/`const` allows it).
pub(super) fn accepts_string(schema: &Value, tag: &str) -> bool {
    if let Some(c) = schema.get("const") {
        return c.as_str() == Some(tag);
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values.iter().any(|v| v.as_str() == Some(tag));
    }
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(list)) => list.iter().any(|t| t == "string"),
        _ => true,
    }
}

/// Merges the keywords of `from` into `into` as `allOf` means them (both must hold).
pub(super) fn merge_into(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match key.as_str() {
            "properties" => {
                let Value::Object(props) = value else {
                    continue;
                };
                let target = into
                    .entry("properties")
                    .or_insert_with(|| Value::Object(Map::new()));
                let Value::Object(target) = target else {
                    continue;
                };
                for (name, schema) in props {
                    match target.remove(&name) {
                        Some(old) if old != schema => {
                            target.insert(name, json!({ "allOf": [old, schema] }));
                        }
                        _ => {
                            target.insert(name, schema);
                        }
                    }
                }
            }
            "required" => {
                let Value::Array(names) = value else { continue };
                let target = into.entry("required").or_insert_with(|| json!([]));
                if let Value::Array(target) = target {
                    for n in names {
                        if !target.contains(&n) {
                            target.push(n);
                        }
                    }
                }
            }
            "type" => match into.get("type").cloned() {
                None => {
                    into.insert(key, value);
                }
                Some(old) => {
                    let both: Vec<Value> = types_of(&old)
                        .into_iter()
                        .filter(|t| types_of(&value).contains(t))
                        .collect();
                    if !both.is_empty() {
                        into.insert(key, Value::Array(both));
                    }
                }
            },
            "enum" => match into.get("enum").cloned() {
                Some(Value::Array(old)) => {
                    let both: Vec<Value> = old
                        .into_iter()
                        .filter(|v| value.as_array().is_some_and(|n| n.contains(v)))
                        .collect();
                    if !both.is_empty() {
                        into.insert(key, Value::Array(both));
                    }
                }
                _ => {
                    into.insert(key, value);
                }
            },
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties" => {
                let stricter = match (into.get(&key).and_then(Value::as_f64), value.as_f64()) {
                    (Some(a), Some(b)) if a >= b => None,
                    _ => Some(value),
                };
                if let Some(v) = stricter {
                    into.insert(key, v);
                }
            }
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties" => {
                let stricter = match (into.get(&key).and_then(Value::as_f64), value.as_f64()) {
                    (Some(a), Some(b)) if a <= b => None,
                    _ => Some(value),
                };
                if let Some(v) = stricter {
                    into.insert(key, v);
                }
            }
            "additionalProperties" => {
                if value == Value::Bool(false) || !into.contains_key("additionalProperties") {
                    into.insert(key, value);
                }
            }
            // A branch's examples describe the branch, not the whole.
            "examples" | "default" | "title" | "description" => {}
            _ => {
                into.entry(key).or_insert(value);
            }
        }
    }
}

pub(super) fn types_of(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(list) => list.clone(),
        other => vec![other.clone()],
    }
}

/// Whether a keyword constrains values (so a branch must be merged with it).
pub(super) fn is_assertion(key: &str) -> bool {
    !matches!(
        key,
        "title"
            | "description"
            | "examples"
            | "default"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
            | "$comment"
            | "discriminator"
            | "externalDocs"
            | "xml"
    ) && !key.starts_with("x-")
}

pub(super) fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The JSON type a value is synthesized as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Type {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl Type {
    pub(super) fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "null" => Self::Null,
            "boolean" => Self::Boolean,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "string" => Self::String,
            "array" => Self::Array,
            "object" => Self::Object,
            _ => return None,
        })
    }
}

/// The type a schema without `type` describes, from the keywords it uses.
pub(super) fn infer_type(obj: &Map<String, Value>) -> Type {
    let has = |keys: &[&str]| keys.iter().any(|k| obj.contains_key(*k));
    if has(&[
        "properties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
    ]) {
        Type::Object
    } else if has(&["items", "minItems", "maxItems", "uniqueItems"]) {
        Type::Array
    } else if has(&["minLength", "maxLength", "pattern", "format"]) {
        Type::String
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        Type::Number
    } else {
        Type::String
    }
}

/// A JSON pointer from a URI fragment (`%25` → `%`, …).
pub(super) fn unescape_uri(pointer: &str) -> String {
    if !pointer.contains('%') {
        return pointer.to_owned();
    }
    let bytes: Vec<u8> = pointer.bytes().collect();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
