//! Media types: which are JSON, how each kind of body is read, and whether a request's
//! `Content-Type` is one a document declares. One rule, used by the runtime to accept request
//! bodies and by the generator (which includes this file) to pick the bodies it generates.

/// How a body of a media type is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MediaKind {
    /// `application/json`, `application/<subtype>+json`: typed by its schema.
    Json,
    /// `application/x-www-form-urlencoded`: typed by its schema, fields per `encoding`.
    Form,
    /// `multipart/form-data` (and other `multipart/*`): text fields, JSON parts and files.
    Multipart,
    /// `text/*`: a string.
    Text,
    /// Anything else without a structure the generator types (`application/octet-stream`,
    /// images, archives, `*/*`): bytes or a stream.
    Binary,
    /// A structured format the generator does not type (XML, YAML, …): raw bytes with their
    /// content type.
    Other,
}

/// The lower-case essence of a media type (`Text/Plain; charset=x` → `text/plain`).
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether `content_type` is JSON: `application/json`, `application/<subtype>+json` or the
/// older `text/json`, any case, with or without parameters (`; charset=utf-8`).
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = essence(content_type);
    matches!(
        essence.as_str(),
        "application/json" | "text/json" | "text/x-json"
    ) || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether `media_type` is XML (`application/xml`, `text/xml`, `application/atom+xml`, …).
pub fn is_xml_media_type(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence.ends_with("/xml") || essence.ends_with("+xml")
}

/// The kind of body `media_type` carries.
pub fn media_kind(media_type: &str) -> MediaKind {
    let essence = essence(media_type);
    if is_json_media_type(&essence) {
        return MediaKind::Json;
    }
    let (top, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
    match (top, sub) {
        ("application", "x-www-form-urlencoded") => MediaKind::Form,
        ("multipart", _) => MediaKind::Multipart,
        ("text", _) => MediaKind::Text,
        (_, "xml" | "yaml" | "x-yaml" | "x-ndjson" | "jsonl" | "x-protobuf")
        | ("application", "json-seq") => MediaKind::Other,
        (_, s) if s.ends_with("+xml") || s.ends_with("+yaml") => MediaKind::Other,
        _ => MediaKind::Binary,
    }
}

/// Whether a request's `content_type` is one `declared` names: the same essence, or within a
/// declared range (`image/*`, `*/*`); parameters (`; charset=…`, `; boundary=…`) are ignored.
/// A JSON declaration also accepts any other JSON media type (`application/merge-patch+json`
/// sent as `application/json`), as JSON bodies are read alike.
pub fn media_matches(declared: &str, content_type: &str) -> bool {
    let (want, got) = (essence(declared), essence(content_type));
    if want == got || want == "*/*" || want == "*" {
        return true;
    }
    if is_json_media_type(&want) && is_json_media_type(&got) {
        return true;
    }
    match want.strip_suffix("/*") {
        Some(top) => got.split('/').next() == Some(top),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_kinds_follow_the_essence() {
        assert_eq!(
            media_kind("application/json; charset=utf-8"),
            MediaKind::Json
        );
        assert_eq!(media_kind("application/vnd.api+json"), MediaKind::Json);
        assert_eq!(media_kind("text/json"), MediaKind::Json);
        assert_eq!(
            media_kind("application/x-www-form-urlencoded"),
            MediaKind::Form
        );
        assert_eq!(media_kind("multipart/form-data"), MediaKind::Multipart);
        assert_eq!(media_kind("text/plain"), MediaKind::Text);
        assert_eq!(media_kind("text/csv"), MediaKind::Text);
        assert_eq!(media_kind("application/octet-stream"), MediaKind::Binary);
        assert_eq!(media_kind("image/png"), MediaKind::Binary);
        assert_eq!(media_kind("*/*"), MediaKind::Binary);
        assert_eq!(media_kind("application/xml"), MediaKind::Other);
        assert_eq!(media_kind("application/atom+xml"), MediaKind::Other);
    }

    #[test]
    fn content_types_match_declared_ranges_and_ignore_parameters() {
        assert!(media_matches("image/*", "image/png"));
        assert!(media_matches("*/*", "application/zip"));
        assert!(media_matches(
            "multipart/form-data",
            "multipart/form-data; boundary=x"
        ));
        assert!(media_matches(
            "application/json",
            "application/problem+json"
        ));
        assert!(!media_matches("image/*", "text/plain"));
        assert!(!media_matches("application/json", "text/plain"));
    }
}
