//! Generality: Svix's full published API documents (2024-12, OpenAPI 3.0.2, 125 operations;
//! 2026-08, OpenAPI 3.1.0, 252 operations), read from `../shared/specs` and never edited,
//! generate models, client and server crates that pass `cargo clippy -- -D warnings`.
//!
//! Slow (it compiles ~150k lines), so `#[ignore]`d for the default `cargo test`; `.ci/run` runs
//! it with `--ignored`.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use svix_auth_codegen::{Options, generate_from_path, write::write_all};

fn spec(name: &str) -> PathBuf {
    support::workspace().join("../shared/specs").join(name)
}

#[test]
#[ignore = "compiles both full Svix documents (about a minute); run by .ci/run"]
fn both_svix_documents_generate_crates_that_compile_without_warnings() {
    let root = support::workspace();
    let dir = support::temp_dir("svix-documents");
    let mut members = Vec::new();
    for (file, prefix) in [
        ("svix-2024-12.json", "svix-2024"),
        ("svix-2026-08.json", "svix-2026"),
    ] {
        let path = spec(file);
        assert!(
            path.exists(),
            "{} is missing: ../shared must sit beside the repository",
            path.display()
        );
        let started = Instant::now();
        let options = Options {
            crate_prefix: prefix.into(),
            standalone: true,
            command: format!("test {file}"),
            strict: false,
        };
        let generated =
            generate_from_path(&path, &options).unwrap_or_else(|e| panic!("{file}: {e}"));
        println!(
            "{file}: generated in {:?}, {} warnings",
            started.elapsed(),
            generated.warnings.len()
        );
        for w in &generated.warnings {
            println!("  {w}");
        }
        let files: Vec<_> = generated
            .files
            .into_iter()
            .filter(|f| f.path != std::path::Path::new("Cargo.toml"))
            .collect();
        write_all(&dir.join(prefix), &files).unwrap();
        members.push(format!("\"{prefix}/crates/*\""));
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "clippy",
            "--quiet",
            "--offline",
            "--workspace",
            "--",
            "-D",
            "warnings",
        ])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .current_dir(&dir)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!(
        "cargo clippy of both generated workspaces: {:?}",
        started.elapsed()
    );
    assert!(
        output.status.success(),
        "generated Svix crates do not compile cleanly:\n{stderr}"
    );
    assert!(!stderr.contains("warning"), "warnings:\n{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
