//! The embedded SQLite store: apps, tokens (hashes only), expire-all events, idempotency records
//! and the admin token's hash. Schema created and migrated on open; WAL mode. One process per
//! file: the idempotency claim of a request in flight is a lock in this process.
//!
//! Every write an operation makes goes through [`SqliteStore::write`]: one immediate transaction that
//! also records the idempotency key of the request in flight (if any) as executed, so that a
//! crash between the operation and the recording of its answer cannot let a retry run it again.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use super::*;
use crate::secret::{TokenHash, hash, same};

/// The schema version this build writes.
const SCHEMA_VERSION: i64 = 3;

/// The store: one SQLite connection behind a mutex (SQLite serializes writers anyway).
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// A second connection for [`Store::ping`], so that a health check neither queues behind
    /// the operations nor waits out their lock timeout (`None` for an in-memory database).
    health: Option<Arc<Mutex<Connection>>>,
}

impl SqliteStore {
    /// Runs `f` on a blocking thread (SQLite calls block), off the async runtime. The one place
    /// the server leaves the runtime for the store; an error means the thread panicked.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&SqliteStore) -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let store = self.clone();
        let claim = ACTIVE_CLAIM.try_with(Clone::clone).ok();
        tokio::task::spawn_blocking(move || {
            CLAIM_ON_THREAD.with(|c| *c.borrow_mut() = claim);
            let out = f(&store);
            CLAIM_ON_THREAD.with(|c| *c.borrow_mut() = None);
            out
        })
        .await
    }

    /// Runs an operation's writes in one immediate transaction that also records the idempotency
    /// key of the request in flight (if any) as executed: the operation and that record commit
    /// together, or neither does.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            let claim = CLAIM_ON_THREAD.with(|c| c.borrow().clone());
            if let Some(claim) = claim {
                // An answered record of this key is never touched (the layer replays those).
                tx.execute(
                    "INSERT INTO idempotency (credential, key, path, status, content_type, body, created_at, fingerprint, state)
                     VALUES (?1, ?2, ?3, 0, NULL, x'', ?4, ?5, 'executed')
                     ON CONFLICT(credential, key, path) DO UPDATE SET created_at = excluded.created_at,
                       fingerprint = excluded.fingerprint, state = 'executed'
                     WHERE idempotency.state <> 'complete'",
                    params![claim.credential.as_slice(), claim.key, claim.path, claim.now, claim.fingerprint.as_slice()],
                )?;
            }
            tx.commit()?;
            Ok(out)
        })
    }
}

impl SqliteStore {
    /// Opens (creating or migrating) the database at `path`; `:memory:` is an in-memory one.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = if path == Path::new(":memory:") {
            Connection::open_in_memory()?
        } else {
            restrict_file(path)?;
            Connection::open(path)?
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Takes effect on a new file only (before its first table); see `incremental_vacuum`.
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode: a committed transaction survives a crash of this process (SIGKILL);
        // only an OS crash or power loss may lose the last transactions.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        migrate::incremental_vacuum(&conn)?;
        let health = if path == Path::new(":memory:") {
            None
        } else {
            let health = Connection::open(path)?;
            health.busy_timeout(std::time::Duration::from_secs(1))?;
            Some(Arc::new(Mutex::new(health)))
        };
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            health,
        })
    }

    /// Whether the database answers: it can take the write lock within a second (then gives it
    /// back without writing) and read the schema version.
    pub fn ping(&self) -> Result<(), StoreError> {
        let check = |c: &mut Connection| -> Result<(), StoreError> {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get::<_, i64>(0),
            )?;
            tx.rollback()?;
            Ok(())
        };
        match &self.health {
            Some(health) => check(&mut health.lock().unwrap_or_else(|p| p.into_inner())),
            None => self.with(check),
        }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut conn)
    }

    /// Whether the database is healthy (`PRAGMA quick_check`).
    pub fn quick_check(&self) -> Result<bool, StoreError> {
        self.with(|c| Ok(c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))? == "ok"))
    }

    /// See [`Store::init_admin`]: one immediate transaction, so two processes starting on one
    /// file cannot both store a generated token.
    pub fn init_admin(
        &self,
        configured: Option<TokenHash>,
        fresh: TokenHash,
    ) -> Result<AdminInit, StoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let stored: Option<Vec<u8>> = tx
                .query_row("SELECT value FROM meta WHERE key = 'admin_token_hash'", [], |r| r.get(0))
                .optional()?;
            let stored = stored.and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok());
            let (hash, outcome) = match (configured, stored) {
                (Some(h), stored) => (h, AdminInit::Configured { replaced: stored.filter(|old| !same(old, &h)) }),
                (None, Some(_)) => return Ok(AdminInit::Kept),
                (None, None) => (fresh, AdminInit::Generated),
            };
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('admin_token_hash', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![hash.as_slice()],
            )?;
            tx.commit()?;
            Ok(outcome)
        })
    }

    /// See [`Store::authenticate`]; the admin hash is read on every call, so a rotation by
    /// another start is seen at once.
    pub fn authenticate(&self, h: &TokenHash, now: i64) -> Result<Option<Credential>, StoreError> {
        let admin: Option<Vec<u8>> = self.with(|c| {
            Ok(
                c.prepare_cached("SELECT value FROM meta WHERE key = 'admin_token_hash'")?
                    .query_row([], |r| r.get(0))
                    .optional()?,
            )
        })?;
        if admin.is_some_and(|stored| same(h, &stored)) {
            return Ok(Some(Credential::Admin));
        }
        Ok(self.live_token(h, now)?.map(Credential::Token))
    }

    /// Finds an app by id or uid.
    pub fn find_app(&self, id_or_uid: &str) -> Result<Option<App>, StoreError> {
        self.with(|c| {
            Ok(c.query_row("SELECT id, uid, name FROM apps WHERE id = ?1 OR uid = ?1 ORDER BY id = ?1 DESC LIMIT 1", params![id_or_uid], |r| {
                Ok(App { id: r.get(0)?, uid: r.get(1)?, name: r.get(2)? })
            })
            .optional()?)
        })
    }

    /// See [`Store::get_or_create_app`]: the read and the insert are one write transaction
    /// (SQLite runs one writer at a time).
    pub fn get_or_create_app(
        &self,
        app: &App,
        rate_limit: Option<u16>,
        metadata: &str,
        now: i64,
    ) -> Result<App, StoreError> {
        self.write(|c| {
            if let Some(uid) = &app.uid {
                let existing = c
                    .query_row("SELECT id, uid, name FROM apps WHERE uid = ?1", params![uid], |r| {
                        Ok(App { id: r.get(0)?, uid: r.get(1)?, name: r.get(2)? })
                    })
                    .optional()?;
                if let Some(existing) = existing {
                    return Ok(existing);
                }
            }
            let taken: bool = c.query_row(
                "SELECT EXISTS(SELECT 1 FROM apps WHERE id = ?1 OR uid = ?1 OR (?2 IS NOT NULL AND id = ?2))",
                params![app.id, app.uid],
                |r| r.get(0),
            )?;
            if taken {
                return Err(StoreError::Conflict(super::app_conflict(app)));
            }
            match c.execute(
                "INSERT INTO apps (id, uid, name, rate_limit, metadata, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![app.id, app.uid, app.name, rate_limit, metadata, now],
            ) {
                Ok(_) => Ok(app.clone()),
                Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                    Err(StoreError::Conflict(super::app_conflict(app)))
                }
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Stores new tokens atomically.
    pub fn insert_tokens(&self, tokens: &[NewToken]) -> Result<(), StoreError> {
        self.write(|tx| {
            for t in tokens {
                insert_token(tx, t)?;
            }
            Ok(())
        })
    }

    /// The live token whose secret hashes to `h` at time `now`: not revoked, not used, not
    /// expired, and not cut off by an expire-all whose deadline has passed.
    pub fn live_token(&self, h: &TokenHash, now: i64) -> Result<Option<TokenRecord>, StoreError> {
        self.with(|c| {
            let row = c
                .query_row(
                    "SELECT t.hash, t.id, t.kind, t.app_id, t.created_at, t.expires_at, t.name, t.feature_flags, t.read_only, t.scopes, t.session_ttl
                     FROM tokens t
                     WHERE t.hash = ?1 AND t.revoked_at IS NULL AND t.used_at IS NULL
                       AND (t.expires_at IS NULL OR t.expires_at > ?2)
                       AND NOT EXISTS (SELECT 1 FROM expire_all e WHERE e.app_id = t.app_id AND COALESCE(t.origin_seq, t.seq) <= e.max_seq AND (e.immediate = 1 OR e.deadline <= ?2))",
                    params![h.as_slice(), now],
                    |r| Ok((r.get::<_, Vec<u8>>(0)?, record(r, 1)?)),
                )
                .optional()?;
            // The index found it by hash; compare again in constant time all the same.
            Ok(row.filter(|(stored, _)| same(h, stored)).and_then(|(_, rec)| rec))
        })
    }

    /// Whether the one-time token hashing to `h` was exchanged and its lifetime is not over yet
    /// (not revoked, not cut off): a retried exchange may still be answered the same.
    pub fn exchanged_one_time_token(&self, h: &TokenHash, now: i64) -> Result<bool, StoreError> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM tokens t WHERE t.hash = ?1 AND t.kind = 'one_time' AND t.used_at IS NOT NULL
                   AND t.revoked_at IS NULL AND t.expires_at > ?2
                   AND NOT EXISTS (SELECT 1 FROM expire_all e WHERE e.app_id = t.app_id AND COALESCE(t.origin_seq, t.seq) <= e.max_seq AND (e.immediate = 1 OR e.deadline <= ?2))",
                params![h.as_slice(), now],
                |r| r.get::<_, i64>(0),
            )? > 0)
        })
    }

    /// Marks a live one-time token used and stores `session` in the same transaction; `None` when
    /// the one-time token is unknown, expired, cut off or already used (exactly one caller wins).
    pub fn exchange_one_time(
        &self,
        h: &TokenHash,
        now: i64,
        make_session: impl FnOnce(&TokenRecord) -> (String, TokenRecord),
    ) -> Result<Option<String>, StoreError> {
        self.write(|tx| {
            let rec = tx
                .query_row(
                    "SELECT t.hash, t.id, t.kind, t.app_id, t.created_at, t.expires_at, t.name, t.feature_flags, t.read_only, t.scopes, t.session_ttl
                     FROM tokens t WHERE t.hash = ?1 AND t.kind = 'one_time' AND t.used_at IS NULL AND t.revoked_at IS NULL
                       AND t.expires_at > ?2
                       AND NOT EXISTS (SELECT 1 FROM expire_all e WHERE e.app_id = t.app_id AND COALESCE(t.origin_seq, t.seq) <= e.max_seq AND (e.immediate = 1 OR e.deadline <= ?2))",
                    params![h.as_slice(), now],
                    |r| Ok((r.get::<_, Vec<u8>>(0)?, record(r, 1)?)),
                )
                .optional()?;
            let Some((stored, Some(rec))) = rec else { return Ok(None) };
            if !same(h, &stored) {
                return Ok(None);
            }
            let changed = tx.execute("UPDATE tokens SET used_at = ?2 WHERE hash = ?1 AND used_at IS NULL", params![h.as_slice(), now])?;
            if changed != 1 {
                return Ok(None);
            }
            let (secret, session) = make_session(&rec);
            insert_token(tx, &NewToken { secret: secret.clone(), record: session })?;
            // The session takes the link's place in the issuing order (see `origin_seq`).
            tx.execute(
                "UPDATE tokens SET origin_seq = (SELECT COALESCE(origin_seq, seq) FROM tokens WHERE hash = ?1)
                 WHERE hash = ?2",
                params![h.as_slice(), crate::secret::hash(&secret).as_slice()],
            )?;
            Ok(Some(secret))
        })
    }

    /// Revokes the token hashing to `h`; false when it was not live.
    pub fn revoke(&self, h: &TokenHash, now: i64) -> Result<bool, StoreError> {
        self.write(|c| {
            Ok(c.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
                params![h.as_slice(), now],
            )? == 1)
        })
    }

    /// Records an expire-all: every token of `app_id` issued so far stops working at `cutoff`.
    pub fn expire_all(&self, app_id: &str, now: i64, cutoff: Cutoff) -> Result<(), StoreError> {
        let (immediate, deadline) = match cutoff {
            Cutoff::Immediate => (true, now),
            Cutoff::At(deadline) => (false, deadline),
        };
        self.write(|tx| {
            let max_seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM tokens WHERE app_id = ?1", params![app_id], |r| r.get(0))?;
            tx.execute("INSERT INTO expire_all (app_id, max_seq, created_at, deadline, immediate) VALUES (?1, ?2, ?3, ?4, ?5)", params![app_id, max_seq, now, deadline, immediate])?;
            Ok(())
        })
    }

    /// See [`Store::begin_idempotent`]. In one process the idempotency layer's lock keeps two
    /// requests with one key apart, so this only reads what is recorded.
    pub fn begin_idempotent(&self, claim: &Claim, max_age_ms: i64) -> Result<Begin, StoreError> {
        Ok(
            match self.idempotent_response(
                &claim.credential,
                &claim.key,
                &claim.path,
                claim.now,
                max_age_ms,
            )? {
                Recorded::Nothing => Begin::Run,
                recorded => Begin::Recorded(recorded),
            },
        )
    }

    /// What is recorded for an idempotency key younger than `max_age_ms`.
    pub fn idempotent_response(
        &self,
        credential: &TokenHash,
        key: &str,
        path: &str,
        now: i64,
        max_age_ms: i64,
    ) -> Result<Recorded, StoreError> {
        self.with(|c| {
            let row = c
                .query_row(
                    "SELECT state, status, content_type, body, fingerprint FROM idempotency WHERE credential = ?1 AND key = ?2 AND path = ?3 AND created_at > ?4",
                    params![credential.as_slice(), key, path, now - max_age_ms],
                    |r| {
                        let fingerprint: Vec<u8> = r.get(4)?;
                        let fingerprint = <[u8; 32]>::try_from(fingerprint.as_slice()).unwrap_or([0; 32]);
                        Ok(match r.get::<_, String>(0)?.as_str() {
                            "complete" => Recorded::Answer(StoredResponse {
                                status: r.get(1)?,
                                content_type: r.get(2)?,
                                body: r.get(3)?,
                                fingerprint,
                            }),
                            "executed" => Recorded::AnswerLost { fingerprint },
                            _ => Recorded::Nothing,
                        })
                    },
                )
                .optional()?;
            Ok(row.unwrap_or(Recorded::Nothing))
        })
    }

    /// Drops the record of a request that did not succeed (a retry may run it again).
    pub fn release_idempotency(&self, claim: &Claim) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "DELETE FROM idempotency WHERE credential = ?1 AND key = ?2 AND path = ?3 AND state = 'executed'",
                params![claim.credential.as_slice(), claim.key, claim.path],
            )?;
            Ok(())
        })
    }

    /// Records the answer of a key's operation at `now` (an answered record is never replaced;
    /// one older than `retention_ms` is).
    pub fn store_idempotent_response(
        &self,
        claim: &Claim,
        now: i64,
        retention_ms: i64,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO idempotency (credential, key, path, status, content_type, body, created_at, fingerprint, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, 'complete')
                 ON CONFLICT(credential, key, path) DO UPDATE SET status = excluded.status, content_type = excluded.content_type,
                   body = excluded.body, fingerprint = excluded.fingerprint, state = 'complete',
                   created_at = CASE WHEN idempotency.state = 'complete' THEN excluded.created_at ELSE idempotency.created_at END
                 WHERE idempotency.state <> 'complete' OR idempotency.created_at <= ?8",
                params![
                    claim.credential.as_slice(),
                    claim.key,
                    claim.path,
                    response.status,
                    response.content_type,
                    response.body,
                    now,
                    now - retention_ms,
                    response.fingerprint.as_slice()
                ],
            )?;
            Ok(())
        })
    }

    /// Deletes what no request can use any more: idempotency records older than
    /// `idempotency_ms`; tokens expired, used, revoked or cut off by an expire-all more than
    /// `tokens_ms` ago; expire-all records another record of the same app makes redundant (it
    /// covers at least the same tokens, no later). Then returns freed pages to the file system.
    pub fn purge(
        &self,
        now: i64,
        idempotency_ms: i64,
        tokens_ms: i64,
    ) -> Result<Purged, StoreError> {
        let purged = self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let idempotency = tx.execute(
                "DELETE FROM idempotency WHERE created_at <= ?1",
                params![now.saturating_sub(idempotency_ms)],
            )?;
            let cutoff = now.saturating_sub(tokens_ms);
            let tokens = tx.execute(
                "DELETE FROM tokens WHERE (expires_at IS NOT NULL AND expires_at <= ?1)
                   OR (revoked_at IS NOT NULL AND revoked_at <= ?1)
                   OR (used_at IS NOT NULL AND used_at <= ?1)
                   OR EXISTS (SELECT 1 FROM expire_all e WHERE e.app_id = tokens.app_id
                        AND COALESCE(tokens.origin_seq, tokens.seq) <= e.max_seq AND e.deadline <= ?1)",
                params![cutoff],
            )?;
            let expire_all = tx.execute(
                "DELETE FROM expire_all WHERE EXISTS (SELECT 1 FROM expire_all later
                   WHERE later.app_id = expire_all.app_id AND later.rowid <> expire_all.rowid
                     AND later.max_seq >= expire_all.max_seq
                     AND (later.max_seq > expire_all.max_seq OR later.rowid > expire_all.rowid)
                     AND (later.immediate = 1
                          OR (expire_all.immediate = 0 AND later.deadline <= MAX(expire_all.deadline, ?1))
                          OR later.deadline <= ?2))",
                params![now, cutoff],
            )?;
            tx.commit()?;
            Ok(Purged { idempotency, tokens, expire_all, rate_buckets: 0 })
        })?;
        self.with(|c| {
            c.execute_batch("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")?;
            Ok(())
        })?;
        Ok(purged)
    }
}

fn record(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Option<TokenRecord>> {
    let kind: String = r.get(at + 1)?;
    let Some(kind) = TokenKind::parse(&kind) else {
        return Ok(None);
    };
    let list = |s: Option<String>| {
        s.and_then(|s| serde_json::from_str::<Vec<String>>(&s).ok())
            .unwrap_or_default()
    };
    Ok(Some(TokenRecord {
        id: r.get(at)?,
        kind,
        app_id: r.get(at + 2)?,
        created_at: r.get(at + 3)?,
        expires_at: r.get(at + 4)?,
        name: r.get(at + 5)?,
        feature_flags: list(r.get(at + 6)?),
        read_only: r.get(at + 7)?,
        scopes: list(r.get(at + 8)?),
        session_ttl_ms: r.get(at + 9)?,
    }))
}

fn insert_token(tx: &rusqlite::Transaction<'_>, t: &NewToken) -> Result<(), StoreError> {
    let r = &t.record;
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO tokens (hash, id, kind, app_id, created_at, expires_at, name, feature_flags, read_only, scopes, session_ttl)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            hash(&t.secret).as_slice(),
            r.id,
            r.kind.as_str(),
            r.app_id,
            r.created_at,
            r.expires_at,
            r.name,
            json(&r.feature_flags),
            r.read_only,
            json(&r.scopes),
            r.session_ttl_ms
        ],
    )?;
    Ok(())
}

mod migrate;
use migrate::{migrate, restrict_file};

#[cfg(test)]
mod tests;
