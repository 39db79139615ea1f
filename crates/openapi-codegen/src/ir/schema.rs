//! The typed schema: the facts backends act on (kind, format, nullability, constraints,
//! references), read once from a normalized schema, next to that schema's JSON form for the
//! backends that consume JSON Schema themselves (typify, progenitor).

use serde_json::Value;

/// The `type` of a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    /// A `type` word JSON Schema does not define (reported, not checked).
    Unknown(String),
}

/// What `additionalProperties` allows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Additional {
    /// Not stated, or `true`.
    Any,
    /// `false`: only the listed properties.
    Forbidden,
    /// Every other property matches this schema.
    Schema(Box<Schema>),
}

/// One normalized schema (OpenAPI 3.0 flavoured: 3.1 forms were lowered by normalization).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Schema {
    /// The normalized JSON form, as typify and progenitor read it.
    pub json: Value,
    /// The component schema a `$ref` names (normalized references have no siblings).
    pub reference: Option<String>,
    /// `type`, when it is a string.
    pub kind: Option<Kind>,
    /// `format`.
    pub format: Option<String>,
    /// `nullable: true`.
    pub nullable: bool,
    /// `enum` values.
    pub enumeration: Option<Vec<Value>>,
    /// `minLength`, `maxLength`.
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// `pattern`.
    pub pattern: Option<String>,
    /// `minimum`, `maximum` and whether each is exclusive (3.0 booleans).
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    /// `multipleOf`.
    pub multiple_of: Option<f64>,
    /// `items` (normalization gives every array one).
    pub items: Option<Box<Schema>>,
    /// `minItems`, `maxItems`, `uniqueItems`.
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: bool,
    /// Whether `properties` or `required` is stated (an object check without `type`).
    pub declares_object_keys: bool,
    /// `properties`, in document order.
    pub properties: Vec<(String, Schema)>,
    /// `required`.
    pub required: Vec<String>,
    /// `additionalProperties`.
    pub additional: Additional,
    /// `minProperties`, `maxProperties`.
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    /// `allOf`, `anyOf`, `oneOf`, `not`.
    pub all_of: Option<Vec<Schema>>,
    pub any_of: Option<Vec<Schema>>,
    pub one_of: Option<Vec<Schema>>,
    pub not: Option<Box<Schema>>,
}

const COMPONENT_PREFIX: &str = "#/components/schemas/";

impl Schema {
    /// Reads the facts of a normalized schema (recursively).
    pub fn from_json(json: &Value) -> Self {
        let get = |k: &str| json.get(k);
        let u64_of = |k: &str| get(k).and_then(Value::as_u64);
        let f64_of = |k: &str| get(k).and_then(Value::as_f64);
        let is_true = |k: &str| get(k) == Some(&Value::Bool(true));
        let list = |k: &str| match get(k) {
            Some(Value::Array(items)) => Some(items.iter().map(Self::from_json).collect()),
            _ => None,
        };
        let kind = get("type").and_then(Value::as_str).map(|t| match t {
            "string" => Kind::String,
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "boolean" => Kind::Boolean,
            "array" => Kind::Array,
            "object" => Kind::Object,
            other => Kind::Unknown(other.to_owned()),
        });
        let properties = match get("properties") {
            Some(Value::Object(props)) => props
                .iter()
                .map(|(name, s)| (name.clone(), Self::from_json(s)))
                .collect(),
            _ => Vec::new(),
        };
        let additional = match get("additionalProperties") {
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(s @ Value::Object(_)) => Additional::Schema(Box::new(Self::from_json(s))),
            _ => Additional::Any,
        };
        Self {
            reference: get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(COMPONENT_PREFIX))
                .map(str::to_owned),
            kind,
            format: get("format").and_then(Value::as_str).map(str::to_owned),
            nullable: is_true("nullable"),
            enumeration: get("enum").and_then(Value::as_array).cloned(),
            min_length: u64_of("minLength"),
            max_length: u64_of("maxLength"),
            pattern: get("pattern").and_then(Value::as_str).map(str::to_owned),
            minimum: f64_of("minimum"),
            maximum: f64_of("maximum"),
            exclusive_minimum: is_true("exclusiveMinimum"),
            exclusive_maximum: is_true("exclusiveMaximum"),
            multiple_of: f64_of("multipleOf"),
            items: get("items")
                .filter(|i| i.is_object())
                .map(|i| Box::new(Self::from_json(i))),
            min_items: u64_of("minItems"),
            max_items: u64_of("maxItems"),
            unique_items: is_true("uniqueItems"),
            declares_object_keys: get("properties").is_some() || get("required").is_some(),
            properties,
            required: get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            additional,
            min_properties: u64_of("minProperties"),
            max_properties: u64_of("maxProperties"),
            all_of: list("allOf"),
            any_of: list("anyOf"),
            one_of: list("oneOf"),
            not: get("not")
                .filter(|n| n.is_object())
                .map(|n| Box::new(Self::from_json(n))),
            json: json.clone(),
        }
    }
}
