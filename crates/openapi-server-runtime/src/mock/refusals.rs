//! A request the router refuses (a violation) answered in the document's own error shape: the
//! operation the request was for (by method and path template), the response it documents for
//! that failure (the same status — a validation failure's 422 or 400 —, a `4XX` range,
//! `default`, else its lowest 4xx: a validation failure takes its status, another refusal keeps
//! its own in that shape; a 401 or 403 only as itself, a range or `default`), and the router's body if that response's schema takes it, else a body synthesized from the
//! schema carrying the router's explanation in a message-like field where the schema has one.

use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use serde_json::Value;

use super::answers::{Engine, concrete_status};
use crate::refusal::preferred;

/// The document's answer to a refused request.
pub(super) struct Refused {
    pub status: StatusCode,
    /// Its JSON body (none when the documented response has none, or it is text or bytes).
    pub body: Option<Value>,
    /// Its text or bytes body: the explanation, in [`Self::media`].
    pub text: Option<String>,
    /// The media type the document gives that body.
    pub media: String,
    /// The headers the documented response declares.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Fields an error schema names for its human-readable text, in the order they are tried.
pub(super) const MESSAGE_FIELDS: &[&str] = &[
    "message",
    "detail",
    "error_description",
    "error",
    "description",
    "title",
    "msg",
];

/// Where a human-readable explanation can go in an error body: each string field named like a
/// message (any case) at the top, then one level down (`{"error": {"Message": …}}`), in the
/// order of [`MESSAGE_FIELDS`].
pub(super) fn message_paths(body: &Value) -> Vec<Vec<String>> {
    let Some(object) = body.as_object() else {
        return Vec::new();
    };
    let named = |map: &serde_json::Map<String, Value>| -> Vec<String> {
        MESSAGE_FIELDS
            .iter()
            .flat_map(|field| {
                map.iter()
                    .filter(|(k, v)| k.eq_ignore_ascii_case(field) && v.is_string())
                    .map(|(k, _)| k.clone())
            })
            .collect()
    };
    let mut out: Vec<Vec<String>> = named(object).into_iter().map(|k| vec![k]).collect();
    for (key, inner) in object {
        if let Some(inner) = inner.as_object() {
            out.extend(named(inner).into_iter().map(|k| vec![key.clone(), k]));
        }
    }
    out
}

/// Client-error statuses that say a request was wrong in general (not a precondition, a gone
/// resource or a teapot), tried first among an operation's documented 4xx for a validation
/// failure it documents no 422, 400, `4XX` or `default` for.
const REJECTING: &[u16] = &[404, 409, 406, 415, 428, 429, 405];

/// Whether HTTP defines client-error status `code` (the IANA registry's 4xx).
fn registered(code: u16) -> bool {
    matches!(code, 400..=418 | 421..=426 | 428 | 429 | 431 | 451)
}

impl Engine {
    /// The document's answer for a request to `method` `path` that the router refused with
    /// `status` and `detail`: its status and body, or `None` (no operation has the path, or the
    /// one it documents for this failure has a text or bytes body of no one media type).
    pub(super) fn refusal(
        &self,
        method: &Method,
        path: &str,
        status: StatusCode,
        detail: &str,
        original: Option<&Value>,
    ) -> Option<Refused> {
        let (operation, responses) = self.operation_at(method.as_str(), path)?;
        let pick = preferred(status)
            .iter()
            .find_map(|want| {
                responses
                    .iter()
                    .position(|(s, _, _)| s.eq_ignore_ascii_case(want))
            })
            .or_else(|| {
                // A credential refusal stays a 401 or 403 rather than another error the document
                // defines (AWS's documents number theirs 480 and up).
                if matches!(status.as_u16(), 401 | 403) {
                    return None;
                }
                // Else the lowest documented 4xx — one that says the request was wrong first
                // (a 404 or 409 before a 412) — answers a validation failure with its status;
                // another refusal (405, 415, …) keeps its own status in that shape.
                responses
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (s, _, _))| {
                        s.parse::<u16>()
                            .ok()
                            .filter(|c| (400..500).contains(c))
                            .map(|c| (i, c))
                    })
                    .min_by_key(|(_, c)| (!REJECTING.contains(c), *c))
                    .map(|(i, _)| i)
            })?;
        let (documented, kind, media) = &responses[pick];
        // A range holding the router's status, `default`, or the lowest 4xx lending its shape
        // to a refusal that is no validation failure: the router's status; else the documented
        // one.
        let lends_shape = !matches!(status.as_u16(), 400 | 422)
            && !preferred(status)
                .iter()
                .any(|want| documented.eq_ignore_ascii_case(want));
        // A status HTTP does not define (AWS's documents number their errors 480 and up) says
        // nothing to a client: the router's status stays, in that response's shape.
        let unregistered = documented.parse::<u16>().is_ok_and(|c| !registered(c));
        let holds = lends_shape
            || unregistered
            || documented.eq_ignore_ascii_case(&format!("{}XX", status.as_u16() / 100))
            || documented == "default";
        let answer_status = concrete_status(documented, holds.then_some(status.as_u16()));
        let headers = self.headers(operation, pick, 0, false);
        match kind.as_str() {
            "json" => {}
            // A documented error without a body: its status alone.
            "empty" => {
                return Some(Refused {
                    status: answer_status,
                    body: None,
                    text: None,
                    media: String::new(),
                    headers,
                });
            }
            // Text or bytes: the explanation in its media type (none named: the router's
            // answer stays).
            _ => {
                let (_, text) = crate::refusal::explanation_as(media, detail)?;
                return Some(Refused {
                    status: answer_status,
                    body: None,
                    text: Some(text),
                    media: media.clone(),
                    headers,
                });
            }
        }
        let choice = self.choice(operation, pick, false, 0).ok()?;
        // The router's own body when the document's schema takes it (Svix's shapes).
        if let Some(original) = original
            && self.is_valid(&choice, original)
        {
            return Some(Refused {
                status: answer_status,
                body: Some(original.clone()),
                text: None,
                media: media.clone(),
                headers,
            });
        }
        let (mut body, violation) = self.checked(&choice).ok()?;
        if violation.is_none() {
            // The explanation in the first message-like field that stays valid holding it.
            for path in message_paths(&body) {
                let mut candidate = body.clone();
                if let Some(at) = path
                    .iter()
                    .try_fold(&mut candidate, |at, key| at.get_mut(key.as_str()))
                {
                    *at = Value::String(detail.to_owned());
                }
                if self.is_valid(&choice, &candidate) {
                    body = candidate;
                    break;
                }
            }
        }
        Some(Refused {
            status: answer_status,
            body: Some(body),
            text: None,
            media: media.clone(),
            headers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::path_fits;
    use super::message_paths;
    use serde_json::json;

    #[test]
    fn only_a_validation_failure_takes_another_documented_status() {
        use axum::http::{Method, StatusCode};
        let answers = json!({
            "definitions": {
                "op0r1": { "type": "object", "properties": { "message": { "type": "string" } } },
                "op0r2": { "type": "string" }
            },
            "components": { "schemas": {} },
            "operations": [{
                "id": "count", "method": "get", "path": "/count",
                "responses": [
                    { "status": "200", "kind": "empty" },
                    { "status": "412", "kind": "json", "media": "application/json" },
                    { "status": "400", "kind": "text", "media": "text/plain" }
                ]
            }]
        });
        let engine = super::Engine::new(&answers.to_string(), 1);
        let refused = |status: u16| {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
            engine
                .refusal(&Method::GET, "/count", status, "why", None)
                .map(|r| (r.status.as_u16(), r.media, r.text))
        };
        assert_eq!(
            refused(422),
            Some((400, "text/plain".to_owned(), Some("why".to_owned()))),
            "a validation failure answers the documented 400, here text"
        );
        assert_eq!(
            refused(415),
            Some((415, "text/plain".to_owned(), Some("why".to_owned()))),
            "a 415 stays one, in the lowest 4xx's shape"
        );
        let answers = json!({
            "definitions": {}, "components": { "schemas": {} },
            "operations": [{
                "id": "count", "method": "get", "path": "/count",
                "responses": [
                    { "status": "200", "kind": "empty" },
                    { "status": "412", "kind": "empty" },
                    { "status": "404", "kind": "empty" }
                ]
            }]
        });
        let engine = super::Engine::new(&answers.to_string(), 1);
        let answered = engine
            .refusal(
                &Method::GET,
                "/count",
                StatusCode::UNPROCESSABLE_ENTITY,
                "why",
                None,
            )
            .map(|r| r.status.as_u16());
        assert_eq!(
            answered,
            Some(404),
            "a status that says the request was wrong before a 412"
        );
        let answers = json!({
            "definitions": {
                "op0r1": { "type": "object", "properties": { "message": { "type": "string" } } }
            },
            "components": { "schemas": {} },
            "operations": [{
                "id": "list", "method": "get", "path": "/channels",
                "responses": [
                    { "status": "200", "kind": "empty" },
                    { "status": "480", "kind": "json", "media": "application/json" }
                ]
            }]
        });
        let engine = super::Engine::new(&answers.to_string(), 1);
        let refused = engine
            .refusal(
                &Method::GET,
                "/channels",
                StatusCode::UNPROCESSABLE_ENTITY,
                "why",
                None,
            )
            .expect("answered in the 480's shape");
        assert_eq!(
            refused.status.as_u16(),
            422,
            "AWS's 480 is no HTTP status: the router's stays"
        );
        assert_eq!(refused.body, Some(json!({ "message": "why" })));
    }

    #[test]
    fn message_fields_are_found_in_any_case_at_the_top_and_one_level_down() {
        let body = json!({ "Error": { "Message": "x", "Code": "y" }, "detail": "z", "n": 1 });
        assert_eq!(
            message_paths(&body),
            vec![
                vec!["detail".to_owned()],
                vec!["Error".into(), "Message".into()]
            ]
        );
        assert!(
            message_paths(&json!({ "message": 5 })).is_empty(),
            "only strings"
        );
        assert!(message_paths(&json!("text")).is_empty());
    }

    #[test]
    fn a_path_belongs_to_the_most_specific_template_it_fits() {
        use axum::http::{Method, StatusCode};
        let op = |id: &str, method: &str, path: &str| {
            json!({ "id": id, "method": method, "path": path, "responses": [
                { "status": "400", "kind": "json", "media": "application/json" }
            ]})
        };
        let answers = json!({
            "definitions": {}, "components": { "schemas": {} },
            "operations": [op("put", "put", "/items/{id}"), op("count", "get", "/items/count")]
        });
        let engine = super::Engine::new(&answers.to_string(), 1);
        let status = StatusCode::METHOD_NOT_ALLOWED;
        assert!(
            engine
                .refusal(&Method::PUT, "/items/count", status, "no", None)
                .is_none(),
            "`/items/count` is the count operation's: PUT has none there"
        );
        assert!(
            engine
                .refusal(
                    &Method::PUT,
                    "/items/7",
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "no",
                    None
                )
                .is_some()
        );
        assert_eq!(super::super::spec::literal_length("/a/{b}.json#x=y"), 8);
    }

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
