//! Load benchmark over loopback: throughput and p50/p99 latency of app-portal-access and
//! one-time-token exchange on the reference server, and the cost of the generated router and
//! trait dispatch against a hand-written axum handler doing the same work, in the same run.
//!
//! Run: `cargo bench -p svix-auth-reference-server --bench load` (figures in BENCHMARKS.md).
//! Bounded: each scenario runs a fixed wall time with a fixed number of connections.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use svix_auth_models::{AppPortalAccessIn, ApplicationIn};
use svix_auth_reference_server::api::{AuthService, ServiceConfig};
use svix_auth_reference_server::clock::now_ms;
use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::secret;
use svix_auth_reference_server::store::{
    App, NewToken, SqliteStore, Store, TokenKind, TokenRecord,
};
use svix_auth_server::{Api, V1AuthenticationAppPortalAccessParams};

const ADMIN: &str = "sk_admin_bench_0123456789abcdef0123456789";
const CONNECTIONS: usize = 32;
const DURATION: Duration = Duration::from_secs(3);

static APP_ID_PATTERN: LazyLock<regress::Regex> =
    LazyLock::new(|| regress::Regex::new(r"^[a-zA-Z0-9\-_.]+$").expect("valid pattern"));

/// The hand-written equivalent of the generated handler: same extraction, same checks, same
/// service call.
async fn handwritten_portal_access(
    State(service): State<Arc<AuthService>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    let bearer = match svix_auth_server::runtime::bearer(&headers) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let len = app_id.chars().count();
    if !(1..=256).contains(&len) || APP_ID_PATTERN.find(&app_id).is_none() {
        return (StatusCode::UNPROCESSABLE_ENTITY, "invalid app_id").into_response();
    }
    if let Some(expiry) = body.get("expiry").and_then(serde_json::Value::as_i64)
        && !(3600..=604_800).contains(&expiry)
    {
        return (StatusCode::UNPROCESSABLE_ENTITY, "invalid expiry").into_response();
    }
    if let Some(flags) = body
        .get("featureFlags")
        .and_then(serde_json::Value::as_array)
    {
        let mut seen = std::collections::BTreeSet::new();
        for f in flags {
            let Some(f) = f.as_str() else {
                return (StatusCode::UNPROCESSABLE_ENTITY, "invalid flag").into_response();
            };
            if f.chars().count() > 256
                || APP_ID_PATTERN.find(f).is_none()
                || !seen.insert(f.to_owned())
            {
                return (StatusCode::UNPROCESSABLE_ENTITY, "invalid flag").into_response();
            }
        }
    }
    let body: AppPortalAccessIn = match serde_json::from_value(body) {
        Ok(b) => b,
        Err(_) => return (StatusCode::UNPROCESSABLE_ENTITY, "invalid body").into_response(),
    };
    service
        .v1_authentication_app_portal_access(
            bearer,
            V1AuthenticationAppPortalAccessParams::new(app_id),
            body,
        )
        .await
        .into_response()
}

struct Outcome {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// Runs `CONNECTIONS` workers for `DURATION`, each sending `make(i)` requests back to back.
async fn load<F>(make: F) -> Outcome
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    let started = Instant::now();
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let (http, make, counter) = (http.clone(), Arc::clone(&make), Arc::clone(&counter));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while started.elapsed() < DURATION {
                let i = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let t = Instant::now();
                match make(&http, i).send().await {
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
    let mut latencies = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await.expect("worker");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    Outcome {
        requests: latencies.len(),
        errors,
        elapsed: started.elapsed(),
        latencies,
    }
}

fn row(name: &str, o: &Outcome) -> (String, f64) {
    let pct = |p: f64| {
        o.latencies
            .get(((o.latencies.len() as f64 * p) as usize).min(o.latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let rps = o.requests as f64 / o.elapsed.as_secs_f64();
    (
        format!(
            "| {name} | {} | {} | {rps:.0} | {:.2} ms | {:.2} ms |",
            o.requests,
            o.errors,
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3
        ),
        rps,
    )
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("svix-auth-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("load.db");
    let mut config =
        svix_auth_reference_server::Config::new("127.0.0.1:0".parse().expect("addr"), db.clone());
    config.admin_token = Some(ADMIN.into());
    config.rate_limit = RateLimit {
        rate: 1e9,
        burst: 1e9,
    };
    let running = svix_auth_reference_server::start(config)
        .await
        .expect("server starts");
    let base = format!("http://{}", running.addr);

    // One app, and enough one-time tokens for the exchange scenario, written straight to the store.
    let store = SqliteStore::open(&db).expect("store");
    let app = App {
        id: "app_bench".into(),
        uid: Some("bench-app".into()),
        name: "bench".into(),
    };
    store
        .get_or_create_app(&app, None, "{}", now_ms())
        .expect("app");
    let otts: Vec<String> = (0..200_000).map(|_| secret::new_token("ott_")).collect();
    let records: Vec<NewToken> = otts
        .iter()
        .map(|s| NewToken {
            secret: s.clone(),
            record: TokenRecord {
                id: secret::random_string("key_", 16),
                kind: TokenKind::OneTime,
                app_id: app.id.clone(),
                created_at: now_ms(),
                expires_at: Some(now_ms() + 3_600_000),
                name: None,
                feature_flags: vec![],
                read_only: false,
                scopes: vec![],
                session_ttl_ms: Some(3_600_000),
            },
        })
        .collect();
    store.insert_tokens(&records).expect("one-time tokens");
    let otts = Arc::new(otts);

    // The hand-written router over the same service and store.
    let service = Arc::new(AuthService::new(
        Store::Sqlite(store.clone()),
        ServiceConfig {
            portal_url: format!("{base}/app-portal"),
            server_url: base.clone(),
            one_time_token_ttl_secs: 300,
        },
    ));
    let hand = axum::Router::new()
        .route(
            "/api/v1/auth/app-portal-access/{app_id}",
            axum::routing::post(handwritten_portal_access),
        )
        .with_state(service.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hand_base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hand).await });
    // The generated router alone over the same service (no idempotency/rate-limit layers), for
    // a like-for-like comparison with the hand-written handler.
    let gen_router = svix_auth_server::router(service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let gen_base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, gen_router).await });

    let application =
        ApplicationIn::new("x".parse::<svix_auth_models::ApplicationInName>().unwrap()).with_uid(
            "bench-app"
                .parse::<svix_auth_models::ApplicationInUid>()
                .expect("uid"),
        );
    let access = AppPortalAccessIn::new()
        .with_application(application)
        .with_feature_flags(vec![
            "beta"
                .parse::<svix_auth_models::AppPortalAccessInFeatureFlagsItem>()
                .expect("flag"),
        ]);
    let body = serde_json::to_vec(&access).expect("body");
    let portal = |base: String, body: Vec<u8>| {
        move |http: &reqwest::Client, _i: usize| {
            http.post(format!("{base}/api/v1/auth/app-portal-access/bench-app"))
                .bearer_auth(ADMIN)
                .header("content-type", "application/json")
                .body(body.clone())
        }
    };

    println!(
        "Machine: {} cores; {CONNECTIONS} connections; {} s per scenario.\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        DURATION.as_secs()
    );
    println!("| scenario | requests | errors | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    let full = load(portal(base.clone(), body.clone())).await;
    println!(
        "{}",
        row(
            "app-portal-access, full server (layers + generated router)",
            &full
        )
        .0
    );
    let exchange_base = base.clone();
    let exchange = load(move |http, i| {
        let ott = &otts[i % otts.len()];
        http.post(format!("{exchange_base}/api/v1/auth/one-time-token"))
            .bearer_auth(ADMIN)
            .json(&serde_json::json!({ "oneTimeToken": ott }))
    })
    .await;
    println!(
        "{}",
        row("exchange-one-time-token, full server", &exchange).0
    );
    // Alternate the two routers twice each to even out drift on a shared machine.
    let mut gen_rps = 0.0;
    let mut hand_rps = 0.0;
    for round in 0..2 {
        let g = load(portal(gen_base.clone(), body.clone())).await;
        let (line, rps) = row(
            &format!(
                "app-portal-access, generated router + trait (round {})",
                round + 1
            ),
            &g,
        );
        println!("{line}");
        gen_rps += rps;
        let h = load(portal(hand_base.clone(), body.clone())).await;
        let (line, rps) = row(
            &format!(
                "app-portal-access, hand-written axum handler (round {})",
                round + 1
            ),
            &h,
        );
        println!("{line}");
        hand_rps += rps;
    }
    println!(
        "\ngenerated / hand-written throughput ratio: {:.3}",
        gen_rps / hand_rps
    );

    // The cost of hardening: the full server (connection cap and timeouts, limits keyed by the
    // parsed credential and per-address failure budget, idempotency layer) against the same
    // generated router and service served bare, alternating, same run.
    println!("\n| scenario | requests | errors | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    let (mut hardened_rps, mut bare_rps) = (0.0, 0.0);
    for round in 0..2 {
        let f = load(portal(base.clone(), body.clone())).await;
        let (line, rps) = row(
            &format!(
                "app-portal-access, hardened full server (round {})",
                round + 1
            ),
            &f,
        );
        println!("{line}");
        hardened_rps += rps;
        let b = load(portal(gen_base.clone(), body.clone())).await;
        let (line, rps) = row(
            &format!(
                "app-portal-access, bare generated router (round {})",
                round + 1
            ),
            &b,
        );
        println!("{line}");
        bare_rps += rps;
    }
    // With an `auto_…` idempotency key per request, as the official SDKs send: the claim, the
    // mark in the operation's transaction and the recorded answer.
    let keyed_portal = portal(base.clone(), body.clone());
    let keyed = load(move |http, i| {
        keyed_portal(http, i).header("idempotency-key", format!("auto_bench_{i}"))
    })
    .await;
    println!(
        "{}",
        row(
            "app-portal-access, hardened full server, auto idempotency key",
            &keyed
        )
        .0
    );
    println!(
        "\nhardened / bare throughput ratio: {:.3} (cost {:.1}%)",
        hardened_rps / bare_rps,
        (1.0 - hardened_rps / bare_rps) * 100.0
    );
    running.shutdown().await.expect("shutdown");
    let _ = std::fs::remove_dir_all(&dir);
}
