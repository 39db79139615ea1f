//! Every fixture's generated crates compile, and are clippy-clean, as one workspace sharing
//! this workspace's target directory and lock file (so nothing is downloaded or rebuilt twice);
//! then a probe crate runs the server generated from `params.json` to show its parameter
//! handling works, not just compiles.

mod support;

#[test]
fn every_fixture_generates_crates_that_compile_without_warnings() {
    let dir = support::temp_dir("fixtures-compile");
    let mut members = Vec::new();
    for path in support::fixtures() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap()
            .replace('_', "-");
        let prefix = format!("fixture-{stem}");
        support::generate_member(&dir, &path, &prefix);
        members.push(prefix);
    }
    support::clippy_clean(&dir, &members);

    // The probe: a test crate beside the fixtures, run with `cargo test`.
    let probe = dir.join("probe/crates/params-probe");
    std::fs::create_dir_all(probe.join("tests")).unwrap();
    std::fs::create_dir_all(probe.join("src")).unwrap();
    std::fs::write(
        probe.join("Cargo.toml"),
        "[package]\nname = \"params-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dev-dependencies]\n\
             fixture-params-server = { path = \"../../../fixture-params/crates/fixture-params-server\" }\n\
             fixture-params-models = { path = \"../../../fixture-params/crates/fixture-params-models\" }\n\
             svix-style-server-runtime = { path = \"../../../runtime/svix-style-server-runtime\" }\n\
             serde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt\", \"net\", \"io-util\"] }\n",
    )
    .unwrap();
    std::fs::write(
        probe.join("src/lib.rs"),
        "//! Probe of a generated server.\n",
    )
    .unwrap();
    std::fs::write(
        probe.join("tests/params.rs"),
        include_str!("probe/params_probe.rs"),
    )
    .unwrap();
    members.push("probe".into());
    support::cargo_in(
        &dir,
        &members,
        &["test", "--quiet", "--offline", "-p", "params-probe"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
