//! `application/x-www-form-urlencoded` encoding of a model, per each property's `encoding`
//! (`form`, exploded or not; `spaceDelimited`; `pipeDelimited`; `deepObject`, nested as deep as
//! the value goes). Absent and `null` properties are left out.

use serde_json::Value;

/// How a property is written (OpenAPI's `encoding.style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    /// `a=1&a=2` (exploded) or `a=1,2`; objects `k=v` (exploded) or `a=k,v`.
    Form,
    /// `a=1%202`.
    SpaceDelimited,
    /// `a=1|2`.
    PipeDelimited,
    /// `a[k]=v`.
    DeepObject,
}

/// The `encoding` of one property (properties not listed are `form`, exploded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormEncoding {
    /// The property.
    pub name: &'static str,
    /// Its style.
    pub style: FormStyle,
    /// Whether it is exploded.
    pub explode: bool,
}

/// Encodes `value` (an object) as form text.
pub fn encode_form(value: &Value, fields: &[FormEncoding]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    if let Value::Object(map) = value {
        for (name, v) in map {
            let (style, explode) = fields
                .iter()
                .find(|f| f.name == name)
                .map_or((FormStyle::Form, true), |f| (f.style, f.explode));
            write(&mut out, name, v, style, explode);
        }
    }
    out.finish()
}

fn write(
    out: &mut form_urlencoded::Serializer<'_, String>,
    name: &str,
    value: &Value,
    style: FormStyle,
    explode: bool,
) {
    match (value, style) {
        (Value::Null, _) => {}
        (Value::Object(_) | Value::Array(_), FormStyle::DeepObject) => deep(out, name, value),
        (Value::Array(items), _) => {
            let texts: Vec<String> = items.iter().map(text).collect();
            match style {
                FormStyle::SpaceDelimited => {
                    out.append_pair(name, &texts.join(" "));
                }
                FormStyle::PipeDelimited => {
                    out.append_pair(name, &texts.join("|"));
                }
                _ if explode => {
                    for t in &texts {
                        out.append_pair(name, t);
                    }
                }
                _ => {
                    out.append_pair(name, &texts.join(","));
                }
            }
        }
        (Value::Object(map), _) if explode => {
            for (k, v) in map {
                if !v.is_null() {
                    out.append_pair(k, &text(v));
                }
            }
        }
        (Value::Object(map), _) => {
            let flat: Vec<String> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .flat_map(|(k, v)| [k.clone(), text(v)])
                .collect();
            out.append_pair(name, &flat.join(","));
        }
        (scalar, _) => {
            out.append_pair(name, &text(scalar));
        }
    }
}

/// `name[k][j]=v` for every leaf; list items as `name[0]`, `name[1]`.
fn deep(out: &mut form_urlencoded::Serializer<'_, String>, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                deep(out, &format!("{name}[{k}]"), v);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                deep(out, &format!("{name}[{i}]"), v);
            }
        }
        scalar => {
            out.append_pair(name, &text(scalar));
        }
    }
}

/// A scalar's text (strings unquoted); anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn properties_are_written_per_their_style() {
        let fields = [
            FormEncoding {
                name: "ids",
                style: FormStyle::PipeDelimited,
                explode: false,
            },
            FormEncoding {
                name: "meta",
                style: FormStyle::DeepObject,
                explode: true,
            },
            FormEncoding {
                name: "csv",
                style: FormStyle::Form,
                explode: false,
            },
        ];
        let v = json!({"To": "+1 555", "tags": ["a", "b"], "ids": [1, 2],
                       "meta": {"age": 40, "inner": {"x": true}}, "csv": ["x", "y"], "gone": null});
        // The order of keys is serde_json's map order (sorted, or the document's with
        // `preserve_order`): compare the pairs.
        let encoded = encode_form(&v, &fields);
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes())
            .into_owned()
            .collect();
        pairs.sort();
        let expected = [
            ("To", "+1 555"),
            ("csv", "x,y"),
            ("ids", "1|2"),
            ("meta[age]", "40"),
            ("meta[inner][x]", "true"),
            ("tags", "a"),
            ("tags", "b"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(pairs, expected);
        assert!(encoded.contains("To=%2B1+555"), "{encoded}");
    }
}
