//! `cargo xtask bench`: generation time of whole documents, in-process (load + normalize +
//! models + client + server + format) next to progenitor alone on the same normalized document,
//! and as a whole `xtask codegen --check` process; the whole process's peak memory, the lines
//! generated per crate and per operation, and (`--cargo-check`) the time `cargo check` takes on
//! the generated crates. Always measured in a release build.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use openapi_codegen::{Document, Options};

/// The variable that makes `xtask codegen` print its peak memory (`peak memory: N kB`) on stderr.
const PEAK_MEMORY_VARIABLE: &str = "XTASK_REPORT_PEAK_MEMORY";

/// With [`PEAK_MEMORY_VARIABLE`] set: prints this process's peak resident memory on stderr
/// (Linux: `VmHWM` of `/proc/self/status`).
pub fn report_peak_memory() {
    if std::env::var_os(PEAK_MEMORY_VARIABLE).is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kb) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    {
        eprintln!("peak memory: {kb} kB");
    }
}

pub fn run(root: &Path, specs: Vec<PathBuf>, iterations: usize, cargo_check: bool) -> ExitCode {
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
        if cargo_check {
            args.push("--cargo-check".into());
        }
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
    let mut sizes = Vec::new();
    println!(
        "| document | operations | whole pipeline in-process (median / min) | progenitor client only (median) | ratio | whole process `codegen --check` (median) |"
    );
    println!("|---|---|---|---|---|---|");
    for spec in &specs {
        match bench_one(spec, iterations, exe.as_deref()) {
            Ok(row) => println!("{row}"),
            Err(e) => {
                eprintln!("error: {}: {e}", spec.display());
                return ExitCode::FAILURE;
            }
        }
        match exe
            .as_deref()
            .map(|exe| size_and_cost(root, spec, exe, cargo_check))
        {
            Some(Ok(row)) => sizes.push(row),
            Some(Err(e)) => {
                eprintln!("error: {}: {e}", spec.display());
                return ExitCode::FAILURE;
            }
            None => {}
        }
    }
    println!(
        "\n| document | operations | whole process (median of 3) | peak memory | generated lines: models / client / server / total | lines per operation | `cargo check` of the generated crates |"
    );
    println!("|---|---|---|---|---|---|---|");
    for row in sizes {
        println!("{row}");
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

/// The file name of `spec`, as the tables show it.
fn file_name(spec: &Path) -> String {
    spec.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
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
    let name = file_name(spec);
    Ok(format!(
        "| {name} | {operations} | {} / {} | {} | {:.2}x | {p} |",
        ms(w_med),
        ms(w_min),
        ms(b_med),
        w_med.as_secs_f64() / b_med.as_secs_f64()
    ))
}

/// One row of the size-and-cost table: the whole `xtask codegen` process (time, peak memory),
/// the lines it writes per crate, and with `cargo_check` the check time of those crates.
fn size_and_cost(
    root: &Path,
    spec: &Path,
    exe: &Path,
    cargo_check: bool,
) -> Result<String, String> {
    let stem: String = spec
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = root.join("target/bench-generated").join(&stem);
    let prefix = format!("bench-{stem}");
    let mut times = Vec::new();
    let mut peak_kb = 0u64;
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(&dir);
        let start = Instant::now();
        let out = Command::new(exe)
            .args(["codegen", "--spec"])
            .arg(spec)
            .arg("--out")
            .arg(&dir)
            .args(["--name", &prefix])
            .env(PEAK_MEMORY_VARIABLE, "1")
            .output()
            .map_err(|e| e.to_string())?;
        times.push(start.elapsed());
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(kb) = stderr
            .lines()
            .find_map(|l| l.strip_prefix("peak memory: "))
            .and_then(|v| v.trim_end_matches(" kB").parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
    }
    let lines = |suffix: &str| -> usize {
        let src = dir
            .join("crates")
            .join(format!("{prefix}-{suffix}"))
            .join("src");
        std::fs::read_dir(&src)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|text| text.lines().count())
            .sum()
    };
    let (models, client, server) = (lines("models"), lines("client"), lines("server"));
    let total = models + client + server;
    let operations = Document::from_path(spec)
        .map_err(|e| e.to_string())?
        .operation_ids()
        .count()
        .max(1);
    let check = if cargo_check {
        let (cold, warm) = check_time(root, &dir)?;
        format!(
            "{:.1} s (cold, dependencies built: {:.1} s)",
            warm.as_secs_f64(),
            cold.as_secs_f64()
        )
    } else {
        "not measured (`--cargo-check`)".to_owned()
    };
    let name = file_name(spec);
    Ok(format!(
        "| {name} | {operations} | {:.2} s | {} MB | {models} / {client} / {server} / {total} | {} | {check} |",
        median(times).0.as_secs_f64(),
        peak_kb / 1024,
        total / operations,
    ))
}

/// `cargo check` of the generated workspace at `dir` (sharing this workspace's target directory
/// and lock file): once to build what it needs, then again after touching the generated sources
/// — the second is the figure a user pays on each edit of the document.
fn check_time(root: &Path, dir: &Path) -> Result<(Duration, Duration), String> {
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let check = || -> Result<Duration, String> {
        let start = Instant::now();
        let out = Command::new(&cargo)
            .args(["check", "--quiet", "--offline", "--workspace"])
            .env("CARGO_TARGET_DIR", root.join("target"))
            .current_dir(dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "cargo check failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(start.elapsed())
    };
    let cold = check()?;
    let now = std::time::SystemTime::now();
    for entry in std::fs::read_dir(dir.join("crates"))
        .map_err(|e| e.to_string())?
        .flatten()
    {
        for file in std::fs::read_dir(entry.path().join("src"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(f) = std::fs::File::options().append(true).open(file.path()) {
                let _ = f.set_modified(now);
            }
        }
    }
    let warm = check()?;
    Ok((cold, warm))
}
