//! Which media types are JSON: one rule, used by the runtime to accept request bodies and by the
//! generator (which includes this file) to pick the bodies it generates types for.

/// Whether `content_type` is JSON: `application/json` or `application/<subtype>+json`, any case,
/// with or without parameters (`; charset=utf-8`).
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}
