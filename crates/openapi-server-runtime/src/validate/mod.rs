//! JSON-Schema validation primitives the generated validators are made of. Each records its
//! failures in a [`Validator`] at the current location, in Svix's (pydantic-style) wording.
//! [`rules`] holds the per-keyword checks, [`params`] the reading of parameters from text.

mod formats;

pub(crate) use formats::violation as format_violation;
mod params;
mod rules;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub use params::{Param, ParamShape, Scalar, convert, deep_object_param, param};
pub use rules::{
    ArrayRules, IntRules, NumRules, StringRules, any_of, array, boolean, enumeration, integer, not,
    number, object, string,
};

/// One problem: where (`loc`), what (`msg`) and its kind (`type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    /// Location, such as `["body", "expiry"]` or `["path", "app_id"]`.
    pub loc: Vec<String>,
    /// Human-readable message.
    pub msg: String,
    /// Kind, such as `value_error.missing` or `type_error.integer`.
    pub r#type: String,
}

/// An `HTTPValidationError` body; answered with 422.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrors {
    /// Every problem found.
    pub detail: Vec<ValidationError>,
}

impl ValidationErrors {
    /// Every problem in words, `body.name: field required; query.limit: …`.
    pub fn explanation(&self) -> String {
        self.detail
            .iter()
            .map(|e| format!("{}: {}", e.loc.join("."), e.msg))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// 422 with this body, marked as the router's refusal (so the operation's documented error
/// shape can replace it).
impl IntoResponse for ValidationErrors {
    fn into_response(self) -> Response {
        let mut response = crate::json_response(StatusCode::UNPROCESSABLE_ENTITY, &self);
        if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
            let mark = crate::RouterRefusal {
                detail: self.explanation(),
                shape: crate::RouterShape::Validation,
                body: serde_json::to_value(&self).unwrap_or_default(),
            };
            response.extensions_mut().insert(mark);
        }
        response
    }
}

/// The JSON Schema a document's schemas follow, where the two read a request differently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.0 (JSON Schema draft 4/5): an `integer` is a number written without a fraction
    /// or an exponent, so `1.0` and `1e3` are not integers.
    #[default]
    OpenApi30,
    /// OpenAPI 3.1 (JSON Schema 2020-12): any number with a zero fraction is an integer
    /// (`-168.0`, `1e3`).
    OpenApi31,
}

/// Collects validation errors while walking a request.
#[derive(Debug, Default)]
pub struct Validator {
    loc: Vec<String>,
    errors: Vec<ValidationError>,
    dialect: Dialect,
    /// Values beyond 64 bits the request wrote with a fraction or an exponent (OpenAPI 3.0:
    /// not integers, though they parse to what an integer literal would).
    non_integers: Vec<f64>,
}

impl Validator {
    /// An empty validator at the root, for an OpenAPI 3.0 document.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty validator at the root, for a document of `dialect`.
    pub fn with_dialect(dialect: Dialect) -> Self {
        Self {
            dialect,
            ..Self::default()
        }
    }

    /// The JSON Schema the document's schemas follow.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Records that the request wrote `value` (beyond 64 bits) with a fraction or an exponent.
    pub(crate) fn written_with_fraction(&mut self, value: f64) {
        self.non_integers.push(value);
    }

    /// Whether an integral `value` beyond 64 bits is no integer: OpenAPI 3.0 counts only numbers
    /// written without a fraction or an exponent.
    pub(crate) fn is_non_integer(&self, value: f64) -> bool {
        self.dialect == Dialect::OpenApi30 && self.non_integers.contains(&value)
    }

    /// Descends into `segment`.
    pub fn push(&mut self, segment: impl Into<String>) {
        self.loc.push(segment.into());
    }

    /// Goes back up one level.
    pub fn pop(&mut self) {
        self.loc.pop();
    }

    /// Records a problem at the current location.
    pub fn error(&mut self, msg: impl Into<String>, kind: &str) {
        self.errors.push(ValidationError {
            loc: self.loc.clone(),
            msg: msg.into(),
            r#type: kind.to_owned(),
        });
    }

    /// Whether nothing was recorded so far.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok` when nothing was recorded, else every problem.
    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors {
                detail: self.errors,
            })
        }
    }

    fn scratch(&self) -> Self {
        Self {
            loc: self.loc.clone(),
            errors: Vec::new(),
            dialect: self.dialect,
            non_integers: self.non_integers.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;

    fn errors(f: impl FnOnce(&mut Validator)) -> Vec<(Vec<String>, String)> {
        let mut val = Validator::new();
        f(&mut val);
        val.finish()
            .err()
            .map(|e| e.detail.into_iter().map(|d| (d.loc, d.r#type)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_float_beyond_single_precision_is_valid_for_the_document_but_not_for_f32() {
        let rules = NumRules {
            single_precision: true,
            ..Default::default()
        };
        assert!(errors(|v| number(&json!(3.4e38), false, &rules, v)).is_empty());
        assert_eq!(
            errors(|v| number(&json!(-6.4e207), false, &rules, v)),
            vec![(vec![], "value_error.number.not_representable".to_owned())]
        );
        let double = NumRules::default();
        assert!(errors(|v| number(&json!(6.4e207), false, &double, v)).is_empty());
    }

    #[test]
    fn integer_checks_type_bounds_and_64_bit_overflow() {
        let rules = IntRules {
            minimum: Some(3600),
            maximum: Some(604800),
            ..Default::default()
        };
        assert!(errors(|v| integer(&json!(3600), false, &rules, v)).is_empty());
        assert_eq!(
            errors(|v| integer(&json!(1), false, &rules, v))[0].1,
            "value_error.number.not_ge"
        );
        assert_eq!(
            errors(|v| integer(&json!(604801), false, &rules, v))[0].1,
            "value_error.number.not_le"
        );
        assert_eq!(
            errors(|v| integer(&json!(1.5), false, &rules, v))[0].1,
            "type_error.integer"
        );
        assert_eq!(
            errors(|v| integer(&json!("1"), false, &rules, v))[0].1,
            "type_error.integer"
        );
        // Beyond 64 bits: outside a declared bound on that side; without one, valid but more
        // than the Rust types hold.
        assert_eq!(
            errors(|v| integer(&json!(1e30), false, &rules, v))[0].1,
            "value_error.number.not_in_range"
        );
        let any = IntRules::default();
        assert_eq!(
            errors(|v| integer(&json!(1e30), false, &any, v))[0].1,
            "value_error.number.not_representable"
        );
        let int64 = IntRules {
            minimum: Some(i64::MIN.into()),
            maximum: Some(i64::MAX.into()),
            ..Default::default()
        };
        assert_eq!(
            errors(|v| integer(&json!(-1e19), false, &int64, v))[0].1,
            "value_error.number.not_in_range"
        );
        assert!(errors(|v| integer(&Value::Null, true, &rules, v)).is_empty());
        assert_eq!(
            errors(|v| integer(&Value::Null, false, &rules, v))[0].1,
            "type_error.none.not_allowed"
        );
    }

    #[test]
    fn string_counts_characters_not_bytes() {
        let rules = StringRules {
            max_length: Some(2),
            ..Default::default()
        };
        assert!(
            errors(|v| {
                string(&json!("éé"), false, &rules, v);
            })
            .is_empty()
        );
        assert_eq!(
            errors(|v| {
                string(&json!("ééé"), false, &rules, v);
            })[0]
                .1,
            "value_error.any_str.max_length"
        );
    }

    #[test]
    fn unique_items_compares_values_not_text() {
        let rules = ArrayRules {
            unique_items: true,
            ..Default::default()
        };
        assert_eq!(
            errors(|v| {
                array(&json!([{"a":1,"b":2},{"b":2,"a":1}]), false, &rules, v);
            })
            .len(),
            1
        );
        assert!(
            errors(|v| {
                array(&json!(["a", "b"]), false, &rules, v);
            })
            .is_empty()
        );
    }

    #[test]
    fn object_reports_each_missing_required_key_at_its_location() {
        let e = errors(|v| {
            v.push("body");
            object(&json!({}), false, &["name", "uid"], v);
        });
        assert_eq!(
            e,
            vec![
                (
                    vec!["body".into(), "name".into()],
                    "value_error.missing".into()
                ),
                (
                    vec!["body".into(), "uid".into()],
                    "value_error.missing".into()
                )
            ]
        );
    }

    #[test]
    fn param_parses_comma_separated_and_exploded_arrays() {
        let mut val = Validator::new();
        let v = param(
            "query",
            "ids",
            vec!["1,2".into()],
            ParamShape::Array {
                item: Scalar::Integer,
                explode: false,
            },
            false,
            |_, _| {},
            &mut val,
        );
        assert_eq!(v, json!([1, 2]));
        let v = param(
            "query",
            "ids",
            vec!["1".into(), "2".into()],
            ParamShape::Array {
                item: Scalar::Integer,
                explode: true,
            },
            false,
            |_, _| {},
            &mut val,
        );
        assert_eq!(v, json!([1, 2]));
        assert!(val.is_ok());
        let e = errors(|v| {
            param(
                "query",
                "n",
                vec!["x".into()],
                ParamShape::Scalar(Scalar::Integer),
                true,
                |_, _| {},
                v,
            );
        });
        assert_eq!(
            e,
            vec![(
                vec!["query".into(), "n".into()],
                "type_error.integer".into()
            )]
        );
    }

    #[test]
    fn a_parameter_without_a_type_reads_one_value_as_text_and_repeated_ones_as_an_array() {
        let read = |raw: Vec<&str>| {
            let mut val = Validator::new();
            let raw = raw.into_iter().map(str::to_owned).collect();
            let v = param(
                "query",
                "p",
                raw,
                ParamShape::Any,
                false,
                |_, _| {},
                &mut val,
            );
            (v, val.is_ok())
        };
        assert_eq!(read(vec!["24"]), (json!("24"), true));
        assert_eq!(read(vec!["null", "1"]), (json!(["null", "1"]), true));
        assert_eq!(read(vec![]), (Value::Null, true));
    }
}
