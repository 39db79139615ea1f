//! The database file's protection and the schema's versioned migrations.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use super::{SCHEMA_VERSION, StoreError};

/// Creates the database file readable and writable by its owner only (0600), or narrows an
/// existing one to that; SQLite gives its `-wal` and `-shm` files the same mode. Those are
/// narrowed too when they already exist.
pub(super) fn restrict_file(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates or upgrades the schema in one immediate transaction, so two processes opening the same
/// file at once cannot both migrate it.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)",
    )?;
    let version: i64 = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 1 {
        tx.execute_batch(
            "CREATE TABLE apps (
                 id TEXT PRIMARY KEY,
                 uid TEXT UNIQUE,
                 name TEXT NOT NULL,
                 rate_limit INTEGER,
                 metadata TEXT NOT NULL,
                 created_at INTEGER NOT NULL
             );
             CREATE TABLE tokens (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 hash BLOB NOT NULL UNIQUE,
                 id TEXT NOT NULL UNIQUE,
                 kind TEXT NOT NULL,
                 app_id TEXT NOT NULL REFERENCES apps(id),
                 created_at INTEGER NOT NULL,
                 expires_at INTEGER,
                 revoked_at INTEGER,
                 used_at INTEGER,
                 name TEXT,
                 feature_flags TEXT NOT NULL,
                 read_only INTEGER NOT NULL,
                 scopes TEXT NOT NULL,
                 session_ttl INTEGER
             );
             CREATE INDEX tokens_app ON tokens (app_id, seq);
             CREATE TABLE expire_all (
                 app_id TEXT NOT NULL REFERENCES apps(id),
                 max_seq INTEGER NOT NULL,
                 created_at INTEGER NOT NULL,
                 deadline INTEGER NOT NULL
             );
             CREATE INDEX expire_all_app ON expire_all (app_id);
             CREATE TABLE idempotency (
                 credential BLOB NOT NULL,
                 key TEXT NOT NULL,
                 path TEXT NOT NULL,
                 status INTEGER NOT NULL,
                 content_type TEXT,
                 body BLOB NOT NULL,
                 created_at INTEGER NOT NULL,
                 fingerprint BLOB NOT NULL,
                 PRIMARY KEY (credential, key, path)
             );
             INSERT INTO meta (key, value) VALUES ('schema_version', 1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value;",
        )?;
    }
    if version < 2 {
        // A token may take another's place in the issuing order: a session exchanged from a
        // magic link is cut off by every expire-all that cuts off the link.
        tx.execute_batch(
            "ALTER TABLE tokens ADD COLUMN origin_seq INTEGER;
             INSERT INTO meta (key, value) VALUES ('schema_version', 2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value;",
        )?;
    }
    if version < 3 {
        // Idempotency records written with the operation (`executed`), then with its answer
        // (`complete`); immediate expire-alls that no clock step can undo; indexes for the purge.
        tx.execute_batch(
            "ALTER TABLE idempotency ADD COLUMN state TEXT NOT NULL DEFAULT 'complete';
             ALTER TABLE expire_all ADD COLUMN immediate INTEGER NOT NULL DEFAULT 0;
             CREATE INDEX tokens_expires ON tokens (expires_at);
             INSERT INTO meta (key, value) VALUES ('schema_version', 3)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value;",
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Puts the file in incremental auto-vacuum mode (so a purge can hand freed pages back to the
/// file system); a file created before that mode existed here is rebuilt once with `VACUUM`.
pub(super) fn incremental_vacuum(conn: &Connection) -> Result<(), StoreError> {
    const INCREMENTAL: i64 = 2;
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if mode != INCREMENTAL {
        conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
    }
    Ok(())
}
