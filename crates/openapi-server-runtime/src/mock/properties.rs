//! Property test of the synthesizer: random satisfiable schemas (types, bounds, lengths, formats,
//! enums, nullability, arrays with bounds and unique items, objects with required, optional and
//! additional properties, `allOf` of objects, `anyOf`), each synthesized over several seeds,
//! static and dynamic; every value must be valid, as `jsonschema` judges.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value, json};

use super::synth::Synth;
use super::tests::{errors, validator_of};

const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "uuid",
    "email",
    "uri",
    "ipv4",
    "ipv6",
    "byte",
];

/// A random schema no value is impossible for, at most `depth` levels deep.
fn schema(rng: &mut StdRng, depth: usize) -> Value {
    let kinds = if depth == 0 { 4 } else { 8 };
    let mut out = match rng.random_range(0..kinds) {
        0 => {
            let mut s = json!({ "type": "string" });
            match rng.random_range(0..4) {
                0 => {
                    let min = rng.random_range(0..5u64);
                    s["minLength"] = json!(min);
                    s["maxLength"] = json!(min + rng.random_range(0..6u64));
                }
                1 => s["format"] = json!(FORMATS[rng.random_range(0..FORMATS.len())]),
                2 => s["enum"] = json!(["a", "b", "c"]),
                _ => s["pattern"] = json!("^[a-z]{2,4}-[0-9]{1,3}$"),
            }
            s
        }
        1 => {
            let min = rng.random_range(-50..50i64);
            let mut s = json!({ "type": "integer", "minimum": min, "maximum": min + rng.random_range(0..100i64) });
            if rng.random_bool(0.3) {
                s["multipleOf"] = json!(rng.random_range(1..4u64));
                s["maximum"] = json!(min + 10);
            }
            s
        }
        2 => {
            let min = rng.random_range(-10.0..10.0f64);
            json!({ "type": "number", "exclusiveMinimum": min, "maximum": min + rng.random_range(0.5..20.0) })
        }
        3 => json!({ "type": "boolean" }),
        4 => {
            let min = rng.random_range(0..3u64);
            let unique = rng.random_bool(0.5);
            let items = if unique {
                json!({ "type": "integer", "minimum": 0, "maximum": 1000 })
            } else {
                schema(rng, depth - 1)
            };
            json!({ "type": "array", "items": items, "minItems": min, "maxItems": min + rng.random_range(0..3u64), "uniqueItems": unique })
        }
        5 => object(rng, depth, "p", true),
        // A branch's `additionalProperties` would also hold for the other's properties: none.
        6 => json!({ "allOf": [object(rng, depth, "a", false), object(rng, depth, "b", false)] }),
        _ => json!({ "anyOf": [schema(rng, depth - 1), schema(rng, depth - 1)] }),
    };
    if rng.random_bool(0.2)
        && let Some(Value::String(t)) = out.get("type").cloned()
        && out.get("enum").is_none()
    {
        out["type"] = json!([t, "null"]);
    }
    out
}

/// An object schema whose properties are named `<prefix>0…` (so `allOf` branches never clash).
fn object(rng: &mut StdRng, depth: usize, prefix: &str, additional: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for i in 0..rng.random_range(0..4) {
        let name = format!("{prefix}{i}");
        properties.insert(name.clone(), schema(rng, depth - 1));
        if rng.random_bool(0.5) {
            required.push(json!(name));
        }
    }
    let mut s = json!({ "type": "object", "properties": properties, "required": required });
    if additional && rng.random_bool(0.3) {
        s["additionalProperties"] = json!({ "type": "string", "maxLength": 3 });
    }
    s
}

#[test]
fn every_value_synthesized_for_a_random_satisfiable_schema_is_valid() {
    let mut rng = StdRng::seed_from_u64(2026);
    let mut patterns = HashMap::new();
    for case in 0..400 {
        let schema = schema(&mut rng, 3);
        let root = json!({ "definitions": { "s": schema } });
        let validator = validator_of(&root);
        for seed in 0..6 {
            for dynamic in [false, true] {
                let value = Synth::new(&root, seed, dynamic, true, &mut patterns)
                    .value(&root["definitions"]["s"]);
                let errors = errors(&validator, &value);
                assert!(
                    errors.is_empty(),
                    "case {case}, seed {seed}, dynamic {dynamic}: {value} is invalid for {}: {errors:?}",
                    root["definitions"]["s"]
                );
            }
        }
    }
}
