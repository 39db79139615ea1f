//! Client backend: drives progenitor over a view of the IR that it can digest, pointing it at the
//! shared models ([`progenitor_view`]), and adds our operation table ([`operations`]), which types
//! error bodies by status code (progenitor allows one error type per operation; Svix documents
//! have two) and success bodies of operations with several.

mod bodies;
mod credentials;
mod extra;
mod facade;
mod operations;
mod setters;

pub(crate) use credentials::setter_names;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value, json};

use crate::error::{Degradation, Diagnostic, Error, Result, catch_backend};
use crate::ir::{Api, ParamLocation};
use crate::models::ModelNames;
use crate::status::Status;

/// Generated client code: progenitor's module and our operation table.
pub(crate) struct ClientCode {
    /// progenitor's output.
    pub progenitor: TokenStream,
    /// Source its formatted text starts with (the `builder_setter!` macro), or nothing.
    pub progenitor_prelude: &'static str,
    /// The operation table and status-keyed error decoding.
    pub operations: TokenStream,
    /// The facade: `Client` and its per-operation methods.
    pub facade: TokenStream,
    /// What the facade could not cover.
    pub warnings: Vec<crate::error::Diagnostic>,
}

/// Generates the client for `api`, whose models live in crate `models_crate` and whose facade
/// policy is crate `runtime_crate`.
pub(crate) fn generate(
    api: &Api,
    models: &ModelNames,
    models_crate: &str,
    runtime_crate: &str,
) -> Result<ClientCode> {
    let mut settings = progenitor_impl::GenerationSettings::new();
    settings.with_interface(progenitor_impl::InterfaceStyle::Builder);
    for rust in models.rust_names() {
        settings.with_replacement(rust, format!("{models_crate}::{rust}"), std::iter::empty());
    }
    let (progenitor, kept, mut warnings) = progenitor_with_fallbacks(api, &settings)?;
    let progenitor = without_api_version_header(progenitor);
    let api = kept.as_ref().unwrap_or(api);
    // progenitor's builder module imports `types` whether or not it names one; an operation
    // without header parameters keeps a `let mut header_map` nothing appends to any more.
    let progenitor = quote! {
        #![allow(unused_imports, unused_mut)]
        #progenitor
    };
    let mut operations = operations::operation_table(api, models, models_crate);
    let success = operations::success_types(api, models);
    if !success.is_empty() {
        let models_ident = format_ident!("{}", models_crate);
        operations.extend(quote! {
            #[allow(unused_imports)]
            use #models_ident as models;
            #success
        });
    }
    let (facade, facade_warnings) =
        facade::generate(api, models, models_crate, &progenitor, runtime_crate);
    warnings.extend(facade_warnings);
    // After the facade, which reads progenitor's builders.
    let (progenitor, compacted) = setters::compact_setters(progenitor);
    Ok(ClientCode {
        progenitor,
        progenitor_prelude: if compacted { setters::SOURCE } else { "" },
        operations,
        facade,
        warnings,
    })
}

/// progenitor's request code with its `api-version` header (the document's `info.version`,
/// Dropshot's versioning convention) left out: the official Svix SDKs send none and the
/// facade's policy always dropped it, so the client no longer builds a header only to remove
/// it on every request. Drops each `header_map.append(<name "api-version">, …);` statement.
fn without_api_version_header(tokens: TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        let is = |at: usize, f: &dyn Fn(&TokenTree) -> bool| trees.get(at).is_some_and(f);
        let api_version_append = is(
            i,
            &|t| matches!(t, TokenTree::Ident(id) if id == "header_map"),
        ) && is(
            i + 1,
            &|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '.'),
        ) && is(
            i + 2,
            &|t| matches!(t, TokenTree::Ident(id) if id == "append"),
        ) && is(i + 3, &|t| {
            matches!(t, TokenTree::Group(g) if g.stream().into_iter().any(|t| matches!(
                &t,
                TokenTree::Group(inner) if inner.stream().to_string() == "\"api-version\""
            )))
        }) && is(
            i + 4,
            &|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ';'),
        );
        if api_version_append {
            i += 5;
            continue;
        }
        out.push(match &trees[i] {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), without_api_version_header(g.stream()));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other.clone(),
        });
        i += 1;
    }
    out.into_iter().collect()
}

/// progenitor alone on the same normalized document (its own types, no shared models, no
/// operation table): the baseline `cargo xtask bench` compares the whole pipeline with.
pub(crate) fn progenitor_baseline(api: &Api) -> Result<TokenStream> {
    run_progenitor(
        &progenitor_view(api)?,
        &progenitor_impl::GenerationSettings::new(),
    )
}

/// Runs progenitor on a view; its refusals and panics become [`Error::Backend`].
fn run_progenitor(
    view: &Value,
    settings: &progenitor_impl::GenerationSettings,
) -> Result<TokenStream> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(view.clone()).map_err(|e| {
        Error::backend(
            "openapiv3",
            format!("the normalized document does not parse: {e}"),
        )
    })?;
    let settings = settings.clone();
    catch_backend("progenitor", move || {
        progenitor_impl::Generator::new(&settings)
            .generate_tokens(&spec)
            .map_err(|e| Error::backend("progenitor", e.to_string()))
    })
}

/// progenitor over the document; when it fails: over the document with component schemas left
/// opaque (every one is replaced by the shared model anyway, so their content only matters to
/// progenitor's parser), then without the operations it fails on alone, each dropped from the
/// client with a warning naming it (the server keeps them). Returns progenitor's code, the
/// document without the operations left out (`None`: none was), and the warnings. The
/// fallbacks run only on the failure path.
fn progenitor_with_fallbacks(
    api: &Api,
    settings: &progenitor_impl::GenerationSettings,
) -> Result<(TokenStream, Option<Api>, Vec<Diagnostic>)> {
    let first = match run_progenitor(&progenitor_view(api)?, settings) {
        Ok(code) => return Ok((code, None, Vec::new())),
        Err(e) => e,
    };
    let opaque = |api: &Api| -> Result<Value> {
        let mut view = progenitor_view(api)?;
        if let Some(schemas) = view
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            for schema in schemas.values_mut() {
                *schema = json!({});
            }
        }
        Ok(view)
    };
    if let Ok(code) = run_progenitor(&opaque(api)?, settings) {
        return Ok((code, None, Vec::new()));
    }
    let mut warnings = Vec::new();
    let mut kept = api.clone();
    kept.operations.retain(|op| {
        let single = Api {
            operations: vec![op.clone()],
            ..api.clone()
        };
        let failure = match opaque(&single) {
            Ok(view) => run_progenitor(&view, settings).err(),
            Err(e) => Some(e),
        };
        match failure {
            None => true,
            Some(e) => {
                warnings.push(
                    Diagnostic::warning(
                        op.pointer.clone(),
                        format!("operation left out of the client (the server keeps it): {e}"),
                    )
                    .degrading(Degradation::Operation)
                    .in_operation(Some(&op.id)),
                );
                false
            }
        }
    });
    if warnings.is_empty() || kept.operations.is_empty() {
        // Not one operation to blame, or none left: the document fails as it is.
        let id = api.operations.iter().find_map(|op| {
            let single = Api {
                operations: vec![op.clone()],
                ..api.clone()
            };
            let view = progenitor_view(&single).ok()?;
            run_progenitor(&view, settings)
                .is_err()
                .then(|| op.id.clone())
        });
        return Err(match id {
            Some(id) => first.in_operation(&id),
            None => first,
        });
    }
    let code = run_progenitor(&opaque(&kept)?, settings)?;
    Ok((code, Some(kept), warnings))
}

/// The document progenitor sees: resolved parameters, error bodies loosened to any JSON (the
/// operation table types them by status), string constraints on parameters left to the server.
pub(crate) fn progenitor_view(api: &Api) -> Result<Value> {
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
            .filter(|p| !p.shadowed && !extra::sent_by_facade(p))
            .map(|p| {
                let mut schema = p.schema.json.clone();
                if let Some(obj) = schema.as_object_mut() {
                    for k in ["pattern", "minLength", "maxLength"] {
                        obj.remove(k);
                    }
                }
                // progenitor writes a header with `to_string()`, which a list has not: it sees a
                // string, which the facade writes from the list (`simple` style: commas).
                if is_list_header(api, p) {
                    schema = json!({ "type": "string" });
                }
                // progenitor writes a path parameter with `Display`, which a union of formats
                // (`anyOf` ipv4/ipv6) or an object typify makes has not: the client sends it as
                // text, and the router still validates it against the whole schema.
                if p.location == ParamLocation::Path && !is_scalar(api, &p.schema) {
                    schema = json!({ "type": "string" });
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
        if let Some(b) = op.body.as_ref().filter(|b| !bodies::encoded_by_facade(b)) {
            // Other bodies are the facade's to encode (`bodies`). Every JSON media type (`application/vnd.x+json`, `…; charset=utf-8`) is sent as
            // `application/json`, the one progenitor knows.
            o.insert(
                "requestBody".into(),
                json!({ "required": b.required, "content": { "application/json": { "schema": b.schema.json } } }),
            );
        }
        let has_successes = op.successes().next().is_some();
        // progenitor allows one success type: with several, it gets raw bytes and the generated
        // `<Operation>Success::decode` types them by status.
        let multi_success = op.has_several_success_bodies();
        // progenitor also allows one error type: when any error has a body, every error gets
        // "any JSON" (an error without a body then arrives as an undecodable payload, typed by
        // its status all the same).
        let error_bodies = op.errors().any(|r| r.body.is_some());
        let mut responses = Map::new();
        // progenitor orders its match arms by their lowest code, so a `429` beside `4XX` would
        // follow `400..=499` and never match. Every error has the same body type in this view, so
        // an error code inside a documented error range says nothing more to progenitor: it is
        // left out here (`ErrorBody::decode` still types it by its own schema).
        let in_error_range = |status: Status| match status {
            Status::Code(c) if c >= 400 => op.responses.iter().any(|other| {
                matches!(other.status, Status::Range(_)) && {
                    let (lo, hi) = other.status.codes();
                    (lo..=hi).contains(&c)
                }
            }),
            _ => false,
        };
        for r in op.responses.iter().filter(|r| !in_error_range(r.status)) {
            let mut v = json!({ "description": r.description });
            let raw_success = r.body.as_ref().is_some_and(|b| !b.is_json());
            if r.status.is_success() && (multi_success || raw_success) {
                v["content"] = json!({ "application/octet-stream": {} });
            } else if r.status.is_success() {
                if let Some(body) = &r.body {
                    v["content"] = json!({ "application/json": { "schema": body.schema.json } });
                }
            } else if error_bodies {
                v["content"] = json!({ "application/json": { "schema": {} } });
            }
            if r.status == Status::Default && !has_successes {
                // Only errors and `default` documented: progenitor would read `default` as
                // both the success range and the error fallback, then add its own fallback
                // after it (an unreachable arm). A bodiless 2XX says what it means here: any
                // success, no body promised; other statuses stay errors.
                responses.insert("2XX".into(), json!({ "description": r.description }));
                continue;
            }
            if r.status == Status::Default && has_successes {
                // progenitor reads `default` as a possible success too, and orders ranges before
                // codes; with documented successes `default` only means "other errors", which
                // progenitor then hands over as `UnexpectedResponse` and `ErrorBody::decode`
                // still types by this table.
                continue;
            }
            responses.insert(r.status.key(), v);
        }
        o.insert("responses".into(), Value::Object(responses));
        let entry = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        entry[op.method.as_str()] = Value::Object(o);
    }
    let mut info = json!({ "title": api.title, "version": api.version });
    if let Some(d) = &api.description {
        info["description"] = json!(d);
    }
    let schemas: Map<String, Value> = api
        .schemas
        .iter()
        .map(|(name, s)| (name.clone(), s.json.clone()))
        .collect();
    Ok(json!({
        "openapi": "3.0.3",
        "info": info,
        "paths": paths,
        "components": { "schemas": schemas },
    }))
}

/// Whether `p` is a header parameter whose schema is an array (the facade takes a list and
/// writes it comma-separated, as the `simple` style does).
pub(crate) fn is_list_header(api: &Api, p: &crate::ir::Param) -> bool {
    p.location == ParamLocation::Header
        && api.resolve(&p.schema).kind == Some(crate::ir::Kind::Array)
}

/// Whether `schema` is one string, number, integer or boolean (what progenitor can `Display`).
fn is_scalar(api: &Api, schema: &crate::ir::Schema) -> bool {
    use crate::ir::Kind;
    let s = api.resolve(schema);
    matches!(
        s.kind,
        Some(Kind::String | Kind::Integer | Kind::Number | Kind::Boolean)
    ) && ["anyOf", "oneOf", "allOf"]
        .iter()
        .all(|k| s.json.get(*k).is_none())
}
