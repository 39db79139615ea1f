//! A generator of Rust crates from any OpenAPI 3.0/3.1 document: a models crate (typify), a
//! client crate (progenitor, plus our operation table) and an axum server-trait crate (our
//! quote/prettyplease templates) whose runtime answers failures in Svix's error shapes.
//!
//! The pipeline runs once, top to bottom: `load` → `normalize` → typed IR (`ir`) → backends
//! (`models`, `client`, `server`) → `write`. See `ARCHITECTURE.md` at the workspace root.
//! `cargo xtask codegen` is a thin CLI over [`generate`]; tests call the same functions.

mod client;
mod coverage;
pub mod diff;
mod document;
mod error;
mod ir;
mod load;
#[path = "../../openapi-server-runtime/src/media.rs"]
#[allow(dead_code)] // `media_matches` is the runtime's half of the rule
mod media;
mod mock_server;
mod models;
mod naming;
mod normalize;
mod server;
mod standalone;
mod status;
mod summary;
mod tokens;
mod write;

use std::path::{Path, PathBuf};

pub use coverage::{OperationCoverage, UncoveredOperation};
pub use document::{Document, SecurityCoverage};
#[doc(hidden)]
pub use error::catch_backend_for_tests;
pub use error::{Degradation, Diagnostic, Error, Result, Severity};
pub use mock_server::{generate_mock_server, mock_server_name};
pub use standalone::{Runtime, runtime_crates};
pub use summary::{CredentialPlace, CredentialUse, OperationSummary};
pub use write::{Drift, FileStatus, OutputFile, check_all, write_all};

/// Name of the hand-written runtime crate generated servers use.
pub const RUNTIME_CRATE: &str = "openapi-server-runtime";

/// Name of the hand-written runtime crate generated client facades use.
pub const CLIENT_RUNTIME_CRATE: &str = "openapi-client-runtime";

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
    /// With `standalone`: where the runtime crates come from (default: copied into the output).
    pub runtime: Runtime,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            crate_prefix: "svix-auth".into(),
            standalone: false,
            command: "cargo xtask codegen".into(),
            strict: false,
            runtime: Runtime::Embedded,
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

/// A document spanning several files, bundled into one.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The self-contained document (the root unchanged when it refers to no other file).
    pub document: serde_json::Value,
    /// Every file read, root first.
    pub files: Vec<PathBuf>,
    /// Findings (schemas renamed because their names collide).
    pub warnings: Vec<Diagnostic>,
}

/// Follows the `$ref`s of the document at `root` into other files and bundles it into one
/// document (what `cargo xtask bundle` writes; generation reads the same bundle).
pub fn bundle(root: &Path) -> Result<Bundle> {
    let loaded = load::load_file(root)?;
    Ok(Bundle {
        document: loaded.document,
        files: loaded.files,
        warnings: loaded.warnings,
    })
}

/// Generates the crates for the document at `spec`.
pub fn generate_from_path(spec: &Path, options: &Options) -> Result<Generated> {
    generate(&Document::from_path(spec)?, options)
}

/// Generates the crates for a loaded document.
pub fn generate(document: &Document, options: &Options) -> Result<Generated> {
    let api = &document.api;
    let mut warnings = api.warnings.clone();
    let models_crate = format!("{}-models", options.crate_prefix);
    let client_crate = format!("{}-client", options.crate_prefix);
    let server_crate = format!("{}-server", options.crate_prefix);
    let models_ident = models_crate.replace('-', "_");

    let mut models = models::Models::build(api)?;
    let mut model_warnings = models.warnings.clone();
    document.locate(&mut model_warnings);
    warnings.extend(model_warnings);
    let cmd = &options.command;
    let runtime_ident = RUNTIME_CRATE.replace('-', "_");
    // Client, server and models are independent once the models exist: generate and format them
    // on separate threads (each thread formats its own tokens, which cannot cross threads).
    // typify's tokens become a syntax tree here, and are freed, before the other crates are
    // generated beside it.
    let models_file = models.take_file();
    let (client, server, models_text) = std::thread::scope(|scope| {
        let client = spawn(scope, || -> Result<ClientText> {
            let client_runtime = CLIENT_RUNTIME_CRATE.replace('-', "_");
            let code = client::generate(api, &models.names, &models_ident, &client_runtime)?;
            Ok(ClientText {
                client: write::format_rust_with(
                    document_lints(code.progenitor),
                    code.progenitor_prelude,
                    cmd,
                    "client",
                )?,
                operations: write::format_rust(
                    document_lints(code.operations),
                    cmd,
                    "operation table",
                )?,
                facade: write::format_rust(document_lints(code.facade), cmd, "client facade")?,
                warnings: code.warnings,
            })
        });
        let server = spawn(scope, || -> Result<ServerTexts> {
            let code = server::generate(api, &models.names, &models_ident, &runtime_ident, cmd);
            Ok((
                write::format_rust(document_lints(code.tokens), cmd, "server")?,
                code.mock_answers,
                code.error_shapes,
                code.warnings,
            ))
        });
        // The models go from typify's tokens to text through one parse (they are most of a
        // large document's code).
        let models_text = models_file.and_then(|(file, prelude)| {
            let lints = document_lints(models_module(proc_macro2::TokenStream::new()));
            write::format_file(file, lints, prelude, cmd, "models")
        });
        (
            joined(client, "client"),
            joined(server, "server"),
            models_text,
        )
    });
    let mut client = client?;
    let (server_text, mock_answers, error_shapes, mut server_warnings) = server?;
    document.locate(&mut client.warnings);
    document.locate(&mut server_warnings);
    warnings.extend(client.warnings);
    warnings.extend(server_warnings);
    if options.strict && !warnings.is_empty() {
        let errors = warnings.into_iter().map(|mut d| {
            d.severity = Severity::Error;
            d
        });
        return Err(Error::Invalid(errors.collect()));
    }

    let crate_dir = |name: &str| PathBuf::from("crates").join(name);
    let mut files = vec![
        OutputFile {
            path: crate_dir(&models_crate).join("src/generated.rs"),
            contents: models_text?,
        },
        OutputFile {
            path: crate_dir(&client_crate).join("src/generated.rs"),
            contents: client.client,
        },
        OutputFile {
            path: crate_dir(&client_crate).join("src/operations.rs"),
            contents: client.operations,
        },
        OutputFile {
            path: crate_dir(&server_crate).join("src/generated.rs"),
            contents: server_text,
        },
        OutputFile {
            path: crate_dir(&server_crate).join("src/mock.json"),
            contents: mock_answers,
        },
        OutputFile {
            path: crate_dir(&server_crate).join("src/errors.json"),
            contents: error_shapes,
        },
    ];
    files.push(OutputFile {
        path: crate_dir(&client_crate).join("src/facade.rs"),
        contents: client.facade,
    });
    if options.standalone {
        let extra = standalone::files(&options.crate_prefix, cmd, &options.runtime, &files)?;
        files.extend(extra);
    }
    Ok(Generated { files, warnings })
}

/// progenitor 0.15 alone on the document as written (no normalization, its own types), the
/// client formatted: the baseline `cargo xtask corpus --progenitor` compares with. Panics are
/// caught and reported as errors.
#[doc(hidden)]
pub fn progenitor_alone(spec: &Path) -> Result<String> {
    let text = std::fs::read_to_string(spec).map_err(|source| Error::Read {
        path: spec.to_owned(),
        source,
    })?;
    let openapi: openapiv3::OpenAPI = serde_json::from_str(&text)
        .or_else(|_| serde_yaml_ng::from_str(&text))
        .map_err(|e: serde_yaml_ng::Error| Error::backend("openapiv3", e.to_string()))?;
    let tokens = error::catch_backend("progenitor", move || {
        let settings = progenitor_impl::GenerationSettings::new();
        progenitor_impl::Generator::new(&settings)
            .generate_tokens(&openapi)
            .map_err(|e| Error::backend("progenitor", e.to_string()))
    })?;
    let formatted = error::catch_backend("prettyplease", move || {
        write::format_rust(tokens, "progenitor", "client")
    })?;
    Ok(formatted)
}

/// The client crate's generated files, formatted.
struct ClientText {
    client: String,
    operations: String,
    facade: String,
    warnings: Vec<Diagnostic>,
}

/// Stack of the generation threads: backends and formatting recurse as deep as the document
/// nests, and real documents nest deeply.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// Spawns a generation thread with a deep stack.
/// The server's texts: its code, `mock.json`, `errors.json`, and its warnings.
type ServerTexts = (String, String, String, Vec<Diagnostic>);

fn spawn<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() -> Result<T> + Send + 'scope,
) -> std::io::Result<std::thread::ScopedJoinHandle<'scope, Result<T>>> {
    std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn_scoped(scope, f)
}

/// Joins a generation thread; a panic in it becomes an error naming the stage.
fn joined<T>(
    handle: std::io::Result<std::thread::ScopedJoinHandle<'_, Result<T>>>,
    stage: &'static str,
) -> Result<T> {
    match handle {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err(Error::backend(stage, "panicked"))),
        Err(e) => Err(Error::backend(stage, format!("cannot start a thread: {e}"))),
    }
}

/// A generated module, with the lints that real-world documents make generated code trip
/// allowed: documentation written for people, not rustdoc (`doc_lazy_continuation`,
/// `doc_overindented_list_items`, `empty_docs`, `tabs_in_doc_comments`), operations with many
/// parameters (`too_many_arguments`), bounds the type already guarantees (`minimum: 0` on an
/// unsigned value: `absurd_extreme_comparisons`, `unused_comparisons`, `len_zero` for
/// `minItems: 1`), operation names like `next` (`should_implement_trait`), names kept as the
/// document spells them (`non_camel_case_types`) and backend idioms (`match_single_binding`).
/// `unknown_lints`: older toolchains lack some of them.
fn document_lints(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    quote::quote! {
        #![allow(
            unknown_lints,
            unused_comparisons,
            non_camel_case_types,
            clippy::len_zero,
            clippy::should_implement_trait,
            clippy::too_many_arguments,
            clippy::match_single_binding,
            clippy::doc_lazy_continuation,
            clippy::doc_overindented_list_items,
            clippy::empty_docs,
            clippy::tabs_in_doc_comments,
            clippy::absurd_extreme_comparisons
        )]
        #tokens
    }
}

/// typify's output, with the lints it is known to trip on real documents allowed.
fn models_module(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    quote::quote! {
        // `dead_code`: typify writes a helper per default value, some of which no type uses.
        #![allow(clippy::derivable_impls, clippy::large_enum_variant, clippy::new_without_default, dead_code)]
        #tokens
    }
}
