//! Walking `paths`: path items, operations, parameters, request bodies, responses and security
//! requirements, with `$ref`s to `components.{parameters,requestBodies,responses}` followed.

use serde_json::{Value, json};

use super::params::undeclared;
use super::{At, Normalizer};
use crate::error::{Degradation, Diagnostic, escape_pointer};
use crate::ir::{
    Body, Content, MediaKind, Operation, Param, ParamLocation, Response, ResponseBody, Schema,
};
use crate::media::{essence, media_kind};
use crate::naming::rust_type_name;
use crate::status::Status;

use super::paths::{
    content_schema_pointer, follow_local_refs, media_examples, media_types, path_template_names,
    pick_media, read_encoding, security_requirements, split_route, synthesize_operation_id,
};

/// The HTTP methods an OpenAPI path item may hold, in the order operations are generated.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What an operation inherits from its path item.
struct PathItem<'p, 'v> {
    /// The path template.
    path: &'v str,
    /// Pointer to the path item.
    pointer: &'p str,
    /// Path-level `parameters`.
    parameters: Option<&'v Value>,
    /// Whether the key's templated query string stays part of the route (another key has the
    /// same route without it: such documents send those values through the path template).
    keep_query: bool,
}

impl<'a> Normalizer<'a> {
    /// Every operation under `paths`, in document order.
    pub(super) fn paths(&mut self) -> Vec<Operation> {
        let mut operations = Vec::new();
        match self.root.get("paths") {
            Some(Value::Object(paths)) => {
                // `paths` may carry extensions (`x-…`) beside its path items.
                let keys: Vec<&String> = paths.keys().filter(|k| !k.starts_with("x-")).collect();
                let mut routes: std::collections::HashMap<String, usize> = Default::default();
                for key in &keys {
                    *routes.entry(split_route(key).0).or_default() += 1;
                }
                for path in keys {
                    let Some(item) = paths.get(path) else {
                        continue;
                    };
                    let keep_query = routes.get(&split_route(path).0).is_some_and(|&n| n > 1);
                    let pointer = format!("/paths/{}", escape_pointer(path));
                    self.path_item(path, keep_query, item, &pointer, &mut operations);
                }
            }
            Some(_) => self
                .diags
                .push(Diagnostic::error("/paths", "`paths` must be an object")),
            None => self.diags.push(Diagnostic::warning(
                "/paths",
                "the document has no `paths`: no operations are generated",
            )),
        }
        operations
    }

    fn path_item(
        &mut self,
        path: &'a str,
        keep_query: bool,
        item: &'a Value,
        pointer: &str,
        operations: &mut Vec<Operation>,
    ) {
        // A path item may be a `$ref` to another one (in this document).
        let mut item = item;
        for _ in 0..16 {
            let Some(reference) = item.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let target = reference
                .strip_prefix('#')
                .map(crate::error::decode_fragment)
                .and_then(|p| self.root.pointer(&p));
            match target {
                Some(t) => item = t,
                None => {
                    self.diags.push(Diagnostic::error(
                        format!("{pointer}/$ref"),
                        format!("path item `{reference}` does not resolve in this document"),
                    ));
                    return;
                }
            }
        }
        let Some(item) = item.as_object() else {
            self.diags
                .push(Diagnostic::error(pointer, "a path item must be an object"));
            return;
        };
        if item.contains_key("$ref") {
            self.diags.push(Diagnostic::error(
                pointer,
                "path item references go round in a circle or are nested too deep",
            ));
            return;
        }
        if !path.starts_with('/') {
            self.diags.push(Diagnostic::error(
                pointer,
                format!("path `{path}` must start with `/`"),
            ));
            return;
        }
        let inherited = PathItem {
            path,
            pointer,
            parameters: item.get("parameters"),
            keep_query,
        };
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_pointer = format!("{pointer}/{method}");
            if let Some(op) = self.operation(&inherited, method, op, &op_pointer) {
                operations.push(op);
            }
        }
    }

    fn operation(
        &mut self,
        item: &PathItem<'_, 'a>,
        method: &str,
        op: &'a Value,
        pointer: &str,
    ) -> Option<Operation> {
        let Some(op) = op.as_object() else {
            self.diags
                .push(Diagnostic::error(pointer, "an operation must be an object"));
            return None;
        };
        let id = match op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() => id.to_owned(),
            _ => {
                let id = synthesize_operation_id(method, item.path);
                self.diags.push(Diagnostic::warning(
                    pointer,
                    format!("operation has no `operationId`; generated as `{id}` (add an operationId to choose the name)"),
                ));
                id
            }
        };
        let at = At { id: &id };
        let opid = Some(id.as_str());
        let text = |k: &str| op.get(k).and_then(Value::as_str).map(str::to_owned);

        // Parameters: operation-level ones override path-level ones with the same name and location.
        let mut params: Vec<Param> = Vec::new();
        let sources = [
            (item.parameters, format!("{}/parameters", item.pointer)),
            (op.get("parameters"), format!("{pointer}/parameters")),
        ];
        for (list, list_pointer) in sources {
            let Some(list) = list else { continue };
            let Some(list) = list.as_array() else {
                self.diags.push(
                    Diagnostic::error(&list_pointer, "`parameters` must be an array")
                        .in_operation(opid),
                );
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let p_pointer = format!("{list_pointer}/{i}");
                if let Some(param) = self.param(p, &p_pointer, &at) {
                    params.retain(|q| !(q.name == param.name && q.location == param.location));
                    params.push(param);
                }
            }
        }
        // A path key with a templated query string (`/search?query={query}`): the route is the
        // key without those pairs; their names are query parameters.
        let (route, query_names) = if item.keep_query {
            (item.path.to_owned(), Vec::new())
        } else {
            split_route(item.path)
        };
        if !query_names.is_empty() {
            self.diags.push(
                Diagnostic::warning(pointer, format!("the path key carries query parameters ({}): the route is `{route}` and they are sent as query parameters", query_names.join(", "))).in_operation(opid),
            );
            for name in query_names {
                match params.iter_mut().find(|p| p.name == name) {
                    Some(p) if p.location == ParamLocation::Path => {
                        p.location = ParamLocation::Query;
                        p.style = "form".into();
                        p.explode = true;
                    }
                    Some(_) => {}
                    None => params.push(undeclared(&name, ParamLocation::Query, pointer)),
                }
            }
        }
        for name in path_template_names(&route) {
            if !params
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.name == name)
            {
                self.diags.push(
                    Diagnostic::warning(pointer, format!("path template names `{{{name}}}` but no path parameter `{name}` is declared: it is generated as a required string")).in_operation(opid),
                );
                params.push(undeclared(&name, ParamLocation::Path, pointer));
            }
        }
        // Rust names, unique within the operation, in document order.
        let mut taken = std::collections::BTreeSet::new();
        for p in &mut params {
            let base = crate::naming::snake(&p.name);
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{}_{n}", base.trim_end_matches('_'));
                n += 1;
            }
            if name != base {
                // progenitor cannot tell the two apart: the facade sends this one itself (into
                // the query string or headers; a path segment it cannot).
                p.shadowed = true;
                if p.location == ParamLocation::Path {
                    self.diags.push(
                        Diagnostic::warning(
                            &p.pointer,
                            format!("path parameter `{}` has the same Rust name as another parameter: the server reads it as `{name}`; the client cannot send it", p.name),
                        )
                        .degrading(Degradation::Parameter)
                        .in_operation(opid),
                    );
                }
            }
            p.rust_name = name;
        }

        let body = op
            .get("requestBody")
            .and_then(|b| self.request_body(b, &format!("{pointer}/requestBody"), &at));

        let mut responses = Vec::new();
        match op.get("responses").and_then(Value::as_object) {
            Some(map) => {
                for (status, resp) in map {
                    let r_pointer = format!("{pointer}/responses/{}", escape_pointer(status));
                    if let Some(r) = self.response(status, resp, &r_pointer, &at) {
                        responses.push(r);
                    }
                }
            }
            None => self.diags.push(
                Diagnostic::error(
                    format!("{pointer}/responses"),
                    "an operation needs a `responses` object",
                )
                .in_operation(opid),
            ),
        }

        let requirements = op.get("security").or(self.root.get("security"));
        let schemes = std::mem::take(&mut self.schemes);
        let (security, requirement) = self.requirement(requirements, pointer, opid, &schemes);
        self.schemes = schemes;
        Some(Operation {
            id: id.clone(),
            method: method.to_owned(),
            path: route,
            pointer: pointer.to_owned(),
            summary: text("summary"),
            description: text("description"),
            deprecated: op
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            tags: op
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            params,
            body,
            responses,
            security,
            security_requirements: security_requirements(requirements),
            requirement,
        })
    }

    /// Follows a `$ref` to `#/components/<kind>/<name>` (for parameters, bodies, responses).
    pub(super) fn deref(
        &mut self,
        value: &'a Value,
        kind: &str,
        pointer: &str,
        at: &At<'_>,
    ) -> Option<(&'a Value, String)> {
        let mut current = value;
        let mut here = pointer.to_owned();
        for _ in 0..16 {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
                return Some((current, here));
            };
            // Any local reference that resolves: `#/components/{kind}/…` usually, but documents
            // also point at another operation's parameter or response.
            let local = reference
                .strip_prefix('#')
                .map(crate::error::decode_fragment);
            let Some((pointer, target)) = local
                .as_deref()
                .and_then(|p| self.root.pointer(p).map(|t| (p.to_owned(), t)))
            else {
                self.diags.push(
                    Diagnostic::error(
                        format!("{here}/$ref"),
                        format!(
                            "`{reference}` does not resolve in this document (expected an entry of `components.{kind}`)"
                        ),
                    )
                    .in_operation(Some(at.id)),
                );
                return None;
            };
            here = pointer;
            current = target;
        }
        self.diags.push(
            Diagnostic::error(pointer, "reference chain is too long or circular")
                .in_operation(Some(at.id)),
        );
        None
    }

    fn request_body(&mut self, b: &'a Value, pointer: &str, op: &At<'_>) -> Option<Body> {
        let (b, at) = self.deref(b, "requestBodies", pointer, op)?;
        let required = b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let content = b.get("content")?.as_object()?;
        let (media_type, entry) = pick_media(content)?;
        let kind = media_kind(media_type);
        let schema_pointer = content_schema_pointer(&at, media_type);
        let schema = self.content_schema(entry, &schema_pointer, op);
        // Typed bodies get a model (a named one when written inline); bytes and text do not.
        let schema = if matches!(
            kind,
            MediaKind::Json | MediaKind::Form | MediaKind::Multipart
        ) {
            self.hoist(
                schema,
                &format!("{}Body", rust_type_name(op.id)),
                &schema_pointer,
            )
        } else {
            schema
        };
        let mut accepted = vec![(media_type.clone(), kind)];
        let mut alternatives = Vec::new();
        for (other, other_entry) in content.iter().filter(|(m, _)| *m != media_type) {
            let other_kind = media_kind(other);
            let typed = |k: MediaKind| matches!(k, MediaKind::Json | MediaKind::Form);
            if typed(kind) && typed(other_kind) && other_entry.get("schema") == entry.get("schema")
            {
                accepted.push((other.clone(), other_kind));
                continue;
            }
            let pointer = content_schema_pointer(&at, other);
            let schema = self.content_schema(other_entry, &pointer, op);
            let schema = if matches!(
                other_kind,
                MediaKind::Json | MediaKind::Form | MediaKind::Multipart
            ) {
                self.hoist(
                    schema,
                    &format!(
                        "{}Body{}",
                        rust_type_name(op.id),
                        rust_type_name(&essence(other))
                    ),
                    &pointer,
                )
            } else {
                schema
            };
            if other_kind == MediaKind::Other {
                self.diags.push(raw_bytes(&at, other, op.id));
            }
            alternatives.push(Content {
                media_type: other.clone(),
                kind: other_kind,
                schema: Schema::from_json(&schema),
                schema_pointer: pointer,
                encoding: encoding_of(other_entry),
            });
        }
        if kind == MediaKind::Other {
            self.diags.push(raw_bytes(&at, media_type, op.id));
        }
        let encoding = encoding_of(entry);
        Some(Body {
            required,
            schema: Schema::from_json(&schema),
            schema_pointer,
            media_type: media_type.clone(),
            kind,
            encoding,
            accepted,
            alternatives,
            media_types: media_types(b),
        })
    }

    /// The normalized schema of a media-type entry (`{}` when it has none).
    fn content_schema(&mut self, entry: &'a Value, pointer: &str, op: &At<'_>) -> Value {
        match entry.get("schema") {
            Some(s) => self.schema(s, pointer, Some(op.id)),
            None => json!({}),
        }
    }

    fn response(
        &mut self,
        status: &str,
        resp: &'a Value,
        pointer: &str,
        op: &At<'_>,
    ) -> Option<Response> {
        let opid = op.id;
        let Some(spec) = Status::parse(status) else {
            self.diags.push(
                Diagnostic::error(pointer, format!("`{status}` is not a status code"))
                    .in_operation(Some(opid)),
            );
            return None;
        };
        let (resp, at) = self.deref(resp, "responses", pointer, op)?;
        let description = resp
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let media_types = media_types(resp);
        let headers = self.response_headers(resp, &at, op);
        let (json_media, text_media) = ("application/json".to_owned(), "text/plain".to_owned());
        let picked = resp
            .get("content")
            .and_then(Value::as_object)
            .and_then(pick_media);
        let body = picked.map(|(media, entry)| {
            let kind_of = media_kind(media);
            let kind = match kind_of {
                // A form or multipart answer is rare and untyped here: its bytes.
                MediaKind::Form | MediaKind::Multipart => MediaKind::Other,
                // Any media type (`*/*`, Spring's default): JSON for a structured schema, text
                // for a string, bytes for bytes.
                MediaKind::Binary => any_media_kind(media, entry, self.root).unwrap_or(kind_of),
                k => k,
            };
            let schema_pointer = content_schema_pointer(&at, media);
            let media = match kind {
                MediaKind::Json if !crate::media::is_json_media_type(media) => &json_media,
                MediaKind::Text if media.contains('*') => &text_media,
                _ => media,
            };
            let schema = self.content_schema(entry, &schema_pointer, op);
            let schema = if kind == MediaKind::Json {
                let name = format!("{}Response{}", rust_type_name(opid), spec.word());
                self.hoist(schema, &name, &schema_pointer)
            } else {
                schema
            };
            let xml_alternatives = self.xml_alternatives(resp, media, &at, op);
            ResponseBody {
                schema: Schema::from_json(&schema),
                schema_pointer,
                media_type: media.clone(),
                kind,
                examples: media_examples(entry, self.root),
                xml_alternatives,
            }
        });
        if spec == Status::Code(204) && body.is_some() {
            self.diags.push(
                Diagnostic::warning(
                    &at,
                    "a 204 response cannot have a body; its content is ignored",
                )
                .in_operation(Some(opid)),
            );
            return Some(Response {
                status: spec,
                description,
                body: None,
                media_types,
                headers,
                pointer: at,
            });
        }
        Some(Response {
            status: spec,
            description,
            body,
            media_types,
            headers,
            pointer: at,
        })
    }
}

impl<'a> Normalizer<'a> {
    /// The XML media types of a response's `content` other than `picked`, with their normalized
    /// schemas.
    fn xml_alternatives(
        &mut self,
        resp: &'a Value,
        picked: &str,
        at: &str,
        op: &At<'_>,
    ) -> Vec<(String, Schema)> {
        let Some(content) = resp.get("content").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (media, entry) in content {
            if media == picked || !crate::media::is_xml_media_type(media) {
                continue;
            }
            let pointer = content_schema_pointer(at, media);
            let schema = self.content_schema(entry, &pointer, op);
            out.push((media.clone(), Schema::from_json(&schema)));
        }
        out
    }
}

/// The kind an answer declared for a range of any type (`*/*`, `application/*`) is generated
/// as, from its schema (`$ref`s followed): bytes (`None`) for `format: binary`/`byte` strings or
/// no schema, text for other strings, JSON for the rest.
fn any_media_kind(media: &str, entry: &Value, root: &Value) -> Option<MediaKind> {
    if !matches!(essence(media).as_str(), "*/*" | "*" | "application/*") {
        return None;
    }
    let schema = follow_local_refs(entry.get("schema")?, root, 16);
    let object = schema.as_object().filter(|o| !o.is_empty())?;
    if object.get("type").and_then(Value::as_str) == Some("string") {
        let bytes = matches!(
            object.get("format").and_then(Value::as_str),
            Some("binary" | "byte")
        );
        return (!bytes).then_some(MediaKind::Text);
    }
    Some(MediaKind::Json)
}

/// The `encoding` entries of a media-type entry, by property.
fn encoding_of(entry: &Value) -> indexmap::IndexMap<String, crate::ir::Encoding> {
    entry
        .get("encoding")
        .and_then(Value::as_object)
        .map(|e| {
            e.iter()
                .map(|(name, enc)| (name.clone(), read_encoding(enc)))
                .collect()
        })
        .unwrap_or_default()
}

/// The warning for a body generated as raw bytes (a media type the generator does not type).
fn raw_bytes(at: &str, media_type: &str, op: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("{at}/content/{}", escape_pointer(media_type)),
        format!(
            "media type `{media_type}` is not typed: the body is raw bytes with that content type"
        ),
    )
    .degrading(Degradation::RawBytes)
    .in_operation(Some(op))
}
