//! Reading a document (JSON or YAML) into a JSON value, and checking that it is an OpenAPI
//! document of a version we can generate from.

use std::path::Path;

use serde_json::Value;

mod yaml_json;

use crate::error::{Diagnostic, Error, Result};

/// The OpenAPI major.minor versions the generator accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenApiVersion {
    /// OpenAPI 3.0.x.
    V3_0,
    /// OpenAPI 3.1.x (normalized down to 3.0 for progenitor).
    V3_1,
}

/// A parsed document and its version.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The document as JSON, keys in document order.
    pub document: Value,
    /// Its OpenAPI version.
    pub version: OpenApiVersion,
}

/// Reads and parses the file at `path`; `.yaml`/`.yml` files are YAML, everything else JSON.
pub fn load_file(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    load_str(&text, yaml).map_err(|e| match e {
        Error::Parse {
            format, message, ..
        } => Error::Parse {
            path: path.to_owned(),
            format,
            message,
        },
        other => other,
    })
}

/// Parses `text` (YAML when `yaml`, else JSON) and checks its `openapi` version.
pub fn load_str(text: &str, yaml: bool) -> Result<Loaded> {
    let document: Value = if yaml {
        serde_yaml_ng::from_str::<yaml_json::Json>(text)
            .map_err(|e| Error::Parse {
                path: Default::default(),
                format: "YAML",
                message: e.to_string(),
            })?
            .0
    } else {
        serde_json::from_str(text).map_err(|e| Error::Parse {
            path: Default::default(),
            format: "JSON",
            message: e.to_string(),
        })?
    };
    let version = check_version(&document)?;
    Ok(Loaded { document, version })
}

fn check_version(document: &Value) -> Result<OpenApiVersion> {
    let Some(root) = document.as_object() else {
        return Err(Error::Invalid(vec![Diagnostic::error(
            "",
            "the document must be a JSON object",
        )]));
    };
    match root.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => Ok(OpenApiVersion::V3_0),
        Some(Value::String(v)) if v.starts_with("3.1.") => Ok(OpenApiVersion::V3_1),
        Some(Value::String(v)) => Err(Error::Invalid(vec![Diagnostic::error(
            "/openapi",
            format!(
                "unsupported OpenAPI version {v:?}: only 3.0.x and 3.1.x are supported (convert Swagger 2.0 documents first)"
            ),
        )])),
        Some(_) => Err(Error::Invalid(vec![Diagnostic::error(
            "/openapi",
            "`openapi` must be a version string such as \"3.0.3\"",
        )])),
        None if root.contains_key("swagger") => Err(Error::Invalid(vec![Diagnostic::error(
            "/swagger",
            "Swagger 2.0 documents are not supported: convert the document to OpenAPI 3.0 first",
        )])),
        None => Err(Error::Invalid(vec![Diagnostic::error(
            "",
            "missing `openapi` version field: this is not an OpenAPI document",
        )])),
    }
}
