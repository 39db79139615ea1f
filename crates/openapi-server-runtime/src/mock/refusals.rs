//! A request the router refuses (a violation) answered in the document's own error shape: the
//! operation the request was for (by method and path template), the response it documents for
//! that failure (the same status, else 422, 400, a `4XX` range, `default`, else its lowest 4xx),
//! and the router's body if that response's schema takes it, else a body synthesized from the
//! schema carrying the router's explanation in a message-like field where the schema has one.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use super::answers::Engine;

/// Fields an error schema names for its human-readable text, in the order they are tried.
const MESSAGE_FIELDS: &[&str] = &[
    "message",
    "detail",
    "error_description",
    "error",
    "description",
    "title",
    "msg",
];

/// Whether a path `segment` fits a template segment (`{id}`, `{api}.json`, `v{a}-{b}`).
fn segment_fits(template: &str, segment: &str) -> bool {
    if !template.contains('{') {
        return template == segment;
    }
    // Literal text outside the braces must appear in order; parameters take anything non-empty.
    let mut rest = segment;
    let mut template = template;
    while !template.is_empty() {
        match template.find('{') {
            Some(0) => {
                let Some(close) = template.find('}') else {
                    return false;
                };
                template = &template[close + 1..];
                let next = template.find('{').map_or(template, |i| &template[..i]);
                if next.is_empty() {
                    return !rest.is_empty() && template.is_empty();
                }
                let found = if template.len() == next.len() {
                    rest.rfind(next)
                } else {
                    rest.find(next)
                };
                match found {
                    Some(at) if at > 0 => rest = &rest[at..],
                    _ => return false,
                }
            }
            Some(open) => {
                let Some(after) = rest.strip_prefix(&template[..open]) else {
                    return false;
                };
                rest = after;
                template = &template[open..];
            }
            None => return rest == template,
        }
    }
    rest.is_empty()
}

/// Whether `path` fits the template `template`.
pub(super) fn path_fits(template: &str, path: &str) -> bool {
    let template = template.split('#').next().unwrap_or(template);
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| segment_fits(t, p))
}

/// The documented statuses tried, in order, for a refusal with `status`.
fn preferred(status: StatusCode) -> Vec<String> {
    let code = status.as_u16();
    let mut out = vec![code.to_string()];
    if code != 401 && code != 403 {
        out.extend(["422".into(), "400".into()]);
    }
    out.extend([format!("{}XX", code / 100), "default".into()]);
    out
}

impl Engine {
    /// The document's answer for a request to `method` `path` that the router refused with
    /// `status` and `detail`: its status and JSON body, or `None` (no operation has the path, or
    /// it documents no error with a JSON body).
    pub(super) fn refusal(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        detail: &str,
        original: Option<&Value>,
    ) -> Option<(StatusCode, Value)> {
        let (operation, responses) = self.operation_at(method.as_str(), path)?;
        let pick = preferred(status)
            .iter()
            .find_map(|want| {
                responses
                    .iter()
                    .position(|(s, _)| s.eq_ignore_ascii_case(want))
            })
            .or_else(|| {
                responses
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (s, _))| {
                        s.parse::<u16>()
                            .ok()
                            .filter(|c| (400..500).contains(c))
                            .map(|c| (i, c))
                    })
                    .min_by_key(|(_, c)| *c)
                    .map(|(i, _)| i)
            })?;
        let (documented, json) = &responses[pick];
        if !json {
            return None;
        }
        let answer_status = match documented.parse::<u16>() {
            Ok(code) => StatusCode::from_u16(code).ok()?,
            // A range or `default`: the router's own status when the range holds it.
            Err(_)
                if documented.eq_ignore_ascii_case(&format!("{}XX", status.as_u16() / 100))
                    || documented == "default" =>
            {
                status
            }
            Err(_) => {
                StatusCode::from_u16(u16::from(documented.as_bytes()[0] - b'0') * 100).ok()?
            }
        };
        let choice = self.choice(operation, pick, false, 0).ok()?;
        // The router's own body when the document's schema takes it (Svix's shapes).
        if let Some(original) = original
            && self.is_valid(&choice, original)
        {
            return Some((answer_status, original.clone()));
        }
        let (mut body, violation) = self.checked(&choice).ok()?;
        if violation.is_none()
            && let Value::Object(map) = &mut body
            && let Some(field) = MESSAGE_FIELDS
                .iter()
                .find(|f| map.get(**f).is_some_and(Value::is_string))
        {
            let original = map.insert((*field).to_owned(), Value::String(detail.to_owned()));
            if !self.is_valid(&choice, &Value::Object(map.clone()))
                && let Some(original) = original
            {
                map.insert((*field).to_owned(), original);
            }
        }
        Some((answer_status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fit_templates_with_parameters_inside_segments() {
        assert!(path_fits("/specs/{provider}/{api}.json", "/specs/x/y.json"));
        assert!(!path_fits(
            "/specs/{provider}/{api}.json",
            "/specs/x/y.yaml"
        ));
        assert!(!path_fits("/specs/{provider}/{api}.json", "/specs/x/.json"));
        assert!(path_fits(
            "/files/v{version}-{name}.tar.gz",
            "/files/v1-abc.tar.gz"
        ));
        assert!(path_fits("/a/{id}", "/a/1"));
        assert!(!path_fits("/a/{id}", "/a/1/b"));
        assert!(!path_fits("/a/{id}", "/a/"));
        assert!(path_fits("/a/b#X-Amz-Target=x", "/a/b"));
    }
}
