//! The template of a response's documented headers: a `…Headers` struct per response that
//! declares any, with a typed field per header (required ones plain, optional ones `Option`), a
//! constructor taking the required ones, a setter per optional one, and the `rt::ResponseHeaders`
//! implementation that writes them on the answer.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::types::rust_type;
use crate::ir::{Operation, Response, ResponseHeader};
use crate::models::ModelNames;
use crate::naming::{doc_attrs, field_ident};

/// The headers struct of one response.
pub(super) struct HeadersCode {
    /// Its name.
    pub ty: Ident,
    /// The struct, its constructor, setters and `rt::ResponseHeaders` implementation.
    pub item: TokenStream,
}

/// The `…Headers` struct of `response` of `op`, named `{prefix}{variant}Headers`, or none when
/// it documents no header.
pub(super) fn response_headers(
    op: &Operation,
    response: &Response,
    prefix: &str,
    models: &ModelNames,
) -> Option<HeadersCode> {
    let ty = headers_type(prefix, response)?;
    let doc = format!(
        "Headers of `{}`'s {} response, as the document declares them: `new` takes the required ones, a `with_…` setter sets an optional one (a header added to the document as optional does not change `new`).",
        op.id,
        response.status.label()
    );
    let mut fields = Vec::new();
    let mut writes = Vec::new();
    let mut new_args = Vec::new();
    let mut init = Vec::new();
    let mut setters = Vec::new();
    for h in &response.headers {
        let field = field_ident(&h.rust_name);
        let ty = field_type(h, models);
        let name = h.name.as_str();
        let field_doc = doc_attrs(&format!(
            "`{name}`{}",
            if h.required {
                " (always sent)."
            } else {
                " (sent when set)."
            }
        ));
        if h.required {
            fields.push(quote! { #field_doc pub #field: #ty, });
            writes.push(quote! { out.put(#name, &self.#field); });
            new_args.push(quote! { #field: #ty, });
            init.push(quote! { #field, });
        } else {
            fields.push(quote! { #field_doc pub #field: Option<#ty>, });
            writes.push(quote! {
                if let Some(value) = &self.#field {
                    out.put(#name, value);
                }
            });
            init.push(quote! { #field: None, });
            let setter = format_ident!("with_{}", h.rust_name.trim_start_matches("r#"));
            let setter_doc = format!("These headers with `{name}` set to `value`.");
            setters.push(quote! {
                #[doc = #setter_doc]
                pub fn #setter(mut self, value: #ty) -> Self {
                    self.#field = Some(value);
                    self
                }
            });
        }
    }
    let default = if new_args.is_empty() {
        quote! { , Default }
    } else {
        quote! {}
    };
    let item = quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq #default)]
        #[non_exhaustive]
        pub struct #ty { #(#fields)* }

        impl #ty {
            /// The headers with the required ones given and every optional one unset.
            pub fn new(#(#new_args)*) -> Self {
                Self { #(#init)* }
            }

            #(#setters)*
        }

        impl rt::ResponseHeaders for #ty {
            fn write(&self, out: &mut rt::HeaderWriter) {
                #(#writes)*
            }
        }
    };
    Some(HeadersCode { ty, item })
}

/// The name of `response`'s headers struct (`prefix` is its operation's type prefix), or none
/// when it documents no header.
pub(super) fn headers_type(prefix: &str, response: &Response) -> Option<Ident> {
    (!response.headers.is_empty())
        .then(|| format_ident!("{}{}Headers", prefix, response.status.word()))
}

/// Whether `response` documents a required header (its own variant then carries the struct).
pub(super) fn carries_required(response: &Response) -> bool {
    response.headers.iter().any(|h| h.required)
}

/// The variant of `response` that carries its headers struct: the response's own when a header
/// is required, else `…WithHeaders` beside the plain one.
pub(super) fn headed_variant(response: &Response) -> Ident {
    let word = response.status.word();
    if carries_required(response) {
        format_ident!("{word}")
    } else {
        format_ident!("{word}WithHeaders")
    }
}

/// The Rust type of a header's value: its schema's, without `nullable` (a header has no null).
fn field_type(header: &ResponseHeader, models: &ModelNames) -> TokenStream {
    let mut schema = header.schema.clone();
    schema.nullable = false;
    rust_type(models, &schema)
}

/// The mock's construction of `response`'s headers struct `ty`: each field from the engine's
/// value for header `k` (`c` is the chosen answer; a required one without a value refuses).
pub(super) fn mock_headers(response: &Response, ty: &Ident) -> TokenStream {
    let fields = response.headers.iter().enumerate().map(|(k, h)| {
        let field = field_ident(&h.rust_name);
        let k = proc_macro2::Literal::usize_unsuffixed(k);
        if h.required {
            quote! { #field: self.engine.header(&c, #k)?, }
        } else {
            quote! { #field: self.engine.optional_header(&c, #k), }
        }
    });
    quote! { #ty { #(#fields)* } }
}
