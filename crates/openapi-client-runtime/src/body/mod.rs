//! Request and answer bodies beyond JSON: what a facade method takes for a form, multipart,
//! text or binary body and encodes once per call ([`Outgoing`]), and [`Download`], a success
//! answer that is not JSON (bytes, text or a stream, with its status and content type).

mod form;
mod multipart;

use std::sync::Mutex;

use bytes::Bytes;
use futures_util::StreamExt as _;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::HeaderValue;

pub use form::{FormEncoding, FormStyle, encode_form};
pub use multipart::{FilePart, Multipart};

use crate::error::Error;

/// A binary (or untyped) request body: bytes, sent again on a retry, or a stream, sent once.
pub struct BinaryBody {
    data: Data,
    content_type: Option<String>,
}

pub(crate) enum Data {
    Bytes(Bytes),
    Stream(reqwest::Body),
}

impl Data {
    /// A body read from `stream`.
    pub(crate) fn stream<S>(stream: S) -> Self
    where
        S: futures_util::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        Self::Stream(reqwest::Body::wrap_stream(stream))
    }
}

impl BinaryBody {
    /// These bytes.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            data: Data::Bytes(bytes.into()),
            content_type: None,
        }
    }

    /// A stream of chunks (a large upload): sent once, so a call with it is never retried.
    pub fn stream<S>(stream: S) -> Self
    where
        S: futures_util::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        Self {
            data: Data::stream(stream),
            content_type: None,
        }
    }

    /// Sends it as `content_type` rather than the media type the document declares.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The body to send, as `default_type` unless another type was chosen.
    pub fn into_outgoing(self, default_type: &'static str) -> Result<Outgoing, Error> {
        let content_type = content_type(self.content_type.as_deref(), default_type)?;
        Ok(match self.data {
            Data::Bytes(bytes) => Outgoing::bytes(content_type, bytes),
            Data::Stream(body) => Outgoing {
                content_type,
                data: OutgoingData::Once(Mutex::new(Some(body))),
            },
        })
    }
}

impl std::fmt::Debug for BinaryBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("BinaryBody");
        match &self.data {
            Data::Bytes(b) => d.field("len", &b.len()),
            Data::Stream(_) => d.field("stream", &true),
        };
        d.field("content_type", &self.content_type).finish()
    }
}

impl From<Bytes> for BinaryBody {
    fn from(bytes: Bytes) -> Self {
        Self::bytes(bytes)
    }
}

impl From<Vec<u8>> for BinaryBody {
    fn from(bytes: Vec<u8>) -> Self {
        Self::bytes(bytes)
    }
}

impl From<&'static [u8]> for BinaryBody {
    fn from(bytes: &'static [u8]) -> Self {
        Self::bytes(bytes)
    }
}

impl From<String> for BinaryBody {
    fn from(text: String) -> Self {
        Self::bytes(text)
    }
}

impl From<&'static str> for BinaryBody {
    fn from(text: &'static str) -> Self {
        Self::bytes(text)
    }
}

/// A header value for a body's content type: `chosen`, else the document's media type (a
/// range such as `image/*` or `*/*` becomes `application/octet-stream`).
fn content_type(chosen: Option<&str>, default_type: &'static str) -> Result<HeaderValue, Error> {
    match chosen {
        Some(ct) => HeaderValue::from_str(ct).map_err(|_| {
            Error::InvalidRequest(format!(
                "`{}` is not a valid content type",
                ct.escape_debug()
            ))
        }),
        None if default_type.contains('*') => {
            Ok(HeaderValue::from_static("application/octet-stream"))
        }
        None => HeaderValue::from_str(default_type)
            .or_else(|_| Ok(HeaderValue::from_static("application/octet-stream"))),
    }
}

/// A request body encoded for a call: the same bytes on every attempt, or a stream sent once.
pub struct Outgoing {
    pub(crate) content_type: HeaderValue,
    data: OutgoingData,
}

enum OutgoingData {
    Bytes(Bytes),
    /// Taken by the first attempt.
    Once(Mutex<Option<reqwest::Body>>),
    /// A multipart form built on the first attempt (it streams a part).
    OnceForm(Mutex<Option<reqwest::multipart::Form>>),
}

impl Outgoing {
    /// These bytes as `content_type`.
    pub fn bytes(content_type: HeaderValue, bytes: impl Into<Bytes>) -> Self {
        Self {
            content_type,
            data: OutgoingData::Bytes(bytes.into()),
        }
    }

    /// `text` as `media_type` (`text/plain` for a range such as `text/*`).
    pub fn text(media_type: &'static str, text: String) -> Self {
        let content_type = if media_type.contains('*') {
            HeaderValue::from_static("text/plain; charset=utf-8")
        } else {
            HeaderValue::from_str(media_type)
                .unwrap_or_else(|_| HeaderValue::from_static("text/plain; charset=utf-8"))
        };
        Self::bytes(content_type, text)
    }

    /// `value` (a model) encoded as `application/x-www-form-urlencoded` per `fields`.
    pub fn form<T: serde::Serialize>(value: &T, fields: &[FormEncoding]) -> Result<Self, Error> {
        let value = serde_json::to_value(value).map_err(|e| {
            Error::InvalidRequest(format!("the form body could not be encoded: {e}"))
        })?;
        Ok(Self::bytes(
            HeaderValue::from_static("application/x-www-form-urlencoded"),
            encode_form(&value, fields),
        ))
    }

    /// `value` (a model) as JSON, sent as `media_type` (`application/json` for a range).
    pub fn json<T: serde::Serialize>(value: &T, media_type: &'static str) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::InvalidRequest(format!("the JSON body could not be encoded: {e}"))
        })?;
        let content_type = if media_type.contains('*') {
            HeaderValue::from_static("application/json")
        } else {
            HeaderValue::from_str(media_type)
                .unwrap_or_else(|_| HeaderValue::from_static("application/json"))
        };
        Ok(Self::bytes(content_type, bytes))
    }

    /// Whether it can be sent again (a stream cannot).
    pub fn resendable(&self) -> bool {
        matches!(self.data, OutgoingData::Bytes(_))
    }

    /// The body for one attempt (a stream only for the first).
    pub(crate) fn for_attempt(&self) -> Option<(HeaderValue, reqwest::Body)> {
        match &self.data {
            OutgoingData::Bytes(b) => {
                Some((self.content_type.clone(), reqwest::Body::from(b.clone())))
            }
            OutgoingData::Once(slot) => slot
                .lock()
                .ok()?
                .take()
                .map(|b| (self.content_type.clone(), b)),
            OutgoingData::OnceForm(slot) => {
                let form = slot.lock().ok()?.take()?;
                let content_type = HeaderValue::from_str(&format!(
                    "multipart/form-data; boundary={}",
                    form.boundary()
                ))
                .ok()?;
                Some((content_type, reqwest::Body::wrap_stream(form.into_stream())))
            }
        }
    }
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("content_type", &self.content_type)
            .field("resendable", &self.resendable())
            .finish()
    }
}

/// A success answer that is not JSON: its status, content type and body, read as bytes, as
/// text or as a stream of chunks (for large downloads).
pub struct Download {
    status: u16,
    content_type: Option<String>,
    stream: ByteStream,
}

impl Download {
    /// Takes progenitor's raw answer.
    pub fn from_response(value: ResponseValue<ByteStream>) -> Self {
        let status = value.status().as_u16();
        let content_type = value
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Self {
            status,
            content_type,
            stream: value.into_inner(),
        }
    }

    /// The answer's status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer's `Content-Type`, if it gave one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The whole body.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let mut stream = self.stream.into_inner();
        let mut out = bytes::BytesMut::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk.map_err(Error::Transport)?);
        }
        Ok(out.freeze())
    }

    /// The whole body as text (UTF-8; anything else is an error naming the status).
    pub async fn text(self) -> Result<String, Error> {
        let status = self.status;
        let bytes = self.bytes().await?;
        String::from_utf8(bytes.to_vec()).map_err(|e| Error::UndecodableResponse {
            status: Some(status),
            body: format!("the body is not UTF-8 text: {e}"),
        })
    }

    /// The body as a stream of chunks.
    pub fn into_stream(
        self,
    ) -> impl futures_util::Stream<Item = Result<Bytes, reqwest::Error>> + Send + Sync {
        self.stream.into_inner()
    }
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}
