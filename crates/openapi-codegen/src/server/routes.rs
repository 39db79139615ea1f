//! Path templates as axum routes. axum takes a parameter only as a whole segment and one name
//! per position among routes sharing a prefix; documents write `/specs/{provider}/{api}.json`
//! and name one position `{id}` in one path and `{name}` in another. Such a document's routes
//! are written in a canonical form instead — every parameter segment `{sN}` (N its position) —
//! and each handler reads its parameters back from the segments by its own template.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::MethodOps;
use crate::ir::{Api, Kind, Operation, ParamLocation, Schema};

/// One part of a path segment's template.
enum Part<'a> {
    Literal(&'a str),
    Param(&'a str),
}

/// The route of an operation as the document writes it: its path without a `#fragment`
/// (Azure's `#overload=stream` keys several operations to one path; no request carries one).
pub(super) fn document_path(op: &Operation) -> &str {
    op.path.split('#').next().unwrap_or(&op.path)
}

/// The parts of `segment` (`{api}.json` → `Param("api")`, `Literal(".json")`).
fn parts(segment: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut rest = segment;
    while !rest.is_empty() {
        match (rest.find('{'), rest.find('}')) {
            (Some(0), Some(close)) => {
                out.push(Part::Param(&rest[1..close]));
                rest = &rest[close + 1..];
            }
            (Some(open), _) => {
                out.push(Part::Literal(&rest[..open]));
                rest = &rest[open..];
            }
            (None, _) => {
                out.push(Part::Literal(rest));
                rest = "";
            }
        }
    }
    out
}

fn is_whole_param(segment: &str) -> bool {
    matches!(parts(segment).as_slice(), [Part::Param(_)])
}

fn has_param(segment: &str) -> bool {
    segment.contains('{')
}

/// Whether `api`'s routes must be canonical: a parameter that is not a whole segment, or two
/// names for one position after a shared prefix.
pub(super) fn needs_canonical(api: &Api) -> bool {
    let mut names: HashMap<String, &str> = HashMap::new();
    for op in &api.operations {
        let path = document_path(op);
        let mut prefix = String::new();
        for segment in path.split('/') {
            if has_param(segment) {
                if !is_whole_param(segment) {
                    return true;
                }
                match names.get(&prefix) {
                    Some(name) if *name != segment => return true,
                    Some(_) => {}
                    None => {
                        names.insert(prefix.clone(), segment);
                    }
                }
                prefix.push_str("/{}");
            } else {
                prefix.push('/');
                prefix.push_str(segment);
            }
        }
    }
    false
}

/// The axum route of `op` (canonical: every parameter segment `{sN}`).
pub(super) fn route(op: &Operation, canonical: bool) -> String {
    let path = document_path(op);
    if !canonical {
        return path.to_owned();
    }
    path.split('/')
        .enumerate()
        .map(|(i, segment)| {
            if has_param(segment) {
                format!("{{s{i}}}")
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `&[("sN", &[rt::PathPart::…]), …]`: the template of each parameter segment of `op`.
pub(super) fn template(op: &Operation) -> TokenStream {
    let segments = document_path(op)
        .split('/')
        .enumerate()
        .filter(|(_, s)| has_param(s))
        .map(|(i, segment)| {
            let key = format!("s{i}");
            let parts = parts(segment).into_iter().map(|p| match p {
                Part::Literal(l) => quote! { rt::PathPart::Literal(#l) },
                Part::Param(n) => quote! { rt::PathPart::Param(#n) },
            });
            quote! { (#key, &[#(#parts),*]) }
        });
    quote! { &[#(#segments),*] }
}

/// The condition a dispatcher tests to send a request to `op` among operations sharing its
/// canonical route: its literal parts are in the request's path. `None` when it has none.
pub(super) fn dispatch_test(op: &Operation) -> Option<TokenStream> {
    let has_affix = document_path(op)
        .split('/')
        .any(|s| has_param(s) && !is_whole_param(s));
    if !has_affix {
        return None;
    }
    let template = template(op);
    Some(quote! { rt::PathParams::matches(raw_path.as_ref().ok(), #template) })
}

/// The condition a dispatcher tests to send a request to `op` among operations whose templates
/// differ only in their parameters (`/icon/{id}` with an integer beside `/icon/{term}`): each
/// path parameter of a checked kind (integer, number, boolean, string `enum`, a checked
/// `format`) holds a value of that kind. `None` when no path parameter is of such a kind.
pub(super) fn value_test(op: &Operation, api: &Api) -> Option<TokenStream> {
    let values: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .filter_map(|p| {
            let kind = path_value(resolved(&p.schema, api))?;
            let name = &p.name;
            Some(quote! { (#name, #kind) })
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    let template = template(op);
    Some(quote! {
        rt::PathParams::values_fit(raw_path.as_ref().ok(), #template, &[#(#values),*])
    })
}

/// The schema a reference names (one step: normalized components are not bare references).
fn resolved<'a>(schema: &'a Schema, api: &'a Api) -> &'a Schema {
    schema
        .reference
        .as_ref()
        .and_then(|name| api.schemas.get(name))
        .unwrap_or(schema)
}

/// The `rt::PathValue` a path parameter's schema takes, if it is of a checked kind.
fn path_value(schema: &Schema) -> Option<TokenStream> {
    const FORMATS: &[&str] = &["date-time", "date", "uuid", "ipv4", "ipv6"];
    if let Some(values) = &schema.enumeration {
        let texts: Option<Vec<&str>> = values.iter().map(serde_json::Value::as_str).collect();
        if let Some(texts) = texts.filter(|t| !t.is_empty()) {
            return Some(quote! { rt::PathValue::OneOf(&[#(#texts),*]) });
        }
    }
    match (&schema.kind, schema.format.as_deref()) {
        (Some(Kind::Integer), _) => Some(quote! { rt::PathValue::Integer }),
        (Some(Kind::Number), _) => Some(quote! { rt::PathValue::Number }),
        (Some(Kind::Boolean), _) => Some(quote! { rt::PathValue::Boolean }),
        (Some(Kind::String), Some(format)) if FORMATS.contains(&format) => {
            Some(quote! { rt::PathValue::Format(#format) })
        }
        _ => None,
    }
}

/// The literal text inside `op`'s parameter segments, in bytes (`{a}.tar.gz`: 7): how specific
/// its template is among those sharing a canonical route.
pub(super) fn literal_length(op: &Operation) -> usize {
    document_path(op)
        .split('/')
        .filter(|s| has_param(s))
        .flat_map(parts)
        .map(|part| match part {
            Part::Literal(text) => text.len(),
            Part::Param(_) => 0,
        })
        .sum()
}

/// For a canonical route that several templates share, the `rt::SharedRoute` static listing
/// each template with its methods, and the layer that answers a path only with the methods of
/// the most specific template it fits; `None` for a route of one template.
/// `all` is the document's operations, whose order breaks ties.
pub(super) fn shared_route(
    index: usize,
    methods: &[MethodOps<'_>],
    all: &[Operation],
) -> Option<(TokenStream, TokenStream)> {
    let position = |op: &Operation| all.iter().position(|o| std::ptr::eq(o, op));
    // (path, its first operation in the document, its methods).
    let mut templates: Vec<(&str, &Operation, Vec<String>)> = Vec::new();
    for (method, method_ops) in methods {
        for op in method_ops {
            let path = document_path(op);
            let upper = method.to_ascii_uppercase();
            match templates.iter_mut().find(|(p, _, _)| *p == path) {
                Some((_, first, list)) => {
                    if position(op) < position(first) {
                        *first = op;
                    }
                    if !list.contains(&upper) {
                        list.push(upper);
                    }
                }
                None => templates.push((path, op, vec![upper])),
            }
        }
    }
    if templates.len() < 2 {
        return None;
    }
    templates.sort_by_key(|(_, op, _)| position(op));
    let name = format_ident!("SHARED_ROUTE_{}", index);
    let entries = templates.iter().map(|(_, op, list)| {
        let template = template(op);
        quote! { (#template, &[#(#list),*]) }
    });
    let doc = format!(
        "The templates sharing one route and their methods: {}.",
        templates
            .iter()
            .map(|(p, _, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let item = quote! {
        #[doc = #doc]
        static #name: rt::SharedRoute = rt::SharedRoute(&[#(#entries),*]);
    };
    let layer = quote! { axum::middleware::from_fn_with_state(&#name, rt::resolve_template) };
    Some((item, layer))
}
