//! Request bodies beyond JSON — form-urlencoded, multipart, text and bytes — read by the media
//! type a request's `Content-Type` names among those its operation declares (anything else is
//! 415 naming them), and answers that are not JSON ([`RawBody`]).

mod form;
mod multipart;
mod numbers;
mod raw;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;

pub use form::{FormField, FormShape, FormStyle, Shape, decode_form};
pub(crate) use form::{decode_deep, insert_property};
pub use multipart::{FilePart, Multipart};
pub(crate) use numbers::{beyond_64_bits, integral_numbers};
pub use raw::{Binary, RawBody, text_response};

use crate::media::{MediaKind, media_matches};
use crate::refusal::refusal;
use crate::validate::Validator;

/// Reads a body of at most `limit` bytes (413 beyond it, by `Content-Length` or by count).
pub(crate) async fn read_limited(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(payload_too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(payload_too_large(limit)),
        Err(_) => Err(refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request body could not be read",
        )),
    }
}

pub(crate) fn payload_too_large(limit: usize) -> Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        &format!("the request body is larger than {limit} bytes"),
    )
}

/// The declared media type a request's `Content-Type` matches, with its kind; no
/// `Content-Type` means the first declared. Any other is 415 naming the declared ones.
fn negotiate(
    headers: &HeaderMap,
    accepted: &[(&'static str, MediaKind)],
) -> Result<(Option<String>, MediaKind), Response> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok((None, accepted.first().map_or(MediaKind::Binary, |a| a.1)));
    };
    let given = value.to_str().unwrap_or_default();
    match accepted.iter().find(|(m, _)| media_matches(m, given)) {
        Some((_, kind)) => Ok((Some(given.to_owned()), *kind)),
        None => Err(unsupported(accepted.iter().map(|a| a.0), given)),
    }
}

/// Which of an operation's media types a request's `Content-Type` names: the index given with
/// the first declared type it matches (no `Content-Type`: the first's). Any other is 415 naming
/// every declared type.
pub fn content_index(
    headers: &HeaderMap,
    accepted: &[(&'static str, usize)],
) -> Result<usize, Response> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(accepted.first().map_or(0, |a| a.1));
    };
    let given = value.to_str().unwrap_or_default();
    accepted
        .iter()
        .find(|(m, _)| media_matches(m, given))
        .map(|(_, i)| *i)
        .ok_or_else(|| unsupported(accepted.iter().map(|a| a.0), given))
}

fn unsupported<'a>(declared: impl Iterator<Item = &'a str>, given: &str) -> Response {
    let names: Vec<String> = declared.map(|m| format!("`{m}`")).collect();
    refusal(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        &format!(
            "the request body must be {} (`Content-Type` was `{}`)",
            names.join(" or "),
            given.escape_debug()
        ),
    )
}

/// `bytes` as JSON; bytes that are not JSON are a validation error at `["body"]` naming line and
/// column (or that they are not UTF-8). Numbers are read as integers or not as the document's
/// dialect says ([`integral_numbers`]).
pub(crate) fn parse_json(bytes: &[u8], val: &mut Validator) -> Option<Value> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            integral_numbers(&mut value, bytes, val);
            Some(value)
        }
        Err(e) => {
            val.push("body");
            let message = if std::str::from_utf8(bytes).is_err() {
                "request body is not valid UTF-8".to_owned()
            } else {
                format!("request body is not valid JSON: {e}")
            };
            val.error(message, "value_error.jsondecode");
            val.pop();
            None
        }
    }
}

fn missing(required: bool, val: &mut Validator) {
    if required {
        val.push("body");
        val.error("field required", "value_error.missing");
        val.pop();
    }
}

/// Reads a body typed by its schema — JSON or form-urlencoded, whichever of `accepted` the
/// request's `Content-Type` names — as JSON for validation. Absent: `Ok(None)` (reported when
/// `required`), except an empty form sent as one: `{}`; undecodable JSON a validation error at
/// `["body"]`.
pub async fn typed_body(
    body: Body,
    headers: &HeaderMap,
    required: bool,
    limit: usize,
    accepted: &[(&'static str, MediaKind)],
    form: &FormShape,
    val: &mut Validator,
) -> Result<Option<Value>, Response> {
    let (content_type, kind) = negotiate(headers, accepted)?;
    let bytes = read_limited(body, headers, limit).await?;
    // A form sent empty, with its content type, is a form with no fields (its required ones
    // are then missing); empty JSON is no body at all.
    let empty_form = kind == MediaKind::Form && content_type.is_some() && bytes.is_empty();
    if bytes.is_empty() && !empty_form {
        missing(required, val);
        return Ok(None);
    }
    if kind == MediaKind::Form {
        return Ok(Some(decode_form(&bytes, form)));
    }
    Ok(parse_json(&bytes, val))
}

/// Reads a `text/*` body as a JSON string (for the schema's string rules); bytes that are not
/// UTF-8 are a validation error at `["body"]`. Nothing sent with a `Content-Type` is the empty
/// text; nothing sent without one is no body.
pub async fn text_body(
    body: Body,
    headers: &HeaderMap,
    required: bool,
    limit: usize,
    accepted: &[(&'static str, MediaKind)],
    val: &mut Validator,
) -> Result<Option<Value>, Response> {
    let (content_type, _) = negotiate(headers, accepted)?;
    let bytes = read_limited(body, headers, limit).await?;
    if bytes.is_empty() && content_type.is_none() {
        missing(required, val);
        return Ok(None);
    }
    match String::from_utf8(bytes.to_vec()) {
        Ok(text) => Ok(Some(Value::String(text))),
        Err(_) => {
            val.push("body");
            val.error("request body is not valid UTF-8", "value_error.str");
            val.pop();
            Ok(None)
        }
    }
}

/// Reads a body as bytes with the content type it came with.
pub async fn binary_body(
    body: Body,
    headers: &HeaderMap,
    required: bool,
    limit: usize,
    accepted: &[(&'static str, MediaKind)],
    val: &mut Validator,
) -> Result<Option<Binary>, Response> {
    let (content_type, _) = negotiate(headers, accepted)?;
    let bytes = read_limited(body, headers, limit).await?;
    if bytes.is_empty() && content_type.is_none() {
        missing(required, val);
        return Ok(None);
    }
    Ok(Some(Binary {
        content_type,
        bytes,
    }))
}

/// Reads a `multipart/form-data` body: `form` gives the fields' shapes, `files` the parts that
/// are files. At most `limit` bytes in all and `max_parts` parts (413 beyond either).
#[allow(clippy::too_many_arguments)]
pub async fn multipart_body(
    body: Body,
    headers: &HeaderMap,
    required: bool,
    limit: usize,
    max_parts: usize,
    accepted: &[(&'static str, MediaKind)],
    form: &FormShape,
    files: &[&str],
    val: &mut Validator,
) -> Result<Option<Multipart>, Response> {
    let (content_type, _) = negotiate(headers, accepted)?;
    let Some(content_type) = content_type else {
        let bytes = read_limited(body, headers, limit).await?;
        if bytes.is_empty() {
            missing(required, val);
            return Ok(None);
        }
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be `multipart/form-data` with a boundary (`Content-Type` was not given)",
        ));
    };
    let Ok(boundary) = multer::parse_boundary(&content_type) else {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the multipart `Content-Type` has no boundary",
        ));
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(payload_too_large(limit));
    }
    let limits = multipart::Limits {
        total: limit,
        parts: max_parts,
    };
    multipart::read(body, boundary, form, files, limits, val)
        .await
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Dialect;
    use axum::http::HeaderValue;

    /// The error kinds the integer check finds in each value of a JSON object body.
    fn integer_errors(text: &str, dialect: Dialect) -> Vec<String> {
        let mut val = Validator::with_dialect(dialect);
        let value = parse_json(text.as_bytes(), &mut val).unwrap_or_default();
        let rules = crate::IntRules {
            minimum: Some(0),
            ..Default::default()
        };
        for (name, v) in value.as_object().into_iter().flatten() {
            val.push(name.clone());
            crate::integer(v, false, &rules, &mut val);
            val.pop();
        }
        let errors = val.finish().err().map(|e| e.detail).unwrap_or_default();
        errors
            .into_iter()
            .map(|e| format!("{}:{}", e.loc.join("."), e.r#type))
            .collect()
    }

    #[test]
    fn a_zero_fraction_is_an_integer_in_openapi_3_1_and_not_in_3_0() {
        let body = r#"{"a": 1.0, "b": 3.928283110088006e+16, "c": 7, "d": 1e20, "e": 100000000000000000000}"#;
        assert_eq!(
            integer_errors(body, Dialect::OpenApi30),
            [
                "a:type_error.integer",
                "b:type_error.integer",
                "d:type_error.integer",
                "e:type_error.integer",
            ],
            "3.0: a fraction or an exponent is no integer (and `e`, equal to `d`, cannot be told from it)"
        );
        let only_literals = r#"{"c": 7, "e": 100000000000000000000}"#;
        assert_eq!(
            integer_errors(only_literals, Dialect::OpenApi30),
            ["e:value_error.number.not_representable"],
            "3.0: an integer literal beyond 64 bits is an integer the Rust types cannot hold"
        );
        assert_eq!(
            integer_errors(body, Dialect::OpenApi31),
            [
                "d:value_error.number.not_representable",
                "e:value_error.number.not_representable",
            ],
            "3.1: every zero fraction is an integer"
        );
    }

    const FORM_OR_JSON: &[(&str, MediaKind)] = &[
        ("application/x-www-form-urlencoded", MediaKind::Form),
        ("application/json", MediaKind::Json),
    ];

    async fn read(content_type: Option<&'static str>, body: &'static str) -> Option<Value> {
        let mut headers = HeaderMap::new();
        if let Some(t) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
        }
        let mut val = Validator::new();
        typed_body(
            Body::from(body),
            &headers,
            false,
            1024,
            FORM_OR_JSON,
            &FormShape::ANY,
            &mut val,
        )
        .await
        .ok()
        .flatten()
    }

    #[tokio::test]
    async fn an_empty_form_sent_as_one_is_a_form_without_fields_and_empty_json_is_no_body() {
        let form = Some("application/x-www-form-urlencoded");
        assert_eq!(read(form, "").await, Some(serde_json::json!({})));
        assert_eq!(read(form, "a=1").await, Some(serde_json::json!({"a": "1"})));
        assert_eq!(read(Some("application/json"), "").await, None);
        assert_eq!(read(None, "").await, None, "nothing sent, no content type");
    }

    #[tokio::test]
    async fn an_empty_text_sent_with_its_content_type_is_the_empty_string() {
        async fn text(content_type: Option<&'static str>) -> (Option<Value>, bool) {
            let mut headers = HeaderMap::new();
            if let Some(t) = content_type {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(t));
            }
            let mut val = Validator::new();
            let accepted = &[("text/csv", MediaKind::Text)];
            let value = text_body(Body::empty(), &headers, true, 1024, accepted, &mut val)
                .await
                .ok()
                .flatten();
            (value, val.is_ok())
        }
        assert_eq!(text(Some("text/csv")).await, (Some(Value::from("")), true));
        assert_eq!(
            text(None).await,
            (None, false),
            "no body: the required one is missing"
        );
    }
}
