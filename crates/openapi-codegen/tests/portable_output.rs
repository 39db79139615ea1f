//! `--out` output stands alone: it carries the runtime crates, its manifests name every crate
//! the generated code uses (derived from the code), no file holds a path into this checkout, and
//! the workspace builds after being moved to another directory.

mod support;

use std::path::Path;

#[test]
fn out_output_holds_no_absolute_path_and_builds_after_a_move() {
    let dir = support::temp_dir("portable");
    // A unique package prefix per run: nothing is taken from an earlier run's build.
    let prefix = format!("portable{}", std::process::id());
    let options = openapi_codegen::Options {
        crate_prefix: prefix.clone(),
        standalone: true,
        ..Default::default()
    };
    // `format: uuid` makes the models name `uuid`, which the manifest must then declare.
    let spec = support::workspace().join("tests/fixtures/params.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).unwrap()).unwrap();
    doc["components"]["schemas"]["Tracked"] = serde_json::json!({
        "type": "object", "required": ["id"],
        "properties": {"id": {"type": "string", "format": "uuid"}}
    });
    let document = openapi_codegen::Document::from_text(&doc.to_string(), false).unwrap();
    let generated = openapi_codegen::generate(&document, &options).unwrap();

    let root = support::workspace();
    for f in &generated.files {
        for needle in [root.display().to_string(), "/work/".to_owned()] {
            assert!(
                !f.contents.contains(&needle),
                "{} names {needle}",
                f.path.display()
            );
        }
    }
    let models_manifest = generated
        .files
        .iter()
        .find(|f| f.path == Path::new(&format!("crates/{prefix}-models/Cargo.toml")))
        .unwrap();
    assert!(
        models_manifest.contents.contains("uuid = "),
        "{}",
        models_manifest.contents
    );
    assert!(
        generated
            .files
            .iter()
            .any(|f| f.path == Path::new("runtime/openapi-server-runtime/src/lib.rs")),
        "the runtime travels with the output"
    );

    let first = dir.join("first");
    openapi_codegen::write_all(&first, &generated.files).unwrap();
    std::fs::copy(root.join("Cargo.lock"), first.join("Cargo.lock")).unwrap();
    let moved = dir.join("moved-elsewhere");
    std::fs::rename(&first, &moved).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["check", "--quiet", "--offline", "--workspace"])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .current_dir(&moved)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the moved workspace does not build:\n{stderr}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");
}
