//! `multipart/form-data` bodies: text fields read per their schema (as form fields are), JSON
//! parts parsed, files kept as bytes with their file name and content type — within limits on
//! the number of parts, each part's size and the whole body's.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value};

use super::form::{FormShape, Shape, decode_pairs};
use crate::media::is_json_media_type;
use crate::refusal::refusal;
use crate::validate::Validator;

/// One file of a multipart body.
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The file name the sender gave (`filename=`), if any.
    pub file_name: Option<String>,
    /// The part's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Its content.
    pub bytes: Bytes,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// A decoded multipart body: its fields (text read as the schema's types, JSON parts parsed;
/// validated against the body's schema) and its files, in the order they came.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Multipart {
    fields: Map<String, Value>,
    files: Vec<(String, FilePart)>,
}

impl Multipart {
    /// A body of these fields and files (for tests and mocks).
    pub fn new(fields: Map<String, Value>, files: Vec<(String, FilePart)>) -> Self {
        Self { fields, files }
    }

    /// Every field that is not a file, as one JSON object.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The field `name`, if sent.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// The first file sent as `name`.
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// Every file sent as `name`, in order.
    pub fn files<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FilePart> + 'a {
        self.files
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, f)| f)
    }

    /// Every file with its part name, in order.
    pub fn all_files(&self) -> &[(String, FilePart)] {
        &self.files
    }

    /// The fields as a JSON object (to deserialize into a model).
    pub fn fields_value(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

/// Limits on a multipart body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub total: usize,
    pub parts: usize,
}

/// Reads a multipart body whose `boundary` is known; `files` names the parts that are files
/// (any other part with a file name is one too).
pub(crate) async fn read(
    body: Body,
    boundary: String,
    shape: &FormShape,
    files: &[&str],
    limits: Limits,
    val: &mut Validator,
) -> Result<Multipart, Response> {
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limits.total as u64)
            .per_field(limits.total as u64),
    );
    let mut reader =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut texts = Vec::new();
    let mut json_parts = Vec::new();
    let mut out = Multipart::default();
    let mut count = 0usize;
    loop {
        let field = match reader.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(&e, limits)),
        };
        count += 1;
        if count > limits.parts {
            return Err(refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &format!("the multipart body has more than {} parts", limits.parts),
            ));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(|m| m.to_string());
        let bytes = field
            .bytes()
            .await
            .map_err(|e| multipart_error(&e, limits))?;
        let is_file = files.contains(&name.as_str())
            || (file_name.is_some() && !shape.fields.iter().any(|f| f.name == name));
        if is_file {
            out.files.push((
                name,
                FilePart {
                    file_name,
                    content_type,
                    bytes,
                },
            ));
        } else if content_type.as_deref().is_some_and(is_json_media_type)
            || json_by_default(shape, &name, &bytes)
        {
            json_parts.push((name, bytes));
        } else {
            texts.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    if let Value::Object(map) = decode_pairs(&texts, shape) {
        out.fields = map;
    }
    for (name, bytes) in json_parts {
        let value = match serde_json::from_slice(&bytes) {
            Ok(mut value) => {
                super::integral_numbers(&mut value, &bytes, val);
                value
            }
            Err(_) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        };
        out.fields.insert(name, value);
    }
    Ok(out)
}

/// Whether a part sent without a JSON `Content-Type` is read as JSON all the same: OpenAPI's
/// default for an object property of a multipart body is `application/json`, so a part of a
/// property declared as an object, or as a combination of schemas (`anyOf` of objects), whose
/// text is a JSON object is that object (Telegram's `reply_markup`).
fn json_by_default(shape: &FormShape, name: &str, bytes: &[u8]) -> bool {
    let declared = shape
        .field(name)
        .is_some_and(|f| matches!(f.shape, Shape::Object(_) | Shape::Any));
    declared
        && bytes.trim_ascii_start().starts_with(b"{")
        && serde_json::from_slice::<Value>(bytes).is_ok_and(|v| v.is_object())
}

fn multipart_error(e: &multer::Error, limits: Limits) -> Response {
    match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &format!("the request body is larger than {} bytes", limits.total),
            )
        }
        other => refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("the multipart body could not be read: {other}"),
        ),
    }
}
