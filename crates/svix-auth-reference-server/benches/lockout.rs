//! A valid client beside a flood of made-up bearer tokens from the same address (loopback: the
//! case of clients behind one load balancer): the valid client's throughput and p50/p99 of
//! app-portal-access with and without the flood, rounds alternating in one run, and what the
//! flood got (401 within the failure budget, 429 past it).
//!
//! Run: `cargo bench -p svix-auth-reference-server --bench lockout` (figures in BENCHMARKS.md).
//! Bounded: fixed rounds of fixed wall time; the flood is paced (2,000 requests/s by default,
//! `LOCKOUT_FLOOD_RATE`), with at most 256 in flight; loopback only.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::{Config, start};

const ADMIN: &str = "sk_admin_lockout_bench_0123456789abcdef0";
const VALID_CONNECTIONS: usize = 8;
const ROUND: Duration = Duration::from_secs(4);
const ROUNDS: usize = 3;

#[derive(Default)]
struct Flood {
    sent: AtomicU64,
    unauthorized: AtomicU64,
    throttled: AtomicU64,
    other: AtomicU64,
}

async fn valid_client(http: reqwest::Client, url: String, until: Instant) -> Vec<Duration> {
    let mut latencies = Vec::new();
    let body = serde_json::json!({"application": {"name": "bench", "uid": "lockout-bench"}});
    while Instant::now() < until {
        let started = Instant::now();
        let status = http
            .post(&url)
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        assert_eq!(status, 200, "the valid client is served");
        latencies.push(started.elapsed());
    }
    latencies
}

async fn flood(http: reqwest::Client, url: String, until: Instant, rate: f64, tally: Arc<Flood>) {
    let in_flight = Arc::new(tokio::sync::Semaphore::new(256));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut i = 0u64;
    while Instant::now() < until {
        tick.tick().await;
        let Ok(permit) = Arc::clone(&in_flight).try_acquire_owned() else {
            continue;
        };
        i += 1;
        let (http, url, tally) = (http.clone(), url.clone(), Arc::clone(&tally));
        tokio::spawn(async move {
            let status = http
                .post(&url)
                .bearer_auth(format!("made_up_{i}"))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            tally.sent.fetch_add(1, Ordering::Relaxed);
            match status {
                401 => &tally.unauthorized,
                429 => &tally.throttled,
                _ => &tally.other,
            }
            .fetch_add(1, Ordering::Relaxed);
            drop(permit);
        });
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len().saturating_sub(1)) as f64 * p).round() as usize)
        .copied()
        .unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let rate: f64 = std::env::var("LOCKOUT_FLOOD_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(2000.0);
    let dir = std::env::temp_dir().join(format!("lockout-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.join("bench.db"));
    config.admin_token = Some(ADMIN.into());
    // The per-credential limit out of reach; the failure budget as shipped (20, then 0.5/s).
    config.rate_limit = RateLimit {
        rate: 1e9,
        burst: 1e9,
    };
    let running = start(config).await.expect("server");
    let base = format!("http://{}", running.addr);
    let portal = format!("{base}/api/v1/auth/app-portal-access/lockout-bench");
    let logout = format!("{base}/api/v1/auth/logout");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .expect("client");
    // Warm up (creates the app).
    valid_client(
        http.clone(),
        portal.clone(),
        Instant::now() + Duration::from_millis(500),
    )
    .await;
    println!(
        "valid client: {VALID_CONNECTIONS} connections, app-portal-access; flood: {rate:.0} made-up bearers/s (same address); {ROUND:?} rounds"
    );
    for round in 0..ROUNDS {
        for with_flood in [false, true] {
            let until = Instant::now() + ROUND;
            let tally = Arc::new(Flood::default());
            let flood_task = with_flood.then(|| {
                tokio::spawn(flood(
                    http.clone(),
                    logout.clone(),
                    until,
                    rate,
                    Arc::clone(&tally),
                ))
            });
            let started = Instant::now();
            let clients: Vec<_> = (0..VALID_CONNECTIONS)
                .map(|_| tokio::spawn(valid_client(http.clone(), portal.clone(), until)))
                .collect();
            let mut latencies = Vec::new();
            for c in clients {
                latencies.extend(c.await.expect("client task"));
            }
            let elapsed = started.elapsed().as_secs_f64();
            if let Some(t) = flood_task {
                t.await.expect("flood task");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            latencies.sort();
            let flood_text = if with_flood {
                format!(
                    "flood {:.0}/s: {} × 401, {} × 429, {} other",
                    tally.sent.load(Ordering::Relaxed) as f64 / elapsed,
                    tally.unauthorized.load(Ordering::Relaxed),
                    tally.throttled.load(Ordering::Relaxed),
                    tally.other.load(Ordering::Relaxed)
                )
            } else {
                "no flood".to_owned()
            };
            println!(
                "round {round} {:<10} valid: {:>6.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms   {flood_text}",
                if with_flood { "flood" } else { "quiet" },
                latencies.len() as f64 / elapsed,
                percentile(&latencies, 0.50).as_secs_f64() * 1e3,
                percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            );
        }
    }
    running.shutdown().await.expect("shutdown");
    let _ = std::fs::remove_dir_all(&dir);
}
