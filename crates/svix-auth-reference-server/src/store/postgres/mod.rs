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

use super::*;
use crate::secret::{hash, same};

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

/// The columns of a token row, in the order [`token_record`] reads them.
const TOKEN_COLUMNS: &str = "t.id, t.kind, t.app_id, t.created_at, t.expires_at, t.name, \
     t.feature_flags, t.read_only, t.scopes, t.session_ttl, t.generation, t.hash";

/// Whether the instance that holds idempotency record `i` is alive: it holds its session
/// advisory lock (the bigint key is split into `classid` and `objid`).
const INSTANCE_ALIVE: &str = "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' \
     AND l.granted AND l.objsubid = 1 AND l.classid = ((i.instance >> 32) & 4294967295)::oid \
     AND l.objid = (i.instance & 4294967295)::oid)";

/// Not cut off by an expire-all whose deadline is `$2` or earlier.
const NOT_CUT_OFF: &str = "NOT EXISTS (SELECT 1 FROM expire_all e WHERE e.app_id = t.app_id \
     AND t.generation <= e.max_generation AND (e.immediate OR e.deadline <= $2))";

/// A token row (from column `at` on) as a record, its generation and its stored hash.
fn token_record(row: &Row, at: usize) -> Result<Option<(TokenRecord, i64, Vec<u8>)>, StoreError> {
    let Some(id) = row.try_get::<_, Option<String>>(at)? else {
        return Ok(None);
    };
    let kind: String = row.try_get(at + 1)?;
    let Some(kind) = TokenKind::parse(&kind) else {
        return Ok(None);
    };
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    Ok(Some((
        TokenRecord {
            id,
            kind,
            app_id: row.try_get(at + 2)?,
            created_at: row.try_get(at + 3)?,
            expires_at: row.try_get(at + 4)?,
            name: row
                .try_get::<_, Option<Vec<u8>>>(at + 5)?
                .map(|n| String::from_utf8_lossy(&n).into_owned()),
            feature_flags: list(row.try_get(at + 6)?),
            read_only: row.try_get(at + 7)?,
            scopes: list(row.try_get(at + 8)?),
            session_ttl_ms: row.try_get(at + 9)?,
        },
        row.try_get(at + 10)?,
        row.try_get(at + 11)?,
    )))
}

async fn insert_token(
    tx: &Transaction<'_>,
    t: &NewToken,
    generation: i64,
) -> Result<(), StoreError> {
    let r = &t.record;
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let statement = tx
        .prepare_cached(
            "INSERT INTO tokens (hash, id, kind, app_id, generation, created_at, expires_at, name, \
             feature_flags, read_only, scopes, session_ttl) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .await?;
    tx.execute(
        &statement,
        &[
            &hash(&t.secret).as_slice(),
            &r.id,
            &r.kind.as_str(),
            &r.app_id,
            &generation,
            &r.created_at,
            &r.expires_at,
            &r.name.as_deref().map(str::as_bytes),
            &json(&r.feature_flags),
            &r.read_only,
            &json(&r.scopes),
            &r.session_ttl_ms,
        ],
    )
    .await?;
    Ok(())
}

fn app_from_row(r: &Row) -> Result<App, StoreError> {
    Ok(App {
        id: r.try_get(0)?,
        uid: r.try_get(1)?,
        name: String::from_utf8_lossy(&r.try_get::<_, Vec<u8>>(2)?).into_owned(),
    })
}

/// The key of a claim's record: SHA-256 of (credential hash, key, path), each length-prefixed.
/// Fixed-size, whatever the length of the key or path a client sends (a B-tree entry of
/// PostgreSQL holds at most ~2.7 kB: a long random key once failed the insert).
fn record_id(claim: &Claim) -> TokenHash {
    let mut text = Vec::with_capacity(48 + claim.key.len() + claim.path.len());
    text.extend_from_slice(&claim.credential);
    for part in [claim.key.as_bytes(), claim.path.as_bytes()] {
        text.extend_from_slice(&(part.len() as u64).to_be_bytes());
        text.extend_from_slice(part);
    }
    crate::secret::hash_bytes(&text)
}

/// Commits an operation's writes together with the idempotency record of the request in flight
/// (if any): its claim becomes `executed` — only if this request still holds it, else the
/// operation rolls back ([`StoreError::ClaimLost`]).
async fn commit(tx: Transaction<'_>) -> Result<(), StoreError> {
    if let Ok(claim) = ACTIVE_CLAIM.try_with(Clone::clone) {
        let statement = tx
            .prepare_cached(
                "UPDATE idempotency SET state = 'executed' WHERE id = $1 AND owner = $2 \
                 AND state IN ('claimed', 'executed')",
            )
            .await?;
        let held = tx
            .execute(&statement, &[&record_id(&claim).as_slice(), &claim.owner])
            .await?;
        if held != 1 {
            return Err(StoreError::ClaimLost);
        }
    }
    tx.commit().await?;
    Ok(())
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

    /// See [`Store::authenticate`]: the admin hash and the token in one round trip.
    pub async fn authenticate(
        &self,
        h: &TokenHash,
        now: i64,
    ) -> Result<Option<Credential>, StoreError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT (SELECT value FROM meta WHERE key = 'admin_token_hash'), {TOKEN_COLUMNS} \
                 FROM (VALUES (1)) one LEFT JOIN tokens t ON t.hash = $1 \
                 AND t.revoked_at IS NULL AND t.used_at IS NULL \
                 AND (t.expires_at IS NULL OR t.expires_at > $2) AND {NOT_CUT_OFF}"
            )
        });
        let conn = self.conn().await?;
        let statement = conn.prepare_cached(&SQL).await?;
        let row = conn.query_one(&statement, &[&h.as_slice(), &now]).await?;
        let admin: Option<Vec<u8>> = row.try_get(0)?;
        if admin.is_some_and(|stored| same(h, &stored)) {
            return Ok(Some(Credential::Admin));
        }
        Ok(token_record(&row, 1)?
            .filter(|(_, _, stored)| same(h, stored))
            .map(|(record, _, _)| Credential::Token(record)))
    }

    /// See [`Store::find_app`].
    pub async fn find_app(&self, id_or_uid: &str) -> Result<Option<App>, StoreError> {
        let conn = self.conn().await?;
        let statement = conn
            .prepare_cached(
                "SELECT id, uid, name FROM apps WHERE id = $1 OR uid = $1 \
                 ORDER BY id = $1 DESC LIMIT 1",
            )
            .await?;
        let row = conn.query_opt(&statement, &[&id_or_uid]).await?;
        row.as_ref().map(app_from_row).transpose()
    }

    /// See [`Store::get_or_create_app`]: `INSERT … ON CONFLICT DO NOTHING`, then the row by uid.
    /// A concurrent creator's insert makes this one wait for it to commit and do nothing; the
    /// read that follows (a new snapshot under READ COMMITTED) sees its row.
    pub async fn get_or_create_app(
        &self,
        app: &App,
        rate_limit: Option<u16>,
        metadata: &str,
        now: i64,
    ) -> Result<App, StoreError> {
        let conflict = || StoreError::Conflict(super::app_conflict(app));
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        // A uid that is another app's id, or an id that is another app's uid, is a true conflict.
        let clash: bool = tx
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM apps WHERE uid = $1 \
                 OR ($2::text IS NOT NULL AND id = $2))",
                &[&app.id, &app.uid],
            )
            .await?
            .try_get(0)?;
        if clash {
            return Err(conflict());
        }
        let inserted = tx
            .query_opt(
                "INSERT INTO apps (id, uid, name, rate_limit, metadata, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
                &[
                    &app.id,
                    &app.uid,
                    &app.name.as_bytes(),
                    &rate_limit.map(i32::from),
                    &metadata,
                    &now,
                ],
            )
            .await?;
        let stored = match (inserted, &app.uid) {
            (Some(_), _) => app.clone(),
            (None, Some(uid)) => {
                let row = tx
                    .query_opt("SELECT id, uid, name FROM apps WHERE uid = $1", &[uid])
                    .await?;
                match row {
                    Some(row) => app_from_row(&row)?,
                    None => return Err(conflict()),
                }
            }
            (None, None) => return Err(conflict()),
        };
        commit(tx).await?;
        Ok(stored)
    }

    /// See [`Store::insert_tokens`]: each token takes its app's generation under a share lock
    /// of the app's row, which a concurrent expire-all's update waits for (and vice versa).
    pub async fn insert_tokens(&self, tokens: &[NewToken]) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let generation_of = tx
            .prepare_cached("SELECT generation FROM apps WHERE id = $1 FOR SHARE")
            .await?;
        let mut generations: Vec<(&str, i64)> = Vec::new();
        for t in tokens {
            let app = t.record.app_id.as_str();
            let generation = match generations.iter().find(|(a, _)| *a == app) {
                Some((_, g)) => *g,
                None => {
                    let g: i64 = tx.query_one(&generation_of, &[&app]).await?.try_get(0)?;
                    generations.push((app, g));
                    g
                }
            };
            insert_token(&tx, t, generation).await?;
        }
        commit(tx).await
    }

    /// See [`Store::exchanged_one_time_token`].
    pub async fn exchanged_one_time_token(
        &self,
        h: &TokenHash,
        now: i64,
    ) -> Result<bool, StoreError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT COUNT(*) FROM tokens t WHERE t.hash = $1 AND t.kind = 'one_time' \
                 AND t.used_at IS NOT NULL AND t.revoked_at IS NULL AND t.expires_at > $2 \
                 AND {NOT_CUT_OFF}"
            )
        });
        let conn = self.conn().await?;
        let statement = conn.prepare_cached(&SQL).await?;
        let count: i64 = conn
            .query_one(&statement, &[&h.as_slice(), &now])
            .await?
            .try_get(0)?;
        Ok(count > 0)
    }

    /// See [`Store::exchange_one_time`]: one conditional update marks the token used, so of
    /// concurrent exchanges on any instance exactly one finds it unused; the session inherits
    /// the link's generation (an expire-all that cuts off the link cuts off the session).
    pub async fn exchange_one_time(
        &self,
        h: &TokenHash,
        now: i64,
        make_session: impl FnOnce(&TokenRecord) -> (String, TokenRecord),
    ) -> Result<Option<String>, StoreError> {
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "UPDATE tokens t SET used_at = $2 WHERE t.hash = $1 AND t.kind = 'one_time' \
                 AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > $2 \
                 AND {NOT_CUT_OFF} RETURNING {TOKEN_COLUMNS}"
            )
        });
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let statement = tx.prepare_cached(&SQL).await?;
        let Some(row) = tx.query_opt(&statement, &[&h.as_slice(), &now]).await? else {
            return Ok(None);
        };
        let Some((ott, generation, stored)) = token_record(&row, 0)? else {
            return Ok(None);
        };
        if !same(h, &stored) {
            return Ok(None);
        }
        let (secret, session) = make_session(&ott);
        insert_token(
            &tx,
            &NewToken {
                secret: secret.clone(),
                record: session,
            },
            generation,
        )
        .await?;
        commit(tx).await?;
        Ok(Some(secret))
    }

    /// See [`Store::revoke`].
    pub async fn revoke(&self, h: &TokenHash, now: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE tokens SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL",
                &[&h.as_slice(), &now],
            )
            .await?;
        commit(tx).await?;
        Ok(changed == 1)
    }

    /// See [`Store::expire_all`]: the app's generation is advanced under its row lock; the
    /// record cuts off every generation before the new one.
    pub async fn expire_all(
        &self,
        app_id: &str,
        now: i64,
        cutoff: Cutoff,
    ) -> Result<(), StoreError> {
        let (immediate, deadline) = match cutoff {
            Cutoff::Immediate => (true, now),
            Cutoff::At(deadline) => (false, deadline),
        };
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let generation: i64 = tx
            .query_one(
                "UPDATE apps SET generation = generation + 1 WHERE id = $1 RETURNING generation",
                &[&app_id],
            )
            .await?
            .try_get(0)?;
        tx.execute(
            "INSERT INTO expire_all (app_id, max_generation, created_at, deadline, immediate) \
             VALUES ($1, $2, $3, $4, $5)",
            &[&app_id, &(generation - 1), &now, &deadline, &immediate],
        )
        .await?;
        commit(tx).await
    }

    /// See [`Store::begin_idempotent`]: the claim is a row every instance sees. It is taken when
    /// the key is new, its record older than `max_age_ms`, or another holder's lease ran out.
    pub async fn begin_idempotent(
        &self,
        claim: &Claim,
        max_age_ms: i64,
    ) -> Result<Begin, StoreError> {
        static TAKE: LazyLock<String> = LazyLock::new(|| {
            format!(
                "INSERT INTO idempotency AS i (id, state, owner, instance, lease_until, status, \
                 content_type, body, created_at, fingerprint) \
                 VALUES ($1, 'claimed', $2, $7, $3::bigint + $5::bigint, 0, NULL, '\\x', $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET state = 'claimed', \
                 owner = excluded.owner, instance = excluded.instance, \
                 lease_until = excluded.lease_until, status = 0, content_type = NULL, \
                 body = excluded.body, created_at = excluded.created_at, \
                 fingerprint = excluded.fingerprint \
                 WHERE i.created_at <= $3::bigint - $6::bigint \
                 OR (i.state = 'claimed' AND (i.lease_until <= $3 OR NOT {alive})) \
                 RETURNING 1",
                alive = INSTANCE_ALIVE
            )
        });
        static READ: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT i.state, i.status, i.content_type, i.body, i.fingerprint, \
                 (i.lease_until > $2 AND {INSTANCE_ALIVE}) FROM idempotency i WHERE i.id = $1"
            )
        });
        let id = record_id(claim);
        let conn = self.conn().await?;
        let take = conn.prepare_cached(&TAKE).await?;
        let taken = conn
            .query_opt(
                &take,
                &[
                    &id.as_slice(),
                    &claim.owner,
                    &claim.now,
                    &claim.fingerprint.as_slice(),
                    &CLAIM_LEASE_MS,
                    &max_age_ms,
                    &self.inner.instance,
                ],
            )
            .await?;
        if taken.is_some() {
            return Ok(Begin::Run);
        }
        let read = conn.prepare_cached(&READ).await?;
        let Some(row) = conn.query_opt(&read, &[&id.as_slice(), &claim.now]).await? else {
            // Released between the two statements: ask again.
            return Ok(Begin::Busy);
        };
        let state: String = row.try_get(0)?;
        let fingerprint: Vec<u8> = row.try_get(4)?;
        let fingerprint = <[u8; 32]>::try_from(fingerprint.as_slice()).unwrap_or([0; 32]);
        Ok(match state.as_str() {
            "complete" => Begin::Recorded(Recorded::Answer(StoredResponse {
                fingerprint,
                status: u16::try_from(row.try_get::<_, i32>(1)?).unwrap_or(500),
                content_type: row.try_get(2)?,
                body: row.try_get(3)?,
            })),
            // Committed, answer not recorded yet: the holder is about to record it — unless it
            // died in between.
            "executed" if row.try_get::<_, bool>(5)? => Begin::Busy,
            "executed" => Begin::Recorded(Recorded::AnswerLost { fingerprint }),
            _ => Begin::Busy,
        })
    }

    /// See [`Store::release_idempotency`] (only this request's own, unanswered record).
    pub async fn release_idempotency(&self, claim: &Claim) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        conn.execute(
            "DELETE FROM idempotency WHERE id = $1 AND owner = $2 AND state <> 'complete'",
            &[&record_id(claim).as_slice(), &claim.owner],
        )
        .await?;
        Ok(())
    }

    /// See [`Store::store_idempotent_response`] (only while this request holds the record).
    pub async fn store_idempotent_response(
        &self,
        claim: &Claim,
        now: i64,
        _retention_ms: i64,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let conn = self.conn().await?;
        let statement = conn
            .prepare_cached(
                "UPDATE idempotency SET state = 'complete', status = $3, content_type = $4, \
                 body = $5, fingerprint = $6, created_at = $7 \
                 WHERE id = $1 AND owner = $2 AND state <> 'complete'",
            )
            .await?;
        conn.execute(
            &statement,
            &[
                &record_id(claim).as_slice(),
                &claim.owner,
                &i32::from(response.status),
                &response.content_type,
                &response.body,
                &response.fingerprint.as_slice(),
                &now,
            ],
        )
        .await?;
        Ok(())
    }

    /// See [`Store::purge`] (PostgreSQL's autovacuum hands the space back).
    pub async fn purge(
        &self,
        now: i64,
        idempotency_ms: i64,
        tokens_ms: i64,
    ) -> Result<Purged, StoreError> {
        let mut conn = self.conn().await?;
        let tx = conn.transaction().await?;
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let idempotency = tx
            .execute(
                "DELETE FROM idempotency WHERE created_at <= $1 \
                 AND NOT (state = 'claimed' AND lease_until > $2)",
                &[&now.saturating_sub(idempotency_ms), &now],
            )
            .await?;
        let cutoff = now.saturating_sub(tokens_ms);
        let tokens = tx
            .execute(
                "DELETE FROM tokens t WHERE (t.expires_at IS NOT NULL AND t.expires_at <= $1) \
                 OR (t.revoked_at IS NOT NULL AND t.revoked_at <= $1) \
                 OR (t.used_at IS NOT NULL AND t.used_at <= $1) \
                 OR EXISTS (SELECT 1 FROM expire_all e WHERE e.app_id = t.app_id \
                      AND t.generation <= e.max_generation AND e.deadline <= $1)",
                &[&cutoff],
            )
            .await?;
        let expire_all = tx
            .execute(
                "DELETE FROM expire_all x WHERE EXISTS (SELECT 1 FROM expire_all later \
                   WHERE later.app_id = x.app_id AND later.id <> x.id \
                     AND later.max_generation >= x.max_generation \
                     AND (later.max_generation > x.max_generation OR later.id > x.id) \
                     AND (later.immediate \
                          OR (NOT x.immediate AND later.deadline <= GREATEST(x.deadline, $1)) \
                          OR later.deadline <= $2))",
                &[&now, &cutoff],
            )
            .await?;
        let rate_buckets = tx
            .execute(
                "DELETE FROM rate_buckets WHERE full_at <= \
                 (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
                &[],
            )
            .await?;
        tx.commit().await?;
        Ok(Purged {
            idempotency: count(idempotency),
            tokens: count(tokens),
            expire_all: count(expire_all),
            rate_buckets: count(rate_buckets),
        })
    }

    /// Takes one token from the shared bucket `key` (`rate` per second, at most `burst`), by
    /// the database's clock, in one statement; `Err(seconds)` to wait when there is none.
    pub async fn take_bucket(
        &self,
        key: &[u8],
        rate: f64,
        burst: f64,
    ) -> Result<Result<(), u64>, StoreError> {
        let conn = self.conn().await?;
        take_bucket(&conn, key, rate, burst).await
    }

    /// Whether the shared bucket `peek` (if any) has a token left, without taking it, and
    /// [`Self::take_bucket`] of `take`: both sent together on one connection (pipelined: one
    /// round trip).
    pub async fn peek_and_take(
        &self,
        peek: Option<(&[u8], f64, f64)>,
        take: (&[u8], f64, f64),
    ) -> Result<(Result<(), u64>, Result<(), u64>), StoreError> {
        let conn = self.conn().await?;
        let peeked = async {
            match peek {
                Some((key, rate, burst)) => peek_bucket(&conn, key, rate, burst).await,
                None => Ok(Ok(())),
            }
        };
        let taken = take_bucket(&conn, take.0, take.1, take.2);
        let (peeked, taken) = tokio::join!(peeked, taken);
        Ok((peeked?, taken?))
    }
}

/// One statement takes a token from a shared bucket: refill by the time passed on the
/// database's clock, take one if there is one, and note when the bucket is full again (the
/// purge deletes full buckets: they say nothing).
static TAKE_BUCKET: LazyLock<String> = LazyLock::new(|| {
    let refill = "LEAST($3::float8, b.tokens + GREATEST(0, excluded.updated_at - b.updated_at) \
                  * $2::float8 / 1000.0)";
    let left = format!("({refill} - CASE WHEN {refill} >= 1 THEN 1 ELSE 0 END)");
    let full = |tokens: &str| {
        format!(
            "CASE WHEN $2::float8 > 0 THEN LEAST(ceil(($3::float8 - {tokens}) * 1000.0 \
             / $2::float8), 1e15)::bigint ELSE 1000000000000000 END"
        )
    };
    format!(
        "INSERT INTO rate_buckets AS b (key, tokens, allowed, updated_at, full_at) \
         SELECT $1, $3::float8 - 1, true, c.now, c.now + {first} \
         FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now) c \
         ON CONFLICT (key) DO UPDATE SET tokens = {left}, allowed = {refill} >= 1, \
         updated_at = GREATEST(b.updated_at, excluded.updated_at), \
         full_at = GREATEST(b.updated_at, excluded.updated_at) + {rest} \
         RETURNING allowed, tokens",
        first = full("($3::float8 - 1)"),
        rest = full(&left),
    )
});

async fn take_bucket(
    conn: &deadpool_postgres::Client,
    key: &[u8],
    rate: f64,
    burst: f64,
) -> Result<Result<(), u64>, StoreError> {
    let statement = conn.prepare_cached(&TAKE_BUCKET).await?;
    let row = conn.query_one(&statement, &[&key, &rate, &burst]).await?;
    let allowed: bool = row.try_get(0)?;
    let tokens: f64 = row.try_get(1)?;
    Ok(if allowed {
        Ok(())
    } else {
        Err(crate::token_bucket::wait_secs(rate, tokens))
    })
}

async fn peek_bucket(
    conn: &deadpool_postgres::Client,
    key: &[u8],
    rate: f64,
    burst: f64,
) -> Result<Result<(), u64>, StoreError> {
    let statement = conn
        .prepare_cached(
            "SELECT LEAST($3::float8, tokens + GREATEST(0, \
             (extract(epoch FROM clock_timestamp()) * 1000)::bigint - updated_at) \
             * $2::float8 / 1000.0) FROM rate_buckets WHERE key = $1",
        )
        .await?;
    let row = conn.query_opt(&statement, &[&key, &rate, &burst]).await?;
    let tokens: Option<f64> = row.map(|r| r.try_get(0)).transpose()?;
    Ok(match tokens {
        Some(t) if t < 1.0 => Err(crate::token_bucket::wait_secs(rate, t)),
        _ => Ok(()),
    })
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
