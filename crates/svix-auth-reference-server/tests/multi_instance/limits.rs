//! Rate limits and the failure budget hold for the whole cluster; valid credentials are served.

use super::*;

#[tokio::test]
async fn the_rate_limit_holds_for_the_whole_cluster() {
    let cluster = Cluster::start(
        "rate",
        3,
        &[
            "--rate-limit",
            "1",
            "--rate-limit-burst",
            "10",
            "--auth-failure-rate",
            "1000000",
            "--auth-failure-burst",
            "1000000",
        ],
    )
    .await;
    let http = http();
    let started = Instant::now();
    let mut passed = 0;
    for i in 0..60 {
        let (status, _) = post(
            &http,
            cluster.base(i),
            "/api/v1/auth/dashboard-access/no-such-app",
            ADMIN,
            None,
            None,
        )
        .await;
        match status {
            404 => passed += 1,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The burst of 10 plus one per second that passed, for the cluster as a whole (three
    // separate limits would let 30 through).
    assert!(
        passed >= 10 && f64::from(passed) <= 10.0 + elapsed.ceil() + 1.0 && passed <= 15,
        "{passed} of 60 passed in {elapsed:.2} s"
    );
}

#[tokio::test]
async fn failed_authentications_are_limited_for_the_whole_cluster() {
    let cluster = Cluster::start(
        "auth-failures",
        3,
        &["--auth-failure-rate", "0.001", "--auth-failure-burst", "6"],
    )
    .await;
    let http = http();
    let mut statuses = Vec::new();
    for i in 0..18 {
        let (status, _) = post(
            &http,
            cluster.base(i),
            "/api/v1/auth/logout",
            &format!("made_up_{i}"),
            None,
            None,
        )
        .await;
        statuses.push(status);
    }
    let unauthorized = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(
        unauthorized, 6,
        "the budget of 6 failures holds across instances: {statuses:?}"
    );
    assert!(statuses[6..].iter().all(|s| *s == 429), "{statuses:?}");
    // The address is over budget on every instance, and a valid credential is still served by
    // each of them; a bad one after it is still refused.
    for i in 0..6 {
        let (status, body) = post(
            &http,
            cluster.base(i),
            "/api/v1/auth/app-portal-access/over-budget-app",
            ADMIN,
            Some(json!({"application": {"name": "n", "uid": "over-budget-app"}})),
            None,
        )
        .await;
        assert_eq!(
            status,
            200,
            "instance {}: {}",
            i % 3,
            String::from_utf8_lossy(&body)
        );
        let (status, _) = post(
            &http,
            cluster.base(i),
            "/api/v1/auth/logout",
            "made_up_again",
            None,
            None,
        )
        .await;
        assert_eq!(status, 429, "instance {}", i % 3);
    }
}
