//! Paths shared by the generator's integration tests.
#![allow(dead_code)] // each test binary uses a subset

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// Every fixture document, sorted by name.
pub fn fixtures() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(workspace().join("tests/fixtures"))
        .expect("fixtures directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml")
            )
        })
        .collect();
    all.sort();
    all
}

/// A fresh temporary directory under the target directory (kept out of the source tree).
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = workspace()
        .join("target/test-tmp")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}
