//! Every fixture's generated crates compile, and are clippy-clean, as one workspace sharing
//! this workspace's target directory and lock file (so nothing is downloaded or rebuilt twice).

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
    let _ = std::fs::remove_dir_all(&dir);
}
