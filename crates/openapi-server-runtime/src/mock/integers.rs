//! The `type` keyword as an OpenAPI 3.0 document means it (JSON Schema draft 4/5), for the
//! mock's validators: an `integer` is a number written without a fraction or an exponent, so
//! `5.0` is not one (JSON Schema 2019-09, which the validators otherwise follow, counts it).
//! Within 64 bits a parsed number that is a float was written so; beyond them a float cannot
//! be told from an integer literal of the same value, and is taken as one.

use jsonschema::paths::Location;
use jsonschema::{Keyword, ValidationError};
use serde_json::{Map, Value};

/// The types a `type` keyword allows.
struct DraftFourType {
    allowed: Vec<Kind>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Boolean,
    Object,
    Array,
    Number,
    Integer,
    String,
}

impl Kind {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "null" => Self::Null,
            "boolean" => Self::Boolean,
            "object" => Self::Object,
            "array" => Self::Array,
            "number" => Self::Number,
            "integer" => Self::Integer,
            "string" => Self::String,
            _ => return None,
        })
    }

    fn holds(self, value: &Value) -> bool {
        match self {
            Self::Null => value.is_null(),
            Self::Boolean => value.is_boolean(),
            Self::Object => value.is_object(),
            Self::Array => value.is_array(),
            Self::Number => value.is_number(),
            Self::Integer => match value {
                Value::Number(n) if n.is_i64() || n.is_u64() => true,
                Value::Number(n) => n.as_f64().is_some_and(|f| {
                    f.is_finite() && f.fract() == 0.0 && crate::body::beyond_64_bits(f)
                }),
                _ => false,
            },
            Self::String => value.is_string(),
        }
    }
}

impl<'i> Keyword<'i> for DraftFourType {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            return Ok(());
        }
        let names: Vec<&str> = self
            .allowed
            .iter()
            .map(|kind| match kind {
                Kind::Null => "null",
                Kind::Boolean => "boolean",
                Kind::Object => "object",
                Kind::Array => "array",
                Kind::Number => "number",
                Kind::Integer => "integer (written without a fraction or an exponent)",
                Kind::String => "string",
            })
            .collect();
        Err(ValidationError::custom(format!(
            "{instance} is not of type {}",
            names.join(" or ")
        )))
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        self.allowed.iter().any(|kind| kind.holds(instance))
    }
}

/// The factory `jsonschema` calls for each `type` keyword of an OpenAPI 3.0 document.
pub(super) fn draft_four_type<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let names: Vec<&str> = match value {
        Value::String(name) => vec![name.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let allowed: Option<Vec<Kind>> = names.iter().map(|n| Kind::named(n)).collect();
    match allowed {
        Some(allowed) if !allowed.is_empty() => Ok(Box::new(DraftFourType { allowed })),
        _ => Err(ValidationError::custom(format!(
            "`type` must name JSON Schema types, not {value}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn validator(schema: serde_json::Value) -> jsonschema::Validator {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft201909)
            .with_keyword("type", super::draft_four_type)
            .build(&schema)
            .expect("the schema compiles")
    }

    #[test]
    fn an_integer_is_written_without_a_fraction_or_an_exponent_in_openapi_3_0() {
        let integer = validator(json!({"type": "integer", "maximum": 10}));
        assert!(integer.is_valid(&json!(5)));
        assert!(!integer.is_valid(&json!(5.0)));
        assert!(!integer.is_valid(&json!(5.5)));
        assert!(!integer.is_valid(&json!(11)), "other keywords still apply");
        let error = integer
            .iter_errors(&json!(5.0))
            .next()
            .map(|e| e.to_string());
        assert!(error.unwrap_or_default().contains("integer"));
        let wide = validator(json!({"type": "integer"}));
        assert!(
            wide.is_valid(&json!(1e20)),
            "beyond 64 bits a float is an integer literal's value"
        );
    }

    #[test]
    fn the_other_types_and_type_lists_read_as_json_schema_says() {
        let either = validator(json!({"type": ["string", "null"]}));
        assert!(either.is_valid(&json!("a")) && either.is_valid(&json!(null)));
        assert!(!either.is_valid(&json!(1)));
        let number = validator(json!({"type": "number"}));
        assert!(number.is_valid(&json!(5.0)) && number.is_valid(&json!(5)));
        let object = validator(json!({"type": "object", "properties": {"n": {"type": "integer"}}}));
        assert!(object.is_valid(&json!({"n": 1})));
        assert!(!object.is_valid(&json!({"n": 1.0})));
        assert!(!object.is_valid(&json!([])));
    }
}
