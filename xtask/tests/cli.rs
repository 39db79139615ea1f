//! The `xtask codegen` command line as users run it: `--check` writes nothing, exits non-zero on
//! drift, prints a unified diff and the command that fixes it; a run reports what it wrote.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
}

/// Runs `xtask codegen [extra…] --name demo --spec SPEC --out OUT`.
fn codegen(extra: &[&str], spec: &Path, out: &Path) -> Output {
    xtask()
        .arg("codegen")
        .args(extra)
        .args(["--name", "demo", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("xtask-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_reports_drift_with_a_diff_and_the_fixing_command_and_writes_nothing() {
    let dir = temp_dir("drift");
    let spec = dir.join("api.json");
    let out = dir.join("out");
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi.json"),
        &spec,
    )
    .unwrap();

    let first = codegen(&[], &spec, &out);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("created") && l.ends_with("demo-server/src/generated.rs")),
        "{stdout}"
    );

    let again = codegen(&[], &spec, &out);
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .lines()
            .all(|l| l.starts_with("unchanged"))
    );

    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&spec).unwrap()).unwrap();
    doc["components"]["schemas"]["OneTimeTokenOut"]["properties"]["expiresAt"] =
        serde_json::json!({"type": "string", "format": "date-time"});
    std::fs::write(&spec, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let before = std::fs::read_to_string(out.join("crates/demo-models/src/generated.rs")).unwrap();

    let check = codegen(&["--check"], &spec, &out);
    assert_eq!(check.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&check.stdout);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stdout.contains("--- a/crates/demo-models/src/generated.rs")
            && stdout.contains("+    pub expires_at:"),
        "{stdout}"
    );
    assert!(
        stderr.contains("are out of date; run `cargo xtask codegen --spec"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("crates/demo-models/src/generated.rs")).unwrap(),
        before,
        "--check writes nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_document_fails_with_the_pointer_and_no_panic() {
    let dir = temp_dir("broken");
    let spec = dir.join("broken.json");
    std::fs::write(&spec, r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/definitions/X"}}}}}}}}}"##).unwrap();
    let run = xtask()
        .args(["codegen", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("/paths/~1a/get/responses/200/content/application~1json/schema/$ref")
            && stderr.contains("operation a"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
