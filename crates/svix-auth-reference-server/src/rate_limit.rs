//! Rate limiting, as a layer, in two parts:
//! - a token bucket per **credential** — the bearer token as parsed (scheme in any case, spaces
//!   trimmed), so one token written many ways is one bucket — or, without one, per peer address;
//! - a bucket of **failed authentications per peer**: each 401 answered to a peer takes a token;
//!   a peer with none left is answered 429 before anything else runs (no hashing, no database),
//!   so a flood of made-up tokens costs almost nothing and cannot crowd out real clients.
//!
//! The peer is the TCP peer, or — when that is a configured trusted proxy — the last
//! `X-Forwarded-For` address that is not one. Over the budget: 429 `HttpErrorOut` with
//! `Retry-After` (whole seconds). Buckets idle long enough to be full again are forgotten, and
//! the number of buckets is bounded whatever the number of distinct keys.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::secret::{TokenHash, hash};
use crate::store::PostgresStore;

/// Whole seconds until a bucket holding `tokens` at `rate` per second has one (at least 1; an
/// hour for a rate of 0).
pub fn wait_secs(rate: f64, tokens: f64) -> u64 {
    let wait = if rate > 0.0 {
        (1.0 - tokens) / rate
    } else {
        3600.0
    };
    wait.ceil().clamp(1.0, 3600.0) as u64
}

/// Token bucket settings: `rate` requests per second on average, bursts up to `burst`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Sustained requests per second per credential.
    pub rate: f64,
    /// Bucket size.
    pub burst: f64,
}

/// Failed authentications a peer may have: 20 at once, then one every 2 seconds.
pub const DEFAULT_AUTH_FAILURES: RateLimit = RateLimit {
    rate: 0.5,
    burst: 20.0,
};

/// Most buckets a limiter keeps (each about 50 bytes): past it, idle ones go first, then the
/// least recently used.
pub const MAX_BUCKETS: usize = 100_000;

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// One family of buckets.
pub struct RateLimiter {
    limit: RateLimit,
    max_buckets: usize,
    buckets: Mutex<HashMap<TokenHash, Bucket>>,
}

impl RateLimiter {
    /// A limiter with `limit` per key.
    pub fn new(limit: RateLimit) -> Arc<Self> {
        Self::bounded(limit, MAX_BUCKETS)
    }

    /// A limiter keeping at most `max_buckets` buckets.
    pub fn bounded(limit: RateLimit, max_buckets: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            max_buckets: max_buckets.max(1),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// How many buckets it holds now.
    pub fn len(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let RateLimit { rate, burst } = self.limit;
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(burst);
        bucket.last = now;
    }

    fn wait(&self, tokens: f64) -> u64 {
        wait_secs(self.limit.rate, tokens)
    }

    /// Keeps the map within bounds: buckets that are full again say nothing and go first, then
    /// the least recently used half.
    fn shrink(&self, buckets: &mut HashMap<TokenHash, Bucket>, now: Instant) {
        if buckets.len() < self.max_buckets {
            return;
        }
        let RateLimit { rate, burst } = self.limit;
        buckets.retain(|_, b| b.tokens + now.duration_since(b.last).as_secs_f64() * rate < burst);
        if buckets.len() >= self.max_buckets {
            let mut lasts: Vec<Instant> = buckets.values().map(|b| b.last).collect();
            lasts.sort_unstable();
            let cut = lasts[lasts.len() / 2];
            buckets.retain(|_, b| b.last > cut);
        }
    }

    /// Takes one token from `key`'s bucket; `Err(seconds)` to wait when there is none.
    pub fn take(&self, key: TokenHash, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(&key) {
            self.shrink(&mut buckets, now);
        }
        let burst = self.limit.burst;
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.wait(bucket.tokens))
        }
    }

    /// Whether `key` has a token left, without taking it (an unknown key has a full bucket).
    pub fn check(&self, key: &TokenHash, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        match buckets.get_mut(key) {
            None => Ok(()),
            Some(bucket) => {
                self.refill(bucket, now);
                if bucket.tokens >= 1.0 {
                    Ok(())
                } else {
                    Err(self.wait(bucket.tokens))
                }
            }
        }
    }
}

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

    /// Whether the peer may still fail authentication (without taking from its bucket), and
    /// takes one request from the credential's bucket: `Err` names the wait and the reason.
    async fn admit(
        &self,
        peer: Option<&TokenHash>,
        key: &TokenHash,
    ) -> Result<(), (u64, &'static str)> {
        const FAILURES: &str = "too many failed authentications from this address";
        const REQUESTS_LEFT: &str = "too many requests for this credential";
        let Some(store) = &self.shared else {
            let now = Instant::now();
            if let Some(peer) = peer {
                self.auth_failures
                    .check(peer, now)
                    .map_err(|w| (w, FAILURES))?;
            }
            return self
                .requests
                .take(*key, now)
                .map_err(|w| (w, REQUESTS_LEFT));
        };
        let (f, r) = (self.auth_failures.limit, self.requests.limit);
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
        failures.map_err(|w| (w, FAILURES))?;
        requests.map_err(|w| (w, REQUESTS_LEFT))
    }

    /// Takes one token from the peer's failed-authentication bucket.
    async fn failed(&self, peer: &TokenHash) {
        match &self.shared {
            None => {
                let _ = self.auth_failures.take(*peer, Instant::now());
            }
            Some(store) => {
                let f = self.auth_failures.limit;
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

/// The layer.
pub async fn layer(State(limits): State<Arc<Limits>>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = client_address(peer, request.headers(), &limits.trusted_proxies);
    let peer_key = client.map(|ip| hash(&format!("peer:{ip}")));
    let key = match bearer_token(request.headers()) {
        Some(token) => hash(&format!("bearer:{token}")),
        None => peer_key.unwrap_or([0; 32]),
    };
    if let Err((wait, why)) = limits.admit(peer_key.as_ref(), &key).await {
        return too_many(wait, why);
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
    use std::time::Duration;

    #[test]
    fn bucket_allows_a_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(RateLimit {
            rate: 2.0,
            burst: 3.0,
        });
        let t0 = Instant::now();
        let key = [1; 32];
        assert!((0..3).all(|_| limiter.take(key, t0).is_ok()));
        assert_eq!(limiter.take(key, t0), Err(1));
        assert!(
            limiter.take(key, t0 + Duration::from_millis(500)).is_ok(),
            "one token after 0.5 s at 2/s"
        );
        assert!(
            limiter.take([2; 32], t0).is_ok(),
            "buckets are per credential"
        );
    }

    #[test]
    fn millions_of_distinct_keys_keep_the_map_bounded() {
        let limiter = RateLimiter::bounded(
            RateLimit {
                rate: 0.0001,
                burst: 5.0,
            },
            10_000,
        );
        let t0 = Instant::now();
        for i in 0..1_000_000u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            let _ = limiter.take(key, t0 + Duration::from_micros(u64::from(i)));
            assert!(limiter.len() <= 10_000);
        }
        // A key that is in use keeps its (drained) bucket across the churn of others.
        let hot = [9u8; 32];
        for _ in 0..5 {
            limiter.take(hot, t0 + Duration::from_secs(2)).unwrap();
        }
        assert!(limiter.take(hot, t0 + Duration::from_secs(2)).is_err());
    }

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
