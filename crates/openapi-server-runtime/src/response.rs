//! Answers in JSON: any body with a status, and Svix's `HttpErrorOut` shape (`code`, `detail`).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Serialize)]
struct HttpErrorBody<'a> {
    code: &'a str,
    detail: &'a str,
}

/// An `HttpErrorOut`-shaped JSON response.
pub fn error_response(status: StatusCode, code: &str, detail: &str) -> Response {
    json_response(status, &HttpErrorBody { code, detail })
}

/// The status `code` as the document writes it (`200`, `299`); a code outside 100–999, which
/// the generator never writes, is 500.
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A JSON response with `status`.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => error_response_static(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "response could not be serialized",
        ),
    }
}

/// [`json_response`] with the document's JSON media type (`application/vnd.api+json`, …) as its
/// `Content-Type`.
pub fn json_response_as<T: Serialize + ?Sized>(
    status: StatusCode,
    media_type: &'static str,
    body: &T,
) -> Response {
    let mut response = json_response(status, body);
    if response.status() == status
        && let Ok(value) = header::HeaderValue::from_str(media_type)
    {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

pub(crate) fn error_response_static(
    status: StatusCode,
    code: &'static str,
    detail: &'static str,
) -> Response {
    let body = format!(r#"{{"code":"{code}","detail":"{detail}"}}"#);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
