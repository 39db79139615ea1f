-- The PostgreSQL schema, version 1. Times are milliseconds since the Unix epoch by the database
-- server's clock; tokens and admin credentials are stored as SHA-256 hashes only.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- `generation` counts the app's expire-alls: a token records the generation it was issued in
-- (read under a share lock of this row, which an expire-all's update waits for), and an
-- expire-all cuts off every token of a generation up to the one it closes.
-- Names are free text a client sends, which may hold U+0000 (PostgreSQL's text cannot): they
-- are kept as their UTF-8 bytes.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    uid TEXT UNIQUE,
    name BYTEA NOT NULL,
    rate_limit INTEGER,
    metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    generation BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE tokens (
    hash BYTEA PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    app_id TEXT NOT NULL REFERENCES apps (id),
    generation BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    used_at BIGINT,
    name BYTEA,
    feature_flags TEXT NOT NULL,
    read_only BOOLEAN NOT NULL,
    scopes TEXT NOT NULL,
    session_ttl BIGINT
);
CREATE INDEX tokens_app ON tokens (app_id, generation);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE expire_all (
    id BIGSERIAL PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps (id),
    max_generation BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    immediate BOOLEAN NOT NULL
);
CREATE INDEX expire_all_app ON expire_all (app_id, max_generation);

-- state: 'claimed' (a request holds the key until lease_until, or until its instance dies:
-- `instance` names the session advisory lock every live instance holds), 'executed' (its
-- operation committed, the answer is not recorded yet), 'complete' (the answer, sealed, is in
-- body). `owner` is the claiming request's random id: a request whose claim was taken over
-- cannot commit.
-- id: SHA-256 of (credential hash, key, path): fixed-size whatever the client sends.
CREATE TABLE idempotency (
    id BYTEA PRIMARY KEY,
    state TEXT NOT NULL,
    owner BIGINT NOT NULL,
    instance BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT,
    body BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    fingerprint BYTEA NOT NULL
);

-- Token buckets shared by every instance (rate limits hold for the whole service). Unlogged: no
-- write-ahead log and no flush per request; a crash of the database server empties it (every
-- bucket full again), which is all a rate limit can lose.
CREATE UNLOGGED TABLE rate_buckets (
    key BYTEA PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    allowed BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL,
    full_at BIGINT NOT NULL
);
CREATE INDEX rate_buckets_full ON rate_buckets (full_at);
