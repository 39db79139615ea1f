//! The guard on module layout: no hand-written Rust file of the workspace (library, binary,
//! test or bench) is over 600 lines, and no crate has a cycle of imports between its files.
//!
//! A file's imports are the module paths it names — `use` declarations (groups expanded) and
//! inline `crate::…`, `super::…` and `self::…` paths — resolved to the deepest file module they
//! reach. A module naming its own ancestor or descendant (`use super::*` in a child, a parent
//! calling into its children) is the module tree, not a cycle; any other cycle is reported with
//! the files on it. Generated files (`@generated` first line) are left out of both checks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

/// The workspace checked: this one, or the checkout `LAYOUT_ROOT` names (to try the guard on
/// another revision).
fn root() -> PathBuf {
    std::env::var_os("LAYOUT_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "snapshots") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_generated(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|l| l.contains("@generated"))
}

/// The crates of the workspace: `crates/*` and `xtask`.
fn crates() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    out.push(root().join("xtask"));
    out.sort();
    out
}

#[test]
fn no_hand_written_rust_file_is_over_600_lines() {
    let mut over = Vec::new();
    let mut checked = 0;
    for krate in crates() {
        let mut files = Vec::new();
        for dir in ["src", "tests", "benches"] {
            rust_files(&krate.join(dir), &mut files);
        }
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            if is_generated(&text) {
                continue;
            }
            checked += 1;
            let lines = text.lines().count();
            if lines > MAX_LINES {
                over.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(checked > 50, "the walk found the sources ({checked})");
    assert!(
        over.is_empty(),
        "modules over {MAX_LINES} lines (split them by job):\n{}",
        over.join("\n")
    );
}

/// A file's module path within its crate (`[]` for the crate root of `src/`), or `None` for a
/// file outside `src/` (tests and benches are crates of their own, checked by length only).
fn module_path(src: &Path, file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.trim_end_matches(".rs").to_owned();
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem);
    }
    Some(parts)
}

/// Expands one `use` tree (`a::{b, c::{d, e}}`) into full paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.to_owned()];
    };
    let prefix = tree[..open].trim_end_matches("::").trim();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| {
            if p == "self" {
                prefix.to_owned()
            } else {
                format!("{prefix}::{p}")
            }
        })
        .collect()
}

/// The text without comments (line comments and doc comments), so paths in prose do not count.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path `code` names: `use` trees and inline `crate::`/`super::`/`self::` paths.
fn named_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        let tree = &rest[..end];
        if !tree.contains('"') {
            out.extend(expand(&tree.split_whitespace().collect::<String>()));
        }
    }
    let bytes = code.as_bytes();
    for anchor in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(anchor) {
            let start = from + i;
            from = start + anchor.len();
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let end = code[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| start + e);
            out.push(code[start..end].trim_end_matches(':').to_owned());
        }
    }
    out
}

/// Items a module re-exports (`pub use x::Item`): item name → the module it comes from.
type Reexports = BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>;

/// The file module `path` (named in module `at`) reaches, if it is a module of this crate; an
/// item a module re-exports leads to the module that defines it.
fn resolve(
    path: &str,
    at: &[String],
    modules: &BTreeSet<Vec<String>>,
    reexports: &Reexports,
) -> Option<Vec<String>> {
    let mut segments = path.split("::").filter(|s| !s.is_empty());
    let first = segments.next()?;
    let mut base: Vec<String> = match first {
        "crate" => Vec::new(),
        "self" => at.to_vec(),
        "super" => at[..at.len().saturating_sub(1)].to_vec(),
        child => {
            let mut m = at.to_vec();
            m.push(child.to_owned());
            if !modules.contains(&m) {
                return None;
            }
            m
        }
    };
    for s in segments {
        if s == "super" {
            base.pop();
            continue;
        }
        let mut next = base.clone();
        next.push(s.to_owned());
        if modules.contains(&next) {
            base = next;
        } else {
            if let Some(from) = reexports.get(&base).and_then(|r| r.get(s)) {
                return Some(from.clone());
            }
            break;
        }
    }
    Some(base)
}

/// The `pub use` items of each module, resolved (one level: enough for `pub use child::Item`).
fn reexports_of(
    texts: &BTreeMap<Vec<String>, String>,
    modules: &BTreeSet<Vec<String>>,
) -> Reexports {
    let none = Reexports::new();
    let mut out = Reexports::new();
    for (module, code) in texts {
        let mut rest = code.as_str();
        while let Some(i) = rest.find("pub use ") {
            rest = &rest[i + 8..];
            let Some(end) = rest.find(';') else { break };
            for path in expand(&rest[..end].split_whitespace().collect::<String>()) {
                let item = path.rsplit("::").next().unwrap_or_default().to_owned();
                if let Some(from) = resolve(&path, module, modules, &none)
                    && from != *module
                {
                    out.entry(module.clone()).or_default().insert(item, from);
                }
            }
        }
    }
    out
}

fn related(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Cycles among `edges` (strongly connected components of more than one module).
fn cycles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    let nodes: Vec<&Vec<String>> = edges.keys().collect();
    let reach = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(n) = stack.pop() {
            for m in edges.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    stack.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if done.contains(*n) || !reaches[n].contains(*n) {
            continue;
        }
        let component: Vec<Vec<String>> = nodes
            .iter()
            .filter(|m| reaches[n].contains(**m) && reaches[**m].contains(*n))
            .map(|m| (*m).clone())
            .collect();
        done.extend(component.iter().cloned());
        out.push(component);
    }
    out
}

/// The import edges of one crate's `src/`, between modules neither of which contains the other.
fn import_edges(krate: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = krate.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut texts = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        if let Some(module) = module_path(&src, file) {
            texts.insert(module, code_of(&text));
        }
    }
    let modules: BTreeSet<Vec<String>> = texts.keys().cloned().collect();
    let reexports = reexports_of(&texts, &modules);
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, code) in &texts {
        let entry = edges.entry(module.clone()).or_default();
        for path in named_paths(code) {
            if let Some(target) = resolve(&path, module, &modules, &reexports)
                && !related(&target, module)
            {
                entry.insert(target);
            }
        }
    }
    edges
}

#[test]
fn no_crate_has_an_import_cycle_between_its_files() {
    let mut found = Vec::new();
    let mut crates_checked = 0;
    for krate in crates() {
        let edges = import_edges(&krate);
        if edges.is_empty() {
            continue;
        }
        crates_checked += 1;
        for cycle in cycles(&edges) {
            let names: Vec<String> = cycle
                .iter()
                .map(|m| {
                    if m.is_empty() {
                        "crate root".to_owned()
                    } else {
                        m.join("::")
                    }
                })
                .collect();
            found.push(format!("{}: {}", krate.display(), names.join(" <-> ")));
        }
    }
    assert!(
        crates_checked >= 7,
        "the walk found the crates ({crates_checked})"
    );
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn the_cycle_check_sees_a_cycle_between_siblings_and_not_the_module_tree() {
    let modules: BTreeSet<Vec<String>> = [
        vec![],
        vec!["a".to_owned()],
        vec!["a".to_owned(), "b".to_owned()],
        vec!["c".to_owned()],
    ]
    .into_iter()
    .collect();
    let a = vec!["a".to_owned()];
    let ab = vec!["a".to_owned(), "b".to_owned()];
    let c = vec!["c".to_owned()];
    let mut reexports = Reexports::new();
    reexports
        .entry(a.clone())
        .or_default()
        .insert("Deep".into(), ab.clone());
    assert_eq!(
        resolve("crate::c::Thing", &ab, &modules, &reexports),
        Some(c.clone())
    );
    assert_eq!(
        resolve("super::*", &ab, &modules, &reexports),
        Some(a.clone())
    );
    assert_eq!(
        resolve("b::Item", &a, &modules, &reexports),
        Some(ab.clone())
    );
    assert_eq!(
        resolve("crate::a::Deep", &c, &modules, &reexports),
        Some(ab.clone()),
        "through a re-export"
    );
    assert_eq!(
        expand("crate::{a::{b::X, Y}, c}"),
        ["crate::a::b::X", "crate::a::Y", "crate::c"]
    );
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    edges.entry(ab.clone()).or_default().insert(c.clone());
    edges.entry(c.clone()).or_default().insert(a.clone());
    assert!(cycles(&edges).is_empty(), "c -> a is not back to a::b");
    edges.entry(c.clone()).or_default().insert(ab.clone());
    assert_eq!(cycles(&edges), vec![vec![ab, c]]);
}
