//! The facade's credentials and policy, as the document declares them: the scheme table the
//! runtime applies, one typed builder setter per scheme (named after it), each operation's
//! requirement, and the policy sentence its documentation states.
//!
//! A document with exactly one scheme, sent as a bearer token (Svix's), keeps the token-first
//! constructors `Client::new(token)` / `Client::builder(token)`; any other document builds with
//! `Client::builder()` and the setters. The base URL follows a token's region only for
//! documents whose servers are Svix's regional hosts.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Api, ApiKeyLocation, Operation, SchemeKind};
use crate::naming::snake;

/// Methods of the builder itself, which no scheme setter may take.
const BUILDER_METHODS: &[&str] = &[
    "new",
    "server_url",
    "server_origin",
    "timeout",
    "retries",
    "retry_schedule",
    "retry_policy",
    "http_client",
    "proxy",
    "build",
    "credential",
];

/// What the facade generator needs of the document's credentials.
pub(super) struct CredentialsCode {
    /// `const SCHEMES`, `TOKEN_SCHEME`, `SVIX_CONVENTIONS` and `SERVER_TEMPLATE` of `impl rt::Facade`.
    pub facade_consts: TokenStream,
    /// The `ClientBuilder` wrapper: forwarding methods and one setter per scheme.
    pub builder: TokenStream,
    /// `Client::new` / `Client::builder` (and `with_token` for a token scheme).
    pub constructors: TokenStream,
    /// The policy, for the `Client` doc comment.
    pub policy: String,
}

/// One setter name per applicable scheme, in document order.
pub(crate) fn setter_names(api: &Api) -> Vec<String> {
    let mut taken: BTreeSet<String> = BUILDER_METHODS.iter().map(|s| (*s).to_owned()).collect();
    api.request_schemes()
        .map(|s| {
            let name = method_for(&s.name, "_credential", &taken, |n| {
                !taken.contains(n) && !taken.contains(&format!("{n}_provider"))
            });
            taken.insert(format!("{name}_provider"));
            taken.insert(name.clone());
            name
        })
        .collect()
}

/// A builder method name for scheme `scheme`: its snake-case name (`scheme_…` when that is empty
/// or starts with a digit), with `suffix` when `taken` has it, then `_2`, `_3`… until `free`.
fn method_for(
    scheme: &str,
    suffix: &str,
    taken: &BTreeSet<String>,
    free: impl Fn(&str) -> bool,
) -> String {
    let mut base = snake(scheme);
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base = format!("scheme_{base}");
    }
    if taken.contains(&base) {
        base = format!("{base}{suffix}");
    }
    let mut name = base.clone();
    let mut n = 2;
    while !free(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// One setter name per `mutualTLS` scheme (its client identity), in document order, clear of the
/// builder's methods and of `setters` (the other schemes').
fn identity_setter_names(api: &Api, setters: &[String]) -> Vec<(String, String)> {
    let mut taken: BTreeSet<String> = BUILDER_METHODS.iter().map(|s| (*s).to_owned()).collect();
    for s in setters {
        taken.insert(s.clone());
        taken.insert(format!("{s}_provider"));
    }
    api.security_schemes
        .iter()
        .filter(|s| s.kind == SchemeKind::MutualTls)
        .map(|s| {
            let name = method_for(&s.name, "_identity", &taken, |n| !taken.contains(n));
            taken.insert(name.clone());
            (s.name.clone(), name)
        })
        .collect()
}

/// The scheme a lone token is for: the document's only scheme, when it is sent as a bearer.
fn token_scheme(api: &Api) -> Option<&str> {
    let mut schemes = api.request_schemes();
    match (schemes.next(), schemes.next()) {
        (Some(s), None) if s.kind.is_bearer_token() => Some(&s.name),
        _ => None,
    }
}

/// Whether the servers are Svix's regional hosts: Svix's conventions apply (the base URL from a
/// token's region, `svix-req-id` and `svix-retry-count` on every request).
pub(super) fn region_from_token(api: &Api) -> bool {
    api.servers.iter().any(|url| {
        let host = url
            .split("://")
            .nth(1)
            .unwrap_or(url)
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        host == "svix.com" || host.ends_with(".svix.com")
    })
}

pub(super) fn generate(api: &Api) -> CredentialsCode {
    let setters = setter_names(api);
    let specs = api.request_schemes().zip(&setters).map(|(s, setter)| {
        let name = &s.name;
        let placement = match &s.kind {
            SchemeKind::ApiKey { location, name } => match location {
                ApiKeyLocation::Header => quote! { rt::Placement::Header(#name) },
                ApiKeyLocation::Query => quote! { rt::Placement::Query(#name) },
                ApiKeyLocation::Cookie => quote! { rt::Placement::Cookie(#name) },
            },
            SchemeKind::Basic => quote! { rt::Placement::Basic },
            other => {
                let word = other.authorization_scheme().unwrap_or("Bearer");
                quote! { rt::Placement::Authorization(#word) }
            }
        };
        quote! { rt::SchemeSpec { name: #name, placement: #placement, setter: #setter } }
    });
    let token = token_scheme(api);
    let token_tokens = match token {
        Some(t) => quote! { Some(#t) },
        None => quote! { None },
    };
    let region = region_from_token(api);
    let identities = identity_setter_names(api, &setters);
    let reserved: Vec<String> = setters
        .iter()
        .cloned()
        .chain(identities.iter().map(|(_, n)| n.clone()))
        .collect();
    let (template, variable_setters) = server_template(api, &reserved);
    let relative = match &api.relative_server {
        Some(r) => quote! { Some(#r) },
        None => quote! { None },
    };
    let facade_consts = quote! {
        const SCHEMES: &'static [rt::SchemeSpec] = &[#(#specs),*];
        const TOKEN_SCHEME: Option<&'static str> = #token_tokens;
        const SVIX_CONVENTIONS: bool = #region;
        const SERVER_TEMPLATE: Option<(&'static str, &'static [rt::ServerVariable])> = #template;
        const RELATIVE_SERVER: Option<&'static str> = #relative;
    };

    let typed_setters = api.request_schemes().zip(&setters).map(|(s, setter)| {
        let name = &s.name;
        let ident = format_ident!("{}", setter);
        let described = s
            .description
            .as_deref()
            .map(|d| format!(" {}", d.lines().next().unwrap_or_default().trim()))
            .unwrap_or_default();
        match &s.kind {
            SchemeKind::ApiKey { location, name: key } => {
                let doc = format!(
                    "The API key of scheme `{name}`, sent in the {} `{key}`.{described}",
                    match location {
                        ApiKeyLocation::Header => "header",
                        ApiKeyLocation::Query => "query parameter",
                        ApiKeyLocation::Cookie => "cookie",
                    }
                );
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, key: impl Into<String>) -> Self {
                        Self(self.0.credential(#name, rt::Secret::text(key)))
                    }
                }
            }
            SchemeKind::Basic => {
                let doc = format!("HTTP Basic credentials of scheme `{name}`.{described}");
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, username: impl Into<String>, password: impl Into<String>) -> Self {
                        Self(self.0.credential(#name, rt::Secret::basic(username, password)))
                    }
                }
            }
            SchemeKind::Http { scheme } => {
                let doc = format!(
                    "The credentials of scheme `{name}`, sent as `Authorization: {scheme} <credentials>`.{described}"
                );
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, credentials: impl Into<String>) -> Self {
                        Self(self.0.credential(#name, rt::Secret::text(credentials)))
                    }
                }
            }
            kind => {
                let what = match kind {
                    SchemeKind::OAuth2 { .. } => "An OAuth2 access token",
                    SchemeKind::OpenIdConnect { .. } => "An OpenID Connect access token",
                    _ => "The bearer token",
                };
                let doc = format!(
                    "{what} of scheme `{name}`, sent as `Authorization: Bearer <token>`.{described}"
                );
                let provider = format_ident!("{}_provider", setter);
                let provider_doc = format!(
                    "A provider asked for the token of scheme `{name}` before every attempt (a token that refreshes)."
                );
                quote! {
                    #[doc = #doc]
                    pub fn #ident(self, token: impl Into<String>) -> Self {
                        Self(self.0.credential(#name, rt::Secret::text(token)))
                    }
                    #[doc = #provider_doc]
                    pub fn #provider(self, provider: impl rt::TokenProvider) -> Self {
                        Self(self.0.credential(#name, rt::Secret::provider(provider)))
                    }
                }
            }
        }
    });
    let identity_setters = identities
        .iter()
        .map(|(scheme, setter)| {
            let ident = format_ident!("{}", setter);
            let doc = format!(
                "The client certificate and key of scheme `{scheme}` (mutualTLS), presented in every TLS handshake (`reqwest::Identity::from_pem`; a client has one identity: the last one set)."
            );
            quote! {
                #[doc = #doc]
                pub fn #ident(self, identity: reqwest::Identity) -> Self {
                    Self(self.0.tls_identity(identity))
                }
            }
        });
    let builder = quote! {
        /// Builds a [`Client`]: credentials (one setter per scheme of the document), base URL,
        /// timeout, retries, HTTP client or proxy.
        #[derive(Debug, Clone)]
        pub struct ClientBuilder(rt::ClientBuilder<Client>);

        impl ClientBuilder {
            /// Overrides the base URL (a trailing slash is removed).
            pub fn server_url(self, url: impl Into<String>) -> Self {
                Self(self.0.server_url(url))
            }
            /// The origin (`https://host`) the document's relative server URL is resolved against.
            pub fn server_origin(self, origin: impl Into<String>) -> Self {
                Self(self.0.server_origin(origin))
            }
            /// Per-attempt timeout (default 15 s); `None`: never time out.
            pub fn timeout(self, timeout: impl Into<Option<::std::time::Duration>>) -> Self {
                Self(self.0.timeout(timeout))
            }
            /// Retries after the first attempt (default 2), with jittered exponential backoff.
            pub fn retries(self, n: u32) -> Self {
                Self(self.0.retries(n))
            }
            /// An explicit retry schedule: one retry per entry, waiting that long first.
            pub fn retry_schedule(self, delays: Vec<::std::time::Duration>) -> Self {
                Self(self.0.retry_schedule(delays))
            }
            /// The whole retry policy.
            pub fn retry_policy(self, policy: rt::RetryPolicy) -> Self {
                Self(self.0.retry_policy(policy))
            }
            /// Sends through this `reqwest::Client` (its own timeouts, proxy and TLS identity apply).
            pub fn http_client(self, client: reqwest::Client) -> Self {
                Self(self.0.http_client(client))
            }
            /// Sends every request through this proxy (`http`, `https`, `socks5`, `socks5h`).
            pub fn proxy(self, url: impl Into<String>) -> Self {
                Self(self.0.proxy(url))
            }
            #(#typed_setters)*
            #(#identity_setters)*
            #(#variable_setters)*
            /// Builds the client.
            pub fn build(self) -> Result<Client, Error> {
                self.0.build()
            }
        }
    };

    let constructors = if token.is_some() {
        quote! {
            /// A client for `token`, with defaults (base URL from the document, 15 s timeout,
            /// 2 retries).
            pub fn new(token: impl Into<String>) -> Result<Self, Error> {
                Self::builder(token).build()
            }

            /// A builder for `token`.
            pub fn builder(token: impl Into<String>) -> ClientBuilder {
                ClientBuilder(rt::ClientBuilder::new(token))
            }

            /// The same client for another token, sharing the connection pool; the base URL
            /// follows the new token's region unless it was set with `server_url`.
            pub fn with_token(&self, token: &str) -> Result<Self, Error> {
                let core = self.core.with_token(token)?;
                let base = rt::server_url_for_token(token, <Self as rt::Facade>::SERVERS)
                    .filter(|_| <Self as rt::Facade>::SVIX_CONVENTIONS && !self.core.fixed_server());
                let raw = match base {
                    Some(base) => crate::generated::Client::new_with_client(base, self.raw.client().clone()),
                    None => self.raw.clone(),
                };
                Ok(Self { raw, core })
            }
        }
    } else {
        quote! {
            /// A builder: configure the credentials the operations need with its setters.
            pub fn builder() -> ClientBuilder {
                ClientBuilder(rt::ClientBuilder::without_token())
            }
        }
    };

    let schemes: Vec<String> =
        api.request_schemes()
            .zip(&setters)
            .map(|(s, setter)| format!("`{}` (`.{setter}(…)`)", s.name))
            .chain(identities.iter().map(|(scheme, setter)| {
                format!("`{scheme}` (a client certificate, `.{setter}(…)`)")
            }))
            .collect();
    let credentials = if schemes.is_empty() {
        "no credentials (the document declares no security scheme)".to_owned()
    } else {
        format!(
            "credentials as the document declares them — {} — each call applying the first alternative of its operation's requirement that is configured",
            schemes.join(", ")
        )
    };
    let base = if region {
        "Svix's conventions (the base URL from the token's region among the document's servers, `svix-req-id` and `svix-retry-count` headers)"
    } else {
        "the base URL from the document's first server (or `.server_url(…)`)"
    };
    let policy = format!(
        "{credentials}; {base}; retries with backoff and `Retry-After` for calls that are safe to resend (idempotent methods, calls with an idempotency key, or calls that never reached the server); one [`rt::Error`]"
    );
    CredentialsCode {
        facade_consts,
        builder,
        constructors,
        policy,
    }
}

/// `SERVER_TEMPLATE` and a `server_<variable>` setter per variable of the first server.
fn server_template(api: &Api, scheme_setters: &[String]) -> (TokenStream, Vec<TokenStream>) {
    let Some((template, variables)) = &api.server_template else {
        return (quote! { None }, Vec::new());
    };
    let mut taken: BTreeSet<String> = BUILDER_METHODS
        .iter()
        .map(|s| (*s).to_owned())
        .chain(scheme_setters.iter().cloned())
        .chain(scheme_setters.iter().map(|s| format!("{s}_provider")))
        .collect();
    let specs = variables.iter().map(|v| {
        let (name, default, allowed) = (&v.name, &v.default, &v.allowed);
        quote! { rt::ServerVariable { name: #name, default: #default, allowed: &[#(#allowed),*] } }
    });
    let setters = variables
        .iter()
        .map(|v| {
            let base = format!("server_{}", snake(&v.name).trim_start_matches('_'));
            let mut setter = base.clone();
            let mut n = 2;
            while !taken.insert(setter.clone()) {
                setter = format!("{base}_{n}");
                n += 1;
            }
            let ident = format_ident!("{}", setter);
            let name = &v.name;
            let allowed = if v.allowed.is_empty() {
                String::new()
            } else {
                format!(
                    " One of {}.",
                    v.allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let doc = format!(
                "The server variable `{name}` of `{template}` (default `{}`).{allowed}{}",
                v.default,
                v.description
                    .as_deref()
                    .map(|d| format!(" {}", d.lines().next().unwrap_or_default().trim()))
                    .unwrap_or_default()
            );
            quote! {
                #[doc = #doc]
                pub fn #ident(self, value: impl Into<String>) -> Self {
                    Self(self.0.server_variable(#name, value))
                }
            }
        })
        .collect();
    (quote! { Some((#template, &[#(#specs),*])) }, setters)
}

/// `rt::Requirement { … }` for `op`: its alternatives as scheme names (mutualTLS, met at the
/// TLS layer, left out; an alternative of it alone serves the call as anonymous); `None` for a
/// public operation.
fn requirement(op: &Operation, api: &Api) -> Option<TokenStream> {
    let (alternatives, anonymous) = op.requirement.checked(api);
    if alternatives.is_empty() {
        return None;
    }
    let lists = alternatives.iter().map(|a| quote! { &[#(#a),*] });
    Some(quote! { rt::Requirement { alternatives: &[#(#lists),*], anonymous: #anonymous } })
}

/// The document's distinct requirements, each a `REQUIREMENT_<i>` const of the facade that
/// the operations asking it share.
pub(super) struct Requirements(Vec<(String, TokenStream)>);

impl Requirements {
    pub fn new(api: &Api) -> Self {
        let mut distinct: Vec<(String, TokenStream)> = Vec::new();
        for value in api.operations.iter().filter_map(|op| requirement(op, api)) {
            let key = value.to_string();
            if !distinct.iter().any(|(k, _)| *k == key) {
                distinct.push((key, value));
            }
        }
        Self(distinct)
    }

    /// `&REQUIREMENT_<i>` of `op`, or `&rt::Requirement::PUBLIC`.
    pub fn of(&self, op: &Operation, api: &Api) -> TokenStream {
        let Some(value) = requirement(op, api) else {
            return quote! { &rt::Requirement::PUBLIC };
        };
        let key = value.to_string();
        match self.0.iter().position(|(k, _)| *k == key) {
            Some(i) => {
                let name = format_ident!("REQUIREMENT_{}", i);
                quote! { &#name }
            }
            None => quote! { &#value },
        }
    }

    /// The consts.
    pub fn consts(&self) -> TokenStream {
        let consts = self.0.iter().enumerate().map(|(i, (_, value))| {
            let name = format_ident!("REQUIREMENT_{}", i);
            quote! { const #name: rt::Requirement = #value; }
        });
        quote! { #(#consts)* }
    }
}
