//! Each operation for the right credential, and the magic-link flow.

use super::*;

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
        .body(CreateMessageTokenIn::new("ingest").with_expiry(3600))
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
        .body(OneTimeTokenIn::new(key["oneTimeToken"].as_str().unwrap()))
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
            .body(ApplicationTokenExpireIn::new())
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
        .body(OneTimeTokenIn::new(ott.clone()))
        .send()
        .await
        .unwrap()
        .token
        .clone();
    let again = portal
        .v1_authentication_exchange_one_time_token()
        .body(OneTimeTokenIn::new(ott.clone()))
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
        .body(OneTimeTokenIn::new(ott))
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
