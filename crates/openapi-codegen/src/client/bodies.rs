//! The facade's request bodies that the generated client does not send itself — form-urlencoded
//! (a model), multipart (`rt::Multipart`), text (`String`) and bytes (`rt::BinaryBody`): the
//! argument or option each takes, and the code that encodes it once per call.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, Body, MediaKind};
use crate::models::{ModelNames, TypePaths};

/// What a facade method does with a body the facade encodes.
pub(super) struct FacadeBody {
    /// The method's argument, when the body is required or not a model.
    pub arg: Option<TokenStream>,
    /// The `…Options` field and its setter, for an optional model or text body.
    pub field: Option<(TokenStream, TokenStream)>,
    /// `let outgoing: Option<rt::Outgoing> = …;`
    pub prepare: TokenStream,
}

/// Whether `body` is sent by the facade rather than by progenitor's builder: any body but a
/// JSON one, and every media type of a body offered in several (each has its own call, see
/// [`Body::client_contents`]).
pub(super) fn encoded_by_facade(body: &Body) -> bool {
    body.kind != MediaKind::Json || body.client_contents().len() > 1
}

/// The Rust type of a body model in the facade (`models::…`).
fn model_type(models: &ModelNames, body: &Body) -> TokenStream {
    models.rust_type(
        &body.schema,
        &TypePaths {
            chrono: quote! { ::chrono },
            json_value: quote! { ::serde_json::Value },
        },
    )
}

pub(super) fn facade_body(models: &ModelNames, body: &Body) -> FacadeBody {
    let media = body.media_type.as_str();
    let required = body.required;
    match body.kind {
        MediaKind::Form | MediaKind::Json => {
            let encode = if body.kind == MediaKind::Form {
                let fields = form_encodings(body);
                quote! { rt::Outgoing::form(body, &[#(#fields),*])? }
            } else {
                quote! { rt::Outgoing::json(body, #media)? }
            };
            model_body(model_type(models, body), encode, required)
        }
        MediaKind::Text => {
            if required {
                FacadeBody {
                    arg: Some(quote! { body: impl Into<String>, }),
                    field: None,
                    prepare: quote! { let outgoing = Some(rt::Outgoing::text(#media, body.into())); },
                }
            } else {
                FacadeBody {
                    arg: None,
                    field: Some(option_field(
                        quote! { String },
                        "The text body (optional for this operation).",
                    )),
                    prepare: quote! {
                        let outgoing = options.body.clone().map(|text| rt::Outgoing::text(#media, text));
                    },
                }
            }
        }
        MediaKind::Binary | MediaKind::Other => {
            if required {
                FacadeBody {
                    arg: Some(quote! { body: impl Into<rt::BinaryBody>, }),
                    field: None,
                    prepare: quote! { let outgoing = Some(body.into().into_outgoing(#media)?); },
                }
            } else {
                FacadeBody {
                    arg: Some(quote! { body: Option<rt::BinaryBody>, }),
                    field: None,
                    prepare: quote! {
                        let outgoing = match body {
                            Some(body) => Some(body.into_outgoing(#media)?),
                            None => None,
                        };
                    },
                }
            }
        }
        MediaKind::Multipart => {
            let types = part_types(body);
            let ty = if required {
                quote! { rt::Multipart }
            } else {
                quote! { Option<rt::Multipart> }
            };
            let prepare = if required {
                quote! { let outgoing = Some(body.into_outgoing(&[#(#types),*]).await?); }
            } else {
                quote! {
                    let outgoing = match body {
                        Some(body) => Some(body.into_outgoing(&[#(#types),*]).await?),
                        None => None,
                    };
                }
            };
            FacadeBody {
                arg: Some(quote! { body: #ty, }),
                field: None,
                prepare,
            }
        }
    }
}

/// A body that is a model (JSON or a form): `&Model` when required, an `…Options` field else;
/// `encode` turns `body` into the outgoing bytes.
fn model_body(ty: TokenStream, encode: TokenStream, required: bool) -> FacadeBody {
    if required {
        FacadeBody {
            arg: Some(quote! { body: &#ty, }),
            field: None,
            prepare: quote! { let outgoing = Some(#encode); },
        }
    } else {
        FacadeBody {
            arg: None,
            field: Some(option_field(
                ty,
                "The request body (optional for this operation).",
            )),
            prepare: quote! {
                let outgoing = match &options.body {
                    Some(body) => Some(#encode),
                    None => None,
                };
            },
        }
    }
}

/// The doc lines naming a multipart body's parts (which are files, which required).
pub(super) fn multipart_doc(api: &Api, body: &Body) -> Option<String> {
    if body.kind != MediaKind::Multipart {
        return None;
    }
    let schema = api.resolve(&body.schema);
    let files = api.multipart_files(body);
    let parts: Vec<String> = schema
        .properties
        .iter()
        .map(|(name, _)| {
            let what = if files.contains(name) {
                "file"
            } else {
                "field"
            };
            let required = if schema.required.contains(name) {
                ", required"
            } else {
                ""
            };
            format!("`{name}` ({what}{required})")
        })
        .collect();
    (!parts.is_empty()).then(|| format!("Parts of the multipart body: {}.", parts.join(", ")))
}

fn option_field(ty: TokenStream, doc: &str) -> (TokenStream, TokenStream) {
    let field = quote! {
        #[doc = #doc]
        pub body: Option<#ty>,
    };
    let setter = quote! {
        /// Sets the body.
        pub fn body(mut self, value: impl Into<#ty>) -> Self {
            self.body = Some(value.into());
            self
        }
    };
    (field, setter)
}

/// `rt::FormEncoding { … }` for each property with an `encoding` entry.
fn form_encodings(body: &Body) -> Vec<TokenStream> {
    body.encoding
        .iter()
        .map(|(name, e)| {
            let style = match e.style.as_str() {
                "spaceDelimited" => quote! { rt::FormStyle::SpaceDelimited },
                "pipeDelimited" => quote! { rt::FormStyle::PipeDelimited },
                "deepObject" => quote! { rt::FormStyle::DeepObject },
                _ => quote! { rt::FormStyle::Form },
            };
            let explode = e.explode;
            quote! { rt::FormEncoding { name: #name, style: #style, explode: #explode } }
        })
        .collect()
}

/// `("part", "content/type")` for each multipart property whose `encoding` names one.
fn part_types(body: &Body) -> Vec<TokenStream> {
    body.encoding
        .iter()
        .filter_map(|(name, e)| e.content_type.as_deref().map(|ct| quote! { (#name, #ct) }))
        .collect()
}
