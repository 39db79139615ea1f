//! Parameters: one declared parameter (through its `$ref`), and the ones a path template names
//! but the operation does not declare.

use serde_json::{Value, json};

use super::At;
use super::Normalizer;
use crate::error::{Degradation, Diagnostic};
use crate::ir::{Param, ParamLocation, Schema};
use crate::naming::rust_type_name;

impl<'a> Normalizer<'a> {
    pub(super) fn param(&mut self, p: &'a Value, pointer: &str, op: &At<'_>) -> Option<Param> {
        let (p, at) = self.deref(p, "parameters", pointer, op)?;
        let opid = op.id;
        let oid = Some(opid);
        let name = match p.get("name").and_then(Value::as_str) {
            Some(n) => n.to_owned(),
            None => {
                self.diags
                    .push(Diagnostic::error(&at, "parameter has no `name`").in_operation(oid));
                return None;
            }
        };
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            Some("header") => ParamLocation::Header,
            Some("cookie") => ParamLocation::Cookie,
            other => {
                self.diags.push(
                    Diagnostic::error(
                        format!("{at}/in"),
                        match other {
                            Some(other) => format!("parameter `{name}` has unsupported location `{other}` (path, query, header or cookie)"),
                            None => format!("parameter `{name}` has no location `in` (path, query, header or cookie)"),
                        },
                    )
                    .in_operation(oid),
                );
                return None;
            }
        };
        if location == ParamLocation::Header
            && ["accept", "content-type", "authorization"]
                .contains(&name.to_ascii_lowercase().as_str())
        {
            self.diags.push(
                Diagnostic::warning(
                    &at,
                    format!("header parameter `{name}` is ignored, as OpenAPI says it must be"),
                )
                .in_operation(oid),
            );
            return None;
        }
        let required = location == ParamLocation::Path
            || p.get("required").and_then(Value::as_bool).unwrap_or(false);
        let style = p
            .get("style")
            .and_then(Value::as_str)
            .unwrap_or(match location {
                ParamLocation::Query | ParamLocation::Cookie => "form",
                _ => "simple",
            });
        // The styles generated: every query style, `form` for cookies, `simple` elsewhere.
        let expected_style = match location {
            ParamLocation::Query | ParamLocation::Cookie => "form",
            _ => "simple",
        };
        let supported = match location {
            ParamLocation::Query => matches!(
                style,
                "form" | "spaceDelimited" | "pipeDelimited" | "deepObject"
            ),
            _ => style == expected_style,
        };
        let written = style;
        let style = if supported { written } else { expected_style };
        if !supported {
            self.diags.push(
                Diagnostic::warning(
                    format!("{at}/style"),
                    format!("parameter `{name}` uses style `{written}`, which is not supported: it is read and sent as `{expected_style}`"),
                )
                .degrading(Degradation::Parameter)
.in_operation(oid),
            );
        }
        let explode = p
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form");
        let schema = match (p.get("schema"), p.get("content")) {
            (Some(s), _) => self.schema(s, &format!("{at}/schema"), Some(opid)),
            (None, Some(_)) => {
                self.diags.push(
                    Diagnostic::warning(
                        &at,
                        format!("parameter `{name}` uses `content`; it is treated as a string"),
                    )
                    .degrading(Degradation::Parameter)
                    .in_operation(oid),
                );
                json!({"type": "string"})
            }
            (None, None) => {
                self.diags.push(
                    Diagnostic::warning(
                        &at,
                        format!("parameter `{name}` has no schema; it is treated as a string"),
                    )
                    .in_operation(oid),
                );
                json!({"type": "string"})
            }
        };
        // progenitor writes a path parameter into the URL with `Display`, which a list does not
        // have (tfl.gov.uk: `/Line/Mode/{modes}`, "a comma-separated list of modes").
        let schema = if location == ParamLocation::Path
            && schema.get("type").and_then(Value::as_str) == Some("array")
        {
            self.diags.push(
                Diagnostic::warning(
                    format!("{at}/schema"),
                    format!("path parameter `{name}` is an array: it is read and sent as one string, its items separated by commas as the `simple` style writes them"),
                )
                .degrading(Degradation::Parameter)
.in_operation(oid),
            );
            let mut string = json!({"type": "string"});
            if let Some(description) = schema.get("description") {
                string["description"] = description.clone();
            }
            string
        } else {
            schema
        };
        let schema = self.hoist(
            schema,
            &format!("{}{}", rust_type_name(opid), rust_type_name(&name)),
            &format!("{at}/schema"),
        );
        Some(Param {
            rust_name: String::new(),
            shadowed: false,
            name,
            location,
            required,
            schema: Schema::from_json(&schema),
            description: p
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            style: style.to_owned(),
            explode,
            deprecated: p
                .get("deprecated")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            pointer: at,
        })
    }
}

/// A parameter the path template names but the operation does not declare: a required string.
pub(super) fn undeclared(name: &str, location: ParamLocation, pointer: &str) -> Param {
    Param {
        name: name.to_owned(),
        rust_name: String::new(),
        shadowed: false,
        location,
        required: true,
        schema: crate::ir::Schema::from_json(&serde_json::json!({ "type": "string" })),
        description: None,
        style: if location == ParamLocation::Query {
            "form"
        } else {
            "simple"
        }
        .into(),
        explode: location == ParamLocation::Query,
        deprecated: false,
        pointer: pointer.to_owned(),
    }
}
