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

    // Absolute paths given on the command line stay out of the output (its header names the
    // last component only), so the output can move to another machine.
    for file in [
        "crates/demo-models/src/generated.rs",
        "Cargo.toml",
        "crates/demo-client/src/lib.rs",
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(!text.contains(&dir.display().to_string()), "{file}: {text}");
        assert!(text.contains("--spec api.json --out out"), "{file}: {text}");
    }

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

fn api_diff(args: &[&str], root: &Path) -> Output {
    xtask()
        .arg("api-diff")
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

fn pair(name: &str, side: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../tests/fixtures/api_diff/{name}.{side}.json"))
        .display()
        .to_string()
}

#[test]
fn api_diff_exits_0_when_nothing_breaks_1_when_something_does_2_on_bad_input() {
    let dir = temp_dir("api-diff-codes");
    let ok = api_diff(
        &[
            &pair("request_property_optional_added", "old"),
            &pair("request_property_optional_added", "new"),
        ],
        &dir,
    );
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("0 breaking, 1 non-breaking"));

    let broken = api_diff(
        &[
            &pair("request_property_required_added", "old"),
            &pair("request_property_required_added", "new"),
            "--json",
        ],
        &dir,
    );
    assert_eq!(broken.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(json[0]["severity"], "breaking");
    assert_eq!(json[0]["operation"], "update-item");
    // Not a terminal: no colour codes.
    assert!(!String::from_utf8_lossy(&broken.stdout).contains('\x1b'));

    let dangling = dir.join("dangling.json");
    std::fs::write(
        &dangling,
        r##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {
            "operationId": "a", "responses": {"200": {"description": "ok", "content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}}}}"##,
    )
    .unwrap();
    for bad in [
        vec![
            pair("operation_added", "old"),
            dangling.display().to_string(),
        ],
        vec![pair("operation_added", "old"), "no-such-file.json".into()],
        vec![
            "git:no-such-revision".into(),
            pair("operation_added", "new"),
        ],
    ] {
        let args: Vec<&str> = bad.iter().map(String::as_str).collect();
        let out = api_diff(&args, &dir);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: "), "{err}");
    }
    let err = String::from_utf8_lossy(
        &api_diff(
            &[
                &pair("operation_added", "old"),
                &dangling.display().to_string(),
            ],
            &dir,
        )
        .stderr,
    )
    .into_owned();
    assert!(err.contains("#/components/schemas/Missing"), "{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=ci", "-c", "user.email=ci@localhost"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn ci_gate_fails_an_unacknowledged_breaking_edit_and_passes_an_acknowledged_one() {
    let repo = temp_dir("api-gate");
    git(&repo, &["init", "-q"]);
    let spec = repo.join("openapi.json");
    std::fs::copy(pair("request_property_required_added", "old"), &spec).unwrap();
    git(&repo, &["add", "openapi.json"]);
    git(&repo, &["commit", "-qm", "base"]);
    // The breaking edit: a new required request property.
    std::fs::copy(pair("request_property_required_added", "new"), &spec).unwrap();
    git(&repo, &["commit", "-qam", "breaking edit"]);

    let gate = || api_diff(&["git:HEAD~1", "openapi.json"], &repo);
    let failed = gate();
    assert_eq!(failed.status.code(), Some(1));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("not acknowledged"), "{err}");
    assert!(
        err.contains(r#"pointer = "/components/schemas/ItemIn/properties/color""#),
        "{err}"
    );

    // An entry without a reason acknowledges nothing.
    let acks = repo.join("api-changes.toml");
    std::fs::write(
        &acks,
        "[[change]]\npointer = \"/components/schemas/ItemIn/properties/color\"\nreason = \"\"\n",
    )
    .unwrap();
    assert_eq!(gate().status.code(), Some(1));

    std::fs::write(
        &acks,
        "[[change]]\npointer = \"/components/schemas/ItemIn/properties/color\"\nkind = \"property_added\"\nreason = \"no client sends ItemIn yet\"\n",
    )
    .unwrap();
    let passed = gate();
    assert_eq!(passed.status.code(), Some(0), "{passed:?}");
    assert!(String::from_utf8_lossy(&passed.stderr).contains("1 breaking change(s) acknowledged"));

    // A malformed acknowledgements file is bad input, not a pass.
    std::fs::write(&acks, "[[change]]\npointr = 1\n").unwrap();
    assert_eq!(gate().status.code(), Some(2));

    // A major version bump acknowledges every breaking change.
    std::fs::remove_file(&acks).unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    doc["info"]["version"] = "2.0.0".into();
    std::fs::write(&spec, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    assert_eq!(gate().status.code(), Some(0));
}

#[test]
fn out_crates_are_named_after_the_documents_title_unless_named() {
    let dir = temp_dir("title-names");
    let out = dir.join("out");
    let spec =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/security_schemes.json");
    let run = xtask()
        .arg("codegen")
        .arg("--spec")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // `info.title` is "Security schemes".
    for krate in [
        "security-schemes-models",
        "security-schemes-client",
        "security-schemes-server",
    ] {
        let manifest = std::fs::read_to_string(out.join("crates").join(krate).join("Cargo.toml"))
            .unwrap_or_else(|e| panic!("{krate}: {e}"));
        assert!(
            manifest.contains(&format!("name = \"{krate}\"")),
            "{manifest}"
        );
    }
}

#[test]
fn bundle_writes_one_document_and_api_diff_reads_many_files_at_a_revision() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/multi_file");
    let dir = temp_dir("bundle");
    let out = dir.join("bundled.json");
    let run = xtask()
        .arg("bundle")
        .arg(fixture.join("openapi.yaml"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("bundled 9 files"), "{err}");
    assert!(err.contains("`Error_2`"), "the collision is named: {err}");
    let bundled: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(bundled["components"]["schemas"]["owner"].is_object());
    assert!(
        !std::fs::read_to_string(&out).unwrap().contains(".yaml"),
        "no reference to another file is left"
    );

    // In a repository: the tree at a revision, its schema changed since.
    let repo = temp_dir("bundle-git");
    let copy = |from: &Path, to: &Path| {
        for entry in walk(from) {
            let target = to.join(entry.strip_prefix(from).unwrap());
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    };
    copy(&fixture, &repo.join("api"));
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "base"]);
    let pet = repo.join("api/schemas/pet.yaml");
    let edited = std::fs::read_to_string(&pet)
        .unwrap()
        .replace("required: [id, name]", "required: [id, name, tag]");
    std::fs::write(&pet, edited).unwrap();
    let same = api_diff(
        &["git:HEAD:api/openapi.yaml", "git:HEAD:api/openapi.yaml"],
        &repo,
    );
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    let changed = api_diff(&["git:HEAD:api/openapi.yaml", "api/openapi.yaml"], &repo);
    let report = String::from_utf8_lossy(&changed.stdout).into_owned()
        + &String::from_utf8_lossy(&changed.stderr);
    assert!(
        report.contains("tag"),
        "the edit in another file is seen: {report}"
    );
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
