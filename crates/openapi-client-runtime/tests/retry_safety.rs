//! What a call may send again, against real loopback servers: a POST without an idempotency key
//! that reached the server (503, 429) is not resent; with a key, or as a GET, it is; a call that
//! never reached a server (connection refused) is retried whatever its method; and the caller
//! can opt in to resending non-idempotent calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use openapi_client_runtime::{Core, Credentials, Requirement, RetryPolicy, RetrySafety};
use progenitor_client::{Error as RawError, ResponseValue};
use reqwest::header::HeaderValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server answering every request with `status` (and `Retry-After: 0`); counts requests.
async fn always(status: u16) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut read = 0;
                // Read the head (these requests have no body).
                while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nretry-after: 0\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}"), hits)
}

fn core(policy: RetryPolicy) -> Core {
    Core::new(
        Credentials::default(),
        &[],
        HeaderValue::from_static("retry-safety-test/0"),
        policy,
    )
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(1),
        ..RetryPolicy::default()
    }
}

/// One call of `method` to `url` through `core` with `safety`.
async fn call(core: &Core, method: reqwest::Method, url: &str, safety: RetrySafety) {
    let http = reqwest::Client::new();
    let result = core
        .call::<(), (), _, _>("test.operation", &Requirement::PUBLIC, safety, || {
            let request = http.request(method.clone(), url);
            async move {
                let response = request.send().await.map_err(RawError::CommunicationError)?;
                if response.status().is_success() {
                    Ok(ResponseValue::new(
                        (),
                        response.status(),
                        response.headers().clone(),
                    ))
                } else {
                    Err(RawError::UnexpectedResponse(response))
                }
            }
        })
        .await;
    assert!(result.is_err(), "every attempt fails here");
}

#[tokio::test]
async fn a_post_without_a_key_answered_503_is_sent_once() {
    let (base, hits) = always(503).await;
    let core = core(policy());
    let safety = RetrySafety::of("POST", false);
    call(&core, reqwest::Method::POST, &base, safety).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "not resent: it may have taken effect"
    );
    let (base, hits) = always(429).await;
    call(&core, reqwest::Method::POST, &base, safety).await;
    assert_eq!(hits.load(Ordering::SeqCst), 1, "429 reached the server too");
}

#[tokio::test]
async fn a_keyed_post_and_a_get_answered_503_are_retried() {
    let core = core(policy());
    let (base, hits) = always(503).await;
    call(
        &core,
        reqwest::Method::POST,
        &base,
        RetrySafety::of("POST", true),
    )
    .await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        3,
        "first attempt and two retries"
    );
    let (base, hits) = always(503).await;
    call(
        &core,
        reqwest::Method::GET,
        &base,
        RetrySafety::of("GET", false),
    )
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let (base, hits) = always(500).await;
    call(
        &core,
        reqwest::Method::DELETE,
        &base,
        RetrySafety::of("DELETE", false),
    )
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_post_that_never_reached_a_server_is_retried_and_every_attempt_fails_to_connect() {
    // A port nobody listens on: bind, note the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let attempts = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::new();
    let core = core(policy());
    let counter = Arc::clone(&attempts);
    let result = core
        .call::<(), (), _, _>(
            "test.operation",
            &Requirement::PUBLIC,
            RetrySafety::NotIdempotent,
            || {
                counter.fetch_add(1, Ordering::SeqCst);
                let request = http.post(&url);
                async move {
                    let response = request.send().await.map_err(RawError::CommunicationError)?;
                    Err(RawError::UnexpectedResponse(response))
                }
            },
        )
        .await;
    assert!(result.is_err());
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "refused connections carry no request"
    );
}

#[tokio::test]
async fn resending_non_idempotent_calls_is_the_callers_choice() {
    let (base, hits) = always(503).await;
    let core = core(RetryPolicy {
        resend_non_idempotent: true,
        ..policy()
    });
    call(
        &core,
        reqwest::Method::POST,
        &base,
        RetrySafety::NotIdempotent,
    )
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}
