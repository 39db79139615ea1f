//! The headers a mock answer carries: each one its response documents, with a value valid
//! against the header's schema — an example, else a synthesized one — written in OpenAPI's
//! `simple` style (`a,b,c` for an array, `k,v,k,v` for an object).

use axum::http::{HeaderName, HeaderValue};
use serde_json::{Value, json};

use super::answers::Engine;
use super::request;
use super::synth::Synth;

/// Candidates tried for one header's value.
const ATTEMPTS: u64 = 16;

/// Headers an answer never sets itself: they describe the message, which the server writes.
const FRAMING: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "connection",
    "content-encoding",
    "keep-alive",
    "upgrade",
    "trailer",
];

impl Engine {
    /// The headers of response `response` of operation `operation`, for `seed`: every documented
    /// one for which a valid value that a header can carry was found. A required header with
    /// none is noted as a violation (and left out).
    pub(super) fn headers(
        &self,
        operation: usize,
        response: usize,
        seed: u64,
        dynamic: bool,
    ) -> Vec<(HeaderName, HeaderValue)> {
        let Some(spec) = self.spec_ok() else {
            return Vec::new();
        };
        let Some(documented) = spec
            .operations
            .get(operation)
            .and_then(|op| op.responses.get(response))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, header) in documented.headers.iter().enumerate() {
            let Ok(name) = HeaderName::from_bytes(header.name.as_bytes()) else {
                continue;
            };
            if FRAMING.contains(&name.as_str()) {
                continue;
            }
            let pointer = format!("/definitions/op{operation}r{response}h{k}");
            let schema = spec.root.pointer(&pointer).cloned().unwrap_or(json!({}));
            let examples = if dynamic {
                &[][..]
            } else {
                &header.examples[..]
            };
            let candidates = examples.iter().cloned().chain((0..ATTEMPTS).map(|attempt| {
                let mut patterns = match spec.patterns.lock() {
                    Ok(p) => p,
                    Err(poisoned) => poisoned.into_inner(),
                };
                let seed = seed.wrapping_add(attempt).wrapping_add(k as u64);
                Synth::new(
                    &spec.root,
                    seed,
                    dynamic || attempt > 0,
                    attempt == 0,
                    &mut patterns,
                )
                .value(&schema)
            }));
            let found = candidates
                .filter_map(|v| Some((simple_style(&v)?, v)))
                .find(|(_, v)| spec.valid(&pointer, v));
            match found {
                Some((text, _)) => out.push((name, text)),
                None if header.required => request::note(format!(
                    "violation: no valid value for the required header `{}` was found",
                    header.name
                )),
                None => {}
            }
        }
        out
    }
}

/// `value` as a header's text in the `simple` style, if a header can carry it so that reading
/// it back gives the same value (visible ASCII, no separator inside an item, no edge spaces).
fn simple_style(value: &Value) -> Option<HeaderValue> {
    fn scalar(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => Some("null".to_owned()),
            _ => None,
        }
    }
    fn item(value: &Value) -> Option<String> {
        scalar(value).filter(|s| !s.contains(','))
    }
    let text = match value {
        // Nothing at all reads back as one empty item, not as none.
        Value::Array(items) if items.is_empty() => return None,
        Value::Object(map) if map.is_empty() => return None,
        Value::Array(items) => items
            .iter()
            .map(item)
            .collect::<Option<Vec<_>>>()?
            .join(","),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| Some(format!("{},{}", item(&Value::String(k.clone()))?, item(v)?)))
            .collect::<Option<Vec<_>>>()?
            .join(","),
        other => scalar(other)?,
    };
    let safe = text.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        && !text.starts_with(' ')
        && !text.ends_with(' ');
    if !safe {
        return None;
    }
    HeaderValue::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::simple_style;
    use serde_json::json;

    #[test]
    fn header_values_are_written_in_the_simple_style_or_not_at_all() {
        let text = |v| simple_style(&v).map(|h| h.to_str().unwrap_or("?").to_owned());
        assert_eq!(text(json!("abc")), Some("abc".into()));
        assert_eq!(text(json!(42)), Some("42".into()));
        assert_eq!(text(json!(true)), Some("true".into()));
        assert_eq!(text(json!([1, 2, "x"])), Some("1,2,x".into()));
        assert_eq!(text(json!({"a": 1, "b": "y"})), Some("a,1,b,y".into()));
        // What a header cannot carry back unchanged.
        assert_eq!(text(json!(["a,b"])), None);
        assert_eq!(text(json!([])), None);
        assert_eq!(text(json!({})), None);
        assert_eq!(text(json!("é")), None);
        assert_eq!(text(json!(" padded")), None);
        assert_eq!(text(json!("line\nbreak")), None);
        assert_eq!(text(json!([[1]])), None);
    }
}
