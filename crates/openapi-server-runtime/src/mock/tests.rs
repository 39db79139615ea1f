//! The synthesizer against an independent validator (`jsonschema`), over many seeds, and the
//! engine's choice of response.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::answers::Engine;
use super::formats::pattern_generator;
use super::synth::Synth;

/// A document root holding `schema` at `#/definitions/s` and the components beside it.
fn root(schema: Value, components: Value) -> Value {
    json!({ "definitions": { "s": schema }, "components": { "schemas": components } })
}

/// The validator (draft 2019-09, formats checked) of `#/definitions/s` in `root`.
pub(super) fn validator_of(root: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .should_validate_formats(true)
        .build(&json!({ "$ref": "#/definitions/s", "definitions": root["definitions"], "components": root["components"] }))
        .expect("the test schema compiles")
}

/// What `validator` finds wrong with `value`.
pub(super) fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect()
}

/// Every synthesized value for `schema`, static and dynamic over `seeds` seeds, is valid.
fn assert_always_valid(schema: Value, components: Value, seeds: u64) {
    let root = root(schema, components);
    let validator = validator_of(&root);
    let mut patterns = HashMap::new();
    let schema = root["definitions"]["s"].clone();
    for seed in 0..seeds {
        for dynamic in [false, true] {
            let value = Synth::new(&root, seed, dynamic, true, &mut patterns).value(&schema);
            let errors = errors(&validator, &value);
            assert!(
                errors.is_empty(),
                "seed {seed} dynamic {dynamic}: {value} is invalid: {errors:?}"
            );
        }
    }
}

#[test]
fn strings_of_every_format_pattern_and_length_are_valid() {
    for format in [
        "date-time",
        "date",
        "time",
        "uuid",
        "email",
        "uri",
        "hostname",
        "ipv4",
        "ipv6",
        "byte",
        "password",
        "uri-reference",
        "json-pointer",
        "regex",
        "duration",
        "unknown-format",
    ] {
        assert_always_valid(json!({ "type": "string", "format": format }), json!({}), 30);
    }
    assert_always_valid(
        json!({ "type": "string", "minLength": 3, "maxLength": 5 }),
        json!({}),
        50,
    );
    assert_always_valid(json!({ "type": "string", "maxLength": 0 }), json!({}), 5);
    assert_always_valid(json!({ "type": "string", "minLength": 40 }), json!({}), 20);
    for pattern in [
        "^[a-zA-Z0-9\\-_.]+$",
        "^app_[0-9a-f]{8}$",
        "\\d{3}-\\d{4}",
        "^(foo|bar)\\w*$",
        "^[A-Z]{2}\\s?\\d+$",
        "^\\S+@\\S+$",
    ] {
        assert_always_valid(
            json!({ "type": "string", "pattern": pattern, "maxLength": 40 }),
            json!({}),
            40,
        );
    }
}

#[test]
fn numbers_within_bounds_exclusive_bounds_formats_and_multiples_are_valid() {
    for schema in [
        json!({ "type": "integer" }),
        json!({ "type": "integer", "minimum": 5, "maximum": 7 }),
        json!({ "type": "integer", "exclusiveMinimum": 0 }),
        json!({ "type": "integer", "exclusiveMaximum": -3 }),
        json!({ "type": "integer", "format": "int32", "minimum": 2147483000 }),
        json!({ "type": "integer", "multipleOf": 5, "minimum": 12, "maximum": 40 }),
        json!({ "type": "number", "minimum": 0.5, "exclusiveMaximum": 0.75 }),
        json!({ "type": "number", "multipleOf": 0.25, "minimum": 1 }),
        json!({ "type": "number", "format": "float" }),
    ] {
        assert_always_valid(schema, json!({}), 60);
    }
}

#[test]
fn objects_with_required_optional_additional_and_bounded_properties_are_valid() {
    assert_always_valid(
        json!({
            "type": "object",
            "required": ["id", "tags"],
            "properties": {
                "id": { "type": "string", "format": "uuid" },
                "tags": { "type": "array", "items": { "type": "string", "enum": ["a", "b", "c"] }, "minItems": 2, "uniqueItems": true },
                "note": { "type": ["string", "null"], "maxLength": 4 },
                "secret": { "type": "string", "writeOnly": true },
                "meta": { "type": "object", "additionalProperties": { "type": "integer", "minimum": 1 } }
            },
            "additionalProperties": false
        }),
        json!({}),
        60,
    );
    assert_always_valid(
        json!({ "type": "object", "minProperties": 2, "maxProperties": 3, "additionalProperties": { "type": "boolean" } }),
        json!({}),
        40,
    );
    assert_always_valid(
        json!({ "type": "object", "propertyNames": { "pattern": "^x-[a-z]+$" }, "additionalProperties": { "type": "string" }, "minProperties": 1 }),
        json!({}),
        40,
    );
}

#[test]
fn compositions_discriminators_references_and_recursion_are_valid() {
    let components = json!({
        "Pet": {
            "type": "object",
            "required": ["kind"],
            "properties": { "kind": { "type": "string" }, "name": { "type": "string" } },
            "discriminator": { "propertyName": "kind", "mapping": { "cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog" } }
        },
        "Cat": { "allOf": [{ "$ref": "#/components/schemas/Pet" }, { "type": "object", "required": ["lives"], "properties": { "lives": { "type": "integer", "minimum": 1, "maximum": 9 }, "kind": { "enum": ["cat"] } } }] },
        "Dog": { "allOf": [{ "$ref": "#/components/schemas/Pet" }, { "type": "object", "required": ["barks"], "properties": { "barks": { "type": "boolean" }, "kind": { "enum": ["dog"] } } }] },
        "Node": { "type": "object", "required": ["children"], "properties": { "value": { "type": "integer" }, "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } } } }
    });
    assert_always_valid(
        json!({
            "oneOf": [{ "$ref": "#/components/schemas/Cat" }, { "$ref": "#/components/schemas/Dog" }],
            "discriminator": { "propertyName": "kind", "mapping": { "cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog" } }
        }),
        components.clone(),
        60,
    );
    assert_always_valid(
        json!({ "$ref": "#/components/schemas/Node" }),
        components.clone(),
        30,
    );
    assert_always_valid(
        json!({ "anyOf": [{ "type": "string", "format": "date" }, { "type": "null" }] }),
        json!({}),
        30,
    );
    assert_always_valid(
        json!({ "type": "object", "properties": { "a": { "type": "integer" } }, "oneOf": [{ "required": ["a"] }, { "required": ["b"], "properties": { "b": { "const": 3 } } }] }),
        json!({}),
        1,
    );
    assert_always_valid(
        json!({ "type": "array", "items": [{ "type": "string" }, { "type": "integer" }], "minItems": 2 }),
        json!({}),
        20,
    );
}

#[test]
fn the_same_seed_gives_the_same_value_and_another_seed_varies_it() {
    let root = root(
        json!({ "type": "object", "properties": { "n": { "type": "integer" }, "s": { "type": "string" } }, "required": ["n", "s"] }),
        json!({}),
    );
    let schema = root["definitions"]["s"].clone();
    let mut patterns = HashMap::new();
    let mut at = |seed| Synth::new(&root, seed, true, true, &mut patterns).value(&schema);
    assert_eq!(at(7), at(7));
    let distinct: std::collections::BTreeSet<String> = (0..20).map(|s| at(s).to_string()).collect();
    assert!(
        distinct.len() > 10,
        "dynamic values vary by seed: {distinct:?}"
    );
}

#[test]
fn a_pattern_the_generator_cannot_read_is_reported_not_a_panic() {
    assert!(pattern_generator("(a)\\1").is_none());
    assert!(pattern_generator("^(?!x)").is_none() || pattern_generator("^(?!x)").is_some());
    assert!(pattern_generator("[").is_none());
}

fn engine() -> Engine {
    let answers = json!({
        "definitions": {
            "op0r0": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string", "minLength": 3 } } },
            "op0r1": { "type": "object", "required": ["code"], "properties": { "code": { "type": "string" } } },
            "op0r2": { "type": "object" }
        },
        "components": { "schemas": {} },
        "operations": [{
            "id": "getThing",
            "responses": [
                { "status": "201", "examples": [["first", { "id": "abc" }], ["bad", { "id": "x" }]] },
                { "status": "404", "examples": [] },
                { "status": "5XX", "examples": [] }
            ]
        }]
    });
    Engine::new(&answers.to_string(), 1)
}

#[test]
fn the_lowest_success_is_chosen_and_its_first_example_answered() {
    let engine = engine();
    let choice = engine.choose(0).expect("a response");
    assert_eq!((choice.response(), choice.status().as_u16()), (0, 201));
    let body: Value = engine.json(&choice).expect("a body");
    assert_eq!(body, json!({ "id": "abc" }));
}

#[test]
fn an_operation_documenting_only_errors_answers_one_that_does_not_call_the_request_malformed() {
    let answers = json!({
        "definitions": {}, "components": { "schemas": {} },
        "operations": [
            { "id": "a", "method": "get", "path": "/a", "responses": [
                { "status": "400", "kind": "empty" }, { "status": "403", "kind": "empty" } ] },
            { "id": "b", "method": "get", "path": "/b", "responses": [
                { "status": "422", "kind": "empty" } ] }
        ]
    });
    let engine = Engine::new(&answers.to_string(), 1);
    assert_eq!(engine.choose(0).expect("a response").status().as_u16(), 403);
    assert_eq!(
        engine.choose(1).expect("a response").status().as_u16(),
        422,
        "the only one"
    );
}

#[test]
fn an_unreadable_answer_text_refuses_with_500_naming_it() {
    let engine = Engine::new("{", 0);
    let refusal = engine.choose(0).expect_err("no answers");
    assert_eq!(refusal.status().as_u16(), 500);
    assert!(
        refusal.into_body()["detail"]
            .as_str()
            .unwrap_or("")
            .contains("unreadable")
    );
}

#[test]
fn the_validator_these_tests_use_rejects_an_invalid_value() {
    let root = root(
        json!({ "$ref": "#/components/schemas/T" }),
        json!({ "T": { "type": "string", "format": "uuid", "minLength": 3 } }),
    );
    let validator = validator_of(&root);
    assert!(!validator.is_valid(&json!("not-a-uuid")));
    assert!(!validator.is_valid(&json!(3)));
    assert!(validator.is_valid(&json!("3fa85f64-5717-4562-b3fc-2c963f66afa6")));
}

#[test]
fn patterns_with_look_arounds_are_answered_valid_after_retries() {
    for pattern in [
        "^(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])(\\.)?$",
        "^(?=.*[a-z])[a-z0-9]+$",
    ] {
        let schema = json!({ "type": "string", "pattern": pattern, "maxLength": 64 });
        let answers = json!({
            "definitions": { "op0r0": schema },
            "components": { "schemas": {} },
            "operations": [{ "id": "op", "responses": [{ "status": "200", "examples": [] }] }]
        });
        let engine = Engine::new(&answers.to_string(), 3);
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft201909)
            .build(&schema)
            .expect("compiles");
        for seed in 0..40 {
            let choice = engine.choice(0, 0, seed > 0, seed).expect("a choice");
            let value: Value = engine.json(&choice).expect("a valid answer");
            assert!(validator.is_valid(&value), "{pattern}: {value}");
        }
    }
}
