//! Small facts read off paths and operations: path template names, synthesized operationIds,
//! media type lists and picks, `encoding` entries, security requirement names, content schema pointers.

use serde_json::{Map, Value};

use crate::error::escape_pointer;
use crate::ir::Encoding;
use crate::media::is_json_media_type;

/// Pointer to the schema of `media` in the content of the body or response at `at`.
pub(super) fn content_schema_pointer(at: &str, media: &str) -> String {
    format!("{at}/content/{}/schema", escape_pointer(media))
}

/// The media type a body or response is generated for: the first JSON one, else the first the
/// document lists.
pub(super) fn pick_media(content: &Map<String, Value>) -> Option<(&String, &Value)> {
    content
        .iter()
        .find(|(m, _)| is_json_media_type(m))
        .or_else(|| content.iter().next())
}

/// What `value` names through at most `limit` local `$ref`s (`#/…` in `root`): the last value
/// reached, `value` itself when it is no reference or its target is missing.
pub(super) fn follow_local_refs<'v>(
    mut value: &'v Value,
    root: &'v Value,
    limit: usize,
) -> &'v Value {
    for _ in 0..limit {
        let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(&crate::error::decode_fragment(p)))
        else {
            break;
        };
        value = target;
    }
    value
}

/// The examples of a media type entry, named: `example` as `example`, each of `examples` by its
/// key (a `$ref` to `components.examples` followed; one with only an `externalValue` skipped).
pub(super) fn media_examples(entry: &Value, root: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(example) = entry.get("example") {
        out.push(("example".to_owned(), example.clone()));
    }
    let Some(examples) = entry.get("examples").and_then(Value::as_object) else {
        return out;
    };
    for (name, example) in examples {
        let current = follow_local_refs(example, root, 8);
        if let Some(value) = current.get("value") {
            out.push((name.clone(), value.clone()));
        }
    }
    out
}

/// An `encoding` entry of a form or multipart body.
pub(super) fn read_encoding(value: &Value) -> Encoding {
    let style = value
        .get("style")
        .and_then(Value::as_str)
        .unwrap_or("form")
        .to_owned();
    let explode = value
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == "form");
    Encoding {
        style,
        explode,
        content_type: value
            .get("contentType")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

/// The media types a body or response lists, in document order.
pub(super) fn media_types(holder: &Value) -> Vec<String> {
    holder
        .get("content")
        .and_then(Value::as_object)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default()
}

/// The scheme names of each security requirement (an empty list: anonymous access allowed).
pub(super) fn security_requirements(requirements: Option<&Value>) -> Vec<Vec<String>> {
    requirements
        .and_then(Value::as_array)
        .map(|reqs| {
            reqs.iter()
                .filter_map(Value::as_object)
                .map(|r| r.keys().cloned().collect())
                .collect()
        })
        .unwrap_or_default()
}

/// Names of the `{...}` segments of a path template, in order.
pub(crate) fn path_template_names(path: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        names.push(rest[start + 1..start + len].to_owned());
        rest = &rest[start + len + 1..];
    }
    names
}

/// A path key split into its route and the template names of its query string: a key like
/// `/search?query={query}&v=2` is the route `/search?v=2` (literal pairs stay: some documents
/// tell operations apart by them) and the query parameter `query`.
pub(crate) fn split_route(path: &str) -> (String, Vec<String>) {
    let Some((base, query)) = path.split_once('?') else {
        return (path.to_owned(), Vec::new());
    };
    let (templated, literal): (Vec<&str>, Vec<&str>) =
        query.split('&').partition(|pair| pair.contains('{'));
    if templated.is_empty() {
        return (path.to_owned(), Vec::new());
    }
    let route = if literal.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", literal.join("&"))
    };
    let names = templated
        .iter()
        .flat_map(|pair| path_template_names(pair))
        .collect();
    (route, names)
}

pub(super) fn synthesize_operation_id(method: &str, path: &str) -> String {
    let (path, _) = split_route(path);
    let mut id = method.to_owned();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.push_str(seg.trim_start_matches('{').trim_end_matches('}'));
    }
    id
}
