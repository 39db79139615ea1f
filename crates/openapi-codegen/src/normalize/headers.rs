//! The headers a response declares: name, whether required, the schema of the value (from
//! `schema`, or the one entry of `content`) and examples, `$ref`s to `components.headers`
//! followed.

use serde_json::{Value, json};

use super::paths::media_examples;
use super::{At, Normalizer};
use crate::error::{Diagnostic, Severity, escape_pointer};
use crate::ir::{ResponseHeader, Schema};
use crate::naming::snake;

/// Headers that describe the message, which the server writes itself: a response that documents
/// one does not set it (OpenAPI says `Content-Type` is ignored; the others are HTTP's framing).
const WRITTEN_BY_THE_SERVER: &[&str] = &[
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "content-encoding",
    "keep-alive",
    "upgrade",
    "trailer",
];

/// Whether `name` is an HTTP field name (RFC 9110 `token`).
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl<'a> Normalizer<'a> {
    /// The headers of the response `resp` (at `at`), in document order; those the server writes
    /// itself (`Content-Type`, framing) are left out, a name that is not an HTTP field name or
    /// repeats one (names are case-insensitive) is left out with a warning, and a `$ref` that
    /// does not resolve is reported. Each gets a Rust field name, unique in the response.
    pub(super) fn response_headers(
        &mut self,
        resp: &'a Value,
        at: &str,
        op: &At<'_>,
    ) -> Vec<ResponseHeader> {
        let Some(headers) = resp.get("headers").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut out: Vec<ResponseHeader> = Vec::new();
        for (name, header) in headers {
            if WRITTEN_BY_THE_SERVER.contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            let pointer = format!("{at}/headers/{}", escape_pointer(name));
            if !is_field_name(name) {
                self.diags.push(
                    Diagnostic::warning(
                        pointer,
                        format!(
                            "`{name}` is not an HTTP header name: the response header is left out"
                        ),
                    )
                    .in_operation(Some(op.id)),
                );
                continue;
            }
            if let Some(first) = out.iter().find(|h| h.name.eq_ignore_ascii_case(name)) {
                self.diags.push(Diagnostic::warning(
                    pointer,
                    format!(
                        "the response header `{name}` repeats `{}` (header names are case-insensitive): it is left out",
                        first.name
                    ),
                ).in_operation(Some(op.id)));
                continue;
            }
            // A broken header is left out with a warning rather than failing the document.
            let before = self.diags.len();
            let read = self.response_header(name, header, at, op);
            let broken = self.diags[before..]
                .iter()
                .any(|d| d.severity == Severity::Error);
            for d in &mut self.diags[before..] {
                if d.severity == Severity::Error {
                    d.severity = Severity::Warning;
                    d.message = format!("{} (the response header `{name}` is left out)", d.message);
                }
            }
            if let Some(mut header) = read.filter(|_| !broken) {
                let base = snake(name);
                let mut rust_name = base.clone();
                let mut n = 2;
                while out.iter().any(|h| h.rust_name == rust_name) {
                    rust_name = format!("{base}_{n}");
                    n += 1;
                }
                header.rust_name = rust_name;
                out.push(header);
            }
        }
        out
    }

    /// One declared response header, read.
    fn response_header(
        &mut self,
        name: &str,
        header: &'a Value,
        at: &str,
        op: &At<'_>,
    ) -> Option<ResponseHeader> {
        let pointer = format!("{at}/headers/{}", escape_pointer(name));
        let (header, here) = self.deref(header, "headers", &pointer, op)?;
        let (schema, schema_pointer, media) = match header.get("schema") {
            Some(schema) => (Some(schema), format!("{here}/schema"), None),
            None => match header
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.iter().next())
            {
                Some((media, entry)) => (
                    entry.get("schema"),
                    format!("{here}/content/{}/schema", escape_pointer(media)),
                    Some(entry),
                ),
                None => (None, String::new(), None),
            },
        };
        let schema = match schema {
            Some(s) => self.schema(s, &schema_pointer, Some(op.id)),
            None => json!({}),
        };
        let mut examples: Vec<Value> = media_examples(header, self.root)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        if let Some(entry) = media {
            examples.extend(media_examples(entry, self.root).into_iter().map(|(_, v)| v));
        }
        Some(ResponseHeader {
            name: name.to_owned(),
            rust_name: String::new(),
            required: header
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            schema: Schema::from_json(&schema),
            examples,
        })
    }
}
