//! [`Core`]: runs one operation with the policy — credential, retries, idempotency keys, a
//! tracing span per attempt, and errors decided from the status before any body is decoded.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use progenitor_client::{Error as RawError, ResponseValue};
use reqwest::header::HeaderValue;
use tracing::Instrument as _;

use crate::body::Outgoing;
use crate::credentials::{Credentials, Requirement, SchemeSpec, Secret};
use crate::error::Error;
use crate::extra::ExtraParams;
use crate::hooks::{Answer, CALL, CallContext};
use crate::retry::{Retry, RetryPolicy, RetrySafety, retryable_status};

/// The policy state a client shares across calls (cheap to clone).
#[derive(Debug, Clone)]
pub struct Core {
    credentials: Credentials,
    /// The document's schemes.
    schemes: &'static [SchemeSpec],
    /// The scheme a client's token is for (`Client::new(token)`), if the document has one.
    token_scheme: Option<&'static str>,
    user_agent: HeaderValue,
    retry: RetryPolicy,
    /// Whether the base URL was given explicitly (then a new token keeps it).
    fixed_server: bool,
    /// Whether Svix's headers go with every request ([`crate::svix`]).
    svix_conventions: bool,
}

/// What one attempt came to.
enum Outcome<T> {
    Done(T),
    Failed {
        error: Error,
        retryable: Retry,
        retry_after: Option<Duration>,
    },
}

impl Core {
    /// A core with `credentials` for the document's `schemes`, sending `user_agent`.
    pub fn new(
        credentials: Credentials,
        schemes: &'static [SchemeSpec],
        user_agent: HeaderValue,
        retry: RetryPolicy,
    ) -> Self {
        Self {
            credentials,
            schemes,
            token_scheme: None,
            user_agent,
            retry,
            fixed_server: false,
            svix_conventions: false,
        }
    }

    /// Sends Svix's headers ([`crate::svix`]) with every request when `on`.
    pub fn with_svix_conventions(mut self, on: bool) -> Self {
        self.svix_conventions = on;
        self
    }

    /// Names the scheme that [`Self::with_token`] replaces.
    pub fn with_token_scheme(mut self, scheme: Option<&'static str>) -> Self {
        self.token_scheme = scheme;
        self
    }

    /// Marks the base URL as chosen by the caller rather than derived from the token.
    pub fn with_fixed_server(mut self, fixed: bool) -> Self {
        self.fixed_server = fixed;
        self
    }

    /// Whether the base URL was chosen by the caller (a new token then keeps it).
    pub fn fixed_server(&self) -> bool {
        self.fixed_server
    }

    /// The same policy with another token for the document's token scheme (for a facade's
    /// `with_token`); a token that cannot be a header value is an error.
    pub fn with_token(&self, token: &str) -> Result<Self, Error> {
        crate::credentials::bearer(token)?;
        let mut core = self.clone();
        if let Some(scheme) = self.token_scheme {
            core.credentials.set(scheme, Secret::text(token));
        }
        Ok(core)
    }

    /// The idempotency key of a call: the caller's, or a fresh `auto_<uuid v4>` that all
    /// retries of the call reuse.
    pub fn idempotency_key(&self, explicit: Option<String>) -> String {
        explicit.unwrap_or_else(|| format!("auto_{}", uuid::Uuid::new_v4()))
    }

    /// Runs operation `operation` with retries; `send` issues one attempt. `requirement` is what
    /// the operation needs (each attempt applies the first alternative whose credentials are
    /// configured, asking token providers anew; none: [`Error::MissingCredentials`] before
    /// anything is sent). `safety` says whether the call may be sent again after it may have
    /// reached the server (see [`RetrySafety`]).
    /// `E` is the error body type progenitor decoded (`serde_json::Value`, or `()` for an
    /// operation that documents none).
    pub async fn call<T, E, F, Fut>(
        &self,
        operation: &'static str,
        requirement: &Requirement,
        safety: RetrySafety,
        send: F,
    ) -> Result<T, Error>
    where
        E: serde::Serialize,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>> + Send,
    {
        self.run(
            operation,
            requirement,
            safety,
            None,
            ExtraParams::new(),
            send,
        )
        .await
        .map(ResponseValue::into_inner)
    }

    /// [`Self::call`] with what the generated client does not send itself: a request body
    /// (form, multipart, text, bytes; each attempt carries it, a streamed one only the first, so
    /// such a call is never retried) and `params`. The answer is progenitor's, headers and
    /// status included.
    pub async fn call_with_body<T, E, F, Fut>(
        &self,
        operation: &'static str,
        requirement: &Requirement,
        safety: RetrySafety,
        body: Option<Outgoing>,
        params: ExtraParams,
        send: F,
    ) -> Result<ResponseValue<T>, Error>
    where
        E: serde::Serialize,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>> + Send,
    {
        self.run(operation, requirement, safety, body, params, send)
            .await
    }

    async fn run<T, E, F, Fut>(
        &self,
        operation: &'static str,
        requirement: &Requirement,
        safety: RetrySafety,
        body: Option<Outgoing>,
        params: ExtraParams,
        send: F,
    ) -> Result<ResponseValue<T>, Error>
    where
        E: serde::Serialize,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>> + Send,
    {
        let request_id = random_u64();
        let resendable = body.as_ref().is_none_or(Outgoing::resendable);
        let mut retry = 0;
        loop {
            let applied = self
                .credentials
                .apply(operation, self.schemes, requirement)
                .await?;
            let redact_url = !applied.query.is_empty();
            let context = Box::new(CallContext {
                applied,
                user_agent: self.user_agent.clone(),
                attempt: retry,
                request_id,
                svix_headers: self.svix_conventions,
                answer: Cell::new(Answer::default()),
                body: Cell::new(body.as_ref().and_then(Outgoing::for_attempt)),
                params: params.clone(),
            });
            let span = tracing::info_span!(
                "svix_client.request",
                operation,
                attempt = retry,
                request_id,
                status = tracing::field::Empty
            );
            // Pinned here so that the context (with the answer's head) can be taken back after.
            let mut attempt = std::pin::pin!(CALL.scope(context, send()));
            let result = attempt.as_mut().instrument(span.clone()).await;
            let head = attempt
                .take_value()
                .map(|call| call.answer.get())
                .unwrap_or_default();
            if let Some(status) = head.status {
                span.record("status", status);
            }
            // A key in the query string is in the URL that reqwest's errors carry: drop it.
            let result = if redact_url {
                result.map_err(without_url)
            } else {
                result
            };
            match classify(result, &head).await {
                Outcome::Done(value) => return Ok(value),
                Outcome::Failed {
                    error,
                    retryable,
                    retry_after,
                } => {
                    if !resendable
                        || !self.retry.allows(retryable, safety)
                        || retry >= self.retry.retries()
                    {
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
}

/// The error with the request URL removed from any `reqwest::Error` it holds.
fn without_url<E>(e: RawError<E>) -> RawError<E> {
    match e {
        RawError::CommunicationError(e) => RawError::CommunicationError(e.without_url()),
        RawError::ResponseBodyError(e) => RawError::ResponseBodyError(e.without_url()),
        RawError::InvalidUpgrade(e) => RawError::InvalidUpgrade(e.without_url()),
        other => other,
    }
}

/// A random u64 for `svix-req-id`: a correlation id, not a secret, so a fast per-thread
/// generator (seeded from the system once per thread) rather than a system call per request.
fn random_u64() -> u64 {
    fastrand::u64(..)
}

/// Decides what a finished attempt means. The status noted by the hooks decides retries,
/// whatever the body turned out to be.
async fn classify<T, E: serde::Serialize>(
    result: Result<ResponseValue<T>, RawError<E>>,
    head: &Answer,
) -> Outcome<ResponseValue<T>> {
    let failed = |error, retryable, retry_after| Outcome::Failed {
        error,
        retryable,
        retry_after,
    };
    // A status came back: the request reached the server.
    let by_status = |status: u16| {
        let retry = if retryable_status(status) {
            Retry::MaybeSent
        } else {
            Retry::No
        };
        (retry, head.retry_after)
    };
    // A connection that was never made carries no request; anything else may have.
    let sent = |e: &reqwest::Error| {
        if e.is_connect() {
            Retry::Unsent
        } else {
            Retry::MaybeSent
        }
    };
    match result {
        Ok(value) => Outcome::Done(value),
        Err(RawError::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            let (retryable, wait) = by_status(status);
            let body = serde_json::to_vec(&*response).unwrap_or_default();
            failed(Error::from_response(status, &body), retryable, wait)
        }
        Err(RawError::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            let (retryable, wait) = by_status(status);
            match response.bytes().await {
                Ok(bytes) if (200..300).contains(&status) => failed(
                    Error::UndecodableResponse {
                        status: Some(status),
                        body: String::from_utf8_lossy(&bytes).into_owned(),
                    },
                    Retry::No,
                    None,
                ),
                Ok(bytes) => failed(Error::from_response(status, &bytes), retryable, wait),
                Err(e) => failed(Error::Transport(e), Retry::MaybeSent, wait),
            }
        }
        Err(RawError::CommunicationError(e)) if e.is_timeout() => {
            let retry = sent(&e);
            failed(Error::Timeout(e), retry, None)
        }
        Err(RawError::CommunicationError(e)) if e.is_builder() => {
            failed(Error::Transport(e), Retry::No, None)
        }
        Err(RawError::CommunicationError(e)) => {
            let retry = sent(&e);
            failed(Error::Transport(e), retry, None)
        }
        Err(RawError::ResponseBodyError(e)) if e.is_timeout() => {
            failed(Error::Timeout(e), Retry::MaybeSent, None)
        }
        Err(RawError::ResponseBodyError(e)) | Err(RawError::InvalidUpgrade(e)) => {
            failed(Error::Transport(e), Retry::MaybeSent, head.retry_after)
        }
        // The body did not decode: the status (noted before decoding) still decides.
        Err(RawError::InvalidResponsePayload(bytes, _)) => match head.status {
            Some(status) if !(200..300).contains(&status) => {
                let (retryable, wait) = by_status(status);
                failed(Error::from_response(status, &bytes), retryable, wait)
            }
            status => failed(
                Error::UndecodableResponse {
                    status,
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                },
                Retry::No,
                None,
            ),
        },
        Err(RawError::InvalidRequest(m)) | Err(RawError::Custom(m)) => {
            failed(Error::InvalidRequest(m), Retry::No, None)
        }
    }
}
