//! `cargo xtask bench`: generation time of whole documents, in-process (load + normalize +
//! models + client + server + format) next to progenitor alone on the same normalized document,
//! and as a whole `xtask codegen --check` process. Always measured in a release build.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use openapi_codegen::{Document, Options};

pub fn run(root: &Path, specs: Vec<PathBuf>, iterations: usize) -> ExitCode {
    if cfg!(debug_assertions) {
        // Re-run ourselves from a release build: debug timings say nothing.
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut args = vec![
            "run".to_owned(),
            "--quiet".into(),
            "--release".into(),
            "-p".into(),
            "xtask".into(),
            "--".into(),
            "bench".into(),
        ];
        args.extend(specs.iter().map(|s| s.display().to_string()));
        args.push(format!("--iterations={iterations}"));
        return match Command::new(cargo).args(&args).current_dir(root).status() {
            Ok(s) if s.success() => ExitCode::SUCCESS,
            _ => ExitCode::FAILURE,
        };
    }
    let specs = if specs.is_empty() {
        vec![
            root.join("openapi.json"),
            root.join("../shared/specs/svix-2024-12.json"),
        ]
    } else {
        specs
    };
    let exe = std::env::current_exe().ok();
    println!(
        "| document | operations | whole pipeline in-process (median / min) | progenitor client only (median) | ratio | whole process `codegen --check` (median) |"
    );
    println!("|---|---|---|---|---|---|");
    for spec in specs {
        match bench_one(&spec, iterations, exe.as_deref()) {
            Ok(row) => println!("{row}"),
            Err(e) => {
                eprintln!("error: {}: {e}", spec.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let (old, new) = (
        root.join("../shared/specs/svix-2024-12.json"),
        root.join("../shared/specs/svix-2026-08.json"),
    );
    match bench_api_diff(&old, &new, iterations) {
        Ok(line) => println!("\n{line}"),
        Err(e) => {
            eprintln!("error: api-diff: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// api-diff of two whole documents in-process: loading and normalizing both, then the diff.
fn bench_api_diff(old: &Path, new: &Path, iterations: usize) -> Result<String, String> {
    let mut whole = Vec::new();
    let mut diff_only = Vec::new();
    let mut changes = 0;
    for _ in 0..iterations.max(1) {
        let start = Instant::now();
        let a = Document::from_path(old).map_err(|e| e.to_string())?;
        let b = Document::from_path(new).map_err(|e| e.to_string())?;
        let loaded = start.elapsed();
        let d = openapi_codegen::diff::diff(&a, &b);
        let total = start.elapsed();
        changes = d.changes.len();
        whole.push(total);
        diff_only.push(total - loaded);
        std::hint::black_box(d);
    }
    let (w, w_min) = median(whole);
    let (d, _) = median(diff_only);
    Ok(format!(
        "api-diff svix-2024-12 → svix-2026-08 ({changes} changes): {} median / {} min in-process (load + normalize both + diff); the diff alone {}",
        ms(w),
        ms(w_min),
        ms(d)
    ))
}

fn median(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (samples[samples.len() / 2], samples[0])
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn bench_one(spec: &Path, iterations: usize, exe: Option<&Path>) -> Result<String, String> {
    let options = Options::default();
    let iterations = iterations.max(1);
    let mut whole = Vec::with_capacity(iterations);
    let mut operations = 0;
    for _ in 0..iterations {
        let start = Instant::now();
        let generated =
            openapi_codegen::generate_from_path(spec, &options).map_err(|e| e.to_string())?;
        whole.push(start.elapsed());
        std::hint::black_box(&generated);
    }
    let document = Document::from_path(spec).map_err(|e| e.to_string())?;
    operations = operations.max(document.operation_ids().count());
    let mut baseline = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let text = document.progenitor_baseline().map_err(|e| e.to_string())?;
        baseline.push(start.elapsed());
        std::hint::black_box(text);
    }
    let mut process = Vec::new();
    if let Some(exe) = exe {
        let out = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        for _ in 0..5 {
            let start = Instant::now();
            let status = Command::new(exe)
                .args(["codegen", "--check", "--spec"])
                .arg(spec)
                .arg("--out")
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .map_err(|e| e.to_string())?;
            process.push(start.elapsed());
            // `--check` against an empty directory reports drift: exit code 1 is expected.
            std::hint::black_box(status);
        }
    }
    let (w_med, w_min) = median(whole);
    let (b_med, _) = median(baseline);
    let p = if process.is_empty() {
        "n/a".to_owned()
    } else {
        ms(median(process).0)
    };
    let name = spec
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(format!(
        "| {name} | {operations} | {} / {} | {} | {:.2}x | {p} |",
        ms(w_med),
        ms(w_min),
        ms(b_med),
        w_med.as_secs_f64() / b_med.as_secs_f64()
    ))
}
