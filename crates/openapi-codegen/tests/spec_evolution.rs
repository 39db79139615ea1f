//! Spec evolution: code written against the crates generated from today's `openapi.json` (the
//! reference server, every test and benchmark, the facade's policy) keeps compiling after
//! additive, non-breaking edits to the document are regenerated; a new operation is callable
//! through the facade after codegen alone, and makes server implementations fail to compile
//! until they implement it (reported, not hidden behind a default); so does a new required
//! response field (a new argument of the model's `new`), while clients keep compiling.
//!
//! Each test copies the workspace (tracked files) under the target directory, edits the copy's
//! `openapi.json`, regenerates it with the library as `cargo xtask codegen` does, and runs
//! `cargo check` there with the shared target directory. Slow, so `#[ignore]`d for the default
//! `cargo test`; `.ci/run` runs it with `--ignored`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// Copies the workspace's files (tracked, and new ones git does not ignore, as they are in the
/// working tree) into a fresh directory.
fn copy_workspace(name: &str) -> PathBuf {
    let root = support::workspace();
    let dir = support::temp_dir(name).join("ws");
    let listed = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .expect("git ls-files");
    assert!(listed.status.success(), "git ls-files failed");
    for file in listed.stdout.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(file).expect("UTF-8 path"));
        let from = root.join(rel);
        if !from.is_file() {
            continue;
        }
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(&from, &to).expect("copy");
    }
    // Cargo keys a path package's artifacts on its name, version and path relative to the
    // workspace, not on where the workspace is: without a version of its own, the copy would
    // reuse (and be judged by) this workspace's fingerprints. Registry dependencies are shared.
    let tag = name.replace(|c: char| !c.is_ascii_alphanumeric(), "");
    for manifest in listed_manifests(&dir) {
        let text = std::fs::read_to_string(&manifest).expect("manifest");
        std::fs::write(
            &manifest,
            text.replacen(
                "version = \"0.1.0\"",
                &format!("version = \"0.1.0-{tag}\""),
                1,
            ),
        )
        .expect("manifest");
    }
    dir
}

/// The manifests of the workspace's own packages in the copy.
fn listed_manifests(dir: &Path) -> Vec<PathBuf> {
    let mut manifests = vec![dir.join("xtask/Cargo.toml")];
    for entry in std::fs::read_dir(dir.join("crates")).expect("crates") {
        let path = entry.expect("entry").path().join("Cargo.toml");
        if path.exists() {
            manifests.push(path);
        }
    }
    manifests
}

fn edit_spec(ws: &Path, edit: impl FnOnce(&mut Value)) {
    let path = ws.join("openapi.json");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut doc);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

/// What `cargo xtask codegen` does to the in-repo crates, through the same library call.
fn regenerate(ws: &Path) {
    let generated = openapi_codegen::generate_from_path(
        &ws.join("openapi.json"),
        &openapi_codegen::Options::default(),
    )
    .unwrap_or_else(|e| panic!("the edited document does not generate: {e}"));
    openapi_codegen::write_all(ws, &generated.files).expect("write");
}

fn cargo_check(ws: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(["check", "--quiet", "--offline"])
        .args(args)
        .env("CARGO_TARGET_DIR", support::workspace().join("target"))
        .current_dir(ws)
        .output()
        .expect("cargo runs")
}

fn operation<'a>(doc: &'a mut Value, path: &str) -> &'a mut Value {
    &mut doc["paths"][path]["post"]
}

/// One additive edit of `openapi.json`.
type Edit = fn(&mut Value);

/// The additive, non-breaking edits a user makes, each on its own.
const ADDITIVE_EDITS: &[(&str, Edit)] = &[
    ("optional-nullable-request-field", |doc| {
        doc["components"]["schemas"]["CreateMessageTokenIn"]["properties"]["description"] =
            json!({"type": "string", "nullable": true, "description": "What the token is for."});
    }),
    ("optional-response-field", |doc| {
        doc["components"]["schemas"]["AuthTokenOut"]["properties"]["lastUsedAt"] =
            json!({"type": "string", "format": "date-time", "nullable": true});
    }),
    ("optional-query-parameter", |doc| {
        let op = operation(doc, "/api/v1/auth/app-portal-access/{app_id}");
        op["parameters"].as_array_mut().unwrap().push(json!({
            "name": "locale", "in": "query", "required": false,
            "schema": {"type": "string", "maxLength": 16}
        }));
    }),
    ("optional-header-parameter", |doc| {
        let op = operation(doc, "/api/v1/auth/logout");
        op["parameters"].as_array_mut().unwrap().push(json!({
            "name": "x-request-source", "in": "header", "required": false,
            "schema": {"type": "string"}
        }));
    }),
    ("new-error-status", |doc| {
        let op = operation(doc, "/api/v1/auth/app-portal-access/{app_id}");
        op["responses"]["503"] = json!({
            "description": "Try again later.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HttpErrorOut"}}}
        });
    }),
];

#[test]
#[ignore = "copies and checks the whole workspace once per edit (a minute or two); run by .ci/run"]
fn each_additive_edit_keeps_every_consumer_of_the_generated_crates_compiling() {
    let mut failures = Vec::new();
    for (name, edit) in ADDITIVE_EDITS {
        let ws = copy_workspace(&format!("spec-evolution-{name}"));
        edit_spec(&ws, edit);
        regenerate(&ws);
        let out = cargo_check(&ws, &["--workspace", "--all-targets"]);
        if !out.status.success() {
            failures.push(format!(
                "{name}: code written against the old crates no longer compiles:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let _ = std::fs::remove_dir_all(ws.parent().unwrap());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A required response field: additive for clients, a new obligation for servers (api-diff says
/// it breaks servers and Rust code that builds the model).
fn add_required_response_field(doc: &mut Value) {
    let out = &mut doc["components"]["schemas"]["AppPortalAccessOut"];
    out["properties"]["expiresIn"] =
        json!({"type": "integer", "format": "int64", "description": "Seconds the session lasts."});
    out["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("expiresIn"));
}

#[test]
#[ignore = "copies and checks the workspace twice (a minute); run by .ci/run"]
fn a_required_response_field_keeps_clients_compiling_and_tells_the_server_what_to_send() {
    let ws = copy_workspace("spec-evolution-required-response-field");
    edit_spec(&ws, add_required_response_field);
    regenerate(&ws);
    // The client library (its tests run against the reference server, a dev-dependency).
    let clients = cargo_check(&ws, &["-p", "svix-auth-client", "--lib"]);
    assert!(
        clients.status.success(),
        "code reading the model no longer compiles:\n{}",
        String::from_utf8_lossy(&clients.stderr)
    );
    // The server builds the model with `new`, whose arguments are the required fields: the
    // compiler names the one the document added instead of a 500 at run time.
    let server = cargo_check(&ws, &["-p", "svix-auth-reference-server", "--lib"]);
    let stderr = String::from_utf8_lossy(&server.stderr);
    assert!(
        !server.status.success(),
        "the server compiled without sending the new field"
    );
    assert!(
        stderr.contains("AppPortalAccessOut::new") || stderr.contains("expires_in"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(ws.parent().unwrap());
}

#[test]
#[ignore = "copies and checks the whole workspace (half a minute); run by .ci/run"]
fn control_a_breaking_edit_does_fail_to_compile_so_the_check_above_means_something() {
    let ws = copy_workspace("spec-evolution-control");
    edit_spec(&ws, |doc| {
        // Renaming a response field breaks clients and the code that reads or builds it.
        let out = &mut doc["components"]["schemas"]["OneTimeTokenOut"];
        let token = out["properties"]["token"].take();
        out["properties"].as_object_mut().unwrap().remove("token");
        out["properties"]["sessionToken"] = token;
        out["required"] = json!(["sessionToken"]);
    });
    regenerate(&ws);
    let out = cargo_check(&ws, &["--workspace", "--all-targets"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a renamed response field still compiled"
    );
    assert!(stderr.contains("token"), "{stderr}");
}

#[test]
#[ignore = "copies and checks the client crate (a minute); run by .ci/run"]
fn a_new_operation_is_callable_through_the_facade_and_servers_must_implement_it() {
    let ws = copy_workspace("spec-evolution-new-operation");
    edit_spec(&ws, |doc| {
        let paths = doc["paths"].as_object_mut().unwrap();
        paths.insert(
            "/api/v1/auth/app/{app_id}/token-count".into(),
            json!({"post": {
                "operationId": "v1.authentication.token-count",
                "summary": "Count live tokens",
                "security": [{"HTTPBearer": []}],
                "parameters": [
                    {"name": "app_id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "kind", "in": "query", "required": false, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {"description": "The count.", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["count"],
                        "properties": {"count": {"type": "integer", "format": "int64"}}}}}},
                    "401": {"description": "Bad credential.", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/HttpErrorOut"}}}}
                }
            }}),
        );
    });
    regenerate(&ws);
    // A consumer crate of the client alone (the client's own dev-dependencies include the
    // reference server, which cannot compile until it implements the new method).
    let consumer = ws.join("crates/token-count-consumer");
    std::fs::create_dir_all(consumer.join("src")).unwrap();
    std::fs::write(
        consumer.join("Cargo.toml"),
        "[package]\nname = \"token-count-consumer\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nsvix-auth-client.workspace = true\ntokio.workspace = true\n",
    )
    .unwrap();
    std::fs::write(
        consumer.join("src/main.rs"),
        r#"//! Calls the operation added to the document, through the facade.
use svix_auth_client::{Client, TokenCountOptions};

#[tokio::main]
async fn main() -> Result<(), svix_auth_client::Error> {
    let client = Client::builder("sk_admin").server_url("http://127.0.0.1:9").build()?;
    let counted = client
        .token_count("app_1", Some(TokenCountOptions::default().kind("message")))
        .await?;
    println!("{}", counted.count);
    Ok(())
}
"#,
    )
    .unwrap();
    let client = cargo_check(&ws, &["-p", "token-count-consumer"]);
    assert!(
        client.status.success(),
        "the new operation is not callable through the facade:\n{}",
        String::from_utf8_lossy(&client.stderr)
    );
    // The server trait gained a method: implementations are told, not silently defaulted.
    let server = cargo_check(&ws, &["-p", "svix-auth-reference-server"]);
    let stderr = String::from_utf8_lossy(&server.stderr);
    assert!(
        !server.status.success(),
        "the reference server compiled without the new method"
    );
    assert!(
        stderr.contains("E0046") && stderr.contains("v1_authentication_token_count"),
        "{stderr}"
    );
}

#[test]
fn a_new_operation_appears_in_the_facade_of_out_output_too() {
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string(support::workspace().join("tests/fixtures/params.json")).unwrap(),
    )
    .unwrap();
    let standalone = |doc: &Value| {
        let document = openapi_codegen::Document::from_text(&doc.to_string(), false).unwrap();
        let options = openapi_codegen::Options {
            crate_prefix: "api".into(),
            standalone: true,
            ..Default::default()
        };
        let generated = openapi_codegen::generate(&document, &options).unwrap();
        generated
            .files
            .into_iter()
            .find(|f| f.path == Path::new("crates/api-client/src/facade.rs"))
            .expect("the standalone client has a facade")
            .contents
    };
    let before = standalone(&doc);
    assert!(!before.contains("pub async fn ping("));
    doc["paths"]["/ping"] = json!({"get": {
        "operationId": "ping",
        "responses": {"204": {"description": "alive"}}
    }});
    let after = standalone(&doc);
    assert!(after.contains("pub async fn ping("), "{after}");
    assert!(after.contains("pub struct PingOptions"), "{after}");
}
