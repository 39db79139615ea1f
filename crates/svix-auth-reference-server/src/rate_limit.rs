//! Rate limiting, as a layer, in two parts:
//! - a token bucket per **credential** — the bearer token as parsed (scheme in any case, spaces
//!   trimmed), so one token written many ways is one bucket — or, without one, per peer address;
//! - a budget of **failed authentications per peer**: each 401 answered to a peer takes a token.
//!   A peer with none left is not locked out: each of its requests is first asked whether its
//!   credential is live (one hash and one indexed read, nothing else runs), and a live one is
//!   served; a failing one is answered 429 there. So a flood of made-up tokens costs the server
//!   little and never reaches an operation, while a valid client behind the same address (a
//!   load balancer, a NAT) is served whatever the flood does — the budget throttles the
//!   failures, not the address.
//!
//! The peer is the TCP peer, or — when that is a configured trusted proxy — the last
//! `X-Forwarded-For` address that is not one. Over the budget: 429 `HttpErrorOut` with
//! `Retry-After` (whole seconds). Buckets idle long enough to be full again are forgotten, and
//! the number of buckets is bounded whatever the number of distinct keys.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::credentials::Credentials;
use crate::secret::{TokenHash, hash};
use crate::store::PostgresStore;

/// Failed authentications a peer may have: 20 at once, then one every 2 seconds.
pub const DEFAULT_AUTH_FAILURES: RateLimit = RateLimit {
    rate: 0.5,
    burst: 20.0,
};

pub use crate::token_bucket::{MAX_BUCKETS, RateLimit, RateLimiter, wait_secs};

/// The layer's state: both limiters and the proxies whose `X-Forwarded-For` is believed.
pub struct Limits {
    /// Per credential (or per peer without one).
    pub requests: Arc<RateLimiter>,
    /// Failed authentications per peer.
    pub auth_failures: Arc<RateLimiter>,
    /// Proxies allowed to say who the client is.
    pub trusted_proxies: Vec<IpAddr>,
    /// With PostgreSQL, the buckets live in the database, shared by every instance (the
    /// in-process limiters above are then unused).
    pub shared: Option<PostgresStore>,
}

/// Bucket families in the shared table (a key's first byte).
const REQUESTS: u8 = b'r';
const AUTH_FAILURES: u8 = b'f';

fn shared_key(family: u8, key: &TokenHash) -> [u8; 33] {
    let mut out = [family; 33];
    out[1..].copy_from_slice(key);
    out
}

impl Limits {
    /// Limits with `limit` per credential and `auth_failures` per client address, kept in this
    /// process.
    pub fn new(
        limit: RateLimit,
        auth_failures: RateLimit,
        trusted_proxies: Vec<IpAddr>,
    ) -> Arc<Self> {
        Arc::new(Self {
            requests: RateLimiter::new(limit),
            auth_failures: RateLimiter::new(auth_failures),
            trusted_proxies,
            shared: None,
        })
    }

    /// The same limits kept in PostgreSQL: they hold for all instances together.
    pub fn shared(
        limit: RateLimit,
        auth_failures: RateLimit,
        trusted_proxies: Vec<IpAddr>,
        store: PostgresStore,
    ) -> Arc<Self> {
        Arc::new(Self {
            requests: RateLimiter::new(limit),
            auth_failures: RateLimiter::new(auth_failures),
            trusted_proxies,
            shared: Some(store),
        })
    }

    /// Takes one request from the credential's bucket (`Err`: the wait, that bucket being
    /// empty) and says whether the peer is over its failure budget (`Some(wait)`), without
    /// taking from that budget.
    async fn admit(&self, peer: Option<&TokenHash>, key: &TokenHash) -> Result<Option<u64>, u64> {
        let Some(store) = &self.shared else {
            let now = Instant::now();
            self.requests.take(*key, now)?;
            return Ok(peer.and_then(|p| self.auth_failures.check(p, now).err()));
        };
        let (f, r) = (self.auth_failures.limit(), self.requests.limit());
        let peer = peer.map(|p| shared_key(AUTH_FAILURES, p));
        let key = shared_key(REQUESTS, key);
        let answer = store
            .peek_and_take(
                peer.as_ref().map(|p| (p.as_slice(), f.rate, f.burst)),
                (key.as_slice(), r.rate, r.burst),
            )
            .await;
        // The database being down is not a reason to refuse: the request fails on its own
        // queries if it needs the database, and the limits hold again when it is back.
        let (failures, requests) = answer.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "shared rate limit unavailable; admitting");
            (Ok(()), Ok(()))
        });
        requests?;
        Ok(failures.err())
    }

    /// Takes one token from the peer's failed-authentication bucket.
    async fn failed(&self, peer: &TokenHash) {
        match &self.shared {
            None => {
                let _ = self.auth_failures.take(*peer, Instant::now());
            }
            Some(store) => {
                let f = self.auth_failures.limit();
                if let Err(e) = store
                    .take_bucket(&shared_key(AUTH_FAILURES, peer), f.rate, f.burst)
                    .await
                {
                    tracing::warn!(error = %e, "shared rate limit unavailable; failure not counted");
                }
            }
        }
    }
}

/// The bearer token of `Authorization`, parsed exactly as the server reads it (scheme `Bearer`
/// in any case, spaces around the token ignored).
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    svix_auth_server::runtime::optional_bearer(headers)
        .ok()
        .flatten()
        .map(|b| b.token().to_owned())
}

/// The client's address: the TCP peer, or behind a trusted proxy the last `X-Forwarded-For`
/// entry that is not a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .find(|a| !trusted.contains(a))
            .copied()
            .unwrap_or(peer),
    )
}

fn too_many(retry_after: u64, detail: &str) -> Response {
    let mut response = svix_auth_server::runtime::error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_exceeded",
        &format!("{detail}; retry in {retry_after} s"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
    response
}

/// The layer's state: the limits, and the service that tells whether a credential is live.
#[derive(Clone)]
pub struct Guard {
    /// The buckets.
    pub limits: Arc<Limits>,
    /// Asked about each request from a peer over its failure budget.
    pub credentials: Arc<dyn Credentials>,
}

/// The layer.
pub async fn layer(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    const FAILURES: &str = "too many failed authentications from this address";
    const REQUESTS_LEFT: &str = "too many requests for this credential";
    let limits = &guard.limits;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = client_address(peer, request.headers(), &limits.trusted_proxies);
    let peer_key = client.map(|ip| hash(&format!("peer:{ip}")));
    let token = bearer_token(request.headers());
    let key = match &token {
        Some(token) => hash(&format!("bearer:{token}")),
        None => peer_key.unwrap_or([0; 32]),
    };
    match limits.admit(peer_key.as_ref(), &key).await {
        Err(wait) => return too_many(wait, REQUESTS_LEFT),
        Ok(None) => {}
        Ok(Some(wait)) => {
            // Over the failure budget: only a live credential goes on to the operation.
            let live = match token {
                Some(token) => {
                    let path = request.uri().path().to_owned();
                    guard.credentials.is_live(token, path).await
                }
                None => false,
            };
            if !live {
                return too_many(wait, FAILURES);
            }
        }
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::UNAUTHORIZED
        && let Some(key) = peer_key
    {
        limits.failed(&key).await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_token_written_many_ways_is_one_credential() {
        let mut h = HeaderMap::new();
        for spelling in ["Bearer abc", "bearer abc", "BEARER   abc  ", "BeArEr abc"] {
            h.insert(header::AUTHORIZATION, spelling.parse().unwrap());
            assert_eq!(bearer_token(&h).as_deref(), Some("abc"), "{spelling:?}");
        }
        for bad in ["Basic abc", "Bearer", "Bearer   ", "abc", "Bearer\tabc"] {
            h.insert(header::AUTHORIZATION, bad.parse().unwrap());
            assert_eq!(bearer_token(&h), None, "{bad:?}");
        }
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().unwrap());
        let untrusted: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(
            client_address(Some(untrusted), &h, &[proxy]),
            Some(untrusted)
        );
        assert_eq!(
            client_address(Some(proxy), &h, &[proxy]),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            client_address(Some(proxy), &HeaderMap::new(), &[proxy]),
            Some(proxy)
        );
    }
}
