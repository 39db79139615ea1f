//! `cargo xtask mock --spec FILE [--listen ADDR] [--seed N]`: generates the document's crates
//! and a mock server binary into `target/mock/<name>/` (kept between runs, so cargo rebuilds
//! only what changed), builds it in release mode in this workspace's target directory, and runs
//! it. `--build-only` prints the binary's path instead of running it; `--credential SECRET`
//! (repeatable) makes it accept only those credentials.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use openapi_codegen::{Document, Severity, generate_mock_server, mock_server_name, write_all};

/// What `cargo xtask mock` was asked.
pub struct Args {
    pub spec: PathBuf,
    pub listen: String,
    pub seed: u64,
    pub build_only: bool,
    /// The only credential secrets the mock accepts (any, when empty).
    pub credentials: Vec<String>,
}

pub fn run(root: &Path, args: Args) -> ExitCode {
    match build(root, &args.spec) {
        Ok(binary) if args.build_only => {
            println!("{}", binary.display());
            ExitCode::SUCCESS
        }
        Ok(binary) => {
            let mut command = Command::new(&binary);
            command.args(["--listen", &args.listen, "--seed", &args.seed.to_string()]);
            for secret in &args.credentials {
                command.args(["--credential", secret]);
            }
            let status = command.status();
            match status {
                Ok(s) if s.success() => ExitCode::SUCCESS,
                Ok(_) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("cannot run {}: {e}", binary.display());
                    ExitCode::FAILURE
                }
            }
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Generates and builds the mock of `spec`; returns its binary.
pub fn build(root: &Path, spec: &Path) -> Result<PathBuf, String> {
    let document = Document::from_path(spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    // Crate names carry a hash of the document's path: two documents with one title get
    // distinct crates in the shared target directory.
    let mut hasher = DefaultHasher::new();
    spec.canonicalize()
        .unwrap_or_else(|_| spec.to_owned())
        .hash(&mut hasher);
    let prefix = format!(
        "{}-m{:08x}",
        document.default_crate_prefix(),
        hasher.finish() as u32
    );
    let dir = root.join("target/mock").join(&prefix);
    let generated =
        generate_mock_server(&document, &prefix, "cargo xtask mock", &root.join("crates"))
            .map_err(|e| format!("{}: {e}", spec.display()))?;
    let warnings = generated
        .warnings
        .iter()
        .filter(|w| w.severity == Severity::Warning)
        .count();
    if warnings > 0 {
        eprintln!(
            "{}: {warnings} warnings (`cargo xtask codegen --spec {} --out DIR` lists them)",
            spec.display(),
            spec.display()
        );
    }
    write_all(&dir, &generated.files).map_err(|e| format!("writing {}: {e}", dir.display()))?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        // This workspace's versions: nothing is resolved anew.
        std::fs::copy(root.join("Cargo.lock"), &lock)
            .map_err(|e| format!("copying Cargo.lock: {e}"))?;
    }
    let name = mock_server_name(&prefix);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", &name])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the mock in {} failed", dir.display()));
    }
    Ok(root.join("target/release").join(name))
}
