//! An answer no synthesis made valid, made valid by leaving parts out: a property (or array
//! item) whose schema no value satisfies — a `type: string` with an `enum` of numbers, as
//! documents write by mistake — is dropped where its object does not require it, so that the
//! rest of the answer stands. Each step removes what the validator's first error points at and
//! checks again; a required part removed makes its parent the next to go, up to the root
//! (then nothing valid is found, and the caller answers as before).

use serde_json::Value;

use super::spec::Spec;

/// Steps tried at most.
const STEPS: usize = 16;

/// `candidate` with the parts that break the schema at `pointer` left out, if that makes it
/// valid.
pub(super) fn pruned(spec: &Spec, pointer: &str, mut candidate: Value) -> Option<Value> {
    for _ in 0..STEPS {
        let Some(path) = spec.first_error_path(pointer, &candidate) else {
            return Some(candidate);
        };
        if !remove(&mut candidate, &path) {
            return None;
        }
    }
    None
}

/// Removes the part of `value` at JSON pointer `path` (a property or an array item); false
/// when `path` is the root or names nothing.
fn remove(value: &mut Value, path: &str) -> bool {
    let segments: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut at = value;
    for segment in parents {
        let next = match at {
            Value::Object(map) => map.get_mut(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => return false,
        }
    }
    match at {
        Value::Object(map) => map.remove(last).is_some(),
        Value::Array(items) => match last.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{pruned, remove};
    use serde_json::json;

    #[test]
    fn an_optional_property_no_value_satisfies_is_left_out_and_a_required_one_fails_it_all() {
        // `ratio` is a string whose enum holds only numbers (Ticketmaster's `Image.ratio`).
        let answers = json!({
            "definitions": {
                "op0r0": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "id": { "type": "string", "enum": [1] },
                        "ratio": { "type": "string", "enum": [169, 43] },
                        "images": { "type": "array", "items": { "type": "integer" } }
                    }
                }
            },
            "components": { "schemas": {} },
            "operations": []
        });
        let spec = super::Spec::parse(&answers.to_string()).expect("answers");
        let pointer = "/definitions/op0r0";
        let answer = json!({ "ratio": "169", "images": [1, "x", 2] });
        assert_eq!(
            pruned(&spec, pointer, answer.clone()),
            None,
            "`id` is required and no value fits it: nothing valid is left"
        );
        let spec = super::Spec::parse(
            &answers
                .to_string()
                .replace(r#""enum":[1]"#, r#""minLength":1"#),
        )
        .expect("answers");
        let answer = json!({ "id": "a", "ratio": "169", "images": [1, "x", 2] });
        assert_eq!(
            pruned(&spec, pointer, answer),
            Some(json!({ "id": "a", "images": [1, 2] }))
        );
    }

    #[test]
    fn a_property_or_an_item_is_removed_by_its_pointer_and_the_root_never() {
        let mut value = json!({"a": {"b/c": 1, "d": 2}, "l": [1, 2, 3]});
        assert!(remove(&mut value, "/a/b~1c"));
        assert!(remove(&mut value, "/l/1"));
        assert_eq!(value, json!({"a": {"d": 2}, "l": [1, 3]}));
        assert!(!remove(&mut value, ""));
        assert!(!remove(&mut value, "/missing/x"));
    }
}
