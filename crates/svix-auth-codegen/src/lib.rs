//! `svix-auth-codegen`: an OpenAPI-first generator of a models crate (typify), a client crate
//! (progenitor) and an axum server-trait crate (our own quote/syn/prettyplease templates).
//!
//! The pipeline is one module per concern: [`load`] → [`normalize`] → [`models`] →
//! [`client`] / [`server`] → [`write`]. `cargo xtask codegen` is a thin CLI over [`generate`].

pub mod client;
pub mod error;
pub mod load;
pub mod models;
mod names;
pub mod normalize;
pub mod server;
pub mod write;

use std::path::{Path, PathBuf};

pub use error::{Diagnostic, Error, Result, Severity};
pub use write::{Drift, FileStatus, OutputFile};

/// Name of the hand-written runtime crate generated servers use.
pub const RUNTIME_CRATE: &str = "svix-auth-server-runtime";

/// How to lay out the generated crates.
#[derive(Debug, Clone)]
pub struct Options {
    /// Crate name prefix: crates are `<prefix>-models`, `<prefix>-client`, `<prefix>-server`.
    pub crate_prefix: String,
    /// Also write `Cargo.toml`s, `lib.rs`s and a workspace manifest, so the output builds on its
    /// own (for `--out DIR`). In-repo crates keep their hand-written manifests and `lib.rs`.
    pub standalone: bool,
    /// The command named in every `@generated` header.
    pub command: String,
    /// Treat warnings as errors.
    pub strict: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            crate_prefix: "svix-auth".into(),
            standalone: false,
            command: "cargo xtask codegen".into(),
            strict: false,
        }
    }
}

/// The generator's output: files relative to the output root, and warnings.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Every generated file.
    pub files: Vec<OutputFile>,
    /// Findings that did not stop generation (with `strict`, there are none: they are errors).
    pub warnings: Vec<Diagnostic>,
}

/// Generates the crates for the document at `spec`.
pub fn generate_from_path(spec: &Path, options: &Options) -> Result<Generated> {
    let loaded = load::load_file(spec)?;
    generate(&loaded, options)
}

/// Generates the crates for a loaded document.
pub fn generate(loaded: &load::Loaded, options: &Options) -> Result<Generated> {
    let api = normalize::normalize(loaded)?;
    let mut warnings = api.warnings.clone();
    let models_crate = format!("{}-models", options.crate_prefix);
    let client_crate = format!("{}-client", options.crate_prefix);
    let server_crate = format!("{}-server", options.crate_prefix);
    let models_ident = models_crate.replace('-', "_");

    let models = models::Models::build(&api)?;
    let client = client::generate(&api, &models, &models_ident)?;
    let (server, server_warnings) = server::generate(
        &api,
        &models,
        &models_ident,
        &RUNTIME_CRATE.replace('-', "_"),
    );
    warnings.extend(server_warnings);
    if options.strict && !warnings.is_empty() {
        let errors = warnings.into_iter().map(|mut d| {
            d.severity = Severity::Error;
            d
        });
        return Err(Error::Invalid(errors.collect()));
    }

    let cmd = &options.command;
    let crate_dir = |name: &str| PathBuf::from("crates").join(name);
    let mut files = vec![
        OutputFile {
            path: crate_dir(&models_crate).join("src/generated.rs"),
            contents: write::format_rust(models_module(models.tokens()), cmd, "models")?,
        },
        OutputFile {
            path: crate_dir(&client_crate).join("src/generated.rs"),
            contents: write::format_rust(client.progenitor, cmd, "client")?,
        },
        OutputFile {
            path: crate_dir(&client_crate).join("src/operations.rs"),
            contents: write::format_rust(client.operations, cmd, "operation table")?,
        },
        OutputFile {
            path: crate_dir(&server_crate).join("src/generated.rs"),
            contents: write::format_rust(server, cmd, "server")?,
        },
    ];
    if options.standalone {
        files.extend(standalone::files(&options.crate_prefix, cmd));
    }
    Ok(Generated { files, warnings })
}

mod standalone;

/// typify's output, with the lints it is known to trip on real documents allowed.
fn models_module(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    quote::quote! {
        #![allow(clippy::derivable_impls, clippy::large_enum_variant)]
        #tokens
    }
}
