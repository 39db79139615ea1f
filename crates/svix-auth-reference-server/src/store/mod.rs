//! Storage: apps, tokens (hashes only), expire-all events, idempotency records and the admin
//! token's hash, behind one interface ([`Store`]) with two implementations that behave the same:
//! - [`sqlite::SqliteStore`], an embedded file (the default; one server process per file);
//! - [`postgres::PostgresStore`], a PostgreSQL database shared by any number of instances
//!   (claims, cut-offs, rate limits and the clock live in the database).
//!
//! Every write an operation makes goes through the store's write transaction, which also records
//! the idempotency key of the request in flight (if any, see [`ACTIVE_CLAIM`]) as executed, so
//! that a crash between the operation and the recording of its answer cannot let a retry run it
//! again.

use std::path::PathBuf;

use crate::secret::TokenHash;

pub mod postgres;
pub mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file (`:memory:` for a throw-away store).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl Database {
    /// `postgres://…` / `postgresql://…` is PostgreSQL; anything else an SQLite path.
    pub fn parse(value: &str) -> Self {
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            Self::Postgres(value.to_owned())
        } else {
            Self::Sqlite(PathBuf::from(value))
        }
    }

    /// The SQLite file, if this is one (and not `:memory:`).
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        match self {
            Self::Sqlite(path) if path != std::path::Path::new(":memory:") => Some(path),
            _ => None,
        }
    }
}

impl From<PathBuf> for Database {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

impl From<&str> for Database {
    fn from(value: &str) -> Self {
        Self::parse(value)
    }
}

/// Shown in logs: the SQLite path, or the PostgreSQL URL without its password.
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&postgres::redact(url)),
        }
    }
}

/// Who a presented credential is.
#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    /// The organization (admin) token stored now.
    Admin,
    /// A live token the API issued.
    Token(TokenRecord),
}

/// What the store did with the admin token at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminInit {
    /// The configured token is stored; `replaced` is the hash it replaced (a rotation), if any.
    Configured {
        /// The earlier, different hash.
        replaced: Option<TokenHash>,
    },
    /// No token configured: the one already stored is kept.
    Kept,
    /// No token configured and none stored: the fresh one offered was stored (by this start;
    /// of several starting together exactly one gets this).
    Generated,
}

/// What the idempotency layer may do with a request carrying a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Run it: this request holds the key's claim.
    Run,
    /// Something is recorded: replay it or say the answer was lost.
    Recorded(Recorded),
    /// Another request (on any instance) holds the key right now: ask again shortly.
    Busy,
}

/// Options of a PostgreSQL store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_connections: usize,
    /// How long a request waits for a free connection before failing (503).
    pub acquire_timeout: std::time::Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: std::time::Duration::from_secs(5),
        }
    }
}

/// Connections of the store right now (for `/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolState {
    /// Lent to a request.
    pub in_use: usize,
    /// Open and waiting.
    pub idle: usize,
}

/// The store: one of the two implementations, with one behaviour.
#[derive(Clone)]
pub enum Store {
    /// Embedded SQLite.
    Sqlite(SqliteStore),
    /// Shared PostgreSQL.
    Postgres(PostgresStore),
}

impl Store {
    /// Opens (creating or migrating) the database.
    pub async fn open(database: &Database, pool: PoolOptions) -> Result<Self, StoreError> {
        match database {
            Database::Sqlite(path) => {
                let path = path.clone();
                let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                    .await
                    .map_err(|e| StoreError::Io(format!("opening the database: {e}")))??;
                Ok(Self::Sqlite(store))
            }
            Database::Postgres(url) => Ok(Self::Postgres(PostgresStore::open(url, pool).await?)),
        }
    }

    /// Now, in ms since the epoch, by the clock deadlines are kept in: the system clock for
    /// SQLite, the database server's for PostgreSQL (so that every instance agrees).
    pub fn now_ms(&self) -> i64 {
        match self {
            Self::Sqlite(_) => crate::clock::now_ms(),
            Self::Postgres(p) => p.now_ms(),
        }
    }

    /// The connections (SQLite: its one connection, counted idle).
    pub fn pool_state(&self) -> PoolState {
        match self {
            Self::Sqlite(_) => PoolState { in_use: 0, idle: 1 },
            Self::Postgres(p) => p.pool_state(),
        }
    }
}

/// Runs `f` on the SQLite store's blocking thread; a panic there is a store error.
async fn on_sqlite<T: Send + 'static>(
    store: &SqliteStore,
    f: impl FnOnce(&SqliteStore) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    store
        .blocking(f)
        .await
        .map_err(|e| StoreError::Io(format!("the store's thread failed: {e}")))?
}

impl Store {
    /// Whether the database answers: it can take the write lock within a second (then gives it
    /// back without writing) and read the schema version.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, |s| s.ping()).await,
            Self::Postgres(p) => p.ping().await,
        }
    }

    /// Stores the configured admin token's hash (replacing another: rotation), or without one
    /// keeps the stored hash, or stores `fresh` when there is none (atomically: of several
    /// instances starting together on an empty database, exactly one stores its hash).
    pub async fn init_admin(
        &self,
        configured: Option<TokenHash>,
        fresh: TokenHash,
    ) -> Result<AdminInit, StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.init_admin(configured, fresh)).await,
            Self::Postgres(p) => p.init_admin(configured, fresh).await,
        }
    }

    /// Who the token hashing to `h` is at `now`: the admin token stored now, or a live issued
    /// token (not revoked, not used, not expired, not cut off by a passed expire-all).
    pub async fn authenticate(
        &self,
        h: TokenHash,
        now: i64,
    ) -> Result<Option<Credential>, StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.authenticate(&h, now)).await,
            Self::Postgres(p) => p.authenticate(&h, now).await,
        }
    }

    /// Finds an app by id or uid (the id wins).
    pub async fn find_app(&self, id_or_uid: String) -> Result<Option<App>, StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.find_app(&id_or_uid)).await,
            Self::Postgres(p) => p.find_app(&id_or_uid).await,
        }
    }

    /// The app whose uid is `app.uid`, created as `app` when there is none — atomically, so
    /// that every concurrent caller gets the same app. Only a true conflict (the uid is another
    /// app's id, or `app.id` is taken) is a [`StoreError::Conflict`].
    pub async fn get_or_create_app(
        &self,
        app: App,
        rate_limit: Option<u16>,
        metadata: String,
        now: i64,
    ) -> Result<App, StoreError> {
        match self {
            Self::Sqlite(s) => {
                on_sqlite(s, move |s| {
                    s.get_or_create_app(&app, rate_limit, &metadata, now)
                })
                .await
            }
            Self::Postgres(p) => p.get_or_create_app(&app, rate_limit, &metadata, now).await,
        }
    }

    /// Stores new tokens atomically (each after every expire-all of its app committed before).
    pub async fn insert_tokens(&self, tokens: Vec<NewToken>) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.insert_tokens(&tokens)).await,
            Self::Postgres(p) => p.insert_tokens(&tokens).await,
        }
    }

    /// Whether the one-time token hashing to `h` was exchanged and its lifetime is not over yet
    /// (not revoked, not cut off): a retried exchange may still be answered the same.
    pub async fn exchanged_one_time_token(
        &self,
        h: TokenHash,
        now: i64,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.exchanged_one_time_token(&h, now)).await,
            Self::Postgres(p) => p.exchanged_one_time_token(&h, now).await,
        }
    }

    /// Marks a live one-time token used and stores the session `make_session` makes in the same
    /// transaction; `None` when the one-time token is unknown, expired, cut off or already used
    /// (of concurrent callers on any instance, exactly one wins).
    pub async fn exchange_one_time(
        &self,
        h: TokenHash,
        now: i64,
        make_session: impl FnOnce(&TokenRecord) -> (String, TokenRecord) + Send + 'static,
    ) -> Result<Option<String>, StoreError> {
        match self {
            Self::Sqlite(s) => {
                on_sqlite(s, move |s| s.exchange_one_time(&h, now, make_session)).await
            }
            Self::Postgres(p) => p.exchange_one_time(&h, now, make_session).await,
        }
    }

    /// Revokes the token hashing to `h`; false when it was not live.
    pub async fn revoke(&self, h: TokenHash, now: i64) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.revoke(&h, now)).await,
            Self::Postgres(p) => p.revoke(&h, now).await,
        }
    }

    /// Records an expire-all: every token of `app_id` issued before it commits stops working
    /// at `cutoff`; tokens issued after it are not affected.
    pub async fn expire_all(
        &self,
        app_id: String,
        now: i64,
        cutoff: Cutoff,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.expire_all(&app_id, now, cutoff)).await,
            Self::Postgres(p) => p.expire_all(&app_id, now, cutoff).await,
        }
    }

    /// What a request with `claim`'s key may do: run (it holds the key now), replay what is
    /// recorded for it (younger than `retention_ms`), or wait for another holder.
    pub async fn begin_idempotent(
        &self,
        claim: Claim,
        retention_ms: i64,
    ) -> Result<Begin, StoreError> {
        match self {
            Self::Sqlite(s) => {
                on_sqlite(s, move |s| s.begin_idempotent(&claim, retention_ms)).await
            }
            Self::Postgres(p) => p.begin_idempotent(&claim, retention_ms).await,
        }
    }

    /// Drops the record (and claim) of a request that did not succeed: a retry may run it.
    pub async fn release_idempotency(&self, claim: Claim) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.release_idempotency(&claim)).await,
            Self::Postgres(p) => p.release_idempotency(&claim).await,
        }
    }

    /// Records the answer of `claim`'s operation at `now` (an answered record is never
    /// replaced; one older than `retention_ms` is).
    pub async fn store_idempotent_response(
        &self,
        claim: Claim,
        now: i64,
        retention_ms: i64,
        response: StoredResponse,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => {
                on_sqlite(s, move |s| {
                    s.store_idempotent_response(&claim, now, retention_ms, &response)
                })
                .await
            }
            Self::Postgres(p) => {
                p.store_idempotent_response(&claim, now, retention_ms, &response)
                    .await
            }
        }
    }

    /// Deletes what no request can use any more: idempotency records older than
    /// `idempotency_ms`; tokens expired, used, revoked or cut off more than `tokens_ms` ago;
    /// expire-all records another of the same app makes redundant; idle rate-limit buckets.
    pub async fn purge(
        &self,
        now: i64,
        idempotency_ms: i64,
        tokens_ms: i64,
    ) -> Result<Purged, StoreError> {
        match self {
            Self::Sqlite(s) => on_sqlite(s, move |s| s.purge(now, idempotency_ms, tokens_ms)).await,
            Self::Postgres(p) => p.purge(now, idempotency_ms, tokens_ms).await,
        }
    }
}

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("database error: {}", postgres::describe(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("database connection: {0}")]
    Pool(String),
    /// The idempotency claim of the request in flight was taken over by another request (its
    /// lease ran out): the operation is rolled back rather than run twice.
    #[error("the idempotency claim of this request was lost")]
    ClaimLost,
    /// A unique value (app uid) is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database was written by a newer build.
    #[error("database schema version {found} is newer than this server's {supported}")]
    TooNew {
        /// The version found in the database.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The database file could not be created or protected.
    #[error("database file: {0}")]
    Io(String),
}

impl StoreError {
    /// Whether the database could not be reached or was busy (transient: retrying later may
    /// succeed), as opposed to a refused statement.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Pool(_) => true,
            Self::Postgres(e) => match e.as_db_error() {
                // No answer from the server: the connection broke or never opened.
                None => true,
                // Connection exceptions, and the server shutting down or starting up.
                Some(db) => {
                    let code = db.code().code();
                    code.starts_with("08") || code.starts_with("57P")
                }
            },
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// App portal session (`appsk_…`).
    Portal,
    /// Message-creation token (`msgsk_…`).
    Message,
    /// One-time token of a magic link (`ott_…`).
    OneTime,
}

impl TokenKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Portal => "portal",
            Self::Message => "message",
            Self::OneTime => "one_time",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "portal" => Self::Portal,
            "message" => Self::Message,
            "one_time" => Self::OneTime,
            _ => return None,
        })
    }
}

/// The sentence of a true conflict on creating `app`: its uid (or, without one, its id) is taken.
fn app_conflict(app: &App) -> String {
    let taken = app.uid.as_deref().unwrap_or(&app.id);
    format!("the application ID or uid `{taken}` is already taken by another application")
}

/// An application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// `app_…`.
    pub id: String,
    /// The caller's unique identifier, if any.
    pub uid: Option<String>,
    /// Its name.
    pub name: String,
}

/// A live (stored) token's record.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    /// `key_…`.
    pub id: String,
    /// What it is.
    pub kind: TokenKind,
    /// The app it is scoped to.
    pub app_id: String,
    /// Creation time (ms since the epoch).
    pub created_at: i64,
    /// Expiry (ms since the epoch), if any.
    pub expires_at: Option<i64>,
    /// Its name (message tokens).
    pub name: Option<String>,
    /// Feature flags (portal and one-time tokens).
    pub feature_flags: Vec<String>,
    /// Read-only portal (portal and one-time tokens).
    pub read_only: bool,
    /// Scopes (message tokens).
    pub scopes: Vec<String>,
    /// Lifetime (ms) of the session a one-time token is exchanged for.
    pub session_ttl_ms: Option<i64>,
}

/// A new token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The secret (only its hash is stored).
    pub secret: String,
    /// Its record.
    pub record: TokenRecord,
}

/// A stored response for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// SHA-256 of the request (method, path, body) that produced it.
    pub fingerprint: TokenHash,
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// The idempotency key of a request in flight, recorded by the operation's own writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Hash of the presented `Authorization`.
    pub credential: TokenHash,
    /// The `Idempotency-Key`.
    pub key: String,
    /// The request path.
    pub path: String,
    /// SHA-256 of the request (method, path, body).
    pub fingerprint: TokenHash,
    /// When the request arrived (ms since the epoch).
    pub now: i64,
    /// Random id of the request holding the claim (fences a request whose lease ran out).
    pub owner: i64,
}

tokio::task_local! {
    /// The key of the request this task serves (set by the idempotency layer around the
    /// operation); [`Store::blocking`] carries it to the blocking thread.
    pub static ACTIVE_CLAIM: Claim;
}

thread_local! {
    /// The key whose operation runs on this (blocking) thread right now.
    static CLAIM_ON_THREAD: std::cell::RefCell<Option<Claim>> = const { std::cell::RefCell::new(None) };
}

/// What an idempotency record says when a request arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Nothing usable: no record, or an expired one.
    Nothing,
    /// The answer of the first request.
    Answer(StoredResponse),
    /// The operation committed but its answer was never recorded (the process died in between).
    AnswerLost {
        /// SHA-256 of the request that ran.
        fingerprint: TokenHash,
    },
}

/// What a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Idempotency records older than their retention.
    pub idempotency: usize,
    /// Tokens expired, used, revoked or cut off longer ago than the token retention.
    pub tokens: usize,
    /// Expire-all records superseded by a later one of the same app.
    pub expire_all: usize,
    /// Rate-limit buckets full again (PostgreSQL; the embedded store keeps them in memory).
    pub rate_buckets: usize,
}

/// When an expire-all takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cutoff {
    /// Now, whatever the clock says later (stored as "immediate", not as an instant).
    Immediate,
    /// At this instant (ms since the epoch).
    At(i64),
}
