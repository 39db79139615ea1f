//! Request extraction: bearer credentials, path/query/header parameters and JSON bodies, with
//! failures answered as Svix-shaped JSON errors.

use std::fmt;

use crate::media::is_json_media_type;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::RawPathParams;
use axum::extract::rejection::RawPathParamsRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use serde_json::Value;

use crate::refusal::refusal;
use crate::response::error_response_static;
use crate::validate::Validator;

/// Settings of a generated router.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RouterOptions {
    /// Largest accepted request body in bytes (a multipart body's parts together); larger ones
    /// get 413.
    pub body_limit: usize,
    /// Most parts a multipart body may have; more get 413.
    pub multipart_parts: usize,
}

impl Default for RouterOptions {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            multipart_parts: 128,
        }
    }
}

impl RouterOptions {
    /// These options with `limit` as the largest accepted body.
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// These options with at most `parts` parts per multipart body.
    pub fn with_multipart_parts(mut self, parts: usize) -> Self {
        self.multipart_parts = parts;
        self
    }
}

/// State of a generated router: the implementation and the router's options.
pub struct ServerState<A: ?Sized> {
    /// The API implementation.
    pub api: Arc<A>,
    /// The router's options.
    pub options: RouterOptions,
}

impl<A: ?Sized> Clone for ServerState<A> {
    fn clone(&self) -> Self {
        Self {
            api: Arc::clone(&self.api),
            options: self.options,
        }
    }
}

/// A bearer credential taken from `Authorization: Bearer <token>`. Its `Debug` output hides the
/// token, so it never reaches logs by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Bearer(String);

impl Bearer {
    /// Wraps a token (for tests and clients).
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token.
    pub fn token(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(<redacted>)")
    }
}

fn unauthorized(detail: &str) -> Response {
    let mut response = refusal(StatusCode::UNAUTHORIZED, "authentication_failed", detail);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// Extracts a required bearer credential; a missing or malformed one is answered with 401.
pub fn bearer(headers: &HeaderMap) -> Result<Bearer, Response> {
    optional_bearer(headers)?
        .ok_or_else(|| unauthorized("missing `Authorization: Bearer <token>` header"))
}

/// Extracts an optional bearer credential; a malformed one is answered with 401.
pub fn optional_bearer(headers: &HeaderMap) -> Result<Option<Bearer>, Response> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(unauthorized("more than one `Authorization` header"));
    }
    let Ok(value) = value.to_str() else {
        return Err(unauthorized("the `Authorization` header is not valid text"));
    };
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthorized(
            "the `Authorization` header must use the Bearer scheme",
        ));
    }
    let token = token.trim();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(unauthorized("the bearer token is empty or malformed"));
    }
    Ok(Some(Bearer(token.to_owned())))
}

/// What a handler receives of the matched route's path parameters: axum's raw ones, or why they
/// could not be read.
pub type RawPath = Result<RawPathParams, RawPathParamsRejection>;

/// Path parameters of the matched route (percent-decoded).
#[derive(Debug, Default)]
pub struct PathParams(Vec<(String, String)>);

impl PathParams {
    /// Takes axum's raw path parameters; undecodable ones become a validation error at `["path"]`.
    pub fn new(raw: Result<RawPathParams, RawPathParamsRejection>, val: &mut Validator) -> Self {
        match raw {
            Ok(raw) => Self(
                raw.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            ),
            Err(rejection) => {
                val.push("path");
                val.error(
                    format!(
                        "path parameters could not be decoded: {}",
                        rejection.body_text()
                    ),
                    "value_error.path",
                );
                val.pop();
                Self::default()
            }
        }
    }

    /// Parameters read from a canonical route's segments (`{sN}`) by their templates: for each
    /// segment key, its literal and parameter parts (`{api}.json`). A segment that does not fit
    /// its template (the literal missing) is answered 404, as no route of the document matches.
    pub fn templated(
        raw: Result<RawPathParams, RawPathParamsRejection>,
        template: &[(&str, &[PathPart])],
        val: &mut Validator,
    ) -> Result<Self, Response> {
        let segments = Self::new(raw, val);
        let mut out = Vec::new();
        for (key, parts) in template {
            let Some(value) = segments.get(key).into_iter().next() else {
                continue;
            };
            match split_segment(&value, parts) {
                Some(params) => out.extend(params),
                None => return Err(not_found_response()),
            }
        }
        Ok(Self(out))
    }

    /// Whether the request's segments fit `template` (for a dispatcher choosing among
    /// operations that share a canonical route).
    pub fn matches(raw: Option<&RawPathParams>, template: &[(&str, &[PathPart])]) -> bool {
        let Some(raw) = raw else { return false };
        template.iter().all(|(key, parts)| {
            raw.iter()
                .find(|(k, _)| k == key)
                .is_some_and(|(_, v)| split_segment(v, parts).is_some())
        })
    }

    /// Whether the request's segments fit `template` and the parameters named in `values` hold
    /// values of their kinds: how a dispatcher tells apart operations whose templates differ
    /// only in their parameters' types (`/icon/{id}` with an integer beside `/icon/{term}`).
    pub fn values_fit(
        raw: Option<&RawPathParams>,
        template: &[(&str, &[PathPart])],
        values: &[(&str, PathValue)],
    ) -> bool {
        let Some(raw) = raw else { return false };
        let mut params = Vec::new();
        for (key, parts) in template {
            let Some((_, value)) = raw.iter().find(|(k, _)| k == key) else {
                return false;
            };
            match split_segment(value, parts) {
                Some(found) => params.extend(found),
                None => return false,
            }
        }
        values.iter().all(|(name, kind)| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, v)| kind.holds(v))
        })
    }

    /// The values of parameter `name` (zero or one).
    pub fn get(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// One part of a path segment's template: literal text, or a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPart {
    /// Text the segment holds as written.
    Literal(&'static str),
    /// A parameter, by its name in the document.
    Param(&'static str),
}

/// The kind of value a path parameter's schema takes, as a dispatcher tests it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathValue {
    /// `type: integer`: an optional sign and digits.
    Integer,
    /// `type: number`: a finite decimal number.
    Number,
    /// `type: boolean`: `true` or `false`.
    Boolean,
    /// A string of a checked `format` (`uuid`, `date`, …).
    Format(&'static str),
    /// One of the `enum` values.
    OneOf(&'static [&'static str]),
}

impl PathValue {
    /// Whether `text` (a decoded path segment's part) is a value of this kind.
    pub fn holds(&self, text: &str) -> bool {
        match self {
            Self::Integer => {
                let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Self::Number => text.parse::<f64>().is_ok_and(f64::is_finite),
            Self::Boolean => text == "true" || text == "false",
            Self::Format(format) => crate::validate::format_violation(format, text).is_none(),
            Self::OneOf(values) => values.contains(&text),
        }
    }
}

/// Splits a segment's `value` by `parts`: each parameter takes the text up to the next literal
/// (the last literal from the end); `None` when a literal is missing or a parameter is empty.
fn split_segment(value: &str, parts: &[PathPart]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = value;
    let mut i = 0;
    while i < parts.len() {
        match parts[i] {
            PathPart::Literal(l) => rest = rest.strip_prefix(l)?,
            PathPart::Param(name) => {
                let (taken, after) = match parts.get(i + 1) {
                    Some(PathPart::Literal(l)) if i + 2 == parts.len() => {
                        (rest.strip_suffix(l)?, "")
                    }
                    Some(PathPart::Literal(l)) => {
                        let at = rest.find(l)?;
                        (&rest[..at], &rest[at + l.len()..])
                    }
                    _ => (rest, ""),
                };
                if taken.is_empty() {
                    return None;
                }
                out.push((name.to_owned(), taken.to_owned()));
                rest = after;
                i += usize::from(matches!(parts.get(i + 1), Some(PathPart::Literal(_))));
            }
        }
        i += 1;
    }
    rest.is_empty().then_some(out)
}

/// The decoded query string.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Decodes `application/x-www-form-urlencoded` pairs.
    pub fn parse(query: Option<&str>) -> Self {
        Self(
            query
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    /// The object `deepObject` parameter `name` writes as `name[key]=value` pairs, read per
    /// `shape` (`None` when no pair names it).
    pub fn deep_object(&self, name: &str, shape: crate::body::Shape) -> Option<Value> {
        let prefix = format!("{name}[");
        let pairs: Vec<(String, String)> = self
            .0
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .cloned()
            .collect();
        if pairs.is_empty() {
            return None;
        }
        crate::body::decode_deep(&pairs, name, shape)
    }

    /// The object an exploded `form` parameter (the query's default style) writes as one pair
    /// per property (`limit=5&sort=name`), read per `shape`: its declared properties found at
    /// the top of the query, else the `name[key]=value` pairs some clients write for a nested
    /// object; `None` when neither names it.
    pub fn exploded_object(&self, name: &str, shape: crate::body::Shape) -> Option<Value> {
        use crate::body::Shape;
        let Shape::Object(properties) = shape else {
            return None;
        };
        let mut out = serde_json::Map::new();
        for (key, text) in &self.0 {
            if let Some((property, property_shape)) = properties.iter().find(|(p, _)| p == key) {
                crate::body::insert_property(&mut out, property, property_shape, text);
            }
        }
        if out.is_empty() {
            return self.deep_object(name, shape);
        }
        Some(Value::Object(out))
    }

    /// Every value of `name`, in order.
    pub fn get(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Every value of header `name`, as text: bytes beyond ASCII (obs-text) read as Latin-1, as
/// HTTP/1.1 has always carried them.
pub fn header_values(headers: &HeaderMap, name: &str, _val: &mut Validator) -> Vec<String> {
    headers.get_all(name).iter().map(header_text).collect()
}

/// A header value as text (bytes beyond ASCII read as Latin-1).
pub(crate) fn header_text(value: &axum::http::HeaderValue) -> String {
    match value.to_str() {
        Ok(s) => s.to_owned(),
        Err(_) => value.as_bytes().iter().map(|&b| char::from(b)).collect(),
    }
}

/// Every value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
        })
        .collect()
}

/// Reads a JSON request body of at most `limit` bytes.
///
/// An absent or empty body is `Ok(None)`, reported at `["body"]` when `required`. A body that is
/// not declared as JSON gets 415, a body over the limit 413, and bytes that are not JSON a
/// validation error at `["body"]` naming line and column.
pub async fn json_body(
    body: Body,
    headers: &HeaderMap,
    required: bool,
    limit: usize,
    val: &mut Validator,
) -> Result<Option<Value>, Response> {
    let bytes = crate::body::read_limited(body, headers, limit).await?;
    // Only nothing at all is no body: whitespace alone is malformed JSON.
    if bytes.is_empty() {
        if required {
            val.push("body");
            val.error("field required", "value_error.missing");
            val.pop();
        }
        return Ok(None);
    }
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let ok = content_type.to_str().is_ok_and(is_json_media_type);
        if !ok {
            return Err(refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON (`Content-Type: application/json`)",
            ));
        }
    }
    Ok(crate::body::parse_json(&bytes, val))
}

/// Fallback for paths no operation has: 404 in `HttpErrorOut` shape.
pub async fn not_found() -> Response {
    not_found_response()
}

fn not_found_response() -> Response {
    error_response_static(
        StatusCode::NOT_FOUND,
        "not_found",
        "no operation has this path",
    )
}

/// Fallback for a known path with a method it does not have: 405 in `HttpErrorOut` shape.
pub async fn method_not_allowed() -> Response {
    error_response_static(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not accept this method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn bearer_accepts_case_insensitive_scheme_and_rejects_others() {
        assert_eq!(bearer(&headers("Bearer abc.eu")).unwrap().token(), "abc.eu");
        assert_eq!(bearer(&headers("bearer abc")).unwrap().token(), "abc");
        for bad in ["Basic abc", "Bearer", "Bearer ", "abc"] {
            assert_eq!(
                bearer(&headers(bad)).unwrap_err().status(),
                StatusCode::UNAUTHORIZED,
                "{bad}"
            );
        }
        assert_eq!(
            bearer(&HeaderMap::new()).unwrap_err().status(),
            StatusCode::UNAUTHORIZED
        );
    }

    #[test]
    fn bearer_debug_never_shows_the_token() {
        assert!(!format!("{:?}", Bearer::new("secret")).contains("secret"));
    }

    #[tokio::test]
    async fn json_body_distinguishes_missing_oversized_wrong_type_and_malformed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let mut val = Validator::new();
        assert_eq!(
            json_body(Body::from(""), &h, true, 10, &mut val)
                .await
                .unwrap(),
            None
        );
        assert_eq!(val.finish().unwrap_err().detail[0].loc, vec!["body"]);

        // Whitespace alone is a body, and not JSON.
        let mut val = Validator::new();
        json_body(Body::from("\n"), &h, false, 10, &mut val)
            .await
            .unwrap();
        assert_eq!(
            val.finish().unwrap_err().detail[0].r#type,
            "value_error.jsondecode"
        );

        let err = json_body(
            Body::from("x".repeat(11)),
            &h,
            true,
            10,
            &mut Validator::new(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);

        let mut val = Validator::new();
        json_body(Body::from("{\"a\":"), &h, true, 100, &mut val)
            .await
            .unwrap();
        assert_eq!(
            val.finish().unwrap_err().detail[0].r#type,
            "value_error.jsondecode"
        );

        let mut text = HeaderMap::new();
        text.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let err = json_body(Body::from("{}"), &text, true, 100, &mut Validator::new())
            .await
            .unwrap_err();
        assert_eq!(err.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
