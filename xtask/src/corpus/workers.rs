//! Worker processes: each generates one document per request, so a document that crashes its
//! worker (a stack overflow, the memory killer) is a failure of its own; workers share a memory
//! budget by document size. Also the in-worker generation and the classification of failures.

use super::*;

/// Generates every document in worker processes (`xtask corpus-worker`, `jobs` at a time), one
/// document per request: a document that crashes its worker (a stack overflow or the memory
/// killer: neither can be caught in-process) is recorded as a failure of its own and a fresh
/// worker takes the next one. Results stream to `$TMPDIR/corpus-results.jsonl` as they come.
pub(super) fn generate_all(
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
        security: None,
        coverage: None,
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

fn generate_one(api_dir: &Path, doc: &Path) -> DocResult {
    let started = Instant::now();
    let path = api_dir.join(doc);
    // A panic here is a generator bug, not a backend refusal: record it as its own class.
    let outcome = std::panic::catch_unwind(|| {
        let document = Document::from_path(&path)?;
        let operations = document.operation_ids().count();
        let security = document.security_coverage();
        let generated = openapi_codegen::generate(&document, &options("api"))?;
        let coverage = document.operation_coverage(&generated.warnings);
        Ok::<_, openapi_codegen::Error>((operations, generated.warnings.len(), security, coverage))
    });
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    let document = doc.display().to_string();
    match outcome {
        Ok(Ok((operations, warnings, security, coverage))) => DocResult {
            document,
            outcome: "generated".into(),
            error: None,
            warnings,
            operations,
            millis,
            compile: None,
            progenitor: None,
            security: Some(security),
            coverage: Some(coverage.into()),
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
            security: None,
            coverage: None,
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
            security: None,
            coverage: None,
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
