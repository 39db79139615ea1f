//! Races, crash safety and token hygiene: concurrent one-time exchanges and idempotent requests,
//! expire-all racing issuance, SIGKILL under write load, and no token in the database file or
//! the logs. Against SQLite, or PostgreSQL with `SVIX_AUTH_TEST_STORE=postgres`.

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_races_0123456789abcdef0123456789";

use support::{field, message_token_status, post, temp_dir};
use svix_auth_reference_server::store::Database;

async fn server(name: &str) -> Running {
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        support::fresh_database(&temp_dir(name), name),
    );
    config.admin_token = Some(ADMIN.into());
    config.rate_limit = RateLimit {
        rate: 1e6,
        burst: 1e6,
    };
    // These tests are about races and hostile input, not about limits.
    config.auth_failures = config.rate_limit;
    start(config).await.unwrap()
}

#[tokio::test]
async fn sixty_four_concurrent_exchanges_of_one_token_succeed_exactly_once() {
    let s = server("race-exchange").await;
    let base = format!("http://{}", s.addr);
    let http = reqwest::Client::new();
    let (_, ott) = support::create_app(&http, &base, ADMIN, "race-app").await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (http, base, ott) = (http.clone(), base.clone(), ott.clone());
        // Half use the admin token, half the one-time token itself as bearer.
        let bearer = if i % 2 == 0 {
            ADMIN.to_owned()
        } else {
            ott.clone()
        };
        tasks.push(tokio::spawn(async move {
            post(
                &http,
                &base,
                "/api/v1/auth/one-time-token",
                &bearer,
                Some(json!({"oneTimeToken": ott})),
                None,
            )
            .await
            .0
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        63,
        "{statuses:?}"
    );
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn sixty_four_concurrent_get_or_creates_of_one_new_app_all_get_it_with_200() {
    let s = server("race-get-or-create").await;
    let bases = [format!("http://{}", s.addr)];
    let http = reqwest::Client::new();
    for round in 0..5 {
        let uid = format!("race-{round}");
        let answers = support::get_or_create_race(&http, &bases, ADMIN, &uid, 64).await;
        support::assert_one_app_for_all(round, &answers);
    }
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn sixty_four_concurrent_requests_with_one_key_issue_one_token_and_identical_bodies() {
    let s = server("race-idempotency").await;
    let base = format!("http://{}", s.addr);
    let http = reqwest::Client::new();
    support::create_app(&http, &base, ADMIN, "idem-app").await;
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            post(
                &http,
                &base,
                "/api/v1/auth/app/idem-app/create-message-token",
                ADMIN,
                Some(json!({"name": "once"})),
                Some("same-key"),
            )
            .await
        }));
    }
    let mut bodies = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 200);
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "64 byte-identical bodies"
    );
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn expire_all_racing_issuance_leaves_no_earlier_token_alive() {
    let s = server("race-expire").await;
    let base = format!("http://{}", s.addr);
    let http = reqwest::Client::new();
    support::create_app(&http, &base, ADMIN, "exp-app").await;
    let issued: Arc<std::sync::Mutex<Vec<(Instant, String)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..8 {
        let (http, base, issued, stop) = (
            http.clone(),
            base.clone(),
            Arc::clone(&issued),
            Arc::clone(&stop),
        );
        writers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, body) = post(
                    &http,
                    &base,
                    "/api/v1/auth/app/exp-app/create-message-token",
                    ADMIN,
                    Some(json!({"name": "m"})),
                    None,
                )
                .await;
                if status == 200 {
                    issued
                        .lock()
                        .unwrap()
                        .push((Instant::now(), field(&body, "token")));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let called_at = Instant::now();
    let (status, _) = post(
        &http,
        &base,
        "/api/v1/auth/app/exp-app/expire-all",
        ADMIN,
        Some(json!({"expiry": 0})),
        None,
    )
    .await;
    assert_eq!(status, 204);
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let issued = issued.lock().unwrap().clone();
    let before: Vec<_> = issued.iter().filter(|(at, _)| *at < called_at).collect();
    assert!(
        before.len() >= 8,
        "the race needs tokens issued before the call: {}",
        before.len()
    );
    for (_, token) in &before {
        assert_eq!(
            message_token_status(&http, &base, token).await,
            401,
            "a token issued before expire-all survived"
        );
    }
    let after = issued
        .iter()
        .filter(|(at, _)| *at > called_at + Duration::from_millis(100))
        .count();
    assert!(after > 0, "tokens were still issued after the call");
    s.shutdown().await.unwrap();
}

struct Child9(Child);

impl Drop for Child9 {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_binary(db: &Database, port: u16, log: Option<&std::path::Path>) -> Child9 {
    let stderr = match log {
        Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
        None => Stdio::null(),
    };
    Child9(
        Command::new(env!("CARGO_BIN_EXE_svix-auth-reference-server"))
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--rate-limit",
                "1000000",
                "--rate-limit-burst",
                "1000000",
                "--auth-failure-rate",
                "1000000",
                "--auth-failure-burst",
                "1000000",
            ])
            .arg("--database")
            .arg(support::arg(db))
            .env("SVIX_AUTH_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_healthy(http: &reqwest::Client, base: &str) {
    for _ in 0..100 {
        if http
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 204)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

#[tokio::test]
async fn sigkill_under_write_load_loses_no_acknowledged_write() {
    let dir = temp_dir("sigkill");
    let db = support::fresh_database(&dir, "sigkill");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = spawn_binary(&db, port, None);
    wait_healthy(&http, &base).await;
    support::create_app(&http, &base, ADMIN, "crash-app").await;

    let issued: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let revoked: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let mut writers = Vec::new();
    for i in 0..8 {
        let (http, base, issued, revoked) = (
            http.clone(),
            base.clone(),
            Arc::clone(&issued),
            Arc::clone(&revoked),
        );
        writers.push(tokio::spawn(async move {
            loop {
                if i % 2 == 0 {
                    let (status, body) = post(
                        &http,
                        &base,
                        "/api/v1/auth/app/crash-app/create-message-token",
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
                } else {
                    let (status, body) = post(
                        &http,
                        &base,
                        "/api/v1/auth/dashboard-access/crash-app",
                        ADMIN,
                        None,
                        None,
                    )
                    .await;
                    if status == 0 {
                        return;
                    }
                    let session = field(&body, "token");
                    match post(&http, &base, "/api/v1/auth/logout", &session, None, None)
                        .await
                        .0
                    {
                        204 => revoked.lock().unwrap().push(session),
                        0 => return,
                        _ => {}
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // SIGKILL: no shutdown, no flush.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let issued = issued.lock().unwrap().clone();
    let revoked = revoked.lock().unwrap().clone();
    assert!(
        issued.len() > 20 && revoked.len() > 10,
        "load ran: {} issued, {} revoked",
        issued.len(),
        revoked.len()
    );

    if let Database::Sqlite(file) = &db {
        let store = svix_auth_reference_server::store::SqliteStore::open(file)
            .expect("the database opens cleanly after SIGKILL");
        assert!(store.quick_check().unwrap(), "PRAGMA quick_check is ok");
    }
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _child = spawn_binary(&db, port, None);
    wait_healthy(&http, &base).await;
    for token in &issued {
        assert_eq!(
            message_token_status(&http, &base, token).await,
            403,
            "an acknowledged issuance was lost"
        );
    }
    for token in &revoked {
        assert_eq!(
            post(&http, &base, "/api/v1/auth/logout", token, None, None)
                .await
                .0,
            401,
            "an acknowledged revocation was lost"
        );
    }
    println!(
        "sigkill: {} issued and {} revoked tokens checked after restart",
        issued.len(),
        revoked.len()
    );
}

#[tokio::test]
async fn no_token_appears_in_the_database_file_or_the_logs() {
    let dir = temp_dir("hygiene");
    let db = support::fresh_database(&dir, "hygiene");
    let log = dir.join("server.log");
    let http = reqwest::Client::new();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = spawn_binary(&db, port, Some(&log));
    wait_healthy(&http, &base).await;

    // A full flow: portal access (session + one-time token), exchange, message token, logout,
    // expire-all, and some failures.
    let (session, ott) = support::create_app(&http, &base, ADMIN, "hygiene-app").await;
    let (_, body) = post(
        &http,
        &base,
        "/api/v1/auth/one-time-token",
        &ott,
        Some(json!({"oneTimeToken": ott})),
        Some("k1"),
    )
    .await;
    let exchanged = field(&body, "token");
    let (_, body) = post(
        &http,
        &base,
        "/api/v1/auth/app/hygiene-app/create-message-token",
        ADMIN,
        Some(json!({"name": "m"})),
        None,
    )
    .await;
    let message = field(&body, "token");
    assert_eq!(
        post(&http, &base, "/api/v1/auth/logout", &exchanged, None, None)
            .await
            .0,
        204
    );
    assert_eq!(
        post(&http, &base, "/api/v1/auth/logout", &exchanged, None, None)
            .await
            .0,
        401
    );
    assert_eq!(
        post(
            &http,
            &base,
            "/api/v1/auth/app/hygiene-app/expire-all",
            ADMIN,
            Some(json!({})),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        post(
            &http,
            &base,
            "/api/v1/auth/logout",
            "sk_wrong_token",
            None,
            None
        )
        .await
        .0,
        401
    );
    let secrets = [
        ADMIN,
        session.as_str(),
        ott.as_str(),
        exchanged.as_str(),
        message.as_str(),
    ];
    assert!(secrets.iter().all(|s| s.len() > 20));

    child.0.kill().unwrap();
    child.0.wait().unwrap();
    // Everything the database holds: the SQLite file and its log, or a dump of PostgreSQL's.
    let bytes = match &db {
        Database::Sqlite(file) => {
            let mut bytes = std::fs::read(file).unwrap();
            bytes.extend(std::fs::read(dir.join("auth.db-wal")).unwrap_or_default());
            bytes
        }
        Database::Postgres(url) => {
            let dump = Command::new("pg_dump")
                .args(["--data-only", "--dbname", url])
                .output()
                .expect("pg_dump runs");
            assert!(
                dump.status.success(),
                "{}",
                String::from_utf8_lossy(&dump.stderr)
            );
            assert!(dump.stdout.len() > 1000, "the dump holds the data");
            dump.stdout
        }
    };
    // Binary columns appear hex-encoded in a dump: look for that form as well.
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(logs.contains("request"), "the logs were captured");
    for secret in secrets {
        for form in [secret.to_owned(), hex(secret)] {
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "a token is stored in clear text"
            );
        }
        assert!(!logs.contains(secret), "a token appears in the logs");
    }
    assert!(
        !logs.contains("sk_wrong_token"),
        "even a refused credential is not logged"
    );
}
