//! The facade's one error type, decided by status code (never by guessing from the body).

use std::fmt;

use svix_auth_models::{HttpErrorOut, HttpValidationError};

/// Everything a call can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A documented API error: `status` and its `HttpErrorOut` body.
    Api {
        /// HTTP status.
        status: u16,
        /// The error body.
        body: HttpErrorOut,
    },
    /// A validation error (422) with every problem found.
    Validation {
        /// HTTP status (422).
        status: u16,
        /// The `HTTPValidationError` body.
        body: HttpValidationError,
    },
    /// The request timed out (after every retry).
    Timeout(reqwest::Error),
    /// The request could not be sent or its answer not read (after every retry).
    Transport(reqwest::Error),
    /// A response whose body does not match what the document says for its status.
    UndecodableResponse {
        /// HTTP status, when known.
        status: Option<u16>,
        /// The raw body.
        body: String,
    },
    /// The request could not be built (for example a header value that is not valid).
    InvalidRequest(String),
}

impl Error {
    /// The HTTP status, for errors that come from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Validation { status, .. } => Some(*status),
            Error::UndecodableResponse { status, .. } => *status,
            Error::Timeout(e) | Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::InvalidRequest(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, body } => {
                write!(f, "HTTP {status} {}: {}", body.code, body.detail)
            }
            Error::Validation { status, body } => {
                write!(f, "HTTP {status} validation_error:")?;
                for d in &body.detail {
                    write!(f, " {} at {} ({});", d.msg, d.loc.join("."), d.type_)?;
                }
                Ok(())
            }
            Error::Timeout(e) => write!(f, "request timed out: {e}"),
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::UndecodableResponse { status, body } => {
                let status = status.map(|s| s.to_string()).unwrap_or_else(|| "?".into());
                let shown: String = body.chars().take(200).collect();
                write!(f, "HTTP {status}: undecodable response body: {shown}")
            }
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout(e) | Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}
