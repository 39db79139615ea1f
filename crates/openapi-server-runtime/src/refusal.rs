//! A request the router refuses (missing credentials, a malformed body, an unsupported media
//! type, invalid parameters) answered in the error shape its operation documents.
//!
//! The runtime's refusal sites mark their responses with a [`RouterRefusal`]; a generated
//! handler passes its response through [`in_document_shape`] with its operation's documented
//! errors ([`ErrorShapes`], the generated `errors.json`), which rewrites marked responses only:
//! the implementation's own answers are never touched. The router's status is kept (a 413 stays
//! a 413), except that a validation failure answers the document's 400 when it documents no 422
//! (and 422 for a refused 400 when it documents no 400); the body is the router's own where the
//! documented schema takes it (Svix's shapes) or documents no body, else the document's error
//! template with the router's explanation in its message field.

use std::sync::OnceLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::response::error_response;

/// Which of the router's bodies a refusal carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouterShape {
    /// `{"code", "detail"}` (`HttpErrorOut`).
    Error,
    /// `{"detail": [{"loc", "msg", "type"}]}` (`HTTPValidationError`).
    Validation,
}

/// The mark on a response the router made for a request it refused: the explanation, the shape
/// of the router's body, and that body (kept when the documented error shape replaces it).
#[derive(Debug, Clone)]
pub struct RouterRefusal {
    /// Why the request was refused, in words (`the request body is required`, `body.name:
    /// field required`).
    pub detail: String,
    /// The router's body shape.
    pub shape: RouterShape,
    /// The router's body.
    pub body: Value,
}

/// A refusal answered `{"code", "detail"}` with `status`, marked as the router's (so the
/// operation's documented error shape can replace it).
pub fn refusal(status: StatusCode, code: &str, detail: &str) -> Response {
    let mut response = error_response(status, code, detail);
    response.extensions_mut().insert(RouterRefusal {
        detail: detail.to_owned(),
        shape: RouterShape::Error,
        body: serde_json::json!({ "code": code, "detail": detail }),
    });
    response
}

/// How one documented error response of an operation answers a refusal.
#[derive(Debug, Clone, Deserialize)]
struct DocumentedError {
    /// `401`, `4XX` or `default`.
    status: String,
    /// `json`, `text`, `binary` or `empty`.
    kind: String,
    #[serde(default)]
    media: String,
    /// Index of its body template among the file's templates (JSON bodies whose schema gave
    /// one).
    #[serde(default)]
    template: Option<usize>,
    /// Where in the template the explanation goes (`["error", "message"]`), and at most how many
    /// characters of it the schema takes.
    #[serde(default)]
    message: Vec<String>,
    #[serde(default)]
    max: usize,
    /// The router's bodies its schema takes as they are.
    #[serde(default)]
    takes: Vec<RouterShape>,
}

#[derive(Debug, Deserialize)]
struct Parsed {
    templates: Vec<Value>,
    /// Lists of documented errors; operation `i`'s is `lists[operations[i]]`.
    lists: Vec<Vec<DocumentedError>>,
    operations: Vec<usize>,
}

/// The documented errors of a generated server's operations (its `errors.json`), parsed on
/// first use.
#[derive(Debug)]
pub struct ErrorShapes {
    text: &'static str,
    parsed: OnceLock<Option<Parsed>>,
}

impl ErrorShapes {
    /// The shapes in `text` (the generated `errors.json`).
    pub const fn new(text: &'static str) -> Self {
        Self {
            text,
            parsed: OnceLock::new(),
        }
    }

    /// The parsed file; `None` when it is malformed (a generated file edited by hand: refusals
    /// then keep the router's shapes).
    fn parsed(&self) -> Option<&Parsed> {
        self.parsed
            .get_or_init(|| serde_json::from_str(self.text).ok())
            .as_ref()
    }
}

/// The documented statuses tried, in order, for a refusal with `status` (by the router and the
/// mock alike): a validation failure is a 422 or a 400, any other refusal (405, 415, 413, …)
/// only its own status; then its range and `default`.
pub(crate) fn preferred(status: StatusCode) -> Vec<String> {
    let code = status.as_u16();
    let mut out = vec![code.to_string()];
    match code {
        400 => out.push("422".into()),
        422 => out.push("400".into()),
        _ => {}
    }
    out.extend([format!("{}XX", code / 100), "default".into()]);
    out
}

/// What a generated handler answers: its early refusal (`Err`) or the implementation's answer
/// (`Ok`), through [`in_document_shape`].
pub fn answer(
    shapes: &ErrorShapes,
    operation: usize,
    handled: Result<Response, Response>,
) -> Response {
    in_document_shape(shapes, operation, handled.unwrap_or_else(|refused| refused))
}

/// `response` in operation `operation`'s documented error shape when the router refused the
/// request (it carries a [`RouterRefusal`]); any other response unchanged.
pub fn in_document_shape(shapes: &ErrorShapes, operation: usize, response: Response) -> Response {
    let Some(mark) = response.extensions().get::<RouterRefusal>() else {
        return response;
    };
    let Some(parsed) = shapes.parsed() else {
        return response;
    };
    let Some(errors) = parsed
        .operations
        .get(operation)
        .and_then(|list| parsed.lists.get(*list))
        .filter(|e| !e.is_empty())
    else {
        return response;
    };
    let router_status = response.status();
    let chosen = preferred(router_status).iter().find_map(|want| {
        errors
            .iter()
            .find(|e| e.status.eq_ignore_ascii_case(want))
            .map(|e| (e, want.parse::<u16>().ok()))
    });
    let (documented, status) = match chosen {
        Some((documented, Some(code))) => (
            documented,
            StatusCode::from_u16(code).unwrap_or(router_status),
        ),
        Some((documented, None)) => (documented, router_status),
        // No documented response for this failure: the router's body where one of the
        // operation's error schemas takes it, else the shape of its lowest documented 4xx.
        None => {
            if errors.iter().any(|e| e.takes.contains(&mark.shape)) {
                return response;
            }
            let Some(lowest) = errors
                .iter()
                .filter(|e| e.kind == "json" && e.template.is_some())
                .min_by_key(|e| e.status.parse::<u16>().unwrap_or(u16::MAX))
            else {
                return response;
            };
            (lowest, router_status)
        }
    };
    let mut answer = match documented.kind.as_str() {
        // A documented error without a body (`401: description: Unauthorized`): its status,
        // with the router's explanation (no client reads a body the document does not give;
        // a person reading the answer learns what was missing).
        "empty" => crate::json_response(status, &mark.body),
        "json" if !documented.takes.is_empty() => {
            crate::json_response(status, &router_body(mark, &documented.takes))
        }
        "json" => match documented.template.and_then(|t| parsed.templates.get(t)) {
            Some(template) => {
                let mut body = template.clone();
                put_message(&mut body, &documented.message, &mark.detail, documented.max);
                crate::json_response(status, &body)
            }
            None => return response,
        },
        // A text or bytes error body: the router's explanation in its media type, where the
        // document names one (`text/plain`, `application/xml`; a wildcard takes the router's
        // JSON as it is).
        _ => match explanation_as(&documented.media, &mark.detail) {
            Some((media, text)) => {
                let mut answer = (status, text).into_response();
                answer.headers_mut().insert(header::CONTENT_TYPE, media);
                answer
            }
            None => return response,
        },
    };
    if documented.kind == "json"
        && !documented.media.is_empty()
        && let Ok(media) = HeaderValue::from_str(&documented.media)
    {
        answer.headers_mut().insert(header::CONTENT_TYPE, media);
    }
    for name in [header::WWW_AUTHENTICATE, header::ALLOW] {
        for value in response.headers().get_all(&name) {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    answer.extensions_mut().insert(mark.clone());
    answer
}

/// The router's body for `mark` in one of the shapes `takes`: its own where taken, else the
/// other shape with the same explanation (a validation failure answered in a documented
/// `{"code", "detail"}`, a credential refusal in a documented `{"detail": [...]}`).
fn router_body(mark: &RouterRefusal, takes: &[RouterShape]) -> Value {
    if takes.contains(&mark.shape) {
        return mark.body.clone();
    }
    match mark.shape {
        RouterShape::Validation => {
            serde_json::json!({ "code": "validation_error", "detail": mark.detail })
        }
        RouterShape::Error => serde_json::json!({ "detail": [{
            "loc": [],
            "msg": mark.detail,
            "type": mark.body.get("code").and_then(Value::as_str).unwrap_or("error"),
        }] }),
    }
}

/// Puts `detail` (at most `max` characters) at `path` of `body` when the path holds a string.
fn put_message(body: &mut Value, path: &[String], detail: &str, max: usize) {
    if path.is_empty() || max == 0 {
        return;
    }
    let mut at = &mut *body;
    for key in path {
        match at.get_mut(key.as_str()) {
            Some(next) => at = next,
            None => return,
        }
    }
    if at.is_string() {
        *at = Value::String(detail.chars().take(max).collect());
    }
}

#[cfg(test)]
mod tests;

/// A refusal's explanation as a body of `media` (a text or bytes error the document declares):
/// the text itself, inside an `<error>` element for an XML type. `None` for a media type with a
/// wildcard or one that is no header value.
pub(crate) fn explanation_as(media: &str, detail: &str) -> Option<(HeaderValue, String)> {
    if media.is_empty() || media.contains('*') {
        return None;
    }
    let value = HeaderValue::from_str(media).ok()?;
    let text = if crate::media::is_xml_media_type(media) {
        let escaped = detail
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><error>{escaped}</error>")
    } else {
        detail.to_owned()
    };
    Some((value, text))
}
