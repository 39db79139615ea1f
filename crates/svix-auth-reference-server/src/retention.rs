//! Retention: a periodic purge of what no request can use any more (old idempotency records;
//! tokens expired, used, revoked or cut off longer ago than the token retention; superseded
//! expire-all records), followed by an incremental vacuum, so the database stays the size of its
//! live data.

use std::time::Duration;

use crate::metrics::Metrics;
use crate::store::{Purged, Store};

/// How long things are kept, and how often the purge runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// How long an idempotency record is replayed, then deleted (default 12 hours).
    pub idempotency: Duration,
    /// How long an expired, used, revoked or cut-off token is kept (default 7 days).
    pub tokens: Duration,
    /// Time between purges (default 10 minutes).
    pub interval: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            idempotency: Duration::from_millis(crate::idempotency::RETENTION_MS as u64),
            tokens: Duration::from_secs(7 * 24 * 60 * 60),
            interval: Duration::from_secs(600),
        }
    }
}

impl Retention {
    /// Checks the settings; the error says which one makes no sense.
    pub fn validate(&self) -> Result<(), String> {
        const DAY: Duration = Duration::from_secs(86_400);
        if self.idempotency < Duration::from_secs(1) || self.idempotency > 7 * DAY {
            return Err(format!(
                "the idempotency retention must be between 1 second and 7 days, not {} s",
                self.idempotency.as_secs_f64()
            ));
        }
        if self.tokens > 3650 * DAY {
            return Err(format!(
                "the token retention must be at most 3650 days, not {} days",
                self.tokens.as_secs_f64() / 86_400.0
            ));
        }
        if self.interval < Duration::from_secs(1) || self.interval > DAY {
            return Err(format!(
                "the purge interval must be between 1 second and 1 day, not {} s",
                self.interval.as_secs_f64()
            ));
        }
        Ok(())
    }

    fn ms(d: Duration) -> i64 {
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }
}

/// Purges once now and logs what went; an error is logged and returned.
pub async fn purge_once(
    store: &Store,
    retention: Retention,
    metrics: Option<&Metrics>,
) -> Result<Purged, String> {
    let (idempotency, tokens) = (
        Retention::ms(retention.idempotency),
        Retention::ms(retention.tokens),
    );
    match store.purge(store.now_ms(), idempotency, tokens).await {
        Ok(purged) => {
            tracing::info!(
                idempotency_records = purged.idempotency,
                tokens = purged.tokens,
                expire_all_records = purged.expire_all,
                rate_buckets = purged.rate_buckets,
                "purged"
            );
            if let Some(metrics) = metrics {
                metrics.purged(&purged);
            }
            Ok(purged)
        }
        Err(e) => {
            tracing::error!(error = %e, "purge failed");
            Err(e.to_string())
        }
    }
}

/// Runs the purge every `retention.interval` (the first one an interval after start) until the
/// task is aborted.
pub fn spawn(
    store: Store,
    retention: Retention,
    metrics: Option<std::sync::Arc<Metrics>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let first = tokio::time::Instant::now() + retention.interval;
        let mut tick = tokio::time::interval_at(first, retention.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let _ = purge_once(&store, retention, metrics.as_deref()).await;
        }
    })
}
