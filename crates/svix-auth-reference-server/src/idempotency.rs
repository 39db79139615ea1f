//! `Idempotency-Key` for POSTs, as a layer around the generated router: the first 2xx answer
//! (status, content type, body bytes) for (credential, key, path) is stored for 12 hours and
//! replayed byte-identical; concurrent requests with the same key wait for the first one to
//! finish, so the operation never runs twice for a success. Non-2xx answers are not stored.
//!
//! The record is written by the operation's own write transaction (`executed`, see
//! [`crate::store::SqliteStore::write`]; the PostgreSQL store's transactions do the same) and
//! completed with the answer (`complete`): the operation and its record commit together. A process that dies between the operation and the answer leaves
//! `executed`: a retry is told the answer was lost (409 `idempotency_answer_lost`) and the
//! operation does not run twice. A process that dies before the operation commits leaves
//! nothing, and the retry runs it. Within the process, requests with the same key are
//! serialized by a lock; across instances sharing PostgreSQL, by a claim row with an owner and a
//! lease (a request finding the key claimed elsewhere waits for the answer; a claim whose holder
//! died is taken over when its lease runs out, and a holder whose lease ran out cannot commit).
//! A failing lookup answers 503 and runs nothing.
//! Stored bodies carry tokens, so they are sealed (ChaCha20-Poly1305) under a key derived from
//! the presented credential and the idempotency key, neither of which is stored: the database
//! alone cannot reveal them.
//! Reusing a key for a different request (method, path or body) is refused with 409
//! `idempotency_conflict` (a status every operation documents) instead of replaying an answer to
//! a request that was not made.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::secret::{TokenHash, hash, same};
use crate::store::{ACTIVE_CLAIM, Begin, Claim, Recorded, Store, StoredResponse};

/// How long a stored answer is replayed by default: 12 hours (`--idempotency-retention`).
pub const RETENTION_MS: i64 = 12 * 60 * 60 * 1000;

/// Largest response body that is stored for replay.
const MAX_STORED_BODY: usize = 1024 * 1024;

type Key = (TokenHash, String, String);

pub use crate::credentials::Credentials;

/// The path of the one-time-token exchange, whose answers are replayed only as long as a
/// one-time token lives.
pub const EXCHANGE_PATH: &str = "/api/v1/auth/one-time-token";

/// State of the idempotency layer.
pub struct Idempotency {
    store: Store,
    credentials: Arc<dyn Credentials>,
    /// How long an exchange's answer is replayed (the one-time token's lifetime).
    exchange_retention_ms: i64,
    /// How long any other answer is replayed.
    retention_ms: i64,
    in_flight: Mutex<HashMap<Key, Weak<tokio::sync::Mutex<()>>>>,
}

impl Idempotency {
    /// A layer state over `store`, replaying only to credentials `credentials` accepts, answers
    /// to an exchange for `exchange_retention_ms` and others for `retention_ms`.
    pub fn new(
        store: Store,
        credentials: Arc<dyn Credentials>,
        exchange_retention_ms: i64,
        retention_ms: i64,
    ) -> Arc<Self> {
        Arc::new(Self {
            store,
            credentials,
            exchange_retention_ms: exchange_retention_ms.min(retention_ms),
            retention_ms,
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    fn lock_for(&self, key: &Key) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = map.get(key).and_then(Weak::upgrade) {
            return lock;
        }
        map.retain(|_, weak| weak.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(key.clone(), Arc::downgrade(&lock));
        lock
    }
}

fn fingerprint(method: &Method, path: &str, body: &[u8]) -> TokenHash {
    let mut text = Vec::with_capacity(body.len() + path.len() + 8);
    text.extend_from_slice(method.as_str().as_bytes());
    text.push(b' ');
    text.extend_from_slice(path.as_bytes());
    text.push(b'\n');
    text.extend_from_slice(body);
    crate::secret::hash_bytes(&text)
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    if let Some(ct) = stored
        .content_type
        .and_then(|c| header::HeaderValue::from_str(&c).ok())
    {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    response
}

/// The middleware function.
pub async fn layer(
    State(state): State<Arc<Idempotency>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (Some(key), Some(authorization)) = (key, authorization) else {
        return next.run(request).await;
    };
    let credential = hash(&authorization);
    let seal_key = crate::secret::derive_key(
        "svix-auth idempotency body v1",
        &[authorization.as_bytes(), key.as_bytes()],
    );
    let path = request.uri().path().to_owned();
    let id: Key = (credential, key, path);

    // Fingerprint the request; a body over the replay limit goes on unbuffered (the router
    // answers it with 413 anyway).
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_STORED_BODY).await else {
        return svix_auth_server::runtime::error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is too large",
        );
    };
    let fingerprint = fingerprint(&parts.method, &id.2, &bytes);
    let request = Request::from_parts(parts, Body::from(bytes));

    let lock = state.lock_for(&id);
    let _guard = lock.lock().await;
    let retention = if id.2 == EXCHANGE_PATH {
        state.exchange_retention_ms
    } else {
        state.retention_ms
    };
    let claim = Claim {
        credential: id.0,
        key: id.1.clone(),
        path: id.2.clone(),
        fingerprint,
        now: state.store.now_ms(),
        owner: i64::from_ne_bytes(crate::secret::random_bytes()),
    };
    let mut claim = claim;
    let lookup = begin(&state.store, &mut claim, retention).await;
    match lookup {
        Ok(Begin::Run) => {}
        Ok(Begin::Recorded(Recorded::Answer(mut stored))) => {
            let live = match svix_auth_server::runtime::optional_bearer(request.headers()) {
                Ok(Some(bearer)) => {
                    state
                        .credentials
                        .is_live(bearer.token().to_owned(), id.2.clone())
                        .await
                }
                _ => false,
            };
            if !live {
                // The credential that made the first request is dead: the request runs (and its
                // authentication fails) without touching the record.
                return next.run(request).await;
            }
            if !same(&stored.fingerprint, &fingerprint) {
                return conflict();
            }
            return match crate::secret::open(&seal_key, &stored.body) {
                Some(body) => {
                    stored.body = body;
                    replay(stored)
                }
                None => {
                    tracing::error!("a stored idempotent response could not be opened");
                    unavailable("the recorded answer could not be read")
                }
            };
        }
        Ok(Begin::Recorded(Recorded::AnswerLost { fingerprint: first })) => {
            if !same(&first, &fingerprint) {
                return conflict();
            }
            return svix_auth_server::runtime::error_response(
                StatusCode::CONFLICT,
                "idempotency_answer_lost",
                "a request with this idempotency key ran, but its answer was lost before it was \
                 recorded; it is not run again (check its effect, then use a new key)",
            );
        }
        Ok(Begin::Recorded(Recorded::Nothing)) | Ok(Begin::Busy) => {
            return unavailable("another request with this idempotency key is still running");
        }
        // Not knowing whether the request already ran, running it could run it twice.
        Err(_) => return unavailable("the idempotency record could not be read"),
    }
    fault::point("before-operation");

    let response = ACTIVE_CLAIM.scope(claim.clone(), next.run(request)).await;
    if !response.status().is_success() {
        // Not recorded (a partial write is forgotten): a retry may run the request again.
        let released = state.store.release_idempotency(claim).await;
        if released.is_err() {
            tracing::error!("the record of a failed request could not be dropped");
        }
        return response;
    }
    fault::point("after-operation");
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_STORED_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "response body could not be read",
            )
                .into_response();
        }
    };
    let stored = StoredResponse {
        fingerprint,
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: crate::secret::seal(&seal_key, &bytes),
    };
    let now = state.store.now_ms();
    let saved = state
        .store
        .store_idempotent_response(claim, now, retention, stored)
        .await;
    if saved.is_err() {
        // The record stays `executed`: a retry is told the answer was lost, never runs it again.
        tracing::error!("idempotency record could not be stored");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Longest a request waits for another holder of its key (on another instance) to finish: past
/// the claim's lease the key is taken over, so this is reached only when the database keeps
/// failing to answer.
const MAX_WAIT: std::time::Duration =
    std::time::Duration::from_millis(crate::store::postgres::CLAIM_LEASE_MS as u64 * 2);

/// Asks the store what the request may do, waiting (with backoff) while another request holds
/// the key; `Err` when the store fails.
async fn begin(store: &Store, claim: &mut Claim, retention: i64) -> Result<Begin, ()> {
    let started = tokio::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(5);
    loop {
        match store.begin_idempotent(claim.clone(), retention).await {
            Ok(Begin::Busy) if started.elapsed() < MAX_WAIT => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_millis(100));
                claim.now = store.now_ms();
            }
            Ok(begin) => return Ok(begin),
            Err(e) => {
                tracing::error!(error = %e, "idempotency record lookup failed");
                return Err(());
            }
        }
    }
}

/// 409 for a key reused with a different request.
fn conflict() -> Response {
    svix_auth_server::runtime::error_response(
        StatusCode::CONFLICT,
        "idempotency_conflict",
        "this idempotency key was already used for a different request; use a new key",
    )
}

/// 503 + `Retry-After` when the record cannot be read or written: running the request without
/// it could run it twice.
fn unavailable(what: &str) -> Response {
    tracing::error!("{what}; answering 503");
    crate::storage_unavailable(&format!("{what}; retry with the same key"))
}

/// Fault injection for the durability tests (debug builds only): `SVIX_AUTH_FAULT=<point>`
/// aborts the process at that point, as a crash or `kill -9` would.
mod fault {
    /// Aborts when `SVIX_AUTH_FAULT` names `point` (debug builds only).
    pub fn point(point: &str) {
        #[cfg(debug_assertions)]
        if std::env::var("SVIX_AUTH_FAULT").is_ok_and(|p| p == point) {
            eprintln!("SVIX_AUTH_FAULT: aborting at {point}");
            std::process::abort();
        }
        #[cfg(not(debug_assertions))]
        let _ = point;
    }
}
