//! Server backend: our own templates (quote) for one async trait with a method per operation,
//! typed parameter structs and response enums, validators compiled from the schemas
//! ([`validators`]), and a function that builds a plain `axum::Router` from any implementation.
//! The per-operation templates live in [`operation`]; this module assembles the module.

mod auth;
mod body;
mod discriminators;
mod errors;
mod headers;
mod mock;
mod operation;
mod routes;
mod types;
mod validators;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::Diagnostic;
use crate::ir::{Api, Operation};
use crate::models::ModelNames;
use crate::naming::doc_attrs;
use operation::handler_ident;
use validators::ValidatorCompiler;

/// The server module, the mock's answers (`mock.json`), the operations' documented error shapes
/// (`errors.json`) and what the server could not express.
pub(crate) struct ServerCode {
    pub tokens: TokenStream,
    pub mock_answers: String,
    pub error_shapes: String,
    pub warnings: Vec<Diagnostic>,
}

/// Generates the server module for `api`; models live in crate `models_crate`, the runtime in
/// `runtime_crate`; `command` is named in the header of `mock.json`.
pub(crate) fn generate(
    api: &Api,
    models: &ModelNames,
    models_crate: &str,
    runtime_crate: &str,
    command: &str,
) -> ServerCode {
    let mut compiler = ValidatorCompiler::new(api, models);
    let models_ident = format_ident!("{}", models_crate);
    let runtime_ident = format_ident!("{}", runtime_crate);

    let mut items = Vec::new();
    let mut trait_methods = Vec::new();
    let mut handlers = Vec::new();
    let mut signatures = Vec::new();
    let canonical = routes::needs_canonical(api);
    for (index, op) in api.operations.iter().enumerate() {
        let code = operation::generate(op, index, api, models, &mut compiler, canonical);
        items.push(code.items);
        trait_methods.push(code.trait_method);
        handlers.push(code.handler);
        signatures.push((code.signature, code.has_auth));
    }
    let mock = mock::generate(api, &signatures, command);
    let error_shapes = errors::error_shapes(&mock.answers, command);
    let mock_module = mock.module;
    // Validators for every component reachable from request inputs.
    let validators = compiler.component_validators();
    let (pattern_imports, patterns) = compiler.statics();

    let (routes, dispatchers) = routes(api, canonical);
    let schemes = auth::schemes_table(api);
    let requirements: Vec<TokenStream> = api
        .operations
        .iter()
        .filter_map(auth::security_const)
        .collect();
    let security = if requirements.is_empty() {
        quote! {}
    } else {
        quote! {
            /// Each operation's requirement as data where it asks scopes (or roles), for the
            /// implementation to check what a credential grants (`rt::granted`).
            pub mod security {
                use super::rt;
                #(#requirements)*
            }
        }
    };
    let title_doc = doc_attrs(&format!(
        "The operations of {}, one method each, for a server to implement.\n\nServe an implementation with [`router`]: it routes, extracts and validates every request before calling the method.",
        api.title
    ));
    let tokens = quote! {
        use std::sync::Arc;

        use #runtime_ident as rt;
        // A document whose operations all answer without a body uses neither of these.
        #[allow(unused_imports)]
        use rt::reexports::axum::{self, http::StatusCode, response::{IntoResponse, Response}};
        #[allow(unused_imports)]
        use rt::reexports::serde_json::Value;
        #pattern_imports
        #[allow(unused_imports)]
        use #models_ident as models;

        #title_doc
        pub trait Api: Send + Sync + 'static {
            #(#trait_methods)*
        }

        #(#items)*

        #schemes

        #security

        /// Each operation's documented error responses, in which the router answers the
        /// requests it refuses (`errors.json`).
        static ERROR_SHAPES: rt::ErrorShapes = rt::ErrorShapes::new(include_str!("errors.json"));

        /// Builds a router serving `api` with default [`rt::RouterOptions`].
        pub fn router<A: Api>(api: Arc<A>) -> axum::Router {
            router_with_options(api, rt::RouterOptions::default())
        }

        /// Builds a router serving `api`: unknown paths get 404 and unknown methods 405, both as
        /// `HttpErrorOut`; a request without the credentials its operation requires gets 401,
        /// an invalid one 422 (400 where only that is documented), before `api` is called — in
        /// the error shape the operation documents for that status (`errors.json`), else the
        /// router's own (`HttpErrorOut`, `HTTPValidationError`).
        pub fn router_with_options<A: Api>(api: Arc<A>, options: rt::RouterOptions) -> axum::Router {
            axum::Router::new()
                #(#routes)*
                .fallback(rt::not_found)
                .method_not_allowed_fallback(rt::method_not_allowed)
                .with_state(rt::ServerState { api, options })
        }

        #(#handlers)*

        #(#dispatchers)*

        #(#validators)*

        #(#patterns)*

        #mock_module
    };
    ServerCode {
        tokens,
        mock_answers: mock.answers,
        error_shapes,
        warnings: compiler.diags,
    }
}

/// A method and the operations that have it on one route.
pub(super) type MethodOps<'a> = (&'a str, Vec<&'a Operation>);

/// One `.route(path, method(handler).method(handler)…)` per path, in document order; a method
/// several operations share on one route (overloads told apart by their bodies' media types)
/// goes to a dispatcher that picks by `Content-Type`.
fn routes(api: &Api, canonical: bool) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut by_path: Vec<(String, Vec<MethodOps<'_>>)> = Vec::new();
    for op in &api.operations {
        let path = routes::route(op, canonical);
        let methods = match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, methods)) => methods,
            None => {
                by_path.push((path, Vec::new()));
                &mut by_path.last_mut().expect("just pushed").1
            }
        };
        match methods.iter_mut().find(|(m, _)| *m == op.method) {
            Some((_, ops)) => ops.push(op),
            None => methods.push((&op.method, vec![op])),
        }
    }
    let mut dispatchers = Vec::new();
    let routes = by_path
        .into_iter()
        .enumerate()
        .map(|(index, (path, methods))| {
            let mut chain = TokenStream::new();
            for (i, (method, ops)) in methods.iter().enumerate() {
                let m = format_ident!("{}", method);
                let h = if ops.len() == 1 {
                    handler_ident(ops[0])
                } else {
                    let (name, code) = dispatcher(ops, api);
                    dispatchers.push(code);
                    name
                };
                if i == 0 {
                    chain = quote! { axum::routing::#m(#h::<A>) };
                } else {
                    chain = quote! { #chain.#m(#h::<A>) };
                }
            }
            if let Some((item, layer)) = routes::shared_route(index, &methods, &api.operations) {
                dispatchers.push(item);
                // Its own fallback before the layer, so that a method the route lacks (and
                // `OPTIONS`) passes through it too: the router's fallback replaces only a
                // route's default one, unlayered.
                chain = quote! { #chain.fallback(rt::method_not_allowed).layer(#layer) };
            }
            quote! { .route(#path, #chain) }
        })
        .collect();
    (routes, dispatchers)
}

/// A handler that passes a request on to one of `ops`, which share a route: the first whose
/// template the path fits (its literals, and the types of its parameters where the templates
/// differ only in those: `/icon/{id}` beside `/icon/{term}`), else the first whose
/// path fragment `#Name=Value` names a header the request carries with that value (AWS's
/// `#X-Amz-Target=…`), else the first whose body takes the request's `Content-Type` (Azure's
/// `#overload=stream`), else the first operation (which answers 415 naming its media types).
fn dispatcher(ops: &[&Operation], api: &Api) -> (proc_macro2::Ident, TokenStream) {
    let name = format_ident!("dispatch_{}", handler_ident(ops[0]));
    let by_header = ops.iter().filter_map(|op| {
        let (header, value) = op.path.split_once('#')?.1.split_once('=')?;
        let h = handler_ident(op);
        let header = header.to_ascii_lowercase();
        Some(quote! {
            if request.headers().get(#header).is_some_and(|v| v.as_bytes() == #value.as_bytes()) {
                return #h(state, raw_path, request).await;
            }
        })
    });
    let by_media = ops.iter().filter_map(|op| {
        let h = handler_ident(op);
        let media: Vec<&str> = op
            .body
            .iter()
            .flat_map(|b| {
                b.accepted
                    .iter()
                    .map(|(m, _)| m.as_str())
                    .chain(b.alternatives.iter().map(|c| c.media_type.as_str()))
            })
            .collect();
        if media.is_empty() {
            return None;
        }
        Some(quote! {
            if [#(#media),*].iter().any(|m| rt::media_matches(m, &content_type)) {
                return #h(state, raw_path, request).await;
            }
        })
    });
    // Operations whose paths differ only in a segment's literal text (`{api}.json` and
    // `{api}.yaml`) share a canonical route: the first whose literals the path holds.
    // The most specific template first (`{a}.tar.gz` before `{a}.gz`), as `rt::SharedRoute`
    // resolves a path.
    // Templates that differ only in their parameters' types (`/icon/{id}` with an integer beside
    // `/icon/{term}`) go by the values: the first whose typed parameters hold values of their
    // types — unless two of the operations share one path (overloads told apart below).
    let paths: std::collections::BTreeSet<&str> =
        ops.iter().map(|op| routes::document_path(op)).collect();
    let by_values = paths.len() == ops.len();
    let test = |op: &Operation| {
        let segments = routes::dispatch_test(op);
        let values = by_values.then(|| routes::value_test(op, api)).flatten();
        match (segments, values) {
            (Some(s), Some(v)) => Some(quote! { #s && #v }),
            (s, v) => s.or(v),
        }
    };
    let mut by_specificity: Vec<&&Operation> = ops.iter().collect();
    by_specificity.sort_by_key(|op| std::cmp::Reverse(routes::literal_length(op)));
    let by_segments = by_specificity.into_iter().filter_map(|op| {
        let test = test(op)?;
        let h = handler_ident(op);
        Some(quote! {
            if #test {
                return #h(state, raw_path, request).await;
            }
        })
    });
    let by_media: Vec<TokenStream> = by_media.collect();
    let media_dispatch = if by_media.is_empty() {
        quote! {}
    } else {
        quote! {
            let content_type = request
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            #(#by_media)*
        }
    };
    // A request no test sends elsewhere goes to the operation whose template has no literal
    // inside a parameter segment (`{deployment}` beside `{deployment}:rollback`), else the first.
    let first = handler_ident(ops.iter().find(|op| test(op).is_none()).unwrap_or(&ops[0]));
    // Every handler is named here, reachable or not (an overload neither a header nor a media
    // type tells apart is still generated).
    let all: Vec<proc_macro2::Ident> = ops.iter().map(|op| handler_ident(op)).collect();
    let ids: Vec<&str> = ops.iter().map(|o| o.id.as_str()).collect();
    let doc = format!(
        "Passes a request to `{}` by its headers and `Content-Type`.",
        ids.join("`, `")
    );
    let code = quote! {
        #[doc = #doc]
        async fn #name<A: Api>(
            state: axum::extract::State<rt::ServerState<A>>,
            raw_path: rt::RawPath,
            request: axum::extract::Request,
        ) -> Response {
            let _ = (#(#all::<A>,)*);
            #(#by_segments)*
            #(#by_header)*
            #media_dispatch
            #first(state, raw_path, request).await
        }
    };
    (name, code)
}
