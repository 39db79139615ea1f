//! API diff: one before/after fixture pair per change kind and direction
//! (`tests/fixtures/api_diff/<name>.{old,new}.json`), each with its expected classification and
//! its human report pinned; the real Svix history (2024-12 → 2026-08) summarized and pinned.

mod support;

use std::path::PathBuf;

use openapi_codegen::Document;
use openapi_codegen::diff::{ApiDiff, Change, ChangeSeverity, Party, diff};

fn pair_dir() -> PathBuf {
    support::workspace().join("tests/fixtures/api_diff")
}

fn load(name: &str, side: &str) -> Document {
    let path = pair_dir().join(format!("{name}.{side}.json"));
    Document::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn diff_pair(name: &str) -> ApiDiff {
    diff(&load(name, "old"), &load(name, "new"))
}

fn kind(c: &Change) -> String {
    serde_json::to_value(c.kind)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

use ChangeSeverity::{Breaking as B, NonBreaking as N};
use Party::{Client as C, Rust as R, Server as S};

/// One expected change: its kind, severity and who it breaks.
type Expected = (&'static str, ChangeSeverity, &'static [Party]);

/// (pair, [(kind, severity, who it breaks)]) — every change the pair must produce, per operation
/// that sees it (a schema used by two operations is reported for each).
#[rustfmt::skip]
const EXPECTED: &[(&str, &[Expected])] = &[
    ("operation_added", &[("operation_added", N, &[S])]),
    ("operation_removed", &[("operation_removed", B, &[C, R])]),
    ("operation_path_renamed", &[("operation_path_changed", B, &[C])]),
    ("operation_method_changed", &[("operation_method_changed", B, &[C])]),
    ("operation_id_changed", &[("operation_id_changed", N, &[R])]),
    ("operation_deprecated", &[("operation_deprecation_changed", N, &[])]),
    ("parameter_required_added", &[("parameter_added", B, &[C, R])]),
    ("parameter_optional_added", &[("parameter_added", N, &[])]),
    ("parameter_optional_header_added", &[("parameter_added", N, &[])]),
    ("parameter_removed", &[("parameter_removed", B, &[C, R])]),
    ("parameter_became_required", &[("parameter_required_changed", B, &[C, R])]),
    ("parameter_became_optional", &[("parameter_required_changed", N, &[S, R])]),
    ("parameter_location_changed", &[("parameter_location_changed", B, &[C, S])]),
    ("parameter_style_changed", &[("parameter_style_changed", B, &[C, S])]),
    ("parameter_maximum_narrowed", &[("constraint_changed", B, &[C])]),
    ("parameter_maximum_widened", &[("constraint_changed", N, &[S])]),
    ("request_property_required_added", &[("property_added", B, &[C, R])]),
    ("request_property_optional_added", &[("property_added", N, &[])]),
    ("request_property_removed", &[("property_removed", B, &[C, R])]),
    ("request_property_became_required", &[("property_required_changed", B, &[C, R])]),
    ("request_property_became_optional", &[("property_required_changed", N, &[S, R])]),
    ("response_property_added", &[("property_added", N, &[]), ("property_added", N, &[])]),
    ("response_property_required_added", &[("property_added", N, &[S, R]), ("property_added", N, &[S, R])]),
    ("response_property_removed", &[("property_removed", B, &[C, R]), ("property_removed", B, &[C, R])]),
    ("response_property_became_optional", &[("property_required_changed", B, &[C, R]), ("property_required_changed", B, &[C, R])]),
    ("response_property_became_required", &[("property_required_changed", N, &[S, R]), ("property_required_changed", N, &[S, R])]),
    ("request_type_changed", &[("type_changed", B, &[C, S, R])]),
    ("request_integer_widened_to_number", &[("type_changed", N, &[S, R])]),
    ("response_type_changed", &[("type_changed", B, &[C, S, R]), ("type_changed", B, &[C, S, R])]),
    ("request_format_added", &[("format_changed", B, &[C])]),
    ("request_nullable_added", &[("nullable_changed", N, &[S, R])]),
    ("response_nullable_added", &[("nullable_changed", B, &[C, R]), ("nullable_changed", B, &[C, R])]),
    ("request_enum_value_added", &[("enum_value_added", N, &[S])]),
    ("request_enum_value_removed", &[("enum_value_removed", B, &[C, R])]),
    ("response_enum_value_added", &[("enum_value_added", B, &[C]), ("enum_value_added", B, &[C])]),
    ("response_enum_value_removed", &[("enum_value_removed", N, &[S, R]), ("enum_value_removed", N, &[S, R])]),
    ("request_max_length_narrowed", &[("constraint_changed", B, &[C])]),
    ("request_max_length_widened", &[("constraint_changed", N, &[S])]),
    ("response_max_length_widened", &[("constraint_changed", B, &[C]), ("constraint_changed", B, &[C])]),
    ("response_max_length_narrowed", &[("constraint_changed", N, &[S]), ("constraint_changed", N, &[S])]),
    ("request_minimum_raised", &[("constraint_changed", B, &[C])]),
    ("request_minimum_lowered", &[("constraint_changed", N, &[S])]),
    ("request_exclusive_minimum_added", &[("constraint_changed", B, &[C])]),
    ("request_pattern_added", &[("constraint_changed", B, &[C])]),
    ("request_pattern_removed", &[("constraint_changed", N, &[S])]),
    ("request_min_items_added", &[("constraint_changed", B, &[C])]),
    ("request_max_items_widened", &[("constraint_changed", N, &[S])]),
    ("request_unique_items_added", &[("constraint_changed", B, &[C])]),
    ("request_additional_properties_forbidden", &[("additional_properties_changed", B, &[C])]),
    ("success_status_changed", &[("response_status_added", B, &[C]), ("response_status_removed", B, &[C, R])]),
    ("error_status_added", &[("response_status_added", N, &[])]),
    ("error_status_removed", &[("response_status_removed", N, &[R])]),
    ("request_body_required_added", &[("request_body_added", B, &[C, R])]),
    ("request_body_optional_added", &[("request_body_added", N, &[R])]),
    ("request_body_removed", &[("request_body_removed", B, &[C, R])]),
    ("response_media_type_removed", &[("media_type_changed", B, &[C])]),
    ("response_body_removed", &[("response_body_removed", B, &[C, R])]),
    ("security_added", &[("security_changed", B, &[C, R])]),
    ("security_removed", &[("security_changed", N, &[S, R])]),
    ("response_one_of_member_added", &[("composition_changed", B, &[C, R]), ("composition_changed", B, &[C, R])]),
    ("request_body_schema_renamed", &[("schema_reference_changed", N, &[R])]),
    ("same_meaning_in_openapi_3_1", &[]),
];

#[test]
fn every_fixture_pair_is_classified_as_pinned() {
    let mut failures = Vec::new();
    for (name, expected) in EXPECTED {
        let d = diff_pair(name);
        let got: Vec<(String, ChangeSeverity, Vec<Party>)> = d
            .changes
            .iter()
            .map(|c| (kind(c), c.severity, c.breaks.clone()))
            .collect();
        let want: Vec<(String, ChangeSeverity, Vec<Party>)> = expected
            .iter()
            .map(|(k, s, b)| ((*k).to_owned(), *s, b.to_vec()))
            .collect();
        if got != want {
            failures.push(format!("{name}:\n  want {want:?}\n  got  {got:?}"));
        }
        assert_eq!(
            d.is_breaking(),
            expected.iter().any(|(_, s, _)| *s == B),
            "{name}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_pair_has_an_expectation() {
    let mut names: Vec<String> = std::fs::read_dir(pair_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".old.json").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 30, "{} pairs", names.len());
    for name in &names {
        assert!(
            EXPECTED.iter().any(|(n, _)| n == name),
            "pair `{name}` has no expected classification"
        );
        assert!(
            pair_dir().join(format!("{name}.new.json")).exists(),
            "{name}"
        );
    }
}

#[test]
fn human_reports_of_the_fixture_pairs_are_pinned() {
    for (name, _) in EXPECTED {
        let report = diff_pair(name).render(false);
        insta::assert_snapshot!(format!("api_diff__{name}"), report);
    }
}

#[test]
fn every_change_names_a_pointer_that_exists_in_its_document() {
    for (name, _) in EXPECTED {
        for c in diff_pair(name).changes {
            let side = if c.in_old { "old" } else { "new" };
            let text =
                std::fs::read_to_string(pair_dir().join(format!("{name}.{side}.json"))).unwrap();
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(
                doc.pointer(&c.pointer).is_some(),
                "{name}: {} is not in the {side} document ({})",
                c.pointer,
                c.message
            );
        }
    }
}

#[test]
fn json_report_has_severity_pointer_operation_message_kind_and_breaks() {
    let d = diff_pair("request_property_required_added");
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    let first = &json[0];
    assert_eq!(first["severity"], "breaking");
    assert_eq!(
        first["pointer"],
        "/components/schemas/ItemIn/properties/color"
    );
    assert_eq!(first["operation"], "update-item");
    assert_eq!(first["kind"], "property_added");
    assert_eq!(first["breaks"], serde_json::json!(["client", "rust"]));
    assert!(first["message"].as_str().unwrap().contains("color"));
    let none = diff_pair("same_meaning_in_openapi_3_1");
    assert_eq!(none.to_json().trim(), "[]");
    assert_eq!(none.render(false), "no changes\n");
}

#[test]
fn identical_documents_have_no_changes() {
    let doc = Document::from_path(&support::workspace().join("openapi.json")).unwrap();
    assert!(diff(&doc, &doc).changes.is_empty());
}

#[test]
fn svix_2024_12_to_2026_08_is_summarized_by_kind_and_severity() {
    let specs = support::workspace().join("../shared/specs");
    let old = Document::from_path(&specs.join("svix-2024-12.json")).unwrap();
    let new = Document::from_path(&specs.join("svix-2026-08.json")).unwrap();
    let d = diff(&old, &new);
    let mut summary = String::new();
    for (key, n) in d.summary() {
        summary.push_str(&format!("{key}: {n}\n"));
    }
    summary.push_str(&format!(
        "total: {} ({} breaking)\n",
        d.changes.len(),
        d.breaking().count()
    ));
    insta::assert_snapshot!("api_diff__svix_2024_12_to_2026_08_summary", summary);
    // The reverse direction runs too, and every breaking change of one way is answered by a
    // change the other way.
    let back = diff(&new, &old);
    assert!(!back.changes.is_empty());
}
