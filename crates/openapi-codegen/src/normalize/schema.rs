//! Normalizing one schema: `$ref`s checked and renamed (siblings kept through `allOf`), 3.1
//! forms lowered, arrays given `items`, and what cannot be generated reported.

use serde_json::{Map, Value, json};

use super::Normalizer;
use crate::error::{Diagnostic, escape_pointer};
use crate::load::OpenApiVersion;

impl Normalizer<'_> {
    /// Normalizes one schema (recursively).
    pub(super) fn schema(&mut self, schema: &Value, pointer: &str, opid: Option<&str>) -> Value {
        match schema {
            Value::Bool(true) => return json!({}),
            Value::Bool(false) => {
                self.diags.push(
                    Diagnostic::warning(
                        pointer,
                        "schema `false` (nothing is valid) is treated as any value",
                    )
                    .in_operation(opid),
                );
                return json!({});
            }
            Value::Object(_) => {}
            _ => {
                self.diags.push(
                    Diagnostic::error(pointer, "a schema must be an object").in_operation(opid),
                );
                return json!({});
            }
        }
        let Value::Object(src) = schema else {
            return json!({});
        };
        let mut out = src.clone();

        if let Some(reference) = out.get("$ref").cloned() {
            let reference = reference.as_str().unwrap_or_default().to_owned();
            let target = match reference.strip_prefix("#/components/schemas/") {
                Some(name) if !name.contains('/') => {
                    let name = name.replace("~1", "/").replace("~0", "~");
                    match self.renames.get(&name) {
                        Some(renamed) => Some(format!("#/components/schemas/{renamed}")),
                        None => {
                            self.diags.push(
                                Diagnostic::error(
                                    format!("{pointer}/$ref"),
                                    format!(
                                        "`{reference}` names no schema in `components.schemas`"
                                    ),
                                )
                                .in_operation(opid),
                            );
                            None
                        }
                    }
                }
                _ => {
                    self.diags.push(
                        Diagnostic::error(format!("{pointer}/$ref"), format!("`{reference}` is not supported: schema references must point to `#/components/schemas/<name>`"))
                            .in_operation(opid),
                    );
                    None
                }
            };
            out.remove("$ref");
            let Some(target) = target else {
                return json!({});
            };
            let siblings: Map<String, Value> = out
                .into_iter()
                .filter(|(k, _)| !k.starts_with("x-"))
                .collect();
            if siblings.is_empty() {
                return json!({ "$ref": target });
            }
            // Keep the siblings' meaning: `allOf` with one member is the referenced type, plus them.
            let mut wrapper = Map::new();
            wrapper.insert("allOf".into(), json!([{ "$ref": target }]));
            for (k, v) in siblings {
                wrapper.insert(k, v);
            }
            return self.schema(&Value::Object(wrapper), pointer, opid);
        }

        if self.version == OpenApiVersion::V3_1 {
            self.lower_3_1(&mut out, pointer, opid);
        } else if let Some(ex) = out.get("examples").cloned() {
            // 3.0 has no `examples` keyword in schemas; keep the first as `example`.
            out.remove("examples");
            if let Some(first) = ex.as_array().and_then(|a| a.first()) {
                out.entry("example").or_insert_with(|| first.clone());
            }
        }

        for key in ["properties", "patternProperties"] {
            if let Some(Value::Object(props)) = out.get(key).cloned() {
                let mut new = Map::new();
                for (name, s) in props {
                    let p = format!("{pointer}/{key}/{}", escape_pointer(&name));
                    new.insert(name, self.schema(&s, &p, opid));
                }
                out.insert(key.into(), Value::Object(new));
            }
        }
        if key_is_schema(out.get("additionalProperties")) {
            let p = format!("{pointer}/additionalProperties");
            let s = self.schema(&out["additionalProperties"], &p, opid);
            out.insert("additionalProperties".into(), s);
        }
        for key in ["items", "not"] {
            if let Some(s) = out.get(key).cloned() {
                if s.is_array() {
                    self.diags.push(
                        Diagnostic::error(
                            format!("{pointer}/{key}"),
                            "tuple `items` arrays are not supported",
                        )
                        .in_operation(opid),
                    );
                    out.remove(key);
                    continue;
                }
                let p = format!("{pointer}/{key}");
                out.insert(key.into(), self.schema(&s, &p, opid));
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(list)) = out.get(key).cloned() {
                let list: Vec<Value> = list
                    .iter()
                    .enumerate()
                    .map(|(i, s)| self.schema(s, &format!("{pointer}/{key}/{i}"), opid))
                    .collect();
                out.insert(key.into(), Value::Array(list));
            }
        }
        if out.get("type").and_then(Value::as_str) == Some("array") && !out.contains_key("items") {
            out.insert("items".into(), json!({}));
        }
        if out.contains_key("discriminator")
            && !out.contains_key("oneOf")
            && !out.contains_key("anyOf")
        {
            self.diags.push(
                Diagnostic::warning(
                    format!("{pointer}/discriminator"),
                    "`discriminator` without `oneOf`/`anyOf` has no effect",
                )
                .in_operation(opid),
            );
        }
        Value::Object(out)
    }
}

fn key_is_schema(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Object(_)))
}

/// Whether a schema maps to a built-in Rust type (so needs no named model).
pub(super) fn is_plain(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else {
        return true;
    };
    if obj.contains_key("$ref") {
        return true;
    }
    if ["properties", "enum", "oneOf", "anyOf", "allOf", "not"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return false;
    }
    match obj.get("type").and_then(Value::as_str) {
        Some("array") => obj.get("items").is_none_or(is_plain),
        Some("object") => obj
            .get("additionalProperties")
            .is_none_or(|a| !a.is_object() || is_plain(a)),
        _ => true,
    }
}
