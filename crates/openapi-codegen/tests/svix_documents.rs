//! Generality: Svix's full published API documents (2024-12, OpenAPI 3.0.2, 125 operations;
//! 2026-08, OpenAPI 3.1.0, 252 operations), read from `../shared/specs` and never edited,
//! generate models, client and server crates that pass `cargo clippy -- -D warnings`.
//!
//! Slow (it compiles ~150k lines), so `#[ignore]`d for the default `cargo test`; `.ci/run` runs
//! it with `--ignored`.

mod support;

use std::time::Instant;

#[test]
#[ignore = "compiles both full Svix documents (about a minute); run by .ci/run"]
fn both_svix_documents_generate_crates_that_compile_without_warnings() {
    let dir = support::temp_dir("svix-documents");
    let mut members = Vec::new();
    for (file, prefix) in [
        ("svix-2024-12.json", "svix-2024"),
        ("svix-2026-08.json", "svix-2026"),
    ] {
        let path = support::workspace().join("../shared/specs").join(file);
        assert!(
            path.exists(),
            "{} is missing: ../shared must sit beside the repository",
            path.display()
        );
        let started = Instant::now();
        let warnings = support::generate_member(&dir, &path, prefix);
        println!(
            "{file}: generated in {:?}, {} warnings",
            started.elapsed(),
            warnings.len()
        );
        for w in &warnings {
            println!("  {w}");
        }
        members.push(prefix.to_owned());
    }
    let started = Instant::now();
    support::clippy_clean(&dir, &members);
    println!(
        "cargo clippy of both generated workspaces: {:?}",
        started.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
