//! Building a client: credential, base URL, timeout, retry policy, HTTP client or proxy.

use std::marker::PhantomData;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::core::Core;
use crate::error::Error;
use crate::retry::RetryPolicy;

/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// A generated client type the builder can make: it takes the base URL, the HTTP client and the
/// policy core.
pub trait Facade: Sized {
    /// The document's servers, in document order (the base URL is chosen among them).
    const SERVERS: &'static [&'static str];
    /// The `User-Agent` the client sends.
    const USER_AGENT: &'static str;
    /// Assembles the client.
    fn from_parts(base_url: &str, http: reqwest::Client, core: Core) -> Self;
}

/// The base URL for a token: a token ending in `.<region>` (Svix's `.us`, `.eu`, …) goes to the
/// server whose host names that region (`https://api.eu.svix.com`); any other token to the first
/// server whose host names no region, else to the first server.
pub fn server_url_for_token<'s>(token: &str, servers: &[&'s str]) -> Option<&'s str> {
    let region = token
        .rsplit_once('.')
        .map(|(_, r)| r)
        .filter(|r| (2..=3).contains(&r.len()) && r.chars().all(|c| c.is_ascii_lowercase()));
    let host = |url: &str| {
        url.split("://")
            .nth(1)
            .unwrap_or(url)
            .split(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let labels = |url: &str| host(url).split('.').map(str::to_owned).collect::<Vec<_>>();
    if let Some(region) = region
        && let Some(server) = servers
            .iter()
            .find(|s| labels(s).iter().any(|l| l == region))
    {
        return Some(server);
    }
    // A server named `<x>.<region>.<domain>` beside a regionless `<x>.<domain>`: prefer the latter.
    servers
        .iter()
        .find(|s| labels(s).len() <= 3)
        .or_else(|| servers.first())
        .copied()
}

/// Builds a client `C` for a token.
#[derive(Debug, Clone)]
pub struct ClientBuilder<C> {
    token: String,
    server_url: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    proxy: Option<String>,
    client: PhantomData<fn() -> C>,
}

impl<C: Facade> ClientBuilder<C> {
    /// A builder for `token` with the defaults (base URL from the token, 15 s, 2 retries).
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            server_url: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            http: None,
            proxy: None,
            client: PhantomData,
        }
    }

    /// Overrides the base URL (a trailing slash is removed); default: from the token's region.
    pub fn server_url(mut self, url: impl Into<String>) -> Self {
        self.server_url = Some(url.into());
        self
    }

    /// Per-attempt timeout (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retries after the first attempt (default 2).
    pub fn retries(mut self, n: u32) -> Self {
        self.retry.max_retries = n;
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

    /// Sends every request through this proxy URL.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        let authorization = bearer(&self.token)?;
        let http = match self.http {
            Some(http) => http,
            None => {
                let mut builder = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout);
                if let Some(proxy) = &self.proxy {
                    builder = builder.proxy(
                        reqwest::Proxy::all(proxy)
                            .map_err(|e| Error::InvalidRequest(format!("proxy {proxy:?}: {e}")))?,
                    );
                }
                builder.build().map_err(Error::Transport)?
            }
        };
        let base = match self.server_url {
            Some(url) => url,
            None => server_url_for_token(&self.token, C::SERVERS)
                .ok_or_else(|| {
                    Error::InvalidRequest(
                        "the document names no server: set one with `.server_url(…)`".into(),
                    )
                })?
                .to_owned(),
        };
        let core = Core::new(
            authorization,
            HeaderValue::from_static(C::USER_AGENT),
            self.retry,
        );
        Ok(C::from_parts(base.trim_end_matches('/'), http, core))
    }
}

/// `Bearer <token>` as a header value; a token that cannot be one is an error, not a panic.
pub fn bearer(token: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::InvalidRequest("the token is not a valid header value".into()))
}

#[cfg(test)]
mod tests {
    use super::server_url_for_token;

    const SVIX: &[&str] = &[
        "https://api.svix.com",
        "https://api.eu.svix.com",
        "https://api.us.svix.com",
        "https://api.ca.svix.com",
        "https://api.au.svix.com",
        "https://api.in.svix.com",
    ];

    #[test]
    fn region_comes_from_the_token_suffix_among_the_documents_servers() {
        for (token, url) in [
            ("testsk_abc.us", "https://api.us.svix.com"),
            ("testsk_abc.eu", "https://api.eu.svix.com"),
            ("testsk_abc.ca", "https://api.ca.svix.com"),
            ("testsk_abc.au", "https://api.au.svix.com"),
            ("testsk_abc.in", "https://api.in.svix.com"),
            ("testsk_abc", "https://api.svix.com"),
            ("testsk_abc.zz", "https://api.svix.com"),
            ("testsk.abc.defghijk", "https://api.svix.com"),
        ] {
            assert_eq!(server_url_for_token(token, SVIX), Some(url), "{token}");
        }
        assert_eq!(
            server_url_for_token("t.eu", &["https://x.example.com/v1"]),
            Some("https://x.example.com/v1")
        );
        assert_eq!(server_url_for_token("t", &[]), None);
    }
}
