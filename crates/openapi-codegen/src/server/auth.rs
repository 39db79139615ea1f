//! The credential templates: the document's scheme table (`SCHEMES`), and per operation the
//! router's check of its requirement and the typed value the trait method receives.
//!
//! - every alternative one bearer-token scheme (bearer, OAuth2, OpenID Connect): `rt::Bearer`
//!   (or `Option<rt::Bearer>` when anonymous calls are served);
//! - one scheme of another kind: its credential, `rt::ApiKey`, `rt::Basic` or
//!   `rt::HttpCredentials` (or an `Option` of it);
//! - anything else (alternatives, combinations): `rt::Presented`, naming the alternative met and
//!   each scheme's credential (or an `Option` of it).
//!
//! A request that does not meet the requirement is answered 401 before the method runs.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Api, ApiKeyLocation, Operation, SchemeKind};
use crate::naming::method_name;

/// The credential: extraction and the method argument.
pub(super) struct AuthCode {
    pub extract: TokenStream,
    pub arg: TokenStream,
    pub ty_arg: TokenStream,
    /// What the trait method's documentation says about it.
    pub doc: Option<String>,
}

/// `const SCHEMES: &[rt::SchemeSpec]`, when the document declares schemes.
pub(super) fn schemes_table(api: &Api) -> TokenStream {
    let specs: Vec<TokenStream> = api
        .request_schemes()
        .map(|s| {
            let name = &s.name;
            let scheme = match &s.kind {
                SchemeKind::ApiKey { location, name } => {
                    // Header names compare without case: the table holds them in lower case.
                    let (location, name) = match location {
                        ApiKeyLocation::Header => {
                            (quote! { rt::KeyIn::Header }, name.to_ascii_lowercase())
                        }
                        ApiKeyLocation::Query => (quote! { rt::KeyIn::Query }, name.clone()),
                        ApiKeyLocation::Cookie => (quote! { rt::KeyIn::Cookie }, name.clone()),
                    };
                    quote! { rt::Scheme::ApiKey { location: #location, name: #name } }
                }
                SchemeKind::Basic => quote! { rt::Scheme::Basic },
                SchemeKind::Bearer { .. }
                | SchemeKind::OAuth2 { .. }
                | SchemeKind::OpenIdConnect { .. } => quote! { rt::Scheme::Bearer },
                SchemeKind::Http { scheme } => quote! { rt::Scheme::Http { scheme: #scheme } },
                SchemeKind::MutualTls => unreachable!("filtered out"),
            };
            quote! { rt::SchemeSpec { name: #name, scheme: #scheme } }
        })
        .collect();
    if specs.is_empty() {
        return quote! {};
    }
    quote! {
        /// The document's security schemes, as the router reads them.
        #[allow(dead_code)]
        const SCHEMES: &[rt::SchemeSpec] = &[#(#specs),*];
    }
}

/// The name of `op`'s requirement in module `security` (`GET_OAUTH`).
fn security_ident(op: &Operation) -> proc_macro2::Ident {
    format_ident!(
        "{}",
        method_name(&op.id)
            .trim_start_matches("r#")
            .to_shouty_snake_case()
    )
}

/// `pub const GET_OAUTH: rt::Security = …;` — `op`'s requirement as data, every alternative in
/// document order with each scheme's scopes — when it asks any scope (or role).
pub(super) fn security_const(op: &Operation) -> Option<TokenStream> {
    let alternatives = &op.requirement.alternatives;
    if !alternatives.iter().flatten().any(|u| !u.scopes.is_empty()) {
        return None;
    }
    let name = security_ident(op);
    let lists = alternatives.iter().map(|a| {
        let uses = a.iter().map(|u| {
            let (scheme, scopes) = (&u.scheme, &u.scopes);
            quote! { (#scheme, &[#(#scopes),*]) }
        });
        quote! { &[#(#uses),*] }
    });
    let doc = format!(
        " What `{}` requires: any one alternative (document order), each scheme with the scopes it must grant.",
        op.id
    );
    Some(quote! {
        #[doc = #doc]
        pub const #name: rt::Security = &[#(#lists),*];
    })
}

/// The router's check of `op`'s requirement and the value handed to its method.
pub(super) fn auth(op: &Operation, api: &Api) -> AuthCode {
    let index = |name: &str| api.request_schemes().position(|s| s.name == name);
    let (named, anonymous) = op.requirement.checked(api);
    let alternatives: Vec<Vec<usize>> = named
        .iter()
        .map(|a| a.iter().filter_map(|n| index(n)).collect())
        .collect();
    if alternatives.is_empty() {
        return AuthCode {
            extract: quote! {},
            arg: quote! {},
            ty_arg: quote! {},
            doc: None,
        };
    }
    let kinds: Vec<Vec<&SchemeKind>> = alternatives
        .iter()
        .map(|a| {
            a.iter()
                .filter_map(|&i| api.request_schemes().nth(i))
                .map(|s| &s.kind)
                .collect()
        })
        .collect();
    // Scopes the document asks of a scheme on this operation (the implementation checks them).
    let scopes = |name: &str| -> Vec<&str> {
        let mut out: Vec<&str> = op
            .requirement
            .alternatives
            .iter()
            .flatten()
            .filter(|u| u.scheme == name)
            .flat_map(|u| u.scopes.iter().map(String::as_str))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    };
    let names = |a: &Vec<usize>| {
        a.iter()
            .filter_map(|&i| api.request_schemes().nth(i))
            .map(|s| match scopes(&s.name).as_slice() {
                [] => format!("`{}`", s.name),
                listed => format!(
                    "`{}` (scopes {})",
                    s.name,
                    listed
                        .iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let needs = alternatives
        .iter()
        .map(names)
        .collect::<Vec<_>>()
        .join(", or ");
    let mut doc = if anonymous {
        format!("Credentials: {needs}, or none (anonymous calls are served).")
    } else {
        format!("Credentials: {needs}; the router answers 401 to a request without them.")
    };
    if security_const(op).is_some() {
        doc.push_str(&format!(
            " The router checks that credentials are presented, not what they grant: the scopes are [`security::{}`], for `rt::granted`.",
            security_ident(op)
        ));
    }
    let doc = Some(doc);
    let bearer_only = kinds.iter().all(|k| k.len() == 1 && k[0].is_bearer_token());
    if bearer_only {
        return if anonymous {
            AuthCode {
                extract: quote! {
                    let auth = rt::optional_bearer(&parts.headers)?;
                },
                arg: quote! { auth, },
                ty_arg: quote! { auth: Option<rt::Bearer>, },
                doc,
            }
        } else {
            AuthCode {
                extract: quote! {
                    let auth = rt::bearer(&parts.headers)?;
                },
                arg: quote! { auth, },
                ty_arg: quote! { auth: rt::Bearer, },
                doc,
            }
        };
    }
    if alternatives.len() == 1 && alternatives[0].len() == 1 {
        let i = alternatives[0][0];
        let (ty, pick) = match kinds[0][0] {
            SchemeKind::ApiKey { .. } => (
                quote! { rt::ApiKey },
                quote! { rt::Credential::into_api_key },
            ),
            SchemeKind::Basic => (quote! { rt::Basic }, quote! { rt::Credential::into_basic }),
            SchemeKind::Http { .. } => (
                quote! { rt::HttpCredentials },
                quote! { rt::Credential::into_http },
            ),
            _ => (
                quote! { rt::Bearer },
                quote! { rt::Credential::into_bearer },
            ),
        };
        let (call, ty) = if anonymous {
            (quote! { rt::optional_one }, quote! { Option<#ty> })
        } else {
            (quote! { rt::require_one }, ty)
        };
        return AuthCode {
            extract: quote! {
                let auth = #call(&parts, SCHEMES, #i, #pick)?;
            },
            arg: quote! { auth, },
            ty_arg: quote! { auth: #ty, },
            doc,
        };
    }
    let lists = alternatives.iter().map(|a| quote! { &[#(#a),*] });
    let (extract, ty) = if anonymous {
        (
            quote! {
                let auth = rt::authenticate(&parts, SCHEMES, &[#(#lists),*], true)?;
            },
            quote! { Option<rt::Presented> },
        )
    } else {
        (
            quote! {
                let auth = rt::require(&parts, SCHEMES, &[#(#lists),*])?;
            },
            quote! { rt::Presented },
        )
    };
    AuthCode {
        extract,
        arg: quote! { auth, },
        ty_arg: quote! { auth: #ty, },
        doc,
    }
}
