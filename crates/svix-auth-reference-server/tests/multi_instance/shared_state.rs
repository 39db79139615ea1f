//! State every instance agrees on: revocations, admin tokens, metrics, the clock.

use super::*;

#[tokio::test]
async fn logout_and_expire_all_on_one_instance_hold_on_every_other_at_once() {
    let cluster = Cluster::start("revocation", 3, &GENEROUS).await;
    let http = http();
    let (session, _) = support::create_app(&http, cluster.base(0), ADMIN, "rev-app").await;
    assert_eq!(
        post(
            &http,
            cluster.base(1),
            "/api/v1/auth/logout",
            &session,
            None,
            None
        )
        .await
        .0,
        204
    );
    for i in [0, 2] {
        assert_eq!(
            post(
                &http,
                cluster.base(i),
                "/api/v1/auth/logout",
                &session,
                None,
                None
            )
            .await
            .0,
            401,
            "instance {i} refuses the logged-out session at once"
        );
    }

    // A message token from each instance; expire-all (immediate) on one of them.
    let mut tokens = Vec::new();
    for i in 0..3 {
        tokens.push(message_token(&http, cluster.base(i), "rev-app").await);
    }
    for (i, t) in tokens.iter().enumerate() {
        assert_eq!(
            message_token_status(&http, cluster.base(i + 1), t).await,
            403
        );
    }
    let (status, body) = post(
        &http,
        cluster.base(1),
        "/api/v1/auth/app/rev-app/expire-all",
        ADMIN,
        Some(json!({"expiry": 0})),
        None,
    )
    .await;
    assert_eq!(status, 204, "{}", String::from_utf8_lossy(&body));
    for t in &tokens {
        for i in 0..3 {
            assert_eq!(
                message_token_status(&http, cluster.base(i), t).await,
                401,
                "instance {i} refuses a token issued before the expire-all"
            );
        }
    }
    let after = message_token(&http, cluster.base(2), "rev-app").await;
    for i in 0..3 {
        assert_eq!(
            message_token_status(&http, cluster.base(i), &after).await,
            403,
            "a token issued after it lives on instance {i}"
        );
    }
}

#[tokio::test]
async fn instances_starting_together_on_an_empty_database_agree_on_one_admin_token() {
    let db = Database::Postgres(support::fresh_postgres("admin-start"));
    let dir = support::temp_dir("cluster-admin-start");
    // No admin token configured: each would generate one; exactly one may be stored.
    let instances: Vec<Process> = (0..3)
        .map(|i| Process::spawn(&db, &GENEROUS, &[], dir.join(format!("instance-{i}.log"))))
        .collect();
    for p in &instances {
        p.healthy().await;
    }
    let generated: Vec<String> = instances
        .iter()
        .filter_map(|p| {
            let log = std::fs::read_to_string(&p.log).unwrap();
            log.lines()
                .find(|l| l.starts_with("Generated admin token"))
                .and_then(|l| l.rsplit(' ').next())
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        generated.len(),
        1,
        "exactly one instance generated the token"
    );
    let token = &generated[0];
    let http = http();
    for p in &instances {
        // The organization token is refused logout with 403 (a stranger's gets 401).
        assert_eq!(
            post(&http, &p.base, "/api/v1/auth/logout", token, None, None)
                .await
                .0,
            403,
            "every instance accepts the one admin token"
        );
    }
    assert_eq!(
        support::count(
            &db,
            "SELECT COUNT(*) FROM meta WHERE key = 'admin_token_hash'"
        ),
        1
    );
    assert_eq!(
        support::count(&db, "SELECT COUNT(*) FROM schema_migrations"),
        1,
        "the schema was migrated once"
    );
}

#[tokio::test]
async fn an_admin_token_rotated_by_one_instance_holds_on_every_instance_at_once() {
    let mut cluster = Cluster::start("rotation", 2, &GENEROUS).await;
    let rotated = "sk_admin_cluster_rotated_0123456789abcdef01";
    cluster.add(&GENEROUS, rotated).await;
    let http = http();
    for i in 0..3 {
        assert_eq!(
            post(
                &http,
                cluster.base(i),
                "/api/v1/auth/logout",
                ADMIN,
                None,
                None
            )
            .await
            .0,
            401,
            "instance {i} refuses the old admin token"
        );
        assert_eq!(
            post(
                &http,
                cluster.base(i),
                "/api/v1/auth/logout",
                rotated,
                None,
                None
            )
            .await
            .0,
            403,
            "instance {i} accepts the new one"
        );
    }
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_status_and_show_the_pool() {
    let cluster = Cluster::start("metrics", 1, &GENEROUS).await;
    let http = http();
    support::create_app(&http, cluster.base(0), ADMIN, "metrics-app").await;
    let (status, _) = post(
        &http,
        cluster.base(0),
        "/api/v1/auth/dashboard-access/nope",
        ADMIN,
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let response = http
        .get(format!("{}/metrics", cluster.base(0)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for expected in [
        r#"svix_auth_http_requests_total{operation="/api/v1/auth/app-portal-access/{app_id}",status="200"} 1"#,
        r#"svix_auth_http_requests_total{operation="/api/v1/auth/dashboard-access/{app_id}",status="404"} 1"#,
        r#"svix_auth_http_request_duration_seconds_count{operation="/api/v1/auth/app-portal-access/{app_id}"} 1"#,
        r#"svix_auth_db_connections{state="idle"}"#,
        r#"svix_auth_db_connections{state="in_use"}"#,
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
}

#[tokio::test]
async fn deadlines_are_kept_by_the_database_servers_clock() {
    use svix_auth_reference_server::store::{PoolOptions, Store};
    let db = Database::Postgres(support::fresh_postgres("clock"));
    let store = Store::open(&db, PoolOptions::default()).await.unwrap();
    for _ in 0..3 {
        let ours = store.now_ms();
        let server = support::count(
            &db,
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
        );
        let after = store.now_ms();
        assert!(
            ours - 50 <= server && server <= after + 50,
            "the store's clock ({ours}..{after}) is the server's ({server})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
