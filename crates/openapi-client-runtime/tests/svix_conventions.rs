//! Svix's headers (`svix-req-id`, `svix-retry-count`) go only with clients of Svix's documents:
//! a core without Svix's conventions sends neither.

use openapi_client_runtime::{Core, Credentials, Requirement, RetryPolicy, RetrySafety};
use progenitor_client::{Error as RawError, ResponseValue};
use reqwest::header::HeaderValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers one request with 204 and hands back its head.
async fn one_request() -> (String, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let head = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 16 * 1024];
        let mut read = 0;
        while !buf[..read].windows(4).any(|w| w == b"\r\n\r\n") {
            read += socket.read(&mut buf[read..]).await.unwrap();
        }
        socket
            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&buf[..read]).to_lowercase()
    });
    (url, head)
}

async fn head_sent(svix: bool) -> String {
    let (url, head) = one_request().await;
    let core = Core::new(
        Credentials::default(),
        &[],
        HeaderValue::from_static("conventions-test/0"),
        RetryPolicy::default(),
    )
    .with_svix_conventions(svix);
    let http = reqwest::Client::new();
    core.call::<(), (), _, _>(
        "test.operation",
        &Requirement::PUBLIC,
        RetrySafety::Idempotent,
        || {
            let mut request = http.get(&url).build().unwrap();
            let http = http.clone();
            // As progenitor's generated code does: the hook runs inside the call's future.
            async move {
                openapi_client_runtime::hooks::before_send(&mut request);
                let response = http
                    .execute(request)
                    .await
                    .map_err(RawError::CommunicationError)?;
                Ok(ResponseValue::new(
                    (),
                    response.status(),
                    response.headers().clone(),
                ))
            }
        },
    )
    .await
    .unwrap();
    head.await.unwrap()
}

#[tokio::test]
async fn only_svix_documents_send_svix_headers() {
    let plain = head_sent(false).await;
    assert!(!plain.contains("svix-"), "{plain}");
    assert!(plain.contains("user-agent: conventions-test/0"), "{plain}");
    let svix = head_sent(true).await;
    assert!(svix.contains("svix-req-id: "), "{svix}");
}
