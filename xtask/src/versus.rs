//! `cargo xtask corpus --versus-cli <cargo-progenitor>`: whole processes, ours against
//! progenitor's own command-line tool, on the same documents of the corpus, one at a time.
//!
//! For each document: `xtask codegen --spec D --out <empty dir>` (this very binary) and
//! `cargo-progenitor progenitor -i D -o <empty dir> -n api -v 0.1.0`, each the best of three
//! runs (one when it fails or takes over 2 s; 30 s at most, then it counts as a failure). Times
//! are compared on the documents both generate.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

/// One document's outcome for both tools.
#[derive(Debug, Serialize)]
struct Row {
    document: String,
    ours: Timed,
    progenitor: Timed,
}

#[derive(Debug, Clone, Copy, Serialize)]
struct Timed {
    ok: bool,
    ms: f64,
}

/// The summary written to the report and printed.
#[derive(Debug, Serialize)]
struct Summary {
    documents: usize,
    ours_generated: usize,
    progenitor_generated: usize,
    both: usize,
    ours_p50_ms: f64,
    ours_p95_ms: f64,
    ours_mean_ms: f64,
    progenitor_p50_ms: f64,
    progenitor_p95_ms: f64,
    progenitor_mean_ms: f64,
    ours_faster_on: usize,
    median_ratio_ours_over_progenitor: f64,
    rows: Vec<Row>,
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `command` with its output discarded; whether it succeeded within [`TIMEOUT`], and how
/// long it took.
fn timed(command: &mut Command) -> Timed {
    let started = Instant::now();
    let ok = match command.stdout(Stdio::null()).stderr(Stdio::null()).spawn() {
        Ok(mut child) => loop {
            match child.try_wait() {
                Ok(Some(status)) => break status.success(),
                Ok(None) if started.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break false;
                }
                Ok(None) => std::thread::sleep(Duration::from_micros(200)),
                Err(_) => break false,
            }
        },
        Err(_) => false,
    };
    Timed {
        ok,
        ms: started.elapsed().as_secs_f64() * 1e3,
    }
}

/// The best of three runs of `make()` in a fresh `out` directory (one run when it fails or is
/// slow).
fn best_of_three(out: &Path, make: impl Fn() -> Command) -> Timed {
    let mut best = Timed {
        ok: false,
        ms: f64::INFINITY,
    };
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(out);
        let run = timed(&mut make());
        best = Timed {
            ok: run.ok,
            ms: best.ms.min(run.ms),
        };
        if !run.ok || run.ms > 2000.0 {
            break;
        }
    }
    let _ = std::fs::remove_dir_all(out);
    best
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// Times both tools on `documents` (relative to `api_dir`) and writes the report to `report`.
pub fn run(
    root: &Path,
    api_dir: &Path,
    documents: &[PathBuf],
    cli: &Path,
    report: &Path,
) -> Result<(), String> {
    let ours = std::env::current_exe().map_err(|e| format!("this executable: {e}"))?;
    let scratch = root.join("target/versus");
    let (ours_out, theirs_out) = (scratch.join("ours"), scratch.join("progenitor"));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    eprintln!(
        "timing {} documents, whole processes, ours against {} (best of three)…",
        documents.len(),
        cli.display()
    );
    let mut rows = Vec::new();
    for document in documents {
        let path = api_dir.join(document);
        let ours_timed = best_of_three(&ours_out, || {
            let mut c = Command::new(&ours);
            c.arg("codegen")
                .arg("--spec")
                .arg(&path)
                .arg("--out")
                .arg(&ours_out);
            c
        });
        let theirs = best_of_three(&theirs_out, || {
            let mut c = Command::new(cli);
            c.arg("progenitor")
                .arg("-i")
                .arg(&path)
                .arg("-o")
                .arg(&theirs_out)
                .args(["-n", "api", "-v", "0.1.0"]);
            c
        });
        rows.push(Row {
            document: document.display().to_string(),
            ours: ours_timed,
            progenitor: theirs,
        });
    }
    let both: Vec<&Row> = rows
        .iter()
        .filter(|r| r.ours.ok && r.progenitor.ok)
        .collect();
    let sorted = |f: fn(&Row) -> f64| {
        let mut v: Vec<f64> = both.iter().map(|r| f(r)).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (o, p) = (sorted(|r| r.ours.ms), sorted(|r| r.progenitor.ms));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mut ratios: Vec<f64> = both.iter().map(|r| r.ours.ms / r.progenitor.ms).collect();
    ratios.sort_by(f64::total_cmp);
    let summary = Summary {
        documents: rows.len(),
        ours_generated: rows.iter().filter(|r| r.ours.ok).count(),
        progenitor_generated: rows.iter().filter(|r| r.progenitor.ok).count(),
        both: both.len(),
        ours_p50_ms: percentile(&o, 0.5),
        ours_p95_ms: percentile(&o, 0.95),
        ours_mean_ms: mean(&o),
        progenitor_p50_ms: percentile(&p, 0.5),
        progenitor_p95_ms: percentile(&p, 0.95),
        progenitor_mean_ms: mean(&p),
        ours_faster_on: both.iter().filter(|r| r.ours.ms < r.progenitor.ms).count(),
        median_ratio_ours_over_progenitor: percentile(&ratios, 0.5),
        rows,
    };
    println!(
        "documents: {}; generated: ours {}, progenitor's CLI {}; both {}",
        summary.documents, summary.ours_generated, summary.progenitor_generated, summary.both
    );
    println!("| whole process, on the documents both generate | p50 | p95 | mean |");
    println!("|---|---|---|---|");
    println!(
        "| ours (`xtask codegen --spec D --out DIR`) | {:.1} ms | {:.1} ms | {:.1} ms |",
        summary.ours_p50_ms, summary.ours_p95_ms, summary.ours_mean_ms
    );
    println!(
        "| progenitor's CLI (`cargo progenitor -i D -o DIR`) | {:.1} ms | {:.1} ms | {:.1} ms |",
        summary.progenitor_p50_ms, summary.progenitor_p95_ms, summary.progenitor_mean_ms
    );
    println!(
        "ours faster on {} of {}; median per-document ratio ours / progenitor {:.2}",
        summary.ours_faster_on, summary.both, summary.median_ratio_ours_over_progenitor
    );
    std::fs::write(
        report,
        serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("cannot write {}: {e}", report.display()))?;
    eprintln!("report: {}", report.display());
    Ok(())
}
