//! Every fixture's generated crates compile, and are clippy-clean, as one workspace sharing
//! this workspace's target directory and lock file (so nothing is downloaded or rebuilt twice);
//! then probe crates run what was generated: the server from `params.json` (parameter handling),
//! and the client and server from `security_schemes.json` calling each other with every scheme
//! kind (credentials sent, enforced and handed over), and from `bodies_beyond_json.json` with
//! every body kind (form, multipart, bytes, text, XML: encoded, decoded, validated, read back).

mod support;

#[test]
fn every_fixture_generates_crates_that_compile_without_warnings() {
    let dir = support::temp_dir("fixtures-compile");
    let mut members = Vec::new();
    for path in support::fixtures() {
        let stem = support::fixture_name(&path).replace('_', "-");
        let prefix = format!("fixture-{stem}");
        support::generate_member(&dir, &path, &prefix);
        members.push(prefix);
    }
    support::clippy_clean(&dir, &members);

    // The probes: test crates beside the fixtures, run with `cargo test`.
    support::write_probe(
        &dir.join("probe"),
        "params-probe",
        "fixture-params-server = { path = \"../../../fixture-params/crates/fixture-params-server\" }\n\
         fixture-params-client = { path = \"../../../fixture-params/crates/fixture-params-client\" }\n\
         fixture-params-models = { path = \"../../../fixture-params/crates/fixture-params-models\" }\n\
         openapi-server-runtime = { path = \"../../../runtime/openapi-server-runtime\" }\n\
         serde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt\", \"net\", \"io-util\"] }\n",
        include_str!("probe/params_probe.rs"),
    );
    support::write_probe(
        &dir.join("probe"),
        "security-probe",
        "fixture-security-schemes-server = { path = \"../../../fixture-security-schemes/crates/fixture-security-schemes-server\" }\n\
         fixture-security-schemes-client = { path = \"../../../fixture-security-schemes/crates/fixture-security-schemes-client\" }\n\
         fixture-security-schemes-models = { path = \"../../../fixture-security-schemes/crates/fixture-security-schemes-models\" }\n\
         openapi-server-runtime = { path = \"../../../runtime/openapi-server-runtime\" }\n\
         openapi-client-runtime = { path = \"../../../runtime/openapi-client-runtime\" }\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt\", \"net\", \"io-util\", \"time\"] }\n",
        include_str!("probe/security_probe.rs"),
    );
    support::write_probe(
        &dir.join("probe"),
        "bodies-probe",
        "fixture-bodies-beyond-json-server = { path = \"../../../fixture-bodies-beyond-json/crates/fixture-bodies-beyond-json-server\" }\n\
         fixture-bodies-beyond-json-client = { path = \"../../../fixture-bodies-beyond-json/crates/fixture-bodies-beyond-json-client\" }\n\
         fixture-bodies-beyond-json-models = { path = \"../../../fixture-bodies-beyond-json/crates/fixture-bodies-beyond-json-models\" }\n\
         openapi-server-runtime = { path = \"../../../runtime/openapi-server-runtime\" }\n\
         openapi-client-runtime = { path = \"../../../runtime/openapi-client-runtime\" }\n\
         futures-util = { version = \"0.3\", default-features = false }\n\
         serde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt\", \"net\", \"io-util\", \"time\"] }\n",
        include_str!("probe/bodies_probe.rs"),
    );
    members.push("probe".into());
    support::cargo_in(
        &dir,
        &members,
        &[
            "test",
            "--quiet",
            "--offline",
            "-p",
            "params-probe",
            "-p",
            "security-probe",
            "-p",
            "bodies-probe",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
