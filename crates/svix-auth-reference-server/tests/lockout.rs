//! The budget of failed authentications throttles the failures, never a valid credential: a
//! client whose address is over its budget (a flood, a trickle, a shared load balancer) is served
//! whenever its credential is live, and every failing request from that address is answered 429
//! without reaching an operation. Against SQLite, or PostgreSQL with
//! `SVIX_AUTH_TEST_STORE=postgres`.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::post;
use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_lockout_test_0123456789abcdef012";

/// A server allowing `burst` failed authentications per address, refilled at `rate` per second;
/// the per-credential limit is out of reach.
async fn server(name: &str, rate: f64, burst: f64) -> (Running, String) {
    let db = support::fresh_database(&support::temp_dir(&format!("lockout-{name}")), name);
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db);
    config.admin_token = Some(ADMIN.into());
    config.rate_limit = RateLimit {
        rate: 100_000.0,
        burst: 100_000.0,
    };
    config.auth_failures = RateLimit { rate, burst };
    let running = start(config).await.unwrap();
    let base = format!("http://{}", running.addr);
    (running, base)
}

/// The status of a magic-link request for app `uid` (created on first use) with `token`.
async fn portal_access(http: &reqwest::Client, base: &str, token: &str, uid: &str) -> u16 {
    post(
        http,
        base,
        &format!("/api/v1/auth/app-portal-access/{uid}"),
        token,
        Some(json!({"application": {"name": "n", "uid": uid}})),
        None,
    )
    .await
    .0
}

async fn bad(http: &reqwest::Client, base: &str, i: usize) -> (u16, String) {
    let (status, body) = post(
        http,
        base,
        "/api/v1/auth/logout",
        &format!("made_up_{i}"),
        None,
        None,
    )
    .await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_valid_credential_is_served_from_an_address_over_its_failure_budget() {
    let (running, base) = server("over-budget", 0.001, 5.0).await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(bad(&http, &base, i).await.0);
    }
    assert_eq!(statuses[..5], [401; 5], "the budget: {statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // The same address, a valid token: served, again and again.
    for round in 0..5 {
        assert_eq!(
            portal_access(&http, &base, ADMIN, "valid-app").await,
            200,
            "round {round}"
        );
    }
    // An issued (non-admin) credential is served too: a session from the magic link.
    let (session, _) = support::create_app(&http, &base, ADMIN, "valid-app").await;
    let (status, _) = post(&http, &base, "/api/v1/auth/logout", &session, None, None).await;
    assert_eq!(
        status, 204,
        "the session logs out while the address is over budget"
    );
    // A request without any credential is a failure too.
    let (status, body) = support::post(&http, &base, "/api/v1/auth/logout", "", None, None).await;
    assert_eq!(status, 429, "{}", String::from_utf8_lossy(&body));
    // And the budget still binds bad tokens after the valid ones.
    let (status, body) = bad(&http, &base, 99).await;
    assert_eq!(status, 429);
    assert!(
        body.contains("too many failed authentications from this address"),
        "{body}"
    );
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_trickle_that_keeps_the_address_over_budget_never_stops_a_valid_client() {
    // One failure every 2 s is the refill rate: a trickle at that rate keeps the address at zero.
    let (running, base) = server("trickle", 0.5, 3.0).await;
    let http = reqwest::Client::new();
    for i in 0..3 {
        assert_eq!(bad(&http, &base, i).await.0, 401);
    }
    let started = Instant::now();
    let mut served = 0;
    let mut trickle = Vec::new();
    let mut i = 3;
    while started.elapsed() < Duration::from_secs(5) {
        trickle.push(bad(&http, &base, i).await.0);
        i += 1;
        for _ in 0..10 {
            assert_eq!(portal_access(&http, &base, ADMIN, "trickle-app").await, 200);
            served += 1;
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    // The refill lets through at most one failure per 2 s (plus one at the edges).
    let let_through = trickle.iter().filter(|s| **s == 401).count();
    assert!(let_through <= 4, "{trickle:?}");
    assert!(
        trickle.iter().all(|s| *s == 401 || *s == 429),
        "{trickle:?}"
    );
    assert!(served >= 100, "every valid request was served: {served}");
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_flood_of_bad_tokens_beside_a_valid_client_stays_throttled_and_cheap() {
    let (running, base) = server("flood", 0.001, 20.0).await;
    let http = reqwest::Client::new();
    let mut flood = Vec::new();
    let mut valid = Vec::new();
    for i in 0..400 {
        flood.push(bad(&http, &base, i).await.0);
        if i % 20 == 0 {
            valid.push(portal_access(&http, &base, ADMIN, "flood-app").await);
        }
    }
    assert_eq!(
        flood.iter().filter(|s| **s == 401).count(),
        20,
        "the address's failure budget"
    );
    assert_eq!(flood.iter().filter(|s| **s == 429).count(), 380);
    assert!(valid.iter().all(|s| *s == 200), "{valid:?}");
    running.shutdown().await.unwrap();
}
