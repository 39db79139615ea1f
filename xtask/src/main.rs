//! `cargo xtask`: project automation. A thin CLI over the `openapi-codegen` library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use openapi_codegen::{FileStatus, Options, check_all, write_all};

/// The generator allocates and frees many small token trees and syntax nodes: mimalloc takes
/// a measurable share off every document's time (BENCHMARKS.md, "Code generation").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`; the Rust bindings leave it out).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc to keep the memory it frees instead of handing it back to the kernel after
/// 10 ms: a large document frees and reallocates gigabytes while it is searched and rendered,
/// and each page handed back was faulted in and zeroed again (a third of ghes-3.7's time went
/// to the kernel). The peak is the same; a process's memory returns to the system at its exit.
fn keep_freed_memory() {
    // SAFETY: `mi_option_set` only stores the option's value (`-1`: never purge).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

mod api_diff;
mod bench;
mod corpus;
mod mock;
mod test;
mod versus;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Project automation for the Svix authentication workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the models, client and server crates from the OpenAPI document.
    Codegen {
        /// Write nothing; fail with a diff when a generated file is out of date.
        #[arg(long)]
        check: bool,
        /// The document to generate from (default: `openapi.json` at the workspace root).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Generate a standalone workspace into DIR instead of this workspace's `crates/`.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Crate name prefix (default `svix-auth` here; with `--out`, the document's title as a
        /// slug, e.g. `twilio-api`).
        #[arg(long)]
        name: Option<String>,
        /// Treat warnings about the document as errors.
        #[arg(long)]
        strict: bool,
        /// Do not refresh the insta snapshots after generated code changed.
        #[arg(long)]
        no_snapshots: bool,
    },
    /// Serve a mock of any document: generate its crates and a mock server into
    /// target/mock/, build it (cached between runs) and run it. Every operation answers the
    /// document's examples or values synthesized from its schemas; `Prefer: code=…`,
    /// `example=…`, `dynamic=true` choose another answer.
    Mock {
        /// The document (JSON or YAML, one file or the root of many).
        #[arg(long)]
        spec: PathBuf,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:4010")]
        listen: String,
        /// The seed of synthesized answers (the same seed, the same answers).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Build only, and print the binary's path (run it with `--listen ADDR --seed N`).
        #[arg(long)]
        build_only: bool,
        /// Accept only this credential secret (bearer token, API key, Basic password); others
        /// get the operation's documented 401. Repeatable; without it any credential passes.
        #[arg(long, value_name = "SECRET")]
        credential: Vec<String>,
    },
    /// Follow the document's `$ref`s into other files and write it as one self-contained
    /// document (JSON).
    Bundle {
        /// The root file of the document.
        root: PathBuf,
        /// Where to write it (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// What changed between two OpenAPI documents, and who it breaks (exit 1 when a breaking
    /// change is not acknowledged in api-changes.toml, 2 on bad input).
    ApiDiff {
        /// The old document: a file, or `git:REV` for the repository's openapi.json at REV.
        old: String,
        /// The new document: a file, or `git:REV`.
        new: String,
        /// Print a JSON array instead of the human report.
        #[arg(long)]
        json: bool,
        /// Where `git:` revisions, relative paths and api-changes.toml are read (default: this
        /// workspace).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Generate (and optionally compile) real-world documents: the APIs.guru corpus.
    Corpus {
        /// The corpus directory (default: fetched with `npm pack` into target/corpus).
        #[arg(long, value_name = "DIR")]
        corpus: Option<PathBuf>,
        /// Only this many documents, chosen by a seeded shuffle.
        #[arg(long)]
        sample: Option<usize>,
        /// The seed of the sample.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// `cargo check` this many generated workspaces (seeded choice).
        #[arg(long, default_value_t = 0)]
        compile: usize,
        /// Documents generated in parallel.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// Where to write the JSON report (default target/corpus-report.json).
        #[arg(long)]
        report: Option<PathBuf>,
        /// Also run progenitor alone on each document (the comparison in GENERALITY.md).
        #[arg(long)]
        progenitor: bool,
        /// Exit 1 when fewer documents than this percentage generate.
        #[arg(long, value_name = "PERCENT")]
        min_generated: Option<f64>,
        /// Exit 1 when fewer compiled workspaces than this percentage build without warnings.
        #[arg(long, value_name = "PERCENT")]
        min_compiled: Option<f64>,
        /// Exit 1 when fewer operations of the generated documents than this percentage are
        /// generated whole (operation coverage).
        #[arg(long, value_name = "PERCENT")]
        min_coverage: Option<f64>,
        /// Compile with `cargo clippy` (its warnings count too) instead of `cargo check`.
        #[arg(long)]
        clippy: bool,
        /// Instead: time whole processes, ours (`codegen --spec D --out DIR`) against this
        /// `cargo-progenitor` executable, one document at a time (`cargo install
        /// cargo-progenitor --version 0.15.1`).
        #[arg(long, value_name = "CARGO_PROGENITOR")]
        versus_cli: Option<PathBuf>,
    },
    /// (Internal) generate the documents named on stdin, one per line, one JSON result per line
    /// on stdout: the worker process of `corpus`, which outlives a worker that crashes.
    #[command(hide = true)]
    CorpusWorker {
        /// The corpus's `api/` directory.
        #[arg(long, value_name = "DIR")]
        api_dir: PathBuf,
        /// Also run progenitor alone on each document.
        #[arg(long)]
        progenitor: bool,
    },
    /// Run every test: `cargo test --workspace`, then the reference server's suites again on
    /// PostgreSQL, with a throw-away PostgreSQL cluster started for them (unless
    /// SVIX_AUTH_TEST_POSTGRES names a server).
    Test {
        /// Passed to every `cargo test` after `--` (a test name filter, `--nocapture`, …).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Run a command with SVIX_AUTH_TEST_POSTGRES naming a throw-away PostgreSQL cluster
    /// started for it (and stopped after).
    WithPostgres {
        /// The command and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Measure generation time (in-process and as a whole process), peak memory, generated
    /// lines and (with `--cargo-check`) the check time of the generated crates, in a release
    /// build.
    Bench {
        /// Documents to measure (default: `openapi.json` and `../shared/specs/svix-2024-12.json`).
        specs: Vec<PathBuf>,
        /// Iterations per document for the in-process figures.
        #[arg(long, default_value_t = 30)]
        iterations: usize,
        /// Also time `cargo check` of each document's generated crates (dependencies built
        /// first; then the generated sources touched and checked again).
        #[arg(long)]
        cargo_check: bool,
    },
}

/// `xtask bundle`: the document at `root` in one file, warnings on stderr.
fn bundle(root: &Path, output: Option<&Path>) -> ExitCode {
    let bundle = match openapi_codegen::bundle(root) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    for w in &bundle.warnings {
        eprintln!("{w}");
    }
    let text = match serde_json::to_string_pretty(&bundle.document) {
        Ok(t) => t + "\n",
        Err(e) => {
            eprintln!("cannot write the bundle: {e}");
            return ExitCode::FAILURE;
        }
    };
    match output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!(
                    "bundled {} files into {}",
                    bundle.files.len(),
                    path.display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write {}: {e}", path.display());
                ExitCode::FAILURE
            }
        },
        None => {
            print!("{text}");
            ExitCode::SUCCESS
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen {
            check,
            spec,
            out,
            name,
            strict,
            no_snapshots,
        } => {
            let code = codegen(check, spec, out, name, strict, no_snapshots);
            bench::report_peak_memory();
            code
        }
        Command::Bundle { root, output } => bundle(&root, output.as_deref()),
        Command::Mock {
            spec,
            listen,
            seed,
            build_only,
            credential,
        } => mock::run(
            &workspace_root(),
            mock::Args {
                spec,
                listen,
                seed,
                build_only,
                credentials: credential,
            },
        ),
        Command::ApiDiff {
            old,
            new,
            json,
            root,
        } => api_diff::run(&old, &new, json, &root.unwrap_or_else(workspace_root)),
        Command::Corpus {
            corpus,
            sample,
            seed,
            compile,
            jobs,
            report,
            progenitor,
            min_generated,
            min_compiled,
            min_coverage,
            clippy,
            versus_cli,
        } => corpus::run(
            &workspace_root(),
            corpus::Args {
                corpus,
                sample,
                seed,
                compile,
                jobs,
                report,
                progenitor,
                min_generated,
                min_compiled,
                min_coverage,
                clippy,
                versus_cli,
            },
        ),
        Command::CorpusWorker {
            api_dir,
            progenitor,
        } => corpus::worker(&api_dir, progenitor),
        Command::Test { args } => test::run_all(&workspace_root(), &args),
        Command::WithPostgres { command } => test::with_postgres(&workspace_root(), &command),
        Command::Bench {
            specs,
            iterations,
            cargo_check,
        } => bench::run(&workspace_root(), specs, iterations, cargo_check),
    }
}

fn codegen(
    check: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
    name: Option<String>,
    strict: bool,
    no_snapshots: bool,
) -> ExitCode {
    let root = workspace_root();
    let in_repo = out.is_none();
    // The command as typed (printed when the output is out of date), and as the generated files'
    // header records it: an absolute path there would tie the output to this machine, so it
    // keeps only the last component of such a path.
    let command_with = |shown: &dyn Fn(&Path) -> String| {
        let mut command = String::from("cargo xtask codegen");
        if let Some(s) = &spec {
            command.push_str(&format!(" --spec {}", shown(s)));
        }
        if let Some(o) = &out {
            command.push_str(&format!(" --out {}", shown(o)));
        }
        if let Some(n) = &name {
            command.push_str(&format!(" --name {n}"));
        }
        command
    };
    let command = command_with(&|p| p.display().to_string());
    let recorded = command_with(&|p| {
        if p.is_absolute() {
            p.file_name()
                .map_or_else(|| ".".to_owned(), |f| f.to_string_lossy().into_owned())
        } else {
            p.display().to_string()
        }
    });
    let spec_is_default = spec.is_none();
    let spec_path = spec.unwrap_or_else(|| root.join("openapi.json"));
    let out_root = out.unwrap_or_else(|| root.clone());
    let document = match openapi_codegen::Document::from_path(&spec_path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let options = Options {
        crate_prefix: name.unwrap_or_else(|| {
            if in_repo {
                "svix-auth".into()
            } else {
                document.default_crate_prefix()
            }
        }),
        standalone: !in_repo,
        command: recorded,
        strict,
        ..Options::default()
    };
    let generated = match openapi_codegen::generate(&document, &options) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for w in &generated.warnings {
        eprintln!("{w}");
    }
    if check {
        if in_repo
            && spec_is_default
            && let Some(report) = api_diff::report_against_head(&root)
        {
            println!("API changes since HEAD (openapi.json):\n{report}");
        }
        let drift = check_all(&out_root, &generated.files);
        if drift.is_empty() {
            println!("{} generated files are up to date", generated.files.len());
            return ExitCode::SUCCESS;
        }
        for d in &drift {
            println!("{}", d.diff);
        }
        eprintln!(
            "error: {} generated file(s) are out of date; run `{command}` to update them",
            drift.len()
        );
        return ExitCode::FAILURE;
    }
    let statuses = match write_all(&out_root, &generated.files) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut changed = false;
    for (path, status) in &statuses {
        let word = match status {
            FileStatus::Created => "created  ",
            FileStatus::Updated => "updated  ",
            FileStatus::Unchanged => "unchanged",
        };
        changed |= *status != FileStatus::Unchanged;
        println!("{word} {}", out_root.join(path).display());
    }
    if changed && in_repo && !no_snapshots {
        println!("generated code changed: refreshing insta snapshots");
        let status =
            std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "test",
                    "--quiet",
                    "-p",
                    "openapi-codegen",
                    "--test",
                    "snapshots",
                ])
                .env("INSTA_UPDATE", "always")
                .current_dir(&root)
                .status();
        match status {
            Ok(s) if s.success() => {
                println!("snapshots refreshed; review them with `git diff` or `cargo insta review`")
            }
            _ => {
                eprintln!(
                    "error: refreshing snapshots failed; run `INSTA_UPDATE=always cargo test -p openapi-codegen --test snapshots`"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
