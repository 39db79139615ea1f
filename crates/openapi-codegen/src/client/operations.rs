//! Our operation table beside progenitor's client: the `Operation` enum, `ErrorBody::decode`
//! (error bodies typed by the schema documented for their status) and `<Operation>Success`
//! enums for operations with several success bodies.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Api, MediaKind, Operation};
use crate::models::{ModelNames, TypePaths};
use crate::naming::{doc_attrs, operation_type_prefix, operation_variant};
use crate::status::Status;

/// `<Operation>Success` enums for operations with several success bodies.
pub(super) fn success_types(api: &Api, models: &ModelNames) -> TokenStream {
    let paths = TypePaths {
        chrono: quote! { ::chrono },
        json_value: quote! { ::serde_json::Value },
    };
    let mut items = Vec::new();
    for op in api
        .operations
        .iter()
        .filter(|op| op.has_several_success_bodies())
    {
        let name = format_ident!("{}Success", operation_type_prefix(&op.id));
        let doc = format!(
            "The documented success answers of `{}`, typed by status (progenitor hands them over as bytes).",
            op.id
        );
        let mut variants = Vec::new();
        let mut exact = Vec::new();
        let mut ranges = Vec::new();
        for r in op.successes() {
            let variant = format_ident!("{}", r.status.word());
            let vdoc = format!("{}: {}", r.status.key(), r.description);
            // How a body is read: JSON into its model, text as UTF-8, anything else as bytes.
            let read = |b: &crate::ir::ResponseBody| match b.kind {
                MediaKind::Json => (
                    models.rust_type(&b.schema, &paths),
                    quote! { ::serde_json::from_slice(body).map_err(|e| e.to_string()) },
                ),
                MediaKind::Text => (
                    quote! { String },
                    quote! { String::from_utf8(body.to_vec()).map_err(|e| e.to_string()) },
                ),
                _ => (
                    quote! { ::std::vec::Vec<u8> },
                    quote! { Ok::<_, String>(body.to_vec()) },
                ),
            };
            match (r.status, &r.body) {
                (Status::Code(c), Some(body)) => {
                    let (ty, decode) = read(body);
                    variants.push(quote! { #[doc = #vdoc] #variant(#ty), });
                    exact.push(quote! { #c => #decode.map(Self::#variant), });
                }
                (Status::Code(c), None) => {
                    variants.push(quote! { #[doc = #vdoc] #variant, });
                    exact.push(quote! { #c => Ok(Self::#variant), });
                }
                (_, Some(body)) => {
                    let (ty, decode) = read(body);
                    variants.push(quote! { #[doc = #vdoc] #variant(u16, #ty), });
                    ranges
                        .push(quote! { 200..=299 => #decode.map(|b| Self::#variant(status, b)), });
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
            #[non_exhaustive]
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

/// `Operation` enum, and `ErrorBody` with `ErrorBody::decode(operation, status, value)`.
pub(super) fn operation_table(api: &Api, models: &ModelNames, models_crate: &str) -> TokenStream {
    let models_crate = format_ident!("{}", models_crate);
    // Distinct error body types across the document.
    let mut error_types: Vec<String> = Vec::new();
    for op in &api.operations {
        for r in op.errors() {
            if let Some(name) = r
                .body
                .as_ref()
                .and_then(|b| b.schema.reference.as_deref())
                .and_then(|n| models.rust_name(n))
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
        .map(|op| format_ident!("{}", operation_variant(&op.id)))
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
                let fallback = if op.responses.iter().any(|r| r.status == Status::Default) {
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
        #[non_exhaustive]
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
        #[non_exhaustive]
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

fn error_arms(op: &Operation, models: &ModelNames, types: &[String]) -> Vec<TokenStream> {
    let mut exact = Vec::new();
    let mut ranges = Vec::new();
    let mut default = None;
    for r in op.errors() {
        let name = r
            .body
            .as_ref()
            .and_then(|b| b.schema.reference.as_deref())
            .and_then(|n| models.rust_name(n))
            .filter(|n| types.iter().any(|t| t == n));
        let value = match name {
            Some(n) => {
                let variant = format_ident!("{}", n);
                quote! { typed(body, ErrorBody::#variant) }
            }
            None => quote! { ErrorBody::Other(body) },
        };
        match r.status {
            Status::Code(c) => exact.push(quote! { #c => #value, }),
            Status::Range(_) => {
                let (lo, hi) = r.status.codes();
                ranges.push(quote! { #lo..=#hi => #value, });
            }
            Status::Default => default = Some(quote! { _ => #value, }),
        }
    }
    exact.extend(ranges);
    exact.extend(default);
    exact
}
