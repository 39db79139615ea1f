//! The headers a response declares: name, whether required, the schema of the value (from
//! `schema`, or the one entry of `content`) and examples, `$ref`s to `components.headers`
//! followed.

use serde_json::{Value, json};

use super::paths::media_examples;
use super::{At, Normalizer};
use crate::error::{Severity, escape_pointer};
use crate::ir::ResponseHeader;

impl<'a> Normalizer<'a> {
    /// The headers of the response `resp` (at `at`), in document order; `Content-Type` is left
    /// out (OpenAPI says it is ignored) and a `$ref` that does not resolve is reported.
    pub(super) fn response_headers(
        &mut self,
        resp: &'a Value,
        at: &str,
        op: &At<'_>,
    ) -> Vec<ResponseHeader> {
        let Some(headers) = resp.get("headers").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, header) in headers {
            if name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            // Only the mock uses response headers: a broken one is left out with a warning
            // rather than failing the document.
            let before = self.diags.len();
            let read = self.response_header(name, header, at, op);
            let broken = self.diags[before..]
                .iter()
                .any(|d| d.severity == Severity::Error);
            for d in &mut self.diags[before..] {
                if d.severity == Severity::Error {
                    d.severity = Severity::Warning;
                    d.message = format!(
                        "{} (the response header `{name}` is left out of the mock's answers)",
                        d.message
                    );
                }
            }
            if let Some(header) = read.filter(|_| !broken) {
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
            required: header
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            schema,
            examples,
        })
    }
}
