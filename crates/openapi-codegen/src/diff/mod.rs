//! API diff: every change between two documents, classified by who it breaks.
//!
//! Split by concern (as dropshot-api-manager splits its compatibility checks): `change` holds
//! the types, `differ` collects the changes, `operations` pairs operations and compares their parameters, bodies, responses and
//! security, `schemas` compares schemas in the direction data flows, and `report` renders the
//! human and JSON reports. Both documents go through the same normalization as generation, so
//! an OpenAPI 3.0 document and its 3.1 rewrite differ only where their meaning does.

mod change;
mod constraints;
mod differ;
mod operations;
mod report;
mod schemas;

use std::collections::BTreeMap;

pub use change::{Change, ChangeKind, ChangeSeverity, Party};

use crate::document::Document;

/// The changes from one document to another.
#[derive(Debug, Clone, Default)]
pub struct ApiDiff {
    /// Every change: removed operations first, then operations in the new document's order.
    pub changes: Vec<Change>,
}

/// Compares `old` with `new`.
pub fn diff(old: &Document, new: &Document) -> ApiDiff {
    let mut differ = differ::Differ {
        old: &old.api,
        new: &new.api,
        changes: Vec::new(),
    };
    differ.run();
    ApiDiff {
        changes: differ.changes,
    }
}

impl ApiDiff {
    /// Whether any change breaks clients written against the old document.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(Change::is_breaking)
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.is_breaking())
    }

    /// The report as a JSON array (one object per change).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.changes).unwrap_or_else(|_| "[]".into())
    }

    /// The human report: grouped by operation, groups with breaking changes first, breaking
    /// changes first within a group; ANSI colours when `colour`.
    pub fn render(&self, colour: bool) -> String {
        report::render(self, colour)
    }

    /// Counts by kind and severity (`kind severity → n`), for summaries.
    pub fn summary(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for c in &self.changes {
            let kind = serde_json::to_value(c.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *counts.entry(format!("{kind} {}", c.severity)).or_default() += 1;
        }
        counts
    }
}
