//! Documents split across files (`tests/fixtures/multi_file/`): they generate exactly what their
//! bundled form generates; schemas named alike in two files are told apart with a warning; a
//! cycle across files stays a reference; broken references name the file and the pointer; and
//! (`--ignored`, CI) the bundle has the operations and resolved schemas `@redocly/cli bundle`
//! makes of the same tree.

mod support;

use std::path::{Path, PathBuf};

use openapi_codegen::{Document, Options};
use serde_json::Value;

fn root() -> PathBuf {
    support::workspace().join("tests/fixtures/multi_file/openapi.yaml")
}

fn options() -> Options {
    Options {
        crate_prefix: "fixture".into(),
        ..Options::default()
    }
}

#[test]
fn a_document_in_many_files_generates_the_same_crates_as_its_bundle() {
    let from_files = openapi_codegen::generate_from_path(&root(), &options()).unwrap();
    let bundle = openapi_codegen::bundle(&root()).unwrap();
    assert_eq!(bundle.files.len(), 9, "{:?}", bundle.files);
    let dir = support::temp_dir("multi-file-bundle");
    let bundled = dir.join("bundled.json");
    std::fs::write(&bundled, serde_json::to_string(&bundle.document).unwrap()).unwrap();
    let from_bundle = openapi_codegen::generate_from_path(&bundled, &options()).unwrap();
    assert_eq!(from_files.files.len(), from_bundle.files.len());
    for (a, b) in from_files.files.iter().zip(&from_bundle.files) {
        assert_eq!(a.path, b.path);
        assert!(a.contents == b.contents, "{} differs", a.path.display());
    }
}

#[test]
fn schemas_from_other_files_become_components_and_a_cycle_stays_a_reference() {
    let bundle = openapi_codegen::bundle(&root()).unwrap();
    let schemas = bundle.document["components"]["schemas"]
        .as_object()
        .unwrap();
    let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    assert_eq!(names, ["Error", "pet", "tag", "owner", "Error_2"]);
    assert_eq!(
        schemas["owner"]["properties"]["pets"]["items"]["$ref"],
        "#/components/schemas/pet"
    );
    assert_eq!(
        schemas["pet"]["properties"]["owner"]["$ref"],
        "#/components/schemas/owner"
    );
    // `../schemas/./pet.yaml` and `pet.yaml` (from owner.yaml) are the one file read once.
    assert_eq!(
        bundle.document["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/pet"
    );
    // A reference back into the root stays internal.
    assert_eq!(
        bundle.document["paths"]["/pets"]["post"]["responses"]["400"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/Error"
    );
    // Parameters and responses from other files are inlined.
    assert_eq!(
        bundle.document["paths"]["/pets"]["get"]["parameters"][0]["name"],
        "limit"
    );
    assert_eq!(
        bundle.document["paths"]["/pets"]["get"]["responses"]["default"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/Error_2"
    );
    let warnings: Vec<String> = bundle.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("`Error` of `common/errors.json`")
            && warnings[0].contains("`Error_2`")
            && warnings[0].contains("common/errors.json#/components/schemas/Error"),
        "{}",
        warnings[0]
    );
    // The generated models keep both errors apart.
    let generated = openapi_codegen::generate_from_path(&root(), &options()).unwrap();
    let models = &generated.files[0].contents;
    assert!(models.contains("pub struct Error {") && models.contains("pub struct Error2 {"));
}

/// Writes `files` (relative path, contents) under a fresh directory; returns the directory.
fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = support::temp_dir(name);
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

const ROOT_HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

fn error_of(dir: &Path) -> String {
    match Document::from_path(&dir.join("openapi.yaml")) {
        Ok(_) => panic!("the document should not load"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_references_name_the_file_and_the_pointer() {
    let remote = tree(
        "multi-file-remote",
        &[(
            "openapi.yaml",
            &format!("{ROOT_HEAD}paths:\n  /a:\n    $ref: 'https://example.com/paths.yaml#/a'\n"),
        )],
    );
    let e = error_of(&remote);
    assert!(
        e.contains("remote reference") && e.contains("openapi.yaml#/paths/~1a/$ref"),
        "{e}"
    );

    let missing = tree(
        "multi-file-missing",
        &[
            (
                "openapi.yaml",
                &format!("{ROOT_HEAD}paths:\n  /a:\n    $ref: paths/a.yaml\n"),
            ),
            (
                "paths/a.yaml",
                "get:\n  responses:\n    '200':\n      description: ok\n      content:\n        application/json:\n          schema:\n            $ref: ../schemas/none.yaml\n",
            ),
        ],
    );
    let e = error_of(&missing);
    assert!(
        e.contains("cannot read `schemas/none.yaml`")
            && e.contains("paths/a.yaml#/get/responses/200/content/application~1json/schema/$ref"),
        "{e}"
    );

    let fragment = tree(
        "multi-file-fragment",
        &[
            (
                "openapi.yaml",
                &format!("{ROOT_HEAD}paths:\n  /a:\n    $ref: 'paths.yaml#/nope'\n"),
            ),
            ("paths.yaml", "a: {}\n"),
        ],
    );
    let e = error_of(&fragment);
    assert!(e.contains("`paths.yaml` has nothing at `#/nope`"), "{e}");

    let cycle = tree(
        "multi-file-cycle",
        &[
            (
                "openapi.yaml",
                &format!("{ROOT_HEAD}paths:\n  /a:\n    $ref: a.yaml\n"),
            ),
            ("a.yaml", "$ref: b.yaml\n"),
            ("b.yaml", "$ref: a.yaml\n"),
        ],
    );
    let e = error_of(&cycle);
    assert!(e.contains("refers back to itself"), "{e}");

    let unparsable = tree(
        "multi-file-unparsable",
        &[
            (
                "openapi.yaml",
                &format!("{ROOT_HEAD}paths:\n  /a:\n    $ref: a.json\n"),
            ),
            ("a.json", "{ not json"),
        ],
    );
    let e = error_of(&unparsable);
    assert!(e.contains("`a.json` does not parse"), "{e}");
}

#[test]
fn warnings_about_bundled_parts_name_the_file_they_came_from() {
    let dir = tree(
        "multi-file-warnings",
        &[
            (
                "openapi.yaml",
                &format!("{ROOT_HEAD}paths:\n  /a:\n    $ref: paths/a.yaml\n"),
            ),
            (
                "paths/a.yaml",
                "get:\n  responses:\n    '204': {description: done}\n",
            ),
        ],
    );
    let document = Document::from_path(&dir.join("openapi.yaml")).unwrap();
    let unnamed = document
        .warnings()
        .iter()
        .find(|w| w.message.contains("no `operationId`"))
        .expect("a warning about the missing operationId");
    assert_eq!(unnamed.pointer, "paths/a.yaml#/get");
}

/// Every operation (method and path) with its request and success response schemas, every
/// reference resolved (a cycle cut at its second visit).
fn resolved_operations(document: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch") {
                continue;
            }
            let mut op = op.clone();
            resolve(document, &mut op, &mut Vec::new());
            out.push((format!("{} {path}", method.to_uppercase()), op));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn resolve(document: &Value, value: &mut Value, seen: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let r = r.clone();
                if seen.contains(&r) {
                    *value = Value::String(format!("cycle:{}", r.rsplit('/').next().unwrap()));
                    return;
                }
                let mut target = document
                    .pointer(r.trim_start_matches('#'))
                    .cloned()
                    .unwrap();
                seen.push(r);
                resolve(document, &mut target, seen);
                seen.pop();
                *value = target;
                return;
            }
            map.remove("description");
            for v in map.values_mut() {
                resolve(document, v, seen);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| resolve(document, v, seen)),
        _ => {}
    }
}

#[test]
#[ignore = "needs @redocly/cli (CI installs it under target/npm)"]
fn the_bundle_has_the_operations_and_resolved_schemas_redocly_bundle_makes() {
    let cli = support::workspace().join("target/npm/node_modules/.bin/redocly");
    assert!(
        cli.exists(),
        "@redocly/cli is not installed: npm install --prefix target/npm @redocly/cli@2.77.0"
    );
    let dir = support::temp_dir("multi-file-redocly");
    let theirs_path = dir.join("redocly.json");
    let out = std::process::Command::new(&cli)
        .arg("bundle")
        .arg(root())
        .arg("--output")
        .arg(&theirs_path)
        .arg("--ext")
        .arg("json")
        .output()
        .expect("redocly runs");
    assert!(
        out.status.success(),
        "redocly bundle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Value =
        serde_json::from_str(&std::fs::read_to_string(&theirs_path).unwrap()).unwrap();
    let ours = openapi_codegen::bundle(&root()).unwrap().document;
    let (theirs, ours) = (resolved_operations(&theirs), resolved_operations(&ours));
    assert_eq!(
        theirs.iter().map(|o| &o.0).collect::<Vec<_>>(),
        ours.iter().map(|o| &o.0).collect::<Vec<_>>(),
        "the same operations"
    );
    for ((name, a), (_, b)) in theirs.iter().zip(&ours) {
        assert_eq!(
            a, b,
            "{name}: the same parameters, bodies and responses once resolved"
        );
    }
}
