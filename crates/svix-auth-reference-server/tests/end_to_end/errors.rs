//! Every error status with its typed body, and the rate limit's 429.

use super::*;

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
        .body(CreateMessageTokenIn::new("m"))
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
            .body(ApplicationTokenExpireIn::new())
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
                .body(CreateMessageTokenIn::new("x"))
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
                .body(ApplicationTokenExpireIn::new())
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
                .body(OneTimeTokenIn::new("x"))
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
                .body(CreateMessageTokenIn::new("x"))
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
