//! Values synthesized from a JSON Schema (draft 7, as the generator writes a document's schemas
//! for its mock): types, formats, patterns, bounds, lengths, `enum`/`const`, required and
//! optional properties, `additionalProperties`, arrays (`minItems`, `uniqueItems`),
//! `allOf`/`oneOf`/`anyOf`, discriminators and nullability. The same seed gives the same value.
//!
//! The synthesizer aims at valid values; the engine checks each against the schema with a JSON
//! Schema validator and asks again (with another seed) when one is not.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value, json};

use super::formats;
use super::keywords::{
    Type, accepts_string, discriminator_tag, infer_type, is_assertion, is_null_schema, merge_into,
    unescape_uri,
};

/// Below this depth every optional property is written; deeper, only required ones.
const FULL_DEPTH: usize = 4;
/// Deeper than this, arrays hold their minimum and nullable values are null.
const MAX_DEPTH: usize = 10;
/// After this many values written, the rest of the answer is as small as the schema allows.
const NODE_BUDGET: usize = 2_000;
/// How many `$ref`s one schema may chain through before it counts as unresolvable.
const MAX_REF_CHAIN: usize = 32;

/// One synthesis: a seeded generator over the document holding the schemas (`root`, against
/// which `#/…` references resolve).
pub(crate) struct Synth<'a> {
    root: &'a Value,
    rng: StdRng,
    /// Random choices (`Prefer: dynamic=true`, or a retry) rather than the first of each.
    dynamic: bool,
    /// Whether schema `examples` and `default` values may be used.
    examples: bool,
    depth: usize,
    nodes: usize,
    patterns: &'a mut HashMap<String, Option<rand_regex::Regex>>,
}

impl<'a> Synth<'a> {
    /// A synthesizer over `root`; `patterns` caches compiled `pattern` generators between calls.
    pub(crate) fn new(
        root: &'a Value,
        seed: u64,
        dynamic: bool,
        examples: bool,
        patterns: &'a mut HashMap<String, Option<rand_regex::Regex>>,
    ) -> Self {
        Self {
            root,
            rng: StdRng::seed_from_u64(seed),
            dynamic,
            examples,
            depth: 0,
            nodes: 0,
            patterns,
        }
    }

    /// A value valid against `schema` (as far as the synthesizer can tell).
    pub(crate) fn value(&mut self, schema: &Value) -> Value {
        let (schema, name) = self.resolve(schema);
        self.value_of(&schema, name.as_deref())
    }

    /// Follows `$ref` chains; returns the schema and the component name it was reached by.
    fn resolve(&self, schema: &Value) -> (Value, Option<String>) {
        let mut current = schema;
        let mut name = None;
        for _ in 0..MAX_REF_CHAIN {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
                return (current.clone(), name);
            };
            let Some(target) = reference
                .strip_prefix('#')
                .and_then(|pointer| self.root.pointer(&unescape_uri(pointer)))
            else {
                return (json!({}), name);
            };
            name = reference
                .rsplit('/')
                .next()
                .map(|n| n.replace("~1", "/").replace("~0", "~"));
            current = target;
        }
        (json!({}), name)
    }

    fn value_of(&mut self, schema: &Value, name: Option<&str>) -> Value {
        self.nodes += 1;
        let obj = match schema {
            Value::Object(obj) => obj,
            // `true` (anything) or `false` (nothing: no value is valid, null is as good as any).
            Value::Bool(true) => return json!("mock"),
            _ => return Value::Null,
        };
        if let Some(value) = obj.get("const") {
            return value.clone();
        }
        if let Some(Value::Array(values)) = obj.get("enum")
            && !values.is_empty()
        {
            return self.pick_enum(values);
        }
        if self.examples && !self.dynamic {
            // A null example or default is skipped like a null type (see `pick_type`).
            let example = obj
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first())
                .or_else(|| obj.get("default"))
                .filter(|v| !v.is_null());
            if let Some(value) = example {
                return value.clone();
            }
        }
        if let Some(Value::Array(branches)) = obj.get("allOf") {
            let merged = self.merge_all_of(obj, branches, name);
            return self.value_of(&Value::Object(merged), name);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = obj.get(key)
                && !branches.is_empty()
            {
                return self.branch(obj, key, branches, name);
            }
        }
        let deep = self.depth > MAX_DEPTH || self.nodes > NODE_BUDGET;
        match self.pick_type(obj, deep) {
            Type::Null => Value::Null,
            Type::Boolean => Value::Bool(self.dynamic && self.rng.random_bool(0.5)),
            Type::Integer => self.number(obj, true),
            Type::Number => self.number(obj, false),
            Type::String => Value::String(self.string(obj)),
            Type::Array => self.array(obj),
            Type::Object => self.object(obj, name),
        }
    }

    /// One value of an `enum` (the first non-null one unless dynamic).
    fn pick_enum(&mut self, values: &[Value]) -> Value {
        let non_null: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        if non_null.is_empty() {
            return Value::Null;
        }
        if self.dynamic {
            non_null[self.rng.random_range(0..non_null.len())].clone()
        } else {
            non_null[0].clone()
        }
    }

    /// A value of one branch of a `oneOf`/`anyOf`, with the keywords beside it applied too.
    fn branch(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        branches: &[Value],
        name: Option<&str>,
    ) -> Value {
        // A null branch only when there is no other: a value says more than a null.
        let mut order: Vec<usize> = (0..branches.len())
            .filter(|&i| !is_null_schema(&branches[i]))
            .collect();
        if order.is_empty() {
            order.push(0);
        }
        let index = if self.dynamic {
            order[self.rng.random_range(0..order.len())]
        } else {
            order[0]
        };
        let (branch, branch_name) = self.resolve(&branches[index]);
        let mut rest = obj.clone();
        rest.remove(key);
        let discriminator = rest.remove("discriminator");
        rest.remove("examples");
        rest.remove("default");
        let merged = if rest.keys().any(|k| is_assertion(k)) {
            Value::Object(self.merge_all_of(&rest, std::slice::from_ref(&branch), None))
        } else {
            branch
        };
        let mut value = self.value_of(&merged, branch_name.as_deref().or(name));
        if let (Some(d), Some(ref_name), Value::Object(map)) =
            (discriminator, branch_name.as_deref(), &mut value)
            && let Some(property) = d.get("propertyName").and_then(Value::as_str)
        {
            let tag = discriminator_tag(&d, &branches[index], ref_name);
            map.insert(property.to_owned(), Value::String(tag));
        }
        value
    }

    /// The schemas of an `allOf` (and `base`, the schema holding it) merged into one.
    fn merge_all_of(
        &mut self,
        base: &Map<String, Value>,
        branches: &[Value],
        name: Option<&str>,
    ) -> Map<String, Value> {
        let mut out = base.clone();
        out.remove("allOf");
        let mut discriminator = out.remove("discriminator");
        // Each schema's `additionalProperties` also holds for the properties only the others
        // name (JSON Schema applies every branch to the whole object).
        let mut scopes: Vec<(Vec<String>, Value)> = Vec::new();
        let mut scope = |schema: &Map<String, Value>| {
            if let Some(extra) = schema.get("additionalProperties") {
                let own = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                scopes.push((own, extra.clone()));
            }
        };
        scope(&out);
        for branch in branches {
            let (branch, _) = self.resolve(branch);
            let Value::Object(mut branch) = branch else {
                continue;
            };
            if let Some(Value::Array(inner)) = branch.get("allOf").cloned() {
                branch = self.merge_all_of(&branch, &inner, None);
            }
            if discriminator.is_none() {
                discriminator = branch.get("discriminator").cloned();
            }
            scope(&branch);
            merge_into(&mut out, branch);
        }
        let required: Vec<Value> = out
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            for (own, extra) in &scopes {
                let others: Vec<String> =
                    props.keys().filter(|k| !own.contains(k)).cloned().collect();
                for key in others {
                    match extra {
                        // Forbidden by one branch: left out unless required (then no value
                        // satisfies the whole, and the engine says so).
                        Value::Bool(false) if !required.contains(&Value::String(key.clone())) => {
                            props.remove(&key);
                        }
                        Value::Object(_) => {
                            if let Some(schema) = props.remove(&key) {
                                props.insert(key, json!({ "allOf": [schema, extra] }));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        // A schema inheriting from one with a discriminator (`Cat: allOf [Pet, …]`) carries its
        // own name in the discriminating property.
        if let (Some(d), Some(name)) = (discriminator, name)
            && let Some(property) = d.get("propertyName").and_then(Value::as_str)
            && !out.contains_key("oneOf")
            && !out.contains_key("anyOf")
        {
            let tag = discriminator_tag(
                &d,
                &json!({ "$ref": format!("#/components/schemas/{name}") }),
                name,
            );
            let props = out
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(props) = props {
                let allowed = props.get(property).is_none_or(|p| accepts_string(p, &tag));
                if allowed {
                    props.insert(property.to_owned(), json!({ "const": tag }));
                }
            }
        }
        out
    }

    fn pick_type(&mut self, obj: &Map<String, Value>, deep: bool) -> Type {
        let declared: Vec<Type> = match obj.get("type") {
            Some(Value::String(t)) => Type::parse(t).into_iter().collect(),
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .filter_map(Type::parse)
                .collect(),
            _ => Vec::new(),
        };
        if declared.is_empty() {
            return infer_type(obj);
        }
        let values: Vec<Type> = declared
            .iter()
            .copied()
            .filter(|t| *t != Type::Null)
            .collect();
        if values.is_empty() || (deep && declared.contains(&Type::Null)) {
            return Type::Null;
        }
        // Null only when nothing else is allowed (or to end a deep recursion): a document that
        // writes `nullable` into a 3.1 schema means null, but a strict reader does not.
        if self.dynamic {
            values[self.rng.random_range(0..values.len())]
        } else {
            values[0]
        }
    }

    fn number(&mut self, obj: &Map<String, Value>, integer: bool) -> Value {
        let bounds = formats::Bounds::of(obj, integer);
        let multiple = obj
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0);
        let (lo, hi) = (bounds.low, bounds.high);
        if let Some(m) = multiple {
            let first = (lo / m).ceil();
            let last = (hi / m).floor();
            let k = if first > last {
                first
            } else if self.dynamic {
                let span = (last - first).min(1000.0);
                first + self.rng.random_range(0..=span as u64) as f64
            } else if first <= 0.0 && last >= 0.0 {
                0.0
            } else {
                first
            };
            return formats::number_value(k * m, integer);
        }
        let value = if self.dynamic {
            let (a, b) = (lo.max(-1000.0).min(hi), hi.min(lo.max(-1000.0) + 2000.0));
            if integer {
                let (a, b) = (a.ceil() as i64, b.floor() as i64);
                if a >= b {
                    a as f64
                } else {
                    self.rng.random_range(a..=b) as f64
                }
            } else if a >= b {
                a
            } else {
                self.rng.random_range(a..b)
            }
        } else if lo <= 0.0 && hi >= 0.0 {
            0.0
        } else if lo > 0.0 {
            lo
        } else {
            hi
        };
        formats::number_value(value, integer)
    }

    fn string(&mut self, obj: &Map<String, Value>) -> String {
        let min = obj.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = obj
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        let fits = |s: &str| {
            let n = s.chars().count();
            n >= min && max.is_none_or(|m| n <= m)
        };
        if let Some(pattern) = obj.get("pattern").and_then(Value::as_str) {
            for _ in 0..16 {
                match self.matching(pattern) {
                    Some(s) if fits(&s) => return s,
                    Some(_) => continue,
                    None => break,
                }
            }
        }
        if let Some(format) = obj.get("format").and_then(Value::as_str)
            && let Some(s) = formats::string_of_format(format, &mut self.rng, self.dynamic)
            && fits(&s)
        {
            return s;
        }
        let length = if self.dynamic {
            let top = max.unwrap_or(min + 16).min(min + 16);
            self.rng.random_range(min.max(1).min(top)..=top)
        } else {
            max.map_or(min.max(6), |m| min.max(6).min(m))
        };
        if self.dynamic {
            (0..length)
                .map(|_| {
                    let i = self.rng.random_range(0..36u8);
                    char::from(if i < 10 { b'0' + i } else { b'a' + i - 10 })
                })
                .collect()
        } else {
            "string".chars().cycle().take(length).collect()
        }
    }

    /// A string matching `pattern`, or `None` when the pattern is not one the generator reads.
    fn matching(&mut self, pattern: &str) -> Option<String> {
        let generator = self
            .patterns
            .entry(pattern.to_owned())
            .or_insert_with(|| formats::pattern_generator(pattern))
            .as_ref()?;
        Some(self.rng.sample::<String, _>(generator))
    }

    fn array(&mut self, obj: &Map<String, Value>) -> Value {
        let min = obj.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = obj
            .get("maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        let small = self.depth > MAX_DEPTH || self.nodes > NODE_BUDGET;
        let wanted = if small {
            min
        } else if self.dynamic {
            let top = max.unwrap_or(min + 3).min(min + 3);
            self.rng.random_range(min.min(top)..=top)
        } else {
            min.max(1)
        };
        let count = max.map_or(wanted, |m| wanted.min(m)).min(min.max(64));
        let unique = obj.get("uniqueItems") == Some(&Value::Bool(true));
        let tuple = obj.get("items").and_then(Value::as_array).cloned();
        let items = match obj.get("items") {
            Some(v @ (Value::Object(_) | Value::Bool(_))) => v.clone(),
            _ => obj.get("additionalItems").cloned().unwrap_or(json!({})),
        };
        self.depth += 1;
        let mut out: Vec<Value> = Vec::with_capacity(count);
        let mut attempts = 0;
        while out.len() < count && attempts < count * 8 + 8 {
            attempts += 1;
            let schema = tuple
                .as_ref()
                .and_then(|t| t.get(out.len()))
                .unwrap_or(&items)
                .clone();
            let was = self.dynamic;
            // Repeated tries for distinct items need variety.
            self.dynamic = was || (unique && attempts > 1);
            let value = self.value(&schema);
            self.dynamic = was;
            if unique && out.contains(&value) {
                continue;
            }
            out.push(value);
        }
        self.depth -= 1;
        Value::Array(out)
    }

    fn object(&mut self, obj: &Map<String, Value>, name: Option<&str>) -> Value {
        let empty = Map::new();
        let props = obj
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let max = obj
            .get("maxProperties")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        let min = obj
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let additional = obj.get("additionalProperties");
        let closed = additional == Some(&Value::Bool(false));
        let full = self.depth < FULL_DEPTH && self.nodes <= NODE_BUDGET;
        self.depth += 1;
        let mut out = Map::new();
        for (key, schema) in props {
            let is_required = required.contains(&key.as_str());
            if !is_required {
                let (resolved, _) = self.resolve(schema);
                let write_only = resolved.get("writeOnly") == Some(&Value::Bool(true));
                let room = max.is_none_or(|m| out.len() + required.len() < m);
                let wanted = if self.dynamic {
                    full && self.rng.random_bool(0.6)
                } else {
                    full
                };
                if write_only || !room || !wanted {
                    continue;
                }
            }
            let value = self.value(schema);
            out.insert(key.clone(), value);
        }
        let extra_schema = match additional {
            Some(s @ Value::Object(_)) => s.clone(),
            _ => json!({}),
        };
        for key in &required {
            if !out.contains_key(*key) {
                let value = self.value(&extra_schema);
                out.insert((*key).to_owned(), value);
            }
        }
        let wants_extra = props.is_empty() && matches!(additional, Some(Value::Object(_))) && full;
        let mut wanted = min.max(usize::from(
            wants_extra && (!self.dynamic || self.rng.random_bool(0.7)),
        ));
        if let Some(m) = max {
            wanted = wanted.min(m);
        }
        let mut n = 1;
        while out.len() < wanted && !closed && n < 64 {
            let key = match obj.get("propertyNames") {
                Some(names @ Value::Object(_)) => match self.value(names) {
                    Value::String(s) => s,
                    _ => format!("additionalProp{n}"),
                },
                _ => format!("additionalProp{n}"),
            };
            n += 1;
            if out.contains_key(&key) {
                continue;
            }
            let value = self.value(&extra_schema);
            out.insert(key, value);
        }
        self.depth -= 1;
        let _ = name;
        Value::Object(out)
    }
}
