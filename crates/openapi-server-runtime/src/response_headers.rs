//! The headers a generated server's answer carries: each one its response documents, given by
//! the implementation as a typed value and written in OpenAPI's `simple` style (`a,b,c` for an
//! array, `k,v,k,v` for an object), so that a client reading it back gets the same value.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};

/// A response's documented headers, as a generated `…Headers` struct holds them.
pub trait ResponseHeaders {
    /// Writes each header that has a value into `out`.
    fn write(&self, out: &mut HeaderWriter);
}

/// Collects the headers of one answer, and any that cannot be sent as given.
#[derive(Debug, Default)]
pub struct HeaderWriter {
    headers: Vec<(HeaderName, HeaderValue)>,
    problems: Vec<String>,
}

impl HeaderWriter {
    /// Writes header `name` with `value` in the `simple` style; a value a header cannot carry
    /// unchanged (a nested list, a comma inside a list item, a character that is not visible
    /// ASCII) is noted as a problem instead.
    pub fn put<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| "not a header name");
        let value = serde_json::to_value(value)
            .map_err(|_| "not serializable")
            .and_then(|v| simple_style(&v));
        match (header, value) {
            (Ok(header), Ok(value)) => self.headers.push((header, value)),
            (Err(why), _) | (_, Err(why)) => self.problems.push(format!(
                "the response header `{name}` cannot be sent: {why}"
            )),
        }
    }
}

/// `response` with `headers` set on it; when one of them cannot be sent as given, a 500 answer
/// `{"code": "response_header_unsendable", "detail"}` naming it instead (and an error logged),
/// since the document says the response carries it.
pub fn with_headers(mut response: Response, headers: &impl ResponseHeaders) -> Response {
    let mut out = HeaderWriter::default();
    headers.write(&mut out);
    if !out.problems.is_empty() {
        let detail = out.problems.join("; ");
        tracing::error!(target: "openapi_server_runtime", "{detail}");
        return crate::json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "code": "response_header_unsendable", "detail": detail }),
        );
    }
    for (name, value) in out.headers {
        response.headers_mut().insert(name, value);
    }
    response
}

/// `value` as a header's text in the `simple` style, if a header can carry it so that reading
/// it back gives the same value (visible ASCII, no separator inside an item, no edge spaces).
pub(crate) fn simple_style(value: &Value) -> Result<HeaderValue, &'static str> {
    fn scalar(value: &Value) -> Result<String, &'static str> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Ok("null".to_owned()),
            _ => Err("a nested list or object has no `simple` style"),
        }
    }
    fn item(value: &Value) -> Result<String, &'static str> {
        scalar(value).and_then(|s| {
            if s.contains(',') {
                Err("an item holds the separator `,`")
            } else {
                Ok(s)
            }
        })
    }
    let text = match value {
        // Nothing at all reads back as one empty item, not as none.
        Value::Array(items) if items.is_empty() => {
            return Err("an empty list reads back as one item");
        }
        Value::Object(map) if map.is_empty() => {
            return Err("an empty object reads back as one item");
        }
        Value::Array(items) => items
            .iter()
            .map(item)
            .collect::<Result<Vec<_>, _>>()?
            .join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Ok(format!("{},{}", item(&Value::String(k.clone()))?, item(v)?)))
            .collect::<Result<Vec<_>, &'static str>>()?
            .join(","),
        other => scalar(other)?,
    };
    if !text.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return Err("it holds a character that is not visible ASCII");
    }
    if text.starts_with(' ') || text.ends_with(' ') {
        return Err("it starts or ends with a space, which a reader drops");
    }
    HeaderValue::from_str(&text).map_err(|_| "not a header value")
}

#[cfg(test)]
mod tests {
    use super::{HeaderWriter, ResponseHeaders, simple_style, with_headers};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use serde_json::json;

    #[test]
    fn header_values_are_written_in_the_simple_style_or_not_at_all() {
        let text = |v| {
            simple_style(&v)
                .ok()
                .map(|h| h.to_str().unwrap_or("?").to_owned())
        };
        assert_eq!(text(json!("abc")), Some("abc".into()));
        assert_eq!(text(json!(42)), Some("42".into()));
        assert_eq!(text(json!(true)), Some("true".into()));
        assert_eq!(text(json!([1, 2, "x"])), Some("1,2,x".into()));
        assert_eq!(text(json!({"a": 1, "b": "y"})), Some("a,1,b,y".into()));
        assert_eq!(
            text(json!("a, b")),
            Some("a, b".into()),
            "a scalar may hold commas"
        );
        // What a header cannot carry back unchanged.
        assert_eq!(text(json!(["a,b"])), None);
        assert_eq!(text(json!([])), None);
        assert_eq!(text(json!({})), None);
        assert_eq!(text(json!("é")), None);
        assert_eq!(text(json!(" padded")), None);
        assert_eq!(text(json!("line\nbreak")), None);
        assert_eq!(text(json!([[1]])), None);
    }

    struct Two(Option<i64>, Vec<String>);

    impl ResponseHeaders for Two {
        fn write(&self, out: &mut HeaderWriter) {
            if let Some(v) = &self.0 {
                out.put("X-Remaining", v);
            }
            out.put("X-Tags", &self.1);
        }
    }

    #[tokio::test]
    async fn typed_headers_are_set_and_an_unsendable_one_answers_500_naming_it() {
        let ok = with_headers(
            StatusCode::OK.into_response(),
            &Two(Some(7), vec!["a".into(), "b".into()]),
        );
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["x-remaining"], "7");
        assert_eq!(ok.headers()["x-tags"], "a,b");
        let absent = with_headers(
            StatusCode::NO_CONTENT.into_response(),
            &Two(None, vec!["a".into()]),
        );
        assert!(absent.headers().get("x-remaining").is_none());
        let broken = with_headers(
            StatusCode::OK.into_response(),
            &Two(None, vec!["a,b".into()]),
        );
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(broken.into_body(), 1 << 16)
            .await
            .expect("a body");
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("X-Tags") && text.contains("separator"),
            "{text}"
        );
    }
}
