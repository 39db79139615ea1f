//! Server: our own templates (quote) for one async trait with a method per operation, typed
//! parameter structs and response enums, validators emitted from the schemas, and a function
//! that builds a plain `axum::Router` from any implementation.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::Diagnostic;
use crate::models::{ModelNames as Models, TypePaths};
use crate::names::{doc_attrs, field_ident, method_name, operation_type_prefix, snake};
use crate::normalize::{Api, Operation, ParamLocation, Security, StatusSpec, status_word};

/// Generates the server module for `api`; models live in crate `models_crate`, the runtime in
/// `runtime_crate`. Returns the code and what it could not express.
pub fn generate(
    api: &Api,
    models: &Models,
    models_crate: &str,
    runtime_crate: &str,
) -> (TokenStream, Vec<Diagnostic>) {
    let mut g = Gen {
        api,
        models,
        patterns: Vec::new(),
        diags: Vec::new(),
        used: BTreeSet::new(),
    };
    let models_ident = format_ident!("{}", models_crate);
    let runtime_ident = format_ident!("{}", runtime_crate);

    let mut items = Vec::new();
    let mut trait_methods = Vec::new();
    let mut handlers = Vec::new();
    for op in &api.operations {
        let (item, method, handler) = g.operation(op);
        items.push(item);
        trait_methods.push(method);
        handlers.push(handler);
    }

    // Validators for every component reachable from request inputs.
    let mut validators = Vec::new();
    let mut done = BTreeSet::new();
    while let Some(name) = g.used.iter().find(|n| !done.contains(*n)).cloned() {
        done.insert(name.clone());
        let schema = api.schemas.get(&name).cloned().unwrap_or(Value::Null);
        let body = g.emit(&schema, &format!("/components/schemas/{name}"));
        let rust = models.rust_name(&name).unwrap_or(&name).to_owned();
        let f = validator_fn(&name, models);
        let doc = format!("Checks a JSON value against the `{name}` schema (`{rust}`).");
        validators.push(quote! {
            #[doc = #doc]
            #[allow(unused_variables, clippy::collapsible_if)]
            fn #f(v: &Value, val: &mut rt::Validator) { #body }
        });
    }

    let patterns = g.patterns.iter().enumerate().map(|(i, p)| {
        let name = format_ident!("PATTERN_{}", i);
        let lit = Literal::string(p);
        quote! {
            static #name: LazyLock<Regex> = LazyLock::new(|| Regex::new(#lit).expect("pattern was compiled at generation time"));
        }
    });

    let pattern_imports = if g.patterns.is_empty() {
        quote! {}
    } else {
        quote! {
            use std::sync::LazyLock;
            use rt::reexports::regress::Regex;
        }
    };
    let routes = routes(api);
    let title_doc = doc_attrs(&format!(
        "The operations of {}, one method each, for a server to implement.\n\nServe an implementation with [`router`]: it routes, extracts and validates every request before calling the method.",
        api.title
    ));
    let tokens = quote! {
        use std::sync::Arc;

        use #runtime_ident as rt;
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

        /// Builds a router serving `api` with default [`rt::RouterOptions`].
        pub fn router<A: Api>(api: Arc<A>) -> axum::Router {
            router_with_options(api, rt::RouterOptions::default())
        }

        /// Builds a router serving `api`: unknown paths get 404 and unknown methods 405, both as
        /// `HttpErrorOut`; invalid requests get 422 `HTTPValidationError` before `api` is called.
        pub fn router_with_options<A: Api>(api: Arc<A>, options: rt::RouterOptions) -> axum::Router {
            axum::Router::new()
                #(#routes)*
                .fallback(rt::not_found)
                .method_not_allowed_fallback(rt::method_not_allowed)
                .with_state(rt::ServerState { api, options })
        }

        #(#handlers)*

        #(#validators)*

        #(#patterns)*
    };
    (tokens, g.diags)
}

fn routes(api: &Api) -> Vec<TokenStream> {
    let mut by_path: Vec<(&str, Vec<&Operation>)> = Vec::new();
    for op in &api.operations {
        match by_path.iter_mut().find(|(p, _)| *p == op.path) {
            Some((_, ops)) => ops.push(op),
            None => by_path.push((&op.path, vec![op])),
        }
    }
    by_path
        .into_iter()
        .map(|(path, ops)| {
            let mut chain = TokenStream::new();
            for (i, op) in ops.iter().enumerate() {
                let m = format_ident!("{}", op.method);
                let h = handler_ident(op);
                if i == 0 {
                    chain = quote! { axum::routing::#m(#h::<A>) };
                } else {
                    chain = quote! { #chain.#m(#h::<A>) };
                }
            }
            quote! { .route(#path, #chain) }
        })
        .collect()
}

fn handler_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!("handle_{}", method_name(&op.id))
}

fn validator_fn(name: &str, models: &Models) -> proc_macro2::Ident {
    format_ident!(
        "validate_{}",
        snake(models.rust_name(name).unwrap_or(name)).trim_start_matches('_')
    )
}

struct Gen<'a> {
    api: &'a Api,
    models: &'a Models,
    patterns: Vec<String>,
    diags: Vec<Diagnostic>,
    /// Component schemas whose validators are referenced.
    used: BTreeSet<String>,
}

impl Gen<'_> {
    fn operation(&mut self, op: &Operation) -> (TokenStream, TokenStream, TokenStream) {
        let prefix = operation_type_prefix(&op.id);
        let method = format_ident!("{}", method_name(&op.id));
        let params_ty = format_ident!("{}Params", prefix);
        let response_ty = format_ident!("{}Response", prefix);
        let handler = handler_ident(op);
        let opid = op.id.as_str();

        // Parameters struct.
        let mut fields = Vec::new();
        let mut extract = Vec::new();
        let mut build = Vec::new();
        for p in &op.params {
            let field = field_ident(&p.name);
            let local = format_ident!("p_{}", field.to_string().trim_start_matches("r#"));
            let ty = self.rust_type(&p.schema);
            let ty = if p.required {
                ty
            } else {
                quote! { Option<#ty> }
            };
            let doc = doc_attrs(p.description.as_deref().unwrap_or(&format!(
                "The `{}` {} parameter.",
                p.name,
                p.location.as_str()
            )));
            fields.push(quote! { #doc pub #field: #ty, });
            let name = p.name.as_str();
            let loc = p.location.as_str();
            let raw = match p.location {
                ParamLocation::Path => quote! { path.get(#name) },
                ParamLocation::Query => quote! { query.get(#name) },
                ParamLocation::Header | ParamLocation::Cookie => {
                    quote! { rt::header_values(&parts.headers, #name, val) }
                }
            };
            let shape = self.param_shape(&p.schema, p.explode);
            let required = p.required;
            let check = self.emit(&p.schema, &p.pointer);
            extract.push(quote! {
                let #local = rt::param(#loc, #name, #raw, #shape, #required, (|v: &Value, val: &mut rt::Validator| { #check }) as fn(&Value, &mut rt::Validator), val);
            });
            build.push(quote! { #field: match rt::convert(#local, &[#loc, #name]) { Ok(v) => v, Err(r) => return r }, });
        }
        let has_params = !op.params.is_empty();
        let params_doc = format!("Parameters of `{opid}`, validated.");
        let params_item = if has_params {
            quote! {
                #[doc = #params_doc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #params_ty { #(#fields)* }
            }
        } else {
            quote! {}
        };

        // Body.
        let (body_extract, body_build, body_arg, body_ty_arg) = match &op.body {
            Some(b) => {
                let required = b.required;
                let check = self.emit(&b.schema, &format!("{}/requestBody", op.pointer));
                let ty = self.rust_type(&b.schema);
                let ty = if required {
                    ty
                } else {
                    quote! { Option<#ty> }
                };
                (
                    quote! {
                        let body = match rt::json_body(body, &parts.headers, #required, state.options.body_limit, val).await {
                            Ok(b) => b,
                            Err(r) => return r,
                        };
                        if let Some(v) = body.as_ref() {
                            val.push("body");
                            #check
                            val.pop();
                        }
                    },
                    quote! { let body = match rt::convert(body.unwrap_or(Value::Null), &["body"]) { Ok(v) => v, Err(r) => return r }; },
                    quote! { body, },
                    quote! { body: #ty, },
                )
            }
            None => (quote! { drop(body); }, quote! {}, quote! {}, quote! {}),
        };

        // Credential.
        let (auth_extract, auth_arg, auth_ty_arg) = match op.security {
            Security::Bearer => (
                quote! { let auth = match rt::bearer(&parts.headers) { Ok(a) => a, Err(r) => return r }; },
                quote! { auth, },
                quote! { auth: rt::Bearer, },
            ),
            Security::OptionalBearer => (
                quote! { let auth = match rt::optional_bearer(&parts.headers) { Ok(a) => a, Err(r) => return r }; },
                quote! { auth, },
                quote! { auth: Option<rt::Bearer>, },
            ),
            Security::None => (quote! {}, quote! {}, quote! {}),
        };

        let (params_arg, params_ty_arg, params_build) = if has_params {
            (
                quote! { params, },
                quote! { params: #params_ty, },
                quote! { let params = #params_ty { #(#build)* }; },
            )
        } else {
            (quote! {}, quote! {}, quote! {})
        };
        let needs_path = op.params.iter().any(|p| p.location == ParamLocation::Path);
        let needs_query = op.params.iter().any(|p| p.location == ParamLocation::Query);
        let path_setup = if needs_path {
            quote! { let path = rt::PathParams::new(raw_path, val); }
        } else {
            quote! { drop(raw_path); }
        };
        let query_setup = if needs_query {
            quote! { let query = rt::QueryParams::parse(parts.uri.query()); }
        } else {
            quote! {}
        };

        // Response enum.
        let mut variants = Vec::new();
        let mut arms = Vec::new();
        for r in &op.responses {
            let word = status_word(r.status);
            let variant = format_ident!("{}", word);
            let doc = doc_attrs(&format!(
                "{}: {}",
                status_label(r.status),
                if r.description.is_empty() {
                    "(no description)"
                } else {
                    &r.description
                }
            ));
            let status_expr = match r.status {
                StatusSpec::Code(c) => {
                    quote! { StatusCode::from_u16(#c).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR) }
                }
                _ => quote! { status },
            };
            let ranged = !matches!(r.status, StatusSpec::Code(_));
            match (&r.body, ranged) {
                (Some((_, schema)), false) => {
                    let ty = self.rust_type(schema);
                    variants.push(quote! { #doc #variant(#ty), });
                    arms.push(
                        quote! { Self::#variant(body) => rt::json_response(#status_expr, &body), },
                    );
                }
                (Some((_, schema)), true) => {
                    let ty = self.rust_type(schema);
                    variants.push(quote! { #doc #variant(StatusCode, #ty), });
                    arms.push(quote! { Self::#variant(status, body) => rt::json_response(#status_expr, &body), });
                }
                (None, false) => {
                    variants.push(quote! { #doc #variant, });
                    arms.push(quote! { Self::#variant => #status_expr.into_response(), });
                }
                (None, true) => {
                    variants.push(quote! { #doc #variant(StatusCode), });
                    arms.push(quote! { Self::#variant(status) => #status_expr.into_response(), });
                }
            }
        }
        variants.push(quote! {
            /// A status the document does not list for this operation (such as 500 when storage
            /// fails), with a JSON body.
            Undocumented(StatusCode, Value),
        });
        arms.push(quote! { Self::Undocumented(status, body) => rt::json_response(status, &body), });
        let response_doc = format!("Every response `{opid}` documents, with its body.");
        let items = quote! {
            #params_item

            #[doc = #response_doc]
            #[derive(Debug, Clone, PartialEq)]
            #[allow(clippy::large_enum_variant)] // built once, moved once: boxing would only cost
            pub enum #response_ty { #(#variants)* }

            impl IntoResponse for #response_ty {
                fn into_response(self) -> Response {
                    match self { #(#arms)* }
                }
            }
        };

        // Trait method.
        let mut doc = String::new();
        if let Some(s) = &op.summary {
            doc.push_str(s);
            doc.push_str("\n\n");
        }
        if let Some(d) = &op.description {
            doc.push_str(d);
            doc.push_str("\n\n");
        }
        doc.push_str(&format!(
            "`{}` `{}` (operation `{opid}`).",
            op.method.to_uppercase(),
            op.path
        ));
        let doc = doc_attrs(&doc);
        let deprecated = if op.deprecated {
            quote! { #[deprecated] }
        } else {
            quote! {}
        };
        let trait_method = quote! {
            #doc
            #deprecated
            fn #method(&self, #auth_ty_arg #params_ty_arg #body_ty_arg) -> impl ::std::future::Future<Output = #response_ty> + Send;
        };

        let handler_doc = format!("Extracts, validates and dispatches `{opid}`.");
        let handler_fn = quote! {
            #[doc = #handler_doc]
            #[allow(unused_variables, clippy::let_unit_value)]
            async fn #handler<A: Api>(
                axum::extract::State(state): axum::extract::State<rt::ServerState<A>>,
                raw_path: Result<axum::extract::RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
                request: axum::extract::Request,
            ) -> Response {
                let (parts, body) = request.into_parts();
                #auth_extract
                let mut validator = rt::Validator::new();
                let val = &mut validator;
                #path_setup
                #query_setup
                #(#extract)*
                #body_extract
                if let Err(errors) = validator.finish() {
                    return errors.into_response();
                }
                #params_build
                #body_build
                #[allow(deprecated)]
                let response = state.api.#method(#auth_arg #params_arg #body_arg).await;
                response.into_response()
            }
        };
        (items, trait_method, handler_fn)
    }

    /// Resolves `$ref` chains to the referenced component schema.
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        let mut s = schema;
        for _ in 0..16 {
            match crate::client::ref_name(s).and_then(|n| self.api.schemas.get(&n)) {
                Some(next) => s = next,
                None => return s,
            }
        }
        s
    }

    fn scalar_of(&self, schema: &Value) -> TokenStream {
        match self.resolve(schema).get("type").and_then(Value::as_str) {
            Some("integer") => quote! { rt::Scalar::Integer },
            Some("number") => quote! { rt::Scalar::Number },
            Some("boolean") => quote! { rt::Scalar::Boolean },
            _ => quote! { rt::Scalar::String },
        }
    }

    fn param_shape(&self, schema: &Value, explode: bool) -> TokenStream {
        let resolved = self.resolve(schema);
        if resolved.get("type").and_then(Value::as_str) == Some("array") {
            let item = self.scalar_of(resolved.get("items").unwrap_or(&Value::Null));
            quote! { rt::ParamShape::Array { item: #item, explode: #explode } }
        } else {
            let s = self.scalar_of(schema);
            quote! { rt::ParamShape::Scalar(#s) }
        }
    }

    /// The Rust type of a parameter or body schema.
    fn rust_type(&self, schema: &Value) -> TokenStream {
        self.models.rust_type(
            schema,
            &TypePaths {
                chrono: quote! { rt::reexports::chrono },
                json_value: quote! { Value },
            },
        )
    }

    /// Code validating `v: &Value` against `schema`, recording into `val: &mut rt::Validator`.
    fn emit(&mut self, schema: &Value, pointer: &str) -> TokenStream {
        let Some(s) = schema.as_object() else {
            return quote! {};
        };
        if let Some(name) = crate::client::ref_name(schema) {
            if !self.api.schemas.contains_key(&name) {
                return quote! {};
            }
            self.used.insert(name.clone());
            let f = validator_fn(&name, self.models);
            return quote! { #f(v, val); };
        }
        let nullable = s.get("nullable") == Some(&Value::Bool(true));
        let mut out = Vec::new();
        let ty = s.get("type").and_then(Value::as_str);
        match ty {
            Some("object") => out.push(self.emit_object(s, nullable, pointer)),
            None if s.contains_key("properties") || s.contains_key("required") => {
                let obj = self.emit_object(s, true, pointer);
                out.push(quote! { if v.is_object() { #obj } });
            }
            Some("array") => {
                let min = opt_u64(s.get("minItems"));
                let max = opt_u64(s.get("maxItems"));
                let unique = s.get("uniqueItems") == Some(&Value::Bool(true));
                let item = self.emit(
                    s.get("items").unwrap_or(&Value::Null),
                    &format!("{pointer}/items"),
                );
                out.push(quote! {
                    if let Some(items) = rt::array(v, #nullable, &rt::ArrayRules { min_items: #min, max_items: #max, unique_items: #unique }, val) {
                        for (i, v) in items.iter().enumerate() {
                            val.push(i.to_string());
                            #item
                            val.pop();
                        }
                    }
                });
            }
            Some("string") => {
                let min = opt_u64(s.get("minLength"));
                let max = opt_u64(s.get("maxLength"));
                let pattern = match s.get("pattern").and_then(Value::as_str) {
                    Some(p) => match regress::Regex::new(p) {
                        Ok(_) => {
                            let idx = match self.patterns.iter().position(|q| q == p) {
                                Some(i) => i,
                                None => {
                                    self.patterns.push(p.to_owned());
                                    self.patterns.len() - 1
                                }
                            };
                            let name = format_ident!("PATTERN_{}", idx);
                            quote! { Some((&#name, #p)) }
                        }
                        Err(e) => {
                            self.diags.push(Diagnostic::warning(
                                format!("{pointer}/pattern"),
                                format!("pattern {p:?} is not a valid ECMA-262 regular expression ({e}); the server does not check it"),
                            ));
                            quote! { None }
                        }
                    },
                    None => quote! { None },
                };
                let format = match s.get("format").and_then(Value::as_str) {
                    Some(f @ ("date-time" | "date")) => quote! { Some(#f) },
                    _ => quote! { None },
                };
                out.push(quote! {
                    rt::string(v, #nullable, &rt::StringRules { min_length: #min, max_length: #max, pattern: #pattern, format: #format }, val);
                });
            }
            Some("integer") => {
                let (fmin, fmax) = format_bounds(s.get("format").and_then(Value::as_str));
                let exclusive_min = s.get("exclusiveMinimum") == Some(&Value::Bool(true));
                let exclusive_max = s.get("exclusiveMaximum") == Some(&Value::Bool(true));
                let smin = s
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .map(|f| f.ceil() as i128);
                let smax = s
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .map(|f| f.floor() as i128);
                let (min, xmin) = if exclusive_min {
                    (Some(fmin), smin)
                } else {
                    (Some(smin.map_or(fmin, |m| m.max(fmin))), None)
                };
                let (max, xmax) = if exclusive_max {
                    (Some(fmax), smax)
                } else {
                    (Some(smax.map_or(fmax, |m| m.min(fmax))), None)
                };
                let multiple = s
                    .get("multipleOf")
                    .and_then(Value::as_f64)
                    .filter(|m| m.fract() == 0.0)
                    .map(|m| m as i128);
                let (min, max, xmin, xmax, multiple) = (
                    opt_i128(min),
                    opt_i128(max),
                    opt_i128(xmin),
                    opt_i128(xmax),
                    opt_i128(multiple),
                );
                out.push(quote! {
                    rt::integer(v, #nullable, &rt::IntRules { minimum: #min, maximum: #max, exclusive_minimum: #xmin, exclusive_maximum: #xmax, multiple_of: #multiple }, val);
                });
            }
            Some("number") => {
                let exclusive_min = s.get("exclusiveMinimum") == Some(&Value::Bool(true));
                let exclusive_max = s.get("exclusiveMaximum") == Some(&Value::Bool(true));
                let smin = s.get("minimum").and_then(Value::as_f64);
                let smax = s.get("maximum").and_then(Value::as_f64);
                let (min, xmin) = if exclusive_min {
                    (None, smin)
                } else {
                    (smin, None)
                };
                let (max, xmax) = if exclusive_max {
                    (None, smax)
                } else {
                    (smax, None)
                };
                let (min, max, xmin, xmax) =
                    (opt_f64(min), opt_f64(max), opt_f64(xmin), opt_f64(xmax));
                out.push(quote! {
                    rt::number(v, #nullable, &rt::NumRules { minimum: #min, maximum: #max, exclusive_minimum: #xmin, exclusive_maximum: #xmax }, val);
                });
            }
            Some("boolean") => out.push(quote! { rt::boolean(v, #nullable, val); }),
            Some(other) => self.diags.push(Diagnostic::warning(
                format!("{pointer}/type"),
                format!("unknown type `{other}` is not checked"),
            )),
            None => {}
        }
        if let Some(Value::Array(values)) = s.get("enum") {
            let texts: Vec<String> = values.iter().map(Value::to_string).collect();
            let check = quote! { rt::enumeration(v, &[#(#texts),*], val); };
            out.push(if nullable {
                quote! { if !v.is_null() { #check } }
            } else {
                check
            });
        }
        if let Some(Value::Array(members)) = s.get("allOf") {
            let members: Vec<_> = members
                .iter()
                .enumerate()
                .map(|(i, m)| self.emit(m, &format!("{pointer}/allOf/{i}")))
                .collect();
            out.push(if nullable && ty.is_none() {
                quote! { if !v.is_null() { #(#members)* } }
            } else {
                quote! { #(#members)* }
            });
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(members)) = s.get(key) {
                let branches: Vec<_> = members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| self.emit(m, &format!("{pointer}/{key}/{i}")))
                    .collect();
                let check = quote! {
                    rt::any_of(v, &[#( (|v: &Value, val: &mut rt::Validator| { #branches }) as fn(&Value, &mut rt::Validator) ),*], val);
                };
                out.push(if nullable {
                    quote! { if !v.is_null() { #check } }
                } else {
                    check
                });
            }
        }
        if let Some(n) = s.get("not") {
            let branch = self.emit(n, &format!("{pointer}/not"));
            out.push(quote! { rt::not(v, |v: &Value, val: &mut rt::Validator| { #branch }, val); });
        }
        quote! { #(#out)* }
    }

    fn emit_object(
        &mut self,
        s: &serde_json::Map<String, Value>,
        nullable: bool,
        pointer: &str,
    ) -> TokenStream {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut props = Vec::new();
        let mut names = Vec::new();
        if let Some(Value::Object(properties)) = s.get("properties") {
            for (name, prop) in properties {
                let check = self.emit(
                    prop,
                    &format!(
                        "{pointer}/properties/{}",
                        crate::error::escape_pointer(name)
                    ),
                );
                names.push(name.clone());
                if !check.is_empty() {
                    props.push(quote! {
                        if let Some(v) = map.get(#name) {
                            val.push(#name);
                            #check
                            val.pop();
                        }
                    });
                }
            }
        }
        let extra = match s.get("additionalProperties") {
            Some(Value::Bool(false)) => quote! {
                for key in map.keys().filter(|k| ![#(#names),*].contains(&k.as_str())) {
                    val.push(key.clone());
                    val.error("extra fields not permitted", "value_error.extra");
                    val.pop();
                }
            },
            Some(schema @ Value::Object(_)) => {
                let check = self.emit(schema, &format!("{pointer}/additionalProperties"));
                if check.is_empty() {
                    quote! {}
                } else {
                    quote! {
                        for (key, v) in map.iter().filter(|(k, _)| ![#(#names),*].contains(&k.as_str())) {
                            val.push(key.clone());
                            #check
                            val.pop();
                        }
                    }
                }
            }
            _ => quote! {},
        };
        let min = s.get("minProperties").and_then(Value::as_u64).map(|m| {
            let m = m as usize;
            quote! { if map.len() < #m { val.error(format!("ensure this value has at least {} properties", #m), "value_error.dict.min_items"); } }
        });
        let max = s.get("maxProperties").and_then(Value::as_u64).map(|m| {
            let m = m as usize;
            quote! { if map.len() > #m { val.error(format!("ensure this value has at most {} properties", #m), "value_error.dict.max_items"); } }
        });
        let body = quote! { #(#props)* #extra #min #max };
        if body.is_empty() {
            quote! { rt::object(v, #nullable, &[#(#required),*], val); }
        } else {
            quote! {
                if let Some(map) = rt::object(v, #nullable, &[#(#required),*], val) {
                    #body
                }
            }
        }
    }
}

fn status_label(s: StatusSpec) -> String {
    match s {
        StatusSpec::Code(c) => c.to_string(),
        StatusSpec::Range(d) => format!("{d}XX"),
        StatusSpec::Default => "Any other status".into(),
    }
}

fn format_bounds(format: Option<&str>) -> (i128, i128) {
    match format {
        Some("int8") => (i8::MIN.into(), i8::MAX.into()),
        Some("int16") => (i16::MIN.into(), i16::MAX.into()),
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("uint8") => (0, u8::MAX.into()),
        Some("uint16") => (0, u16::MAX.into()),
        Some("uint32") => (0, u32::MAX.into()),
        Some("uint64") => (0, u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

fn opt_u64(v: Option<&Value>) -> TokenStream {
    match v.and_then(Value::as_u64) {
        Some(n) => quote! { Some(#n) },
        None => quote! { None },
    }
}

fn opt_i128(v: Option<i128>) -> TokenStream {
    match v {
        Some(n) => {
            let lit = Literal::i128_unsuffixed(n);
            quote! { Some(#lit) }
        }
        None => quote! { None },
    }
}

fn opt_f64(v: Option<f64>) -> TokenStream {
    match v {
        Some(n) => {
            let lit = Literal::f64_unsuffixed(n);
            quote! { Some(#lit) }
        }
        None => quote! { None },
    }
}
