//! The policy every generated client shares, written once, for any OpenAPI document: credentials
//! as the document declares them ([`credentials`]), the base URL (the document's server, with its
//! variables; from a token's region for Svix's regional hosts), timeouts, retries with jittered
//! backoff and `Retry-After` for what is safe to resend ([`retry`]), idempotency keys reused
//! across retries, a tracing span per attempt, and one [`Error`] whose API errors have Svix's
//! shapes (`{"code","detail"}`; 422 `{"detail":[{"loc","msg","type"}]}`) — Svix-style by design,
//! as the server runtime's error bodies are.
//!
//! Generated client crates define their `Client` over [`Core`] (see [`Facade`]) and call
//! [`Core::call`] from one method per operation; [`hooks`] is what their progenitor hooks call.

pub mod body;
mod builder;
mod core;
pub mod credentials;
mod error;
mod extra;
pub mod hooks;
mod maybe;
pub mod retry;
pub mod svix;

pub use svix::server_url_for_token;

pub use body::{BinaryBody, Download, FilePart, FormEncoding, FormStyle, Multipart, Outgoing};
pub use builder::{
    ClientBuilder, DEFAULT_TIMEOUT, Facade, ServerVariable, expand_server, user_agent,
};
pub use core::Core;
pub use credentials::{
    Credentials, Placement, Requirement, SchemeSpec, Secret, TokenProvider, bearer,
};
pub use error::{Error, HttpErrorOut, HttpValidationError, ValidationError};
pub use extra::ExtraParams;
pub use maybe::Maybe;
pub use retry::{RetryPolicy, RetrySafety};

/// Crates generated code names through the runtime.
pub mod reexports {
    pub use bytes;
    pub use progenitor_client;
    pub use reqwest;
}
