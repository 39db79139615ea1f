//! Parameters: raw path, query and header text read as the scalar or array their schema
//! describes, validated, and converted into the generated parameter types.

use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::rules::Branch;
use super::{ValidationError, ValidationErrors, Validator};

/// The JSON type a parameter's text is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// Kept as a string.
    String,
    /// Parsed as an integer.
    Integer,
    /// Parsed as a number.
    Number,
    /// `true` or `false`.
    Boolean,
}

/// How a parameter's values map to JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamShape {
    /// One value.
    Scalar(Scalar),
    /// An array: repeated values when `explode`, else one comma-separated value.
    Array {
        /// Item type.
        item: Scalar,
        /// Whether values are repeated (`a=1&a=2`) rather than comma-separated.
        explode: bool,
    },
    /// An array in one value split by `separator` (`spaceDelimited`: `' '`, `pipeDelimited`:
    /// `'|'`), or repeated.
    Delimited {
        /// Item type.
        item: Scalar,
        /// The separator.
        separator: char,
    },
    /// A schema without `type` (any value is valid): one value is a string, repeated values
    /// (`a=1&a=2`, as `form` explodes an array) an array of strings.
    Any,
}

fn scalar(text: &str, kind: Scalar, val: &mut Validator) -> Option<Value> {
    match kind {
        Scalar::String => Some(Value::String(text.to_owned())),
        Scalar::Integer => {
            if let Ok(i) = text.parse::<i64>() {
                Some(Value::from(i))
            } else if let Ok(u) = text.parse::<u64>() {
                Some(Value::from(u))
            } else if is_integer_literal(text) {
                // Beyond 64 bits: read as the number it is, so that the integer check judges it
                // against the schema's bounds (outside them, or valid but beyond the types).
                match text
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                {
                    Some(n) => Some(Value::Number(n)),
                    None => {
                        val.error(
                            "ensure this value fits in a 64-bit integer",
                            "value_error.number.not_in_range",
                        );
                        None
                    }
                }
            } else {
                val.error("value is not a valid integer", "type_error.integer");
                None
            }
        }
        Scalar::Number => match text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) => Some(Value::Number(n)),
            None => {
                val.error("value is not a valid float", "type_error.float");
                None
            }
        },
        Scalar::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => {
                val.error("value could not be parsed to a boolean", "type_error.bool");
                None
            }
        },
    }
}

/// One parameter as the document declares it: where it is, its name, how its text reads, whether
/// it is required, and its schema's check. Generated routers keep one `static` per distinct
/// parameter (operations sharing a parameter share it).
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// `path`, `query`, `header` or `cookie`.
    pub location: &'static str,
    /// Its name in the document.
    pub name: &'static str,
    /// How its text reads.
    pub shape: ParamShape,
    /// Whether the document requires it.
    pub required: bool,
    /// Its schema's check.
    pub check: Branch,
}

impl Param {
    /// [`param`] of this parameter's `raw` values.
    pub fn read(&self, raw: Vec<String>, val: &mut Validator) -> Value {
        param(
            self.location,
            self.name,
            raw,
            self.shape,
            self.required,
            self.check,
            val,
        )
    }
}

/// Reads parameter `name` (from `location`) out of its raw values, validates it with `check`,
/// and returns it as JSON (`null` when absent).
pub fn param(
    location: &str,
    name: &str,
    raw: Vec<String>,
    shape: ParamShape,
    required: bool,
    check: Branch,
    val: &mut Validator,
) -> Value {
    val.push(location);
    val.push(name);
    let value = match shape {
        _ if raw.is_empty() => {
            if required {
                val.error("field required", "value_error.missing");
            }
            None
        }
        ParamShape::Scalar(kind) => {
            if raw.len() > 1 {
                val.error("expected a single value", "value_error.multiple");
                None
            } else {
                scalar(&raw[0], kind, val)
            }
        }
        ParamShape::Any if raw.len() == 1 => Some(Value::String(raw[0].clone())),
        ParamShape::Any => Some(Value::Array(raw.into_iter().map(Value::String).collect())),
        ParamShape::Array { .. } | ParamShape::Delimited { .. } => {
            let (item, texts): (Scalar, Vec<&str>) = match shape {
                ParamShape::Array {
                    item,
                    explode: true,
                } => (item, raw.iter().map(String::as_str).collect()),
                // One value holding the list: an empty one is the empty list (`a=`, as
                // RFC 6570 expands it), not a list of one empty item.
                ParamShape::Array { item, .. } => (
                    item,
                    raw.iter()
                        .filter(|r| !r.is_empty())
                        .flat_map(|r| r.split(','))
                        .collect(),
                ),
                ParamShape::Delimited { item, separator } => (
                    item,
                    raw.iter()
                        .filter(|r| !r.is_empty())
                        .flat_map(|r| r.split(separator))
                        .collect(),
                ),
                ParamShape::Scalar(item) => (item, Vec::new()),
                ParamShape::Any => (Scalar::String, Vec::new()),
            };
            let before = val.errors.len();
            let items: Vec<Value> = texts.iter().filter_map(|t| scalar(t, item, val)).collect();
            (val.errors.len() == before).then_some(Value::Array(items))
        }
    };
    if let Some(v) = &value {
        check(v, val);
    }
    val.pop();
    val.pop();
    value.unwrap_or(Value::Null)
}

/// Validates object query parameter `name`, read by
/// [`QueryParams::deep_object`](crate::QueryParams::deep_object) or
/// [`QueryParams::exploded_object`](crate::QueryParams::exploded_object) into `value`, with
/// `check`, and returns it (`null` when absent).
pub fn deep_object_param(
    name: &str,
    value: Option<Value>,
    required: bool,
    check: Branch,
    val: &mut Validator,
) -> Value {
    val.push("query");
    val.push(name);
    match &value {
        None if required => val.error("field required", "value_error.missing"),
        None => {}
        Some(v) => check(v, val),
    }
    val.pop();
    val.pop();
    value.unwrap_or(Value::Null)
}

/// Turns validated JSON into its Rust type; a mismatch (a constraint the validator does not know)
/// is answered as a 422 at `loc`.
pub fn convert<T: DeserializeOwned>(value: Value, loc: &[&str]) -> Result<T, Response> {
    serde_json::from_value(value).map_err(|e| {
        ValidationErrors {
            detail: vec![ValidationError {
                loc: loc.iter().map(|s| (*s).to_owned()).collect(),
                msg: e.to_string(),
                r#type: "value_error".into(),
            }],
        }
        .into_response()
    })
}

/// Whether `text` is an integer written in decimal (a sign, then at least one digit).
fn is_integer_literal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod integer_literal_tests {
    use super::is_integer_literal;

    #[test]
    fn a_sign_alone_or_nothing_is_not_an_integer() {
        assert!(is_integer_literal("123456789012345678901234567890"));
        assert!(is_integer_literal("-1"));
        assert!(is_integer_literal("+1"));
        assert!(!is_integer_literal("-"));
        assert!(!is_integer_literal("+"));
        assert!(!is_integer_literal(""));
        assert!(!is_integer_literal("--1"));
        assert!(!is_integer_literal("1.0"));
    }
}

#[cfg(test)]
mod list_tests {
    use super::*;

    fn read(raw: &[&str], shape: ParamShape) -> (Value, usize) {
        let mut val = Validator::new();
        let raw = raw.iter().map(|s| (*s).to_owned()).collect();
        let value = param("query", "a", raw, shape, false, |_, _| {}, &mut val);
        (value, val.errors.len())
    }

    #[test]
    fn an_empty_value_holding_a_list_is_the_empty_list() {
        let comma = ParamShape::Array {
            item: Scalar::Integer,
            explode: false,
        };
        assert_eq!(read(&[""], comma), (serde_json::json!([]), 0));
        assert_eq!(read(&["1,2"], comma), (serde_json::json!([1, 2]), 0));
        let pipe = ParamShape::Delimited {
            item: Scalar::String,
            separator: '|',
        };
        assert_eq!(read(&[""], pipe), (serde_json::json!([]), 0));
        assert_eq!(read(&["a|"], pipe), (serde_json::json!(["a", ""]), 0));
    }
}
