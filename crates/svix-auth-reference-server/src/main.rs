//! `svix-auth-reference-server`: serves the Svix Authentication API from an SQLite file or a
//! PostgreSQL database (shared by several instances).

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::store::{Database, PoolOptions};
use svix_auth_reference_server::{Config, start};

#[derive(Parser)]
#[command(about = "Reference server of the Svix Authentication API")]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SVIX_AUTH_LISTEN", default_value = "127.0.0.1:8071")]
    listen: SocketAddr,
    /// Organization (admin) token, at least 32 characters. Prefer the environment variable or
    /// --admin-token-file: a flag is visible in the process list. Without one, the stored token
    /// is kept, or a new one is generated and written to `<database>.admin-token` (mode 0600).
    /// A token different from the stored one replaces it (rotation).
    #[arg(long, env = "SVIX_AUTH_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// A file holding the admin token (surrounding whitespace ignored).
    #[arg(long, env = "SVIX_AUTH_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<std::path::PathBuf>,
    /// Where the data lives: an SQLite file (`:memory:` for a throw-away store), or a
    /// PostgreSQL URL (`postgres://user:password@host:port/dbname`), which several instances
    /// can share.
    #[arg(
        long,
        env = "SVIX_AUTH_DATABASE",
        default_value = "svix-auth.db",
        hide_env_values = true
    )]
    database: String,
    /// PostgreSQL: most connections this instance opens.
    #[arg(long, env = "SVIX_AUTH_DATABASE_POOL_SIZE", default_value_t = 16)]
    database_pool_size: usize,
    /// PostgreSQL: seconds a request waits for a free connection before answering 503.
    #[arg(
        long,
        env = "SVIX_AUTH_DATABASE_ACQUIRE_TIMEOUT",
        default_value_t = 5.0
    )]
    database_acquire_timeout: f64,
    /// Base URL of magic links (default: this server's `/app-portal`).
    #[arg(long, env = "SVIX_AUTH_PORTAL_URL")]
    portal_url: Option<String>,
    /// Public base URL of this server, put into magic links (default: http://<listen>).
    #[arg(long, env = "SVIX_AUTH_PUBLIC_URL")]
    public_url: Option<String>,
    /// Sustained requests per second per credential.
    #[arg(long, env = "SVIX_AUTH_RATE_LIMIT", default_value_t = 50.0)]
    rate_limit: f64,
    /// Burst size per credential.
    #[arg(long, env = "SVIX_AUTH_RATE_LIMIT_BURST", default_value_t = 100.0)]
    rate_limit_burst: f64,
    /// Seconds a magic link's one-time token stays exchangeable.
    #[arg(long, env = "SVIX_AUTH_ONE_TIME_TOKEN_TTL", default_value_t = 300)]
    one_time_token_ttl: u64,
    /// A proxy (IP address) whose `X-Forwarded-For` names the client, for the per-address limit
    /// on failed authentications; repeat for several.
    #[arg(
        long = "trusted-proxy",
        env = "SVIX_AUTH_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Failed authentications per second allowed from one client address, on average.
    #[arg(long, env = "SVIX_AUTH_AUTH_FAILURE_RATE", default_value_t = 0.5)]
    auth_failure_rate: f64,
    /// Failed authentications one client address may have at once.
    #[arg(long, env = "SVIX_AUTH_AUTH_FAILURE_BURST", default_value_t = 20.0)]
    auth_failure_burst: f64,
    /// Seconds a client has to send request headers (also the keep-alive idle timeout).
    #[arg(long, env = "SVIX_AUTH_HEADER_READ_TIMEOUT", default_value_t = 10.0)]
    header_read_timeout: f64,
    /// Seconds a client has to send a request body.
    #[arg(long, env = "SVIX_AUTH_BODY_TIMEOUT", default_value_t = 30.0)]
    body_timeout: f64,
    /// Connections open at once; more are answered 503 with Retry-After.
    #[arg(long, env = "SVIX_AUTH_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// Seconds shutdown waits for in-flight requests.
    #[arg(long, env = "SVIX_AUTH_SHUTDOWN_GRACE", default_value_t = 10.0)]
    shutdown_grace: f64,
    /// Days an expired, used, revoked or cut-off token is kept before the purge deletes it.
    #[arg(
        long = "retention-days",
        env = "SVIX_AUTH_RETENTION_DAYS",
        default_value_t = 7.0
    )]
    retention_days: f64,
    /// Seconds an idempotency record is replayed, then deleted (at most 7 days).
    #[arg(
        long,
        env = "SVIX_AUTH_IDEMPOTENCY_RETENTION",
        default_value_t = 43_200.0
    )]
    idempotency_retention: f64,
    /// Seconds between purges of expired data.
    #[arg(long, env = "SVIX_AUTH_PURGE_INTERVAL", default_value_t = 600.0)]
    purge_interval: f64,
}

/// Seconds from the command line as a duration; a value that is not a positive finite number
/// is refused (exit code 2).
fn seconds(name: &str, value: f64) -> Result<std::time::Duration, String> {
    positive(name, value, 86_400.0)
}

/// Seconds in (0, `max`] as a duration, or an error naming the flag.
fn positive(name: &str, value: f64, max: f64) -> Result<std::time::Duration, String> {
    if value.is_finite() && value > 0.0 && value <= max {
        Ok(std::time::Duration::from_secs_f64(value))
    } else {
        Err(format!(
            "--{name} must be a number of seconds in (0, {max}], not {value}"
        ))
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = Config::new(args.listen, Database::parse(&args.database));
    config.pool = match seconds("database-acquire-timeout", args.database_acquire_timeout) {
        Ok(acquire_timeout) => PoolOptions {
            max_connections: args.database_pool_size,
            acquire_timeout,
        },
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    config.admin_token = match (args.admin_token, args.admin_token_file) {
        (Some(_), Some(_)) => {
            eprintln!("error: give the admin token once: --admin-token or --admin-token-file");
            return ExitCode::from(2);
        }
        (Some(token), None) => Some(token),
        (None, Some(path)) => match std::fs::read_to_string(&path) {
            Ok(text) => Some(text.trim().to_owned()),
            Err(e) => {
                eprintln!(
                    "error: cannot read --admin-token-file {}: {e}",
                    path.display()
                );
                return ExitCode::from(2);
            }
        },
        (None, None) => None,
    };
    config.portal_url = args.portal_url;
    config.public_url = args.public_url;
    config.rate_limit = RateLimit {
        rate: args.rate_limit,
        burst: args.rate_limit_burst,
    };
    config.one_time_token_ttl_secs = args.one_time_token_ttl;
    config.trusted_proxies = args.trusted_proxies;
    config.auth_failures = RateLimit {
        rate: args.auth_failure_rate,
        burst: args.auth_failure_burst,
    };
    let timeouts = (|| {
        Ok::<_, String>(svix_auth_reference_server::serve::ServeOptions {
            header_read_timeout: seconds("header-read-timeout", args.header_read_timeout)?,
            body_timeout: seconds("body-timeout", args.body_timeout)?,
            max_connections: if args.max_connections == 0 {
                return Err("--max-connections must be at least 1".into());
            } else {
                args.max_connections
            },
            shutdown_grace: seconds("shutdown-grace", args.shutdown_grace)?,
        })
    })();
    let retention = (|| {
        let days = args.retention_days;
        if !(days.is_finite() && (0.0..=3650.0).contains(&days)) {
            return Err(format!(
                "--retention-days must be a number of days in [0, 3650], not {days}"
            ));
        }
        Ok::<_, String>(svix_auth_reference_server::retention::Retention {
            tokens: std::time::Duration::from_secs_f64(days * 86_400.0),
            idempotency: positive(
                "idempotency-retention",
                args.idempotency_retention,
                604_800.0,
            )?,
            interval: seconds("purge-interval", args.purge_interval)?,
        })
    })();
    match retention {
        Ok(retention) => config.retention = retention,
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    }
    match timeouts {
        Ok(serve) => config.serve = serve,
        Err(e) => {
            eprintln!("error: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    }
    if let Err(e) = config.validate() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    // Without a file beside the database to hold a generated token, stderr is the only way.
    let no_token_file = config.database.sqlite_file().is_none();
    let running = match start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(token) = &running.generated_admin_token
        && no_token_file
    {
        // No file to put it in: this is the only way to learn it.
        eprintln!(
            "Generated admin token (shown only this once; it is stored only hashed): {token}"
        );
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    match running.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
