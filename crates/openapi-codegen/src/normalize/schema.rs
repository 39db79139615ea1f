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
                _ => match self.schema_elsewhere(&reference) {
                    Some(name) => Some(format!("#/components/schemas/{name}")),
                    None => {
                        self.diags.push(
                            Diagnostic::error(format!("{pointer}/$ref"), format!("`{reference}` does not resolve to a schema in this document (only local references, `#/…`, are supported)"))
                                .in_operation(opid),
                        );
                        None
                    }
                },
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
        // `format` only means something for strings and numbers (`{"type": "object", "format":
        // "uri-map"}` is an annotation no backend can act on).
        let scalar = matches!(
            out.get("type").and_then(Value::as_str),
            Some("string" | "integer" | "number")
        );
        if !scalar && let Some(format) = out.remove("format") {
            self.diags.push(
                Diagnostic::warning(
                    format!("{pointer}/format"),
                    format!(
                        "format {format} on a schema that is not a string or number is ignored"
                    ),
                )
                .in_operation(opid),
            );
        }
        for (key, ok) in [
            ("required", out.get("required").is_none_or(Value::is_array)),
            ("enum", out.get("enum").is_none_or(Value::is_array)),
            (
                "properties",
                out.get("properties").is_none_or(Value::is_object),
            ),
        ] {
            if !ok {
                self.diags.push(
                    Diagnostic::warning(
                        format!("{pointer}/{key}"),
                        format!("`{key}` has the wrong shape (OpenAPI 2 style?); it is ignored"),
                    )
                    .in_operation(opid),
                );
                out.remove(key);
            }
        }
        self.coerce_enum(&mut out, pointer, opid);
        self.untangle_typeless(&mut out, pointer, opid);
        // An example of another type is only a documentation slip; backends check examples.
        if out
            .get("example")
            .is_some_and(|e| !e.is_null() && !value_fits_type(&out, e))
        {
            out.remove("example");
        }
        // An integer bound beyond 64 bits (a YAML `-9223372036854776000`, loaded as the nearest
        // float) is held at the 64-bit limit, which is what the generated code can compare with.
        if out.get("type").and_then(Value::as_str) == Some("integer") {
            for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
                let Some(bound) = out.get(key).and_then(Value::as_f64) else {
                    continue;
                };
                // Integers and fractional bounds are as written; an integral float (a
                // number too large for YAML's 64-bit integers) becomes the integer it names.
                if bound.fract() != 0.0 || out[key].is_i64() || out[key].is_u64() {
                    continue;
                }
                let (limit, held) = if bound < i64::MIN as f64 {
                    (Value::from(i64::MIN), true)
                } else if bound < 0.0 {
                    (Value::from(bound as i64), false)
                } else if bound >= u64::MAX as f64 {
                    (Value::from(u64::MAX), bound > u64::MAX as f64)
                } else {
                    (Value::from(bound as u64), false)
                };
                if !held {
                    out.insert(key.to_owned(), limit);
                    continue;
                }
                self.diags.push(
                    Diagnostic::warning(
                        format!("{pointer}/{key}"),
                        format!(
                            "`{key}` {bound} is beyond a 64-bit integer: it is held at {limit}"
                        ),
                    )
                    .in_operation(opid),
                );
                out.insert(key.to_owned(), limit);
            }
        }
        if let Some(default) = out.get("default")
            && !default_fits(&out, default)
        {
            self.diags.push(
                Diagnostic::warning(
                    format!("{pointer}/default"),
                    format!(
                        "default {default} does not match the schema's type, enum or bounds; it is ignored"
                    ),
                )
                .in_operation(opid),
            );
            out.remove("default");
        }
        Value::Object(out)
    }
}

impl Normalizer<'_> {
    /// Enum values of another type than the schema's (`"type": "string"` with `20160128`) are
    /// written as the type says when they can be (`"20160128"`), dropped otherwise; reported.
    fn coerce_enum(&mut self, out: &mut Map<String, Value>, pointer: &str, opid: Option<&str>) {
        let Some(Value::Array(values)) = out.get("enum") else {
            return;
        };
        if values
            .iter()
            .all(|v| v.is_null() || value_fits_type(out, v))
        {
            return;
        }
        let kind = out.get("type").and_then(Value::as_str).unwrap_or_default();
        let coerced: Vec<Value> = values
            .iter()
            .filter_map(|v| match (kind, v) {
                (_, v) if v.is_null() || value_fits_type(out, v) => Some(v.clone()),
                ("string", Value::Number(n)) => Some(Value::String(n.to_string())),
                ("string", Value::Bool(b)) => Some(Value::String(b.to_string())),
                ("integer", Value::String(s)) => s.parse::<i64>().ok().map(Value::from),
                ("number", Value::String(s)) => s.parse::<f64>().ok().map(Value::from),
                ("boolean", Value::String(s)) => s.parse::<bool>().ok().map(Value::from),
                _ => None,
            })
            .collect();
        self.diags.push(
            Diagnostic::warning(
                format!("{pointer}/enum"),
                format!(
                    "enum values that are not of type `{kind}` are converted to it, or dropped"
                ),
            )
            .in_operation(opid),
        );
        out.insert("enum".into(), Value::Array(coerced));
    }

    /// A schema without `type` that constrains several types at once (`minimum` and `pattern`)
    /// cannot become one Rust type: its constraints are dropped, with a warning.
    fn untangle_typeless(
        &mut self,
        out: &mut Map<String, Value>,
        pointer: &str,
        opid: Option<&str>,
    ) {
        const FAMILIES: &[&[&str]] = &[
            &[
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "multipleOf",
            ],
            &["pattern", "minLength", "maxLength"],
            &["minItems", "maxItems", "uniqueItems"],
            &["minProperties", "maxProperties"],
        ];
        if out.contains_key("type") {
            return;
        }
        // `properties` (or `required`, …) say the schema is an object: constraints of other
        // types (`uniqueItems: false` beside `properties`) mean nothing here.
        if [
            "properties",
            "required",
            "additionalProperties",
            "patternProperties",
        ]
        .iter()
        .any(|k| out.contains_key(*k))
        {
            let foreign: Vec<&str> = FAMILIES[..3]
                .iter()
                .flat_map(|f| f.iter().copied())
                .filter(|k| out.contains_key(*k))
                .collect();
            if !foreign.is_empty() {
                for key in &foreign {
                    out.remove(*key);
                }
                self.diags.push(
                    Diagnostic::warning(
                        pointer,
                        format!("an object schema (it has `properties`) carries constraints of other types ({}); they are ignored", foreign.join(", ")),
                    )
                    .in_operation(opid),
                );
            }
            return;
        }
        let present: Vec<&&[&str]> = FAMILIES
            .iter()
            .filter(|f| f.iter().any(|k| out.contains_key(*k)))
            .collect();
        if present.len() < 2 {
            return;
        }
        for family in present {
            for key in *family {
                out.remove(*key);
            }
        }
        self.diags.push(
            Diagnostic::warning(
                pointer,
                "a schema without `type` constrains several types at once; its constraints are ignored",
            )
            .in_operation(opid),
        );
    }

    /// A schema referenced from somewhere other than `components.schemas` (another operation's
    /// body, a property of another schema…): normalized once, under a component name derived
    /// from where it is, so both places share one type. `None` when the reference does not
    /// resolve to an object in this document.
    fn schema_elsewhere(&mut self, reference: &str) -> Option<String> {
        let pointer = crate::error::decode_fragment(reference.strip_prefix('#')?);
        if let Some(name) = self.by_pointer.get(&pointer) {
            return Some(name.clone());
        }
        let target = self.root.pointer(&pointer)?;
        if !target.is_object() && !target.is_boolean() {
            return None;
        }
        let name = self.name_for_pointer(&pointer);
        // Registered before normalizing, so a schema that refers to itself finds its name.
        self.by_pointer.insert(pointer.clone(), name.clone());
        self.by_pointer_names.insert(name.clone());
        let normalized = self.schema(target, &pointer, None);
        self.hoisted.insert(name.clone(), normalized);
        self.hoisted_pointers.insert(name.clone(), pointer);
        Some(name)
    }

    /// A free component name for the schema at `pointer`, from its last meaningful segments.
    fn name_for_pointer(&self, pointer: &str) -> String {
        const NOISE: &[&str] = &[
            "paths",
            "content",
            "schema",
            "properties",
            "items",
            "responses",
            "requestBody",
            "parameters",
            "application~1json",
            "application/json",
            "get",
            "put",
            "post",
            "delete",
            "patch",
            "allOf",
            "anyOf",
            "oneOf",
            "components",
            "schemas",
        ];
        let words: Vec<String> = pointer
            .split('/')
            .filter(|s| !s.is_empty() && !NOISE.contains(s) && s.parse::<u32>().is_err())
            .map(|s| s.replace("~1", " ").replace("~0", "~"))
            .collect();
        let tail = words[words.len().saturating_sub(3)..].join(" ");
        // `…Ref`: typify names the inline parts of a schema `<Parent><Property>`, which a name
        // made of the same words could collide with when the target sits inside another schema.
        let base = format!(
            "{}Ref",
            crate::naming::rust_type_name(if tail.is_empty() { "Shared" } else { &tail })
        );
        let taken = |candidate: &str| {
            self.hoisted.contains_key(candidate)
                || self.by_pointer_names.contains(candidate)
                || self
                    .component_rust_names
                    .contains(&crate::naming::rust_type_name(candidate))
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while taken(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        candidate
    }
}

/// Whether `value` is of the schema's `type` (true when it states none).
fn value_fits_type(s: &Map<String, Value>, value: &Value) -> bool {
    match s.get("type").and_then(Value::as_str) {
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    }
}

/// Whether `default` is a value of the (normalized) schema `s`, as far as its own `type`,
/// `enum` and `nullable` tell (references and combinators are not followed).
fn default_fits(s: &Map<String, Value>, default: &Value) -> bool {
    if default.is_null() {
        return s.get("nullable") == Some(&Value::Bool(true)) || s.get("type").is_none();
    }
    if let Some(Value::Array(values)) = s.get("enum")
        && !values.contains(default)
    {
        return false;
    }
    value_fits_type(s, default) && within_bounds(s, default)
}

/// Whether `value` keeps the schema's numeric bounds and string lengths (`"default": 0` beside
/// `"minimum": 1` made typify type the field `NonZeroU32` and default it to zero, which does
/// not compile). Bounds of another shape than a number are not checked here.
fn within_bounds(s: &Map<String, Value>, value: &Value) -> bool {
    let number = |key: &str| s.get(key).and_then(Value::as_f64);
    let flag = |key: &str| s.get(key) == Some(&Value::Bool(true));
    if let Some(v) = value.as_f64() {
        let low = number("minimum").is_none_or(|m| {
            if flag("exclusiveMinimum") {
                v > m
            } else {
                v >= m
            }
        }) && number("exclusiveMinimum").is_none_or(|m| v > m);
        let high = number("maximum").is_none_or(|m| {
            if flag("exclusiveMaximum") {
                v < m
            } else {
                v <= m
            }
        }) && number("exclusiveMaximum").is_none_or(|m| v < m);
        return low && high;
    }
    if let Some(text) = value.as_str() {
        let length = text.chars().count() as f64;
        return number("minLength").is_none_or(|m| length >= m)
            && number("maxLength").is_none_or(|m| length <= m);
    }
    true
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
