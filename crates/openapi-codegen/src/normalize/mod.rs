//! Normalization: turns a loaded OpenAPI 3.0/3.1 document into the typed [`Api`] every backend
//! digests. One job per module:
//! - [`operations`]: walks paths, follows `$ref`s to parameters, bodies and responses, merges
//!   path-level parameters, reads security requirements;
//! - [`schema`]: normalizes schemas (`$ref` siblings kept through `allOf`, arrays given `items`);
//! - [`lower`]: lowers OpenAPI 3.1 (JSON Schema 2020-12) forms to their 3.0 equivalents;
//! - [`rename`]: renames colliding schema names and operationIds deterministically, and hoists
//!   inline schemas that would become named types into the components, so models are defined
//!   once and shared by client and server.
//!
//! Nothing is edited in the input and no meaning is dropped silently: everything that cannot be
//! expressed is a [`Diagnostic`] naming the pointer and the operation.

mod headers;
mod lower;
mod operations;
mod params;
mod paths;
mod rename;
mod schema;
mod security;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::error::{Diagnostic, Error, Result, Severity, escape_pointer};
use crate::ir::{Api, Schema, ServerVariable};
use crate::load::{Loaded, OpenApiVersion};

/// Where the walk is inside one operation.
struct At<'o> {
    /// The operationId.
    id: &'o str,
}

/// Normalizes a loaded document. Errors carry every problem found, not just the first.
pub(crate) fn normalize(loaded: &Loaded) -> Result<Api> {
    let mut n = Normalizer {
        root: &loaded.document,
        version: loaded.version,
        diags: Vec::new(),
        renames: BTreeMap::new(),
        component_rust_names: std::collections::BTreeSet::new(),
        hoisted: Map::new(),
        hoisted_pointers: IndexMap::new(),
        by_pointer: BTreeMap::new(),
        by_pointer_names: std::collections::BTreeSet::new(),
        schemes: Vec::new(),
    };
    let mut api = n.run();
    let (errors, warnings): (Vec<_>, Vec<_>) = n
        .diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    if errors.is_empty() {
        api.warnings = warnings;
        Ok(api)
    } else {
        Err(Error::Invalid(errors))
    }
}

/// Absolute server URLs, the first one's template, and the first relative URL.
type Servers = (
    Vec<String>,
    Option<(String, Vec<ServerVariable>)>,
    Option<String>,
);

/// The walk's state: the document, what was found, and what was renamed or hoisted so far.
struct Normalizer<'a> {
    root: &'a Value,
    version: OpenApiVersion,
    diags: Vec<Diagnostic>,
    /// Component schema name → collision-free name.
    renames: BTreeMap<String, String>,
    /// The Rust names of the (renamed) components, for collision checks in O(1).
    component_rust_names: std::collections::BTreeSet<String>,
    /// Inline schemas moved into the components, by their new names.
    hoisted: Map<String, Value>,
    /// Where each hoisted schema was written.
    hoisted_pointers: IndexMap<String, String>,
    /// Schemas referenced outside `components.schemas`, by pointer → their component name.
    by_pointer: BTreeMap<String, String>,
    /// The names of `by_pointer`, taken from the moment they are given: a schema being
    /// normalized under one may refer to a schema inside it, whose name must differ.
    by_pointer_names: std::collections::BTreeSet<String>,
    /// `components.securitySchemes`, read before the operations that require them.
    schemes: Vec<crate::ir::SecurityScheme>,
}

impl Normalizer<'_> {
    /// The absolute server URLs (`servers[].url`, variables at their defaults; relative ones
    /// are reported), and the first server's template with its variables.
    fn servers(&mut self) -> Servers {
        let mut urls = Vec::new();
        let mut template = None;
        let mut relative = None;
        let Some(servers) = self.root.get("servers").and_then(Value::as_array) else {
            return (urls, template, relative);
        };
        for (i, server) in servers.iter().enumerate() {
            let Some(url) = server.get("url").and_then(Value::as_str) else {
                continue;
            };
            let variables = self.server_variables(server, i);
            let mut resolved = url.to_owned();
            for v in &variables {
                resolved = resolved.replace(&format!("{{{}}}", v.name), &v.default);
            }
            let absolute = resolved.starts_with("https://") || resolved.starts_with("http://");
            if absolute && !resolved.contains('{') {
                if i == 0 && !variables.is_empty() {
                    template = Some((url.trim_end_matches('/').to_owned(), variables));
                }
                urls.push(resolved.trim_end_matches('/').to_owned());
            } else if resolved.contains('{') {
                self.diags.push(Diagnostic::warning(
                    format!("/servers/{i}/url"),
                    format!("server `{url}` names a variable that `variables` does not define: clients do not default to it (set one with `.server_url(…)`)"),
                ));
            } else {
                if relative.is_none() && !resolved.contains("://") {
                    relative = Some(format!("/{}", resolved.trim_matches('/')));
                }
                self.diags.push(Diagnostic::warning(
                    format!("/servers/{i}/url"),
                    format!("server `{url}` is relative to where the document is served: clients do not default to it (name the origin with `.server_origin(…)`, or give the whole URL with `.server_url(…)`)"),
                ));
            }
        }
        (urls, template, relative)
    }

    /// The variables of `servers[i]`; one without a string `default` is reported and left out.
    fn server_variables(&mut self, server: &Value, i: usize) -> Vec<ServerVariable> {
        let Some(vars) = server.get("variables").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, var) in vars {
            let text = |v: &Value| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            let Some(default) = var.get("default").and_then(text) else {
                self.diags.push(Diagnostic::warning(
                    format!("/servers/{i}/variables/{}", escape_pointer(name)),
                    format!("server variable `{name}` has no `default`: the server is not a client default"),
                ));
                continue;
            };
            out.push(ServerVariable {
                name: name.clone(),
                default,
                allowed: var
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(text).collect())
                    .unwrap_or_default(),
                description: var
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
        out
    }

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
        let mut schema_pointers = IndexMap::new();
        if let Some(components) = root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in components {
                let pointer = format!("/components/schemas/{}", escape_pointer(name));
                let normalized = self.schema(schema, &pointer, None);
                schemas.insert(self.renames[name].clone(), normalized);
                schema_pointers.insert(self.renames[name].clone(), pointer);
            }
        } else if let Some(other) = root.pointer("/components/schemas")
            && !other.is_object()
        {
            self.diags.push(Diagnostic::error(
                "/components/schemas",
                "`components.schemas` must be an object",
            ));
        }

        let (servers, server_template, relative_server) = self.servers();
        self.schemes = self.security_schemes();
        let mut operations = self.paths();
        self.resolve_duplicate_ids(&mut operations);
        for (name, schema) in std::mem::take(&mut self.hoisted) {
            schemas.insert(name, schema);
        }
        schema_pointers.extend(std::mem::take(&mut self.hoisted_pointers));
        let schemas: IndexMap<String, Schema> = schemas
            .iter()
            .map(|(name, json)| (name.clone(), Schema::from_json(json)))
            .collect();
        Api {
            openapi: self.version,
            title,
            version,
            description: text(info, "description"),
            servers,
            server_template,
            relative_server,
            security_schemes: std::mem::take(&mut self.schemes),
            operations,
            schemas,
            schema_pointers,
            warnings: Vec::new(),
        }
    }
}
