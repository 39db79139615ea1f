//! Retry policy: which failures are retried, and how long to wait (exponential backoff with full
//! jitter, or the server's `Retry-After`, capped).
//!
//! What may be sent again follows RFC 9110: a failure before the request was sent (connection
//! refused, DNS) is retried for any call; a failure after it may have reached the server (429,
//! 5xx, a timeout, a connection reset) only for an idempotent method or a call that carries an
//! idempotency key ([`RetrySafety`]) — a `POST` without a key is never sent twice unless
//! [`RetryPolicy::resend_non_idempotent`] says so.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// How a call is retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 2).
    pub max_retries: u32,
    /// Backoff base: the wait before retry `n` is random in `[0, base * 2^n]` (default 50 ms).
    pub base_delay: Duration,
    /// Upper bound of any backoff (default 5 s).
    pub max_delay: Duration,
    /// Upper bound of a `Retry-After` wait (default 60 s).
    pub max_retry_after: Duration,
    /// An explicit schedule: retry `n` waits `schedule[n]`, and there are as many retries as
    /// entries (the official SDKs' `retry_schedule`). `Retry-After` still wins when sent.
    pub schedule: Option<Vec<Duration>>,
    /// Also resend calls that are neither idempotent nor keyed after a failure that may have
    /// reached the server (default `false`: such a call could take effect twice).
    pub resend_non_idempotent: bool,
}

/// Whether a call may be sent again once it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrySafety {
    /// An idempotent method (RFC 9110: GET, HEAD, OPTIONS, PUT, DELETE, TRACE).
    Idempotent,
    /// The call carries an idempotency key, which every retry reuses.
    Keyed,
    /// Neither (POST, PATCH, … without a key): retried only when it was never sent.
    NotIdempotent,
}

impl RetrySafety {
    /// The safety of a call with `method` (any case), carrying an idempotency key or not.
    pub fn of(method: &str, keyed: bool) -> Self {
        if keyed {
            return Self::Keyed;
        }
        match method.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE" => Self::Idempotent,
            _ => Self::NotIdempotent,
        }
    }
}

/// Whether a failed attempt is worth another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Never (a client-side error, a 4xx other than 429, an answer that did not decode).
    No,
    /// The request was never sent (connect failure): any call may be retried.
    Unsent,
    /// The request may have reached the server: retried only if the call is safe to resend.
    MaybeSent,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
            schedule: None,
            resend_non_idempotent: false,
        }
    }
}

/// Statuses worth another try.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

impl RetryPolicy {
    /// A policy that waits exactly `delays` between attempts (one retry per entry).
    pub fn with_schedule(delays: Vec<Duration>) -> Self {
        Self {
            max_retries: u32::try_from(delays.len()).unwrap_or(u32::MAX),
            schedule: Some(delays),
            ..Self::default()
        }
    }

    /// Whether a failure of kind `retry` of a call with `safety` may be retried.
    pub fn allows(&self, retry: Retry, safety: RetrySafety) -> bool {
        match retry {
            Retry::No => false,
            Retry::Unsent => true,
            Retry::MaybeSent => safety != RetrySafety::NotIdempotent || self.resend_non_idempotent,
        }
    }

    /// How many retries follow the first attempt.
    pub fn retries(&self) -> u32 {
        match &self.schedule {
            Some(delays) => u32::try_from(delays.len()).unwrap_or(u32::MAX),
            None => self.max_retries,
        }
    }

    /// The wait before retry number `retry` (0-based), honouring `retry_after` when given.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        if let Some(delays) = &self.schedule {
            return delays
                .get(retry as usize)
                .or(delays.last())
                .copied()
                .unwrap_or_default();
        }
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.max_delay);
        ceiling.mul_f64(jitter())
    }
}

/// A uniform random fraction in `[0, 1)`.
fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` as a wait: delay-seconds or an HTTP-date (relative to now).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    #[test]
    fn only_idempotent_or_keyed_calls_are_resent_after_they_may_have_arrived() {
        let p = RetryPolicy::default();
        for method in ["GET", "head", "OPTIONS", "PUT", "DELETE", "TRACE"] {
            assert_eq!(RetrySafety::of(method, false), RetrySafety::Idempotent);
        }
        for method in ["POST", "PATCH", "post"] {
            let safety = RetrySafety::of(method, false);
            assert_eq!(safety, RetrySafety::NotIdempotent);
            assert!(!p.allows(Retry::MaybeSent, safety), "{method}");
            assert!(p.allows(Retry::Unsent, safety), "{method}: never sent");
            assert!(
                p.allows(Retry::MaybeSent, RetrySafety::of(method, true)),
                "keyed"
            );
        }
        assert!(p.allows(Retry::MaybeSent, RetrySafety::Idempotent));
        assert!(!p.allows(Retry::No, RetrySafety::Idempotent));
        let opted_in = RetryPolicy {
            resend_non_idempotent: true,
            ..RetryPolicy::default()
        };
        assert!(opted_in.allows(Retry::MaybeSent, RetrySafety::NotIdempotent));
    }

    #[test]
    fn backoff_is_jittered_under_an_exponential_ceiling() {
        let p = RetryPolicy::default();
        for retry in 0..5 {
            let ceiling = (p.base_delay * 2u32.pow(retry)).min(p.max_delay);
            for _ in 0..50 {
                assert!(p.delay(retry, None) <= ceiling);
            }
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates_and_is_capped() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let wait = retry_after(&h).unwrap();
        assert!(
            wait > Duration::from_secs(27) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
        assert_eq!(
            RetryPolicy::default().delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn an_explicit_schedule_sets_each_wait_and_the_number_of_retries() {
        let p = RetryPolicy::with_schedule(vec![
            Duration::from_millis(5),
            Duration::from_millis(50),
            Duration::from_millis(500),
        ]);
        assert_eq!(p.retries(), 3);
        assert_eq!(p.delay(0, None), Duration::from_millis(5));
        assert_eq!(p.delay(2, None), Duration::from_millis(500));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(RetryPolicy::with_schedule(vec![]).retries(), 0);
    }

    #[test]
    fn only_throttling_and_server_errors_are_retryable() {
        for s in [429, 500, 502, 503, 504] {
            assert!(retryable_status(s));
        }
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert!(!retryable_status(s));
        }
    }
}
