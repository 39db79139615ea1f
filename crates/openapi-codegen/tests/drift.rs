//! The drift check: after the document changes, `--check` (check_all) fails with a diff naming
//! the change, and after regeneration it passes again.

mod support;

use openapi_codegen::{FileStatus, Options, check_all, generate_from_path, write_all};

#[test]
fn check_fails_after_spec_edit_and_passes_after_regeneration() {
    let dir = support::temp_dir("drift");
    let spec = dir.join("openapi.json");
    std::fs::copy(support::workspace().join("openapi.json"), &spec).unwrap();
    let options = Options::default();

    let first = generate_from_path(&spec, &options).unwrap();
    let statuses = write_all(&dir, &first.files).unwrap();
    assert!(statuses.iter().all(|(_, s)| *s == FileStatus::Created));
    assert!(check_all(&dir, &first.files).is_empty());
    // A second run touches nothing.
    let again = write_all(&dir, &first.files).unwrap();
    assert!(again.iter().all(|(_, s)| *s == FileStatus::Unchanged));

    // Add an optional field to CreateMessageTokenIn.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    doc["components"]["schemas"]["CreateMessageTokenIn"]["properties"]["purpose"] = serde_json::json!({"type": "string", "nullable": true, "description": "Why the token exists."});
    std::fs::write(&spec, serde_json::to_string_pretty(&doc).unwrap()).unwrap();

    let edited = generate_from_path(&spec, &options).unwrap();
    let drift = check_all(&dir, &edited.files);
    assert!(!drift.is_empty(), "the edit must show up as drift");
    let models = drift
        .iter()
        .find(|d| d.path.ends_with("svix-auth-models/src/generated.rs"))
        .expect("models drift");
    assert!(models.diff.contains("+    pub purpose:"), "{}", models.diff);
    assert!(
        models
            .diff
            .starts_with("--- a/crates/svix-auth-models/src/generated.rs")
    );

    let statuses = write_all(&dir, &edited.files).unwrap();
    assert!(statuses.iter().any(|(_, s)| *s == FileStatus::Updated));
    assert!(check_all(&dir, &edited.files).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn repository_crates_are_up_to_date_with_openapi_json() {
    let root = support::workspace();
    let generated = generate_from_path(&root.join("openapi.json"), &Options::default()).unwrap();
    let drift = check_all(&root, &generated.files);
    assert!(
        drift.is_empty(),
        "run `cargo xtask codegen`:\n{}",
        drift.iter().map(|d| d.diff.as_str()).collect::<String>()
    );
}
