//! The one question the layers ask the service about a credential: is it live right now? The
//! idempotency layer asks before it replays a stored answer, the rate-limit layer before it
//! serves a request from an address that is over its budget of failed authentications.

use std::future::Future;
use std::pin::Pin;

/// Whether a credential is live now: a stored answer is replayed only to a credential that
/// could still make the request (a rotated admin token or a revoked session gets none).
pub trait Credentials: Send + Sync + 'static {
    /// Whether `token` (a parsed bearer token) is accepted right now for a request to `path`
    /// (for the exchange: also a one-time token it exchanged, while that token's lifetime lasts).
    fn is_live(
        &self,
        token: String,
        path: String,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + '_>>;
}
