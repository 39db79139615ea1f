//! Operation coverage: how many of a document's operations are generated whole — every
//! parameter, request body, success response and credential it declares, with no warning that
//! leaves one out or generates it less faithfully ([`Degradation`]) — and why the others are not.

use std::collections::{BTreeMap, BTreeSet};

use crate::document::Document;
use crate::error::{Degradation, Diagnostic};
use crate::ir::{Additional, Api, Operation, Schema};

/// The operations a generation covers whole, and the reasons for the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OperationCoverage {
    /// Operations of the document.
    pub operations: usize,
    /// Those generated whole.
    pub covered: usize,
    /// Covered operations with a body of raw bytes (a media type the generator does not type).
    pub raw_bytes: usize,
    /// Operations not covered, by reason ([`Degradation::label`]); one operation can have several.
    pub reasons: BTreeMap<String, usize>,
    /// Each operation not covered, with its reasons.
    pub uncovered: Vec<UncoveredOperation>,
}

/// An operation not generated whole.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UncoveredOperation {
    /// Its operationId.
    pub operation_id: String,
    /// Why (the warnings' messages).
    pub reasons: Vec<String>,
}

impl Document {
    /// The coverage of a generation of this document, from the warnings it produced
    /// ([`crate::Generated::warnings`]).
    pub fn operation_coverage(&self, warnings: &[Diagnostic]) -> OperationCoverage {
        coverage(&self.api, warnings)
    }
}

fn coverage(api: &Api, warnings: &[Diagnostic]) -> OperationCoverage {
    let untyped: BTreeMap<&str, &Diagnostic> = warnings
        .iter()
        .filter_map(|w| match &w.degrades {
            Some(Degradation::UntypedSchema(name)) => Some((name.as_str(), w)),
            _ => None,
        })
        .collect();
    let mut out = OperationCoverage {
        operations: api.operations.len(),
        ..OperationCoverage::default()
    };
    for op in &api.operations {
        let mut labels: BTreeSet<&'static str> = BTreeSet::new();
        let mut messages = Vec::new();
        let mut raw = false;
        for w in warnings
            .iter()
            .filter(|w| w.operation_id.as_deref() == Some(op.id.as_str()))
        {
            match &w.degrades {
                Some(Degradation::RawBytes) => raw = true,
                Some(d) => {
                    labels.insert(d.label());
                    messages.push(w.message.clone());
                }
                None => {}
            }
        }
        if !untyped.is_empty() {
            for name in schemas_used(api, op) {
                if let Some(w) = untyped.get(name.as_str()) {
                    labels.insert(Degradation::UntypedSchema(String::new()).label());
                    messages.push(w.message.clone());
                }
            }
        }
        if labels.is_empty() {
            out.covered += 1;
            out.raw_bytes += usize::from(raw);
            continue;
        }
        for label in labels {
            *out.reasons.entry(label.to_owned()).or_default() += 1;
        }
        out.uncovered.push(UncoveredOperation {
            operation_id: op.id.clone(),
            reasons: messages,
        });
    }
    out
}

/// Every component schema an operation's parameters, request body and success responses reach.
fn schemas_used(api: &Api, op: &Operation) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&Schema> = op.params.iter().map(|p| &p.schema).collect();
    stack.extend(op.body.iter().map(|b| &b.schema));
    stack.extend(
        op.successes()
            .filter_map(|r| r.body.as_ref())
            .map(|b| &b.schema),
    );
    while let Some(s) = stack.pop() {
        if let Some(name) = &s.reference {
            if seen.insert(name.clone())
                && let Some(target) = api.schemas.get(name)
            {
                stack.push(target);
            }
            continue;
        }
        stack.extend(s.properties.iter().map(|(_, p)| p));
        stack.extend(s.items.as_deref());
        if let Additional::Schema(a) = &s.additional {
            stack.push(a);
        }
        for list in [&s.all_of, &s.any_of, &s.one_of].into_iter().flatten() {
            stack.extend(list);
        }
        stack.extend(s.not.as_deref());
    }
    seen
}
