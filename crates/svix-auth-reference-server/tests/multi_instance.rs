//! Several instances on one PostgreSQL database behave as one service. Three (or more) real
//! server processes share a fresh database; requests are spread round-robin over them.
//! Needs `SVIX_AUTH_TEST_POSTGRES` (`cargo xtask test` starts a throw-away cluster); without it
//! these tests fail, never skip.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Process, field, message_token_status, post};
use svix_auth_reference_server::store::Database;

const ADMIN: &str = "sk_admin_cluster_0123456789abcdef0123456789";

/// Limits no test reaches unless it sets its own.
const GENEROUS: [&str; 8] = [
    "--rate-limit",
    "1000000",
    "--rate-limit-burst",
    "1000000",
    "--auth-failure-rate",
    "1000000",
    "--auth-failure-burst",
    "1000000",
];

struct Cluster {
    db: Database,
    dir: std::path::PathBuf,
    instances: Vec<Process>,
}

impl Cluster {
    /// `n` instances on a fresh database, started one after another, all healthy.
    async fn start(name: &str, n: usize, args: &[&str]) -> Self {
        let db = Database::Postgres(support::fresh_postgres(name));
        let dir = support::temp_dir(&format!("cluster-{name}"));
        let mut cluster = Self {
            db,
            dir,
            instances: Vec::new(),
        };
        for _ in 0..n {
            cluster.add(args, ADMIN).await;
        }
        cluster
    }

    /// One more instance with admin token `admin`, healthy.
    async fn add(&mut self, args: &[&str], admin: &str) -> &Process {
        let log = self
            .dir
            .join(format!("instance-{}.log", self.instances.len()));
        let process = Process::spawn(&self.db, args, &[("SVIX_AUTH_ADMIN_TOKEN", admin)], log);
        process.healthy().await;
        self.instances.push(process);
        self.instances.last().unwrap()
    }

    fn base(&self, i: usize) -> &str {
        &self.instances[i % self.instances.len()].base
    }

    fn count(&self, sql: &str) -> i64 {
        support::count(&self.db, sql)
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn message_token(http: &reqwest::Client, base: &str, uid: &str) -> String {
    let (status, body) = post(
        http,
        base,
        &format!("/api/v1/auth/app/{uid}/create-message-token"),
        ADMIN,
        Some(json!({"name": "m"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    field(&body, "token")
}

#[tokio::test]
async fn a_thirty_way_race_on_one_one_time_token_across_three_instances_has_one_winner() {
    let cluster = Cluster::start("ott-race", 3, &GENEROUS).await;
    let http = http();
    support::create_app(&http, cluster.base(0), ADMIN, "race-app").await;
    for round in 0..3 {
        let (_, ott) = support::create_app(&http, cluster.base(round), ADMIN, "race-app").await;
        let mut racers = Vec::new();
        for i in 0..30 {
            let (http, base, ott) = (http.clone(), cluster.base(i).to_owned(), ott.clone());
            racers.push(tokio::spawn(async move {
                post(
                    &http,
                    &base,
                    "/api/v1/auth/one-time-token",
                    &ott,
                    Some(json!({"oneTimeToken": ott})),
                    None,
                )
                .await
                .0
            }));
        }
        let mut statuses = Vec::new();
        for r in racers {
            statuses.push(r.await.unwrap());
        }
        let won = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(
            won, 1,
            "round {round}: exactly one exchange wins: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 401),
            "the others are refused: {statuses:?}"
        );
    }
    // Four portal-access sessions and three exchanged sessions: nothing else was minted.
    assert_eq!(
        cluster.count("SELECT COUNT(*) FROM tokens WHERE kind = 'portal'"),
        7
    );
}

#[tokio::test]
async fn a_thirty_way_same_key_race_across_three_instances_issues_one_token() {
    let cluster = Cluster::start("key-race", 3, &GENEROUS).await;
    let http = http();
    support::create_app(&http, cluster.base(0), ADMIN, "key-app").await;
    let mut racers = Vec::new();
    for i in 0..30 {
        let (http, base) = (http.clone(), cluster.base(i).to_owned());
        racers.push(tokio::spawn(async move {
            post(
                &http,
                &base,
                "/api/v1/auth/app/key-app/create-message-token",
                ADMIN,
                Some(json!({"name": "once"})),
                Some("cluster-key"),
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for r in racers {
        answers.push(r.await.unwrap());
    }
    assert!(
        answers.iter().all(|(s, _)| *s == 200),
        "every request is answered: {:?}",
        answers
            .iter()
            .map(|(s, b)| (*s, String::from_utf8_lossy(b).into_owned()))
            .collect::<Vec<_>>()
    );
    assert!(
        answers.iter().all(|(_, b)| *b == answers[0].1),
        "every answer is the first one, byte for byte"
    );
    assert_eq!(
        cluster.count("SELECT COUNT(*) FROM tokens WHERE kind = 'message'"),
        1,
        "the operation ran once"
    );
}

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
async fn sigkill_of_every_instance_under_load_loses_no_acknowledged_token() {
    let mut cluster = Cluster::start("sigkill", 3, &GENEROUS).await;
    let http = http();
    support::create_app(&http, cluster.base(0), ADMIN, "kill-app").await;
    let issued: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for w in 0..6 {
        let (http, base, issued) = (
            http.clone(),
            cluster.base(w).to_owned(),
            Arc::clone(&issued),
        );
        writers.push(tokio::spawn(async move {
            loop {
                let (status, body) = post(
                    &http,
                    &base,
                    "/api/v1/auth/app/kill-app/create-message-token",
                    ADMIN,
                    Some(json!({"name": "m"})),
                    None,
                )
                .await;
                match status {
                    200 => issued.lock().unwrap().push(field(&body, "token")),
                    0 => return,
                    _ => {}
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for instance in &mut cluster.instances {
        instance.kill();
    }
    for w in writers {
        w.await.unwrap();
    }
    let issued = issued.lock().unwrap().clone();
    assert!(issued.len() > 20, "load ran: {} issued", issued.len());
    cluster.instances.clear();
    for _ in 0..3 {
        cluster.add(&GENEROUS, ADMIN).await;
    }
    for (n, token) in issued.iter().enumerate() {
        assert_eq!(
            message_token_status(&http, cluster.base(n), token).await,
            403,
            "an acknowledged token was lost"
        );
    }
}

#[tokio::test]
async fn one_instance_killed_under_load_leaves_the_others_answering_without_errors() {
    let mut cluster = Cluster::start("failover", 3, &GENEROUS).await;
    let http = http();
    support::create_app(&http, cluster.base(0), ADMIN, "failover-app").await;
    let started = Instant::now();
    let kill_at = Duration::from_millis(800);
    let run_for = Duration::from_millis(2500);
    // Two workers per instance, each request with its own idempotency key (claims in flight
    // when the instance dies must not hold anything up).
    let mut workers = Vec::new();
    for w in 0..6 {
        let (http, base) = (http.clone(), cluster.base(w).to_owned());
        workers.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut after_kill) = (0usize, Vec::new(), 0usize);
            let mut n = 0;
            while started.elapsed() < run_for {
                n += 1;
                let (status, body) = post(
                    &http,
                    &base,
                    "/api/v1/auth/app/failover-app/create-message-token",
                    ADMIN,
                    Some(json!({"name": "m"})),
                    Some(&format!("failover-{w}-{n}")),
                )
                .await;
                if status == 200 {
                    ok += 1;
                    if started.elapsed() > kill_at + Duration::from_millis(100) {
                        after_kill += 1;
                    }
                } else {
                    errors.push((status, String::from_utf8_lossy(&body).into_owned()));
                }
            }
            (w % 3, ok, errors, after_kill)
        }));
    }
    tokio::time::sleep(kill_at).await;
    cluster.instances[2].kill();
    for w in workers {
        let (instance, ok, errors, after_kill) = w.await.unwrap();
        assert!(ok > 0, "instance {instance} served before the kill");
        if instance == 2 {
            continue;
        }
        assert!(
            errors.is_empty(),
            "instance {instance} answered errors while another died: {errors:?}"
        );
        assert!(
            after_kill > 0,
            "instance {instance} kept serving after the kill"
        );
    }
}

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
async fn a_key_held_by_an_instance_that_crashed_is_resolved_at_once_on_another() {
    let mut cluster = Cluster::start("crashed-holder", 1, &GENEROUS).await;
    let http = http();
    support::create_app(&http, cluster.base(0), ADMIN, "crash-app").await;
    let path = "/api/v1/auth/app/crash-app/create-message-token";
    for (fault, key) in [
        ("before-operation", "claimed-then-crashed"),
        ("after-operation", "executed-then-crashed"),
    ] {
        let log = cluster.dir.join(format!("{fault}.log"));
        let faulty = Process::spawn(
            &cluster.db,
            &GENEROUS,
            &[("SVIX_AUTH_ADMIN_TOKEN", ADMIN), ("SVIX_AUTH_FAULT", fault)],
            log,
        );
        faulty.healthy().await;
        let (status, _) = post(
            &http,
            &faulty.base,
            path,
            ADMIN,
            Some(json!({"name": "m"})),
            Some(key),
        )
        .await;
        assert_eq!(status, 0, "the instance died at {fault}");
        drop(faulty);
        cluster.instances.truncate(1);
        let started = Instant::now();
        let (status, body) = post(
            &http,
            cluster.base(0),
            path,
            ADMIN,
            Some(json!({"name": "m"})),
            Some(key),
        )
        .await;
        let waited = started.elapsed();
        let body = String::from_utf8_lossy(&body).into_owned();
        match fault {
            // Nothing committed: the retry runs it, without waiting out the dead claim's lease.
            "before-operation" => assert_eq!(status, 200, "{body}"),
            // Committed, answer lost: said at once, never run again.
            _ => {
                assert_eq!(status, 409, "{body}");
                assert!(body.contains("idempotency_answer_lost"), "{body}");
            }
        }
        assert!(
            waited < Duration::from_secs(3),
            "resolved without waiting for the {} ms lease: {waited:?}",
            svix_auth_reference_server::store::postgres::CLAIM_LEASE_MS
        );
    }
    assert_eq!(
        cluster.count("SELECT COUNT(*) FROM tokens WHERE kind = 'message'"),
        2,
        "each operation ran exactly once"
    );
}

/// Turns connections to the cluster's database off (ending the open ones) or on again.
fn database_reachable(db: &Database, reachable: bool) {
    let Database::Postgres(url) = db else {
        unreachable!("a cluster runs on PostgreSQL")
    };
    let name = url.rsplit('/').next().unwrap().to_owned();
    let admin = format!("{}/postgres", support::postgres_server());
    support::on_postgres(&admin, move |client| async move {
        client
            .batch_execute(&format!(
                "ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {reachable}"
            ))
            .await?;
        if !reachable {
            client
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    &[&name],
                )
                .await?;
        }
        Ok(())
    });
}

#[tokio::test]
async fn while_the_database_is_unreachable_every_instance_answers_503_then_recovers_by_itself() {
    let cluster = Cluster::start("outage", 2, &GENEROUS).await;
    let http = http();
    support::create_app(&http, cluster.base(0), ADMIN, "outage-app").await;
    let path = "/api/v1/auth/app/outage-app/create-message-token";

    database_reachable(&cluster.db, false);
    for i in 0..2 {
        let health = http
            .get(format!("{}/api/v1/health", cluster.base(i)))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 503, "instance {i} health");
        let response = http
            .post(format!("{}{path}", cluster.base(i)))
            .bearer_auth(ADMIN)
            .json(&json!({"name": "m"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503, "instance {i}");
        assert_eq!(response.headers()["retry-after"], "1");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "storage_unavailable", "{body}");
    }

    database_reachable(&cluster.db, true);
    let started = Instant::now();
    for i in 0..2 {
        loop {
            let (status, body) = post(
                &http,
                cluster.base(i),
                path,
                ADMIN,
                Some(json!({"name": "m"})),
                Some(&format!("after-outage-{i}")),
            )
            .await;
            if status == 200 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "instance {i} did not recover: {status} {}",
                String::from_utf8_lossy(&body)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // Each instance takes its liveness lock again by itself (a key it holds is then not taken
    // over by another instance).
    let locks = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    while cluster.count(locks) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "both instances hold their liveness locks again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
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
