//! Errors and diagnostics: every problem names where it is (a JSON pointer into the document and,
//! when there is one, the operationId) and what to do about it.

use std::fmt;
use std::path::PathBuf;

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Generation goes on; something was approximated (an error under `--strict`).
    Warning,
    /// Generation stops.
    Error,
}

/// What part of the operations a warning leaves out or generates less faithfully than the
/// document declares — what operation coverage counts ([`crate::OperationCoverage`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Degradation {
    /// A parameter is not sent or checked, or not as its style or schema says.
    Parameter,
    /// A request body media type is not generated.
    RequestBody,
    /// The client has no call for the operation.
    Operation,
    /// This component schema is generated as `serde_json::Value`: what uses it is untyped.
    UntypedSchema(String),
    /// A body travels as raw bytes with its content type (a media type the generator does not
    /// type, such as XML): sent and received, but not typed.
    RawBytes,
}

impl Degradation {
    /// A short label, the same for every instance of the kind (for reports).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Parameter => "parameter not generated as declared",
            Self::RequestBody => "request media type not generated",
            Self::Operation => "no client call",
            Self::UntypedSchema(_) => "uses a schema generated as serde_json::Value",
            Self::RawBytes => "body as raw bytes (media type not typed)",
        }
    }
}

/// One finding about the input document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// JSON pointer into the input document (`/paths/~1api~1v1/post/responses/200`).
    pub pointer: String,
    /// The operation the finding belongs to, if any.
    pub operation_id: Option<String>,
    /// What is wrong and what to do about it.
    pub message: String,
    /// What it leaves out of the generated operations, if anything.
    pub degrades: Option<Degradation>,
}

impl Diagnostic {
    /// An error at `pointer`.
    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            pointer: pointer.into(),
            operation_id: None,
            message: message.into(),
            degrades: None,
        }
    }

    /// A warning at `pointer`.
    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            pointer: pointer.into(),
            operation_id: None,
            message: message.into(),
            degrades: None,
        }
    }

    /// Marks what this finding leaves out of the generated operations.
    pub fn degrading(mut self, what: Degradation) -> Self {
        self.degrades = Some(what);
        self
    }

    /// Attaches the operation this finding belongs to.
    pub fn in_operation(mut self, operation_id: Option<&str>) -> Self {
        self.operation_id = operation_id.map(str::to_owned);
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{level}: {} (at {}",
            self.message,
            if self.pointer.is_empty() {
                "/"
            } else {
                &self.pointer
            }
        )?;
        if let Some(op) = &self.operation_id {
            write!(f, ", operation {op}")?;
        }
        f.write_str(")")
    }
}

/// Everything that can stop generation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The document could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The document is not valid JSON or YAML.
    #[error("{path} is not a valid {format} document: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// `JSON` or `YAML`.
        format: &'static str,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The document is readable but cannot be generated from.
    #[error("{} problem(s) in the document:\n{}", .0.len(), render(.0))]
    Invalid(Vec<Diagnostic>),
    /// A backend (progenitor, typify) refused or panicked on the normalized document.
    #[error("{stage} failed{}: {message}", operation.as_ref().map(|o| format!(" on operation {o}")).unwrap_or_default())]
    Backend {
        /// Which stage (`progenitor`, `typify`, `prettyplease`).
        stage: &'static str,
        /// The operation the backend was working on, when known.
        operation: Option<String>,
        /// What it said.
        message: String,
    },
    /// Writing or checking the output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("  {d}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Escapes one JSON-pointer segment (RFC 6901).
pub(crate) fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A URI fragment as a JSON pointer: percent-escapes decoded (`%7Bid%7D` → `{id}`).
pub(crate) fn decode_fragment(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = fragment.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| fragment.to_owned())
}

impl Error {
    /// A backend's refusal, not yet tied to an operation.
    pub(crate) fn backend(stage: &'static str, message: impl Into<String>) -> Self {
        Self::Backend {
            stage,
            operation: None,
            message: message.into(),
        }
    }

    /// Ties a backend error to the operation it was working on (other errors are unchanged).
    pub(crate) fn in_operation(self, id: &str) -> Self {
        match self {
            Self::Backend {
                stage,
                operation: None,
                message,
            } => Self::Backend {
                stage,
                operation: Some(id.to_owned()),
                message,
            },
            other => other,
        }
    }
}

/// Runs `f` as the progenitor stage and returns the error its panic became (a test hook).
#[doc(hidden)]
pub fn catch_backend_for_tests(f: impl FnOnce() + std::panic::UnwindSafe) -> Error {
    match catch_backend("progenitor", move || {
        f();
        Ok(())
    }) {
        Ok(()) => Error::backend("progenitor", "no panic"),
        Err(e) => e,
    }
}

thread_local! {
    /// Whether this thread is inside [`catch_backend`], whose panics are reported as errors.
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once per process, a panic hook that stays quiet for threads inside
/// [`catch_backend`] and hands every other panic to the hook that was there before. The hook is
/// never swapped while other threads run, so their panics are never lost.
fn install_quiet_hook() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic inside a backend into an [`Error::Backend`].
pub(crate) fn catch_backend<T>(
    stage: &'static str,
    f: impl FnOnce() -> Result<T> + std::panic::UnwindSafe,
) -> Result<T> {
    install_quiet_hook();
    let was_catching = CATCHING.with(|c| c.replace(true));
    let outcome = std::panic::catch_unwind(f);
    CATCHING.with(|c| c.set(was_catching));
    match outcome {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(Error::backend(stage, format!("panicked: {message}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::{Error, catch_backend};

    #[test]
    fn catching_a_backend_panic_keeps_other_threads_panics_reported() {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = Arc::clone(&seen);
        std::panic::set_hook(Box::new(move |info| {
            let text = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .unwrap_or_default();
            record.lock().unwrap_or_else(|e| e.into_inner()).push(text);
        }));
        let caught =
            std::thread::spawn(|| catch_backend::<()>("typify", || panic!("inside the backend")));
        let other = std::thread::spawn(|| panic!("elsewhere"));
        let caught = caught.join().expect("catch_backend returns");
        assert!(other.join().is_err());
        assert!(
            matches!(&caught, Err(Error::Backend { message, .. }) if message.contains("inside the backend"))
        );
        let seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert!(seen.contains(&"elsewhere".to_owned()), "{seen:?}");
        assert!(!seen.contains(&"inside the backend".to_owned()), "{seen:?}");
        let _ = std::panic::take_hook();
    }
}
