//! The per-keyword checks: type, bounds, length, pattern, format, items, required properties,
//! enumerations and combinators, each recording failures at the current location.

use std::collections::BTreeSet;

use regress::Regex;
use serde_json::{Map, Value};

use super::Validator;

/// Constraints of a string schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct StringRules {
    /// `minLength` (in characters).
    pub min_length: Option<u64>,
    /// `maxLength` (in characters).
    pub max_length: Option<u64>,
    /// `pattern` (ECMA-262 syntax, as OpenAPI specifies), compiled, and its source for the message.
    pub pattern: Option<(&'static std::sync::LazyLock<Regex>, &'static str)>,
    /// `format`: checked when it is one the router knows (`formats::violation`); others are
    /// annotations.
    pub format: Option<&'static str>,
}

/// Constraints of an integer schema (bounds include the range of its `format`).
#[derive(Debug, Clone, Copy, Default)]
pub struct IntRules {
    /// Smallest allowed value.
    pub minimum: Option<i128>,
    /// Largest allowed value.
    pub maximum: Option<i128>,
    /// Values must be greater than this.
    pub exclusive_minimum: Option<i128>,
    /// Values must be less than this.
    pub exclusive_maximum: Option<i128>,
    /// `multipleOf`.
    pub multiple_of: Option<i128>,
}

/// Constraints of a number schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumRules {
    /// `minimum`.
    pub minimum: Option<f64>,
    /// `maximum`.
    pub maximum: Option<f64>,
    /// Exclusive lower bound.
    pub exclusive_minimum: Option<f64>,
    /// Exclusive upper bound.
    pub exclusive_maximum: Option<f64>,
    /// `format: float`: a value beyond single precision's range is valid for the document but
    /// not for the Rust type (`f32`), which would read it as infinity.
    pub single_precision: bool,
}

/// Constraints of an array schema (items are validated by the caller).
#[derive(Debug, Clone, Copy, Default)]
pub struct ArrayRules {
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `uniqueItems`.
    pub unique_items: bool,
}

/// Reports `null` where the schema does not allow it; returns whether `v` is null.
fn null_check(v: &Value, nullable: bool, val: &mut Validator) -> bool {
    if v.is_null() {
        if !nullable {
            val.error(
                "none is not an allowed value",
                "type_error.none.not_allowed",
            );
        }
        true
    } else {
        false
    }
}

/// Checks a string; returns it when it is one and not null.
pub fn string<'v>(
    v: &'v Value,
    nullable: bool,
    rules: &StringRules,
    val: &mut Validator,
) -> Option<&'v str> {
    if null_check(v, nullable, val) {
        return None;
    }
    let Some(s) = v.as_str() else {
        val.error("str type expected", "type_error.str");
        return None;
    };
    let chars = s.chars().count() as u64;
    if let Some(min) = rules.min_length.filter(|m| chars < *m) {
        val.error(
            format!("ensure this value has at least {min} characters"),
            "value_error.any_str.min_length",
        );
    }
    if let Some(max) = rules.max_length.filter(|m| chars > *m) {
        val.error(
            format!("ensure this value has at most {max} characters"),
            "value_error.any_str.max_length",
        );
    }
    if let Some((re, source)) = rules.pattern
        && re.find(s).is_none()
    {
        val.error(
            format!("string does not match regex \"{source}\""),
            "value_error.str.regex",
        );
    }
    if let Some((message, kind)) = rules.format.and_then(|f| super::formats::violation(f, s)) {
        val.error(message, kind);
    }
    Some(s)
}

/// Checks an integer (a JSON number without fraction, within the bounds).
pub fn integer(v: &Value, nullable: bool, rules: &IntRules, val: &mut Validator) {
    if null_check(v, nullable, val) {
        return;
    }
    let Value::Number(n) = v else {
        val.error("value is not a valid integer", "type_error.integer");
        return;
    };
    let value: i128 = if let Some(i) = n.as_i64() {
        i128::from(i)
    } else if let Some(u) = n.as_u64() {
        i128::from(u)
    } else {
        match n.as_f64() {
            // Within 64 bits a float is a number written with a fraction or an exponent (an
            // integer literal there parses as an integer): `1.0` in OpenAPI 3.0 (3.1 documents
            // read it as `1` beforehand).
            Some(f)
                if f.fract() == 0.0
                    && f.is_finite()
                    && crate::body::beyond_64_bits(f)
                    && !val.is_non_integer(f) =>
            {
                // Integral but beyond 64 bits. With a bound on that side (a format's range,
                // within 64 bits), outside it; without one, valid for the document but more
                // than the Rust types hold (a mock answers it).
                let limit = if f < 0.0 {
                    rules.minimum.or(rules.exclusive_minimum)
                } else {
                    rules.maximum.or(rules.exclusive_maximum)
                };
                let within_64_bits = |l: i128| i64::try_from(l).is_ok() || u64::try_from(l).is_ok();
                let kind = if limit.is_some_and(within_64_bits) {
                    "value_error.number.not_in_range"
                } else {
                    "value_error.number.not_representable"
                };
                val.error("ensure this value fits in a 64-bit integer", kind);
                return;
            }
            _ => {
                val.error("value is not a valid integer", "type_error.integer");
                return;
            }
        }
    };
    bounds(
        value,
        [
            rules.minimum,
            rules.maximum,
            rules.exclusive_minimum,
            rules.exclusive_maximum,
        ],
        val,
    );
    if let Some(m) = rules.multiple_of.filter(|m| *m != 0 && value % *m != 0) {
        val.error(
            format!("ensure this value is a multiple of {m}"),
            "value_error.number.not_multiple",
        );
    }
}

/// Reports `value` outside `[minimum, maximum, exclusive minimum, exclusive maximum]`.
fn bounds<T: PartialOrd + std::fmt::Display>(
    value: T,
    [min, max, xmin, xmax]: [Option<T>; 4],
    val: &mut Validator,
) {
    if let Some(min) = min.filter(|m| value < *m) {
        val.error(
            format!("ensure this value is greater than or equal to {min}"),
            "value_error.number.not_ge",
        );
    }
    if let Some(max) = max.filter(|m| value > *m) {
        val.error(
            format!("ensure this value is less than or equal to {max}"),
            "value_error.number.not_le",
        );
    }
    if let Some(min) = xmin.filter(|m| value <= *m) {
        val.error(
            format!("ensure this value is greater than {min}"),
            "value_error.number.not_gt",
        );
    }
    if let Some(max) = xmax.filter(|m| value >= *m) {
        val.error(
            format!("ensure this value is less than {max}"),
            "value_error.number.not_lt",
        );
    }
}

/// Checks a number.
pub fn number(v: &Value, nullable: bool, rules: &NumRules, val: &mut Validator) {
    if null_check(v, nullable, val) {
        return;
    }
    let Some(value) = v.as_f64() else {
        val.error("value is not a valid float", "type_error.float");
        return;
    };
    bounds(
        value,
        [
            rules.minimum,
            rules.maximum,
            rules.exclusive_minimum,
            rules.exclusive_maximum,
        ],
        val,
    );
    if rules.single_precision && value.abs() > f64::from(f32::MAX) {
        val.error(
            "ensure this value fits in single precision (at most 3.4028235e38 in magnitude)",
            "value_error.number.not_representable",
        );
    }
}

/// Checks a boolean.
pub fn boolean(v: &Value, nullable: bool, val: &mut Validator) {
    if !null_check(v, nullable, val) && !v.is_boolean() {
        val.error("value could not be parsed to a boolean", "type_error.bool");
    }
}

/// Checks an array; returns its items for item validation.
pub fn array<'v>(
    v: &'v Value,
    nullable: bool,
    rules: &ArrayRules,
    val: &mut Validator,
) -> Option<&'v [Value]> {
    if null_check(v, nullable, val) {
        return None;
    }
    let Some(items) = v.as_array() else {
        val.error("value is not a valid list", "type_error.list");
        return None;
    };
    let len = items.len() as u64;
    if let Some(min) = rules.min_items.filter(|m| len < *m) {
        val.error(
            format!("ensure this value has at least {min} items"),
            "value_error.list.min_items",
        );
    }
    if let Some(max) = rules.max_items.filter(|m| len > *m) {
        val.error(
            format!("ensure this value has at most {max} items"),
            "value_error.list.max_items",
        );
    }
    if rules.unique_items {
        let mut seen = BTreeSet::new();
        if !items.iter().all(|item| seen.insert(canonical(item))) {
            val.error(
                "the list has duplicated items",
                "value_error.list.unique_items",
            );
        }
    }
    Some(items)
}

/// A canonical text of a JSON value (object keys sorted), for equality checks.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<_> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Number(n) => n
            .as_f64()
            .map(|f| f.to_string())
            .unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

/// Checks an object and its `required` keys; returns it for property validation.
pub fn object<'v>(
    v: &'v Value,
    nullable: bool,
    required: &[&str],
    val: &mut Validator,
) -> Option<&'v Map<String, Value>> {
    if null_check(v, nullable, val) {
        return None;
    }
    let Some(map) = v.as_object() else {
        val.error("value is not a valid dict", "type_error.dict");
        return None;
    };
    for key in required {
        if !map.contains_key(*key) {
            val.push(*key);
            val.error("field required", "value_error.missing");
            val.pop();
        }
    }
    Some(map)
}

/// Checks that `v` is one of `allowed` (JSON texts).
pub fn enumeration(v: &Value, allowed: &[&str], val: &mut Validator) {
    let text = canonical(v);
    let ok = allowed
        .iter()
        .any(|a| serde_json::from_str::<Value>(a).is_ok_and(|a| canonical(&a) == text));
    if !ok {
        val.error(
            format!(
                "value is not a valid enumeration member; permitted: {}",
                allowed.join(", ")
            ),
            "type_error.enum",
        );
    }
}

/// A branch validator of `anyOf`/`oneOf`/`not`.
pub type Branch = fn(&Value, &mut Validator);

/// Checks that `v` satisfies at least one branch (`anyOf`, and `oneOf`, which, like serde's
/// untagged enums, accepts the first match).
pub fn any_of(v: &Value, branches: &[Branch], val: &mut Validator) {
    let mut best: Option<Validator> = None;
    for branch in branches {
        let mut scratch = val.scratch();
        branch(v, &mut scratch);
        if scratch.is_ok() {
            return;
        }
        if best
            .as_ref()
            .is_none_or(|b| scratch.errors.len() < b.errors.len())
        {
            best = Some(scratch);
        }
    }
    match best {
        Some(best) if branches.len() == 1 => val.errors.extend(best.errors),
        _ => val.error(
            "value does not match any of the allowed schemas",
            "value_error.any_of",
        ),
    }
}

/// Checks that `v` does not satisfy `branch`.
pub fn not(v: &Value, branch: Branch, val: &mut Validator) {
    let mut scratch = val.scratch();
    branch(v, &mut scratch);
    if scratch.is_ok() {
        val.error(
            "value matches a schema it must not match",
            "value_error.not",
        );
    }
}
