//! Credentials, applications and tokens: authentication, get-or-create of apps, issuance,
//! the one-time exchange, revocation and expire-all.

use super::*;

/// The columns of a token row, in the order [`token_record`] reads them.
pub(super) const TOKEN_COLUMNS: &str = "t.id, t.kind, t.app_id, t.created_at, t.expires_at, t.name, \
     t.feature_flags, t.read_only, t.scopes, t.session_ttl, t.generation, t.hash";

/// Not cut off by an expire-all whose deadline is `$2` or earlier.
pub(super) const NOT_CUT_OFF: &str = "NOT EXISTS (SELECT 1 FROM expire_all e WHERE e.app_id = t.app_id \
     AND t.generation <= e.max_generation AND (e.immediate OR e.deadline <= $2))";

/// A token row (from column `at` on) as a record, its generation and its stored hash.
pub(super) fn token_record(
    row: &Row,
    at: usize,
) -> Result<Option<(TokenRecord, i64, Vec<u8>)>, StoreError> {
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

pub(super) async fn insert_token(
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

pub(super) fn app_from_row(r: &Row) -> Result<App, StoreError> {
    Ok(App {
        id: r.try_get(0)?,
        uid: r.try_get(1)?,
        name: String::from_utf8_lossy(&r.try_get::<_, Vec<u8>>(2)?).into_owned(),
    })
}

impl PostgresStore {
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
}
