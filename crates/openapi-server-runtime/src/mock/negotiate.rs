//! Answers as text, bytes or XML, and content negotiation: an answer documented as XML is
//! written as XML, and a request whose `Accept` prefers an XML media type the chosen response
//! also offers (Swagger 2's `produces: [application/json, application/xml]`) gets its answer
//! in that type, as Prism does.

use axum::http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::Value;

use super::answers::{Choice, Engine, Refusal};
use super::request::{self, Chosen};
use crate::RawBody;

/// The largest answer rewritten as XML.
const MAX_REWRITTEN: usize = 16 << 20;

impl Engine {
    /// The text body of `choice`: a string as it is; for an XML media type a value written as
    /// XML (the schema's XML objects naming elements and attributes), for any other a value of
    /// a schema that is not a string as JSON text.
    pub fn text(&self, choice: &Choice) -> Result<String, Refusal> {
        let value = self.body(choice, |_| true)?.0;
        Ok(match self.as_xml(choice, &value) {
            Some(xml) => xml,
            None => match value {
                Value::String(s) => s,
                other => other.to_string(),
            },
        })
    }

    /// The body of `choice` as bytes with its media type: a string example's bytes, for an
    /// XML media type a value written as XML, else a string synthesized from the schema.
    pub fn raw(&self, choice: &Choice) -> RawBody {
        let body = self.body(choice, |_| true);
        if let Some(xml) = body.as_ref().ok().and_then(|(v, _)| self.as_xml(choice, v)) {
            return RawBody::bytes(xml.into_bytes());
        }
        let bytes = match body {
            Ok((Value::String(s), _)) => s.into_bytes(),
            Ok((Value::Null, _)) | Err(_) => b"mock".to_vec(),
            Ok((other, _)) => other.to_string().into_bytes(),
        };
        RawBody::bytes(bytes)
    }

    /// `value` written as XML when `choice`'s media type is XML and `value` is no XML text
    /// already (a string example holding a document is answered as written).
    pub(super) fn as_xml(&self, choice: &Choice, value: &Value) -> Option<String> {
        let spec = self.spec_ok()?;
        let response = spec.response(choice.operation, choice.response)?;
        if !crate::media::is_xml_media_type(&response.media) {
            return None;
        }
        if value
            .as_str()
            .is_some_and(|s| s.trim_start().starts_with('<'))
        {
            return None;
        }
        let pointer = format!("/definitions/op{}r{}", choice.operation, choice.response);
        let schema = spec.root.pointer(&pointer).unwrap_or(&Value::Null);
        Some(super::xml::to_xml(&spec.root, schema, value))
    }

    /// The XML alternative of `chosen`'s response that the request's `Accept` prefers to the
    /// body's own media type: its media type and its schema's pointer. `None` without an
    /// `Accept`, or when the body's type is liked as well.
    fn preferred_alternative(
        &self,
        chosen: &Chosen,
        headers: &HeaderMap,
    ) -> Option<(String, String)> {
        let spec = self.spec_ok()?;
        let response = spec.response(chosen.operation, chosen.response)?;
        if response.alternatives.is_empty() || !headers.contains_key(ACCEPT) {
            return None;
        }
        let accept: Vec<&str> = headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let own = quality(&accept, &response.media).unwrap_or(0.0);
        let (k, best) = response
            .alternatives
            .iter()
            .enumerate()
            .filter_map(|(k, media)| Some((k, quality(&accept, media)?)))
            .fold(None, |best: Option<(usize, f32)>, (k, q)| match best {
                Some((_, b)) if b >= q => best,
                _ => Some((k, q)),
            })?;
        (best > own).then(|| {
            (
                response.alternatives[k].clone(),
                format!(
                    "/definitions/op{}r{}a{k}",
                    chosen.operation, chosen.response
                ),
            )
        })
    }

    /// `response`, `chosen`'s JSON answer, written as the XML alternative the request's
    /// `Accept` prefers (unchanged when it prefers none, or the body is no JSON).
    pub(super) async fn negotiated(
        &self,
        chosen: &Chosen,
        headers: &HeaderMap,
        response: Response,
    ) -> Response {
        let Some((media, pointer)) = self.preferred_alternative(chosen, headers) else {
            return response;
        };
        let Some(spec) = self.spec_ok() else {
            return response;
        };
        // Too large (or of unknown size) to read back whole: answered as it is.
        use axum::body::HttpBody as _;
        if response
            .body()
            .size_hint()
            .upper()
            .is_none_or(|n| n > MAX_REWRITTEN as u64)
        {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_REWRITTEN)
            .await
            .unwrap_or_default();
        let (Ok(value), Ok(content_type)) = (
            serde_json::from_slice::<Value>(&bytes),
            HeaderValue::from_str(&media),
        ) else {
            return Response::from_parts(parts, axum::body::Body::from(bytes));
        };
        let schema = spec.root.pointer(&pointer).unwrap_or(&Value::Null);
        let xml = super::xml::to_xml(&spec.root, schema, &value);
        parts.headers.insert(CONTENT_TYPE, content_type);
        parts.headers.remove(CONTENT_LENGTH);
        request::note(format!("as {media} (Accept)"));
        Response::from_parts(parts, axum::body::Body::from(xml))
    }
}

/// The quality `accept` (the `Accept` header's values) gives `media`: that of the most
/// specific range naming it (`type/subtype` before `type/*` before `*/*`; any JSON type names
/// a JSON `media`, as JSON bodies are read alike), `None` when none does.
fn quality(accept: &[&str], media: &str) -> Option<f32> {
    let essence = crate::media::essence(media);
    let json = crate::media::is_json_media_type(&essence);
    let top = essence.split('/').next().unwrap_or_default();
    let mut best: Option<(u8, f32)> = None;
    for item in accept.iter().flat_map(|v| v.split(',')) {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let specificity = match range.split_once('/') {
            Some(("*", "*")) => 1,
            Some((t, "*")) if t == top => 2,
            _ if range == essence || (json && crate::media::is_json_media_type(&range)) => 3,
            _ => continue,
        };
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=")?.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map(|(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::quality;

    #[test]
    fn the_most_specific_range_gives_a_media_type_its_quality() {
        let accept = ["application/xml;q=0.9, */*;q=0.1", "application/json;q=0.5"];
        assert_eq!(quality(&accept, "application/xml"), Some(0.9));
        assert_eq!(
            quality(&accept, "application/json; charset=utf-8"),
            Some(0.5)
        );
        assert_eq!(quality(&accept, "text/xml"), Some(0.1));
        assert_eq!(quality(&["text/*"], "text/xml"), Some(1.0));
        assert_eq!(quality(&["text/*"], "application/xml"), None);
        assert_eq!(
            quality(&["application/xml; q=abc"], "application/xml"),
            Some(1.0)
        );
    }
}
