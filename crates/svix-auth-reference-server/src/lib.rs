//! Reference server of the Svix Authentication API.
//!
//! [`api::AuthService`] implements the generated `svix_auth_server::Api` trait over a
//! [`store::Store`] — an embedded SQLite file, or PostgreSQL shared by several instances —;
//! [`start`] serves it through the generated router, wrapped in the idempotency and rate-limit
//! layers, with health and Prometheus metrics endpoints and request logs (never tokens).

pub mod api;
pub mod clock;
pub mod credentials;
pub mod idempotency;
pub mod metrics;
pub mod portal;
pub mod rate_limit;
pub mod retention;
pub mod secret;
pub mod serve;
pub mod store;
pub mod token_bucket;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::oneshot;

use crate::api::{AuthService, ServiceConfig};
use crate::rate_limit::{Limits, RateLimit};
use crate::store::{AdminInit, Database, PoolOptions, Store};

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// The organization (admin) token; when absent the stored one is kept, or one is generated.
    pub admin_token: Option<String>,
    /// Where the data lives: an SQLite file (`:memory:` for a throw-away store) or PostgreSQL.
    pub database: Database,
    /// PostgreSQL connection pool settings (unused for SQLite).
    pub pool: PoolOptions,
    /// Base of magic links; default `<public_url>/app-portal`.
    pub portal_url: Option<String>,
    /// Public base URL of this server; default `http://<bound address>`.
    pub public_url: Option<String>,
    /// Per-credential rate limit.
    pub rate_limit: RateLimit,
    /// Proxies whose `X-Forwarded-For` names the client (for per-address limits).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Failed authentications allowed per client address.
    pub auth_failures: RateLimit,
    /// Connection timeouts and limits.
    pub serve: serve::ServeOptions,
    /// Seconds a magic link's one-time token can be exchanged.
    pub one_time_token_ttl_secs: u64,
    /// What is kept how long, and how often the purge runs.
    pub retention: retention::Retention,
}

impl Config {
    /// Defaults for `listen` with the data in `database` (an SQLite path or a [`Database`]).
    pub fn new(listen: SocketAddr, database: impl Into<Database>) -> Self {
        Self {
            listen,
            admin_token: None,
            database: database.into(),
            pool: PoolOptions::default(),
            portal_url: None,
            public_url: None,
            rate_limit: RateLimit {
                rate: 50.0,
                burst: 100.0,
            },
            one_time_token_ttl_secs: 300,
            trusted_proxies: Vec::new(),
            auth_failures: rate_limit::DEFAULT_AUTH_FAILURES,
            serve: serve::ServeOptions::default(),
            retention: retention::Retention::default(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened.
    #[error("cannot open the database: {0}")]
    Store(#[from] store::StoreError),
    /// The address could not be bound.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration makes no sense (the message says which setting and why).
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Shortest admin token accepted (characters).
pub const MIN_ADMIN_TOKEN_CHARS: usize = 32;

impl Config {
    /// Checks every setting; the error names the first one that makes no sense.
    pub fn validate(&self) -> Result<(), StartError> {
        let bad = |m: String| Err(StartError::Config(m));
        if let Some(token) = &self.admin_token
            && token.chars().count() < MIN_ADMIN_TOKEN_CHARS
        {
            return bad(format!(
                "the admin token has {} characters; at least {MIN_ADMIN_TOKEN_CHARS} are required",
                token.chars().count()
            ));
        }
        for (name, limit) in [
            ("rate limit", self.rate_limit),
            ("auth failure limit", self.auth_failures),
        ] {
            if !limit.rate.is_finite() || limit.rate < 0.0 {
                return bad(format!(
                    "the {name}'s rate must be a finite number ≥ 0, not {}",
                    limit.rate
                ));
            }
            if !limit.burst.is_finite() || limit.burst < 1.0 {
                return bad(format!(
                    "the {name}'s burst must be a finite number ≥ 1, not {}",
                    limit.burst
                ));
            }
        }
        const MAX_TTL: u64 = 7 * 24 * 60 * 60;
        if self.one_time_token_ttl_secs == 0 || self.one_time_token_ttl_secs > MAX_TTL {
            return bad(format!(
                "the one-time token TTL must be between 1 and {MAX_TTL} seconds, not {}",
                self.one_time_token_ttl_secs
            ));
        }
        for (name, url) in [
            ("portal URL", &self.portal_url),
            ("public URL", &self.public_url),
        ] {
            if let Some(url) = url
                && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return bad(format!("the {name} must be an http(s) URL, not `{url}`"));
            }
        }
        self.retention.validate().map_err(StartError::Config)?;
        if self.pool.max_connections == 0 || self.pool.max_connections > 1000 {
            return bad(format!(
                "the database pool size must be between 1 and 1000, not {}",
                self.pool.max_connections
            ));
        }
        Ok(())
    }
}

/// The first 8 hex digits of a token hash: enough to tell tokens apart in a log, useless to use.
fn fingerprint(hash: &[u8]) -> String {
    hash.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Writes a generated admin token to `<database>.admin-token`, readable by its owner only.
fn write_token_file(database: &Path, token: &str) -> std::io::Result<PathBuf> {
    let path = PathBuf::from(format!("{}.admin-token", database.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    std::io::Write::write_all(&mut file, format!("{token}\n").as_bytes())?;
    Ok(path)
}

/// A running server.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// The admin token, when this start generated it (also written to `<database>.admin-token`,
    /// mode 0600, for an SQLite file; it is stored only hashed).
    pub generated_admin_token: Option<String>,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    purge: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, and waits.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.purge.abort();
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// 204 when the store answers, 503 (with `Retry-After`) when it does not.
async fn health(axum::extract::State(store): axum::extract::State<Store>) -> Response {
    match store.ping().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => storage_unavailable("the database does not answer"),
    }
}

/// 503 `storage_unavailable`: the store cannot serve right now (`Retry-After: 1` is added to
/// every 503 by [`retry_after_on_503`]).
pub(crate) fn storage_unavailable(detail: &str) -> Response {
    svix_auth_server::runtime::error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
        detail,
    )
}

/// Largest total size of request headers answered normally (bigger: 431).
const MAX_HEADER_BYTES: usize = 16 * 1024;

async fn limit_headers(request: Request, next: Next) -> Response {
    let size: usize = request
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if size > MAX_HEADER_BYTES {
        return svix_auth_server::runtime::error_response(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request_header_fields_too_large",
            &format!("request headers are larger than {MAX_HEADER_BYTES} bytes"),
        );
    }
    next.run(request).await
}

/// Every 503 says when to come back (`Retry-After: 1` unless the answer set its own).
async fn retry_after_on_503(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE
        && !response
            .headers()
            .contains_key(axum::http::header::RETRY_AFTER)
    {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(1),
        );
    }
    response
}

async fn log_requests(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(%method, %path, status = response.status().as_u16(), elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    response
}

/// The whole application: the generated router over `service`, with idempotency and rate
/// limiting, plus `GET /api/v1/health` and `GET /metrics`.
pub fn app(
    service: Arc<AuthService>,
    store: Store,
    limits: Arc<Limits>,
    idempotency_retention: std::time::Duration,
    metrics: Arc<metrics::Metrics>,
) -> Router {
    let api_origin = origin(&service.server_url());
    let api = svix_auth_server::router(Arc::clone(&service))
        .layer(middleware::from_fn_with_state(
            idempotency::Idempotency::new(
                store.clone(),
                Arc::clone(&service) as Arc<dyn credentials::Credentials>,
                service.one_time_token_ttl_ms(),
                i64::try_from(idempotency_retention.as_millis()).unwrap_or(i64::MAX),
            ),
            idempotency::layer,
        ))
        .layer(middleware::from_fn_with_state(
            rate_limit::Guard {
                limits,
                credentials: Arc::clone(&service) as Arc<dyn credentials::Credentials>,
            },
            rate_limit::layer,
        ));
    Router::new()
        .route("/api/v1/health", get(health).with_state(store.clone()))
        .route(
            "/metrics",
            get(metrics::endpoint).with_state(Arc::clone(&metrics)),
        )
        .merge(portal::router(&api_origin))
        .merge(api)
        .layer(middleware::from_fn_with_state(metrics, metrics::layer))
        .layer(middleware::from_fn(retry_after_on_503))
        .layer(middleware::from_fn(limit_headers))
        .layer(middleware::from_fn(log_requests))
}

/// `scheme://host[:port]` of a URL (what a Content-Security-Policy source names).
fn origin(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => "'self'".into(),
    }
}

/// Opens the store, binds, and serves until [`Running::shutdown`].
pub async fn start(config: Config) -> Result<Running, StartError> {
    config.validate()?;
    let store = Store::open(&config.database, config.pool).await?;
    let fresh = secret::new_token("sk_admin_");
    let fresh_hash = secret::hash(&fresh);
    let configured = config.admin_token.as_deref().map(secret::hash);
    let generated_admin_token = match store.init_admin(configured, fresh_hash).await? {
        AdminInit::Configured {
            replaced: Some(old),
        } => {
            // The configured token differs from the stored one: this is the rotation (every
            // instance reads the stored hash per request, so it holds everywhere at once).
            tracing::warn!(
                old = %fingerprint(&old),
                new = %fingerprint(configured.as_ref().unwrap_or(&old)),
                "admin token rotated: the configured token replaces the stored one"
            );
            None
        }
        AdminInit::Configured { replaced: None } | AdminInit::Kept => None,
        AdminInit::Generated => {
            if let Some(file) = config.database.sqlite_file() {
                match write_token_file(file, &fresh) {
                    Ok(path) => tracing::warn!(
                        file = %path.display(),
                        fingerprint = %fingerprint(&fresh_hash),
                        "generated an admin token and wrote it to this file (mode 0600); it is stored only hashed"
                    ),
                    Err(e) => return Err(StartError::Io(e)),
                }
            }
            Some(fresh)
        }
    };
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let portal_url = config
        .portal_url
        .clone()
        .unwrap_or_else(|| format!("{}/app-portal", public_url.trim_end_matches('/')));
    let service = Arc::new(AuthService::new(
        store.clone(),
        ServiceConfig {
            portal_url,
            server_url: public_url,
            one_time_token_ttl_secs: config.one_time_token_ttl_secs,
        },
    ));
    let limits = match &store {
        Store::Sqlite(_) => Limits::new(
            config.rate_limit,
            config.auth_failures,
            config.trusted_proxies.clone(),
        ),
        Store::Postgres(shared) => Limits::shared(
            config.rate_limit,
            config.auth_failures,
            config.trusted_proxies.clone(),
            shared.clone(),
        ),
    };
    let metrics = metrics::Metrics::new(store.clone())
        .map_err(|e| StartError::Config(format!("metrics: {e}")))?;
    let router = app(
        service,
        store.clone(),
        limits,
        config.retention.idempotency,
        Arc::clone(&metrics),
    );
    let purge = retention::spawn(store, config.retention, Some(metrics));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve::serve(listener, router, config.serve, rx));
    tracing::info!(%addr, database = %config.database, "listening");
    Ok(Running {
        addr,
        generated_admin_token,
        shutdown: tx,
        task,
        purge,
    })
}
