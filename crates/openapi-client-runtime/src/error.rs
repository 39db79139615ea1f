//! The one error type of a call, and the Svix-style error bodies it carries.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An API error body: `{"code": …, "detail": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpErrorOut {
    /// A machine-readable code (`not_found`, `authentication_failed`, …).
    pub code: String,
    /// A sentence for people.
    pub detail: String,
}

/// One problem of a request that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    /// Where: `["body", "expiry"]`.
    pub loc: Vec<String>,
    /// What.
    pub msg: String,
    /// Its kind (`value_error.missing`, …).
    #[serde(rename = "type")]
    pub type_: String,
}

/// A validation error body (422): every problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpValidationError {
    /// The problems.
    pub detail: Vec<ValidationError>,
}

/// Everything a call can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An API error: `status` and its `{"code","detail"}` body (any status whose body has it).
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
    /// A response whose body is neither what the document promises nor an error body.
    UndecodableResponse {
        /// HTTP status, when known.
        status: Option<u16>,
        /// The raw body.
        body: String,
    },
    /// The request could not be built (for example a header value that is not valid).
    InvalidRequest(String),
    /// The operation requires credentials the client was not configured with; nothing was
    /// sent. The message names the schemes and their builder methods, never a secret.
    MissingCredentials(String),
}

impl Error {
    /// The HTTP status, for errors that come from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Validation { status, .. } => Some(*status),
            Error::UndecodableResponse { status, .. } => *status,
            Error::Timeout(e) | Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::InvalidRequest(_) | Error::MissingCredentials(_) => None,
        }
    }

    /// The error a non-success answer means: an `HttpErrorOut` body for any status, an
    /// `HTTPValidationError` at 422, otherwise the raw body.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        if status == 422
            && let Ok(body) = serde_json::from_slice::<HttpValidationError>(body)
        {
            return Error::Validation { status, body };
        }
        match serde_json::from_slice::<HttpErrorOut>(body) {
            Ok(body) => Error::Api { status, body },
            Err(_) => Error::UndecodableResponse {
                status: Some(status),
                body: String::from_utf8_lossy(body).into_owned(),
            },
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
            Error::MissingCredentials(m) => write!(f, "missing credentials: {m}"),
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

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn error_bodies_are_typed_by_shape_and_status() {
        let api = br#"{"code":"internal","detail":"db down"}"#;
        assert!(
            matches!(Error::from_response(500, api), Error::Api { status: 500, body } if body.code == "internal")
        );
        let validation = br#"{"detail":[{"loc":["body"],"msg":"m","type":"t"}]}"#;
        assert!(matches!(
            Error::from_response(422, validation),
            Error::Validation { .. }
        ));
        // A validation shape under another status is not a validation error.
        assert!(matches!(
            Error::from_response(400, validation),
            Error::UndecodableResponse {
                status: Some(400),
                ..
            }
        ));
        assert!(matches!(
            Error::from_response(502, b"<html>bad gateway</html>"),
            Error::UndecodableResponse { status: Some(502), body } if body.contains("bad gateway")
        ));
    }
}
