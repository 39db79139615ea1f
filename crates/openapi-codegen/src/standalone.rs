//! Manifests and `lib.rs` files that make `--out DIR` output a workspace that builds on its own.

use std::path::PathBuf;

use crate::write::{OutputFile, header};

/// Versions the generated code is written against (the same as this workspace's).
const DEPENDENCIES: &[(&str, &str)] = &[
    ("serde", r#"{ version = "1", features = ["derive"] }"#),
    ("serde_json", r#""1""#),
    (
        "chrono",
        r#"{ version = "0.4", default-features = false, features = ["serde", "clock", "std"] }"#,
    ),
    ("regress", r#""0.12""#),
    ("progenitor-client", r#""0.15.1""#),
    (
        "reqwest",
        r#"{ version = "0.13", default-features = false, features = ["json", "stream"] }"#,
    ),
];

fn dep(name: &str) -> String {
    let spec = DEPENDENCIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .unwrap_or(r#""*""#);
    format!("{name} = {spec}\n")
}

pub(crate) fn files(prefix: &str, command: &str) -> Vec<OutputFile> {
    let runtime_path = |name: &str| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(name);
        path.canonicalize().unwrap_or(path)
    };
    let runtime = runtime_path(crate::RUNTIME_CRATE);
    let client_runtime = runtime_path(crate::CLIENT_RUNTIME_CRATE);
    let models = format!("{prefix}-models");
    let client = format!("{prefix}-client");
    let server = format!("{prefix}-server");
    let toml_header = header(command, "#");
    let manifest = |name: &str, deps: String| OutputFile {
        path: PathBuf::from("crates").join(name).join("Cargo.toml"),
        contents: format!(
            "{toml_header}[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{deps}"
        ),
    };
    let lib = |name: &str, body: &str| OutputFile {
        path: PathBuf::from("crates").join(name).join("src/lib.rs"),
        contents: format!("{}{body}", header(command, "//")),
    };
    let models_dep = format!("{models} = {{ path = \"../{models}\" }}\n");
    vec![
        OutputFile {
            path: PathBuf::from("Cargo.toml"),
            contents: format!(
                "{toml_header}[workspace]\nresolver = \"3\"\nmembers = [\"crates/*\"]\n"
            ),
        },
        manifest(
            &models,
            ["serde", "serde_json", "chrono", "regress"]
                .map(dep)
                .concat(),
        ),
        manifest(
            &client,
            format!(
                "{}{models_dep}{} = {{ path = {:?} }}\n",
                [
                    "progenitor-client",
                    "reqwest",
                    "serde",
                    "serde_json",
                    "chrono",
                    "regress"
                ]
                .map(dep)
                .concat(),
                crate::CLIENT_RUNTIME_CRATE,
                client_runtime.display().to_string()
            ),
        ),
        manifest(
            &server,
            format!(
                "{models_dep}{} = {{ path = {:?} }}\n",
                crate::RUNTIME_CRATE,
                runtime.display().to_string()
            ),
        ),
        lib(
            &models,
            "//! Models generated from the OpenAPI document.\n\n#[rustfmt::skip]\nmod generated;\npub use generated::*;\n",
        ),
        lib(
            &client,
            "//! Client generated from the OpenAPI document: [`Client`] (the facade, one method per operation),\n//! the raw progenitor client in [`generated`], and error bodies typed by status in [`operations`].\n\n#[rustfmt::skip]\nmod facade;\n#[rustfmt::skip]\npub mod generated;\n#[rustfmt::skip]\npub mod operations;\npub use facade::*;\npub use svix_style_client_runtime::{Error, HttpErrorOut, HttpValidationError, RetryPolicy};\n",
        ),
        lib(
            &server,
            "//! Server trait and router generated from the OpenAPI document.\n\n#[rustfmt::skip]\nmod generated;\npub use generated::*;\npub use svix_style_server_runtime as runtime;\n",
        ),
    ]
}
