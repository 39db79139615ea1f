//! Token buckets kept in this process: `rate` tokens a second up to `burst`, one bucket per key,
//! the number of buckets bounded whatever the number of distinct keys. The same arithmetic
//! ([`wait_secs`]) serves the buckets PostgreSQL keeps for several instances.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::secret::TokenHash;

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

    /// Its rate and burst.
    pub fn limit(&self) -> RateLimit {
        self.limit
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
}
