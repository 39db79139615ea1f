//! `multipart/form-data` bodies: text fields, JSON parts and files (bytes or a stream, with a
//! file name and content type), encoded with reqwest's `multipart`. A body of bytes only is
//! encoded once and sent again on a retry; one with a streamed file is sent once.

use bytes::Bytes;
use futures_util::StreamExt as _;
use reqwest::header::HeaderValue;
use reqwest::multipart::{Form, Part};
use std::sync::Mutex;

use super::{Data, Outgoing, OutgoingData};
use crate::error::Error;

/// One file of a multipart body.
pub struct FilePart {
    data: Data,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    /// A file of these bytes.
    pub fn bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            data: Data::Bytes(bytes.into()),
            file_name: None,
            content_type: None,
        }
    }

    /// A file read from a stream (sent once: a call with it is never retried).
    pub fn stream<S>(stream: S) -> Self
    where
        S: futures_util::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        Self {
            data: Data::stream(stream),
            file_name: None,
            content_type: None,
        }
    }

    /// Its file name (`filename=` of the part).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Its content type (else the document's `encoding.contentType`, else
    /// `application/octet-stream`).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

enum PartData {
    Text(String),
    Json(Result<serde_json::Value, String>),
    File(FilePart),
}

/// A multipart body: add the document's fields by name (text, JSON or files), in order.
#[derive(Default)]
pub struct Multipart {
    parts: Vec<(String, PartData)>,
}

impl Multipart {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// A text field (numbers and booleans as their text).
    pub fn text(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.parts
            .push((name.into(), PartData::Text(value.to_string())));
        self
    }

    /// A part of JSON (`Content-Type: application/json`), for object fields.
    pub fn json<T: serde::Serialize>(mut self, name: impl Into<String>, value: &T) -> Self {
        let json = serde_json::to_value(value).map_err(|e| e.to_string());
        self.parts.push((name.into(), PartData::Json(json)));
        self
    }

    /// A file.
    pub fn file(mut self, name: impl Into<String>, file: FilePart) -> Self {
        self.parts.push((name.into(), PartData::File(file)));
        self
    }

    /// The names of its parts, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|(n, _)| n.as_str())
    }

    /// Encodes it; `part_types` gives the document's `encoding.contentType` of a part by name.
    pub async fn into_outgoing(self, part_types: &[(&str, &str)]) -> Result<Outgoing, Error> {
        let streams = self.parts.iter().any(|(_, p)| {
            matches!(
                p,
                PartData::File(FilePart {
                    data: Data::Stream(_),
                    ..
                })
            )
        });
        let mut form = Form::new();
        for (name, part) in self.parts {
            let declared = part_types
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .filter(|t| !t.contains('*') && !t.contains(','));
            let part = match part {
                PartData::Text(text) => Part::text(text),
                PartData::Json(Ok(value)) => Part::text(value.to_string())
                    .mime_str("application/json")
                    .map_err(|e| Error::InvalidRequest(e.to_string()))?,
                PartData::Json(Err(e)) => {
                    return Err(Error::InvalidRequest(format!(
                        "multipart part `{name}` could not be encoded as JSON: {e}"
                    )));
                }
                PartData::File(file) => {
                    let mut part = match file.data {
                        Data::Bytes(b) => Part::bytes(b.to_vec()),
                        Data::Stream(s) => Part::stream(s),
                    };
                    if let Some(file_name) = file.file_name {
                        part = part.file_name(file_name);
                    }
                    let content_type = file
                        .content_type
                        .as_deref()
                        .or(declared)
                        .unwrap_or("application/octet-stream");
                    part.mime_str(content_type).map_err(|_| {
                        Error::InvalidRequest(format!(
                            "`{}` is not a valid content type for part `{name}`",
                            content_type.escape_debug()
                        ))
                    })?
                }
            };
            form = form.part(name, part);
        }
        if streams {
            return Ok(Outgoing {
                content_type: HeaderValue::from_static("multipart/form-data"),
                data: OutgoingData::OnceForm(Mutex::new(Some(form))),
            });
        }
        let content_type = format!("multipart/form-data; boundary={}", form.boundary());
        let content_type = HeaderValue::from_str(&content_type)
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let mut stream = form.into_stream();
        let mut bytes = bytes::BytesMut::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk.map_err(Error::Transport)?);
        }
        Ok(Outgoing::bytes(content_type, bytes.freeze()))
    }
}

impl std::fmt::Debug for Multipart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Multipart")
            .field("parts", &self.names().collect::<Vec<_>>())
            .finish()
    }
}
