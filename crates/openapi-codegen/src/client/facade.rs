//! The facade (`facade.rs` of the client crate): `Client`, one async method per operation, and
//! the progenitor hooks. The policy (credential, base URL, retries, idempotency keys, errors) is
//! the hand-written `openapi-client-runtime`, the same for every document. Required
//! parameters are arguments; optional ones live in a per-operation `…Options` struct (`Default`
//! and setters, `#[non_exhaustive]`), so an optional parameter added to the document never
//! changes a method's signature.
//!
//! The methods drive progenitor's builders; the type each builder setter accepts is read from
//! progenitor's own output, so the facade always agrees with it.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote};

use super::credentials;
use crate::error::{Degradation, Diagnostic};
use crate::ir::{Api, Operation, ParamLocation};
use crate::media::essence;
use crate::models::ModelNames;
use crate::naming::{doc_attrs, method_name, operation_doc, snake};

/// Names `Client`'s own methods use (a facade method never takes one).
const RESERVED: &[&str] = &["new", "builder", "server_url", "generated", "with_token"];

/// What progenitor's builder for one operation accepts and answers.
struct BuilderInfo {
    /// Builder setter name → the type it converts into (`V: TryInto<T>`).
    setters: BTreeMap<String, TokenStream>,
    /// The success type `send` yields.
    success: TokenStream,
}

/// The facade for `api`, given progenitor's client tokens; the models are crate `models_crate`,
/// the runtime crate `runtime`.
pub(crate) fn generate(
    api: &Api,
    models: &ModelNames,
    models_crate: &str,
    progenitor: &TokenStream,
    runtime: &str,
) -> (TokenStream, Vec<Diagnostic>) {
    let builders = builder_infos(progenitor);
    let names = facade_names(api);
    let requirements = credentials::Requirements::new(api);
    let mut diags = Vec::new();
    let mut methods = Vec::new();
    let mut options = Vec::new();
    for (op, name) in api.operations.iter().zip(&names) {
        let Some(info) = builders.get(&method_name(&op.id)) else {
            diags.push(
                Diagnostic::warning(&op.pointer, "progenitor generated no builder for this operation: the facade has no method for it")
                    .degrading(Degradation::Operation)
.in_operation(Some(&op.id)),
            );
            continue;
        };
        // One call per media type of the body: the first under the operation's name, each other
        // as `<name>_with_<media type>`.
        let mut calls = vec![(name.clone(), op.body.clone())];
        if let Some(body) = &op.body {
            for content in body.client_contents().iter().skip(1) {
                let mut alt = format!("{name}_with_{}", snake(&essence(&content.media_type)));
                while names.contains(&alt) || calls.iter().any(|(n, _)| *n == alt) {
                    alt.push('_');
                }
                calls.push((alt, Some(body.as_content(content))));
            }
        }
        let encoded = op
            .body
            .as_ref()
            .is_some_and(super::bodies::encoded_by_facade);
        for (call_name, body) in &calls {
            let requirement = requirements.of(op, api);
            match method(
                op,
                body.as_ref(),
                encoded,
                api,
                models,
                call_name,
                info,
                &requirement,
            ) {
                Ok((m, o)) => {
                    methods.push(m);
                    options.push(o);
                }
                Err(message) => diags.push(
                    Diagnostic::warning(&op.pointer, message)
                        .degrading(Degradation::Operation)
                        .in_operation(Some(&op.id)),
                ),
            }
        }
    }
    let runtime = format_ident!("{}", runtime);
    let models_ident = format_ident!("{}", models_crate);
    let servers: Vec<&str> = api.servers.iter().map(String::as_str).collect();
    let creds = credentials::generate(api);
    let title_doc = format!(
        "A client of {}: one method per operation, with the policy of [`rt`] for this document: {}.",
        api.title, creds.policy
    );
    let (facade_consts, builder, constructors) =
        (&creds.facade_consts, &creds.builder, &creds.constructors);
    let requirement_consts = requirements.consts();
    let tokens = quote! {
        //! The client facade: [`Client`], one method per operation of the document, and the
        //! optional parameters of each in its `…Options` struct.
        // Every attempt of a call builds its request anew from the arguments, whatever their type.
        #![allow(clippy::clone_on_copy, clippy::ptr_arg)]

        #[allow(unused_imports)]
        use crate::generated::{types, ByteStream};
        use #runtime as rt;
        #[allow(unused_imports)]
        use #models_ident as models;
        use rt::Error;
        #[allow(unused_imports)]
        use rt::Maybe as _;
        use rt::reexports::progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
        use rt::reexports::reqwest;

        #[doc = #title_doc]
        #[derive(Debug, Clone)]
        pub struct Client {
            raw: crate::generated::Client,
            core: rt::Core,
        }

        #builder

        impl rt::Facade for Client {
            const SERVERS: &'static [&'static str] = &[#(#servers),*];
            const USER_AGENT: &'static str =
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"), " (rust)");
            #facade_consts

            fn from_parts(base_url: &str, http: reqwest::Client, core: rt::Core) -> Self {
                Self {
                    raw: crate::generated::Client::new_with_client(base_url, http),
                    core,
                }
            }
        }

        impl Client {
            #constructors

            /// The base URL requests go to.
            pub fn server_url(&self) -> &str {
                self.raw.baseurl()
            }

            /// The generated client underneath (no credential, no retries).
            pub fn generated(&self) -> &crate::generated::Client {
                &self.raw
            }

            #(#methods)*
        }

        #requirement_consts

        impl ClientHooks<()> for crate::generated::Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &OperationInfo,
            ) -> Result<(), rt::reexports::progenitor_client::Error<E>> {
                rt::hooks::before_send(request);
                Ok(())
            }

            async fn post<E>(
                &self,
                result: &reqwest::Result<reqwest::Response>,
                _info: &OperationInfo,
            ) -> Result<(), rt::reexports::progenitor_client::Error<E>> {
                rt::hooks::after_receive(result);
                Ok(())
            }
        }

        #(#options)*
    };
    (tokens, diags)
}

/// A facade name per operation: the last dotted segment of the operationId when that is unique
/// in the document and free, else the whole operationId, snake-cased.
fn facade_names(api: &Api) -> Vec<String> {
    let short = |id: &str| snake(id.rsplit('.').next().unwrap_or(id));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for op in &api.operations {
        *counts.entry(short(&op.id)).or_default() += 1;
    }
    let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
    api.operations
        .iter()
        .map(|op| {
            let s = short(&op.id);
            let name = if counts[&s] == 1 && !taken.contains(&s) {
                s
            } else {
                method_name(&op.id)
            };
            let mut unique = name.clone();
            let mut n = 2;
            while !taken.insert(unique.clone()) {
                unique = format!("{name}_{n}");
                n += 1;
            }
            unique
        })
        .collect()
}

/// The one value a required header parameter's `enum` allows (a string), which the facade
/// sends itself rather than asking the caller for.
fn fixed_header<'a>(api: &'a Api, p: &'a crate::ir::Param) -> Option<&'a str> {
    if p.location != ParamLocation::Header || !p.required {
        return None;
    }
    match api.resolve(&p.schema).enumeration.as_deref() {
        Some([serde_json::Value::String(only)]) => Some(only.as_str()),
        _ => None,
    }
}

/// Whether a parameter is the `Idempotency-Key` header the policy fills in.
fn is_idempotency_key(location: ParamLocation, name: &str) -> bool {
    location == ParamLocation::Header && name.eq_ignore_ascii_case("idempotency-key")
}

/// One facade method of `op` sending `body` (the operation's, or one of its other media types);
/// `encoded`: the facade encodes the body rather than progenitor's builder; `requirement`: the
/// credentials it needs (`&REQUIREMENT_<i>`).
#[allow(clippy::too_many_arguments)]
fn method(
    op: &Operation,
    body: Option<&crate::ir::Body>,
    encoded: bool,
    api: &Api,
    models: &ModelNames,
    name: &str,
    info: &BuilderInfo,
    requirement: &TokenStream,
) -> Result<(TokenStream, TokenStream), String> {
    let fn_name = format_ident!("{}", name);
    let op_id = op.id.as_str();
    let builder_fn = format_ident!("{}", method_name(&op.id));
    let options_ty = format_ident!("{}Options", crate::naming::rust_type_name(name));
    let setter = |param: &str| -> Result<(Ident, &TokenStream), String> {
        let s = snake(param);
        info.setters
            .get(&s)
            .map(|ty| (format_ident!("{}", s), ty))
            .ok_or_else(|| format!("progenitor's builder has no setter for parameter `{param}`: the facade has no method for this operation"))
    };

    let mut args = Vec::new();
    let mut prepare = Vec::new();
    let mut chain = Vec::new();
    let mut fields = Vec::new();
    let mut field_setters = Vec::new();
    let mut extra = Vec::new();
    for p in op
        .params
        .iter()
        .filter(|p| !(p.shadowed && p.location == ParamLocation::Path))
    {
        if super::extra::sent_by_facade(p) {
            let sent = super::extra::extra_param(p, models);
            args.extend(sent.arg);
            if let Some((field, setter)) = sent.field {
                fields.push(field);
                field_setters.push(setter);
            }
            extra.push(sent.chain);
            continue;
        }
        let (ident, ty) = setter(&p.name)?;
        let doc = doc_attrs(p.description.as_deref().unwrap_or(&format!(
            "The `{}` {} parameter.",
            p.name,
            p.location.as_str()
        )));
        if super::is_list_header(api, p) {
            // progenitor takes the header as one string: the facade takes the list.
            let ty = quote! { ::std::vec::Vec<::std::string::String> };
            if p.required {
                args.push(quote! { #ident: #ty, });
                chain.push(quote! { let request = request.#ident(#ident.join(",")); });
            } else {
                fields.push(quote! {
                    #doc
                    /// Sent comma-separated, as the `simple` style writes a list.
                    pub #ident: Option<#ty>,
                });
                field_setters.push(super::extra::option_setter(&ident, &ty));
                chain.push(quote! {
                    let request = request.maybe(&options.#ident, |r, v| r.#ident(v.join(",")));
                });
            }
            continue;
        }
        if is_idempotency_key(p.location, &p.name) {
            fields.push(quote! {
                #doc
                /// When absent, one (`auto_<uuid>`) is made for the call and reused by its retries.
                pub #ident: Option<#ty>,
            });
            field_setters.push(super::extra::option_setter(&ident, ty));
            prepare.push(quote! { let key = self.core.idempotency_key(options.#ident.clone()); });
            chain.push(quote! { let request = request.#ident(key.clone()); });
        } else if let Some(value) = fixed_header(api, p) {
            // The document allows one value (AWS's `X-Amz-Target`): the call sends it.
            chain.push(quote! { let request = request.#ident(#value); });
        } else if p.required {
            args.push(quote! { #ident: impl Into<#ty>, });
            prepare.push(quote! { let #ident: #ty = #ident.into(); });
            chain.push(quote! { let request = request.#ident(#ident.clone()); });
        } else {
            fields.push(quote! { #doc pub #ident: Option<#ty>, });
            field_setters.push(super::extra::option_setter(&ident, ty));
            chain.push(quote! {
                let request = request.maybe(&options.#ident, |r, v| r.#ident(v.clone()));
            });
        }
    }
    let mut encoding = None;
    match body {
        Some(body) if encoded => {
            let b = super::bodies::facade_body(models, body);
            args.extend(b.arg);
            if let Some((field, setter)) = b.field {
                fields.push(field);
                field_setters.push(setter);
            }
            encoding = Some(b.prepare);
        }
        Some(body) => {
            let (ident, ty) = info
            .setters
            .get("body")
            .map(|ty| (format_ident!("body"), ty))
            .ok_or("progenitor's builder has no body setter: the facade has no method for this operation")?;
            if body.required {
                args.push(quote! { #ident: &#ty, });
                chain.push(quote! { let request = request.body(#ident.clone()); });
            } else {
                fields.push(quote! {
                    /// The request body (optional for this operation).
                    pub body: Option<#ty>,
                });
                field_setters.push(super::extra::option_setter(&ident, ty));
                chain.push(quote! {
                    let request = request.maybe(&options.body, |r, v| r.body(v.clone()));
                });
            }
        }
        None => {}
    }
    // What may be sent again (RFC 9110 idempotent methods, or a call carrying a key).
    let keyed = op
        .params
        .iter()
        .any(|p| !p.shadowed && is_idempotency_key(p.location, &p.name));
    let safety = match (keyed, op.method.to_ascii_uppercase().as_str()) {
        (true, _) => quote! { rt::RetrySafety::Keyed },
        (false, "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE") => {
            quote! { rt::RetrySafety::Idempotent }
        }
        (false, _) => quote! { rt::RetrySafety::NotIdempotent },
    };
    let success = &info.success;
    // Raw bytes from progenitor (a body that is not JSON, or several success bodies): the
    // facade answers a `Download` with status and content type.
    let download = success.to_string() == "ByteStream";
    let answer = if download {
        quote! { rt::Download }
    } else {
        quote! { #success }
    };
    // An operation without optional parameters takes `options` only so that one appearing
    // later does not change the signature.
    let unpack = if fields.is_empty() {
        quote! { let _ = options; }
    } else {
        quote! { let options = options.unwrap_or_default(); }
    };

    let mut line = format!(
        "`{}` `{}` (operation `{}`); optional parameters in [`{options_ty}`].",
        op.method.to_uppercase(),
        op.path,
        op.id
    );
    if let Some(parts) = body.and_then(|b| super::bodies::multipart_doc(api, b)) {
        line = format!("{line} {parts}");
    }
    let doc = operation_doc(op, &line);
    let send = quote! {
        || {
            let request = self.raw.#builder_fn();
            #(#chain)*
            request.send()
        }
    };
    let (encode, call) = if encoding.is_none() && !download && extra.is_empty() {
        (
            quote! {},
            quote! { self.core.call(#op_id, #requirement, #safety, #send).await },
        )
    } else {
        let body = encoding.unwrap_or(quote! { let outgoing = None; });
        let encode = quote! {
            #body
            let params = rt::ExtraParams::new() #(#extra)*;
        };
        let finish = if download {
            quote! { rt::Download::from_response }
        } else {
            quote! { rt::reexports::progenitor_client::ResponseValue::into_inner }
        };
        (
            encode,
            quote! {
                self.core
                    .call_with_body(#op_id, #requirement, #safety, outgoing, params, #send)
                    .await
                    .map(#finish)
            },
        )
    };
    let method = quote! {
        #doc
        pub async fn #fn_name(
            &self,
            #(#args)*
            options: Option<#options_ty>,
        ) -> Result<#answer, Error> {
            #unpack
            #(#prepare)*
            #encode
            #[allow(deprecated)]
            #call
        }
    };
    let options_doc = format!(
        "Optional parameters of [`Client::{name}`] (`{}`): start from `Default::default()` and set what you need.",
        op.id
    );
    // `PartialEq` only where every field has it: the shared models and std types do, a type of
    // progenitor's own (`types::…`) or of reqwest may not.
    let comparable = !fields.iter().any(|f| {
        let text = f.to_string();
        text.contains("types ::") || text.contains("reqwest")
    });
    let derives = if comparable {
        quote! { #[derive(Debug, Clone, Default, PartialEq)] }
    } else {
        quote! { #[derive(Debug, Clone, Default)] }
    };
    let options = quote! {
        #[doc = #options_doc]
        #derives
        #[non_exhaustive]
        pub struct #options_ty {
            #(#fields)*
        }

        impl #options_ty {
            #(#field_setters)*
        }
    };
    Ok((method, options))
}

/// Reads progenitor's builders: `Client::<method>() -> builder::<Type>`, each builder's
/// `<setter><V>(…) where V: TryInto<T>` and its `send() -> Result<ResponseValue<S>, …>`.
fn builder_infos(progenitor: &TokenStream) -> BTreeMap<String, BuilderInfo> {
    let Ok(file) = syn::parse2::<syn::File>(progenitor.clone()) else {
        return BTreeMap::new();
    };
    let mut method_to_builder: BTreeMap<String, String> = BTreeMap::new();
    let mut builders: BTreeMap<String, BuilderInfo> = BTreeMap::new();
    for item in &file.items {
        match item {
            syn::Item::Impl(imp) if type_name(&imp.self_ty).as_deref() == Some("Client") => {
                for f in impl_fns(imp) {
                    if let syn::ReturnType::Type(_, ty) = &f.sig.output
                        && let Some(builder) = type_name(ty)
                    {
                        method_to_builder.insert(f.sig.ident.to_string(), builder);
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for inner in m.content.iter().flat_map(|(_, items)| items) {
                    let syn::Item::Impl(imp) = inner else {
                        continue;
                    };
                    let Some(name) = type_name(&imp.self_ty) else {
                        continue;
                    };
                    let mut info = BuilderInfo {
                        setters: BTreeMap::new(),
                        success: quote! { () },
                    };
                    for f in impl_fns(imp) {
                        let fname = f.sig.ident.to_string();
                        if fname == "send" {
                            if let Some(ty) = success_type(&f.sig.output) {
                                info.success = ty;
                            }
                        } else if let Some(ty) = try_into_target(&f.sig) {
                            info.setters.insert(fname, ty);
                        }
                    }
                    builders.insert(name, info);
                }
            }
            _ => {}
        }
    }
    method_to_builder
        .into_iter()
        .filter_map(|(method, builder)| builders.remove(&builder).map(|b| (method, b)))
        .collect()
}

fn impl_fns(imp: &syn::ItemImpl) -> impl Iterator<Item = &syn::ImplItemFn> {
    imp.items.iter().filter_map(|i| match i {
        syn::ImplItem::Fn(f) => Some(f),
        _ => None,
    })
}

/// The last segment of a type path (`builder::Foo<'a>` → `Foo`).
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `T` of a setter's `where V: std::convert::TryInto<T>` bound.
fn try_into_target(sig: &syn::Signature) -> Option<TokenStream> {
    let clause = sig.generics.where_clause.as_ref()?;
    for pred in &clause.predicates {
        let syn::WherePredicate::Type(t) = pred else {
            continue;
        };
        for bound in &t.bounds {
            let syn::TypeParamBound::Trait(tr) = bound else {
                continue;
            };
            let last = tr.path.segments.last()?;
            if last.ident == "TryInto"
                && let syn::PathArguments::AngleBracketed(args) = &last.arguments
                && let Some(syn::GenericArgument::Type(target)) = args.args.first()
            {
                return Some(target.to_token_stream());
            }
        }
    }
    None
}

/// `S` of `-> Result<ResponseValue<S>, Error<E>>`.
fn success_type(output: &syn::ReturnType) -> Option<TokenStream> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(p) = ty.as_ref() else {
        return None;
    };
    let result = p.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &result.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(value))) = args.args.first() else {
        return None;
    };
    let response_value = value.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(inner) = &response_value.arguments else {
        return None;
    };
    match inner.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.to_token_stream()),
        _ => None,
    }
}
