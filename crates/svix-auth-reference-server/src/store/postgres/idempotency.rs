//! Idempotency claims as rows every instance sees, the commit that records a request's claim
//! with its writes, and the purge of expired data.

use super::*;

/// Whether the instance that holds idempotency record `i` is alive: it holds its session
/// advisory lock (the bigint key is split into `classid` and `objid`).
pub(super) const INSTANCE_ALIVE: &str = "EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' \
     AND l.granted AND l.objsubid = 1 AND l.classid = ((i.instance >> 32) & 4294967295)::oid \
     AND l.objid = (i.instance & 4294967295)::oid)";

/// The key of a claim's record: SHA-256 of (credential hash, key, path), each length-prefixed.
/// Fixed-size, whatever the length of the key or path a client sends (a B-tree entry of
/// PostgreSQL holds at most ~2.7 kB: a long random key once failed the insert).
pub(super) fn record_id(claim: &Claim) -> TokenHash {
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
pub(super) async fn commit(tx: Transaction<'_>) -> Result<(), StoreError> {
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
}
