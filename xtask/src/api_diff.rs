//! `cargo xtask api-diff OLD NEW [--json]`: what changed between two OpenAPI documents and who
//! it breaks. OLD and NEW are files (JSON or YAML, 3.0 or 3.1) or `git:REV` (the repository's
//! `openapi.json` at that revision). Breaking changes listed in `api-changes.toml` (or all of
//! them, after a major bump of `info.version`) are acknowledged and do not fail.
//! Exit codes: 0 nothing unacknowledged is breaking, 1 something is, 2 bad input.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use openapi_codegen::Document;
use openapi_codegen::diff::{ApiDiff, Change};
use serde::Deserialize;

/// The acknowledgements file, at the root of the repository.
pub const ACKNOWLEDGEMENTS: &str = "api-changes.toml";

/// `api-changes.toml`: breaking changes a reviewer accepted, each with its reason.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Acknowledgements {
    #[serde(default)]
    change: Vec<Acknowledged>,
}

/// One accepted breaking change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Acknowledged {
    /// The change's JSON pointer, as `api-diff` prints it.
    pointer: String,
    /// The change's kind (optional: any kind at that pointer).
    kind: Option<String>,
    /// Why it is acceptable (required, so the review has it).
    reason: String,
}

impl Acknowledged {
    fn covers(&self, change: &Change) -> bool {
        let kind = serde_json::to_value(change.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned));
        self.pointer == change.pointer
            && self
                .kind
                .as_deref()
                .is_none_or(|k| Some(k) == kind.as_deref())
            && !self.reason.trim().is_empty()
    }
}

/// Reads a document named on the command line: a path, or `git:REV[:PATH]` — the document at
/// PATH (default `openapi.json`) in revision REV of the repository at `root`, every file it
/// refers to read from that revision too.
fn read(spec: &str, root: &Path) -> Result<Document, String> {
    if let Some(rest) = spec.strip_prefix("git:") {
        let (rev, path) = rest.split_once(':').unwrap_or((rest, "openapi.json"));
        if rev.is_empty() {
            return Err("`git:` needs a revision, e.g. `git:HEAD`".into());
        }
        let at_revision = |file: &Path| -> std::io::Result<String> {
            let relative = file.strip_prefix(root).unwrap_or(file);
            let name = relative.to_string_lossy().replace('\\', "/");
            let out = Command::new("git")
                .arg("-C")
                .arg(root)
                .args(["show", &format!("{rev}:./{name}")])
                .output()?;
            if !out.status.success() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "not in revision `{rev}`: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                ));
            }
            String::from_utf8(out.stdout)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
        };
        return Document::from_path_with(&root.join(path), &at_revision)
            .map_err(|e| format!("{path} at `{rev}`: {e}"));
    }
    let path = PathBuf::from(spec);
    let path = if path.is_relative() {
        root.join(path)
    } else {
        path
    };
    Document::from_path(&path).map_err(|e| e.to_string())
}

fn major(version: &str) -> Option<u64> {
    version
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

fn acknowledgements(root: &Path) -> Result<Acknowledgements, String> {
    let path = root.join(ACKNOWLEDGEMENTS);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Acknowledgements::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// For `codegen --check`: the report of `git:HEAD` → the working `openapi.json` when the two
/// differ (`None` when they are the same, or there is no git history to compare with).
pub fn report_against_head(root: &Path) -> Option<String> {
    let head = read("git:HEAD", root).ok()?;
    let working = read("openapi.json", root).ok()?;
    let diff = openapi_codegen::diff::diff(&head, &working);
    if diff.changes.is_empty() {
        return None;
    }
    Some(diff.render(std::io::stdout().is_terminal()))
}

/// Runs the command; `root` is where `git:` revisions and `api-changes.toml` are read.
pub fn run(old: &str, new: &str, json: bool, root: &Path) -> ExitCode {
    let documents = read(old, root).and_then(|o| Ok((o, read(new, root)?)));
    let (old_doc, new_doc) = match documents {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let acks = match acknowledgements(root) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let diff = openapi_codegen::diff::diff(&old_doc, &new_doc);
    if json {
        println!("{}", diff.to_json());
    } else {
        print!("{}", diff.render(std::io::stdout().is_terminal()));
    }
    gate(&diff, &acks, old_doc.version(), new_doc.version())
}

/// Exit 1 when a breaking change is neither acknowledged nor covered by a major version bump.
fn gate(diff: &ApiDiff, acks: &Acknowledgements, old: &str, new: &str) -> ExitCode {
    if !diff.is_breaking() {
        return ExitCode::SUCCESS;
    }
    if let (Some(a), Some(b)) = (major(old), major(new))
        && b > a
    {
        eprintln!(
            "breaking changes acknowledged by the major version bump of info.version ({old} → {new})"
        );
        return ExitCode::SUCCESS;
    }
    let open: Vec<&Change> = diff
        .breaking()
        .filter(|c| !acks.change.iter().any(|a| a.covers(c)))
        .collect();
    let acknowledged = diff.breaking().count() - open.len();
    if acknowledged > 0 {
        eprintln!("{acknowledged} breaking change(s) acknowledged in {ACKNOWLEDGEMENTS}");
    }
    if open.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "error: {} breaking change(s) are not acknowledged. If they are intended, add to {ACKNOWLEDGEMENTS}:",
        open.len()
    );
    // One suggested entry per (pointer, kind): a shared schema is reported per operation.
    let mut seen = std::collections::BTreeSet::new();
    let entries: Vec<(String, String)> = open
        .iter()
        .map(|c| {
            let kind = serde_json::to_value(c.kind).unwrap_or_default().to_string();
            (c.pointer.clone(), kind)
        })
        .filter(|e| seen.insert(e.clone()))
        .collect();
    const SHOWN: usize = 20;
    for (pointer, kind) in entries.iter().take(SHOWN) {
        eprintln!(
            "\n[[change]]\npointer = {pointer:?}\nkind = {kind}\nreason = \"…why clients can live with it…\""
        );
    }
    if entries.len() > SHOWN {
        eprintln!(
            "\n… and {} more (see the report above)",
            entries.len() - SHOWN
        );
    }
    eprintln!("\n(or bump the major version of info.version)");
    ExitCode::FAILURE
}
