//! Scale-out benchmark: app-portal-access (without and with an idempotency key) and one-time-token
//! exchange against the real server
//! binary on SQLite (one instance), PostgreSQL with one instance and PostgreSQL with three
//! instances sharing the database, in the same run, over loopback with 32 connections spread
//! round-robin over the instances: throughput, p50 and p99.
//!
//! Run (a PostgreSQL server with fsync on, e.g. the README's "Running several instances"):
//! `SVIX_AUTH_BENCH_POSTGRES=postgres://postgres@127.0.0.1:5433 cargo bench -p svix-auth-reference-server --bench scale_out`
//! (it creates and drops the database `svix_auth_bench`). Bounded: each scenario runs 3 s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use svix_auth_reference_server::secret;
use svix_auth_reference_server::store::{
    App, Database, NewToken, PoolOptions, Store, TokenKind, TokenRecord,
};

const ADMIN: &str = "sk_admin_bench_0123456789abcdef0123456789";
const CONNECTIONS: usize = 32;
const DURATION: Duration = Duration::from_secs(3);
const ONE_TIME_TOKENS: usize = 40_000;

/// A server process, killed when dropped.
struct Instance(std::process::Child, String);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn spawn(database: &str) -> Instance {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_svix-auth-reference-server"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database",
            database,
        ])
        .args([
            "--rate-limit",
            "1000000000",
            "--rate-limit-burst",
            "1000000000",
        ])
        .env("SVIX_AUTH_ADMIN_TOKEN", ADMIN)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let instance = Instance(child, format!("http://127.0.0.1:{port}"));
    let http = reqwest::Client::new();
    for _ in 0..400 {
        if http
            .get(format!("{}/api/v1/health", instance.1))
            .send()
            .await
            .is_ok_and(|r| r.status() == 204)
        {
            return instance;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server on {database} did not start");
}

/// The app and one-time tokens the scenarios use, written through the store.
async fn seed(database: &Database) -> Vec<String> {
    let store = Store::open(database, PoolOptions::default())
        .await
        .expect("store opens");
    let now = store.now_ms();
    let app = App {
        id: "app_bench".into(),
        uid: Some("bench-app".into()),
        name: "bench".into(),
    };
    store
        .get_or_create_app(app.clone(), None, "{}".into(), now)
        .await
        .expect("app");
    let otts: Vec<String> = (0..ONE_TIME_TOKENS)
        .map(|_| secret::new_token("ott_"))
        .collect();
    for chunk in otts.chunks(5_000) {
        let tokens = chunk
            .iter()
            .map(|s| NewToken {
                secret: s.clone(),
                record: TokenRecord {
                    id: secret::random_string("key_", 16),
                    kind: TokenKind::OneTime,
                    app_id: app.id.clone(),
                    created_at: now,
                    expires_at: Some(now + 3_600_000),
                    name: None,
                    feature_flags: vec![],
                    read_only: false,
                    scopes: vec![],
                    session_ttl_ms: Some(3_600_000),
                },
            })
            .collect();
        store.insert_tokens(tokens).await.expect("one-time tokens");
    }
    otts
}

struct Outcome {
    requests: usize,
    errors: usize,
    latencies: Vec<Duration>,
}

/// `CONNECTIONS` workers for `DURATION`, request `i` going to instance `i % n`.
async fn load<F>(bases: &[String], make: F) -> Outcome
where
    F: Fn(&reqwest::Client, &str, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let bases = Arc::new(bases.to_vec());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let (http, make, counter, bases) = (
            http.clone(),
            Arc::clone(&make),
            Arc::clone(&counter),
            Arc::clone(&bases),
        );
        workers.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0);
            while started.elapsed() < DURATION {
                let i = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let t = Instant::now();
                match make(&http, &bases[i % bases.len()], i).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut outcome = Outcome {
        requests: 0,
        errors: 0,
        latencies: Vec::new(),
    };
    for w in workers {
        let (l, e) = w.await.expect("worker");
        outcome.requests += l.len();
        outcome.errors += e;
        outcome.latencies.extend(l);
    }
    outcome.latencies.sort();
    outcome
}

fn row(name: &str, o: &Outcome) -> f64 {
    let pct = |p: f64| {
        o.latencies
            .get(((o.latencies.len() as f64 * p) as usize).min(o.latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
            .as_secs_f64()
            * 1e3
    };
    let rps = o.requests as f64 / DURATION.as_secs_f64();
    println!(
        "| {name} | {} | {} | {rps:.0} | {:.2} ms | {:.2} ms |",
        o.requests,
        o.errors,
        pct(0.50),
        pct(0.99)
    );
    rps
}

async fn fresh_postgres(server: &str) -> String {
    let (client, connection) =
        tokio_postgres::connect(&format!("{server}/postgres"), tokio_postgres::NoTls)
            .await
            .expect("connect to SVIX_AUTH_BENCH_POSTGRES");
    let driver = tokio::spawn(connection);
    client
        .batch_execute("DROP DATABASE IF EXISTS svix_auth_bench WITH (FORCE)")
        .await
        .expect("drop");
    client
        .batch_execute("CREATE DATABASE svix_auth_bench")
        .await
        .expect("create");
    drop(client);
    let _ = driver.await;
    format!("{server}/svix_auth_bench")
}

/// Both scenarios against `instances` instances on `database`; the two throughputs.
async fn scenario(label: &str, database: Database, instances: usize) -> (f64, f64) {
    let otts = Arc::new(seed(&database).await);
    let argument = match &database {
        Database::Sqlite(p) => p.display().to_string(),
        Database::Postgres(url) => url.clone(),
    };
    let mut running = Vec::new();
    for _ in 0..instances {
        running.push(spawn(&argument).await);
    }
    let bases: Vec<String> = running.iter().map(|i| i.1.clone()).collect();
    let body = serde_json::to_vec(&serde_json::json!({"featureFlags": ["beta"]})).expect("body");
    let request = move |http: &reqwest::Client, base: &str| {
        http.post(format!("{base}/api/v1/auth/app-portal-access/bench-app"))
            .bearer_auth(ADMIN)
            .header("content-type", "application/json")
            .body(body.clone())
    };
    let unkeyed = request.clone();
    let portal = load(&bases, move |http, base, _| unkeyed(http, base)).await;
    let portal_rps = row(&format!("app-portal-access, {label}"), &portal);
    // An `auto_…` idempotency key per request, as the official SDKs send: the claim (a row on
    // PostgreSQL), the record in the operation's transaction, the recorded answer.
    let keyed = load(&bases, move |http, base, i| {
        request(http, base).header("idempotency-key", format!("auto_bench_{i}"))
    })
    .await;
    row(
        &format!("app-portal-access with an idempotency key, {label}"),
        &keyed,
    );
    let exchange = load(&bases, move |http, base, i| {
        let ott = &otts[i % otts.len()];
        http.post(format!("{base}/api/v1/auth/one-time-token"))
            .bearer_auth(ADMIN)
            .json(&serde_json::json!({ "oneTimeToken": ott }))
    })
    .await;
    let exchange_rps = row(&format!("exchange-one-time-token, {label}"), &exchange);
    (portal_rps, exchange_rps)
}

#[tokio::main]
async fn main() {
    let Ok(server) = std::env::var("SVIX_AUTH_BENCH_POSTGRES") else {
        eprintln!(
            "error: set SVIX_AUTH_BENCH_POSTGRES to a PostgreSQL server (e.g. \
             postgres://postgres@127.0.0.1:5433); see the README's \"Running several instances\""
        );
        std::process::exit(2);
    };
    let dir = std::env::temp_dir().join(format!("svix-auth-scale-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "Machine: {} cores; {CONNECTIONS} connections round-robin over the instances; {} s per \
         scenario; the server binary as separate processes.\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        DURATION.as_secs()
    );
    println!("| scenario | requests | errors | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    let sqlite = scenario(
        "SQLite, 1 instance",
        Database::Sqlite(dir.join("bench.db")),
        1,
    )
    .await;
    let one = scenario(
        "PostgreSQL, 1 instance",
        Database::Postgres(fresh_postgres(&server).await),
        1,
    )
    .await;
    let three = scenario(
        "PostgreSQL, 3 instances",
        Database::Postgres(fresh_postgres(&server).await),
        3,
    )
    .await;
    println!(
        "\nPostgreSQL 1 instance / SQLite throughput: app-portal-access {:.2}, exchange {:.2}",
        one.0 / sqlite.0,
        one.1 / sqlite.1
    );
    println!(
        "PostgreSQL 3 instances / 1 instance throughput: app-portal-access {:.2}, exchange {:.2}",
        three.0 / one.0,
        three.1 / one.1
    );
    let _ = std::fs::remove_dir_all(&dir);
}
