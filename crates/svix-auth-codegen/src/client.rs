//! Client: drives progenitor over a view of the normalized document that it can digest, pointing
//! it at the shared models, and adds the generated operation table that types error bodies by
//! status code (progenitor allows one error type per operation; Svix documents have two).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result, catch_backend};
use crate::models::ModelNames as Models;
use crate::names::{doc_attrs, method_name};
use crate::normalize::{Api, Operation, ParamLocation, StatusSpec};

/// Generated client code: progenitor's module and our operation table.
pub struct ClientCode {
    /// progenitor's output.
    pub progenitor: TokenStream,
    /// The operation table and status-keyed error decoding.
    pub operations: TokenStream,
}

/// Generates the client for `api`, whose models live in crate `models_crate`.
pub fn generate(api: &Api, models: &Models, models_crate: &str) -> Result<ClientCode> {
    let view = progenitor_view(api)?;
    let spec: openapiv3::OpenAPI = serde_json::from_value(view).map_err(|e| Error::Backend {
        stage: "openapiv3",
        operation: None,
        message: format!("the normalized document does not parse: {e}"),
    })?;
    let mut settings = progenitor_impl::GenerationSettings::new();
    settings.with_interface(progenitor_impl::InterfaceStyle::Positional);
    for rust in models.rust_names() {
        settings.with_replacement(rust, format!("{models_crate}::{rust}"), std::iter::empty());
    }
    let progenitor = catch_backend("progenitor", None, move || {
        let mut generator = progenitor_impl::Generator::new(&settings);
        generator
            .generate_tokens(&spec)
            .map_err(|e| Error::Backend {
                stage: "progenitor",
                operation: None,
                message: e.to_string(),
            })
    })?;
    let mut operations = operation_table(api, models, models_crate);
    let success = success_types(api, models);
    if !success.is_empty() {
        let models_ident = format_ident!("{}", models_crate);
        operations.extend(quote! {
            #[allow(unused_imports)]
            use #models_ident as models;
            #success
        });
    }
    Ok(ClientCode {
        progenitor,
        operations,
    })
}

/// progenitor alone on the same normalized document (its own types, no shared models, no
/// operation table): the baseline `cargo xtask bench` compares the whole pipeline with.
pub fn progenitor_baseline(api: &Api) -> Result<TokenStream> {
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(progenitor_view(api)?).map_err(|e| Error::Backend {
            stage: "openapiv3",
            operation: None,
            message: format!("the normalized document does not parse: {e}"),
        })?;
    catch_backend("progenitor", None, move || {
        let settings = progenitor_impl::GenerationSettings::new();
        progenitor_impl::Generator::new(&settings)
            .generate_tokens(&spec)
            .map_err(|e| Error::Backend {
                stage: "progenitor",
                operation: None,
                message: e.to_string(),
            })
    })
}

/// The document progenitor sees: resolved parameters, error bodies loosened to any JSON (the
/// operation table types them by status), string constraints on parameters left to the server.
pub fn progenitor_view(api: &Api) -> Result<Value> {
    let mut paths = Map::new();
    for op in &api.operations {
        let mut o = Map::new();
        o.insert("operationId".into(), json!(op.id));
        if let Some(s) = &op.summary {
            o.insert("summary".into(), json!(s));
        }
        if let Some(d) = &op.description {
            o.insert("description".into(), json!(d));
        }
        if op.deprecated {
            o.insert("deprecated".into(), json!(true));
        }
        if !op.tags.is_empty() {
            o.insert("tags".into(), json!(op.tags));
        }
        let params: Vec<Value> = op
            .params
            .iter()
            .map(|p| {
                let mut schema = p.schema.clone();
                if let Some(obj) = schema.as_object_mut() {
                    for k in ["pattern", "minLength", "maxLength"] {
                        obj.remove(k);
                    }
                }
                let mut v = json!({ "name": p.name, "in": p.location.as_str(), "required": p.required, "schema": schema });
                if let Some(d) = &p.description {
                    v["description"] = json!(d);
                }
                if p.location == ParamLocation::Query {
                    v["explode"] = json!(p.explode);
                }
                v
            })
            .collect();
        o.insert("parameters".into(), Value::Array(params));
        if let Some(b) = &op.body {
            o.insert("requestBody".into(), json!({ "required": b.required, "content": { b.content_type.clone(): { "schema": b.schema } } }));
        }
        let successes: Vec<_> = op
            .responses
            .iter()
            .filter(|r| r.status.is_success())
            .collect();
        // progenitor allows one success type: with several, it gets raw bytes and the generated
        // `<Operation>Success::decode` types them by status.
        let multi_success = has_several_success_bodies(op);
        let mut responses = Map::new();
        for r in &op.responses {
            let mut v = json!({ "description": r.description });
            if r.status.is_success() && multi_success {
                v["content"] = json!({ "application/octet-stream": {} });
            } else if let Some((media, schema)) = &r.body {
                let schema = if r.status.is_success() {
                    schema.clone()
                } else {
                    json!({})
                };
                v["content"] = json!({ media.clone(): { "schema": schema } });
            }
            if r.status == StatusSpec::Default && !successes.is_empty() {
                // progenitor reads `default` as a possible success too, and orders ranges before
                // codes; with documented successes `default` only means "other errors", which
                // progenitor then hands over as `UnexpectedResponse` and `ErrorBody::decode`
                // still types by this table.
                continue;
            }
            responses.insert(status_key(r.status), v);
        }
        o.insert("responses".into(), Value::Object(responses));
        let entry = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        entry[op.method.as_str()] = Value::Object(o);
    }
    let mut info = json!({ "title": api.title, "version": api.version });
    if let Some(d) = &api.description {
        info["description"] = json!(d);
    }
    Ok(json!({
        "openapi": "3.0.3",
        "info": info,
        "paths": paths,
        "components": { "schemas": api.schemas },
    }))
}

/// Whether an operation's success responses carry different bodies (or some none).
pub fn has_several_success_bodies(op: &Operation) -> bool {
    let distinct: std::collections::BTreeSet<String> = op
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .map(|r| {
            r.body
                .as_ref()
                .map(|(_, s)| s.to_string())
                .unwrap_or_default()
        })
        .collect();
    distinct.len() > 1
}

/// `<Operation>Success` enums for operations with several success bodies.
fn success_types(api: &Api, models: &Models) -> TokenStream {
    let paths = crate::models::TypePaths {
        chrono: quote! { ::chrono },
        json_value: quote! { ::serde_json::Value },
    };
    let mut items = Vec::new();
    for op in api
        .operations
        .iter()
        .filter(|op| has_several_success_bodies(op))
    {
        let name = format_ident!("{}Success", crate::names::operation_type_prefix(&op.id));
        let doc = format!(
            "The documented success answers of `{}`, typed by status (progenitor hands them over as bytes).",
            op.id
        );
        let mut variants = Vec::new();
        let mut exact = Vec::new();
        let mut ranges = Vec::new();
        for r in op.responses.iter().filter(|r| r.status.is_success()) {
            let variant = format_ident!("{}", crate::normalize::status_word(r.status));
            let vdoc = format!("{}: {}", status_key(r.status), r.description);
            match (r.status, &r.body) {
                (StatusSpec::Code(c), Some((_, schema))) => {
                    let ty = models.rust_type(schema, &paths);
                    variants.push(quote! { #[doc = #vdoc] #variant(#ty), });
                    exact.push(quote! { #c => ::serde_json::from_slice(body).map(Self::#variant).map_err(|e| e.to_string()), });
                }
                (StatusSpec::Code(c), None) => {
                    variants.push(quote! { #[doc = #vdoc] #variant, });
                    exact.push(quote! { #c => Ok(Self::#variant), });
                }
                (_, Some((_, schema))) => {
                    let ty = models.rust_type(schema, &paths);
                    variants.push(quote! { #[doc = #vdoc] #variant(u16, #ty), });
                    ranges.push(quote! { 200..=299 => ::serde_json::from_slice(body).map(|b| Self::#variant(status, b)).map_err(|e| e.to_string()), });
                }
                (_, None) => {
                    variants.push(quote! { #[doc = #vdoc] #variant(u16), });
                    ranges.push(quote! { 200..=299 => Ok(Self::#variant(status)), });
                }
            }
        }
        items.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            #[allow(clippy::large_enum_variant)] // decoded once, matched once
            pub enum #name { #(#variants)* }

            impl #name {
                /// Types a success body by its status; an undocumented status or a body that does
                /// not match its schema is an error with the reason.
                pub fn decode(status: u16, body: &[u8]) -> Result<Self, String> {
                    match status {
                        #(#exact)*
                        #(#ranges)*
                        other => Err(format!("status {other} is not a documented success")),
                    }
                }
            }
        });
    }
    quote! { #(#items)* }
}

fn status_key(s: StatusSpec) -> String {
    match s {
        StatusSpec::Code(c) => c.to_string(),
        StatusSpec::Range(d) => format!("{d}XX"),
        StatusSpec::Default => "default".into(),
    }
}

/// `Operation` enum, and `ErrorBody` with `ErrorBody::decode(operation, status, value)`.
fn operation_table(api: &Api, models: &Models, models_crate: &str) -> TokenStream {
    let models_crate = format_ident!("{}", models_crate);
    // Distinct error body types across the document.
    let mut error_types: Vec<String> = Vec::new();
    for op in &api.operations {
        for r in op.responses.iter().filter(|r| !r.status.is_success()) {
            if let Some(name) = r
                .body
                .as_ref()
                .and_then(|(_, s)| ref_name(s))
                .and_then(|n| models.rust_name(&n))
                && !error_types.iter().any(|t| t == name)
            {
                error_types.push(name.to_owned());
            }
        }
    }
    let variants: Vec<_> = error_types.iter().map(|t| format_ident!("{}", t)).collect();
    let variant_docs: Vec<String> = error_types
        .iter()
        .map(|t| format!("A documented `{t}` body."))
        .collect();

    let op_variants: Vec<_> = api
        .operations
        .iter()
        .map(|op| {
            format_ident!(
                "{}",
                heck::ToUpperCamelCase::to_upper_camel_case(method_name(&op.id).as_str())
            )
        })
        .collect();
    let op_ids: Vec<_> = api.operations.iter().map(|op| op.id.as_str()).collect();
    let op_docs: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| {
            doc_attrs(&format!(
                "`{}` {} `{}`",
                op.id,
                op.method.to_uppercase(),
                op.path
            ))
        })
        .collect();
    let methods: Vec<_> = api
        .operations
        .iter()
        .map(|op| op.method.to_uppercase())
        .collect();
    let paths: Vec<_> = api.operations.iter().map(|op| op.path.as_str()).collect();

    let decode_arms: Vec<TokenStream> = api
        .operations
        .iter()
        .zip(&op_variants)
        .map(|(op, variant)| {
            let arms = error_arms(op, models, &error_types);
            {
                let fallback = if op.responses.iter().any(|r| r.status == StatusSpec::Default) {
                    quote!()
                } else {
                    quote! { _ => ErrorBody::Other(body), }
                };
                if arms.is_empty() {
                    quote! { Operation::#variant => { let _ = status; ErrorBody::Other(body) } }
                } else {
                    quote! { Operation::#variant => match status { #(#arms)* #fallback }, }
                }
            }
        })
        .collect();
    let decode_body = if api.operations.is_empty() {
        quote! { let _ = (operation, status); ErrorBody::Other(body) }
    } else {
        quote! { match operation { #(#decode_arms)* } }
    };

    quote! {
        /// Every operation of the API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation {
            #( #op_docs #op_variants, )*
        }

        impl Operation {
            /// All operations, in document order.
            pub const ALL: &'static [Operation] = &[#(Operation::#op_variants),*];

            /// The `operationId`.
            pub fn id(self) -> &'static str {
                match self { #(Operation::#op_variants => #op_ids,)* }
            }

            /// The HTTP method.
            pub fn method(self) -> &'static str {
                match self { #(Operation::#op_variants => #methods,)* }
            }

            /// The path template.
            pub fn path(self) -> &'static str {
                match self { #(Operation::#op_variants => #paths,)* }
            }
        }

        /// An error response body, typed by the schema the document gives the operation's status.
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)] // decoded once, matched once
        pub enum ErrorBody {
            #( #[doc = #variant_docs] #variants(#models_crate::#variants), )*
            /// A status the document does not describe, or a body that does not match its schema.
            Other(::serde_json::Value),
        }

        impl ErrorBody {
            /// Types `body` by the schema documented for `status` on `operation` (not by guessing).
            pub fn decode(operation: Operation, status: u16, body: ::serde_json::Value) -> Self {
                #decode_body
            }
        }

        #[allow(dead_code)]
        fn typed<T: ::serde::de::DeserializeOwned>(body: ::serde_json::Value, wrap: fn(T) -> ErrorBody) -> ErrorBody {
            match ::serde_json::from_value::<T>(body.clone()) {
                Ok(value) => wrap(value),
                Err(_) => ErrorBody::Other(body),
            }
        }
    }
}

fn error_arms(op: &Operation, models: &Models, types: &[String]) -> Vec<TokenStream> {
    let mut exact = Vec::new();
    let mut ranges = Vec::new();
    let mut default = None;
    for r in op.responses.iter().filter(|r| !r.status.is_success()) {
        let name = r
            .body
            .as_ref()
            .and_then(|(_, s)| ref_name(s))
            .and_then(|n| models.rust_name(&n))
            .filter(|n| types.iter().any(|t| t == n));
        let value = match name {
            Some(n) => {
                let variant = format_ident!("{}", n);
                quote! { typed(body, ErrorBody::#variant) }
            }
            None => quote! { ErrorBody::Other(body) },
        };
        match r.status {
            StatusSpec::Code(c) => exact.push(quote! { #c => #value, }),
            StatusSpec::Range(d) => {
                let lo = u16::from(d) * 100;
                let hi = lo + 99;
                ranges.push(quote! { #lo..=#hi => #value, });
            }
            StatusSpec::Default => default = Some(quote! { _ => #value, }),
        }
    }
    exact.extend(ranges);
    exact.extend(default);
    exact
}

/// The component name a `$ref` schema points to.
pub fn ref_name(schema: &Value) -> Option<String> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
}
