//! Per-credential token-bucket rate limiting, as a layer: a request over the budget gets 429
//! `HttpErrorOut` with `Retry-After` (whole seconds).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::secret::{TokenHash, hash};

/// Token bucket settings: `rate` requests per second on average, bursts up to `burst`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Sustained requests per second per credential.
    pub rate: f64,
    /// Bucket size.
    pub burst: f64,
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The limiter's state.
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<TokenHash, Bucket>>,
}

impl RateLimiter {
    /// A limiter with `limit`.
    pub fn new(limit: RateLimit) -> Arc<Self> {
        Arc::new(Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one token for `key`; on refusal, the seconds until one is available.
    pub fn take(&self, key: TokenHash, now: Instant) -> Result<(), u64> {
        let RateLimit { rate, burst } = self.limit;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets: they carry no state worth keeping.
            buckets
                .retain(|_, b| b.tokens + now.duration_since(b.last).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = if rate > 0.0 {
                (1.0 - bucket.tokens) / rate
            } else {
                3600.0
            };
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The middleware function.
pub async fn layer(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let key = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(hash)
        .unwrap_or([0; 32]);
    match limiter.take(key, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(retry_after) => {
            let mut response = svix_auth_server::runtime::error_response(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                &format!("too many requests for this credential; retry in {retry_after} s"),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            response
        }
    }
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
}
