//! The parameters the facade sends itself (`rt::ExtraParams`) because progenitor's builder
//! cannot: one whose Rust name another parameter has, a cookie, a query parameter of a style
//! other than `form` (`deepObject`, `spaceDelimited`, `pipeDelimited`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Param, ParamLocation};
use crate::models::{ModelNames, TypePaths};
use crate::naming::doc_attrs;

/// Whether the facade sends parameter `p` itself rather than progenitor's builder (a path
/// parameter it cannot: the URL is progenitor's).
pub(super) fn sent_by_facade(p: &Param) -> bool {
    (p.shadowed && p.location != ParamLocation::Path)
        || p.location == ParamLocation::Cookie
        || (p.location == ParamLocation::Query && p.style != "form")
}

/// What a facade method does with a parameter it sends itself.
pub(super) struct ExtraParam {
    /// The method's argument, for a required parameter.
    pub arg: Option<TokenStream>,
    /// The `…Options` field and its setter, for an optional one.
    pub field: Option<(TokenStream, TokenStream)>,
    /// Its link of the `rt::ExtraParams::new()…` chain.
    pub chain: TokenStream,
}

pub(super) fn extra_param(p: &Param, models: &ModelNames) -> ExtraParam {
    let ident = format_ident!("{}", p.rust_name);
    let ty = models.rust_type(
        &p.schema,
        &TypePaths {
            chrono: quote! { ::chrono },
            json_value: quote! { ::serde_json::Value },
        },
    );
    let name = p.name.as_str();
    let (arg, field, value) = if p.required {
        (
            Some(quote! { #ident: #ty, }),
            None,
            quote! { Some(&#ident) },
        )
    } else {
        let doc = doc_attrs(p.description.as_deref().unwrap_or(&format!(
            "The `{}` {} parameter.",
            p.name,
            p.location.as_str()
        )));
        let field = quote! { #doc pub #ident: Option<#ty>, };
        let setter = option_setter(&ident, &ty);
        (
            None,
            Some((field, setter)),
            quote! { options.#ident.as_ref() },
        )
    };
    let explode = p.explode;
    let chain = match (p.location, p.style.as_str()) {
        (ParamLocation::Header, _) => quote! { .header(#name, #value)? },
        (ParamLocation::Cookie, _) => quote! { .cookie(#name, #value)? },
        (_, "deepObject") => quote! { .deep_object(#name, #value)? },
        (_, "spaceDelimited") => quote! { .delimited(#name, #value, ' ', #explode)? },
        (_, "pipeDelimited") => quote! { .delimited(#name, #value, '|', #explode)? },
        _ => quote! { .query(#name, #value, #explode)? },
    };
    ExtraParam { arg, field, chain }
}

/// The `…Options` setter of field `ident` (every optional parameter's, the facade's too).
pub(super) fn option_setter(ident: &proc_macro2::Ident, ty: &TokenStream) -> TokenStream {
    let doc = format!("Sets `{ident}`.");
    quote! {
        #[doc = #doc]
        pub fn #ident(mut self, value: impl Into<#ty>) -> Self {
            self.#ident = Some(value.into());
            self
        }
    }
}
