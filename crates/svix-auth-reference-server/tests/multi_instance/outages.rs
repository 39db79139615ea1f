//! Crashes and database outages: nothing acknowledged is lost, the others keep answering.

use super::*;

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
