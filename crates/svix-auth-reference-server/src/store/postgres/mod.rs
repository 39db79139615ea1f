//! The PostgreSQL store, shared by any number of server instances: a pool of connections
//! (deadpool over tokio-postgres), versioned migrations run under an advisory lock, and
//! everything instances must agree on kept in the database — the idempotency claim of a request
//! in flight (a row with an owner and a lease), the expire-all cut-off (a per-app generation
//! under row locks), rate-limit buckets, and the clock (the server's, see [`PostgresStore::now_ms`]).

use std::str::FromStr;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::{Duration, Instant};

use deadpool_postgres::Transaction;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{NoTls, Row};

mod buckets;
mod idempotency;
mod tokens;

use super::*;
use crate::secret::{hash, same};
use idempotency::commit;

/// Versioned migrations, applied in order, each once.
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("migrations/001_schema.sql"))];

/// The advisory lock key migrations run under ("svixauth").
const MIGRATION_LOCK: i64 = 0x7376_6978_6175_7468;

/// How long an idempotency claim holds before another request may take the key over (the
/// holder's writes then fail its fence and roll back).
pub const CLAIM_LEASE_MS: i64 = 10_000;

/// How often the clock is read again from the server.
const CLOCK_RESYNC: Duration = Duration::from_secs(10);

/// A PostgreSQL store (cheap to clone: a handle on one pool).
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// This instance's id: the key of the session advisory lock it holds while alive, which
    /// its idempotency claims name (a claim of a dead instance is taken over at once).
    instance: i64,
    /// The server's time at an instant of this process's monotonic clock.
    clock: Mutex<(Instant, i64)>,
}

/// A PostgreSQL URL without its password, for logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A PostgreSQL error with the server's message and code when it sent one.
pub(crate) fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}: {})", e, db.code().code(), db.message()),
        None => e.to_string(),
    }
}

fn pool_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Pool(e.to_string())
}

impl PostgresStore {
    /// Connects (pool of `options.max_connections`), migrates under an advisory lock (so that
    /// instances starting together do not race), and reads the server's clock.
    pub async fn open(url: &str, options: PoolOptions) -> Result<Self, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Pool(format!("invalid PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        if config.get_application_name().is_none() {
            config.application_name("svix-auth-reference-server");
        }
        let connect_config = config.clone();
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.max_connections.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.acquire_timeout))
            .create_timeout(Some(Duration::from_secs(5)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(pool_error)?;
        let instance = i64::from_ne_bytes(crate::secret::random_bytes());
        let store = Self {
            inner: Arc::new(Inner {
                pool,
                instance,
                clock: Mutex::new((Instant::now(), crate::clock::now_ms())),
            }),
        };
        store.migrate().await?;
        store.sync_clock().await?;
        let liveness = hold_instance_lock(&connect_config, instance).await?;
        let weak = Arc::downgrade(&store.inner);
        tokio::spawn(keep_instance_lock(
            connect_config,
            instance,
            liveness,
            weak.clone(),
        ));
        tokio::spawn(resync_clock(weak));
        Ok(store)
    }

    async fn conn(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.inner.pool.get().await.map_err(pool_error)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        // Held to the end of the transaction: a second instance waits here, then finds the
        // schema current.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
        )
        .await?;
        let current: i32 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .try_get(0)?;
        let newest = MIGRATIONS.last().map_or(0, |(v, _)| *v);
        if current > newest {
            return Err(StoreError::TooNew {
                found: i64::from(current),
                supported: i64::from(newest),
            });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )
            .await?;
            tracing::info!(version, "database migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    /// Reads the server's clock; its time is taken to be at the middle of the round trip.
    async fn sync_clock(&self) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        let before = Instant::now();
        let server_ms: i64 = conn
            .query_one(
                "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
                &[],
            )
            .await?
            .try_get(0)?;
        let after = Instant::now();
        let middle = before + (after - before) / 2;
        *self.inner.clock.lock().unwrap_or_else(|p| p.into_inner()) = (middle, server_ms);
        Ok(())
    }

    /// Now by the database server's clock (ms since the epoch): read from the server every
    /// 10 seconds and advanced by this process's monotonic clock in between, so that every
    /// instance keeps deadlines by the same clock whatever its own says.
    pub fn now_ms(&self) -> i64 {
        let (at, server_ms) = *self.inner.clock.lock().unwrap_or_else(|p| p.into_inner());
        server_ms.saturating_add(i64::try_from(at.elapsed().as_millis()).unwrap_or(i64::MAX))
    }

    /// Connections lent out and idle.
    pub fn pool_state(&self) -> PoolState {
        let status = self.inner.pool.status();
        PoolState {
            in_use: status.size.saturating_sub(status.available),
            idle: status.available,
        }
    }

    /// The database answers a query within a second.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let check = async {
            let conn = self.conn().await?;
            conn.query_one("SELECT MAX(version) FROM schema_migrations", &[])
                .await?;
            Ok::<_, StoreError>(())
        };
        match tokio::time::timeout(Duration::from_secs(1), check).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Pool(
                "the database did not answer within 1 s".into(),
            )),
        }
    }

    /// See [`Store::init_admin`].
    pub async fn init_admin(
        &self,
        configured: Option<TokenHash>,
        fresh: TokenHash,
    ) -> Result<AdminInit, StoreError> {
        let mut conn = self.conn().await?;
        match configured {
            None => {
                let inserted = conn
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('admin_token_hash', $1) \
                         ON CONFLICT (key) DO NOTHING",
                        &[&fresh.as_slice()],
                    )
                    .await?;
                Ok(if inserted == 1 {
                    AdminInit::Generated
                } else {
                    AdminInit::Kept
                })
            }
            Some(h) => {
                let tx = conn.transaction().await?;
                let old: Option<Vec<u8>> = tx
                    .query_opt(
                        "SELECT value FROM meta WHERE key = 'admin_token_hash' FOR UPDATE",
                        &[],
                    )
                    .await?
                    .map(|r| r.try_get(0))
                    .transpose()?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('admin_token_hash', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&h.as_slice()],
                )
                .await?;
                tx.commit().await?;
                let replaced = old
                    .and_then(|o| <[u8; 32]>::try_from(o.as_slice()).ok())
                    .filter(|o| !same(o, &h));
                Ok(AdminInit::Configured { replaced })
            }
        }
    }
}

/// Connects apart from the pool and takes the instance's session advisory lock: held as long
/// as the returned connection lives (PostgreSQL drops it with the session when this process
/// dies), it tells other instances this one's claims are live.
async fn hold_instance_lock(
    config: &tokio_postgres::Config,
    instance: i64,
) -> Result<
    (
        tokio_postgres::Client,
        tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>,
    ),
    StoreError,
> {
    let (client, mut connection) = config.connect(NoTls).await?;
    // The lock statement needs the connection driven while it runs.
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&instance];
    let lock = client.execute("SELECT pg_advisory_lock($1)", &params);
    tokio::select! {
        locked = lock => { locked?; }
        ended = &mut connection => {
            ended?;
            return Err(StoreError::Pool("the liveness connection closed".into()));
        }
    }
    Ok((client, connection))
}

/// Keeps the instance lock's connection running; when it breaks (a database restart), takes
/// the lock again on a new one. Ends when the store is dropped.
async fn keep_instance_lock(
    config: tokio_postgres::Config,
    instance: i64,
    held: (
        tokio_postgres::Client,
        tokio_postgres::Connection<tokio_postgres::Socket, tokio_postgres::tls::NoTlsStream>,
    ),
    store: Weak<Inner>,
) {
    let mut held = Some(held);
    let mut pause = Duration::from_millis(100);
    loop {
        if let Some((_client, mut connection)) = held.take() {
            loop {
                tokio::select! {
                    _ = &mut connection => break,
                    _ = tokio::time::sleep(CLOCK_RESYNC) => {
                        if store.strong_count() == 0 {
                            return;
                        }
                    }
                }
            }
            tracing::warn!(
                "the instance's liveness connection to the database broke; reconnecting"
            );
        }
        if store.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(pause).await;
        match hold_instance_lock(&config, instance).await {
            Ok(h) => {
                tracing::info!("the instance's liveness lock is held again");
                held = Some(h);
                pause = Duration::from_millis(100);
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not take the instance's liveness lock again");
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Reads the server's clock every [`CLOCK_RESYNC`] while the store lives.
async fn resync_clock(inner: Weak<Inner>) {
    loop {
        tokio::time::sleep(CLOCK_RESYNC).await;
        let Some(inner) = inner.upgrade() else { return };
        let store = PostgresStore { inner };
        if let Err(e) = store.sync_clock().await {
            tracing::warn!(error = %e, "could not read the database clock; keeping the last reading");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn urls_in_logs_carry_no_password() {
        assert_eq!(
            redact("postgres://auth:s3cret@db.internal:5432/svix?sslmode=disable"),
            "postgres://auth:***@db.internal:5432/svix?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql://db.internal/svix"),
            "postgresql://db.internal/svix"
        );
        assert_eq!(
            redact("postgres://a:b@c@host/db"),
            "postgres://a:***@host/db"
        );
    }
}
