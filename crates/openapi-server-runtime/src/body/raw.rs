//! Bodies as bytes: [`Binary`], a request body the router read, and [`RawBody`], an answer of
//! bytes, text or a stream with its content type.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// A request body read as bytes, with the `Content-Type` it came with.
#[derive(Clone, PartialEq, Eq)]
pub struct Binary {
    /// The request's `Content-Type`, if it gave one.
    pub content_type: Option<String>,
    /// The body.
    pub bytes: Bytes,
}

impl std::fmt::Debug for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binary")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// An answer body that is not JSON: bytes or a stream, with a content type (the document's
/// media type for the response when none is given).
pub struct RawBody {
    content_type: Option<HeaderValue>,
    body: Body,
}

impl RawBody {
    /// These bytes.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            content_type: None,
            body: Body::from(bytes.into()),
        }
    }

    /// A stream of chunks, sent as they come (for large downloads).
    pub fn stream<S, E>(stream: S) -> Self
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        Self {
            content_type: None,
            body: Body::from_stream(stream),
        }
    }

    /// Sends it with `content_type` rather than the document's media type (a value that is not
    /// a valid header is ignored).
    pub fn with_content_type(mut self, content_type: &str) -> Self {
        self.content_type = HeaderValue::from_str(content_type).ok();
        self
    }

    /// The answer: `status`, this body, its content type or else `default_type`.
    pub fn into_response_with(self, status: StatusCode, default_type: &'static str) -> Response {
        let content_type = self.content_type.unwrap_or_else(|| {
            HeaderValue::from_static(concrete(default_type, "application/octet-stream"))
        });
        (status, [(header::CONTENT_TYPE, content_type)], self.body).into_response()
    }
}

impl std::fmt::Debug for RawBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawBody")
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl From<Bytes> for RawBody {
    fn from(bytes: Bytes) -> Self {
        Self::bytes(bytes)
    }
}

impl From<Vec<u8>> for RawBody {
    fn from(bytes: Vec<u8>) -> Self {
        Self::bytes(bytes)
    }
}

impl From<&'static [u8]> for RawBody {
    fn from(bytes: &'static [u8]) -> Self {
        Self::bytes(bytes)
    }
}

/// A text answer with the document's media type (`text/plain` for a range such as `text/*`).
pub fn text_response(status: StatusCode, media_type: &'static str, text: String) -> Response {
    let media_type = concrete(media_type, "text/plain; charset=utf-8");
    (status, [(header::CONTENT_TYPE, media_type)], text).into_response()
}

/// `media_type` unless it is a range (`*/*`, `image/*`), else `fallback`.
fn concrete(media_type: &'static str, fallback: &'static str) -> &'static str {
    if media_type.contains('*') || HeaderValue::from_str(media_type).is_err() {
        fallback
    } else {
        media_type
    }
}
