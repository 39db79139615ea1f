//! The human report of an [`ApiDiff`].

use std::fmt::Write as _;

use super::{ApiDiff, Change};

const RED: &str = "\x1b[31;1m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub(super) fn render(diff: &ApiDiff, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };
    let breaking = diff.breaking().count();
    let total = diff.changes.len();
    let mut out = String::new();
    if total == 0 {
        out.push_str("no changes\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{} breaking, {} non-breaking change(s)",
        breaking,
        total - breaking
    );
    // Groups in order of first appearance; groups with a breaking change first.
    let mut groups: Vec<(Option<&str>, Vec<&Change>)> = Vec::new();
    for c in &diff.changes {
        let key = c.operation.as_deref();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(c),
            None => groups.push((key, vec![c])),
        }
    }
    groups.sort_by_key(|(_, list)| !list.iter().any(|c| c.is_breaking()));
    for (operation, mut list) in groups {
        list.sort_by_key(|c| !c.is_breaking());
        let title = match operation {
            Some(op) => format!("operation {op}"),
            None => "document".to_owned(),
        };
        let _ = writeln!(out, "\n{}", paint(BOLD, &title));
        for c in list {
            let label = if c.is_breaking() {
                paint(RED, "breaking    ")
            } else {
                paint(GREEN, "non-breaking")
            };
            let breaks = if c.breaks.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = c.breaks.iter().map(ToString::to_string).collect();
                format!(" [breaks: {}]", names.join(", "))
            };
            let side = if c.in_old { "old" } else { "new" };
            let _ = writeln!(out, "  {label} {}{breaks}", c.message);
            let _ = writeln!(
                out,
                "               {}",
                paint(DIM, &format!("at {} ({side})", c.pointer))
            );
        }
    }
    out
}
