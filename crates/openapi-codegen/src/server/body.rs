//! The request body of one operation in the router: read by the media type the request names
//! among those the document declares (JSON, form-urlencoded, multipart, text, bytes), validated
//! against its schema, and handed to the trait method typed (a model, `String`, `rt::Binary` or
//! `rt::Multipart`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::rust_type;
use super::validators::ValidatorCompiler;
use crate::ir::{Api, Body, Kind, MediaKind, Operation, Schema};
use crate::media::essence;
use crate::models::ModelNames;
use crate::naming::{operation_type_prefix, rust_type_name};

/// The request body: extraction and validation, conversion, and the method argument.
pub(super) struct BodyCode {
    /// The `…RequestBody` enum of an operation offering several media types.
    pub item: TokenStream,
    /// The body's type (without the `Option` of an optional body).
    pub ty: TokenStream,
    pub extract: TokenStream,
    pub build: TokenStream,
    pub arg: TokenStream,
    pub ty_arg: TokenStream,
}

/// How deep a form field's shape follows nested objects (deeper values are read as text).
const SHAPE_DEPTH: usize = 4;

pub(super) fn body(
    op: &Operation,
    api: &Api,
    models: &ModelNames,
    validators: &mut ValidatorCompiler<'_>,
) -> BodyCode {
    let Some(b) = &op.body else {
        return BodyCode {
            item: quote! {},
            ty: quote! {},
            extract: quote! { drop(body); },
            build: quote! {},
            arg: quote! {},
            ty_arg: quote! {},
        };
    };
    let pointer = format!("{}/requestBody", op.pointer);
    if b.alternatives.is_empty() {
        content_code(b, api, models, validators, &pointer)
    } else {
        several_media_types(op, b, api, models, validators, &pointer)
    }
}

/// The `…RequestBody` variant of each media type, distinct: a wildcard type whose name another
/// takes is named for its wildcard (`application/*+xml` beside `application/xml`:
/// `ApplicationAnyXml`), any other repeat numbered.
fn variant_names(media: &[String]) -> Vec<String> {
    let plain: Vec<String> = media.iter().map(|m| rust_type_name(&essence(m))).collect();
    let mut names: Vec<String> = Vec::new();
    for (i, media_type) in media.iter().enumerate() {
        let taken_elsewhere = plain
            .iter()
            .enumerate()
            .any(|(j, p)| j != i && *p == plain[i]);
        let mut name = if taken_elsewhere && media_type.contains('*') {
            rust_type_name(&essence(media_type).replace('*', "any"))
        } else {
            plain[i].clone()
        };
        let base = name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// A body offered in several media types: the router picks the one the request's
/// `Content-Type` names and hands the method a `…RequestBody` variant for it.
fn several_media_types(
    op: &Operation,
    b: &Body,
    api: &Api,
    models: &ModelNames,
    validators: &mut ValidatorCompiler<'_>,
    pointer: &str,
) -> BodyCode {
    let enum_ty = format_ident!("{}RequestBody", operation_type_prefix(&op.id));
    let mut declared = Vec::new();
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    let media: Vec<String> = b.contents().iter().map(|c| c.media_type.clone()).collect();
    let names = variant_names(&media);
    for (i, content) in b.contents().iter().enumerate() {
        // Each media type read as an optional body: a missing one is reported once, below.
        let mut single = if i == 0 {
            b.clone()
        } else {
            b.as_content(content)
        };
        single.required = false;
        single.alternatives.clear();
        for (media, _) in &single.accepted {
            declared.push(quote! { (#media, #i) });
        }
        let code = content_code(&single, api, models, validators, pointer);
        let variant = format_ident!("{}", names[i]);
        let ty = &code.ty;
        let doc = format!("Sent as `{}`.", content.media_type);
        variants.push(quote! { #[doc = #doc] #variant(#ty), });
        let (extract, build) = (&code.extract, &code.build);
        arms.push(quote! {
            #i => {
                #extract
                if !val.is_ok() {
                    None
                } else {
                    #build
                    body.map(#enum_ty::#variant)
                }
            }
        });
    }
    let required = b.required;
    let doc = format!(
        "The request body of `{}`, in whichever media type the request was sent.",
        op.id
    );
    let ty = if required {
        quote! { #enum_ty }
    } else {
        quote! { Option<#enum_ty> }
    };
    let (report_missing, unwrap) = if required {
        (
            quote! {
                if body.is_none() && val.is_ok() {
                    val.push("body");
                    val.error("field required", "value_error.missing");
                    val.pop();
                }
            },
            quote! {
                let Some(body) = body else {
                    return Err(rt::refusal(StatusCode::BAD_REQUEST, "bad_request", "the request body is required"));
                };
            },
        )
    } else {
        (quote! {}, quote! {})
    };
    BodyCode {
        ty: quote! { #enum_ty },
        item: quote! {
            #[doc = #doc]
            #[derive(Debug)]
            #[allow(clippy::large_enum_variant)] // built once, moved once
            #[non_exhaustive]
            pub enum #enum_ty { #(#variants)* }
        },
        extract: quote! {
            let index = rt::content_index(&parts.headers, &[#(#declared),*])?;
            let body: Option<#enum_ty> = match index {
                #(#arms)*
                _ => None,
            };
            #report_missing
        },
        build: unwrap,
        arg: quote! { body, },
        ty_arg: quote! { body: #ty, },
    }
}

/// The code of one media type's body (the document's only one, or one of several).
fn content_code(
    b: &Body,
    api: &Api,
    models: &ModelNames,
    validators: &mut ValidatorCompiler<'_>,
    pointer: &str,
) -> BodyCode {
    let pointer = pointer.to_owned();
    let required = b.required;
    let accepted = accepted(b);
    let optional = |ty: TokenStream| {
        if required {
            ty
        } else {
            quote! { Option<#ty> }
        }
    };
    let validate = |check: TokenStream| {
        quote! {
            if let Some(v) = body.as_ref() {
                val.push("body");
                #check
                val.pop();
            }
        }
    };
    let convert = |ty: &TokenStream| {
        quote! {
            let body: #ty = rt::convert(body.unwrap_or(Value::Null), &["body"])?;
        }
    };
    let unwrap = if required {
        // A missing required body was reported: the handler returned before this.
        quote! {
            let Some(body) = body else {
                return Err(rt::refusal(StatusCode::BAD_REQUEST, "bad_request", "the request body is required"));
            };
        }
    } else {
        quote! {}
    };
    // Each kind: its Rust type, the runtime call reading it, its validation, its conversion.
    let (inner, read, check, build) = match b.kind {
        MediaKind::Multipart => {
            return multipart(b, api, validators, &pointer, &accepted, unwrap);
        }
        MediaKind::Json | MediaKind::Form => {
            let read = if b.accepted.iter().all(|(_, k)| *k == MediaKind::Json) {
                quote! { rt::json_body(body, &parts.headers, #required, state.options.body_limit, val) }
            } else {
                let shape = form_shape(api, &b.schema, b);
                quote! {
                    rt::typed_body(body, &parts.headers, #required, state.options.body_limit, #accepted, &#shape, val)
                }
            };
            let inner = rust_type(models, &b.schema);
            let check = validate(validators.emit(&b.schema, &pointer));
            let build = convert(&optional(inner.clone()));
            (inner, read, check, build)
        }
        MediaKind::Text => {
            let is_string = matches!(api.resolve(&b.schema).kind, None | Some(Kind::String));
            let check = if is_string {
                validate(validators.emit(&b.schema, &pointer))
            } else {
                quote! {}
            };
            let inner = quote! { String };
            let read = quote! {
                rt::text_body(body, &parts.headers, #required, state.options.body_limit, #accepted, val)
            };
            let build = convert(&optional(inner.clone()));
            (inner, read, check, build)
        }
        MediaKind::Binary | MediaKind::Other => {
            let read = quote! {
                rt::binary_body(body, &parts.headers, #required, state.options.body_limit, #accepted, val)
            };
            (quote! { rt::Binary }, read, quote! {}, unwrap)
        }
    };
    let ty = optional(inner.clone());
    BodyCode {
        item: quote! {},
        ty: inner,
        extract: quote! {
            let body = #read.await?;
            #check
        },
        build,
        arg: quote! { body, },
        ty_arg: quote! { body: #ty, },
    }
}

fn multipart(
    b: &Body,
    api: &Api,
    validators: &mut ValidatorCompiler<'_>,
    pointer: &str,
    accepted: &TokenStream,
    unwrap: TokenStream,
) -> BodyCode {
    let required = b.required;
    let resolved = api.resolve(&b.schema);
    let files = api.multipart_files(b);
    // The fields are validated without the files, which are checked for presence.
    let mut fields_schema = resolved.json.clone();
    if let Some(obj) = fields_schema.as_object_mut() {
        if let Some(props) = obj.get_mut("properties").and_then(|p| p.as_object_mut()) {
            for f in &files {
                props.remove(f);
            }
        }
        if let Some(req) = obj.get_mut("required").and_then(|r| r.as_array_mut()) {
            req.retain(|r| r.as_str().is_none_or(|r| !files.iter().any(|f| f == r)));
        }
    }
    let check = validators.emit(&Schema::from_json(&fields_schema), pointer);
    let required_files = files
        .iter()
        .filter(|f| resolved.required.iter().any(|r| r == *f))
        .map(|f| {
            quote! {
                if body.file(#f).is_none() {
                    val.push("body");
                    val.push(#f);
                    val.error("field required", "value_error.missing");
                    val.pop();
                    val.pop();
                }
            }
        });
    let shape = form_shape(api, &b.schema, b);
    let ty = if required {
        quote! { rt::Multipart }
    } else {
        quote! { Option<rt::Multipart> }
    };
    BodyCode {
        item: quote! {},
        ty: quote! { rt::Multipart },
        extract: quote! {
            let body = rt::multipart_body(
                body,
                &parts.headers,
                #required,
                state.options.body_limit,
                state.options.multipart_parts,
                #accepted,
                &#shape,
                &[#(#files),*],
                val,
            ).await?;
            if let Some(body) = body.as_ref() {
                let v = &body.fields_value();
                val.push("body");
                #check
                val.pop();
                #(#required_files)*
            }
        },
        build: unwrap,
        arg: quote! { body, },
        ty_arg: quote! { body: #ty, },
    }
}

/// `&[("media/type", rt::MediaKind::…), …]`: what the router accepts for the body.
fn accepted(b: &Body) -> TokenStream {
    let items = b.accepted.iter().map(|(m, k)| {
        let kind = media_kind_tokens(*k);
        quote! { (#m, #kind) }
    });
    quote! { &[#(#items),*] }
}

fn media_kind_tokens(kind: MediaKind) -> TokenStream {
    match kind {
        MediaKind::Json => quote! { rt::MediaKind::Json },
        MediaKind::Form => quote! { rt::MediaKind::Form },
        MediaKind::Multipart => quote! { rt::MediaKind::Multipart },
        MediaKind::Text => quote! { rt::MediaKind::Text },
        MediaKind::Binary => quote! { rt::MediaKind::Binary },
        MediaKind::Other => quote! { rt::MediaKind::Other },
    }
}

/// `rt::FormShape { … }` for a form or multipart body's properties.
fn form_shape(api: &Api, schema: &Schema, b: &Body) -> TokenStream {
    let resolved = api.resolve(schema);
    let fields = resolved.properties.iter().map(|(name, prop)| {
        let shape = shape(api, prop, SHAPE_DEPTH);
        let enc = b.encoding.get(name);
        let style = match enc.map(|e| e.style.as_str()) {
            Some("spaceDelimited") => quote! { rt::FormStyle::SpaceDelimited },
            Some("pipeDelimited") => quote! { rt::FormStyle::PipeDelimited },
            Some("deepObject") => quote! { rt::FormStyle::DeepObject },
            _ => quote! { rt::FormStyle::Form },
        };
        let explode = enc.is_none_or(|e| e.explode);
        quote! { rt::FormField { name: #name, shape: #shape, style: #style, explode: #explode } }
    });
    quote! { rt::FormShape { fields: &[#(#fields),*] } }
}

/// `rt::Shape::…` of a schema, following objects `depth` levels down.
pub(super) fn shape(api: &Api, schema: &Schema, depth: usize) -> TokenStream {
    let s = api.resolve(schema);
    match &s.kind {
        Some(Kind::Integer) => quote! { rt::Shape::Scalar(rt::Scalar::Integer) },
        Some(Kind::Number) => quote! { rt::Shape::Scalar(rt::Scalar::Number) },
        Some(Kind::Boolean) => quote! { rt::Shape::Scalar(rt::Scalar::Boolean) },
        Some(Kind::String) => quote! { rt::Shape::Scalar(rt::Scalar::String) },
        Some(Kind::Array) if depth > 0 => {
            let item = match &s.items {
                Some(items) => shape(api, items, depth - 1),
                None => quote! { rt::Shape::Any },
            };
            quote! { rt::Shape::Array(&#item) }
        }
        Some(Kind::Object) | None if depth > 0 && !s.properties.is_empty() => {
            let props = s.properties.iter().map(|(name, p)| {
                let inner = shape(api, p, depth - 1);
                quote! { (#name, #inner) }
            });
            quote! { rt::Shape::Object(&[#(#props),*]) }
        }
        _ => quote! { rt::Shape::Any },
    }
}

#[cfg(test)]
mod tests {
    use super::variant_names;

    #[test]
    fn request_body_variants_are_distinct_for_media_types_that_name_alike() {
        let media: Vec<String> = [
            "application/*+xml",
            "application/xml",
            "text/xml",
            "text/xml",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            variant_names(&media),
            ["ApplicationAnyXml", "ApplicationXml", "TextXml", "TextXml2"]
        );
        let alone = vec!["application/*+json".to_owned(), "text/plain".to_owned()];
        assert_eq!(
            variant_names(&alone),
            ["ApplicationJson", "TextPlain"],
            "no clash: as before"
        );
    }
}
