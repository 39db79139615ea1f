//! The facade: a Svix-grade client over the generated one — bearer credential, region from the
//! token, User-Agent, timeouts, retries with backoff and `Retry-After`, automatic idempotency
//! keys, and one status-keyed error type.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde_json::Value;
use tracing::Instrument as _;

use crate::error::Error;
use crate::generated;
use crate::hooks::{CALL, CallContext};
use crate::operations::{ErrorBody, Operation};
use crate::retry::{RetryPolicy, retry_after, retryable_status};

/// Default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The User-Agent every request carries.
pub const USER_AGENT: &str = concat!("svix-auth-client/", env!("CARGO_PKG_VERSION"), " (rust)");

/// The API base URL for a token: Svix tokens end in `.us`, `.eu`, `.ca`, `.au` or `.in` for their
/// region; anything else goes to `https://api.svix.com`.
pub fn server_url_for_token(token: &str) -> &'static str {
    match token.rsplit_once('.').map(|(_, region)| region) {
        Some("us") => "https://api.us.svix.com",
        Some("eu") => "https://api.eu.svix.com",
        Some("ca") => "https://api.ca.svix.com",
        Some("au") => "https://api.au.svix.com",
        Some("in") => "https://api.in.svix.com",
        _ => "https://api.svix.com",
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    token: String,
    server_url: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    proxy: Option<String>,
}

impl ClientBuilder {
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

    /// Sends through this `reqwest::Client` (its own timeout and proxy settings then apply).
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
    pub fn build(self) -> Result<Client, Error> {
        let authorization = HeaderValue::from_str(&format!("Bearer {}", self.token))
            .map_err(|_| Error::InvalidRequest("the token is not a valid header value".into()))?;
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
        let base = self
            .server_url
            .unwrap_or_else(|| server_url_for_token(&self.token).to_owned());
        Ok(Client {
            raw: generated::Client::new_with_client(base.trim_end_matches('/'), http),
            authorization,
            retry: self.retry,
        })
    }
}

/// A client of the Svix Authentication API.
///
/// ```no_run
/// use svix_auth_client::{Client, LogoutOptions, models::AppPortalAccessIn};
///
/// # async fn demo() -> Result<(), svix_auth_client::Error> {
/// let client = Client::new("testsk_….eu")?; // region from the token: https://api.eu.svix.com
/// let access = client.app_portal_access("my-app", &AppPortalAccessIn::default(), None).await?;
/// println!("{}", *access.url);
///
/// // Explicit idempotency key, custom server and retries:
/// let client = Client::builder("sk_admin")
///     .server_url("http://127.0.0.1:8071/")
///     .retries(4)
///     .build()?;
/// client.logout(Some(LogoutOptions::default().idempotency_key("logout-1"))).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    raw: generated::Client,
    authorization: HeaderValue,
    retry: RetryPolicy,
}

enum Outcome<T> {
    Done(T),
    Failed {
        error: Error,
        retryable: bool,
        retry_after: Option<Duration>,
    },
}

impl Client {
    /// A client for `token`, with defaults (region from the token, 15 s timeout, 2 retries).
    pub fn new(token: impl Into<String>) -> Result<Self, Error> {
        Self::builder(token).build()
    }

    /// A builder for `token`.
    pub fn builder(token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            token: token.into(),
            server_url: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            http: None,
            proxy: None,
        }
    }

    /// The base URL requests go to.
    pub fn server_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.raw)
    }

    /// The generated client underneath (no auth, no retries).
    pub fn generated(&self) -> &generated::Client {
        &self.raw
    }

    /// Runs one operation with retries; `send` issues one attempt. The generated per-operation
    /// methods (`methods.rs`) all come through here.
    pub(crate) async fn call<T, F, Fut>(&self, operation: Operation, send: F) -> Result<T, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<generated::ResponseValue<T>, generated::Error<Value>>> + Send,
    {
        let mut retry = 0;
        loop {
            let last_status = Arc::new(AtomicU16::new(0));
            let context = CallContext {
                authorization: self.authorization.clone(),
                user_agent: HeaderValue::from_static(USER_AGENT),
                attempt: retry,
                last_status: Arc::clone(&last_status),
            };
            let span = tracing::info_span!(
                "svix_auth_client.request",
                operation = operation.id(),
                attempt = retry,
                status = tracing::field::Empty
            );
            let result = CALL.scope(context, send()).instrument(span.clone()).await;
            let outcome = classify(operation, result, last_status.load(Ordering::Relaxed)).await;
            let status = last_status.load(Ordering::Relaxed);
            if status != 0 {
                span.record("status", status);
            }
            match outcome {
                Outcome::Done(value) => return Ok(value),
                Outcome::Failed {
                    error,
                    retryable,
                    retry_after,
                } => {
                    if !retryable || retry >= self.retry.max_retries {
                        return Err(error);
                    }
                    let wait = self.retry.delay(retry, retry_after);
                    tracing::debug!(parent: &span, error = %error, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
            }
        }
    }

    /// The idempotency key of a call: the caller's, or a fresh `auto_<uuid v4>` that all
    /// retries of the call reuse.
    pub(crate) fn idempotency_key(&self, explicit: Option<String>) -> String {
        explicit.unwrap_or_else(|| format!("auto_{}", uuid::Uuid::new_v4()))
    }
}

fn typed(status: u16, body: ErrorBody) -> Error {
    match body {
        ErrorBody::HttpErrorOut(body) => Error::Api { status, body },
        ErrorBody::HttpValidationError(body) => Error::Validation { status, body },
        ErrorBody::Other(value) => Error::UndecodableResponse {
            status: Some(status),
            body: value.to_string(),
        },
    }
}

/// Decides what a finished attempt means, by status code.
async fn classify<T>(
    operation: Operation,
    result: Result<generated::ResponseValue<T>, generated::Error<Value>>,
    last_status: u16,
) -> Outcome<T> {
    let failed = |error, retryable, retry_after| Outcome::Failed {
        error,
        retryable,
        retry_after,
    };
    match result {
        Ok(value) => Outcome::Done(value.into_inner()),
        Err(generated::Error::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            let wait = retry_after(response.headers());
            failed(
                typed(
                    status,
                    ErrorBody::decode(operation, status, response.into_inner()),
                ),
                retryable_status(status),
                wait,
            )
        }
        Err(generated::Error::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            let wait = retry_after(response.headers());
            let retryable = retryable_status(status);
            match response.text().await {
                Ok(text) => {
                    let error = match serde_json::from_str::<Value>(&text) {
                        Ok(value) if !(200..300).contains(&status) => {
                            typed(status, ErrorBody::decode(operation, status, value))
                        }
                        _ => Error::UndecodableResponse {
                            status: Some(status),
                            body: text,
                        },
                    };
                    failed(error, retryable, wait)
                }
                Err(e) => failed(Error::Transport(e), true, wait),
            }
        }
        Err(generated::Error::CommunicationError(e)) if e.is_timeout() => {
            failed(Error::Timeout(e), true, None)
        }
        Err(generated::Error::CommunicationError(e)) => {
            let retryable = !e.is_builder();
            failed(Error::Transport(e), retryable, None)
        }
        Err(generated::Error::ResponseBodyError(e)) if e.is_timeout() => {
            failed(Error::Timeout(e), true, None)
        }
        Err(generated::Error::ResponseBodyError(e)) | Err(generated::Error::InvalidUpgrade(e)) => {
            failed(Error::Transport(e), true, None)
        }
        Err(generated::Error::InvalidResponsePayload(bytes, _)) => failed(
            Error::UndecodableResponse {
                status: (last_status != 0).then_some(last_status),
                body: String::from_utf8_lossy(&bytes).into_owned(),
            },
            false,
            None,
        ),
        Err(generated::Error::InvalidRequest(m)) | Err(generated::Error::Custom(m)) => {
            failed(Error::InvalidRequest(m), false, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_the_token_suffix() {
        assert_eq!(
            server_url_for_token("testsk_abc.us"),
            "https://api.us.svix.com"
        );
        assert_eq!(
            server_url_for_token("testsk_abc.eu"),
            "https://api.eu.svix.com"
        );
        assert_eq!(
            server_url_for_token("testsk_abc.ca"),
            "https://api.ca.svix.com"
        );
        assert_eq!(
            server_url_for_token("testsk_abc.au"),
            "https://api.au.svix.com"
        );
        assert_eq!(
            server_url_for_token("testsk_abc.in"),
            "https://api.in.svix.com"
        );
        assert_eq!(
            server_url_for_token("testsk_abc.xx"),
            "https://api.svix.com"
        );
        assert_eq!(server_url_for_token("testsk_abc"), "https://api.svix.com");
    }

    #[test]
    fn server_url_override_drops_the_trailing_slash() {
        let c = Client::builder("t.eu")
            .server_url("http://127.0.0.1:9/")
            .build()
            .unwrap();
        assert_eq!(c.server_url(), "http://127.0.0.1:9");
        assert_eq!(
            Client::new("t.eu").unwrap().server_url(),
            "https://api.eu.svix.com"
        );
    }

    #[test]
    fn explicit_keys_are_kept_and_missing_ones_are_auto_uuids() {
        assert_eq!(
            Client::new("t").unwrap().idempotency_key(Some("k".into())),
            "k"
        );
        let auto = Client::new("t").unwrap().idempotency_key(None);
        assert!(
            auto.starts_with("auto_") && auto.len() == "auto_".len() + 36,
            "{auto}"
        );
    }

    #[test]
    fn a_token_that_is_not_a_header_value_is_an_error_not_a_panic() {
        assert!(matches!(
            Client::new("bad\ntoken"),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn client_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let c = Client::new("t").unwrap();
        assert_send(&c.logout(None));
        let body = svix_auth_models::AppPortalAccessIn::default();
        assert_send(&c.app_portal_access("a", &body, None));
    }
}
