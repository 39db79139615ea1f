//! Prism's `sl-violations` header on the answer to a refused request: what was wrong, as a JSON
//! list of `{"location", "severity", "code", "message"}` (`location` like `["query", "limit"]`),
//! in ASCII so a header can carry it.

use axum::http::HeaderValue;
use serde_json::{Value, json};

use crate::{RouterRefusal, RouterShape};

/// The header's name.
const HEADER: &str = "sl-violations";

/// The longest header value written; violations past it are left out.
const LONGEST: usize = 8 * 1024;

/// One violation.
pub(super) fn violation(location: &[&str], code: &str, message: &str) -> Value {
    json!({ "location": location, "severity": "Error", "code": code, "message": message })
}

/// Where one problem of the router's validation list is (`["body", "items", "0"]`).
pub(super) fn location(problem: &Value) -> Vec<String> {
    problem
        .get("loc")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The violations the router's refusal names: each problem of a validation list, else its one
/// explanation (located at the request).
pub(super) fn of_refusal(mark: &RouterRefusal) -> Vec<Value> {
    if mark.shape == RouterShape::Validation
        && let Some(problems) = mark.body.get("detail").and_then(Value::as_array)
    {
        return problems
            .iter()
            .map(|p| {
                let location = location(p);
                let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("");
                json!({
                    "location": location,
                    "severity": "Error",
                    "code": text("type"),
                    "message": text("msg"),
                })
            })
            .collect();
    }
    let code = mark
        .body
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("invalid_request");
    vec![violation(&["request"], code, &mark.detail)]
}

/// Puts the header (`header`'s value, when there is one) on `response`.
pub(super) fn attach(response: &mut axum::response::Response, header: Option<HeaderValue>) {
    if let Some(value) = header {
        response.headers_mut().insert(HEADER, value);
    }
}

/// The header carrying `violations` (none when there are none).
pub(super) fn header(violations: &[Value]) -> Option<HeaderValue> {
    let mut kept: Vec<&Value> = Vec::new();
    let mut text = String::from("[]");
    for v in violations {
        kept.push(v);
        let candidate = ascii_json(&kept);
        if candidate.len() > LONGEST {
            break;
        }
        text = candidate;
    }
    (text != "[]")
        .then(|| HeaderValue::from_str(&text).ok())
        .flatten()
}

/// `value` as JSON text with every character outside printable ASCII escaped (`\uXXXX`).
fn ascii_json(value: &impl serde::Serialize) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "[]".to_owned());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_ascii_json_a_header_can_carry() {
        let header = header(&[
            violation(
                &["query", "limit"],
                "type_error.integer",
                "not an integer: «x»",
            ),
            violation(&["body"], "schema", "line\nbreak"),
        ])
        .expect("a header");
        let text = header.to_str().expect("visible ASCII");
        let back: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(back[0]["location"], json!(["query", "limit"]));
        assert_eq!(back[0]["message"], "not an integer: «x»");
        assert_eq!(back[1]["message"], "line\nbreak");
        assert!(super::header(&[]).is_none());
    }

    #[test]
    fn a_router_validation_list_becomes_one_violation_per_problem() {
        let mark = RouterRefusal {
            detail: "query.limit: value is not a valid integer".into(),
            shape: RouterShape::Validation,
            body: json!({ "detail": [
                { "loc": ["query", "limit"], "msg": "value is not a valid integer", "type": "type_error.integer" },
                { "loc": ["body", "items", 0], "msg": "field required", "type": "value_error.missing" }
            ] }),
        };
        let found = of_refusal(&mark);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1]["location"], json!(["body", "items", "0"]));
        let mark = RouterRefusal {
            detail: "credentials required".into(),
            shape: RouterShape::Error,
            body: json!({ "code": "authentication_failed", "detail": "credentials required" }),
        };
        assert_eq!(of_refusal(&mark)[0]["code"], "authentication_failed");
    }

    #[test]
    fn too_many_violations_are_cut_to_what_fits() {
        let many: Vec<Value> = (0..2_000)
            .map(|i| violation(&["query", &i.to_string()], "x", "a problem"))
            .collect();
        let text = header(&many).expect("a header");
        assert!(text.len() <= LONGEST);
        let back: Vec<Value> = serde_json::from_slice(text.as_bytes()).expect("JSON");
        assert!(!back.is_empty() && back.len() < many.len());
    }
}
