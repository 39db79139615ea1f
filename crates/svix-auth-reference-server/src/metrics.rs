//! `GET /metrics` in Prometheus' text format, from the `prometheus` crate with a registry per
//! server (no global state, so several servers in one process count apart): requests by
//! operation (the matched route) and status, a latency histogram by operation, the store's
//! connections in use and idle, and what the purge deleted.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::store::{Purged, Store};

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    connections: IntGaugeVec,
    purged: IntCounterVec,
    store: Store,
}

impl Metrics {
    /// Metrics of a server over `store`.
    pub fn new(store: Store) -> Result<Arc<Self>, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "svix_auth_http_requests_total",
                "HTTP requests answered, by operation (route) and status",
            ),
            &["operation", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "svix_auth_http_request_duration_seconds",
                "Time to answer an HTTP request, by operation (route)",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["operation"],
        )?;
        let connections = IntGaugeVec::new(
            Opts::new(
                "svix_auth_db_connections",
                "Database connections of this instance, by state (in_use, idle)",
            ),
            &["state"],
        )?;
        let purged = IntCounterVec::new(
            Opts::new(
                "svix_auth_purged_total",
                "Rows the retention purge deleted, by kind",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(connections.clone()))?;
        registry.register(Box::new(purged.clone()))?;
        Ok(Arc::new(Self {
            registry,
            requests,
            latency,
            connections,
            purged,
            store,
        }))
    }

    /// Counts one answered request.
    pub fn observe(&self, operation: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[operation, status.to_string().as_str()])
            .inc();
        self.latency
            .with_label_values(&[operation])
            .observe(seconds);
    }

    /// Counts what a purge deleted.
    pub fn purged(&self, purged: &Purged) {
        for (kind, n) in [
            ("idempotency_records", purged.idempotency),
            ("tokens", purged.tokens),
            ("expire_all_records", purged.expire_all),
            ("rate_buckets", purged.rate_buckets),
        ] {
            self.purged
                .with_label_values(&[kind])
                .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
        }
    }

    /// The text exposition of every metric, the pool's state read now.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let pool = self.store.pool_state();
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.connections
            .with_label_values(&["in_use"])
            .set(gauge(pool.in_use));
        self.connections
            .with_label_values(&["idle"])
            .set(gauge(pool.idle));
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// `GET /metrics`.
pub async fn endpoint(State(metrics): State<Arc<Metrics>>) -> Response {
    match metrics.render() {
        Ok(text) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "metrics could not be rendered");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The layer counting every request by its matched route (`unmatched` for none, so a scan of
/// made-up paths cannot grow the label set).
pub async fn layer(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    metrics.observe(
        &operation,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
