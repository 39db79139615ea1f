//! Rate-limit buckets shared by every instance: one statement a take, by the database's clock.

use super::*;

/// One statement takes a token from a shared bucket: refill by the time passed on the
/// database's clock, take one if there is one, and note when the bucket is full again (the
/// purge deletes full buckets: they say nothing).
pub(super) static TAKE_BUCKET: LazyLock<String> = LazyLock::new(|| {
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

pub(super) async fn take_bucket(
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

pub(super) async fn peek_bucket(
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

impl PostgresStore {
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
