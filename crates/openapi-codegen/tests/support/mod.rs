//! Paths shared by the generator's integration tests.
#![allow(dead_code)] // each test binary uses a subset

use std::path::{Path, PathBuf};

pub mod stub;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// Every fixture document, sorted by name: the files of `tests/fixtures/`, and the root
/// (`openapi.yaml`) of each directory there that holds a document in many files.
pub fn fixtures() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(workspace().join("tests/fixtures"))
        .expect("fixtures directory")
        .map(|e| e.expect("directory entry").path())
        .filter_map(|p| {
            if p.is_dir() {
                Some(p.join("openapi.yaml")).filter(|root| root.exists())
            } else {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("json" | "yaml")
                )
                .then_some(p)
            }
        })
        .collect();
    all.sort();
    all
}

/// A fixture's name: its file stem, or its directory's name for a document in many files.
pub fn fixture_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem == "openapi" {
        path.parent()
            .and_then(|d| d.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or(stem)
            .to_owned()
    } else {
        stem.to_owned()
    }
}

/// A fresh temporary directory under the target directory (kept out of the source tree).
///
/// Earlier directories of the same test are removed first: cargo keys the fingerprints of these
/// generated path crates on their files, and a stale copy left by a failed run would make a
/// rebuild look unnecessary.
pub fn temp_dir(name: &str) -> PathBuf {
    let base = workspace().join("target/test-tmp");
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}-"))
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = base.join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Generates `spec` as standalone crates named `<prefix>-*` under `dir/<prefix>/` (without its
/// own workspace manifest, so one outer workspace can hold several); returns the warnings.
pub fn generate_member(dir: &Path, spec: &Path, prefix: &str) -> Vec<openapi_codegen::Diagnostic> {
    // One shared copy of the runtime crates beside the members (several copies of one package
    // cannot be in one workspace).
    let options = openapi_codegen::Options {
        crate_prefix: prefix.into(),
        standalone: true,
        command: format!("test {prefix}"),
        strict: false,
        runtime: openapi_codegen::Runtime::At("../../../runtime".into()),
    };
    let runtime = openapi_codegen::runtime_crates("test").expect("runtime crates");
    openapi_codegen::write_all(dir, &runtime).expect("write runtime crates");
    let generated = openapi_codegen::generate_from_path(spec, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
    let files: Vec<_> = generated
        .files
        .into_iter()
        .filter(|f| f.path != Path::new("Cargo.toml"))
        .collect();
    openapi_codegen::write_all(&dir.join(prefix), &files).expect("write generated crates");
    generated.warnings
}

/// Makes `dir` a workspace of the given member directories (with this workspace's lock file, so
/// nothing is resolved anew) and runs `cargo clippy -- -D warnings` on it with the shared target
/// directory; panics with the compiler's output unless it is clean.
pub fn clippy_clean(dir: &Path, members: &[String]) {
    cargo_in(
        dir,
        members,
        &[
            "clippy",
            "--quiet",
            "--offline",
            "--workspace",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    );
}

/// Runs cargo with `args` in `dir` made a workspace of `members`; panics with its output unless it
/// succeeds without warnings.
pub fn cargo_in(dir: &Path, members: &[String], args: &[&str]) {
    let root = workspace();
    let list: Vec<String> = members
        .iter()
        .map(|m| format!("\"{m}/crates/*\""))
        .collect();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            list.join(", ")
        ),
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(args)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .current_dir(dir)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo {args:?} failed in the generated workspace:\n{stderr}\n{stdout}"
    );
    assert!(
        !stderr.contains("warning"),
        "warnings in generated crates:\n{stderr}"
    );
}

/// The corpus's `api/` directory (`target/corpus/package/api`, or `CORPUS_DIR`); a missing one
/// fails the test, naming the command that fetches it.
pub fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/corpus/package/api"));
    assert!(
        dir.is_dir(),
        "no corpus at {}: run `cargo xtask corpus` (or set CORPUS_DIR)",
        dir.display()
    );
    dir
}

/// Runs the probes written under `dir/probes` for the members `prefixes` (each probe named
/// `<prefix>-probe`) with `cargo test`, then removes `dir`.
pub fn run_probes(dir: &Path, prefixes: &[String]) {
    let mut members: Vec<String> = prefixes.to_vec();
    members.push("probes".into());
    let probes: Vec<String> = prefixes.iter().map(|p| format!("{p}-probe")).collect();
    let mut args = vec!["test", "--quiet", "--offline"];
    for p in &probes {
        args.extend(["-p", p.as_str()]);
    }
    cargo_in(dir, &members, &args);
    let _ = std::fs::remove_dir_all(dir);
}

/// The dev-dependencies of a probe under `probes/crates/` of crates generated as `prefix` (a
/// member beside it): the three generated crates, both runtimes and tokio.
pub fn probe_dependencies(prefix: &str) -> String {
    format!(
        "{prefix}-server = {{ path = \"../../../{prefix}/crates/{prefix}-server\" }}\n\
         {prefix}-client = {{ path = \"../../../{prefix}/crates/{prefix}-client\" }}\n\
         {prefix}-models = {{ path = \"../../../{prefix}/crates/{prefix}-models\" }}\n\
         openapi-server-runtime = {{ path = \"../../../runtime/openapi-server-runtime\" }}\n\
         openapi-client-runtime = {{ path = \"../../../runtime/openapi-client-runtime\" }}\n\
         tokio = {{ version = \"1\", features = [\"macros\", \"rt\", \"net\", \"io-util\"] }}\n"
    )
}

/// A test crate `name` under `dir/crates/` with `dev_dependencies` (TOML lines) and one test
/// file (`tests/probe.rs`): probes of generated crates, run with `cargo test` in their workspace.
pub fn write_probe(dir: &Path, name: &str, dev_dependencies: &str, test: &str) {
    let probe = dir.join("crates").join(name);
    std::fs::create_dir_all(probe.join("tests")).unwrap();
    std::fs::create_dir_all(probe.join("src")).unwrap();
    std::fs::write(
        probe.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dev-dependencies]\n{dev_dependencies}"
        ),
    )
    .unwrap();
    std::fs::write(
        probe.join("src/lib.rs"),
        "//! A probe of generated crates.\n",
    )
    .unwrap();
    std::fs::write(probe.join("tests/probe.rs"), test).unwrap();
}
