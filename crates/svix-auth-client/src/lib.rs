//! Client of the Svix Authentication API.
//!
//! [`Client`] is the facade to use: bearer credential, region from the token, timeouts, retries
//! with backoff and `Retry-After`, automatic idempotency keys and one [`Error`] type decided by
//! status code. Its per-operation methods and their `…Options` are generated from the document
//! (`methods.rs`); the policy they share is hand-written in `client.rs`. Underneath, [`generated`] is progenitor's client for `openapi.json` and
//! [`operations`] (also generated) types error bodies by the status the document gives them.

mod client;
mod error;
#[rustfmt::skip]
pub mod generated;
mod hooks;
#[rustfmt::skip]
mod methods;
#[rustfmt::skip]
pub mod operations;
pub mod retry;

pub use client::{Client, ClientBuilder, DEFAULT_TIMEOUT, USER_AGENT, server_url_for_token};
pub use error::Error;
pub use methods::*;
pub use svix_auth_models as models;
