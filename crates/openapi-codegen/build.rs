//! Embeds the hand-written runtime crates (and the workspace manifest that pins their
//! dependencies) so that `--out` output can carry them: a generated workspace then builds
//! anywhere, with no path back into this checkout.

use std::path::{Path, PathBuf};

const RUNTIMES: &[&str] = &["openapi-server-runtime", "openapi-client-runtime"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "toml") {
            out.push(path);
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let crates = manifest_dir.join("..");
    let mut code = String::from(
        "/// Runtime crates' files: (crate, path in the crate, contents).\npub(crate) const RUNTIME_FILES: &[(&str, &str, &str)] = &[\n",
    );
    for name in RUNTIMES {
        let root = crates.join(name);
        println!("cargo:rerun-if-changed={}", root.display());
        let mut list = Vec::new();
        files(&root.join("src"), &mut list);
        for extra in ["Cargo.toml", "build.rs"] {
            if root.join(extra).exists() {
                list.push(root.join(extra));
            }
        }
        for path in list {
            let relative = path.strip_prefix(&root).expect("inside the crate");
            let absolute = path.canonicalize().expect("readable");
            code.push_str(&format!(
                "    ({name:?}, {:?}, include_str!({:?})),\n",
                relative.display().to_string(),
                absolute.display().to_string()
            ));
        }
    }
    code.push_str("];\n");
    let workspace = crates
        .join("../Cargo.toml")
        .canonicalize()
        .expect("workspace manifest");
    println!("cargo:rerun-if-changed={}", workspace.display());
    code.push_str(&format!(
        "/// The workspace manifest: dependency versions the generated code is written against.\npub(crate) const WORKSPACE_MANIFEST: &str = include_str!({:?});\n",
        workspace.display().to_string()
    ));
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("runtime_files.rs");
    std::fs::write(out, code).expect("write runtime_files.rs");
}
