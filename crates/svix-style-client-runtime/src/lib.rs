//! The policy every generated client shares, written once, for any OpenAPI document: the bearer
//! credential, the base URL (from the token's region among the document's servers), timeouts,
//! retries with jittered backoff and `Retry-After`, idempotency keys reused across retries, a
//! tracing span per attempt, and one [`Error`] whose API errors have Svix's shapes
//! (`{"code","detail"}`; 422 `{"detail":[{"loc","msg","type"}]}`) — Svix-style by design, as
//! the server runtime's error bodies are.
//!
//! Generated client crates define their `Client` over [`Core`] (see [`Facade`]) and call
//! [`Core::call`] from one method per operation; [`hooks`] is what their progenitor hooks call.

mod builder;
mod core;
mod error;
pub mod hooks;
pub mod retry;

pub use builder::{
    ClientBuilder, DEFAULT_TIMEOUT, Facade, bearer, server_url_for_token, user_agent,
};
pub use core::Core;
pub use error::{Error, HttpErrorOut, HttpValidationError, ValidationError};
pub use retry::{RetryPolicy, RetrySafety};

/// Crates generated code names through the runtime.
pub mod reexports {
    pub use progenitor_client;
    pub use reqwest;
}
