//! Credentials as the document declares them, configured once on the builder: API keys (header,
//! query or cookie), HTTP Basic, bearer tokens and any other `Authorization` scheme; for OAuth2
//! and OpenID Connect a [`TokenProvider`] asked before every attempt (a fixed token is the
//! simple case). Each call applies the first alternative of its operation's requirement whose
//! credentials are all configured; when none is, the call fails before anything is sent.
//! Secrets never appear in `Debug` output or errors.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::error::Error;

/// Where a scheme puts its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// An API key in the header `name`.
    Header(&'static str),
    /// An API key in the query parameter `name`.
    Query(&'static str),
    /// An API key in the cookie `name`.
    Cookie(&'static str),
    /// `Authorization: Basic base64(user:password)`.
    Basic,
    /// `Authorization: <scheme> <credential>` (`Bearer` for bearer, OAuth2, OpenID Connect).
    Authorization(&'static str),
}

/// A scheme of the document, by the name its requirements use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemeSpec {
    /// Its key in `components.securitySchemes`.
    pub name: &'static str,
    /// Where its credential goes.
    pub placement: Placement,
    /// The builder method that configures it (for error messages).
    pub setter: &'static str,
}

/// What an operation requires: any one of `alternatives` (each a list of scheme names, all
/// needed), or nothing when `anonymous`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement {
    /// In the document's order.
    pub alternatives: &'static [&'static [&'static str]],
    /// Whether the operation serves calls without credentials.
    pub anonymous: bool,
}

impl Requirement {
    /// An operation that needs no credential.
    pub const PUBLIC: Self = Self {
        alternatives: &[],
        anonymous: true,
    };
}

/// Hands out an access token before each attempt (OAuth2, OpenID Connect): implement it to
/// refresh tokens; a `String` is a fixed token.
pub trait TokenProvider: Send + Sync + 'static {
    /// The token to send now.
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, Error>> + Send + '_>>;
}

impl TokenProvider for String {
    fn token(&self) -> Pin<Box<dyn Future<Output = Result<String, Error>> + Send + '_>> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

/// A configured secret.
#[derive(Clone)]
pub enum Secret {
    /// A key or token, sent as it is.
    Text(String),
    /// User name and password for HTTP Basic.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// Asked before every attempt.
    Provider(Arc<dyn TokenProvider>),
}

impl Secret {
    /// A key or token.
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    /// HTTP Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A token provider.
    pub fn provider(provider: impl TokenProvider) -> Self {
        Self::Provider(Arc::new(provider))
    }

    async fn value(&self) -> Result<String, Error> {
        match self {
            Self::Text(t) => Ok(t.clone()),
            Self::Basic { username, password } => Ok(format!("{username}:{password}")),
            Self::Provider(p) => p.token().await,
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Text(_) => "Text(<redacted>)",
            Self::Basic { .. } => "Basic(<redacted>)",
            Self::Provider(_) => "Provider(..)",
        })
    }
}

/// The secrets a client was configured with, by scheme name.
#[derive(Clone, Default)]
pub struct Credentials {
    secrets: Vec<(&'static str, Secret)>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.secrets.iter().map(|(n, _)| n))
            .finish()
    }
}

/// What one attempt adds to its request.
#[derive(Default)]
pub(crate) struct Applied {
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub query: Vec<(&'static str, String)>,
    pub cookies: Vec<String>,
}

impl fmt::Debug for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Applied(<redacted>)")
    }
}

impl Credentials {
    /// Configures (or replaces) the secret of scheme `scheme`.
    pub fn set(&mut self, scheme: &'static str, secret: Secret) {
        self.secrets.retain(|(n, _)| *n != scheme);
        self.secrets.push((scheme, secret));
    }

    /// Whether scheme `scheme` has a secret.
    pub fn has(&self, scheme: &str) -> bool {
        self.secrets.iter().any(|(n, _)| *n == scheme)
    }

    fn get(&self, scheme: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|(n, _)| *n == scheme)
            .map(|(_, s)| s)
    }

    /// The credentials of the first alternative of `requirement` that is fully configured (an
    /// empty one, anonymous, only when no other is); an error naming the schemes when none is.
    pub(crate) async fn apply(
        &self,
        operation: &str,
        schemes: &[SchemeSpec],
        requirement: &Requirement,
    ) -> Result<Applied, Error> {
        let chosen = requirement
            .alternatives
            .iter()
            .find(|a| !a.is_empty() && a.iter().all(|s| self.has(s)));
        let Some(alternative) = chosen else {
            if requirement.anonymous || requirement.alternatives.iter().any(|a| a.is_empty()) {
                return Ok(Applied::default());
            }
            return Err(Error::MissingCredentials(missing(
                operation,
                schemes,
                requirement,
            )));
        };
        let mut applied = Applied::default();
        for name in *alternative {
            let (Some(spec), Some(secret)) =
                (schemes.iter().find(|s| s.name == *name), self.get(name))
            else {
                continue;
            };
            let value = secret.value().await?;
            let header_value = |text: String| {
                HeaderValue::from_str(&text)
                    .map(|mut v| {
                        v.set_sensitive(true);
                        v
                    })
                    .map_err(|_| {
                        Error::InvalidRequest(format!(
                            "the credential of `{name}` is not a valid header value"
                        ))
                    })
            };
            match spec.placement {
                Placement::Header(header) => {
                    let header = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
                        Error::InvalidRequest(format!("`{header}` is not a header name"))
                    })?;
                    applied.headers.push((header, header_value(value)?));
                }
                Placement::Query(param) => applied.query.push((param, value)),
                Placement::Cookie(cookie) => applied.cookies.push(format!("{cookie}={value}")),
                Placement::Basic => {
                    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
                    applied
                        .headers
                        .push((AUTHORIZATION, header_value(format!("Basic {encoded}"))?));
                }
                Placement::Authorization(word) => applied
                    .headers
                    .push((AUTHORIZATION, header_value(format!("{word} {value}"))?)),
            }
        }
        Ok(applied)
    }
}

/// "operation `x` needs `a` (`.a(…)`), or `b` and `c`" — no secret, only names.
fn missing(operation: &str, schemes: &[SchemeSpec], requirement: &Requirement) -> String {
    let name = |n: &&str| match schemes.iter().find(|s| s.name == *n) {
        Some(s) => format!("`{n}` (`.{}(…)`)", s.setter),
        None => format!("`{n}`"),
    };
    let needs: Vec<String> = requirement
        .alternatives
        .iter()
        .map(|a| a.iter().map(name).collect::<Vec<_>>().join(" and "))
        .collect();
    format!(
        "operation `{operation}` needs {}: configure it on the client builder",
        needs.join(", or ")
    )
}

/// `Bearer <token>` as a header value; a token that cannot be one is an error, not a panic.
pub fn bearer(token: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::InvalidRequest("the token is not a valid header value".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMES: &[SchemeSpec] = &[
        SchemeSpec {
            name: "key",
            placement: Placement::Header("X-API-Key"),
            setter: "key",
        },
        SchemeSpec {
            name: "basic",
            placement: Placement::Basic,
            setter: "basic",
        },
        SchemeSpec {
            name: "q",
            placement: Placement::Query("api_key"),
            setter: "q",
        },
    ];

    #[tokio::test]
    async fn the_first_configured_alternative_is_applied() {
        let mut c = Credentials::default();
        c.set("q", Secret::text("qk"));
        let requirement = Requirement {
            alternatives: &[&["key", "basic"], &["q"]],
            anonymous: false,
        };
        let applied = c.apply("op", SCHEMES, &requirement).await.unwrap();
        assert!(applied.headers.is_empty());
        assert_eq!(applied.query, [("api_key", "qk".to_owned())]);
        c.set("key", Secret::text("k"));
        c.set("basic", Secret::basic("u", "p"));
        let applied = c.apply("op", SCHEMES, &requirement).await.unwrap();
        assert_eq!(
            applied.headers.len(),
            2,
            "both schemes of the first alternative"
        );
        assert_eq!(applied.headers[1].1, "Basic dTpw");
        assert!(applied.headers.iter().all(|(_, v)| v.is_sensitive()));
    }

    #[tokio::test]
    async fn an_unmet_requirement_names_the_schemes_and_no_secret() {
        let mut c = Credentials::default();
        c.set("key", Secret::text("s3cret"));
        let requirement = Requirement {
            alternatives: &[&["key", "basic"], &["q"]],
            anonymous: false,
        };
        let err = c
            .apply("getThing", SCHEMES, &requirement)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`key` (`.key(…)`) and `basic` (`.basic(…)`), or `q`"),
            "{text}"
        );
        assert!(!text.contains("s3cret") && !format!("{c:?}").contains("s3cret"));
    }
}
