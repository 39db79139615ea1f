//! Snapshot tests: the generated output for `openapi.json` and for each fixture document is
//! pinned by insta, so a change to a document or to the generator is a reviewable diff.
//! `cargo xtask codegen` refreshes these snapshots when generated code changes.

mod support;

use openapi_codegen::{Options, generate_from_path};

fn render(files: &[openapi_codegen::OutputFile]) -> String {
    files
        .iter()
        // The code and the documented error shapes the server answers refusals in (not the
        // mock's answers: the schemas again, as JSON Schema).
        .filter(|f| {
            f.path.extension().is_some_and(|e| e == "rs")
                || f.path.file_name().is_some_and(|n| n == "errors.json")
        })
        .map(|f| format!("==> {} <==\n{}\n", f.path.display(), f.contents))
        .collect()
}

#[test]
fn openapi_json_generated_crates_match_snapshot() {
    let generated = generate_from_path(
        &support::workspace().join("openapi.json"),
        &Options::default(),
    )
    .expect("openapi.json generates");
    assert!(
        generated.warnings.is_empty(),
        "openapi.json should generate without warnings: {:?}",
        generated.warnings
    );
    for file in &generated.files {
        let name = file.path.display().to_string().replace(['/', '.'], "_");
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn each_fixture_generated_output_matches_snapshot() {
    for path in support::fixtures() {
        let stem = support::fixture_name(&path);
        let options = Options {
            crate_prefix: "fixture".into(),
            command: format!("cargo xtask codegen --spec {stem}"),
            ..Options::default()
        };
        let generated =
            generate_from_path(&path, &options).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let warnings: String = generated
            .warnings
            .iter()
            .map(|w| format!("{w}\n"))
            .collect();
        insta::assert_snapshot!(
            format!("fixture_{stem}"),
            format!(
                "--- warnings ---\n{warnings}--- files ---\n{}",
                render(&generated.files)
            )
        );
    }
}
