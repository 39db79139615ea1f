//! [`Document`]: an OpenAPI document loaded and normalized into the IR, ready for the backends.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Diagnostic, Result};
use crate::ir::{Api, ApiKeyLocation, SchemeKind};

/// How much of a document's security the generated crates carry: the client sends it, the
/// router enforces it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecurityCoverage {
    /// Operations of the document.
    pub operations: usize,
    /// Those whose requirement names at least one scheme.
    pub credentialed: usize,
    /// Those whose every scheme is generated in both directions (all but `mutualTLS`, which
    /// the TLS layer carries).
    pub generated: usize,
    /// Operations requiring each kind of scheme (`apiKey-header`, `http-basic`, `oauth2`, …).
    pub by_kind: BTreeMap<String, usize>,
}

/// A loaded, normalized OpenAPI 3.0/3.1 document (JSON or YAML).
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) api: Api,
    /// Where bundled parts came from (bundle pointer → `file#pointer`), for diagnostics.
    sources: Vec<(String, String)>,
    /// Every file the document was read from, root first.
    files: Vec<std::path::PathBuf>,
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

    /// Reads the document at `path` with every file (the root and those its `$ref`s name)
    /// read through `read` — from a git revision, say.
    pub fn from_path_with(
        path: &Path,
        read: &dyn Fn(&Path) -> std::io::Result<String>,
    ) -> Result<Self> {
        Self::from_loaded(&crate::load::load_with(path, read)?)
    }

    fn from_loaded(loaded: &crate::load::Loaded) -> Result<Self> {
        let sources = loaded.sources.clone();
        let locate_all = |diags: &mut Vec<Diagnostic>| {
            for d in diags.iter_mut() {
                d.pointer = locate(&sources, &d.pointer);
            }
        };
        match crate::normalize::normalize(loaded) {
            Ok(mut api) => {
                let mut warnings = loaded.warnings.clone();
                warnings.append(&mut api.warnings);
                locate_all(&mut warnings);
                api.warnings = warnings;
                Ok(Self {
                    api,
                    sources: loaded.sources.clone(),
                    files: loaded.files.clone(),
                })
            }
            Err(crate::Error::Invalid(mut errors)) => {
                locate_all(&mut errors);
                Err(crate::Error::Invalid(errors))
            }
            Err(e) => Err(e),
        }
    }

    /// `diags` with pointers into bundled parts naming the file they came from.
    pub(crate) fn locate(&self, diags: &mut [Diagnostic]) {
        if self.sources.is_empty() {
            return;
        }
        for d in diags {
            d.pointer = locate(&self.sources, &d.pointer);
        }
    }

    /// Every file the document was read from, root first (one for a single-file document or
    /// one read from text).
    pub fn files(&self) -> &[std::path::PathBuf] {
        &self.files
    }

    /// `info.title`.
    pub fn title(&self) -> &str {
        &self.api.title
    }

    /// The crate name prefix `--out` uses by default: the title as a lower-case slug (`"Twilio -
    /// Api"` → `twilio-api`), so that workspaces of different documents never share crate names
    /// (cargo would reuse one's compiled crates for the other in a shared target directory).
    pub fn default_crate_prefix(&self) -> String {
        let mut slug = String::new();
        for c in self.api.title.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= 40 {
                break;
            }
        }
        let slug = slug.trim_end_matches('-');
        match slug.chars().next() {
            None => "api".to_owned(),
            Some(c) if c.is_ascii_digit() => format!("api-{slug}"),
            Some(_) => slug.to_owned(),
        }
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

    /// What the generated crates carry of the document's security, operation by operation.
    pub fn security_coverage(&self) -> SecurityCoverage {
        let mut coverage = SecurityCoverage {
            operations: self.api.operations.len(),
            ..SecurityCoverage::default()
        };
        for op in &self.api.operations {
            let kinds: std::collections::BTreeSet<String> = op
                .requirement
                .credentialed()
                .flatten()
                .filter_map(|u| {
                    self.api
                        .security_schemes
                        .iter()
                        .find(|s| s.name == u.scheme)
                })
                .map(|s| kind_label(&s.kind))
                .collect();
            if !kinds.is_empty() {
                coverage.credentialed += 1;
            }
            if !kinds.contains("mutualTLS") {
                coverage.generated += 1;
            }
            for kind in kinds {
                *coverage.by_kind.entry(kind).or_default() += 1;
            }
        }
        coverage
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

/// `pointer` (into a bundled document) as `file#pointer` when it lies in a part copied from
/// another file (the innermost such part), else unchanged.
fn locate(sources: &[(String, String)], pointer: &str) -> String {
    sources
        .iter()
        .filter(|(prefix, _)| {
            pointer == prefix
                || pointer
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or_else(
            || pointer.to_owned(),
            |(prefix, origin)| format!("{origin}{}", &pointer[prefix.len()..]),
        )
}

fn kind_label(kind: &SchemeKind) -> String {
    match kind {
        SchemeKind::ApiKey { location, .. } => match location {
            ApiKeyLocation::Header => "apiKey-header",
            ApiKeyLocation::Query => "apiKey-query",
            ApiKeyLocation::Cookie => "apiKey-cookie",
        }
        .to_owned(),
        SchemeKind::Basic => "http-basic".to_owned(),
        SchemeKind::Bearer { .. } => "http-bearer".to_owned(),
        SchemeKind::Http { .. } => "http-other".to_owned(),
        SchemeKind::OAuth2 { .. } => "oauth2".to_owned(),
        SchemeKind::OpenIdConnect { .. } => "openIdConnect".to_owned(),
        SchemeKind::MutualTls => "mutualTLS".to_owned(),
    }
}
