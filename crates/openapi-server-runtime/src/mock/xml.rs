//! XML answers: a value of a schema written as the OpenAPI XML object describes it — element
//! and attribute names (`xml.name`, `xml.attribute`), wrapped and unwrapped arrays
//! (`xml.wrapped`), namespaces and prefixes — with `quick-xml` doing the writing and escaping.
//!
//! The root element is named by the schema's `xml.name`, else by the component its `$ref`
//! names, else `root`; a root array is always wrapped (an XML document has one root), its items
//! named by their schema, else `item`. Names that are no XML names (a property `2fa`, `a b`)
//! are made into one (`_2fa`, `a_b`). Child elements come in the order of the value's keys.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};
use serde_json::{Map, Value};

use super::keywords::unescape_uri;

/// How deep schemas are followed (references, `allOf` branches) looking for a property's.
const MAX_SCHEMA_DEPTH: usize = 16;

/// `value` written as an XML document for `schema` (references resolved in `root`).
pub(super) fn to_xml(root: &Value, schema: &Value, value: &Value) -> String {
    let schemas = Schemas { root };
    let (resolved, component) = schemas.resolve(schema);
    let xml = xml_object(schema).or_else(|| xml_object(resolved));
    let name = xml_field(xml, "name")
        .map(str::to_owned)
        .or(component)
        .unwrap_or_else(|| "root".to_owned());
    let mut writer = Writer::new(Vec::new());
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut out = Out { schemas, writer };
    match value {
        Value::Array(items) => {
            // No property names these items: the component they refer to does, else `item`.
            let item_schema = schemas.items(resolved, 0);
            let component = schemas.resolve(item_schema).1;
            let item_name = item_name(
                &schemas,
                item_schema,
                component.as_deref().unwrap_or("item"),
            );
            let start = out.start(&name, xml);
            out.open(start, |out| {
                for item in items {
                    out.element(&item_name, item_schema, item);
                }
            });
        }
        _ => out.element_named(&name, xml, resolved, value),
    }
    String::from_utf8(out.writer.into_inner()).unwrap_or_default()
}

/// The element name of an array's items: their `xml.name` (on the items or the schema they
/// refer to), else `fallback` (the property's name, as the OpenAPI XML object has it).
fn item_name(schemas: &Schemas<'_>, item_schema: &Value, fallback: &str) -> String {
    let resolved = schemas.resolve(item_schema).0;
    xml_field(
        xml_object(item_schema).or_else(|| xml_object(resolved)),
        "name",
    )
    .unwrap_or(fallback)
    .to_owned()
}

fn xml_object(schema: &Value) -> Option<&Map<String, Value>> {
    schema.get("xml").and_then(Value::as_object)
}

/// A text field of an XML object (`name`, `prefix`, `namespace`).
fn xml_field<'x>(xml: Option<&'x Map<String, Value>>, key: &str) -> Option<&'x str> {
    xml.and_then(|x| x.get(key)).and_then(Value::as_str)
}

#[derive(Clone, Copy)]
struct Schemas<'a> {
    root: &'a Value,
}

impl<'a> Schemas<'a> {
    /// Follows `$ref`s: the schema and the name of the last component referred to.
    fn resolve(&self, schema: &'a Value) -> (&'a Value, Option<String>) {
        let mut current = schema;
        let mut name = None;
        for _ in 0..MAX_SCHEMA_DEPTH {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
                return (current, name);
            };
            let Some(target) = reference
                .strip_prefix('#')
                .and_then(|p| self.root.pointer(&unescape_uri(p)))
            else {
                return (&Value::Null, name);
            };
            name = reference
                .rsplit('/')
                .next()
                .map(|n| n.replace("~1", "/").replace("~0", "~"));
            current = target;
        }
        (&Value::Null, name)
    }

    /// The schema of property `key` of `schema`: its `properties`, those of its `allOf`,
    /// `anyOf` and `oneOf` branches, else its `additionalProperties`.
    fn property(&self, schema: &'a Value, key: &str, depth: usize) -> Option<&'a Value> {
        let (schema, _) = self.resolve(schema);
        if depth > MAX_SCHEMA_DEPTH {
            return None;
        }
        if let Some(p) = schema.get("properties").and_then(|p| p.get(key)) {
            return Some(p);
        }
        let branches = ["allOf", "anyOf", "oneOf"]
            .into_iter()
            .filter_map(|k| schema.get(k).and_then(Value::as_array))
            .flatten();
        for branch in branches {
            if let Some(p) = self.property(branch, key, depth + 1) {
                return Some(p);
            }
        }
        schema.get("additionalProperties").filter(|a| a.is_object())
    }

    /// The schema of an array's items (`items`, or a branch's).
    fn items(&self, schema: &'a Value, depth: usize) -> &'a Value {
        let (schema, _) = self.resolve(schema);
        if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
            return items;
        }
        if depth < MAX_SCHEMA_DEPTH {
            let branches = ["allOf", "anyOf", "oneOf"]
                .into_iter()
                .filter_map(|k| schema.get(k).and_then(Value::as_array))
                .flatten();
            for branch in branches {
                let items = self.items(branch, depth + 1);
                if !items.is_null() {
                    return items;
                }
            }
        }
        &Value::Null
    }
}

struct Out<'a> {
    schemas: Schemas<'a>,
    writer: Writer<Vec<u8>>,
}

impl<'a> Out<'a> {
    /// The start tag of element `name` with the namespace its XML object declares.
    fn start(&self, name: &str, xml: Option<&Map<String, Value>>) -> BytesStart<'static> {
        let text = |k: &str| xml_field(xml, k);
        let local = xml_name(name);
        let prefix = text("prefix").map(xml_name);
        let qualified = match &prefix {
            Some(p) => format!("{p}:{local}"),
            None => local,
        };
        let mut start = BytesStart::new(qualified);
        if let Some(namespace) = text("namespace") {
            let attribute = match &prefix {
                Some(p) => format!("xmlns:{p}"),
                None => "xmlns".to_owned(),
            };
            start.push_attribute((attribute.as_str(), xml_text(namespace).as_str()));
        }
        start
    }

    /// Writes `start`, what `children` writes, and the matching end tag.
    fn open(&mut self, start: BytesStart<'static>, children: impl FnOnce(&mut Self)) {
        let end = start.to_end().into_owned();
        let _ = self.writer.write_event(Event::Start(start));
        children(self);
        let _ = self.writer.write_event(Event::End(end));
    }

    /// An element for `value` of `schema` (as reached: a property's schema, an item's), named
    /// by its XML object or `default_name`.
    fn element(&mut self, default_name: &str, schema: &'a Value, value: &Value) {
        let (resolved, _) = self.schemas.resolve(schema);
        let xml = xml_object(schema).or_else(|| xml_object(resolved));
        let name = xml_field(xml, "name").unwrap_or(default_name).to_owned();
        self.element_named(&name, xml, resolved, value);
    }

    fn element_named(
        &mut self,
        name: &str,
        xml: Option<&Map<String, Value>>,
        schema: &'a Value,
        value: &Value,
    ) {
        let mut start = self.start(name, xml);
        match value {
            Value::Object(properties) => {
                let mut children = Vec::new();
                for (key, v) in properties {
                    let property = self.schemas.property(schema, key, 0);
                    let property_xml = property.and_then(|p| {
                        xml_object(p).or_else(|| xml_object(self.schemas.resolve(p).0))
                    });
                    let attribute = property_xml
                        .and_then(|x| x.get("attribute"))
                        .and_then(Value::as_bool)
                        == Some(true);
                    match scalar_text(v) {
                        Some(text) if attribute => {
                            let prefix = xml_field(property_xml, "prefix").map(xml_name);
                            let local = xml_field(property_xml, "name")
                                .map_or_else(|| xml_name(key), xml_name);
                            let attribute = match prefix {
                                Some(p) => format!("{p}:{local}"),
                                None => local,
                            };
                            start.push_attribute((attribute.as_str(), xml_text(&text).as_str()));
                        }
                        _ => children.push((key, property, property_xml, v)),
                    }
                }
                if children.is_empty() {
                    let _ = self.writer.write_event(Event::Empty(start));
                    return;
                }
                self.open(start, |out| {
                    for (key, property, property_xml, v) in children {
                        out.property(key, property.unwrap_or(&Value::Null), property_xml, v);
                    }
                });
            }
            Value::Array(items) => {
                // An array that is no property's (an item of an array of arrays): its items
                // inside its element.
                let item_schema = self.schemas.items(schema, 0);
                let item_name = item_name(&self.schemas, item_schema, name);
                self.open(start, |out| {
                    for item in items {
                        out.element(&item_name, item_schema, item);
                    }
                });
            }
            Value::Null => {
                let _ = self.writer.write_event(Event::Empty(start));
            }
            scalar => {
                let text = xml_text(&scalar_text(scalar).unwrap_or_default());
                self.open(start, |out| {
                    let _ = out.writer.write_event(Event::Text(BytesText::new(&text)));
                });
            }
        }
    }

    /// Property `key` of an object: an element, or for an array its items — inside an
    /// element of the array's name when `xml.wrapped`, else each in its own.
    fn property(
        &mut self,
        key: &str,
        schema: &'a Value,
        xml: Option<&'a Map<String, Value>>,
        value: &Value,
    ) {
        let Value::Array(items) = value else {
            let (resolved, _) = self.schemas.resolve(schema);
            let name = xml_field(xml, "name").unwrap_or(key).to_owned();
            self.element_named(&name, xml, resolved, value);
            return;
        };
        let item_schema = self.schemas.items(schema, 0);
        let item_name = item_name(&self.schemas, item_schema, key);
        let write_items = |out: &mut Self| {
            for item in items {
                out.element(&item_name, item_schema, item);
            }
        };
        if xml.and_then(|x| x.get("wrapped")).and_then(Value::as_bool) == Some(true) {
            let name = xml_field(xml, "name").unwrap_or(key).to_owned();
            let start = self.start(&name, xml);
            self.open(start, write_items);
        } else {
            // The array's own name has no effect unwrapped: each item is an element of its own.
            write_items(self);
        }
    }
}

/// A scalar's text (`None` for an object or array).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// `text` with the characters XML 1.0 cannot hold (most control characters) replaced.
fn xml_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// `name` as an XML name: characters no name may hold become `_`, and one that may not
/// start a name is preceded by `_` (`2fa` → `_2fa`, `a b` → `a_b`, `` → `_`).
fn xml_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
    {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_object_is_written_with_its_attributes_names_and_wrapped_lists() {
        let root = json!({"components": {"schemas": {
            "Pet": {
                "type": "object",
                "xml": {"name": "pet"},
                "properties": {
                    "id": {"type": "integer", "xml": {"attribute": true}},
                    "name": {"type": "string", "xml": {"prefix": "s", "namespace": "urn:s"}},
                    "tags": {"type": "array", "xml": {"wrapped": true},
                             "items": {"$ref": "#/components/schemas/Tag"}},
                    "photoUrls": {"type": "array", "items": {"type": "string", "xml": {"name": "url"}}}
                }
            },
            "Tag": {"type": "object", "properties": {"label": {"type": "string"}}}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Pet"});
        // Keys in alphabetical order: the order `serde_json` keeps with or without its
        // `preserve_order` feature (children follow the value's keys).
        let value =
            json!({"id": 7, "name": "a<b&c", "photoUrls": ["u1", "u2"], "tags": [{"label": "x"}]});
        assert_eq!(
            to_xml(&root, &schema, &value),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><pet id=\"7\">\
             <s:name xmlns:s=\"urn:s\">a&lt;b&amp;c</s:name>\
             <url>u1</url><url>u2</url><tags><tags><label>x</label></tags></tags></pet>"
        );
    }

    #[test]
    fn a_root_array_is_wrapped_and_names_are_made_xml_names() {
        let root = json!({});
        let schema = json!({"type": "array", "items": {"type": "object",
            "properties": {"2fa": {"type": "boolean"}, "a b": {"type": "string"}}}});
        let value = json!([{"2fa": true, "a b": "\u{1}"}, null]);
        assert_eq!(
            to_xml(&root, &schema, &value),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><root>\
             <item><_2fa>true</_2fa><a_b>\u{FFFD}</a_b></item><item/></root>"
        );
    }

    #[test]
    fn properties_of_all_of_branches_keep_their_xml_objects() {
        let root = json!({"components": {"schemas": {
            "Base": {"properties": {"code": {"type": "string", "xml": {"attribute": true}}}}
        }}});
        let schema = json!({"xml": {"name": "Error", "namespace": "urn:e"},
            "allOf": [{"$ref": "#/components/schemas/Base"},
                      {"properties": {"message": {"type": "string"}}}]});
        let value = json!({"code": "E1", "message": "m"});
        assert_eq!(
            to_xml(&root, &schema, &value),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <Error xmlns=\"urn:e\" code=\"E1\"><message>m</message></Error>"
        );
    }
}
