//! Building a client: credential, base URL, timeout, retry policy, HTTP client or proxy.

use std::marker::PhantomData;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::core::Core;
use crate::credentials::{Credentials, SchemeSpec, Secret, bearer};
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::svix::server_url_for_token;

/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A generated client type the builder can make: it takes the base URL, the HTTP client and the
/// policy core.
pub trait Facade: Sized {
    /// The document's servers, in document order (the base URL is chosen among them).
    const SERVERS: &'static [&'static str];
    /// The product the `User-Agent` names (`<crate>/<version>`); rustc, OS and architecture
    /// are added.
    const USER_AGENT: &'static str;
    /// The document's security schemes.
    const SCHEMES: &'static [SchemeSpec];
    /// The scheme a token given to [`ClientBuilder::new`] is for: the document's one bearer
    /// scheme, if it has exactly one scheme and that one is sent as a bearer token.
    const TOKEN_SCHEME: Option<&'static str>;
    /// Whether the document follows Svix's conventions ([`crate::svix`]: its servers are Svix's
    /// regional hosts): the base URL from a token's region, and `svix-req-id` /
    /// `svix-retry-count` on every request. Otherwise the base URL is the document's first
    /// server and no Svix header is sent.
    const SVIX_CONVENTIONS: bool;
    /// The first server's URL template and its variables (`{name}` in the template), when it
    /// has any: [`ClientBuilder::server_variable`] fills them in.
    const SERVER_TEMPLATE: Option<(&'static str, &'static [ServerVariable])>;
    /// The document's first relative server URL (`/v1`), which [`ClientBuilder::server_origin`]
    /// resolves against an origin.
    const RELATIVE_SERVER: Option<&'static str>;
    /// Assembles the client.
    fn from_parts(base_url: &str, http: reqwest::Client, core: Core) -> Self;
}

/// A variable of the document's server URL template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerVariable {
    /// Its name in the template.
    pub name: &'static str,
    /// Its default.
    pub default: &'static str,
    /// The values allowed (empty: any).
    pub allowed: &'static [&'static str],
}

/// `template` with each variable's value (`values`, else its default); a value outside a
/// variable's `enum` or a variable the template does not have is an error naming it.
pub fn expand_server(
    template: &str,
    variables: &[ServerVariable],
    values: &[(String, String)],
) -> Result<String, Error> {
    if let Some((name, _)) = values
        .iter()
        .find(|(n, _)| !variables.iter().any(|v| v.name == n))
    {
        return Err(Error::InvalidRequest(format!(
            "the server URL `{template}` has no variable `{name}`"
        )));
    }
    let mut url = template.to_owned();
    for v in variables {
        let value = values
            .iter()
            .rev()
            .find(|(n, _)| n == v.name)
            .map_or(v.default, |(_, value)| value.as_str());
        if !v.allowed.is_empty() && !v.allowed.contains(&value) {
            return Err(Error::InvalidRequest(format!(
                "server variable `{}` is `{value}`; the document allows {}",
                v.name,
                v.allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        url = url.replace(&format!("{{{}}}", v.name), value);
    }
    Ok(url)
}

/// Builds a client `C`: credentials, base URL, timeout, retry policy, HTTP client or proxy.
#[derive(Debug, Clone)]
pub struct ClientBuilder<C> {
    token: Option<String>,
    credentials: Credentials,
    server_variables: Vec<(String, String)>,
    server_origin: Option<String>,
    server_url: Option<String>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    proxy: Option<String>,
    /// The client certificate and key presented in TLS handshakes (mutualTLS schemes).
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    identity: Option<reqwest::Identity>,
    client: PhantomData<fn() -> C>,
}

impl<C: Facade> ClientBuilder<C> {
    /// A builder for `token` (the credential of the document's token scheme) with the defaults
    /// (base URL from the document, 15 s, 2 retries).
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..Self::without_token()
        }
    }

    /// A builder with no credential yet (configure each with [`Self::credential`]).
    pub fn without_token() -> Self {
        Self {
            token: None,
            credentials: Credentials::default(),
            server_variables: Vec::new(),
            server_origin: None,
            server_url: None,
            timeout: Some(DEFAULT_TIMEOUT),
            retry: RetryPolicy::default(),
            http: None,
            proxy: None,
            #[cfg(any(feature = "rustls", feature = "native-tls"))]
            identity: None,
            client: PhantomData,
        }
    }

    /// The value of server variable `name` in the document's first server URL (the generated
    /// builder's `server_<name>` setters call this); checked against its `enum` by `build`.
    pub fn server_variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.server_variables.push((name.into(), value.into()));
        self
    }

    /// The origin (`https://api.example.com`) the document's relative server URL (`/v1`) is
    /// resolved against: requests go to `<origin>/v1`.
    pub fn server_origin(mut self, origin: impl Into<String>) -> Self {
        self.server_origin = Some(origin.into());
        self
    }

    /// The secret of scheme `scheme` (the generated builder's typed setters call this).
    pub fn credential(mut self, scheme: &'static str, secret: Secret) -> Self {
        self.credentials.set(scheme, secret);
        self
    }

    /// Overrides the base URL (a trailing slash is removed); default: the document's server
    /// (for Svix's regional hosts, the token's region).
    pub fn server_url(mut self, url: impl Into<String>) -> Self {
        self.server_url = Some(url.into());
        self
    }

    /// Per-attempt timeout, from connecting to the end of the body (default 15 s); `None`: never
    /// time out (`.timeout(Duration::from_secs(5))` or `.timeout(None)`).
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Retries after the first attempt (default 2), with jittered exponential backoff.
    pub fn retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
        self.retry.schedule = None;
        self
    }

    /// An explicit retry schedule: one retry per entry, waiting that long first.
    pub fn retry_schedule(mut self, delays: Vec<Duration>) -> Self {
        self.retry = RetryPolicy {
            max_retry_after: self.retry.max_retry_after,
            ..RetryPolicy::with_schedule(delays)
        };
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends through this `reqwest::Client` (its own timeouts and proxy then apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Sends every request through this proxy: `http://`, `https://`, `socks5://` (names
    /// resolved locally) or `socks5h://` (names resolved by the proxy), with `user:password@`
    /// if it needs them.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// The client certificate and private key presented in every TLS handshake: the credential
    /// of the document's `mutualTLS` schemes (the generated builder's setter for such a scheme
    /// calls this). Build it with `reqwest::Identity::from_pem` (rustls: certificate chain and
    /// PKCS#8/RSA/SEC1 key in one PEM) or `from_pkcs8_pem` / `from_pkcs12_der` (native TLS).
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub fn tls_identity(mut self, identity: reqwest::Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<C, Error> {
        if let Some(token) = &self.token {
            bearer(token)?;
            if let Some(scheme) = C::TOKEN_SCHEME {
                self.credentials.set(scheme, Secret::text(token.clone()));
            }
        }
        #[cfg(any(feature = "rustls", feature = "native-tls"))]
        if self.identity.is_some() && self.http.is_some() {
            return Err(Error::InvalidRequest(
                "a TLS client identity and an `http_client` were both given: configure the identity on that client (`reqwest::ClientBuilder::identity`)".into(),
            ));
        }
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut builder = reqwest::Client::builder();
                #[cfg(any(feature = "rustls", feature = "native-tls"))]
                if let Some(identity) = self.identity.take() {
                    builder = builder.identity(identity);
                }
                if let Some(timeout) = self.timeout {
                    builder = builder.timeout(timeout).connect_timeout(timeout);
                }
                if let Some(proxy) = &self.proxy {
                    builder = builder.proxy(proxy_for(proxy)?);
                }
                builder.build().map_err(Error::Transport)?
            }
        };
        let explicit = self.server_url.is_some();
        let base = match self.server_url {
            Some(url) => url,
            None if self.server_origin.is_some() => {
                let origin = self.server_origin.as_deref().unwrap_or_default();
                let Some(relative) = C::RELATIVE_SERVER else {
                    return Err(Error::InvalidRequest(
                        "the document has no relative server to resolve against an origin: set the whole URL with `.server_url(…)`".into(),
                    ));
                };
                format!("{}{relative}", origin.trim_end_matches('/'))
            }
            None if !self.server_variables.is_empty() => {
                let Some((template, variables)) = C::SERVER_TEMPLATE else {
                    return Err(Error::InvalidRequest(
                        "the document's first server has no variables to set".into(),
                    ));
                };
                expand_server(template, variables, &self.server_variables)?
            }
            None => match (&self.token, C::SVIX_CONVENTIONS) {
                (Some(token), true) => server_url_for_token(token, C::SERVERS),
                _ => C::SERVERS.first().copied(),
            }
            .ok_or_else(|| {
                Error::InvalidRequest(match C::RELATIVE_SERVER {
                    Some(relative) => format!(
                        "the document's server `{relative}` is relative: name its origin with `.server_origin(…)`, or the whole URL with `.server_url(…)`"
                    ),
                    None => "the document names no server: set one with `.server_url(…)`".into(),
                })
            })?
            .to_owned(),
        };
        let core = Core::new(
            self.credentials,
            C::SCHEMES,
            user_agent(C::USER_AGENT)?,
            self.retry,
        )
        .with_token_scheme(C::TOKEN_SCHEME)
        .with_svix_conventions(C::SVIX_CONVENTIONS)
        .with_fixed_server(explicit);
        Ok(C::from_parts(base.trim_end_matches('/'), http, core))
    }
}

/// A proxy for `url`, whose scheme must be one reqwest can speak.
fn proxy_for(url: &str) -> Result<reqwest::Proxy, Error> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https" | "socks5" | "socks5h") => reqwest::Proxy::all(url)
            .map_err(|e| Error::InvalidRequest(format!("proxy `{url}`: {e}"))),
        _ => Err(Error::InvalidRequest(format!(
            "proxy `{url}`: the scheme must be http, https, socks5 or socks5h"
        ))),
    }
}

/// `<product> (rust <rustc version>; <os>/<arch>)`, like the official SDKs' agent strings; made
/// from compile-time facts, never by running a program.
pub fn user_agent(product: &str) -> Result<HeaderValue, Error> {
    let text = format!(
        "{product} (rust {}; {}/{})",
        env!("RUSTC_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    HeaderValue::from_str(&text)
        .map_err(|_| Error::InvalidRequest(format!("User-Agent `{text}` is not a header value")))
}

#[cfg(test)]
mod tests {
    use super::{ServerVariable, expand_server, proxy_for, user_agent};

    #[test]
    fn server_variables_fill_the_template_within_their_enums() {
        const VARS: &[ServerVariable] = &[
            ServerVariable {
                name: "region",
                default: "us",
                allowed: &["us", "eu"],
            },
            ServerVariable {
                name: "port",
                default: "443",
                allowed: &[],
            },
        ];
        let t = "https://{region}.example.com:{port}/v1";
        assert_eq!(
            expand_server(t, VARS, &[]).unwrap(),
            "https://us.example.com:443/v1"
        );
        let set = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        assert_eq!(
            expand_server(t, VARS, &[set("region", "eu"), set("port", "8443")]).unwrap(),
            "https://eu.example.com:8443/v1"
        );
        let err = expand_server(t, VARS, &[set("region", "mars")]).unwrap_err();
        assert!(err.to_string().contains("allows `us`, `eu`"), "{err}");
        let err = expand_server(t, VARS, &[set("zone", "a")]).unwrap_err();
        assert!(err.to_string().contains("no variable `zone`"), "{err}");
    }

    #[test]
    fn proxies_take_http_https_and_socks5_schemes_only() {
        for ok in [
            "http://127.0.0.1:3128",
            "https://proxy.example:443",
            "socks5://127.0.0.1:1080",
            "socks5h://user:pw@127.0.0.1:1080",
        ] {
            assert!(proxy_for(ok).is_ok(), "{ok}");
        }
        for bad in ["ftp://x:21", "127.0.0.1:1080", "socks4://x:1"] {
            let err = proxy_for(bad).unwrap_err().to_string();
            assert!(err.contains("socks5h"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_user_agent_names_product_rustc_os_and_arch() {
        let ua = user_agent("demo-client/1.2.3").unwrap();
        let ua = ua.to_str().unwrap();
        assert!(ua.starts_with("demo-client/1.2.3 (rust 1."), "{ua}");
        assert!(
            ua.ends_with(&format!(
                "; {}/{})",
                std::env::consts::OS,
                std::env::consts::ARCH
            )),
            "{ua}"
        );
    }
}
