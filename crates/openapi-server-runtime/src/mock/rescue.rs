//! Requests the document allows but the generated router refuses because its Rust types are
//! narrower: an integer beyond 64 bits where any integer is valid, a JSON body that JSON Schema
//! accepts but the model type does not (a schema with `properties` and no `type` is met by any
//! non-object). A real server refuses them, naming the limit; the mock answers them as the
//! document says, as if the router had taken them.

use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;

use super::answers::Engine;
use super::bodies::Held;
use super::secrets::Secrets;

/// Every value a request carries that could be a credential's secret: header values (also
/// after a scheme word, and a Basic pair decoded), query values and cookie values.
struct Carried(Vec<String>);

impl Secrets for Carried {
    fn secrets(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }
}

fn carried(headers: &HeaderMap, uri: &Uri) -> Carried {
    let mut out = Vec::new();
    for (name, value) in headers {
        let Ok(text) = value.to_str() else { continue };
        if name == COOKIE {
            out.extend(
                text.split(';')
                    .filter_map(|pair| Some(pair.split_once('=')?.1.trim().to_owned())),
            );
            continue;
        }
        out.push(text.to_owned());
        if let Some((scheme, rest)) = text.split_once(' ') {
            let rest = rest.trim();
            out.push(rest.to_owned());
            if scheme.eq_ignore_ascii_case("basic")
                && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(rest)
                && let Ok(pair) = String::from_utf8(bytes)
                && let Some((user, password)) = pair.split_once(':')
            {
                out.push(user.to_owned());
                out.push(password.to_owned());
            }
        }
    }
    if let Some(query) = uri.query() {
        out.extend(form_urlencoded::parse(query.as_bytes()).map(|(_, v)| v.into_owned()));
    }
    Carried(out)
}

impl Engine {
    /// The answer to a request the router refused with `problems` (its validation list) when
    /// every problem is one only the Rust types see: `None` when any is a real violation.
    pub(super) fn rescue(
        &self,
        method: &str,
        path: &str,
        problems: &Value,
        held: Option<&Held>,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Option<Response> {
        let problems = problems.get("detail")?.as_array()?;
        let spec = self.spec_ok()?;
        let (operation, _) = self.operation_at(method, path)?;
        let wide = &spec.operations.get(operation)?.wide;
        // A JSON body sent is valid as the document writes it (checked whole, so a problem
        // the router did not report is not let through either); only then are the router's
        // body problems its types' alone.
        let body_ok = match held {
            Some(h) if !h.is_empty() => {
                if !h.is_json() || self.violation(h).is_some() {
                    return None;
                }
                true
            }
            _ => false,
        };
        let only_types = !problems.is_empty()
            && problems.iter().all(|p| {
                let loc = super::violations::location(p);
                let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
                match loc.first().map(String::as_str) {
                    // Not an object for a schema that does not say `type: object`, an integer
                    // beyond 64 bits (also as why no branch of a union fits), a value the
                    // validators passed that the type cannot take.
                    Some("body") => {
                        body_ok
                            && matches!(
                                kind,
                                "type_error.dict"
                                    | "value_error.number.not_representable"
                                    | "value_error.any_of"
                                    | "value_error"
                            )
                    }
                    // A parameter's integer beyond 64 bits that its schema allows; or, where
                    // any larger integer is valid, one beyond `i64` that the type could not read.
                    Some(_) if kind == "value_error.number.not_representable" => true,
                    Some(_) if kind == "value_error" => loc
                        .get(1)
                        .is_some_and(|name| wide.iter().any(|(l, n)| *l == loc[0] && n == name)),
                    _ => false,
                }
            });
        if !only_types {
            return None;
        }
        super::request::note(
            "the router refused what only its Rust types cannot hold; answered as the document allows"
                .to_owned(),
        );
        let choice = match self.choose_for(operation, &carried(headers, uri)) {
            Ok(choice) => choice,
            Err(refusal) => {
                let status = refusal.status();
                return Some(crate::json_response(status, &refusal.into_body()));
            }
        };
        let (kind, media) = self.kind_of(operation, choice.response())?;
        let status = choice.status();
        let mut response = match kind.as_str() {
            "json" => match self.checked(&choice) {
                Ok((value, _)) => crate::json_response(status, &value),
                Err(refusal) => crate::json_response(refusal.status(), &refusal.into_body()),
            },
            "text" => match self.text(&choice) {
                Ok(text) => (status, text).into_response(),
                Err(refusal) => crate::json_response(refusal.status(), &refusal.into_body()),
            },
            "binary" => self
                .raw(&choice)
                .into_response_with(status, "application/octet-stream"),
            _ => status.into_response(),
        };
        // A range (`*/*`) names no type: the answer's own stays.
        if kind != "empty"
            && !media.contains('*')
            && let Ok(media) = HeaderValue::from_str(&media)
        {
            response.headers_mut().insert(CONTENT_TYPE, media);
        }
        Some(response)
    }
}
