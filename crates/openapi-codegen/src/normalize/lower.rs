//! Lowering OpenAPI 3.1 (JSON Schema 2020-12) forms to their OpenAPI 3.0 equivalents, which
//! typify and progenitor read: type arrays with `null`, `const`, `examples`, numeric exclusive
//! bounds, `anyOf`/`oneOf` with a `null` branch. Keywords with no equivalent are reported.

use serde_json::{Map, Value, json};

use super::Normalizer;
use crate::error::Diagnostic;

impl Normalizer<'_> {
    /// Lowers OpenAPI 3.1 (JSON Schema 2020-12) forms to their OpenAPI 3.0 equivalents.
    pub(super) fn lower_3_1(
        &mut self,
        out: &mut Map<String, Value>,
        pointer: &str,
        opid: Option<&str>,
    ) {
        if let Some(Value::Array(types)) = out.get("type").cloned() {
            let non_null: Vec<&Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .collect();
            if non_null.len() < types.len() {
                out.insert("nullable".into(), Value::Bool(true));
            }
            match non_null.as_slice() {
                [] => {
                    out.remove("type");
                    out.insert("enum".into(), json!([null]));
                }
                [single] => {
                    out.insert("type".into(), (*single).clone());
                }
                many => {
                    out.remove("type");
                    let branches: Vec<Value> = many.iter().map(|t| json!({ "type": t })).collect();
                    out.insert("anyOf".into(), Value::Array(branches));
                }
            }
        } else if out.get("type").and_then(Value::as_str) == Some("null") {
            out.remove("type");
            out.insert("enum".into(), json!([null]));
            out.insert("nullable".into(), Value::Bool(true));
        }
        if let Some(c) = out.remove("const") {
            out.insert("enum".into(), json!([c]));
        }
        if let Some(ex) = out.remove("examples")
            && let Some(first) = ex.as_array().and_then(|a| a.first())
        {
            out.entry("example").or_insert_with(|| first.clone());
        }
        for (bound, exclusive) in [
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ] {
            if let Some(v) = out.get(exclusive).cloned()
                && v.is_number()
            {
                out.insert(bound.into(), v);
                out.insert(exclusive.into(), Value::Bool(true));
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(list)) = out.get(key).cloned() {
                let is_null = |s: &Value| {
                    s.get("type").and_then(Value::as_str) == Some("null")
                        || s.get("type") == Some(&json!(["null"]))
                };
                if list.iter().any(is_null) {
                    let rest: Vec<Value> = list.into_iter().filter(|s| !is_null(s)).collect();
                    out.insert("nullable".into(), Value::Bool(true));
                    if rest.len() == 1 && !out.contains_key("allOf") {
                        out.remove(key);
                        out.insert("allOf".into(), Value::Array(rest));
                    } else {
                        out.insert(key.into(), Value::Array(rest));
                    }
                }
            }
        }
        // 3.1 writes binary strings as `contentMediaType` (3.0: `format: binary`) and base64 ones
        // as `contentEncoding: base64` (3.0: `format: byte`).
        if !out.contains_key("format") {
            if out
                .get("contentEncoding")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case("base64"))
            {
                out.insert("format".into(), Value::String("byte".into()));
            } else if out.contains_key("contentMediaType") {
                out.insert("format".into(), Value::String("binary".into()));
            }
        }
        if out.contains_key("format") {
            out.remove("contentMediaType");
            out.remove("contentEncoding");
        }
        for key in [
            "$schema",
            "$id",
            "$anchor",
            "$defs",
            "prefixItems",
            "contentMediaType",
            "contentEncoding",
            "unevaluatedProperties",
            "dependentRequired",
            "if",
            "then",
            "else",
        ] {
            if out.remove(key).is_some() {
                self.diags.push(
                    Diagnostic::warning(
                        format!("{pointer}/{key}"),
                        format!("JSON Schema keyword `{key}` is not supported and is ignored"),
                    )
                    .in_operation(opid),
                );
            }
        }
    }
}
