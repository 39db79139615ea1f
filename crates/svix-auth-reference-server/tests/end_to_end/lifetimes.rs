//! Expire-all, idempotent replays, and what a restart keeps.

use super::*;

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
            .body(CreateMessageTokenIn::new("m"))
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
        .body(ApplicationTokenExpireIn::new().with_expiry(0))
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
        .body(ApplicationTokenExpireIn::new().with_expiry(2))
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
    let body = CreateMessageTokenIn::new("once");
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
        .body(CreateMessageTokenIn::new("other"))
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
        .body(CreateMessageTokenIn::new("m"))
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
        .body(CreateMessageTokenIn::new("m"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replay, msg, "the idempotency record survived");
    s.shutdown().await.unwrap();
}
