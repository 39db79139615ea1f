//! `application/x-www-form-urlencoded` bodies (and multipart text fields): pairs read into the
//! JSON their schema describes, per each property's `encoding` (`form`, `spaceDelimited`,
//! `pipeDelimited`, `deepObject`; exploded or not), so the router validates and converts them as
//! it does JSON.

use serde_json::{Map, Value};

use crate::validate::Scalar;

/// The JSON shape a form value is read into (a schema's types, as deep as generated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One value of this type.
    Scalar(Scalar),
    /// A list of items.
    Array(&'static Shape),
    /// An object with these properties (others read as text).
    Object(&'static [(&'static str, Shape)]),
    /// Anything: kept as text.
    Any,
}

/// How a property is written in a form (OpenAPI's `encoding.style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    /// `a=1&a=2` (exploded) or `a=1,2`; objects `k=v` (exploded) or `a=k,v`.
    Form,
    /// `a=1 2`.
    SpaceDelimited,
    /// `a=1|2`.
    PipeDelimited,
    /// `a[k]=v`, nested as deep as the brackets go.
    DeepObject,
}

/// One property of a form body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormField {
    /// Its name.
    pub name: &'static str,
    /// The shape its values are read into.
    pub shape: Shape,
    /// Its style.
    pub style: FormStyle,
    /// Whether it is exploded.
    pub explode: bool,
}

/// The properties of a form body the document declares (any other is read as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormShape {
    /// The declared properties.
    pub fields: &'static [FormField],
}

impl FormShape {
    /// A form without declared properties: every value text.
    pub const ANY: FormShape = FormShape { fields: &[] };

    pub(crate) fn field(&self, name: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Reads form text into an object per `shape`. Values that do not parse as their type are kept
/// as text, so the schema's validation reports them where they are.
pub fn decode_form(bytes: &[u8], shape: &FormShape) -> Value {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(bytes).into_owned().collect();
    decode_pairs(&pairs, shape)
}

/// Reads decoded name/value pairs into an object per `shape`.
pub fn decode_pairs(pairs: &[(String, String)], shape: &FormShape) -> Value {
    let mut out = Map::new();
    // Exploded `form` objects write their properties as top-level names.
    let exploded_objects: Vec<&FormField> = shape
        .fields
        .iter()
        .filter(|f| f.style == FormStyle::Form && f.explode && matches!(f.shape, Shape::Object(_)))
        .collect();
    for (name, text) in pairs {
        // A property may be named with brackets (`vendor[name]`, Rails' style): the whole name
        // is that property's before brackets are read as a path into another one.
        let (base, path) =
            if shape.field(name).is_some() || is_exploded_property(&exploded_objects, name) {
                (name.as_str(), Vec::new())
            } else {
                split_brackets(name)
            };
        if let Some(field) = shape.field(base) {
            insert_field(&mut out, field, &path, text);
            continue;
        }
        if let Some((field, prop)) = exploded_objects.iter().find_map(|f| match f.shape {
            Shape::Object(props) => props.iter().find(|(p, _)| *p == base).map(|p| (*f, p)),
            _ => None,
        }) {
            let object = out
                .entry(field.name)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = object {
                insert_property(map, prop.0, &prop.1, text);
            }
            continue;
        }
        if path.is_empty() {
            push(&mut out, base, Value::String(text.clone()));
        } else {
            insert_path(&mut out, base, &path, &Shape::Any, text);
        }
    }
    Value::Object(out)
}

/// Whether `name` is a property of one of the exploded `form` objects.
fn is_exploded_property(objects: &[&FormField], name: &str) -> bool {
    objects.iter().any(|f| match f.shape {
        Shape::Object(props) => props.iter().any(|(p, _)| *p == name),
        _ => false,
    })
}

/// The object `name[key]…=value` pairs write, read per `shape` (deepObject parameters).
pub(crate) fn decode_deep(pairs: &[(String, String)], name: &str, shape: Shape) -> Option<Value> {
    let mut out = Map::new();
    // `deepObject` writes an object: its first key is a property's, even `[]` or `[0]` (unless
    // the schema says it is a list).
    if !matches!(shape, Shape::Array(_)) {
        out.insert(name.to_owned(), Value::Object(Map::new()));
    }
    let mut any = false;
    for (key, text) in pairs {
        let (base, path) = split_brackets(key);
        if base == name && !path.is_empty() {
            any = true;
            insert_path(&mut out, base, &path, &shape, text);
        }
    }
    any.then(|| out.remove(name)).flatten()
}

/// `a[b][c]` → (`a`, [`b`, `c`]); a name without brackets has an empty path.
fn split_brackets(name: &str) -> (&str, Vec<&str>) {
    let Some(open) = name.find('[') else {
        return (name, Vec::new());
    };
    let (base, mut rest) = name.split_at(open);
    let mut path = Vec::new();
    while let Some(stripped) = rest.strip_prefix('[') {
        let Some(close) = stripped.find(']') else {
            return (name, Vec::new());
        };
        path.push(&stripped[..close]);
        rest = &stripped[close + 1..];
    }
    if rest.is_empty() {
        (base, path)
    } else {
        (name, Vec::new())
    }
}

fn insert_field(out: &mut Map<String, Value>, field: &FormField, path: &[&str], text: &str) {
    let name = field.name;
    match (field.shape, field.style) {
        (_, FormStyle::DeepObject) | (Shape::Object(_), _) if !path.is_empty() => {
            insert_path(out, name, path, &field.shape, text)
        }
        (Shape::Array(item), style) => {
            let separator = match style {
                FormStyle::SpaceDelimited => Some(' '),
                FormStyle::PipeDelimited => Some('|'),
                FormStyle::Form if !field.explode => Some(','),
                _ => None,
            };
            let entry = out.entry(name).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                match separator {
                    Some(sep) => items.extend(text.split(sep).map(|t| read(item, t))),
                    None => items.push(read(item, text)),
                }
            }
        }
        (Shape::Object(props), FormStyle::Form) if !field.explode => {
            // `a=k1,v1,k2,v2`
            let mut map = Map::new();
            let parts: Vec<&str> = text.split(',').collect();
            for pair in parts.chunks(2) {
                if let [k, v] = pair {
                    let shape = props
                        .iter()
                        .find(|(p, _)| p == k)
                        .map_or(Shape::Any, |p| p.1);
                    map.insert((*k).to_owned(), read(&shape, v));
                }
            }
            out.insert(name.to_owned(), Value::Object(map));
        }
        (shape, _) => push(out, name, read(&shape, text)),
    }
}

/// Inserts `text` at `base[path…]`, reading the leaf per the shape found along the path.
fn insert_path(out: &mut Map<String, Value>, base: &str, path: &[&str], shape: &Shape, text: &str) {
    let mut slot = out
        .entry(base)
        .or_insert_with(|| container_for(shape, path.first().copied()));
    let mut shape = *shape;
    for (i, key) in path.iter().enumerate() {
        let next_shape = match shape {
            Shape::Object(props) => props
                .iter()
                .find(|(p, _)| p == key)
                .map_or(Shape::Any, |p| p.1),
            Shape::Array(item) => *item,
            _ => Shape::Any,
        };
        let last = i + 1 == path.len();
        let next_key = path.get(i + 1).copied();
        match slot {
            Value::Array(items) if key.is_empty() || key.parse::<usize>().is_ok() => {
                if last {
                    items.push(read(&next_shape, text));
                    return;
                }
                items.push(container_for(&next_shape, next_key));
                let Some(next) = items.last_mut() else { return };
                slot = next;
            }
            Value::Object(map) => {
                if last {
                    push(map, key, read(&next_shape, text));
                    return;
                }
                slot = map
                    .entry(*key)
                    .or_insert_with(|| container_for(&next_shape, next_key));
            }
            _ => return,
        }
        shape = next_shape;
    }
}

/// An empty array when the next key indexes one (`[]`, `[0]`) or the shape is a list, else an
/// empty object.
fn container_for(shape: &Shape, next_key: Option<&str>) -> Value {
    let indexes = next_key.is_some_and(|k| k.is_empty() || k.parse::<usize>().is_ok());
    if matches!(shape, Shape::Array(_)) || (indexes && !matches!(shape, Shape::Object(_))) {
        Value::Array(Vec::new())
    } else {
        Value::Object(Map::new())
    }
}

/// Adds `text`, read per `shape`, as property `name` of an exploded `form` object (written one
/// pair per property): a list property gathers its repeated values, another repeated name
/// becomes a list.
pub(crate) fn insert_property(map: &mut Map<String, Value>, name: &str, shape: &Shape, text: &str) {
    match shape {
        Shape::Array(item) => {
            let entry = map.entry(name).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = entry {
                items.push(read(item, text));
            }
        }
        _ => push(map, name, read(shape, text)),
    }
}

/// Adds a value under `name`; a repeated name becomes a list.
fn push(map: &mut Map<String, Value>, name: &str, value: Value) {
    match map.get_mut(name) {
        None => {
            map.insert(name.to_owned(), value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
    }
}

/// Text read as `shape`'s scalar type; text that does not parse stays text.
pub(crate) fn read(shape: &Shape, text: &str) -> Value {
    let kind = match shape {
        Shape::Scalar(kind) => *kind,
        Shape::Array(item) => return Value::Array(vec![read(item, text)]),
        Shape::Object(_) | Shape::Any => Scalar::String,
    };
    let parsed = match kind {
        Scalar::String => None,
        Scalar::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .ok(),
        Scalar::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Scalar::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TAGS: Shape = Shape::Scalar(Scalar::String);
    const SHAPE: FormShape = FormShape {
        fields: &[
            FormField {
                name: "count",
                shape: Shape::Scalar(Scalar::Integer),
                style: FormStyle::Form,
                explode: true,
            },
            FormField {
                name: "tags",
                shape: Shape::Array(&TAGS),
                style: FormStyle::Form,
                explode: true,
            },
            FormField {
                name: "ids",
                shape: Shape::Array(&Shape::Scalar(Scalar::Integer)),
                style: FormStyle::PipeDelimited,
                explode: false,
            },
            FormField {
                name: "meta",
                shape: Shape::Object(&[("age", Shape::Scalar(Scalar::Integer))]),
                style: FormStyle::DeepObject,
                explode: true,
            },
            FormField {
                name: "flag",
                shape: Shape::Scalar(Scalar::Boolean),
                style: FormStyle::Form,
                explode: true,
            },
        ],
    };

    #[test]
    fn form_values_are_read_as_their_schema_types_per_style() {
        let v = decode_form(
            b"count=3&tags=a&tags=b+c&ids=1%7C2&meta%5Bage%5D=40&meta%5Bname%5D=x&flag=true&other=z",
            &SHAPE,
        );
        assert_eq!(
            v,
            json!({"count": 3, "tags": ["a", "b c"], "ids": [1, 2],
                   "meta": {"age": 40, "name": "x"}, "flag": true, "other": "z"})
        );
    }

    #[test]
    fn values_that_do_not_parse_stay_text_for_validation_to_report() {
        let v = decode_form(b"count=many&flag=yes", &SHAPE);
        assert_eq!(v, json!({"count": "many", "flag": "yes"}));
    }

    #[test]
    fn undeclared_nested_names_become_objects_and_lists() {
        let v = decode_form(b"a[b][c]=1&l[]=x&l[]=y", &FormShape::ANY);
        assert_eq!(v, json!({"a": {"b": {"c": "1"}}, "l": ["x", "y"]}));
    }

    #[test]
    fn a_deep_object_is_an_object_whatever_its_first_key_looks_like() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let free = decode_deep(
            &pairs(&[("filter[]", "null"), ("filter[0]", "x")]),
            "filter",
            Shape::Any,
        );
        assert_eq!(free, Some(json!({"": "null", "0": "x"})));
        let nested = decode_deep(&pairs(&[("f[a][]", "1"), ("f[a][]", "2")]), "f", Shape::Any);
        assert_eq!(
            nested,
            Some(json!({"a": ["1", "2"]})),
            "lists inside stay lists"
        );
        assert_eq!(
            decode_deep(&pairs(&[("other[a]", "1")]), "f", Shape::Any),
            None
        );
        let list = decode_deep(&pairs(&[("l[0]", "1")]), "l", Shape::Array(&Shape::Any));
        assert_eq!(list, Some(json!(["1"])));
    }

    #[test]
    fn a_property_named_with_brackets_is_read_whole_not_as_a_path() {
        const RAILS: FormShape = FormShape {
            fields: &[
                FormField {
                    name: "vendor[name]",
                    shape: Shape::Scalar(Scalar::String),
                    style: FormStyle::Form,
                    explode: true,
                },
                FormField {
                    name: "vendor[rank]",
                    shape: Shape::Scalar(Scalar::Integer),
                    style: FormStyle::Form,
                    explode: true,
                },
            ],
        };
        let v = decode_form(
            b"vendor%5Bname%5D=&vendor%5Brank%5D=2&vendor%5Bother%5D=x",
            &RAILS,
        );
        assert_eq!(
            v,
            json!({"vendor[name]": "", "vendor[rank]": 2, "vendor": {"other": "x"}})
        );
    }

    #[test]
    fn malformed_brackets_are_plain_names() {
        let v = decode_form(b"a[b=1&c]d=2", &FormShape::ANY);
        assert_eq!(v, json!({"a[b": "1", "c]d": "2"}));
    }
}
