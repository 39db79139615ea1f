//! Every fixture's generated crates compile, and are clippy-clean, as one workspace sharing
//! this workspace's target directory and lock file (so nothing is downloaded or rebuilt twice).

mod support;

use std::process::Command;

use svix_auth_codegen::{Options, generate_from_path, write::write_all};

#[test]
fn every_fixture_generates_crates_that_compile_without_warnings() {
    let root = support::workspace();
    let dir = support::temp_dir("fixtures-compile");
    let mut members = Vec::new();
    for path in support::fixtures() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap()
            .replace('_', "-");
        let options = Options {
            crate_prefix: format!("fixture-{stem}"),
            standalone: true,
            command: "test".into(),
            strict: false,
        };
        let generated =
            generate_from_path(&path, &options).unwrap_or_else(|e| panic!("{stem}: {e}"));
        // One outer workspace holds every fixture: drop each fixture's own workspace manifest.
        let files: Vec<_> = generated
            .files
            .into_iter()
            .filter(|f| f.path != std::path::Path::new("Cargo.toml"))
            .collect();
        write_all(&dir.join(&stem), &files).unwrap();
        members.push(format!("\"{stem}/crates/*\""));
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
    assert!(
        output.status.success(),
        "generated fixture crates do not compile cleanly:\n{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "warnings in generated fixture crates:\n{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
