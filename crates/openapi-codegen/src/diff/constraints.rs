//! Constraint changes (bounds, lengths, counts, pattern, uniqueness, multiples), classified by
//! whether they narrow or widen what a schema allows.

use super::change::{ChangeKind, Party};
use super::schemas::{Pointers, SchemaDiff};
use crate::ir::Schema;

impl SchemaDiff<'_, '_> {
    pub(super) fn constraints(&mut self, os: &Schema, ns: &Schema, at: &Pointers) {
        let lower = [
            (
                "minLength",
                os.min_length.map(|v| v as f64),
                ns.min_length.map(|v| v as f64),
            ),
            (
                "minItems",
                os.min_items.map(|v| v as f64),
                ns.min_items.map(|v| v as f64),
            ),
            (
                "minProperties",
                os.min_properties.map(|v| v as f64),
                ns.min_properties.map(|v| v as f64),
            ),
            ("minimum", os.minimum, ns.minimum),
        ];
        let upper = [
            (
                "maxLength",
                os.max_length.map(|v| v as f64),
                ns.max_length.map(|v| v as f64),
            ),
            (
                "maxItems",
                os.max_items.map(|v| v as f64),
                ns.max_items.map(|v| v as f64),
            ),
            (
                "maxProperties",
                os.max_properties.map(|v| v as f64),
                ns.max_properties.map(|v| v as f64),
            ),
            ("maximum", os.maximum, ns.maximum),
        ];
        for (keyword, a, b) in lower {
            if let Some(narrowed) = bound_change(a, b, true) {
                self.constraint(narrowed, &describe(keyword, a, b), at);
            }
        }
        for (keyword, a, b) in upper {
            if let Some(narrowed) = bound_change(a, b, false) {
                self.constraint(narrowed, &describe(keyword, a, b), at);
            }
        }
        for (keyword, bound, a, b) in [
            (
                "exclusiveMinimum",
                ns.minimum,
                os.exclusive_minimum,
                ns.exclusive_minimum,
            ),
            (
                "exclusiveMaximum",
                ns.maximum,
                os.exclusive_maximum,
                ns.exclusive_maximum,
            ),
        ] {
            if bound.is_some() && a != b {
                self.constraint(Some(b), &format!("`{keyword}` changed from {a} to {b}"), at);
            }
        }
        if os.unique_items != ns.unique_items {
            let b = ns.unique_items;
            self.constraint(
                Some(b),
                &format!("`uniqueItems` changed from {} to {b}", !b),
                at,
            );
        }
        match (&os.pattern, &ns.pattern) {
            (None, Some(p)) => self.constraint(Some(true), &format!("`pattern` {p:?} added"), at),
            (Some(p), None) => {
                self.constraint(Some(false), &format!("`pattern` {p:?} removed"), at)
            }
            (Some(a), Some(b)) if a != b => {
                self.constraint(None, &format!("`pattern` changed from {a:?} to {b:?}"), at)
            }
            _ => {}
        }
        match (os.multiple_of, ns.multiple_of) {
            (None, Some(m)) => self.constraint(Some(true), &format!("`multipleOf` {m} added"), at),
            (Some(m), None) => {
                self.constraint(Some(false), &format!("`multipleOf` {m} removed"), at)
            }
            (Some(a), Some(b)) if a != b => {
                self.constraint(None, &format!("`multipleOf` changed from {a} to {b}"), at)
            }
            _ => {}
        }
    }

    /// Records a constraint change: `narrowed` is `Some(true)` when fewer values are allowed,
    /// `Some(false)` when more are, `None` when neither contains the other.
    fn constraint(&mut self, narrowed: Option<bool>, what: &str, at: &Pointers) {
        let dir = self.direction;
        let breaks = match narrowed {
            Some(true) => dir.narrowed(),
            Some(false) => dir.widened(),
            None => vec![Party::Client, Party::Server],
        };
        let how = match narrowed {
            Some(true) => "narrowed",
            Some(false) => "widened",
            None => "changed",
        };
        self.push(
            ChangeKind::ConstraintChanged,
            at,
            false,
            breaks,
            format!("{} constraint {how}: {what}", dir.word()),
        );
    }
}

/// How a bound changed: `Some(true)` narrowed, `Some(false)` widened, `None` unchanged.
/// `lower` bounds narrow when they rise; upper bounds when they fall.
fn bound_change(old: Option<f64>, new: Option<f64>, lower: bool) -> Option<Option<bool>> {
    match (old, new) {
        (None, Some(_)) => Some(Some(true)),
        (Some(_), None) => Some(Some(false)),
        (Some(a), Some(b)) if a != b => Some(Some(if lower { b > a } else { b < a })),
        _ => None,
    }
}

fn describe(keyword: &str, old: Option<f64>, new: Option<f64>) -> String {
    match (old, new) {
        (None, Some(b)) => format!("`{keyword}` {b} added"),
        (Some(a), None) => format!("`{keyword}` {a} removed"),
        (Some(a), Some(b)) => format!("`{keyword}` changed from {a} to {b}"),
        (None, None) => format!("`{keyword}` unchanged"),
    }
}
