//! Crashes between an operation and its idempotency record (injected with `SVIX_AUTH_FAULT`, a
//! debug-build hook that aborts the process at a named point), the retention purge, and health
//! when the store cannot serve. Black-box: the real binary, real sockets, real files. Against
//! SQLite, or PostgreSQL with `SVIX_AUTH_TEST_STORE=postgres`.

mod support;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use svix_auth_reference_server::store::Database;
use svix_auth_reference_server::{Config, start};

const ADMIN: &str = "sk_admin_crash_test_0123456789abcdef0123";

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on `db` with `args`, aborting at `fault` if given; waits until healthy.
    async fn start(db: &Database, fault: Option<&str>, args: &[&str]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_svix-auth-reference-server"));
        command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--rate-limit", "1000000", "--rate-limit-burst", "1000000"])
            .args(["--auth-failure-rate", "1000000"])
            .args(["--auth-failure-burst", "1000000"])
            .args(args)
            .arg("--database")
            .arg(support::arg(db))
            .env("SVIX_AUTH_ADMIN_TOKEN", ADMIN)
            .env_remove("SVIX_AUTH_FAULT")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(fault) = fault {
            command.env("SVIX_AUTH_FAULT", fault);
        }
        let server = Self {
            child: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
        };
        let http = http();
        for _ in 0..200 {
            if let Ok(r) = http
                .get(format!("{}/api/v1/health", server.base))
                .send()
                .await
                && r.status() == 204
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the server did not start");
    }

    /// Waits (at most 10 s) for the process to exit by itself; whether it did.
    fn exited(&mut self) -> bool {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    async fn post(&self, path: &str, key: Option<&str>, body: Value) -> Option<(u16, Value)> {
        let mut request = http()
            .post(format!("{}{path}", self.base))
            .bearer_auth(ADMIN)
            .json(&body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Some((status, body))
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn count(db: &Database, sql: &str) -> i64 {
    support::count(db, sql)
}

const MESSAGE_TOKEN: &str = "/api/v1/auth/app/crash-app/create-message-token";
const MESSAGE_TOKENS: &str = "SELECT COUNT(*) FROM tokens WHERE kind = 'message'";

async fn with_app(server: &Server) -> Value {
    let (status, body) = server
        .post(
            "/api/v1/auth/app-portal-access/crash-app",
            None,
            json!({"application": {"name": "n", "uid": "crash-app"}}),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_crash_between_the_operation_and_its_record_never_runs_the_operation_twice() {
    let dir = temp_dir("after-operation");
    let db = support::fresh_database(&dir, "after-operation");
    let mut server = Server::start(&db, Some("after-operation"), &[]).await;
    with_app(&server).await;
    let answer = server
        .post(MESSAGE_TOKEN, Some("key-1"), json!({"name": "n"}))
        .await;
    assert!(
        answer.is_none(),
        "the process died before answering: {answer:?}"
    );
    assert!(server.exited(), "the fault point aborts the process");
    assert_eq!(count(&db, MESSAGE_TOKENS), 1, "the operation committed");
    drop(server);

    // The client retries with the same key against the restarted server.
    let server = Server::start(&db, None, &[]).await;
    let (status, body) = server
        .post(MESSAGE_TOKEN, Some("key-1"), json!({"name": "n"}))
        .await
        .unwrap();
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "idempotency_answer_lost", "{body}");
    assert_eq!(count(&db, MESSAGE_TOKENS), 1, "not run a second time");
    // The same key with another request is still a conflict.
    let (status, body) = server
        .post(MESSAGE_TOKEN, Some("key-1"), json!({"name": "other"}))
        .await
        .unwrap();
    assert_eq!(
        (status, &body["code"]),
        (409, &json!("idempotency_conflict"))
    );
    // A new key works.
    let (status, _) = server
        .post(MESSAGE_TOKEN, Some("key-2"), json!({"name": "n"}))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(count(&db, MESSAGE_TOKENS), 2);
}

#[tokio::test]
async fn a_crash_after_an_exchange_does_not_spend_the_link_twice_or_mint_a_second_session() {
    let dir = temp_dir("exchange");
    let db = support::fresh_database(&dir, "exchange");
    let mut server = Server::start(&db, Some("after-operation"), &[]).await;
    let url = with_app(&server).await["url"].as_str().unwrap().to_owned();
    use base64::Engine as _;
    let key: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(url.split_once("#key=").unwrap().1)
            .unwrap(),
    )
    .unwrap();
    let ott = key["oneTimeToken"].as_str().unwrap().to_owned();
    let exchange = |server: &Server| {
        let http = http();
        let (base, ott) = (server.base.clone(), ott.clone());
        async move {
            let response = http
                .post(format!("{base}/api/v1/auth/one-time-token"))
                .bearer_auth(&ott)
                .header("idempotency-key", "exchange-1")
                .json(&json!({"oneTimeToken": ott}))
                .send()
                .await
                .ok()?;
            let status = response.status().as_u16();
            Some((
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            ))
        }
    };
    assert!(exchange(&server).await.is_none());
    assert!(server.exited());
    drop(server);
    let sessions = "SELECT COUNT(*) FROM tokens WHERE kind = 'portal'";
    assert_eq!(
        count(&db, sessions),
        2,
        "the link's session and the exchanged one"
    );
    let server = Server::start(&db, None, &[]).await;
    let (status, body) = exchange(&server).await.unwrap();
    assert_eq!(
        (status, &body["code"]),
        (409, &json!("idempotency_answer_lost")),
        "{body}"
    );
    assert_eq!(count(&db, sessions), 2, "no second session");
}

#[tokio::test]
async fn a_crash_before_the_operation_commits_lets_the_retry_run_it_once() {
    let dir = temp_dir("before-operation");
    let db = support::fresh_database(&dir, "before-operation");
    let mut server = Server::start(&db, Some("before-operation"), &[]).await;
    with_app(&server).await;
    assert!(
        server
            .post(MESSAGE_TOKEN, Some("key-1"), json!({"name": "n"}))
            .await
            .is_none()
    );
    assert!(server.exited());
    assert_eq!(count(&db, MESSAGE_TOKENS), 0, "the operation never ran");
    drop(server);
    let server = Server::start(&db, None, &[]).await;
    let (status, first) = server
        .post(MESSAGE_TOKEN, Some("key-1"), json!({"name": "n"}))
        .await
        .unwrap();
    assert_eq!(status, 200, "{first}");
    let (status, replayed) = server
        .post(MESSAGE_TOKEN, Some("key-1"), json!({"name": "n"}))
        .await
        .unwrap();
    assert_eq!(
        (status, &replayed),
        (200, &first),
        "replayed, not run again"
    );
    assert_eq!(count(&db, MESSAGE_TOKENS), 1);
}

/// What the database holds: the SQLite file and its log in bytes; for PostgreSQL (whose files
/// autovacuum reuses on its own schedule) the rows of the tables requests fill.
fn footprint(db: &Database) -> u64 {
    match db {
        Database::Sqlite(file) => ["", "-wal"]
            .iter()
            .map(|s| {
                std::fs::metadata(format!("{}{s}", file.display()))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum(),
        Database::Postgres(_) => count(
            db,
            "SELECT (SELECT COUNT(*) FROM tokens) + (SELECT COUNT(*) FROM idempotency)",
        ) as u64,
    }
}

/// `rounds` rounds of `per_round` message tokens that expire after a second, each with its own
/// `auto_…` idempotency key (as the official SDKs send); the database size after each round.
async fn auto_key_workload(
    server: &Server,
    db: &Database,
    rounds: usize,
    pause: Duration,
) -> Vec<u64> {
    const PER_ROUND: usize = 300;
    const CONCURRENCY: usize = 8;
    let mut sizes = Vec::new();
    for round in 0..rounds {
        let mut workers = Vec::new();
        for w in 0..CONCURRENCY {
            let (http, base) = (http(), server.base.clone());
            workers.push(tokio::spawn(async move {
                for i in (w..PER_ROUND).step_by(CONCURRENCY) {
                    let status = http
                        .post(format!("{base}{MESSAGE_TOKEN}"))
                        .bearer_auth(ADMIN)
                        .header("idempotency-key", format!("auto_{round}_{i}_{}", w * 7))
                        .json(&json!({"name": "n", "expiry": 1}))
                        .send()
                        .await
                        .unwrap()
                        .status();
                    assert_eq!(status, 200);
                }
            }));
        }
        for w in workers {
            w.await.unwrap();
        }
        tokio::time::sleep(pause).await;
        sizes.push(footprint(db));
    }
    sizes
}

#[tokio::test]
async fn the_purge_keeps_the_database_size_flat_under_an_auto_key_workload() {
    let dir = temp_dir("purge");
    let purged_db = match support::fresh_database(&dir, "purged") {
        Database::Sqlite(_) => Database::Sqlite(dir.join("purged.db")),
        postgres => postgres,
    };
    let args = [
        "--retention-days",
        "0",
        "--idempotency-retention",
        "1",
        "--purge-interval",
        "1",
    ];
    let server = Server::start(&purged_db, None, &args).await;
    with_app(&server).await;
    let purged = auto_key_workload(&server, &purged_db, 6, Duration::from_millis(2500)).await;
    drop(server);

    let kept_db = match support::fresh_database(&dir, "kept") {
        Database::Sqlite(_) => Database::Sqlite(dir.join("kept.db")),
        postgres => postgres,
    };
    let server = Server::start(&kept_db, None, &[]).await;
    with_app(&server).await;
    let kept = auto_key_workload(&server, &kept_db, 6, Duration::ZERO).await;
    drop(server);

    let (unit, scale, slack) = match purged_db {
        Database::Sqlite(_) => ("MB of database + WAL", 1e6, 64 * 1024),
        Database::Postgres(_) => ("rows of tokens + idempotency records", 1.0, 50),
    };
    let show = |b: &u64| format!("{:.2}", *b as f64 / scale);
    eprintln!(
        "{unit} after each round of 300 requests: with purge {:?}; without {:?}",
        purged.iter().map(show).collect::<Vec<_>>(),
        kept.iter().map(show).collect::<Vec<_>>()
    );
    let (second, last) = (purged[1], purged[5]);
    assert!(
        last <= second + second / 10 + slack,
        "with the purge the size stays flat: {purged:?}"
    );
    assert!(
        kept[5] > 2 * last,
        "without it the same workload keeps growing: {kept:?} vs {purged:?}"
    );
    assert_eq!(count(&purged_db, "SELECT COUNT(*) FROM idempotency"), 0);
}

/// Another connection holds the database back (a stuck writer, a backup tool, a migration…)
/// until the returned sender is dropped: SQLite's write lock, or an exclusive lock on the table
/// PostgreSQL's health query reads.
fn hold_database(db: &Database) -> std::sync::mpsc::Sender<()> {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (held, is_held) = std::sync::mpsc::channel::<()>();
    match db.clone() {
        Database::Sqlite(file) => {
            std::thread::spawn(move || {
                let mut other = rusqlite::Connection::open(&file).unwrap();
                let tx = other
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .unwrap();
                held.send(()).unwrap();
                let _ = released.recv();
                tx.rollback().unwrap();
            });
        }
        Database::Postgres(url) => {
            std::thread::spawn(move || {
                support::on_postgres(&url, move |mut client| async move {
                    let tx = client.transaction().await?;
                    tx.batch_execute("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
                        .await?;
                    held.send(()).unwrap();
                    let _ = tokio::task::spawn_blocking(move || released.recv()).await;
                    tx.rollback().await
                });
            });
        }
    }
    is_held.recv().unwrap();
    release
}

#[tokio::test]
async fn health_answers_503_while_the_database_cannot_take_writes() {
    let dir = temp_dir("health");
    let db = support::fresh_database(&dir, "health");
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db.clone());
    config.admin_token = Some(ADMIN.into());
    let running = start(config).await.unwrap();
    let health = format!("http://{}/api/v1/health", running.addr);
    assert_eq!(http().get(&health).send().await.unwrap().status(), 204);

    let release = hold_database(&db);
    let started = Instant::now();
    let response = http().get(&health).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "storage_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered within the ping's lock wait: {:?}",
        started.elapsed()
    );
    drop(release);
    let mut status = 0;
    for _ in 0..50 {
        status = http().get(&health).send().await.unwrap().status().as_u16();
        if status == 204 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 204, "healthy again once the database is released");
    running.shutdown().await.unwrap();
}
