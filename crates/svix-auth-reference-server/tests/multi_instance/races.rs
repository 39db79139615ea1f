//! Races across instances: one-time tokens, idempotency keys, get-or-create, crashed holders.

use super::*;

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

#[tokio::test]
async fn sixty_four_concurrent_get_or_creates_across_three_instances_all_get_one_app() {
    let cluster = Cluster::start("get-or-create-race", 3, &GENEROUS).await;
    let http = http();
    let bases: Vec<String> = (0..3).map(|i| cluster.base(i).to_owned()).collect();
    for round in 0..5 {
        let uid = format!("cluster-race-{round}");
        let answers = support::get_or_create_race(&http, &bases, ADMIN, &uid, 64).await;
        support::assert_one_app_for_all(round, &answers);
    }
    assert_eq!(cluster.count("SELECT COUNT(*) FROM apps"), 5);
}
