//! A binary crate serving a document's mock (what `cargo xtask mock` builds and runs): a
//! standalone workspace of the document's crates plus `<prefix>-mock-server`, whose `main`
//! serves `<prefix>_server::mock` on `--listen ADDR` with `--seed N`, logging a line per request.

use std::path::{Path, PathBuf};

use crate::document::Document;
use crate::error::Result;
use crate::standalone::{Runtime, pinned_dependency};
use crate::write::{OutputFile, header};
use crate::{Generated, Options, generate};

/// The name of the binary (and its crate) for crate prefix `prefix`.
pub fn mock_server_name(prefix: &str) -> String {
    format!("{prefix}-mock-server")
}

/// Generates the crates of `document` as a standalone workspace (runtime crates at `runtime`)
/// with a `<prefix>-mock-server` binary crate serving its mock.
pub fn generate_mock_server(
    document: &Document,
    prefix: &str,
    command: &str,
    runtime: &Path,
) -> Result<Generated> {
    let options = Options {
        crate_prefix: prefix.to_owned(),
        standalone: true,
        command: command.to_owned(),
        strict: false,
        runtime: Runtime::At(runtime.to_owned()),
    };
    let mut generated = generate(document, &options)?;
    generated
        .files
        .extend(binary_crate(prefix, command, runtime, &document.api.title)?);
    Ok(generated)
}

/// The manifest and `main.rs` of the binary crate.
fn binary_crate(
    prefix: &str,
    command: &str,
    runtime: &Path,
    title: &str,
) -> Result<Vec<OutputFile>> {
    let name = mock_server_name(prefix);
    let dir = PathBuf::from("crates").join(&name);
    let server = format!("{prefix}-server");
    let server_ident = server.replace('-', "_");
    let runtime_crate = runtime.join(crate::RUNTIME_CRATE);
    // tokio and tracing-subscriber as this workspace pins them (the features `main` needs).
    let pinned = format!(
        "{}{}",
        pinned_dependency("tokio")?,
        pinned_dependency("tracing-subscriber")?
    );
    let manifest = format!(
        "{}[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{server} = {{ path = \"../{server}\", features = [\"mock\"] }}\n{} = {{ path = {:?}, features = [\"mock\"] }}\n{pinned}",
        header(command, "#"),
        crate::RUNTIME_CRATE,
        runtime_crate.display().to_string(),
    );
    let runtime_ident = crate::RUNTIME_CRATE.replace('-', "_");
    let title = format!("{title:?}");
    let main = format!(
        r#"{header}//! Serves the mock of {title}: `{name} [--listen ADDR] [--seed N] [--credential SECRET]...`.

use std::process::ExitCode;

const USAGE: &str = "usage: {name} [--listen ADDR] [--seed N] [--credential SECRET]...";

fn main() -> ExitCode {{
    let mut listen = String::from("127.0.0.1:4010");
    let mut seed = 0u64;
    let mut credentials = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {{
        match (arg.as_str(), args.next()) {{
            ("--listen", Some(value)) => listen = value,
            ("--credential", Some(value)) => credentials.push(value),
            ("--seed", Some(value)) => match value.parse() {{
                Ok(n) => seed = n,
                Err(_) => {{
                    eprintln!("--seed takes a number, not `{{value}}`\n{{USAGE}}");
                    return ExitCode::from(2);
                }}
            }},
            _ => {{
                eprintln!("{{USAGE}}");
                return ExitCode::from(2);
            }}
        }}
    }}
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("mock=info")),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {{
        Ok(runtime) => runtime,
        Err(e) => {{
            eprintln!("cannot start the async runtime: {{e}}");
            return ExitCode::FAILURE;
        }}
    }};
    let mut mock = {server_ident}::mock::Mock::with_seed(seed);
    if !credentials.is_empty() {{
        mock = mock.with_credentials(credentials);
    }}
    let router = {server_ident}::mock::router(mock);
    match runtime.block_on({runtime_ident}::mock::run(router, &listen, {title})) {{
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {{
            eprintln!("the mock cannot serve on {{listen}}: {{e}}");
            ExitCode::FAILURE
        }}
    }}
}}
"#,
        header = header(command, "//"),
    );
    Ok(vec![
        OutputFile {
            path: dir.join("Cargo.toml"),
            contents: manifest,
        },
        OutputFile {
            path: dir.join("src/main.rs"),
            contents: main,
        },
    ])
}
