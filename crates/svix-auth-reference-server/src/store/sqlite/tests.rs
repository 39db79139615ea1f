//! The store's own tests: what each query promises, on an in-memory or temporary database.

use super::SqliteStore as Store;
use super::*;
use std::path::Path;

fn app(id: &str, uid: Option<&str>) -> App {
    App {
        id: id.into(),
        uid: uid.map(Into::into),
        name: "n".into(),
    }
}

fn token(app_id: &str, kind: TokenKind, created_at: i64) -> TokenRecord {
    TokenRecord {
        id: crate::secret::random_string("key_", 12),
        kind,
        app_id: app_id.into(),
        created_at,
        expires_at: None,
        name: None,
        feature_flags: vec![],
        read_only: false,
        scopes: vec![],
        session_ttl_ms: None,
    }
}

#[test]
fn a_second_creation_with_the_same_uid_gets_the_first_app_and_a_uid_naming_another_id_conflicts() {
    let s = Store::open(Path::new(":memory:")).unwrap();
    s.get_or_create_app(&app("app_1", Some("u")), None, "{}", 0)
        .unwrap();
    let again = s
        .get_or_create_app(&app("app_2", Some("u")), None, "{}", 0)
        .unwrap();
    assert_eq!(again.id, "app_1", "get, not create");
    let Err(StoreError::Conflict(sentence)) =
        s.get_or_create_app(&app("app_3", Some("app_1")), None, "{}", 0)
    else {
        panic!("a uid that is another application's id is a conflict");
    };
    assert_eq!(
        sentence,
        "the application ID or uid `app_1` is already taken by another application"
    );
    assert_eq!(s.find_app("u").unwrap().unwrap().id, "app_1");
    assert_eq!(
        s.find_app("app_1").unwrap().unwrap().uid.as_deref(),
        Some("u")
    );
}

#[test]
fn expire_all_cuts_off_earlier_tokens_at_the_deadline_only() {
    let s = Store::open(Path::new(":memory:")).unwrap();
    s.get_or_create_app(&app("app_1", None), None, "{}", 0)
        .unwrap();
    s.insert_tokens(&[NewToken {
        secret: "old".into(),
        record: token("app_1", TokenKind::Portal, 10),
    }])
    .unwrap();
    s.expire_all("app_1", 20, Cutoff::At(1_000)).unwrap();
    s.insert_tokens(&[NewToken {
        secret: "new".into(),
        record: token("app_1", TokenKind::Portal, 30),
    }])
    .unwrap();
    assert!(
        s.live_token(&hash("old"), 999).unwrap().is_some(),
        "still valid before the deadline"
    );
    assert!(
        s.live_token(&hash("old"), 1_000).unwrap().is_none(),
        "cut off at the deadline"
    );
    assert!(
        s.live_token(&hash("new"), 5_000).unwrap().is_some(),
        "issued after the call: unaffected"
    );
}

#[test]
fn a_one_time_token_is_exchanged_once() {
    let s = Store::open(Path::new(":memory:")).unwrap();
    s.get_or_create_app(&app("app_1", None), None, "{}", 0)
        .unwrap();
    let mut ott = token("app_1", TokenKind::OneTime, 0);
    ott.expires_at = Some(100);
    s.insert_tokens(&[NewToken {
        secret: "ott".into(),
        record: ott,
    }])
    .unwrap();
    let session = |r: &TokenRecord| ("sess".to_owned(), token(&r.app_id, TokenKind::Portal, 1));
    assert_eq!(
        s.exchange_one_time(&hash("ott"), 1, session)
            .unwrap()
            .as_deref(),
        Some("sess")
    );
    assert_eq!(
        s.exchange_one_time(&hash("ott"), 2, |r| (
            "sess2".to_owned(),
            token(&r.app_id, TokenKind::Portal, 2)
        ))
        .unwrap(),
        None
    );
    assert!(s.live_token(&hash("sess"), 3).unwrap().is_some());
}

#[test]
fn the_database_stores_no_token_in_clear_text() {
    let dir = std::env::temp_dir().join(format!("svix-auth-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("clear.db");
    let _ = std::fs::remove_file(&path);
    let s = Store::open(&path).unwrap();
    s.get_or_create_app(&app("app_1", None), None, "{}", 0)
        .unwrap();
    let secret = crate::secret::new_token("appsk_");
    s.insert_tokens(&[NewToken {
        secret: secret.clone(),
        record: token("app_1", TokenKind::Portal, 0),
    }])
    .unwrap();
    drop(s);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
    let needle = secret.as_bytes();
    assert!(!bytes.windows(needle.len()).any(|w| w == needle));
    let _ = std::fs::remove_dir_all(&dir);
}

fn with_app() -> Store {
    let s = Store::open(Path::new(":memory:")).unwrap();
    s.get_or_create_app(&app("app_1", None), None, "{}", 0)
        .unwrap();
    s
}

fn issue(s: &Store, secret: &str, created_at: i64, expires_at: Option<i64>) {
    let mut record = token("app_1", TokenKind::Portal, created_at);
    record.expires_at = expires_at;
    s.insert_tokens(&[NewToken {
        secret: secret.into(),
        record,
    }])
    .unwrap();
}

#[test]
fn an_immediate_expire_all_holds_when_the_clock_steps_back() {
    let s = with_app();
    issue(&s, "old", 10, None);
    s.expire_all("app_1", 1_000, Cutoff::Immediate).unwrap();
    assert!(s.live_token(&hash("old"), 1_000).unwrap().is_none());
    assert!(
        s.live_token(&hash("old"), 400).unwrap().is_none(),
        "the wall clock stepped back before the call: still cut off"
    );
    issue(&s, "new", 500, None);
    assert!(
        s.live_token(&hash("new"), 500).unwrap().is_some(),
        "issued after the call (whatever the clock said): unaffected"
    );
}

fn claim(key: &str, now: i64) -> Claim {
    Claim {
        credential: hash("cred"),
        key: key.to_owned(),
        path: "/p".to_owned(),
        fingerprint: hash("request"),
        now,
        owner: 1,
    }
}

fn recorded(s: &Store, key: &str, now: i64) -> Recorded {
    s.idempotent_response(&hash("cred"), key, "/p", now, 1_000)
        .unwrap()
}

fn answer(s: &Store, key: &str, now: i64) -> StoredResponse {
    let answer = StoredResponse {
        fingerprint: hash("request"),
        status: 200,
        content_type: None,
        body: b"sealed".to_vec(),
    };
    s.store_idempotent_response(&claim(key, now), now, 1_000, &answer)
        .unwrap();
    answer
}

#[tokio::test]
async fn an_operation_records_its_idempotency_key_in_its_own_transaction() {
    let s = with_app();
    assert_eq!(recorded(&s, "k", 10), Recorded::Nothing);
    // The operation's write, made on behalf of the request with the key.
    ACTIVE_CLAIM
        .scope(claim("k", 11), s.blocking(|s| issue(s, "tok", 12, None)))
        .await
        .unwrap();
    assert_eq!(
        recorded(&s, "k", 13),
        Recorded::AnswerLost {
            fingerprint: hash("request")
        },
        "the operation committed: a retry must not run it again"
    );
    let stored = answer(&s, "k", 14);
    assert_eq!(recorded(&s, "k", 15), Recorded::Answer(stored.clone()));
    // A write on behalf of the same key (a request whose credential was dead) leaves the
    // answer alone.
    ACTIVE_CLAIM
        .scope(claim("k", 16), s.blocking(|s| issue(s, "tok2", 16, None)))
        .await
        .unwrap();
    assert_eq!(recorded(&s, "k", 17), Recorded::Answer(stored));
    // Writes outside any request's task record nothing.
    s.blocking(|s| issue(s, "tok3", 18, None)).await.unwrap();
    assert_eq!(recorded(&s, "other", 19), Recorded::Nothing);
}

#[tokio::test]
async fn a_failed_request_leaves_no_record_and_a_failed_write_records_nothing() {
    let s = with_app();
    ACTIVE_CLAIM
        .scope(claim("k", 10), s.blocking(|s| issue(s, "tok", 10, None)))
        .await
        .unwrap();
    s.release_idempotency(&claim("k", 10)).unwrap();
    assert_eq!(recorded(&s, "k", 11), Recorded::Nothing);
    // A write that fails (a duplicate token) rolls the record back with it.
    let failed = ACTIVE_CLAIM
        .scope(
            claim("k2", 12),
            s.blocking(|s| {
                let record = token("app_1", TokenKind::Portal, 12);
                s.insert_tokens(&[NewToken {
                    secret: "tok".into(),
                    record,
                }])
            }),
        )
        .await
        .unwrap();
    assert!(failed.is_err());
    assert_eq!(recorded(&s, "k2", 13), Recorded::Nothing);
}

fn count(s: &Store, sql: &str) -> i64 {
    s.with(|c| Ok(c.query_row(sql, [], |r| r.get(0))?)).unwrap()
}

#[test]
fn the_purge_deletes_only_what_no_request_can_use() {
    let s = with_app();
    const DAY: i64 = 86_400_000;
    let now = 100 * DAY;
    issue(&s, "live", now - 50 * DAY, None);
    issue(&s, "expired-long-ago", now - 50 * DAY, Some(now - 10 * DAY));
    issue(&s, "expired-recently", now - 50 * DAY, Some(now - DAY));
    issue(&s, "revoked-long-ago", now - 50 * DAY, None);
    s.revoke(&hash("revoked-long-ago"), now - 9 * DAY).unwrap();
    answer(&s, "old", now - 2_000);
    answer(&s, "young", now - 10);
    let purged = s.purge(now, 1_000, 7 * DAY).unwrap();
    assert_eq!(purged.tokens, 2, "{purged:?}");
    assert_eq!(purged.idempotency, 1, "{purged:?}");
    assert!(s.live_token(&hash("live"), now).unwrap().is_some());
    assert_eq!(count(&s, "SELECT COUNT(*) FROM tokens"), 2);
    assert_eq!(
        count(&s, "SELECT COUNT(*) FROM idempotency WHERE key = 'young'"),
        1,
        "the young record is kept"
    );
}

#[test]
fn the_purge_keeps_every_expire_all_that_still_cuts_something_off() {
    let s = with_app();
    const DAY: i64 = 86_400_000;
    let now = 100 * DAY;
    issue(&s, "a", 1, None);
    s.expire_all("app_1", now - 3 * DAY, Cutoff::Immediate)
        .unwrap();
    issue(&s, "b", 2, None);
    // A later call with a delay that has not run out: it does not replace the immediate one
    // for token "a", and "b" lives until its deadline.
    s.expire_all("app_1", now - 10, Cutoff::At(now + DAY))
        .unwrap();
    let purged = s.purge(now, 1_000, 7 * DAY).unwrap();
    assert_eq!(purged.expire_all, 0, "{purged:?}");
    assert!(s.live_token(&hash("a"), now).unwrap().is_none());
    assert!(s.live_token(&hash("b"), now).unwrap().is_some());
    // A later immediate call supersedes both.
    s.expire_all("app_1", now, Cutoff::Immediate).unwrap();
    let purged = s.purge(now, 1_000, 7 * DAY).unwrap();
    assert_eq!(purged.expire_all, 2, "{purged:?}");
    assert_eq!(count(&s, "SELECT COUNT(*) FROM expire_all"), 1);
    assert!(s.live_token(&hash("a"), now).unwrap().is_none());
    assert!(s.live_token(&hash("b"), now).unwrap().is_none());
    // Cut-off tokens go once the cut-off is older than the token retention.
    let purged = s.purge(now + 8 * DAY, 1_000, 7 * DAY).unwrap();
    assert_eq!(purged.tokens, 2, "{purged:?}");
}
