//! A request's JSON body checked against its operation's schema as the document writes it, the
//! way Prism does: the generated router checks what the Rust types hold, and the mock also
//! refuses what only JSON Schema sees (a value that fits more than one `oneOf` branch, a `not`,
//! …). The body is read whole first (at most [`MAX_CHECKED`] bytes) and handed on unchanged.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use serde_json::Value;

use super::answers::Engine;

/// The largest request body the mock reads to check; a longer one is passed on unchecked.
pub(super) const MAX_CHECKED: usize = 8 << 20;

/// A body read for checking: the operation it is for and its bytes.
pub(super) struct Held {
    operation: usize,
    bytes: Bytes,
}

impl Held {
    /// Whether nothing was sent.
    pub(super) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Whether what was sent is JSON.
    pub(super) fn is_json(&self) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(&self.bytes).is_ok()
    }
}

impl Engine {
    /// The operation at `method` `path` if its JSON request body is checked and `request` carries
    /// one of its media types.
    fn checked_operation(&self, request: &Request) -> Option<usize> {
        let spec = self.spec_ok()?;
        let (operation, _) = self.operation_at(request.method().as_str(), request.uri().path())?;
        let media = spec.operations.get(operation)?.body_media.as_slice();
        let sent = request
            .headers()
            .get(CONTENT_TYPE)?
            .to_str()
            .ok()?
            .split(';')
            .next()?
            .trim()
            .to_ascii_lowercase();
        media.contains(&sent).then_some(operation)
    }

    /// `request` with its body read (when it is one the mock checks), and what was read; `Err`
    /// with the reason when the body could not be read.
    pub(super) async fn hold(&self, request: Request) -> Result<(Request, Option<Held>), String> {
        let Some(operation) = self.checked_operation(&request) else {
            return Ok((request, None));
        };
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_CHECKED) {
            return Ok((request, None));
        }
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_CHECKED)
            .await
            .map_err(|e| format!("the request body could not be read: {e}"))?;
        let request = Request::from_parts(parts, Body::from(bytes.clone()));
        Ok((request, Some(Held { operation, bytes })))
    }

    /// Why the held body breaks its operation's schema, if it does (a body that is empty or not
    /// JSON is the router's to refuse).
    pub(super) fn violation(&self, held: &Held) -> Option<String> {
        if held.is_empty() {
            return None;
        }
        let value: Value = serde_json::from_slice(&held.bytes).ok()?;
        let spec = self.spec_ok()?;
        spec.first_error(&format!("/definitions/op{}b", held.operation), &value)
            .map(|error| format!("the body does not match its schema {error}"))
    }
}
