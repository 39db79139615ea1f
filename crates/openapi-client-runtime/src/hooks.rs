//! What generated clients' progenitor hooks call: the facade's per-call context (credential,
//! User-Agent, attempt number, request id) travels in a task-local and is written into every
//! request; the status and `Retry-After` of each answer are noted before progenitor decodes the
//! body, so retry decisions never depend on a body that may not decode.

use std::cell::Cell;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderName, HeaderValue, USER_AGENT};

use crate::credentials::Applied;

/// Header names used on every request, parsed once.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");

tokio::task_local! {
    /// Boxed: the task-local moves its value in and out of the thread on every poll of the
    /// request's future, so a pointer rather than the whole context.
    pub(crate) static CALL: Box<CallContext>;
}

/// What the facade knows about the attempt in flight.
pub(crate) struct CallContext {
    /// The credentials of the requirement's alternative chosen for this attempt.
    pub applied: Applied,
    pub user_agent: HeaderValue,
    pub attempt: u32,
    /// One random id per call, the same on every attempt (`svix-req-id`).
    pub request_id: u64,
    /// Whether Svix's headers are sent ([`crate::svix`]).
    pub svix_headers: bool,
    /// What the answer's head said, before its body was read.
    pub answer: Cell<Answer>,
    /// The body of this attempt (form, multipart, text, bytes) with its content type, when the
    /// facade encodes it rather than the generated client.
    pub body: Cell<Option<(HeaderValue, reqwest::Body)>>,
    /// Parameters the facade sends itself.
    pub params: crate::ExtraParams,
}

/// The head of the last answer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Answer {
    /// Status (`None`: no answer yet).
    pub status: Option<u16>,
    /// Its `Retry-After`, as a wait.
    pub retry_after: Option<Duration>,
}

/// Before a request is sent: credentials (headers, query parameters, cookies), User-Agent,
/// the body the facade encoded, request id, and the retry count on retries.
/// progenitor's `api-version` header (the document's `info.version`) is dropped, as the official
/// SDKs send none. Outside a facade call (the generated client used on its own) it does nothing.
pub fn before_send(request: &mut reqwest::Request) {
    let _ = CALL.try_with(|call| {
        if !call.applied.query.is_empty() || !call.params.query.is_empty() {
            let mut pairs = request.url_mut().query_pairs_mut();
            for (name, value) in &call.params.query {
                pairs.append_pair(name, value);
            }
            for (name, value) in &call.applied.query {
                pairs.append_pair(name, value);
            }
        }
        let headers = request.headers_mut();
        headers.remove(API_VERSION);
        for (name, value) in &call.params.headers {
            headers.append(name.clone(), value.clone());
        }
        for (name, value) in &call.applied.headers {
            headers.insert(name.clone(), value.clone());
        }
        if !call.applied.cookies.is_empty() || !call.params.cookies.is_empty() {
            let mut cookies: Vec<String> = headers
                .get_all(COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            cookies.extend(call.params.cookies.iter().cloned());
            cookies.extend(call.applied.cookies.iter().cloned());
            if let Ok(mut value) = HeaderValue::from_str(&cookies.join("; ")) {
                value.set_sensitive(true);
                headers.insert(COOKIE, value);
            }
        }
        headers.insert(USER_AGENT, call.user_agent.clone());
        let body = call.body.take();
        if let Some((content_type, _)) = &body {
            headers.insert(CONTENT_TYPE, content_type.clone());
        }
        if call.svix_headers {
            headers.insert(crate::svix::REQUEST_ID, HeaderValue::from(call.request_id));
            if call.attempt > 0 {
                headers.insert(crate::svix::RETRY_COUNT, HeaderValue::from(call.attempt));
            }
        }
        if let Some((_, body)) = body {
            *request.body_mut() = Some(body);
        }
    });
}

/// After an answer's head arrived (before its body is decoded): notes status and `Retry-After`.
pub fn after_receive(result: &reqwest::Result<reqwest::Response>) {
    if let Ok(response) = result {
        let _ = CALL.try_with(|call| {
            call.answer.set(Answer {
                status: Some(response.status().as_u16()),
                retry_after: crate::retry::retry_after(response.headers()),
            });
        });
    }
}
