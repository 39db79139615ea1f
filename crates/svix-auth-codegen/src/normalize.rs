//! Normalization: turns a loaded OpenAPI 3.0/3.1 document into [`Api`], a small, resolved
//! description of operations and component schemas that every backend can digest.
//!
//! What it does, without editing the input and without dropping meaning:
//! - resolves `#/components/{parameters,requestBodies,responses}` references and merges
//!   path-level parameters into operations;
//! - rewrites `$ref` with sibling keys (`nullable`, `description`, ...) into
//!   `allOf: [{$ref}]` plus those keys, which keeps their meaning for typify;
//! - lowers OpenAPI 3.1 schema forms to 3.0 ones (`type: [T, "null"]`, `const`, `examples`,
//!   numeric `exclusiveMinimum`/`exclusiveMaximum`, `anyOf` with a `null` branch);
//! - hoists inline request/response/parameter schemas that would become named types into
//!   component schemas, so models are defined once and shared by client and server;
//! - renames component schemas whose Rust names would collide, deterministically;
//! - reports everything it cannot express as a [`Diagnostic`] naming the pointer and operation.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use serde_json::{Map, Value, json};

use crate::error::{Diagnostic, Error, Result, escape_pointer};
use crate::load::{Loaded, OpenApiVersion};

/// The HTTP methods an OpenAPI path item may hold, in document order of preference.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
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
pub struct Param {
    /// Name on the wire.
    pub name: String,
    /// Where it travels.
    pub location: ParamLocation,
    /// Whether it must be present.
    pub required: bool,
    /// Its (normalized) schema.
    pub schema: Value,
    /// Its description.
    pub description: Option<String>,
    /// `explode` (defaults per style: true for form, false otherwise).
    pub explode: bool,
    /// Pointer to it in the input document.
    pub pointer: String,
}

/// A request body, resolved.
#[derive(Debug, Clone)]
pub struct Body {
    /// Whether it must be present.
    pub required: bool,
    /// Its media type.
    pub content_type: String,
    /// Its (normalized) schema: a `$ref` to a component or a plain schema.
    pub schema: Value,
}

/// Which status codes a response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusSpec {
    /// One code.
    Code(u16),
    /// A range such as `4XX` (the digit).
    Range(u8),
    /// `default`.
    Default,
}

impl StatusSpec {
    /// Whether the response is a success (2xx).
    pub fn is_success(self) -> bool {
        match self {
            Self::Code(c) => (200..300).contains(&c),
            Self::Range(r) => r == 2,
            Self::Default => false,
        }
    }
}

/// A documented response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code(s) it covers.
    pub status: StatusSpec,
    /// Its description.
    pub description: String,
    /// Media type and schema of its body, if it has one.
    pub body: Option<(String, Value)>,
}

/// One HTTP security requirement of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No credential required.
    None,
    /// `Authorization: Bearer <token>` required.
    Bearer,
    /// `Authorization: Bearer <token>` accepted but optional (an empty requirement is listed).
    OptionalBearer,
}

/// One operation, resolved.
#[derive(Debug, Clone)]
pub struct Operation {
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
}

/// A normalized document.
#[derive(Debug, Clone)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Operations in document order.
    pub operations: Vec<Operation>,
    /// Component schemas (normalized, collision-free names), in document order, hoisted ones last.
    pub schemas: Map<String, Value>,
    /// Findings that did not stop normalization.
    pub warnings: Vec<Diagnostic>,
}

/// Normalizes a loaded document. Errors carry every problem found, not just the first.
pub fn normalize(loaded: &Loaded) -> Result<Api> {
    let mut n = Normalizer {
        root: &loaded.document,
        version: loaded.version,
        diags: Vec::new(),
        renames: BTreeMap::new(),
    };
    let api = n.run();
    let (errors, warnings): (Vec<_>, Vec<_>) = n
        .diags
        .into_iter()
        .partition(|d| d.severity == crate::error::Severity::Error);
    if errors.is_empty() {
        let mut api = api;
        api.warnings = warnings;
        Ok(api)
    } else {
        Err(Error::Invalid(errors))
    }
}

struct Normalizer<'a> {
    root: &'a Value,
    version: OpenApiVersion,
    diags: Vec<Diagnostic>,
    /// Component schema name → collision-free name.
    renames: BTreeMap<String, String>,
}

impl<'a> Normalizer<'a> {
    fn run(&mut self) -> Api {
        let root = self.root;
        let info = root.get("info");
        let text = |v: Option<&Value>, key: &str| {
            v.and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let title = text(info, "title").unwrap_or_else(|| {
            self.diags.push(Diagnostic::warning(
                "/info/title",
                "missing `info.title`; using \"API\"",
            ));
            "API".to_owned()
        });
        let version = text(info, "version").unwrap_or_else(|| "0.0.0".to_owned());
        if root.get("webhooks").is_some() {
            self.diags.push(Diagnostic::warning(
                "/webhooks",
                "`webhooks` describe requests the API sends, not operations it serves: nothing is generated for them",
            ));
        }

        self.plan_renames();
        let mut schemas = Map::new();
        if let Some(components) = root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in components {
                let pointer = format!("/components/schemas/{}", escape_pointer(name));
                let normalized = self.schema(schema, &pointer, None);
                schemas.insert(self.renames[name].clone(), normalized);
            }
        } else if let Some(other) = root.pointer("/components/schemas")
            && !other.is_object()
        {
            self.diags.push(Diagnostic::error(
                "/components/schemas",
                "`components.schemas` must be an object",
            ));
        }

        let global_security = root.get("security");
        let mut operations = Vec::new();
        let mut hoisted = Map::new();
        match root.get("paths") {
            Some(Value::Object(paths)) => {
                for (path, item) in paths {
                    let pointer = format!("/paths/{}", escape_pointer(path));
                    self.path_item(
                        path,
                        item,
                        &pointer,
                        global_security,
                        &mut operations,
                        &mut hoisted,
                    );
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
        self.resolve_duplicate_ids(&mut operations);
        for (name, schema) in hoisted {
            schemas.insert(name, schema);
        }
        Api {
            title,
            version,
            description: text(info, "description"),
            operations,
            schemas,
            warnings: Vec::new(),
        }
    }

    /// Component names whose Rust (PascalCase) names collide get a numeric suffix, in document order.
    fn plan_renames(&mut self) {
        let mut taken = BTreeSet::new();
        let Some(components) = self
            .root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return;
        };
        for name in components.keys() {
            let rust = rust_type_name(name);
            let mut candidate = name.clone();
            let mut n = 2;
            while !taken.insert(rust_type_name(&candidate)) {
                candidate = format!("{name}{n}");
                n += 1;
            }
            if candidate != *name {
                self.diags.push(Diagnostic::warning(
                    format!("/components/schemas/{}", escape_pointer(name)),
                    format!("schema `{name}` becomes Rust type `{rust}`, which another schema already uses: it is generated as `{}`", rust_type_name(&candidate)),
                ));
            }
            self.renames.insert(name.clone(), candidate);
        }
    }

    /// Operations whose ids map to one Rust method name: later ones (in document order) get a
    /// numeric suffix, with a warning. Exact duplicate ids are an error (OpenAPI forbids them).
    fn resolve_duplicate_ids(&mut self, operations: &mut [Operation]) {
        let mut exact: BTreeSet<String> = BTreeSet::new();
        let mut methods: BTreeMap<String, String> = BTreeMap::new();
        for op in operations.iter_mut() {
            if !exact.insert(op.id.clone()) {
                self.diags.push(
                    Diagnostic::error(
                        format!("{}/operationId", op.pointer),
                        format!(
                            "operationId `{}` is used twice; operationIds must be unique",
                            op.id
                        ),
                    )
                    .in_operation(Some(&op.id)),
                );
                continue;
            }
            let key = crate::names::method_name(&op.id);
            let Some(first) = methods.get(&key).cloned() else {
                methods.insert(key, op.id.clone());
                continue;
            };
            let mut n = 2;
            let renamed = loop {
                let candidate = format!("{}_{n}", op.id);
                if !methods.contains_key(&crate::names::method_name(&candidate))
                    && !exact.contains(&candidate)
                {
                    break candidate;
                }
                n += 1;
            };
            self.diags.push(
                Diagnostic::warning(
                    format!("{}/operationId", op.pointer),
                    format!("operationId `{}` maps to the method name `{key}`, as `{first}` does: it is generated as `{renamed}`", op.id),
                )
                .in_operation(Some(&op.id)),
            );
            methods.insert(crate::names::method_name(&renamed), renamed.clone());
            exact.insert(renamed.clone());
            op.id = renamed;
        }
    }

    fn path_item(
        &mut self,
        path: &str,
        item: &Value,
        pointer: &str,
        global_security: Option<&Value>,
        operations: &mut Vec<Operation>,
        hoisted: &mut Map<String, Value>,
    ) {
        let Some(item) = item.as_object() else {
            self.diags
                .push(Diagnostic::error(pointer, "a path item must be an object"));
            return;
        };
        if item.contains_key("$ref") {
            self.diags.push(Diagnostic::error(
                pointer,
                "path items given by `$ref` are not supported: inline the path item",
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
        let shared_params = item.get("parameters");
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_pointer = format!("{pointer}/{method}");
            if let Some(op) = self.operation(
                path,
                method,
                op,
                &op_pointer,
                shared_params,
                pointer,
                global_security,
                hoisted,
            ) {
                operations.push(op);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        op: &Value,
        pointer: &str,
        shared_params: Option<&Value>,
        item_pointer: &str,
        global_security: Option<&Value>,
        hoisted: &mut Map<String, Value>,
    ) -> Option<Operation> {
        let Some(op) = op.as_object() else {
            self.diags
                .push(Diagnostic::error(pointer, "an operation must be an object"));
            return None;
        };
        let id = match op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() => id.to_owned(),
            _ => {
                let id = synthesize_operation_id(method, path);
                self.diags.push(Diagnostic::warning(
                    pointer,
                    format!("operation has no `operationId`; generated as `{id}` (add an operationId to choose the name)"),
                ));
                id
            }
        };
        let opid = Some(id.as_str());
        let text = |k: &str| op.get(k).and_then(Value::as_str).map(str::to_owned);

        // Parameters: operation-level ones override path-level ones with the same name and location.
        let mut params: Vec<Param> = Vec::new();
        let sources = [
            (shared_params, format!("{item_pointer}/parameters")),
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
                if let Some(param) = self.param(p, &p_pointer, &id, hoisted) {
                    params.retain(|q| !(q.name == param.name && q.location == param.location));
                    params.push(param);
                }
            }
        }
        for segment in path_template_names(path) {
            if !params
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.name == segment)
            {
                self.diags.push(
                    Diagnostic::error(pointer, format!("path template names `{{{segment}}}` but no path parameter `{segment}` is declared")).in_operation(opid),
                );
            }
        }

        let body = op
            .get("requestBody")
            .and_then(|b| self.request_body(b, &format!("{pointer}/requestBody"), &id, hoisted));

        let mut responses = Vec::new();
        match op.get("responses").and_then(Value::as_object) {
            Some(map) => {
                for (status, resp) in map {
                    let r_pointer = format!("{pointer}/responses/{}", escape_pointer(status));
                    if let Some(r) = self.response(status, resp, &r_pointer, &id, hoisted) {
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

        let security = self.security(op.get("security").or(global_security), pointer, opid);
        Some(Operation {
            id: id.clone(),
            method: method.to_owned(),
            path: path.to_owned(),
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
        })
    }

    fn security(
        &mut self,
        requirements: Option<&Value>,
        pointer: &str,
        opid: Option<&str>,
    ) -> Security {
        let Some(Value::Array(reqs)) = requirements else {
            return Security::None;
        };
        if reqs.is_empty() {
            return Security::None;
        }
        let schemes = self.root.pointer("/components/securitySchemes");
        let mut bearer = false;
        let mut anonymous = false;
        for req in reqs {
            let Some(req) = req.as_object() else { continue };
            if req.is_empty() {
                anonymous = true;
            }
            for name in req.keys() {
                let scheme = schemes.and_then(|s| s.get(name));
                let is_bearer = scheme.is_some_and(|s| {
                    s.get("type").and_then(Value::as_str) == Some("http")
                        && s.get("scheme")
                            .and_then(Value::as_str)
                            .is_some_and(|x| x.eq_ignore_ascii_case("bearer"))
                });
                if is_bearer {
                    bearer = true;
                } else if scheme.is_none() {
                    self.diags.push(Diagnostic::error(format!("{pointer}/security"), format!("security scheme `{name}` is not defined in `components.securitySchemes`")).in_operation(opid));
                } else {
                    self.diags.push(
                        Diagnostic::warning(
                            format!("/components/securitySchemes/{}", escape_pointer(name)),
                            format!("security scheme `{name}` is not HTTP bearer: the generated server does not check it and the client does not send it"),
                        )
                        .in_operation(opid),
                    );
                }
            }
        }
        match (bearer, anonymous) {
            (true, false) => Security::Bearer,
            (true, true) => Security::OptionalBearer,
            _ => Security::None,
        }
    }

    /// Follows a `$ref` to `#/components/<kind>/<name>` (for parameters, bodies, responses).
    fn deref<'v>(
        &mut self,
        value: &'v Value,
        kind: &str,
        pointer: &str,
        opid: &str,
    ) -> Option<(&'v Value, String)>
    where
        'a: 'v,
    {
        let mut current = value;
        let mut at = pointer.to_owned();
        for _ in 0..16 {
            let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
                return Some((current, at));
            };
            let prefix = format!("#/components/{kind}/");
            let Some(target) = reference
                .strip_prefix(&prefix)
                .and_then(|_| self.root.pointer(&reference[1..]))
            else {
                self.diags.push(
                    Diagnostic::error(
                        format!("{at}/$ref"),
                        format!(
                            "`{reference}` does not resolve to an entry of `components.{kind}`"
                        ),
                    )
                    .in_operation(Some(opid)),
                );
                return None;
            };
            at = reference[1..].to_owned();
            current = target;
        }
        self.diags.push(
            Diagnostic::error(pointer, "reference chain is too long or circular")
                .in_operation(Some(opid)),
        );
        None
    }

    fn param(
        &mut self,
        p: &Value,
        pointer: &str,
        opid: &str,
        hoisted: &mut Map<String, Value>,
    ) -> Option<Param> {
        let (p, at) = self.deref(p, "parameters", pointer, opid)?;
        let oid = Some(opid);
        let name = match p.get("name").and_then(Value::as_str) {
            Some(n) => n.to_owned(),
            None => {
                self.diags
                    .push(Diagnostic::error(&at, "parameter has no `name`").in_operation(oid));
                return None;
            }
        };
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("cookie") => ParamLocation::Cookie,
            other => {
                self.diags.push(
                    Diagnostic::error(
                        format!("{at}/in"),
                        format!("parameter `{name}` has unsupported location {other:?}"),
                    )
                    .in_operation(oid),
                );
                return None;
            }
        };
        if location == ParamLocation::Cookie {
            self.diags.push(
                Diagnostic::warning(
                    &at,
                    format!(
                        "cookie parameter `{name}` is not supported: it is neither sent nor checked"
                    ),
                )
                .in_operation(oid),
            );
            return None;
        }
        if location == ParamLocation::Header
            && ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        {
            self.diags.push(
                Diagnostic::warning(
                    &at,
                    format!("header parameter `{name}` is ignored, as OpenAPI says it must be"),
                )
                .in_operation(oid),
            );
            return None;
        }
        let required = location == ParamLocation::Path
            || p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let style = p
            .get("style")
            .and_then(Value::as_str)
            .unwrap_or(match location {
                ParamLocation::Query | ParamLocation::Cookie => "form",
                _ => "simple",
            });
        let expected_style = if location == ParamLocation::Query {
            "form"
        } else {
            "simple"
        };
        if style != expected_style {
            self.diags.push(
                Diagnostic::warning(
                    format!("{at}/style"),
                    format!("parameter `{name}` uses style `{style}`, which is not supported: it is read and sent as `{expected_style}`"),
                )
                .in_operation(oid),
            );
        }
        let explode = p
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        let schema = match (p.get("schema"), p.get("content")) {
            (Some(s), _) => self.schema(s, &format!("{at}/schema"), Some(opid)),
            (None, Some(_)) => {
                self.diags.push(
                    Diagnostic::warning(
                        &at,
                        format!("parameter `{name}` uses `content`; it is treated as a string"),
                    )
                    .in_operation(oid),
                );
                json!({"type": "string"})
            }
            (None, None) => {
                self.diags.push(
                    Diagnostic::warning(
                        &at,
                        format!("parameter `{name}` has no schema; it is treated as a string"),
                    )
                    .in_operation(oid),
                );
                json!({"type": "string"})
            }
        };
        let schema = self.hoist(
            schema,
            &format!("{}{}", rust_type_name(opid), rust_type_name(&name)),
            hoisted,
        );
        Some(Param {
            name,
            location,
            required,
            schema,
            description: p
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            explode,
            pointer: at,
        })
    }

    fn request_body(
        &mut self,
        b: &Value,
        pointer: &str,
        opid: &str,
        hoisted: &mut Map<String, Value>,
    ) -> Option<Body> {
        let (b, at) = self.deref(b, "requestBodies", pointer, opid)?;
        let required = b.get("required").and_then(Value::as_bool).unwrap_or(false);
        let (content_type, schema) = self.pick_content(b, &at, opid)?;
        let schema = self.hoist(schema, &format!("{}Body", rust_type_name(opid)), hoisted);
        Some(Body {
            required,
            content_type,
            schema,
        })
    }

    /// Picks the JSON media type of a body; other media types are reported.
    fn pick_content(
        &mut self,
        holder: &Value,
        pointer: &str,
        opid: &str,
    ) -> Option<(String, Value)> {
        let content = holder.get("content")?.as_object()?;
        let mut chosen = None;
        for (media, entry) in content {
            let is_json = media == "application/json"
                || media.ends_with("+json")
                || media.starts_with("application/json;");
            if is_json && chosen.is_none() {
                let schema = match entry.get("schema") {
                    Some(s) => self.schema(
                        s,
                        &format!("{pointer}/content/{}/schema", escape_pointer(media)),
                        Some(opid),
                    ),
                    None => json!({}),
                };
                chosen = Some((media.clone(), schema));
            } else {
                self.diags.push(
                    Diagnostic::warning(
                        format!("{pointer}/content/{}", escape_pointer(media)),
                        format!("media type `{media}` is not generated (only JSON bodies are)"),
                    )
                    .in_operation(Some(opid)),
                );
            }
        }
        chosen
    }

    fn response(
        &mut self,
        status: &str,
        resp: &Value,
        pointer: &str,
        opid: &str,
        hoisted: &mut Map<String, Value>,
    ) -> Option<Response> {
        let spec = match status {
            "default" => StatusSpec::Default,
            s if s.len() == 3 && s[1..].eq_ignore_ascii_case("xx") => match s[..1].parse::<u8>() {
                Ok(d @ 1..=5) => StatusSpec::Range(d),
                _ => {
                    self.diags.push(
                        Diagnostic::error(pointer, format!("`{s}` is not a status code"))
                            .in_operation(Some(opid)),
                    );
                    return None;
                }
            },
            s => match s.parse::<u16>() {
                Ok(c @ 100..=599) => StatusSpec::Code(c),
                _ => {
                    self.diags.push(
                        Diagnostic::error(pointer, format!("`{s}` is not a status code"))
                            .in_operation(Some(opid)),
                    );
                    return None;
                }
            },
        };
        let (resp, at) = self.deref(resp, "responses", pointer, opid)?;
        let description = resp
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let body = self.pick_content(resp, &at, opid).map(|(media, schema)| {
            let name = format!("{}Response{}", rust_type_name(opid), status_word(spec));
            (media, self.hoist(schema, &name, hoisted))
        });
        if spec == StatusSpec::Code(204) && body.is_some() {
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
            });
        }
        Some(Response {
            status: spec,
            description,
            body,
        })
    }

    /// Moves a schema that would become a named type into the components, under `name`.
    fn hoist(&mut self, schema: Value, name: &str, hoisted: &mut Map<String, Value>) -> Value {
        if is_plain(&schema) {
            return schema;
        }
        let mut candidate = name.to_owned();
        let mut n = 2;
        let components = self
            .root
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        while hoisted.contains_key(&candidate)
            || components.is_some_and(|c| {
                c.keys()
                    .any(|k| rust_type_name(&self.renames[k]) == rust_type_name(&candidate))
            })
        {
            if hoisted.get(&candidate) == Some(&schema) {
                return json!({ "$ref": format!("#/components/schemas/{candidate}") });
            }
            candidate = format!("{name}{n}");
            n += 1;
        }
        hoisted.insert(candidate.clone(), schema);
        json!({ "$ref": format!("#/components/schemas/{candidate}") })
    }

    /// Normalizes one schema (recursively).
    fn schema(&mut self, schema: &Value, pointer: &str, opid: Option<&str>) -> Value {
        match schema {
            Value::Bool(true) => return json!({}),
            Value::Bool(false) => {
                self.diags.push(
                    Diagnostic::warning(
                        pointer,
                        "schema `false` (nothing is valid) is treated as any value",
                    )
                    .in_operation(opid),
                );
                return json!({});
            }
            Value::Object(_) => {}
            _ => {
                self.diags.push(
                    Diagnostic::error(pointer, "a schema must be an object").in_operation(opid),
                );
                return json!({});
            }
        }
        let Value::Object(src) = schema else {
            return json!({});
        };
        let mut out = src.clone();

        if let Some(reference) = out.get("$ref").cloned() {
            let reference = reference.as_str().unwrap_or_default().to_owned();
            let target = match reference.strip_prefix("#/components/schemas/") {
                Some(name) if !name.contains('/') => {
                    let name = name.replace("~1", "/").replace("~0", "~");
                    match self.renames.get(&name) {
                        Some(renamed) => Some(format!("#/components/schemas/{renamed}")),
                        None => {
                            self.diags.push(
                                Diagnostic::error(
                                    format!("{pointer}/$ref"),
                                    format!(
                                        "`{reference}` names no schema in `components.schemas`"
                                    ),
                                )
                                .in_operation(opid),
                            );
                            None
                        }
                    }
                }
                _ => {
                    self.diags.push(
                        Diagnostic::error(format!("{pointer}/$ref"), format!("`{reference}` is not supported: schema references must point to `#/components/schemas/<name>`"))
                            .in_operation(opid),
                    );
                    None
                }
            };
            out.remove("$ref");
            let Some(target) = target else {
                return json!({});
            };
            let siblings: Map<String, Value> = out
                .into_iter()
                .filter(|(k, _)| !k.starts_with("x-"))
                .collect();
            if siblings.is_empty() {
                return json!({ "$ref": target });
            }
            // Keep the siblings' meaning: `allOf` with one member is the referenced type, plus them.
            let mut wrapper = Map::new();
            wrapper.insert("allOf".into(), json!([{ "$ref": target }]));
            for (k, v) in siblings {
                wrapper.insert(k, v);
            }
            return self.schema(&Value::Object(wrapper), pointer, opid);
        }

        if self.version == OpenApiVersion::V3_1 {
            self.lower_3_1(&mut out, pointer, opid);
        } else if let Some(ex) = out.get("examples").cloned() {
            // 3.0 has no `examples` keyword in schemas; keep the first as `example`.
            out.remove("examples");
            if let Some(first) = ex.as_array().and_then(|a| a.first()) {
                out.entry("example").or_insert_with(|| first.clone());
            }
        }

        for key in ["properties", "patternProperties"] {
            if let Some(Value::Object(props)) = out.get(key).cloned() {
                let mut new = Map::new();
                for (name, s) in props {
                    let p = format!("{pointer}/{key}/{}", escape_pointer(&name));
                    new.insert(name, self.schema(&s, &p, opid));
                }
                out.insert(key.into(), Value::Object(new));
            }
        }
        if key_is_schema(out.get("additionalProperties")) {
            let p = format!("{pointer}/additionalProperties");
            let s = self.schema(&out["additionalProperties"], &p, opid);
            out.insert("additionalProperties".into(), s);
        }
        for key in ["items", "not"] {
            if let Some(s) = out.get(key).cloned() {
                if s.is_array() {
                    self.diags.push(
                        Diagnostic::error(
                            format!("{pointer}/{key}"),
                            "tuple `items` arrays are not supported",
                        )
                        .in_operation(opid),
                    );
                    out.remove(key);
                    continue;
                }
                let p = format!("{pointer}/{key}");
                out.insert(key.into(), self.schema(&s, &p, opid));
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(list)) = out.get(key).cloned() {
                let list: Vec<Value> = list
                    .iter()
                    .enumerate()
                    .map(|(i, s)| self.schema(s, &format!("{pointer}/{key}/{i}"), opid))
                    .collect();
                out.insert(key.into(), Value::Array(list));
            }
        }
        if out.get("type").and_then(Value::as_str) == Some("array") && !out.contains_key("items") {
            out.insert("items".into(), json!({}));
        }
        if out.contains_key("discriminator")
            && !out.contains_key("oneOf")
            && !out.contains_key("anyOf")
        {
            self.diags.push(
                Diagnostic::warning(
                    format!("{pointer}/discriminator"),
                    "`discriminator` without `oneOf`/`anyOf` has no effect",
                )
                .in_operation(opid),
            );
        }
        Value::Object(out)
    }

    /// Lowers OpenAPI 3.1 (JSON Schema 2020-12) forms to their OpenAPI 3.0 equivalents.
    fn lower_3_1(&mut self, out: &mut Map<String, Value>, pointer: &str, opid: Option<&str>) {
        if let Some(Value::Array(types)) = out.get("type").cloned() {
            let non_null: Vec<&Value> = types
                .iter()
                .filter(|t| t.as_str() != Some("null"))
                .collect();
            if non_null.len() < types.len() {
                out.insert("nullable".into(), Value::Bool(true));
            }
            match non_null.as_slice() {
                [] => {
                    out.remove("type");
                    out.insert("enum".into(), json!([null]));
                }
                [single] => {
                    out.insert("type".into(), (*single).clone());
                }
                many => {
                    out.remove("type");
                    let branches: Vec<Value> = many.iter().map(|t| json!({ "type": t })).collect();
                    out.insert("anyOf".into(), Value::Array(branches));
                }
            }
        } else if out.get("type").and_then(Value::as_str) == Some("null") {
            out.remove("type");
            out.insert("enum".into(), json!([null]));
            out.insert("nullable".into(), Value::Bool(true));
        }
        if let Some(c) = out.remove("const") {
            out.insert("enum".into(), json!([c]));
        }
        if let Some(ex) = out.remove("examples")
            && let Some(first) = ex.as_array().and_then(|a| a.first())
        {
            out.entry("example").or_insert_with(|| first.clone());
        }
        for (bound, exclusive) in [
            ("minimum", "exclusiveMinimum"),
            ("maximum", "exclusiveMaximum"),
        ] {
            if let Some(v) = out.get(exclusive).cloned()
                && v.is_number()
            {
                out.insert(bound.into(), v);
                out.insert(exclusive.into(), Value::Bool(true));
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(list)) = out.get(key).cloned() {
                let is_null = |s: &Value| {
                    s.get("type").and_then(Value::as_str) == Some("null")
                        || s.get("type") == Some(&json!(["null"]))
                };
                if list.iter().any(is_null) {
                    let rest: Vec<Value> = list.into_iter().filter(|s| !is_null(s)).collect();
                    out.insert("nullable".into(), Value::Bool(true));
                    if rest.len() == 1 && !out.contains_key("allOf") {
                        out.remove(key);
                        out.insert("allOf".into(), Value::Array(rest));
                    } else {
                        out.insert(key.into(), Value::Array(rest));
                    }
                }
            }
        }
        for key in [
            "$schema",
            "$id",
            "$anchor",
            "$defs",
            "prefixItems",
            "contentMediaType",
            "contentEncoding",
            "unevaluatedProperties",
            "dependentRequired",
            "if",
            "then",
            "else",
        ] {
            if out.remove(key).is_some() {
                self.diags.push(
                    Diagnostic::warning(
                        format!("{pointer}/{key}"),
                        format!("JSON Schema keyword `{key}` is not supported and is ignored"),
                    )
                    .in_operation(opid),
                );
            }
        }
    }
}

fn key_is_schema(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Object(_)))
}

/// Whether a schema maps to a built-in Rust type (so needs no named model).
pub fn is_plain(schema: &Value) -> bool {
    let Some(obj) = schema.as_object() else {
        return true;
    };
    if obj.contains_key("$ref") {
        return true;
    }
    if ["properties", "enum", "oneOf", "anyOf", "allOf", "not"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return false;
    }
    match obj.get("type").and_then(Value::as_str) {
        Some("array") => obj.get("items").is_none_or(is_plain),
        Some("object") => obj
            .get("additionalProperties")
            .is_none_or(|a| !a.is_object() || is_plain(a)),
        _ => true,
    }
}

/// The Rust type name typify gives a schema name.
pub fn rust_type_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let pascal = cleaned.to_upper_camel_case();
    if pascal.starts_with(|c: char| c.is_ascii_digit()) || pascal.is_empty() {
        format!("T{pascal}")
    } else {
        pascal
    }
}

/// Names of the `{...}` segments of a path template, in order.
pub fn path_template_names(path: &str) -> Vec<String> {
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

fn synthesize_operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        id.push_str(seg.trim_start_matches('{').trim_end_matches('}'));
    }
    id
}

/// A word for a status spec, usable in type names (`Ok`, `NotFound`, `Status418`, `Status4xx`, `Default`).
pub fn status_word(status: StatusSpec) -> String {
    match status {
        StatusSpec::Default => "Default".into(),
        StatusSpec::Range(d) => format!("Status{d}xx"),
        StatusSpec::Code(c) => match reason(c) {
            Some(r) => r.to_upper_camel_case(),
            None => format!("Status{c}"),
        },
    }
}

fn reason(code: u16) -> Option<&'static str> {
    Some(match code {
        200 => "ok",
        201 => "created",
        202 => "accepted",
        204 => "no content",
        301 => "moved permanently",
        302 => "found",
        303 => "see other",
        304 => "not modified",
        307 => "temporary redirect",
        308 => "permanent redirect",
        400 => "bad request",
        401 => "unauthorized",
        402 => "payment required",
        403 => "forbidden",
        404 => "not found",
        405 => "method not allowed",
        406 => "not acceptable",
        408 => "request timeout",
        409 => "conflict",
        410 => "gone",
        412 => "precondition failed",
        413 => "payload too large",
        415 => "unsupported media type",
        422 => "unprocessable entity",
        429 => "too many requests",
        500 => "internal server error",
        501 => "not implemented",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => return None,
    })
}
