//! Reading a document (JSON or YAML) into a JSON value, and checking that it is an OpenAPI
//! document of a version we can generate from.

use std::path::Path;

use serde_json::Value;

pub mod bundle;
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
    /// The document as JSON, keys in document order (bundled when it spans several files).
    pub document: Value,
    /// Its OpenAPI version.
    pub version: OpenApiVersion,
    /// Where bundled parts came from: a pointer into [`Self::document`] and the `file#pointer`
    /// it was copied from (empty for a document in one file).
    pub sources: Vec<(String, String)>,
    /// Findings of bundling.
    pub warnings: Vec<Diagnostic>,
    /// Every file read, root first.
    pub files: Vec<std::path::PathBuf>,
}

/// Whether `path` is read as YAML (`.yaml`, `.yml`), else JSON.
pub(crate) fn is_yaml_path(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// Parses `text` as YAML or JSON into a JSON value (the message of what failed, else).
pub(crate) fn parse_text(text: &str, yaml: bool) -> std::result::Result<Value, String> {
    if yaml {
        serde_yaml_ng::from_str::<yaml_json::Json>(text)
            .map(|j| j.0)
            .map_err(|e| e.to_string())
    } else {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// Reads and parses the file at `path`; `.yaml`/`.yml` files are YAML, everything else JSON.
/// `$ref`s into other files are followed (relative to the file holding them) and bundled.
pub fn load_file(path: &Path) -> Result<Loaded> {
    load_with(path, &|p: &Path| std::fs::read_to_string(p))
}

/// [`load_file`] reading every file through `read` (from disk, or from a git revision).
pub fn load_with(path: &Path, read: bundle::ReadFile<'_>) -> Result<Loaded> {
    let text = read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let yaml = is_yaml_path(path);
    let mut loaded = load_str(&text, yaml).map_err(|e| match e {
        Error::Parse {
            format, message, ..
        } => Error::Parse {
            path: path.to_owned(),
            format,
            message,
        },
        other => other,
    })?;
    if bundle::has_external_refs(&loaded.document) {
        let bundled = bundle::bundle(path, loaded.document, read)?;
        loaded.document = bundled.document;
        loaded.sources = bundled.sources;
        loaded.warnings = bundled.warnings;
        loaded.files = bundled.files;
    } else {
        loaded.files = vec![bundle::normalize(path)];
    }
    Ok(loaded)
}

/// Parses `text` (YAML when `yaml`, else JSON) and checks its `openapi` version.
pub fn load_str(text: &str, yaml: bool) -> Result<Loaded> {
    let document = parse_text(text, yaml).map_err(|message| Error::Parse {
        path: Default::default(),
        format: if yaml { "YAML" } else { "JSON" },
        message,
    })?;
    let version = check_version(&document)?;
    Ok(Loaded {
        document,
        version,
        sources: Vec::new(),
        warnings: Vec::new(),
        files: Vec::new(),
    })
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
