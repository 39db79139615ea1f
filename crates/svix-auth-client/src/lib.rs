//! Client of the Svix Authentication API.
//!
//! [`Client`] is the facade to use: bearer credential, region from the token, timeouts, retries
//! with backoff and `Retry-After`, automatic idempotency keys and one [`Error`] type. Its
//! per-operation methods and their `…Options` are generated from `openapi.json` (`facade.rs`);
//! the policy they share is the hand-written `openapi-client-runtime`. Underneath,
//! [`generated`] is progenitor's client and [`operations`] (also generated) types error bodies
//! by the status the document gives them.
//!
//! ```no_run
//! use svix_auth_client::{Client, Error, LogoutOptions, models::CreateMessageTokenIn};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new("testsk_….eu")?; // region from the token: https://api.eu.svix.com
//! let body: CreateMessageTokenIn = CreateMessageTokenIn::new("ingest");
//! match client.create_message_token("my-app", &body, None).await {
//!     Ok(token) => println!("{}", token.token),
//!     Err(Error::Api { status, body }) => println!("{status}: {} {}", body.code, body.detail),
//!     Err(e) => println!("failed: {e}"),
//! }
//! // Explicit idempotency key, custom server and retries; another token on the same pool:
//! let client = Client::builder("sk_admin").server_url("http://127.0.0.1:8071/").retries(4).build()?;
//! client.logout(Some(LogoutOptions::default().idempotency_key("logout-1"))).await?;
//! let user = client.with_token("appsk_…")?;
//! user.logout(None).await?;
//! # Ok(()) }
//! ```

#[rustfmt::skip]
mod facade;
#[rustfmt::skip]
pub mod generated;
#[rustfmt::skip]
pub mod operations;

pub use facade::*;
pub use openapi_client_runtime::{
    DEFAULT_TIMEOUT, Error, HttpErrorOut, HttpValidationError, RetryPolicy, ValidationError, retry,
};
pub use svix_auth_models as models;

/// The User-Agent every request carries (`svix-auth-client/<version> (rust)`).
pub const USER_AGENT: &str = <Client as openapi_client_runtime::Facade>::USER_AGENT;

/// The base URL a token's requests go to: its region's server among the document's, else
/// `https://api.svix.com`.
pub fn server_url_for_token(token: &str) -> &'static str {
    openapi_client_runtime::server_url_for_token(
        token,
        <Client as openapi_client_runtime::Facade>::SERVERS,
    )
    .unwrap_or("https://api.svix.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_the_token_suffix() {
        for (token, url) in [
            ("testsk_abc.us", "https://api.us.svix.com"),
            ("testsk_abc.eu", "https://api.eu.svix.com"),
            ("testsk_abc.ca", "https://api.ca.svix.com"),
            ("testsk_abc.au", "https://api.au.svix.com"),
            ("testsk_abc.in", "https://api.in.svix.com"),
            ("testsk_abc.xx", "https://api.svix.com"),
            ("testsk_abc", "https://api.svix.com"),
        ] {
            assert_eq!(server_url_for_token(token), url, "{token}");
            assert_eq!(Client::new(token).unwrap().server_url(), url, "{token}");
        }
    }

    #[test]
    fn server_url_override_drops_the_trailing_slash() {
        let c = Client::builder("t.eu")
            .server_url("http://127.0.0.1:9/")
            .build()
            .unwrap();
        assert_eq!(c.server_url(), "http://127.0.0.1:9");
    }

    #[test]
    fn a_token_that_is_not_a_header_value_is_an_error_not_a_panic() {
        assert!(matches!(
            Client::new("bad\ntoken"),
            Err(Error::InvalidRequest(_))
        ));
        let c = Client::new("t").unwrap();
        assert!(matches!(
            c.with_token("bad\ntoken"),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn with_token_keeps_the_base_url() {
        let c = Client::builder("t")
            .server_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        assert_eq!(
            c.with_token("other").unwrap().server_url(),
            "http://127.0.0.1:9"
        );
    }

    #[test]
    fn client_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let c = Client::new("t").unwrap();
        assert_send(&c.logout(None));
        let body = svix_auth_models::AppPortalAccessIn::default();
        assert_send(&c.app_portal_access("a", &body, None));
    }

    #[test]
    fn the_user_agent_names_this_crate() {
        assert!(USER_AGENT.starts_with("svix-auth-client/"), "{USER_AGENT}");
    }
}
