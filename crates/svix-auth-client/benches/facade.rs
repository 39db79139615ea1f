//! The facade's overhead: requests/s and p50 latency of `Client::create_message_token` against
//! raw reqwest issuing the same request (same headers, body and JSON decoding) to the same local
//! server, in the same run, next to the generated progenitor client without the policy.
//! Run: `cargo bench -p svix-auth-client --bench facade`; `FACADE_BENCH_ONLY=facade|raw|generated`
//! runs one client alone (for a profiler).

use std::sync::Arc;
use std::time::{Duration, Instant};

use svix_auth_client::Client;
use svix_auth_client::models::{AuthTokenOut, CreateMessageTokenIn};

const CONNECTIONS: usize = 16;
const DURATION: Duration = Duration::from_secs(3);

async fn answer() -> impl axum::response::IntoResponse {
    (
        [("content-type", "application/json")],
        r#"{"id":"key_1","token":"msgsk_x","createdAt":"2026-01-01T00:00:00Z","expiresAt":null,"name":"n","scopes":["a"]}"#,
    )
}

/// Runs `CONNECTIONS` workers issuing `call` back to back for `DURATION`; (requests/s, p50).
async fn measure<F, Fut>(call: F) -> (f64, Duration)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let call = Arc::clone(&call);
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while started.elapsed() < DURATION {
                let t = Instant::now();
                assert!(call().await, "request failed");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    all.sort();
    (
        all.len() as f64 / started.elapsed().as_secs_f64(),
        all[all.len() / 2],
    )
}

/// Starts the answering server on its own thread and single-threaded runtime, so that the
/// clients (on the main thread's runtime) are measured on one core each run, without the
/// scheduler placing server and client tasks differently from round to round.
fn start_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let app = axum::Router::new().fallback(answer);
            axum::serve(listener, app).await
        })
    });
    base
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = start_server();

    let facade = Arc::new(
        Client::builder("sk_bench")
            .server_url(&base)
            .build()
            .expect("client"),
    );
    let raw = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("reqwest");
    let generated = svix_auth_client::generated::Client::new_with_client(&base, raw.clone());
    // Shared, not cloned per request: the facade and raw reqwest both take it by reference.
    let body = Arc::new(CreateMessageTokenIn::new("n"));
    let base = Arc::new(base);

    println!("| client | requests/s | p50 |");
    println!("|---|---|---|");
    let (mut facade_rps, mut raw_rps) = (0.0, 0.0);
    let only = std::env::var("FACADE_BENCH_ONLY").ok();
    let runs = |name: &str| only.as_deref().is_none_or(|o| o == name);
    for round in 1..=6 {
        if runs("facade") {
            let (f, b) = (Arc::clone(&facade), Arc::clone(&body));
            let (rps, p50) = measure(move || {
                let (f, b) = (Arc::clone(&f), Arc::clone(&b));
                async move { f.create_message_token("app1", &b, None).await.is_ok() }
            })
            .await;
            println!(
                "| facade `Client` (round {round}) | {rps:.0} | {:.3} ms |",
                p50.as_secs_f64() * 1e3
            );
            facade_rps += rps;
        }
        if runs("raw") {
            let (r, u, b) = (raw.clone(), Arc::clone(&base), Arc::clone(&body));
            let (rps, p50) = measure(move || {
                let (r, u, b) = (r.clone(), Arc::clone(&u), Arc::clone(&b));
                async move {
                    // The URL is built per call, as any caller passing an application id must.
                    let app_id = "app1";
                    let response = r
                        .post(format!("{u}/api/v1/auth/app/{app_id}/create-message-token"))
                        .bearer_auth("sk_bench")
                        .header("user-agent", svix_auth_client::USER_AGENT)
                        .header("idempotency-key", format!("auto_{}", uuid::Uuid::new_v4()))
                        .header("accept", "application/json")
                        .header("svix-req-id", fastrand::u64(..))
                        .json(&*b)
                        .send()
                        .await;
                    match response {
                        Ok(resp) => resp.json::<AuthTokenOut>().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await;
            println!(
                "| raw reqwest (round {round}) | {rps:.0} | {:.3} ms |",
                p50.as_secs_f64() * 1e3
            );
            raw_rps += rps;
        }
        if runs("generated") {
            let (g, b) = (generated.clone(), Arc::clone(&body));
            let (rps, p50) = measure(move || {
                // The progenitor builder takes the body by value.
                let (g, b) = (g.clone(), (*b).clone());
                async move {
                    g.v1_authentication_create_message_token()
                        .app_id("app1")
                        .idempotency_key(format!("auto_{}", uuid::Uuid::new_v4()))
                        .body(b)
                        .send()
                        .await
                        .is_ok()
                }
            })
            .await;
            println!(
                "| generated progenitor client, no policy (round {round}) | {rps:.0} | {:.3} ms |",
                p50.as_secs_f64() * 1e3
            );
        }
    }
    println!(
        "\nfacade / raw reqwest throughput ratio: {:.3}",
        facade_rps / raw_rps
    );
}
