//! Every fixture's generated crates compile, and are clippy-clean, as one workspace sharing
//! this workspace's target directory and lock file (so nothing is downloaded or rebuilt twice);
//! then probe crates run what was generated: the server from `params.json` (parameter handling),
//! and the client and server from `security_schemes.json` calling each other with every scheme
//! kind (credentials sent, enforced and handed over), and from `bodies_beyond_json.json` with
//! every body kind (form, multipart, bytes, text, XML: encoded, decoded, validated, read back);
//! and every fixture's mock router is built and served (`corpus_path_segments_axum_cannot_take`:
//! requests reach the operation whose path template they fit; `corpus_property_names_collide`:
//! properties typify names alike keep fields of their own).

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
         serde_json = \"1\"\ntokio = { version = \"1\", features = [\"macros\", \"rt\", \"net\", \"io-util\", \"time\"] }\n",
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
    // Every fixture's mock router is built (routes axum refuses panic there), then requests.
    let mut mocks_dependencies = String::from(
        "openapi-server-runtime = { path = \"../../../runtime/openapi-server-runtime\", features = [\"mock\"] }\n\
         axum = { version = \"0.8\", default-features = false }\n\
         reqwest = { version = \"0.13\", default-features = false }\n\
         serde_json = \"1\"\n\
         quick-xml = \"0.42\"\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt\", \"net\", \"io-util\"] }\n",
    );
    let mut mocks_test = String::from(include_str!("probe/mocks_probe.rs"));
    mocks_test.push_str(include_str!("probe/mocks_xml_probe.rs"));
    mocks_test.push_str(include_str!("probe/mocks_fields_probe.rs"));
    mocks_dependencies.push_str(
        "fixture-corpus-property-names-collide-models = { path = \"../../../fixture-corpus-property-names-collide/crates/fixture-corpus-property-names-collide-models\" }\n",
    );
    for member in &members {
        let server = format!("{member}-server");
        mocks_dependencies.push_str(&format!(
            "{server} = {{ path = \"../../../{member}/crates/{server}\", features = [\"mock\"] }}\n"
        ));
        let krate = server.replace('-', "_");
        let test = member.replace('-', "_");
        mocks_test.push_str(&format!(
            "\n#[test]\nfn {test}_mock_router_builds() {{\n    let _ = {krate}::mock::router({krate}::mock::Mock::new());\n}}\n"
        ));
    }
    support::write_probe(
        &dir.join("probe"),
        "mocks-probe",
        &mocks_dependencies,
        &mocks_test,
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
            "-p",
            "mocks-probe",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
