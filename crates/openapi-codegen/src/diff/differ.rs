//! Where changes are collected: the [`Differ`] over two documents and the [`Site`] (operation)
//! each change belongs to. `operations` drives the comparison, `schemas` compares schemas; both
//! push their findings here.

use super::change::{Change, ChangeKind, ChangeSeverity, Party};
use crate::ir::Api;

/// The operation a change belongs to.
#[derive(Debug, Clone)]
pub(super) struct Site {
    pub operation: Option<String>,
}

/// Collects the changes between two documents.
pub(super) struct Differ<'a> {
    pub old: &'a Api,
    pub new: &'a Api,
    pub changes: Vec<Change>,
}

impl<'a> Differ<'a> {
    pub fn push(
        &mut self,
        kind: ChangeKind,
        site: &Site,
        pointer: String,
        in_old: bool,
        mut breaks: Vec<Party>,
        message: String,
    ) {
        breaks.sort();
        breaks.dedup();
        let severity = if breaks.contains(&Party::Client) {
            ChangeSeverity::Breaking
        } else {
            ChangeSeverity::NonBreaking
        };
        self.changes.push(Change {
            severity,
            pointer,
            operation: site.operation.clone(),
            message,
            kind,
            breaks,
            in_old,
        });
    }
}
