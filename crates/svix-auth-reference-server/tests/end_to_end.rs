//! The reference server, started in-process on 127.0.0.1:0 with a temporary database (SQLite, or
//! PostgreSQL with `SVIX_AUTH_TEST_STORE=postgres`), driven only through the generated client.

mod support;

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use svix_auth_client::generated::Client;
use svix_auth_client::models::*;
use svix_auth_client::operations::{ErrorBody, Operation};
use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::store::Database;
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_test_token_0123456789abcdef012345";

/// A rate limit no test reaches.
const GENEROUS: RateLimit = RateLimit {
    rate: 1000.0,
    burst: 1000.0,
};

fn temp_db(name: &str) -> Database {
    support::fresh_database(&support::temp_dir(name), name)
}

async fn server_with(db: Database, admin: Option<&str>, limit: RateLimit) -> Running {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db);
    config.admin_token = admin.map(str::to_owned);
    config.rate_limit = limit;
    config.auth_failures = GENEROUS;
    start(config).await.unwrap()
}

async fn server(name: &str) -> Running {
    server_with(temp_db(name), Some(ADMIN), GENEROUS).await
}

fn client(running: &Running, token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::new_with_client(&format!("http://{}", running.addr), http)
}

/// Status and typed body of a failed call.
fn failure<T: std::fmt::Debug>(
    op: Operation,
    result: Result<T, svix_auth_client::generated::Error<Value>>,
) -> (u16, ErrorBody) {
    match result {
        Err(svix_auth_client::generated::Error::ErrorResponse(resp)) => {
            let status = resp.status().as_u16();
            (status, ErrorBody::decode(op, status, resp.into_inner()))
        }
        other => panic!("expected an error response, got {other:?}"),
    }
}

fn code(body: &ErrorBody) -> &str {
    match body {
        ErrorBody::HttpErrorOut(e) => &e.code,
        other => panic!("expected HttpErrorOut, got {other:?}"),
    }
}

fn create_app_body(uid: &str) -> AppPortalAccessIn {
    let application = ApplicationIn::builder()
        .name("Test app")
        .uid(Some(uid.parse::<ApplicationInUid>().unwrap()));
    AppPortalAccessIn::builder()
        .application(Some(ApplicationIn::try_from(application).unwrap()))
        .feature_flags(Some(vec![
            "beta".parse::<AppPortalAccessInFeatureFlagsItem>().unwrap(),
        ]))
        .try_into()
        .unwrap()
}

/// The decoded `#key=` of a magic link.
fn magic_key(url: &str) -> Value {
    let key = url.split_once("#key=").expect("magic link has #key=").1;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key)
            .unwrap(),
    )
    .unwrap()
}

/// Whether a portal session token is live: the exchange refuses it with 403 when it is
/// (wrong kind of credential), 401 when it is not.
async fn portal_token_status(running: &Running, token: &str) -> u16 {
    let r = client(running, token)
        .v1_authentication_exchange_one_time_token()
        .body(OneTimeTokenIn::try_from(OneTimeTokenIn::builder().one_time_token("x")).unwrap())
        .send()
        .await;
    failure(Operation::V1AuthenticationExchangeOneTimeToken, r).0
}

/// Whether a message token is live: 403 when it is, 401 when it is not.
async fn message_token_status(running: &Running, token: &str) -> u16 {
    failure(
        Operation::V1AuthenticationLogout,
        client(running, token)
            .v1_authentication_logout()
            .send()
            .await,
    )
    .0
}

#[tokio::test]
async fn every_operation_succeeds_for_the_right_credential() {
    let s = server("every-op").await;
    let admin = client(&s, ADMIN);

    let out = admin
        .v1_authentication_app_portal_access()
        .app_id("my-app")
        .body(create_app_body("my-app"))
        .send()
        .await
        .unwrap();
    assert!(out.token.starts_with("appsk_"));
    let key = magic_key(&out.url);
    assert!(key["appId"].as_str().unwrap().starts_with("app_"));
    assert_eq!(key["serverUrl"], format!("http://{}", s.addr));
    assert!(
        out.url
            .starts_with(&format!("http://{}/app-portal/login#key=", s.addr))
    );

    let app_id = key["appId"].as_str().unwrap().to_owned();
    let dash = admin
        .v1_authentication_dashboard_access()
        .app_id(&app_id)
        .send()
        .await
        .unwrap();
    assert!(dash.token.starts_with("appsk_"));

    let msg = admin
        .v1_authentication_create_message_token()
        .app_id("my-app")
        .body(
            CreateMessageTokenIn::try_from(
                CreateMessageTokenIn::builder()
                    .expiry(Some(3600))
                    .name("ingest"),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(msg.id.starts_with("key_"));
    assert_eq!(
        msg.expires_at.unwrap() - msg.created_at,
        chrono::Duration::seconds(3600)
    );
    assert_eq!(msg.name.as_deref(), Some("ingest"));
    assert_eq!(
        msg.scopes.as_ref().unwrap(),
        &vec![format!("application:{app_id}:message:create")]
    );

    let exchanged = admin
        .v1_authentication_exchange_one_time_token()
        .body(
            OneTimeTokenIn::try_from(
                OneTimeTokenIn::builder().one_time_token(key["oneTimeToken"].as_str().unwrap()),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(exchanged.token.starts_with("appsk_"));

    assert_eq!(
        client(&s, &exchanged.token)
            .v1_authentication_logout()
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        admin
            .v1_authentication_expire_all()
            .app_id(&app_id)
            .body(
                ApplicationTokenExpireIn::try_from(
                    ApplicationTokenExpireIn::builder().expiry(None)
                )
                .unwrap()
            )
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn magic_link_flow_exchanges_once_and_logout_revokes_the_session() {
    let s = server("magic-link").await;
    let out = client(&s, ADMIN)
        .v1_authentication_app_portal_access()
        .app_id("portal-app")
        .body(create_app_body("portal-app"))
        .send()
        .await
        .unwrap();
    let key = magic_key(&out.url);
    let ott = key["oneTimeToken"].as_str().unwrap().to_owned();

    // The portal page only has the link: it exchanges the one-time token with itself as bearer.
    let portal = client(&s, &ott);
    let session = portal
        .v1_authentication_exchange_one_time_token()
        .body(
            OneTimeTokenIn::try_from(OneTimeTokenIn::builder().one_time_token(ott.clone()))
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .token
        .clone();
    let again = portal
        .v1_authentication_exchange_one_time_token()
        .body(
            OneTimeTokenIn::try_from(OneTimeTokenIn::builder().one_time_token(ott.clone()))
                .unwrap(),
        )
        .send()
        .await;
    let (status, body) = failure(Operation::V1AuthenticationExchangeOneTimeToken, again);
    assert_eq!(
        (status, code(&body)),
        (401, "authentication_failed"),
        "a second exchange is refused"
    );
    let by_admin = client(&s, ADMIN)
        .v1_authentication_exchange_one_time_token()
        .body(OneTimeTokenIn::try_from(OneTimeTokenIn::builder().one_time_token(ott)).unwrap())
        .send()
        .await;
    assert_eq!(
        failure(Operation::V1AuthenticationExchangeOneTimeToken, by_admin).0,
        401
    );

    assert_eq!(
        portal_token_status(&s, &session).await,
        403,
        "the session token works (and is not an exchange credential)"
    );
    let user = client(&s, &session);
    assert_eq!(
        user.v1_authentication_logout()
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (status, body) = failure(
        Operation::V1AuthenticationLogout,
        user.v1_authentication_logout().send().await,
    );
    assert_eq!(
        (status, code(&body)),
        (401, "authentication_failed"),
        "logging out twice is refused"
    );
    assert_eq!(portal_token_status(&s, &session).await, 401);
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn each_error_status_carries_its_typed_body() {
    let s = server("errors").await;
    let admin = client(&s, ADMIN);
    let out = admin
        .v1_authentication_app_portal_access()
        .app_id("err-app")
        .body(create_app_body("err-app"))
        .send()
        .await
        .unwrap();
    let msg = admin
        .v1_authentication_create_message_token()
        .app_id("err-app")
        .body(
            CreateMessageTokenIn::try_from(CreateMessageTokenIn::builder().expiry(None).name("m"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    // 401: unknown credential.
    let r = client(&s, "sk_not_a_token")
        .v1_authentication_dashboard_access()
        .app_id("err-app")
        .send()
        .await;
    let (status, body) = failure(Operation::V1AuthenticationDashboardAccess, r);
    assert_eq!((status, code(&body)), (401, "authentication_failed"));

    // 403: an app token on an organization-level operation, even for its own app.
    let app_token = client(&s, &out.token);
    let (status, body) = failure(
        Operation::V1AuthenticationDashboardAccess,
        app_token
            .v1_authentication_dashboard_access()
            .app_id("err-app")
            .send()
            .await,
    );
    assert_eq!((status, code(&body)), (403, "forbidden"));
    let (status, _) = failure(
        Operation::V1AuthenticationExpireAll,
        app_token
            .v1_authentication_expire_all()
            .app_id("err-app")
            .body(
                ApplicationTokenExpireIn::try_from(
                    ApplicationTokenExpireIn::builder().expiry(None),
                )
                .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(status, 403);

    // 403: a message token is refused by every operation.
    let m = client(&s, &msg.token);
    assert_eq!(
        failure(
            Operation::V1AuthenticationAppPortalAccess,
            m.v1_authentication_app_portal_access()
                .app_id("err-app")
                .body(AppPortalAccessIn::default())
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        failure(
            Operation::V1AuthenticationCreateMessageToken,
            m.v1_authentication_create_message_token()
                .app_id("err-app")
                .body(
                    CreateMessageTokenIn::try_from(
                        CreateMessageTokenIn::builder().expiry(None).name("x")
                    )
                    .unwrap()
                )
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        failure(
            Operation::V1AuthenticationDashboardAccess,
            m.v1_authentication_dashboard_access()
                .app_id("err-app")
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        failure(
            Operation::V1AuthenticationExpireAll,
            m.v1_authentication_expire_all()
                .app_id("err-app")
                .body(
                    ApplicationTokenExpireIn::try_from(
                        ApplicationTokenExpireIn::builder().expiry(None)
                    )
                    .unwrap()
                )
                .send()
                .await
        )
        .0,
        403
    );
    assert_eq!(
        failure(
            Operation::V1AuthenticationLogout,
            m.v1_authentication_logout().send().await
        )
        .0,
        403
    );
    assert_eq!(
        failure(
            Operation::V1AuthenticationExchangeOneTimeToken,
            m.v1_authentication_exchange_one_time_token()
                .body(
                    OneTimeTokenIn::try_from(OneTimeTokenIn::builder().one_time_token("x"))
                        .unwrap()
                )
                .send()
                .await
        )
        .0,
        403
    );

    // 403: the admin token cannot log out, with a clear detail.
    let (status, body) = failure(
        Operation::V1AuthenticationLogout,
        admin.v1_authentication_logout().send().await,
    );
    assert_eq!(status, 403);
    let ErrorBody::HttpErrorOut(e) = body else {
        panic!()
    };
    assert!(
        e.detail.contains("organization token cannot be logged out"),
        "{}",
        e.detail
    );

    // 404: unknown app without `application`.
    let (status, body) = failure(
        Operation::V1AuthenticationAppPortalAccess,
        admin
            .v1_authentication_app_portal_access()
            .app_id("nope")
            .body(AppPortalAccessIn::default())
            .send()
            .await,
    );
    assert_eq!((status, code(&body)), (404, "not_found"));
    assert_eq!(
        failure(
            Operation::V1AuthenticationCreateMessageToken,
            admin
                .v1_authentication_create_message_token()
                .app_id("nope")
                .body(
                    CreateMessageTokenIn::try_from(
                        CreateMessageTokenIn::builder().expiry(None).name("x")
                    )
                    .unwrap()
                )
                .send()
                .await
        )
        .0,
        404
    );

    // 422: `application.uid` must equal the path's app id (missing uid likewise).
    let r = admin
        .v1_authentication_app_portal_access()
        .app_id("other-app")
        .body(create_app_body("different"))
        .send()
        .await;
    let (status, body) = failure(Operation::V1AuthenticationAppPortalAccess, r);
    assert_eq!(status, 422);
    let ErrorBody::HttpValidationError(v) = body else {
        panic!("422 is typed as HTTPValidationError")
    };
    assert_eq!(v.detail[0].loc, vec!["body", "application", "uid"]);
    let mut no_uid = create_app_body("x");
    no_uid.application.as_mut().unwrap().uid = None;
    assert_eq!(
        failure(
            Operation::V1AuthenticationAppPortalAccess,
            admin
                .v1_authentication_app_portal_access()
                .app_id("other-app")
                .body(no_uid.clone())
                .send()
                .await
        )
        .0,
        422
    );

    // 409: the same new app created concurrently: one creation wins, the others conflict or find it.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let c = admin.clone();
        tasks.push(tokio::spawn(async move {
            c.v1_authentication_app_portal_access()
                .app_id("race-app")
                .body(create_app_body("race-app"))
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(match t.await.unwrap() {
            Ok(s) => s,
            Err(svix_auth_client::generated::Error::ErrorResponse(r)) => r.status().as_u16(),
            Err(e) => panic!("{e:?}"),
        });
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200));
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let s = server_with(
        temp_db("rate"),
        Some(ADMIN),
        RateLimit {
            rate: 0.5,
            burst: 2.0,
        },
    )
    .await;
    let admin = client(&s, ADMIN);
    for _ in 0..2 {
        let r = admin
            .v1_authentication_dashboard_access()
            .app_id("missing")
            .send()
            .await;
        assert_eq!(
            failure(Operation::V1AuthenticationDashboardAccess, r).0,
            404
        );
    }
    let r = admin
        .v1_authentication_dashboard_access()
        .app_id("missing")
        .send()
        .await;
    let (status, body) = failure(Operation::V1AuthenticationDashboardAccess, r);
    assert_eq!((status, code(&body)), (429, "rate_limit_exceeded"));
    // Retry-After is a header: read it with a raw request carrying the same credential.
    let raw = reqwest::Client::new()
        .post(format!(
            "http://{}/api/v1/auth/dashboard-access/missing",
            s.addr
        ))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 429);
    let retry: u64 = raw.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    // Another credential has its own bucket.
    assert_eq!(
        failure(
            Operation::V1AuthenticationLogout,
            client(&s, "someone-else")
                .v1_authentication_logout()
                .send()
                .await
        )
        .0,
        401
    );
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn expire_all_cuts_off_earlier_tokens_now_or_after_the_delay() {
    let s = server("expire-all").await;
    let admin = client(&s, ADMIN);
    admin
        .v1_authentication_app_portal_access()
        .app_id("exp-app")
        .body(create_app_body("exp-app"))
        .send()
        .await
        .unwrap();
    let new_msg = || async {
        admin
            .v1_authentication_create_message_token()
            .app_id("exp-app")
            .body(
                CreateMessageTokenIn::try_from(
                    CreateMessageTokenIn::builder().expiry(None).name("m"),
                )
                .unwrap(),
            )
            .send()
            .await
            .unwrap()
            .token
            .clone()
    };

    let before = new_msg().await;
    admin
        .v1_authentication_expire_all()
        .app_id("exp-app")
        .body(
            ApplicationTokenExpireIn::try_from(ApplicationTokenExpireIn::builder().expiry(Some(0)))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let after = new_msg().await;
    assert_eq!(
        message_token_status(&s, &before).await,
        401,
        "expiry 0: issued before the call, refused at once"
    );
    assert_eq!(
        message_token_status(&s, &after).await,
        403,
        "issued after the call: still valid"
    );

    admin
        .v1_authentication_expire_all()
        .app_id("exp-app")
        .body(
            ApplicationTokenExpireIn::try_from(ApplicationTokenExpireIn::builder().expiry(Some(2)))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        message_token_status(&s, &after).await,
        403,
        "valid until the delay has passed"
    );
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(
        message_token_status(&s, &after).await,
        401,
        "refused after the delay"
    );
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn idempotency_key_replays_the_first_success_without_running_again() {
    let s = server("idempotency").await;
    let admin = client(&s, ADMIN);
    admin
        .v1_authentication_app_portal_access()
        .app_id("idem-app")
        .body(create_app_body("idem-app"))
        .send()
        .await
        .unwrap();
    let body =
        CreateMessageTokenIn::try_from(CreateMessageTokenIn::builder().expiry(None).name("once"))
            .unwrap();
    let first = admin
        .v1_authentication_create_message_token()
        .app_id("idem-app")
        .idempotency_key("key-1")
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    let second = admin
        .v1_authentication_create_message_token()
        .app_id("idem-app")
        .idempotency_key("key-1")
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        first, second,
        "the same token: the operation did not run twice"
    );
    let other = admin
        .v1_authentication_create_message_token()
        .app_id("idem-app")
        .idempotency_key("key-2")
        .body(body.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_ne!(first.token, other.token);

    // Concurrent requests with one key: one token issued, every answer identical.
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (c, b) = (admin.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            c.v1_authentication_create_message_token()
                .app_id("idem-app")
                .idempotency_key("key-3")
                .body(b.clone())
                .send()
                .await
                .unwrap()
                .into_inner()
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));

    // The same key for a different request is a conflict, not a replay of another answer.
    let r = admin
        .v1_authentication_create_message_token()
        .app_id("idem-app")
        .idempotency_key("key-1")
        .body(
            CreateMessageTokenIn::try_from(
                CreateMessageTokenIn::builder().expiry(None).name("other"),
            )
            .unwrap(),
        )
        .send()
        .await;
    let (status, body) = failure(Operation::V1AuthenticationCreateMessageToken, r);
    assert_eq!((status, code(&body)), (409, "idempotency_conflict"));

    // Failures are not stored: a 404 with a key, then the app exists, then success.
    let r = admin
        .v1_authentication_dashboard_access()
        .app_id("later-app")
        .idempotency_key("key-4")
        .send()
        .await;
    assert_eq!(
        failure(Operation::V1AuthenticationDashboardAccess, r).0,
        404
    );
    admin
        .v1_authentication_app_portal_access()
        .app_id("later-app")
        .body(create_app_body("later-app"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        admin
            .v1_authentication_dashboard_access()
            .app_id("later-app")
            .idempotency_key("key-4")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn restart_keeps_apps_tokens_revocations_and_idempotency_records() {
    let db = temp_db("restart");
    let s = server_with(db.clone(), Some(ADMIN), GENEROUS).await;
    let admin = client(&s, ADMIN);
    let portal = admin
        .v1_authentication_app_portal_access()
        .app_id("keep-app")
        .body(create_app_body("keep-app"))
        .send()
        .await
        .unwrap();
    let msg = admin
        .v1_authentication_create_message_token()
        .app_id("keep-app")
        .idempotency_key("k")
        .body(
            CreateMessageTokenIn::try_from(CreateMessageTokenIn::builder().expiry(None).name("m"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    let revoked = admin
        .v1_authentication_dashboard_access()
        .app_id("keep-app")
        .send()
        .await
        .unwrap()
        .token
        .clone();
    client(&s, &revoked)
        .v1_authentication_logout()
        .send()
        .await
        .unwrap();
    s.shutdown().await.unwrap();

    // No --admin-token this time: the stored one is kept.
    let s = server_with(db, None, GENEROUS).await;
    assert!(s.generated_admin_token.is_none());
    let admin = client(&s, ADMIN);
    assert_eq!(
        admin
            .v1_authentication_dashboard_access()
            .app_id("keep-app")
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "the app survived"
    );
    assert_eq!(
        portal_token_status(&s, &portal.token).await,
        403,
        "the issued session survived"
    );
    assert_eq!(
        message_token_status(&s, &msg.token).await,
        403,
        "the message token survived"
    );
    assert_eq!(
        portal_token_status(&s, &revoked).await,
        401,
        "the revocation survived"
    );
    let replay = admin
        .v1_authentication_create_message_token()
        .app_id("keep-app")
        .idempotency_key("k")
        .body(
            CreateMessageTokenIn::try_from(CreateMessageTokenIn::builder().expiry(None).name("m"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replay, msg, "the idempotency record survived");
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn health_answers_204_and_a_generated_admin_token_is_returned_once() {
    let db = temp_db("health");
    let s = server_with(db.clone(), None, GENEROUS).await;
    let token = s
        .generated_admin_token
        .clone()
        .expect("first start generates an admin token");
    let resp = reqwest::get(format!("http://{}/api/v1/health", s.addr))
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(
        failure(
            Operation::V1AuthenticationDashboardAccess,
            client(&s, &token)
                .v1_authentication_dashboard_access()
                .app_id("none")
                .send()
                .await
        )
        .0,
        404
    );
    s.shutdown().await.unwrap();
    let s = server_with(db, None, GENEROUS).await;
    assert!(
        s.generated_admin_token.is_none(),
        "a restart keeps the stored admin token"
    );
    assert_eq!(
        failure(
            Operation::V1AuthenticationDashboardAccess,
            client(&s, &token)
                .v1_authentication_dashboard_access()
                .app_id("none")
                .send()
                .await
        )
        .0,
        404
    );
    s.shutdown().await.unwrap();
}
