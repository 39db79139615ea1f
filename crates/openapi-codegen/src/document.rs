//! [`Document`]: an OpenAPI document loaded and normalized into the IR, ready for the backends.

use std::path::Path;

use serde_json::Value;

use crate::error::{Diagnostic, Result};
use crate::ir::Api;

/// A loaded, normalized OpenAPI 3.0/3.1 document (JSON or YAML).
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) api: Api,
}

impl Document {
    /// Reads and normalizes the file at `path` (`.yaml`/`.yml`: YAML, else JSON).
    pub fn from_path(path: &Path) -> Result<Self> {
        Self::from_loaded(&crate::load::load_file(path)?)
    }

    /// Parses and normalizes `text` (YAML when `yaml`, else JSON).
    pub fn from_text(text: &str, yaml: bool) -> Result<Self> {
        Self::from_loaded(&crate::load::load_str(text, yaml)?)
    }

    fn from_loaded(loaded: &crate::load::Loaded) -> Result<Self> {
        Ok(Self {
            api: crate::normalize::normalize(loaded)?,
        })
    }

    /// `info.version`.
    pub fn version(&self) -> &str {
        &self.api.version
    }

    /// The operationIds, in document order, after collision renaming.
    pub fn operation_ids(&self) -> impl Iterator<Item = &str> {
        self.api.operations.iter().map(|o| o.id.as_str())
    }

    /// What normalization approximated or could not express (warnings only: errors stop it).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.api.warnings
    }

    /// The normalized JSON form of component schema `name` (after collision renaming).
    pub fn normalized_schema(&self, name: &str) -> Option<&Value> {
        self.api.schemas.get(name).map(|s| &s.json)
    }

    /// progenitor alone on this document (its own types, no shared models, no operation table),
    /// formatted: the baseline `cargo xtask bench` compares the whole pipeline with.
    pub fn progenitor_baseline(&self) -> Result<String> {
        let tokens = crate::client::progenitor_baseline(&self.api)?;
        crate::write::format_rust(tokens, "bench", "client")
    }
}
