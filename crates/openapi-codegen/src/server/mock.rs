//! The mock of a generated server (feature `mock` of the server crate): `Mock`, an implementation
//! of the `Api` trait answering from the document through the runtime's `rt::mock::Engine`, and
//! `mock.json`, the answers it embeds — each operation's responses with their schemas (as JSON
//! Schema, components beside them) and their media types' named examples.
//!
//! Operation `i`'s response `j` has its schema at `#/definitions/op{i}r{j}`, its header `k`'s at
//! `#/definitions/op{i}r{j}h{k}`, and its JSON request body's at `#/definitions/op{i}b`; the
//! generated code and the engine agree on those numbers (document order).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value, json};

use crate::ir::{Api, Kind, MediaKind, Operation, Schema};
use crate::load::OpenApiVersion;
use crate::models::to_value_schema;
use crate::naming::{method_name, operation_type_prefix};
use crate::status::Status;

/// The mock module's code and its answers file.
pub(crate) struct MockCode {
    /// `pub mod mock { … }`, compiled only with the crate's `mock` feature.
    pub module: TokenStream,
    /// `mock.json`, beside the generated code.
    pub answers: String,
}

/// The mock of `api`; `signatures[i]` is operation `i`'s trait method arguments (after `&self`)
/// and whether they hold credentials (`auth`).
pub(crate) fn generate(api: &Api, signatures: &[(TokenStream, bool)], command: &str) -> MockCode {
    let methods = api
        .operations
        .iter()
        .zip(signatures)
        .enumerate()
        .map(|(i, (op, (signature, has_auth)))| method(i, op, signature, *has_auth));
    let module = quote! {
        /// A mock of this API (feature `mock`): every operation answers the document's example,
        /// or a value synthesized from its schema and checked against it, through the same
        /// router (requests are validated and credentials required as the document says).
        ///
        /// The response is the lowest documented 2xx unless the request's `Prefer` header asks
        /// for another: `Prefer: code=404`, `Prefer: example=<name>`, `Prefer: dynamic=true`
        /// (a fresh random value). A test serves it in one line with [`mock::serve`].
        #[cfg(feature = "mock")]
        pub mod mock {
            use super::*;

            /// The document's answers: each operation's responses, schemas and examples.
            pub const ANSWERS: &str = include_str!("mock.json");

            static ENGINE: ::std::sync::LazyLock<rt::mock::Engine> =
                ::std::sync::LazyLock::new(|| rt::mock::Engine::new(ANSWERS, 0));

            /// The mock implementation of [`Api`].
            #[derive(Debug, Clone)]
            pub struct Mock {
                engine: rt::mock::Engine,
            }

            impl Mock {
                /// A mock whose synthesized answers come from seed 0.
                pub fn new() -> Self {
                    Self::with_seed(0)
                }

                /// A mock whose synthesized answers come from `seed` (the same seed, the same
                /// answers).
                pub fn with_seed(seed: u64) -> Self {
                    Self { engine: ENGINE.with_seed(seed) }
                }

                /// This mock accepting only these credential secrets (bearer tokens, API keys,
                /// Basic passwords); another gets the operation's documented 401. Without it,
                /// any credential is accepted (the router still requires one where the document
                /// does).
                pub fn with_credentials<I, S>(self, secrets: I) -> Self
                where
                    I: IntoIterator<Item = S>,
                    S: Into<String>,
                {
                    Self { engine: self.engine.with_credentials(secrets) }
                }
            }

            impl Default for Mock {
                fn default() -> Self {
                    Self::new()
                }
            }

            /// The router serving `mock`, with the mock's layer around it (`Prefer`, CORS, a log
            /// line per request).
            pub fn router(mock: Mock) -> axum::Router {
                let engine = mock.engine.clone();
                rt::mock::layer(super::router(Arc::new(mock)), engine)
            }

            /// [`router`] with `options`.
            pub fn router_with_options(mock: Mock, options: rt::RouterOptions) -> axum::Router {
                let engine = mock.engine.clone();
                rt::mock::layer(super::router_with_options(Arc::new(mock), options), engine)
            }

            /// The mock served on a free port of 127.0.0.1 until the returned server is dropped;
            /// point a client at its [`url`](rt::mock::MockServer::url).
            pub async fn serve() -> ::std::io::Result<rt::mock::MockServer> {
                rt::mock::MockServer::start(router(Mock::new()), "127.0.0.1:0").await
            }

            #[allow(unused_variables, clippy::match_single_binding)]
            impl Api for Mock {
                #(#methods)*
            }
        }
    };
    MockCode {
        module,
        answers: answers(api, command),
    }
}

/// `op`'s method: choose a response, then build its variant from the engine's body (`R` is the
/// operation's response enum; `refused` turns the engine's refusal into its `Undocumented`).
fn method(index: usize, op: &Operation, signature: &TokenStream, has_auth: bool) -> TokenStream {
    let method = format_ident!("{}", method_name(&op.id));
    let response_ty = format_ident!("{}Response", operation_type_prefix(&op.id));
    let choose = if has_auth {
        quote! { self.engine.choose_for(#index, &auth) }
    } else {
        quote! { self.engine.choose(#index) }
    };
    let arms = op.responses.iter().enumerate().map(|(j, r)| {
        let j = proc_macro2::Literal::usize_unsuffixed(j);
        let variant = format_ident!("{}", r.status.word());
        let ranged = !matches!(r.status, Status::Code(_));
        let body = match &r.body {
            Some(b) if b.kind == MediaKind::Text => Some(quote! { self.engine.text(&c) }),
            Some(b) if !b.is_json() => {
                Some(quote! { Ok::<_, rt::mock::Refusal>(self.engine.raw(&c)) })
            }
            Some(_) => Some(quote! { self.engine.json(&c) }),
            None => None,
        };
        let prefix = operation_type_prefix(&op.id);
        let Some(ty) = super::headers::headers_type(&prefix, r) else {
            return match (body, ranged) {
                (Some(body), false) => {
                    quote! { Ok((#j, c)) => #body.map_or_else(refused, R::#variant), }
                }
                (Some(body), true) => quote! {
                    Ok((#j, c)) => #body.map_or_else(refused, |body| R::#variant(c.status(), body)),
                },
                (None, true) => quote! { Ok((#j, c)) => R::#variant(c.status()), },
                (None, false) => quote! { Ok((#j, _)) => R::#variant, },
            };
        };
        // With documented headers: the body and each header from the engine, or its refusal.
        let headers = super::headers::mock_headers(r, &ty);
        let variant = super::headers::headed_variant(r);
        let fields = match (body, ranged) {
            (Some(body), false) => quote! { #body?, #headers },
            (Some(body), true) => quote! { c.status(), #body?, #headers },
            (None, true) => quote! { c.status(), #headers },
            (None, false) => quote! { #headers },
        };
        // Nothing that can refuse (no body, optional headers only): the variant itself.
        if r.body.is_none() && !super::headers::carries_required(r) {
            return quote! { Ok((#j, c)) => R::#variant(#fields), };
        }
        quote! {
            Ok((#j, c)) => (|| Ok::<_, rt::mock::Refusal>(R::#variant(#fields)))()
                .unwrap_or_else(refused),
        }
    });
    quote! {
        async fn #method(&self, #signature) -> #response_ty {
            use #response_ty as R;
            let refused = rt::mock::refused(R::Undocumented);
            match #choose.map(|c| (c.response(), c)) {
                Err(r) => refused(r),
                #(#arms)*
                Ok((_, c)) => R::Undocumented(c.status(), Value::Null),
            }
        }
    }
}

/// Whether every integer above `i64::MAX` is valid for `schema` (an integer, or a list of them,
/// without a maximum, a sized `format`, `multipleOf`, `enum` or `const`), `$ref`s to components
/// followed: what the router reads as `i64` but the document allows beyond it.
fn any_integer(api: &Api, schema: &Schema, depth: usize) -> bool {
    let s = api.resolve(schema);
    match s.kind {
        Some(Kind::Array) => {
            depth < 8
                && s.items
                    .as_deref()
                    .is_some_and(|i| any_integer(api, i, depth + 1))
        }
        Some(Kind::Integer) => {
            // `int32`, `int64`, `uint8`, …: the format bounds it.
            let sized = s
                .format
                .as_deref()
                .is_some_and(|f| f.starts_with("int") || f.starts_with("uint"));
            !sized && s.maximum.is_none() && s.multiple_of.is_none() && s.enumeration.is_none()
        }
        _ => false,
    }
}

/// Makes the range an integer `format` implies (`int32`, `int64`, `uint32`, …) explicit as
/// `minimum`/`maximum` in every schema under `value`, so the mock's validator (which knows no
/// such formats) refuses and never answers a value outside it, as a typed client reads it.
/// `float` bounds nothing here: a value beyond single precision is valid for the document, and
/// refused by the router only because `f32` cannot hold it (the mock answers it; its own
/// answers stay within single precision).
fn format_bounds(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let integer = match map.get("type") {
                Some(Value::String(t)) => t == "integer",
                Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                _ => false,
            };
            let range: Option<(i128, i128)> = match map.get("format").and_then(Value::as_str) {
                _ if !integer => None,
                Some("int8") => Some((i8::MIN.into(), i8::MAX.into())),
                Some("int16") => Some((i16::MIN.into(), i16::MAX.into())),
                Some("int32") => Some((i32::MIN.into(), i32::MAX.into())),
                Some("int64") => Some((i64::MIN.into(), i64::MAX.into())),
                Some("uint8") => Some((0, u8::MAX.into())),
                Some("uint16") => Some((0, u16::MAX.into())),
                Some("uint32") => Some((0, u32::MAX.into())),
                Some("uint64") => Some((0, u64::MAX.into())),
                _ => None,
            };
            if let Some((low, high)) = range {
                let number = |n: i128| {
                    i64::try_from(n)
                        .map(Value::from)
                        .or_else(|_| u64::try_from(n).map(Value::from))
                        .unwrap_or(Value::Null)
                };
                map.entry("minimum").or_insert_with(|| number(low));
                map.entry("maximum").or_insert_with(|| number(high));
            }
            // Values, not schemas, under these: left as written.
            const DATA: &[&str] = &["example", "examples", "default", "enum", "const"];
            map.iter_mut()
                .filter(|(k, _)| !DATA.contains(&k.as_str()))
                .for_each(|(_, v)| format_bounds(v));
        }
        Value::Array(items) => items.iter_mut().for_each(format_bounds),
        _ => {}
    }
}

/// `mock.json`: the components, each response's schema and each operation's responses.
fn answers(api: &Api, command: &str) -> String {
    let mut definitions = Map::new();
    let mut operations = Vec::new();
    for (i, op) in api.operations.iter().enumerate() {
        let mut responses = Vec::new();
        for (j, r) in op.responses.iter().enumerate() {
            let (kind, media, examples) = match &r.body {
                Some(b) => {
                    let kind = match b.kind {
                        MediaKind::Json => "json",
                        MediaKind::Text => "text",
                        _ => "binary",
                    };
                    // An XML body's schema too: the mock writes its values as XML.
                    let schema = if b.is_json()
                        || b.kind == MediaKind::Text
                        || crate::media::is_xml_media_type(&b.media_type)
                    {
                        to_value_schema(&b.schema.json)
                    } else {
                        json!({})
                    };
                    definitions.insert(format!("op{i}r{j}"), schema);
                    let examples: Vec<Value> =
                        b.examples.iter().map(|(n, v)| json!([n, v])).collect();
                    (kind, b.media_type.as_str(), examples)
                }
                None => ("empty", "", Vec::new()),
            };
            let headers: Vec<Value> = r
                .headers
                .iter()
                .enumerate()
                .map(|(k, h)| {
                    definitions.insert(format!("op{i}r{j}h{k}"), to_value_schema(&h.schema.json));
                    json!({ "name": h.name, "required": h.required, "examples": h.examples })
                })
                .collect();
            let mut response = json!({
                "status": r.status.key(),
                "kind": kind,
                "media": media,
                "examples": examples,
            });
            // Only where there are any, so documents without response headers embed what
            // they did before.
            if !headers.is_empty() {
                response["headers"] = Value::Array(headers);
            }
            // The XML media types offered beside the body's, each schema at `op{i}r{j}a{k}`:
            // answered to a request whose `Accept` prefers one.
            let alternatives: Vec<Value> = r
                .body
                .iter()
                .flat_map(|b| &b.xml_alternatives)
                .enumerate()
                .map(|(k, (media, schema))| {
                    definitions.insert(format!("op{i}r{j}a{k}"), to_value_schema(&schema.json));
                    json!(media)
                })
                .collect();
            if !alternatives.is_empty() {
                response["alternatives"] = Value::Array(alternatives);
            }
            responses.push(response);
        }
        let mut operation = json!({
            "id": op.id,
            "method": op.method,
            "path": op.path,
            "responses": responses,
        });
        // A JSON request body's schema, which the mock checks requests against as the
        // document writes it (exactly one `oneOf` branch, …) beyond what the Rust types check.
        if let Some(b) = op.body.as_ref().filter(|b| b.kind == MediaKind::Json) {
            let body = to_value_schema(&b.schema.json);
            definitions.insert(
                format!("op{i}b"),
                super::discriminators::by_discriminator(api, &body),
            );
            let media: Vec<&str> = b
                .accepted
                .iter()
                .filter(|(_, kind)| *kind == MediaKind::Json)
                .map(|(m, _)| m.as_str())
                .collect();
            operation["body"] = json!({ "media": media });
        }
        // Parameters any large integer is valid for, which the router reads as `i64`: the
        // mock answers a request it refused only for holding a larger one.
        let wide: Vec<Value> = op
            .params
            .iter()
            .filter(|p| any_integer(api, &p.schema, 0))
            .map(|p| json!([p.location.as_str(), p.name]))
            .collect();
        if !wide.is_empty() {
            operation["wide"] = Value::Array(wide);
        }
        operations.push(operation);
    }
    let components: Map<String, Value> = api
        .schemas
        .iter()
        .map(|(name, schema)| (name.clone(), to_value_schema(&schema.json)))
        .collect();
    let mut definitions = Value::Object(definitions);
    let mut components = Value::Object(components);
    format_bounds(&mut definitions);
    format_bounds(&mut components);
    let document = json!({
        "@generated": format!("by `{command}`. Do not edit by hand: change the OpenAPI document or the generator and run it again."),
        "openapi": match api.openapi {
            OpenApiVersion::V3_0 => "3.0",
            OpenApiVersion::V3_1 => "3.1",
        },
        "definitions": definitions,
        "components": { "schemas": components },
        "operations": operations,
    });
    let mut document = document;
    // Only where there are any, so documents whose servers have no path embed what they did.
    let bases = base_paths(api);
    if !bases.is_empty() {
        document["base_paths"] = json!(bases);
    }
    let mut text = document.to_string();
    text.push('\n');
    text
}

/// The paths of the document's servers (`https://host/api/v3` → `/api/v3`; a relative server
/// URL as it is; variables at their defaults), without a trailing `/`: the mock also serves
/// each operation under them, where a client configured with the server's URL sends it.
fn base_paths(api: &Api) -> Vec<String> {
    let urls = api
        .servers
        .iter()
        .map(String::as_str)
        .chain(api.relative_server.as_deref());
    let mut out: Vec<String> = Vec::new();
    for url in urls {
        let path = match url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
            None => url,
        };
        let path = path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        if path.starts_with('/') && !path.contains('{') && !out.iter().any(|p| p == path) {
            out.push(path.to_owned());
        }
    }
    out
}
