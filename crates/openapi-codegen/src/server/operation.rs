//! The templates of one operation: its `…Params` struct and `…Response` enum, its trait method,
//! and the axum handler that extracts, validates and dispatches it. Each template returns a named
//! struct of the pieces the module template assembles.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::auth::{AuthCode, auth};
use super::body::{BodyCode, body};
use super::types::rust_type;
use super::validators::ValidatorCompiler;
use crate::ir::{Api, Kind, MediaKind, Operation, ParamLocation, Schema};
use crate::load::OpenApiVersion;
use crate::models::ModelNames;
use crate::naming::{doc_attrs, field_ident, method_name, operation_doc, operation_type_prefix};
use crate::status::Status;

/// Everything one operation contributes to the server module.
pub(super) struct OperationCode {
    /// Its `…Params` struct (when it has parameters) and `…Response` enum.
    pub items: TokenStream,
    /// Its method of the `Api` trait.
    pub trait_method: TokenStream,
    /// Its axum handler.
    pub handler: TokenStream,
    /// Its trait method's arguments after `&self` (`auth: …, params: …, body: …,`).
    pub signature: TokenStream,
    /// Whether they include credentials (`auth`).
    pub has_auth: bool,
}

/// The Rust names of one operation's generated items.
struct Names {
    method: Ident,
    params_ty: Ident,
    response_ty: Ident,
    handler: Ident,
}

/// Parameters: the struct's fields and the handler's extraction and construction.
struct ParamsCode {
    /// The `…Params` struct, or nothing when the operation has no parameters.
    item: TokenStream,
    /// `let p_<name> = rt::param(…);` for each parameter.
    extract: Vec<TokenStream>,
    /// `let params = …Params { … };`, or nothing.
    build: TokenStream,
    /// The trait method's `params: …Params,` argument, or nothing.
    ty_arg: TokenStream,
    /// The call's `params,` argument, or nothing.
    arg: TokenStream,
}

/// Generates the templates of `op`.
pub(super) fn generate(
    op: &Operation,
    index: usize,
    api: &Api,
    models: &ModelNames,
    validators: &mut ValidatorCompiler<'_>,
    canonical: bool,
) -> OperationCode {
    let prefix = operation_type_prefix(&op.id);
    let names = Names {
        method: format_ident!("{}", method_name(&op.id)),
        params_ty: format_ident!("{}Params", prefix),
        response_ty: format_ident!("{}Response", prefix),
        handler: handler_ident(op),
    };
    let params = params(op, api, models, validators, &names);
    let body = body(op, api, models, validators);
    let auth = auth(op, api);
    let response = response_enum(op, models, &names, &prefix);
    let items = {
        let (params_item, body_item) = (&params.item, &body.item);
        quote! {
            #params_item

            #body_item

            #response
        }
    };
    let signature = {
        let (a, p, b) = (&auth.ty_arg, &params.ty_arg, &body.ty_arg);
        quote! { #a #p #b }
    };
    OperationCode {
        items,
        trait_method: trait_method(op, &names, &auth, &params, &body),
        handler: handler(
            op,
            index,
            &names,
            &auth,
            &params,
            &body,
            &Router::of(api, canonical),
        ),
        signature,
        has_auth: !auth.ty_arg.is_empty(),
    }
}

/// The name of `op`'s axum handler.
pub(super) fn handler_ident(op: &Operation) -> Ident {
    format_ident!("handle_{}", method_name(&op.id).trim_start_matches('_'))
}

fn params(
    op: &Operation,
    api: &Api,
    models: &ModelNames,
    validators: &mut ValidatorCompiler<'_>,
    names: &Names,
) -> ParamsCode {
    let opid = op.id.as_str();
    let params_ty = &names.params_ty;
    let mut fields = Vec::new();
    let mut extract = Vec::new();
    let mut build = Vec::new();
    for p in &op.params {
        let field = field_ident(&p.rust_name);
        let local = format_ident!(
            "p_{}",
            field
                .to_string()
                .trim_start_matches("r#")
                .trim_start_matches('_')
        );
        let ty = rust_type(models, &p.schema);
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
            ParamLocation::Header => {
                quote! { rt::header_values(&parts.headers, #name, val) }
            }
            ParamLocation::Cookie => quote! { rt::cookie_values(&parts.headers, #name) },
        };
        let shape = param_shape(api, &p.schema, p.explode, &p.style);
        let required = p.required;
        let check = validators.emit(&p.schema, &p.pointer);
        // An object in the query: `name[key]=value` pairs (`deepObject`), or one pair per
        // declared property (`form`, exploded: the default).
        let resolved = api.resolve(&p.schema);
        let exploded_object = p.style == "form"
            && p.explode
            && resolved.kind == Some(Kind::Object)
            && !resolved.properties.is_empty();
        if p.location == ParamLocation::Query && (p.style == "deepObject" || exploded_object) {
            let shape = super::body::shape(api, &p.schema, 4);
            let read = if exploded_object {
                quote! { query.exploded_object(#name, #shape) }
            } else {
                quote! { query.deep_object(#name, #shape) }
            };
            extract.push(quote! {
                let #local = rt::deep_object_param(
                    #name,
                    #read,
                    #required,
                    |v, val| { #check },
                    val,
                );
            });
            build.push(quote! {
                #field: rt::convert(#local, &[#loc, #name])?,
            });
            continue;
        }
        let spec = validators.param_static(quote! {
            rt::Param {
                location: #loc,
                name: #name,
                shape: #shape,
                required: #required,
                check: |v, val| { #check },
            }
        });
        extract.push(quote! { let #local = #spec.read(#raw, val); });
        build.push(quote! {
            #field: rt::convert(#local, &[#loc, #name])?,
        });
    }
    if op.params.is_empty() {
        return ParamsCode {
            item: quote! {},
            extract,
            build: quote! {},
            ty_arg: quote! {},
            arg: quote! {},
        };
    }
    let params_doc = format!(
        "Parameters of `{opid}`, validated. Built by the router; `new` takes the required ones (an optional parameter added to the document does not change it)."
    );
    let required: Vec<_> = op.params.iter().filter(|p| p.required).collect();
    // All optional: `Default` is `new()`.
    let default = if required.is_empty() {
        quote! { , Default }
    } else {
        quote! {}
    };
    let new_args = required.iter().map(|p| {
        let field = field_ident(&p.rust_name);
        let ty = rust_type(models, &p.schema);
        quote! { #field: #ty, }
    });
    let init = op.params.iter().map(|p| {
        let field = field_ident(&p.rust_name);
        if p.required {
            quote! { #field, }
        } else {
            quote! { #field: None, }
        }
    });
    ParamsCode {
        item: quote! {
            #[doc = #params_doc]
            #[derive(Debug, Clone, PartialEq #default)]
            #[non_exhaustive]
            pub struct #params_ty { #(#fields)* }

            impl #params_ty {
                /// The parameters with the required ones given and every optional one absent.
                pub fn new(#(#new_args)*) -> Self {
                    Self { #(#init)* }
                }
            }
        },
        extract,
        build: quote! { let params = #params_ty { #(#build)* }; },
        ty_arg: quote! { params: #params_ty, },
        arg: quote! { params, },
    }
}

/// How the runtime reads a parameter's raw text: a scalar, or an array of scalars.
fn param_shape(api: &Api, schema: &Schema, explode: bool, style: &str) -> TokenStream {
    let resolved = api.resolve(schema);
    if resolved.kind == Some(Kind::Array) {
        let item = match &resolved.items {
            Some(items) => scalar_of(api, items),
            None => quote! { rt::Scalar::String },
        };
        match style {
            "spaceDelimited" if !explode => {
                quote! { rt::ParamShape::Delimited { item: #item, separator: ' ' } }
            }
            "pipeDelimited" if !explode => {
                quote! { rt::ParamShape::Delimited { item: #item, separator: '|' } }
            }
            _ => quote! { rt::ParamShape::Array { item: #item, explode: #explode } },
        }
    } else if resolved.kind.is_none() && resolved.enumeration.is_none() {
        quote! { rt::ParamShape::Any }
    } else {
        let s = scalar_of(api, schema);
        quote! { rt::ParamShape::Scalar(#s) }
    }
}

fn scalar_of(api: &Api, schema: &Schema) -> TokenStream {
    match api.resolve(schema).kind {
        Some(Kind::Integer) => quote! { rt::Scalar::Integer },
        Some(Kind::Number) => quote! { rt::Scalar::Number },
        Some(Kind::Boolean) => quote! { rt::Scalar::Boolean },
        _ => quote! { rt::Scalar::String },
    }
}

/// The `…Response` enum: a variant per documented response, plus `Undocumented`.
fn response_enum(op: &Operation, models: &ModelNames, names: &Names, prefix: &str) -> TokenStream {
    let response_ty = &names.response_ty;
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    let mut header_items = Vec::new();
    // A body of bytes or a stream is sent once: such an enum is neither `Clone` nor `PartialEq`.
    let mut raw = false;
    for r in &op.responses {
        let variant = format_ident!("{}", r.status.word());
        let doc = doc_attrs(&format!(
            "{}: {}",
            r.status.label(),
            if r.description.is_empty() {
                "(no description)"
            } else {
                &r.description
            }
        ));
        let status_expr = match r.status {
            Status::Code(c) => {
                let c = proc_macro2::Literal::u16_unsuffixed(c);
                quote! { rt::status(#c) }
            }
            _ => quote! { status },
        };
        let ranged = !matches!(r.status, Status::Code(_));
        let (ty, send): (TokenStream, fn(&TokenStream, &str) -> TokenStream) = match &r.body {
            Some(b) if b.kind == MediaKind::Text => (quote! { String }, |status, media| {
                quote! { rt::text_response(#status, #media, body) }
            }),
            Some(b) if !b.is_json() => {
                raw = true;
                (quote! { rt::RawBody }, |status, media| {
                    quote! { body.into_response_with(#status, #media) }
                })
            }
            Some(b) => (rust_type(models, &b.schema), |status, media| {
                // The document's JSON media type (`application/vnd.amadeus+json`) as written.
                if crate::media::essence(media) == "application/json" {
                    quote! { rt::json_response(#status, &body) }
                } else {
                    quote! { rt::json_response_as(#status, #media, &body) }
                }
            }),
            None => (quote! {}, |status, _| quote! { #status.into_response() }),
        };
        let media = r.body.as_ref().map_or("", |b| b.media_type.as_str());
        let answer = send(&status_expr, media);
        // Documented headers: a `…Headers` struct as the variant's last field, written on the
        // answer. With a required one, the variant always carries it; with optional ones only,
        // the plain variant stays and `…WithHeaders` carries them (so a header added to the
        // document as optional does not change what implementations wrote).
        let headers = super::headers::response_headers(op, r, prefix, models);
        let plain = !super::headers::carries_required(r);
        if plain {
            let (variant_item, arm) =
                response_variant(&variant, &ty, &answer, r.body.is_some(), ranged, None);
            variants.push(quote! { #doc #variant_item });
            arms.push(arm);
        }
        if let Some(h) = &headers {
            header_items.push(h.item.clone());
            let headed = super::headers::headed_variant(r);
            let doc = if plain {
                doc_attrs(&format!(
                    "{}, with its documented headers.",
                    r.status.label()
                ))
            } else {
                doc
            };
            let answer = quote! { rt::with_headers(#answer, &headers) };
            let (variant_item, arm) =
                response_variant(&headed, &ty, &answer, r.body.is_some(), ranged, Some(&h.ty));
            variants.push(quote! { #doc #variant_item });
            arms.push(arm);
        }
    }
    variants.push(quote! {
        /// A status the document does not list for this operation (such as 500 when storage
        /// fails), with a JSON body.
        Undocumented(StatusCode, Value),
    });
    arms.push(quote! { Self::Undocumented(status, body) => rt::json_response(status, &body), });
    let response_doc = format!("Every response `{}` documents, with its body.", op.id);
    let derives = if raw {
        quote! { #[derive(Debug)] }
    } else {
        quote! { #[derive(Debug, Clone, PartialEq)] }
    };
    quote! {
        #(#header_items)*

        #[doc = #response_doc]
        #derives
        #[allow(clippy::large_enum_variant)] // built once, moved once: boxing would only cost
        #[non_exhaustive]
        pub enum #response_ty { #(#variants)* }

        impl IntoResponse for #response_ty {
            fn into_response(self) -> Response {
                match self { #(#arms)* }
            }
        }
    }
}

/// One variant of a response enum (after its doc) and its `into_response` arm answering
/// `answer`: for a range, the status given first; the body, if any; then `headers`' type, if any.
fn response_variant(
    variant: &Ident,
    body_ty: &TokenStream,
    answer: &TokenStream,
    has_body: bool,
    ranged: bool,
    headers: Option<&Ident>,
) -> (TokenStream, TokenStream) {
    let mut types = Vec::new();
    let mut pats = Vec::new();
    if ranged {
        types.push(quote! { StatusCode });
        pats.push(quote! { status });
    }
    if has_body {
        types.push(body_ty.clone());
        pats.push(quote! { body });
    }
    if let Some(h) = headers {
        types.push(quote! { #h });
        pats.push(quote! { headers });
    }
    if types.is_empty() {
        return (quote! { #variant, }, quote! { Self::#variant => #answer, });
    }
    (
        quote! { #variant(#(#types),*), },
        quote! { Self::#variant(#(#pats),*) => #answer, },
    )
}

/// The `Api` trait's method for `op`, documented from the document's summary and description.
fn trait_method(
    op: &Operation,
    names: &Names,
    auth: &AuthCode,
    params: &ParamsCode,
    body: &BodyCode,
) -> TokenStream {
    let mut line = format!(
        "`{}` `{}` (operation `{}`).",
        op.method.to_uppercase(),
        op.path,
        op.id
    );
    if let Some(credentials) = &auth.doc {
        line = format!("{line} {credentials}");
    }
    let doc = operation_doc(op, &line);
    let (method, response_ty) = (&names.method, &names.response_ty);
    let (auth_ty_arg, params_ty_arg, body_ty_arg) = (&auth.ty_arg, &params.ty_arg, &body.ty_arg);
    quote! {
        #doc
        fn #method(&self, #auth_ty_arg #params_ty_arg #body_ty_arg)
            -> impl ::std::future::Future<Output = #response_ty> + Send;
    }
}

/// What every handler of a document's router shares.
struct Router {
    /// Whether paths are matched against their templates by the handler (see
    /// `routes::needs_canonical`).
    canonical: bool,
    /// The validator a request starts with: which numbers are integers depends on the JSON
    /// Schema the document's schemas follow.
    validator: TokenStream,
}

impl Router {
    fn of(api: &Api, canonical: bool) -> Self {
        let validator = match api.openapi {
            OpenApiVersion::V3_0 => quote! { rt::Validator::new() },
            OpenApiVersion::V3_1 => quote! { rt::Validator::with_dialect(rt::Dialect::OpenApi31) },
        };
        Self {
            canonical,
            validator,
        }
    }
}

/// The axum handler of `op`: credential, parameters and body are extracted and validated (every
/// problem reported at once) before the trait method is called.
fn handler(
    op: &Operation,
    index: usize,
    names: &Names,
    auth: &AuthCode,
    params: &ParamsCode,
    body: &BodyCode,
    router: &Router,
) -> TokenStream {
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    let (canonical, validator) = (router.canonical, &router.validator);
    let needs_path = op.params.iter().any(|p| p.location == ParamLocation::Path);
    let needs_query = op.params.iter().any(|p| p.location == ParamLocation::Query);
    let path_setup = if needs_path && canonical {
        let template = super::routes::template(op);
        quote! {
            let path = rt::PathParams::templated(raw_path, #template, val)?;
        }
    } else if needs_path {
        quote! { let path = rt::PathParams::new(raw_path, val); }
    } else {
        quote! { drop(raw_path); }
    };
    let query_setup = if needs_query {
        quote! { let query = rt::QueryParams::parse(parts.uri.query()); }
    } else {
        quote! {}
    };
    let handler_doc = format!("Extracts, validates and dispatches `{}`.", op.id);
    let (handler, method) = (&names.handler, &names.method);
    let (auth_extract, auth_arg) = (&auth.extract, &auth.arg);
    let (extract, params_build, params_arg) = (&params.extract, &params.build, &params.arg);
    let (body_extract, body_build, body_arg) = (&body.extract, &body.build, &body.arg);
    quote! {
        #[doc = #handler_doc]
        #[allow(unused_variables, clippy::let_unit_value, clippy::collapsible_if)]
        async fn #handler<A: Api>(
            axum::extract::State(state): axum::extract::State<rt::ServerState<A>>,
            raw_path: rt::RawPath,
            request: axum::extract::Request,
        ) -> Response {
            // Every early answer (`?`) is a refusal, put in the document's shape below.
            let response: Result<Response, Response> = async move {
                let (parts, body) = request.into_parts();
                #auth_extract
                let mut validator = #validator;
                let val = &mut validator;
                #path_setup
                #query_setup
                #(#extract)*
                #body_extract
                validator.finish().map_err(IntoResponse::into_response)?;
                #params_build
                #body_build
                #[allow(deprecated)]
                let response = state.api.#method(#auth_arg #params_arg #body_arg).await;
                Ok(response.into_response())
            }
            .await;
            rt::answer(&ERROR_SHAPES, #index, response)
        }
    }
}
