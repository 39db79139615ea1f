//! Credentials as a document declares them: API keys (header, query or cookie), HTTP Basic,
//! bearer tokens (also OAuth2 and OpenID Connect access tokens) and any other `Authorization`
//! scheme, read from a request and checked against an operation's requirement — alternatives
//! (the first met wins), each a combination of schemes that must all be presented. Missing or
//! malformed credentials are answered 401 with `WWW-Authenticate` for the HTTP schemes asked.
//! Every credential's `Debug` output hides its secret.

mod scopes;

use std::fmt;

use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;

use crate::extract::Bearer;
use crate::refusal::refusal;
pub use scopes::{Security, granted};

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyIn {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// How one security scheme of the document presents its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// An API key named `name` in a header, the query or a cookie.
    ApiKey {
        /// Where.
        location: KeyIn,
        /// The header, parameter or cookie name.
        name: &'static str,
    },
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// `Authorization: Bearer <token>` (bearer, OAuth2 and OpenID Connect access tokens).
    Bearer,
    /// `Authorization: <scheme> <credentials>` for any other HTTP scheme.
    Http {
        /// The scheme word.
        scheme: &'static str,
    },
}

/// A scheme of the document, by the name its requirements use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemeSpec {
    /// Its key in `components.securitySchemes`.
    pub name: &'static str,
    /// How it is presented.
    pub scheme: Scheme,
}

/// An API key as presented.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key (for tests and clients).
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// HTTP Basic credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Basic {
    username: String,
    password: String,
}

impl Basic {
    /// Wraps a user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Basic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Basic")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Credentials of another HTTP scheme: `Authorization: <scheme> <credentials>`.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpCredentials {
    scheme: String,
    credentials: String,
}

impl HttpCredentials {
    /// Wraps a scheme word and its credentials.
    pub fn new(scheme: impl Into<String>, credentials: impl Into<String>) -> Self {
        Self {
            scheme: scheme.into(),
            credentials: credentials.into(),
        }
    }

    /// The scheme word as sent.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The credentials after the scheme word.
    pub fn credentials(&self) -> &str {
        &self.credentials
    }
}

impl fmt::Debug for HttpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HttpCredentials({}, <redacted>)", self.scheme)
    }
}

/// One presented credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API key.
    ApiKey(ApiKey),
    /// HTTP Basic.
    Basic(Basic),
    /// A bearer token.
    Bearer(Bearer),
    /// Another HTTP scheme.
    Http(HttpCredentials),
}

impl Credential {
    /// The API key, if this is one (for generated code: `rt::Credential::into_api_key`).
    pub fn into_api_key(self) -> Option<ApiKey> {
        match self {
            Self::ApiKey(k) => Some(k),
            _ => None,
        }
    }

    /// The Basic credentials, if these are.
    pub fn into_basic(self) -> Option<Basic> {
        match self {
            Self::Basic(b) => Some(b),
            _ => None,
        }
    }

    /// The bearer token, if this is one.
    pub fn into_bearer(self) -> Option<Bearer> {
        match self {
            Self::Bearer(b) => Some(b),
            _ => None,
        }
    }

    /// The credentials of another HTTP scheme, if these are.
    pub fn into_http(self) -> Option<HttpCredentials> {
        match self {
            Self::Http(h) => Some(h),
            _ => None,
        }
    }

    /// The API key, if this is one.
    pub fn api_key(&self) -> Option<&ApiKey> {
        match self {
            Self::ApiKey(k) => Some(k),
            _ => None,
        }
    }

    /// The Basic credentials, if these are.
    pub fn basic(&self) -> Option<&Basic> {
        match self {
            Self::Basic(b) => Some(b),
            _ => None,
        }
    }

    /// The bearer token, if this is one.
    pub fn bearer(&self) -> Option<&Bearer> {
        match self {
            Self::Bearer(b) => Some(b),
            _ => None,
        }
    }

    /// The credentials of another HTTP scheme, if these are.
    pub fn http(&self) -> Option<&HttpCredentials> {
        match self {
            Self::Http(h) => Some(h),
            _ => None,
        }
    }
}

/// What a request presented for an operation: which alternative of its requirement it met, and
/// the credential of each scheme in that alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// The position of the alternative met, in the operation's `security` list.
    pub alternative: usize,
    /// `(scheme name, credential)` for every scheme of that alternative.
    pub credentials: Vec<(&'static str, Credential)>,
}

impl Presented {
    /// The credential presented for scheme `name`.
    pub fn get(&self, name: &str) -> Option<&Credential> {
        self.credentials
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c)
    }

    /// The only credential (for requirements of one scheme).
    pub fn into_single(self) -> Option<Credential> {
        self.credentials.into_iter().next().map(|(_, c)| c)
    }
}

fn describe(spec: &SchemeSpec) -> String {
    match spec.scheme {
        Scheme::ApiKey { location, name } => {
            let place = match location {
                KeyIn::Header => "header",
                KeyIn::Query => "query parameter",
                KeyIn::Cookie => "cookie",
            };
            format!("`{}` (API key in the {place} `{name}`)", spec.name)
        }
        Scheme::Basic => format!("`{}` (HTTP Basic)", spec.name),
        Scheme::Bearer => format!("`{}` (bearer token)", spec.name),
        Scheme::Http { scheme } => format!("`{}` (`Authorization: {scheme} …`)", spec.name),
    }
}

/// 401 naming what is needed, with a `WWW-Authenticate` challenge per HTTP scheme asked.
fn unauthorized(detail: &str, challenges: &[&str]) -> Response {
    let mut response = refusal(StatusCode::UNAUTHORIZED, "authentication_failed", detail);
    for challenge in challenges {
        if let Ok(value) = header::HeaderValue::from_str(challenge) {
            response
                .headers_mut()
                .append(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

/// The single `Authorization` header as `(scheme word, rest)`; `Err` for several or non-text.
fn authorization(headers: &HeaderMap) -> Result<Option<(&str, &str)>, &'static str> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("more than one `Authorization` header");
    }
    let value = value
        .to_str()
        .map_err(|_| "the `Authorization` header is not valid text")?;
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    Ok(Some((scheme, rest.trim())))
}

fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"'))
}

/// The credential `spec` finds in the request: `Ok(None)` when it is absent, `Err` with the
/// reason when it is there but malformed.
pub fn present(parts: &Parts, spec: &SchemeSpec) -> Result<Option<Credential>, String> {
    let non_empty = |v: &str| (!v.is_empty()).then(|| v.to_owned());
    match spec.scheme {
        Scheme::ApiKey {
            location: KeyIn::Header,
            name,
        } => match parts.headers.get(name) {
            None => Ok(None),
            Some(v) => {
                let v = crate::extract::header_text(v);
                Ok(non_empty(v.trim()).map(|k| Credential::ApiKey(ApiKey(k))))
            }
        },
        Scheme::ApiKey {
            location: KeyIn::Query,
            name,
        } => Ok(parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| non_empty(&v))
                .map(|k| Credential::ApiKey(ApiKey(k)))
        })),
        Scheme::ApiKey {
            location: KeyIn::Cookie,
            name,
        } => Ok(cookie(&parts.headers, name)
            .and_then(non_empty)
            .map(|k| Credential::ApiKey(ApiKey(k)))),
        Scheme::Basic | Scheme::Bearer | Scheme::Http { .. } => {
            let Some((word, rest)) = authorization(&parts.headers)? else {
                return Ok(None);
            };
            let expected = match spec.scheme {
                Scheme::Basic => "Basic",
                Scheme::Bearer => "Bearer",
                Scheme::Http { scheme } => scheme,
                Scheme::ApiKey { .. } => unreachable!("matched above"),
            };
            if !word.eq_ignore_ascii_case(expected) {
                return Ok(None);
            }
            if rest.is_empty() {
                return Err(format!(
                    "`Authorization: {expected}` carries no credentials"
                ));
            }
            Ok(Some(match spec.scheme {
                Scheme::Basic => {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(rest)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        .ok_or("the Basic credentials are not base64 of UTF-8 text")?;
                    let (user, password) = decoded
                        .split_once(':')
                        .ok_or("the Basic credentials have no `:` between user and password")?;
                    Credential::Basic(Basic::new(user, password))
                }
                Scheme::Bearer => Credential::Bearer(Bearer::new(rest)),
                _ => Credential::Http(HttpCredentials::new(word, rest)),
            }))
        }
    }
}

/// Checks a request against a requirement: `alternatives` lists, for each alternative of the
/// operation's `security`, the positions in `schemes` it combines; `anonymous` whether calls
/// without credentials are served. The first alternative whose every scheme is presented wins
/// (`Ok(Some)`); none, and anonymous calls served: `Ok(None)`; otherwise, or when a credential
/// is malformed, the 401 to answer.
pub fn authenticate(
    parts: &Parts,
    schemes: &[SchemeSpec],
    alternatives: &[&[usize]],
    anonymous: bool,
) -> Result<Option<Presented>, Response> {
    let challenges: Vec<&str> = {
        let mut c: Vec<&str> = alternatives
            .iter()
            .flat_map(|a| a.iter())
            .filter_map(|&i| match schemes.get(i)?.scheme {
                Scheme::Basic => Some("Basic"),
                Scheme::Bearer => Some("Bearer"),
                Scheme::Http { scheme } => Some(scheme),
                Scheme::ApiKey { .. } => None,
            })
            .collect();
        c.dedup();
        c
    };
    for (position, alternative) in alternatives.iter().enumerate() {
        let mut credentials = Vec::with_capacity(alternative.len());
        for &i in *alternative {
            let Some(spec) = schemes.get(i) else { break };
            match present(parts, spec) {
                Ok(Some(c)) => credentials.push((spec.name, c)),
                Ok(None) => break,
                Err(why) => return Err(unauthorized(&why, &challenges)),
            }
        }
        if credentials.len() == alternative.len() && !alternative.is_empty() {
            return Ok(Some(Presented {
                alternative: position,
                credentials,
            }));
        }
    }
    if anonymous {
        return Ok(None);
    }
    let needs: Vec<String> = alternatives
        .iter()
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.iter()
                .filter_map(|&i| schemes.get(i))
                .map(describe)
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    Err(unauthorized(
        &format!("this operation needs {}", needs.join(", or ")),
        &challenges,
    ))
}

/// [`authenticate`] for an operation that serves no anonymous call: the alternative met.
pub fn require(
    parts: &Parts,
    schemes: &[SchemeSpec],
    alternatives: &[&[usize]],
) -> Result<Presented, Response> {
    authenticate(parts, schemes, alternatives, false)?
        .ok_or_else(|| unauthorized("this operation needs a credential", &[]))
}

/// The one credential of scheme `schemes[index]`, required, as `pick` types it.
pub fn require_one<T>(
    parts: &Parts,
    schemes: &[SchemeSpec],
    index: usize,
    pick: fn(Credential) -> Option<T>,
) -> Result<T, Response> {
    require(parts, schemes, &[&[index]])?
        .into_single()
        .and_then(pick)
        .ok_or_else(|| unauthorized("the credential could not be read", &[]))
}

/// The one credential of scheme `schemes[index]`, if presented (anonymous calls are served).
pub fn optional_one<T>(
    parts: &Parts,
    schemes: &[SchemeSpec],
    index: usize,
    pick: fn(Credential) -> Option<T>,
) -> Result<Option<T>, Response> {
    Ok(authenticate(parts, schemes, &[&[index]], true)?
        .and_then(Presented::into_single)
        .and_then(pick))
}

#[cfg(test)]
mod tests;
