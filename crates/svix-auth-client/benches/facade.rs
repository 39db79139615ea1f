//! The facade's overhead: requests/s and p50 latency of `Client::create_message_token` against
//! raw reqwest issuing the same request (same headers, body and JSON decoding) to the same local
//! server, in the same run. Run: `cargo bench -p svix-auth-client --bench facade`.

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

#[tokio::main]
async fn main() {
    let app = axum::Router::new().fallback(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

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
    let body =
        CreateMessageTokenIn::try_from(CreateMessageTokenIn::builder().name("n")).expect("body");
    let url = format!("{base}/api/v1/auth/app/app1/create-message-token");

    println!("| client | requests/s | p50 |");
    println!("|---|---|---|");
    let (mut facade_rps, mut raw_rps) = (0.0, 0.0);
    for round in 1..=4 {
        let (f, b) = (Arc::clone(&facade), body.clone());
        let (rps, p50) = measure(move || {
            let (f, b) = (Arc::clone(&f), b.clone());
            async move { f.create_message_token("app1", &b, None).await.is_ok() }
        })
        .await;
        println!(
            "| facade `Client` (round {round}) | {rps:.0} | {:.3} ms |",
            p50.as_secs_f64() * 1e3
        );
        facade_rps += rps;

        let (r, u, b) = (raw.clone(), url.clone(), body.clone());
        let (rps, p50) = measure(move || {
            let (r, u, b) = (r.clone(), u.clone(), b.clone());
            async move {
                let response = r
                    .post(u)
                    .bearer_auth("sk_bench")
                    .header("user-agent", svix_auth_client::USER_AGENT)
                    .header("idempotency-key", format!("auto_{}", uuid::Uuid::new_v4()))
                    .json(&b)
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
    println!(
        "\nfacade / raw reqwest throughput ratio: {:.3}",
        facade_rps / raw_rps
    );
}
