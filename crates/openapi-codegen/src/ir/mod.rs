//! The typed intermediate representation: a document after normalization, resolved once
//! (references to parameters, bodies and responses followed; schemas read into [`Schema`]s).
//! Every backend (models, client, server) reads this and nothing else.

mod schema;
mod security;

use indexmap::IndexMap;
use serde_json::Value;

pub(crate) use schema::{Additional, Kind, Schema};

pub(crate) use security::{ApiKeyLocation, Requirement, SchemeKind, SchemeUse, SecurityScheme};

use crate::error::Diagnostic;
use crate::load::OpenApiVersion;
pub(crate) use crate::media::MediaKind;
use crate::status::Status;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A `Cookie` header pair.
    Cookie,
}

impl ParamLocation {
    /// The word OpenAPI (and the `loc` of validation errors) uses for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// One operation parameter, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    /// Name on the wire.
    pub name: String,
    /// Its Rust field name: snake_case, unique within the operation (`max_results_2` when
    /// `maxResults` and `max_results` are both parameters).
    pub rust_name: String,
    /// Whether another parameter of the operation took its Rust name first: progenitor cannot
    /// tell the two apart, so the client does not send this one (the server reads it).
    pub shadowed: bool,
    /// Where it travels.
    pub location: ParamLocation,
    /// Whether it must be present.
    pub required: bool,
    /// Its schema (a reference when it was hoisted into a component).
    pub schema: Schema,
    /// Its description.
    pub description: Option<String>,
    /// `style` as written, or the location's default (`form` for query, `simple` otherwise).
    pub style: String,
    /// `explode` (defaults per style: true for form, false otherwise).
    pub explode: bool,
    /// `deprecated`.
    pub deprecated: bool,
    /// Pointer to it in the input document.
    pub pointer: String,
}

/// How a form-urlencoded or multipart property is written (its `encoding` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Encoding {
    /// `style` (`form` unless written: `spaceDelimited`, `pipeDelimited`, `deepObject`).
    pub style: String,
    /// `explode` (defaults per style: true for form, false otherwise).
    pub explode: bool,
    /// `contentType` of a multipart part, when written.
    pub content_type: Option<String>,
}

/// One media type of a request body beside the one generated first.
#[derive(Debug, Clone)]
pub(crate) struct Content {
    /// The media type.
    pub media_type: String,
    /// How it is carried.
    pub kind: MediaKind,
    /// Its schema (a reference when hoisted into a component).
    pub schema: Schema,
    /// Pointer to that schema in the input document.
    pub schema_pointer: String,
    /// The `encoding` of its properties (form and multipart).
    pub encoding: IndexMap<String, Encoding>,
}

/// A request body, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// Whether it must be present.
    pub required: bool,
    /// The schema of the media type generated: a reference to a component or a plain schema.
    pub schema: Schema,
    /// Pointer to that schema in the input document.
    pub schema_pointer: String,
    /// The media type generated: the first JSON one, else the first the document lists.
    pub media_type: String,
    /// How it is carried.
    pub kind: MediaKind,
    /// The `encoding` of its properties (form and multipart), by property name.
    pub encoding: IndexMap<String, Encoding>,
    /// Every media type the router decodes into [`Self::schema`]: the generated one first, then
    /// any JSON or form alternative with the same schema.
    pub accepted: Vec<(String, MediaKind)>,
    /// The other media types the document offers for it (another kind or schema), each
    /// generated on its own: a client call per media type, a variant of the server's body.
    pub alternatives: Vec<Content>,
    /// Every media type the document lists for it.
    pub media_types: Vec<String>,
}

/// A response body.
#[derive(Debug, Clone)]
pub(crate) struct ResponseBody {
    /// Its schema.
    pub schema: Schema,
    /// Pointer to its schema in the input document.
    pub schema_pointer: String,
    /// The media type generated (the first JSON one, else the first listed).
    pub media_type: String,
    /// How it is carried.
    pub kind: MediaKind,
    /// The examples of its media type, named (`example` is named `example`).
    pub examples: Vec<(String, Value)>,
    /// The XML media types the response also offers, with their schemas (normalized): the mock
    /// answers one of them to a request whose `Accept` prefers it.
    pub xml_alternatives: Vec<(String, Schema)>,
}

impl Body {
    /// The generated media type as one [`Content`], followed by the alternatives.
    pub fn contents(&self) -> Vec<Content> {
        let first = Content {
            media_type: self.media_type.clone(),
            kind: self.kind,
            schema: self.schema.clone(),
            schema_pointer: self.schema_pointer.clone(),
            encoding: self.encoding.clone(),
        };
        std::iter::once(first)
            .chain(self.alternatives.iter().cloned())
            .collect()
    }

    /// The media types a client has a call for: [`Self::contents`], then each accepted media
    /// type of another kind (a form beside JSON of the same schema).
    pub fn client_contents(&self) -> Vec<Content> {
        let mut out = self.contents();
        for (media, kind) in self.accepted.iter().skip(1) {
            if *kind != self.kind && !out.iter().any(|c| c.kind == *kind) {
                out.push(Content {
                    media_type: media.clone(),
                    kind: *kind,
                    schema: self.schema.clone(),
                    schema_pointer: self.schema_pointer.clone(),
                    encoding: self.encoding.clone(),
                });
            }
        }
        out
    }

    /// This body as if `content` were its only media type (what a client call for that media
    /// type sends).
    pub fn as_content(&self, content: &Content) -> Body {
        Body {
            required: self.required,
            schema: content.schema.clone(),
            schema_pointer: content.schema_pointer.clone(),
            media_type: content.media_type.clone(),
            kind: content.kind,
            encoding: content.encoding.clone(),
            accepted: vec![(content.media_type.clone(), content.kind)],
            alternatives: Vec::new(),
            media_types: self.media_types.clone(),
        }
    }
}

impl ResponseBody {
    /// Whether it is decoded as JSON (else it is bytes or text).
    pub fn is_json(&self) -> bool {
        self.kind == MediaKind::Json
    }
}

/// A documented response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    /// The status code(s) it covers.
    pub status: Status,
    /// Its description.
    pub description: String,
    /// Its (JSON) body, if it has one.
    pub body: Option<ResponseBody>,
    /// Every media type the document lists for it (only the JSON one is generated).
    pub media_types: Vec<String>,
    /// The headers it declares, in document order (`Content-Type` left out, as OpenAPI asks).
    pub headers: Vec<ResponseHeader>,
    /// Pointer to it in the input document.
    pub pointer: String,
}

/// A header a response declares.
#[derive(Debug, Clone)]
pub(crate) struct ResponseHeader {
    /// Its name, as written.
    pub name: String,
    /// Its Rust field name (snake case, unique among the response's headers).
    pub rust_name: String,
    /// Whether the response always carries it.
    pub required: bool,
    /// Its value's schema, normalized (`{}` when it declares none).
    pub schema: Schema,
    /// Its examples (`example`, then each of `examples`).
    pub examples: Vec<Value>,
}

/// Whether an operation needs a credential, in short (the whole of it is [`Requirement`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Security {
    /// No credential required.
    Public,
    /// A credential is required.
    Required,
    /// A credential is accepted but optional (an empty requirement is listed).
    Optional,
}

/// One operation, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// `operationId` (synthesized from method and path when missing, with a warning).
    pub id: String,
    /// Lower-case HTTP method.
    pub method: String,
    /// The path template.
    pub path: String,
    /// Pointer to the operation in the input document.
    pub pointer: String,
    /// `summary`.
    pub summary: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `deprecated`.
    pub deprecated: bool,
    /// `tags`.
    pub tags: Vec<String>,
    /// Parameters, path-level ones merged in, in document order.
    pub params: Vec<Param>,
    /// The request body.
    pub body: Option<Body>,
    /// Responses, in document order.
    pub responses: Vec<Response>,
    /// The credential it needs.
    pub security: Security,
    /// The scheme names of each security requirement, as written (`[]`: anonymous allowed).
    pub security_requirements: Vec<Vec<String>>,
    /// What it requires, scheme by scheme (the document's default unless it overrides it).
    pub requirement: Requirement,
}

impl Operation {
    /// Its responses with a success status.
    pub fn successes(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| r.status.is_success())
    }

    /// Its responses with an error status (including `default`).
    pub fn errors(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| !r.status.is_success())
    }

    /// Whether its success responses carry different bodies (or some none).
    pub fn has_several_success_bodies(&self) -> bool {
        let distinct: std::collections::BTreeSet<String> = self
            .successes()
            .map(|r| {
                r.body
                    .as_ref()
                    .map(|b| b.schema.json.to_string())
                    .unwrap_or_default()
            })
            .collect();
        distinct.len() > 1
    }
}

/// A normalized document.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    /// The OpenAPI version it was written in (which JSON Schema its schemas follow).
    pub openapi: OpenApiVersion,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Absolute `http(s)` server URLs of `servers`, in document order, variables at their
    /// defaults (relative ones left out).
    pub servers: Vec<String>,
    /// The first server's URL template and its variables, when it has any.
    pub server_template: Option<(String, Vec<ServerVariable>)>,
    /// The first relative server URL (`/v1`), resolved by a client against an origin it is given.
    pub relative_server: Option<String>,
    /// `components.securitySchemes`, in document order.
    pub security_schemes: Vec<SecurityScheme>,
    /// Operations in document order.
    pub operations: Vec<Operation>,
    /// Component schemas (collision-free names), in document order, hoisted ones last.
    pub schemas: IndexMap<String, Schema>,
    /// Where each component schema is in the input document (hoisted ones: where they were
    /// written inline).
    pub schema_pointers: IndexMap<String, String>,
    /// Findings that did not stop normalization.
    pub warnings: Vec<Diagnostic>,
}

/// A variable of a server URL template (`https://{region}.example.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerVariable {
    /// Its name in the template.
    pub name: String,
    /// `default`.
    pub default: String,
    /// `enum`: the values allowed (none: any).
    pub allowed: Vec<String>,
    /// `description`.
    pub description: Option<String>,
}

impl Api {
    /// The schemes generated code presents and checks in requests, in document order — all but
    /// `mutualTLS`, which the TLS layer carries. Positions in this list index the generated
    /// scheme tables of client and server alike.
    pub fn request_schemes(&self) -> impl Iterator<Item = &SecurityScheme> {
        self.security_schemes
            .iter()
            .filter(|s| s.kind != SchemeKind::MutualTls)
    }

    /// The properties of a multipart body that are files: strings of `format: binary` (3.1's
    /// `contentMediaType`, lowered to it) or lists of them, or parts whose `encoding.contentType`
    /// is neither text nor JSON.
    pub fn multipart_files(&self, body: &Body) -> Vec<String> {
        self.multipart_files_of(&body.schema, &body.encoding)
    }

    /// [`Self::multipart_files`] of a schema and its `encoding`.
    pub fn multipart_files_of(
        &self,
        schema: &Schema,
        encoding: &IndexMap<String, Encoding>,
    ) -> Vec<String> {
        self.resolve(schema)
            .properties
            .iter()
            .filter(|(name, prop)| {
                let p = self.resolve(prop);
                let item = match (&p.kind, &p.items) {
                    (Some(Kind::Array), Some(items)) => self.resolve(items),
                    _ => p,
                };
                let binary =
                    item.kind == Some(Kind::String) && item.format.as_deref() == Some("binary");
                let by_encoding = encoding
                    .get(name.as_str())
                    .and_then(|e| e.content_type.as_deref())
                    .is_some_and(|ct| {
                        !matches!(
                            crate::media::media_kind(ct),
                            MediaKind::Json | MediaKind::Text | MediaKind::Form
                        )
                    });
                binary || by_encoding
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Follows references from `schema` to the component schema it ends at.
    pub fn resolve<'s>(&'s self, schema: &'s Schema) -> &'s Schema {
        let mut s = schema;
        for _ in 0..16 {
            match s.reference.as_ref().and_then(|n| self.schemas.get(n)) {
                Some(next) => s = next,
                None => return s,
            }
        }
        s
    }
}
