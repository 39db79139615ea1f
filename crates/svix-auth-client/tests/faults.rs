//! The client under a network in a bad hour: a raw TCP server on 127.0.0.1:0 plays a script of
//! answers — throttling with text, empty or JSON bodies and `Retry-After` in both forms; server
//! errors with JSON, HTML, empty and truncated bodies; connections reset mid-body; headers that
//! arrive after the timeout — and records every request head. Plus an unreachable address, and
//! the property that every attempt of one call carries the same idempotency key and
//! `svix-req-id`. Each test is bounded: a handful of attempts, millisecond backoff.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use svix_auth_client::retry::RetryPolicy;
use svix_auth_client::{Client, Error, LogoutOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One scripted answer.
#[derive(Clone, Debug)]
enum Answer {
    /// A whole response.
    Reply {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Headers promising `declared` body bytes, then fewer, then the connection closes.
    Truncated {
        status: u16,
        declared: usize,
        body: &'static str,
    },
    /// Headers and part of the body, then a reset (RST).
    ResetMidBody,
    /// Nothing for `delay`, then a 204.
    SlowHeaders(Duration),
}

fn reply(status: u16, content_type: &'static str, body: &str) -> Answer {
    Answer::Reply {
        status,
        content_type,
        headers: vec![],
        body: body.to_owned(),
    }
}

fn with_header(answer: Answer, name: &'static str, value: String) -> Answer {
    match answer {
        Answer::Reply {
            status,
            content_type,
            mut headers,
            body,
        } => {
            headers.push((name, value));
            Answer::Reply {
                status,
                content_type,
                headers,
                body,
            }
        }
        other => other,
    }
}

const NO_CONTENT: fn() -> Answer = || reply(204, "text/plain", "");

#[derive(Default)]
struct Script {
    answers: Mutex<VecDeque<Answer>>,
    /// The request heads seen, lower-cased header names.
    seen: Mutex<Vec<Vec<(String, String)>>>,
}

impl Script {
    fn headers(&self, name: &str) -> Vec<Option<String>> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|h| h.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .collect()
    }

    fn attempts(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

async fn read_head(stream: &mut tokio::net::TcpStream) -> Option<Vec<(String, String)>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    loop {
        let n = stream.read(&mut byte).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let headers: Vec<(String, String)> = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            // Read the body the head announces, so the client sees a clean exchange.
            let length: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut have = buf.len() - end - 4;
            while have < length {
                let n = stream.read(&mut byte).await.ok()?;
                if n == 0 {
                    break;
                }
                have += n;
            }
            return Some(headers);
        }
    }
}

fn status_line(status: u16) -> String {
    format!("HTTP/1.1 {status} Scripted\r\nconnection: close\r\n")
}

async fn serve(mut stream: tokio::net::TcpStream, script: Arc<Script>) {
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    script.seen.lock().unwrap().push(head);
    let answer = script.answers.lock().unwrap().pop_front();
    let answer = answer.unwrap_or_else(|| reply(418, "text/plain", "script exhausted"));
    match answer {
        Answer::Reply {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut text = status_line(status);
            if !body.is_empty() || status != 204 {
                text.push_str(&format!("content-type: {content_type}\r\n"));
            }
            for (k, v) in headers {
                text.push_str(&format!("{k}: {v}\r\n"));
            }
            text.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
            let _ = stream.write_all(text.as_bytes()).await;
        }
        Answer::Truncated {
            status,
            declared,
            body,
        } => {
            let text = format!(
                "{}content-type: application/json\r\ncontent-length: {declared}\r\n\r\n{body}",
                status_line(status)
            );
            let _ = stream.write_all(text.as_bytes()).await;
        }
        Answer::ResetMidBody => {
            let text = format!(
                "{}content-type: application/json\r\ncontent-length: 200\r\n\r\n{{\"token\":",
                status_line(200)
            );
            let _ = stream.write_all(text.as_bytes()).await;
            let _ = stream.flush().await;
            // Dropped with a zero linger: the kernel answers with RST, not FIN.
            let _ = stream.set_zero_linger();
            return;
        }
        Answer::SlowHeaders(delay) => {
            tokio::time::sleep(delay).await;
            let text = format!("{}content-length: 0\r\n\r\n", status_line(204));
            let _ = stream.write_all(text.as_bytes()).await;
        }
    }
    let _ = stream.shutdown().await;
}

async fn fault_server(answers: Vec<Answer>) -> (String, Arc<Script>) {
    let script = Arc::new(Script {
        answers: Mutex::new(answers.into()),
        seen: Mutex::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shared = Arc::clone(&script);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, Arc::clone(&shared)));
        }
    });
    (base, script)
}

fn fast(retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries: retries,
        base_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    }
}

async fn client(base: &str, retries: u32) -> Client {
    Client::builder("sk_test")
        .server_url(base)
        .retry_policy(fast(retries))
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

const THROTTLED_JSON: &str = r#"{"code":"rate_limit_exceeded","detail":"slow down"}"#;

#[tokio::test]
async fn a_429_is_retried_whatever_its_body_then_succeeds() {
    for (content_type, body) in [
        ("text/plain", "Too Many Requests"),
        ("text/plain", ""),
        ("application/json", THROTTLED_JSON),
        ("text/html", "<html><body>429</body></html>"),
    ] {
        let (base, script) = fault_server(vec![reply(429, content_type, body), NO_CONTENT()]).await;
        let result = client(&base, 2).await.logout(None).await;
        assert!(result.is_ok(), "429 {content_type} {body:?}: {result:?}");
        assert_eq!(script.attempts(), 2, "429 {content_type} {body:?}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured_in_seconds_and_as_an_http_date() {
    let in_two_seconds = || {
        // Whole seconds: the wait is between 1 and 2 s, depending on where in the second we are.
        (chrono::Utc::now() + chrono::Duration::seconds(2))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    };
    for (seconds_form, at_least) in [
        (true, Duration::from_millis(950)),
        (false, Duration::from_millis(900)),
    ] {
        let value = if seconds_form {
            "1".to_owned()
        } else {
            in_two_seconds()
        };
        let throttled = with_header(reply(429, "text/plain", ""), "retry-after", value.clone());
        let (base, script) = fault_server(vec![throttled, NO_CONTENT()]).await;
        let started = Instant::now();
        client(&base, 2).await.logout(None).await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= at_least,
            "Retry-After {value}: waited only {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(4),
            "Retry-After {value}: {waited:?}"
        );
        assert_eq!(script.attempts(), 2);
    }
}

#[tokio::test]
async fn server_errors_are_retried_whatever_their_body() {
    for status in [500, 502, 503, 504] {
        let bodies = [
            reply(
                status,
                "application/json",
                r#"{"code":"internal","detail":"db down"}"#,
            ),
            reply(status, "text/html", "<html><h1>Bad gateway</h1></html>"),
            reply(status, "application/json", ""),
            Answer::Truncated {
                status,
                declared: 64,
                body: r#"{"code":"inter"#,
            },
        ];
        for first in bodies {
            let (base, script) = fault_server(vec![first.clone(), NO_CONTENT()]).await;
            let result = client(&base, 2).await.logout(None).await;
            assert!(result.is_ok(), "{first:?}: {result:?}");
            assert_eq!(script.attempts(), 2, "{first:?}");
        }
    }
}

#[tokio::test]
async fn exhausted_retries_keep_the_servers_explanation_and_the_raw_body() {
    // JSON `HttpErrorOut` under an undocumented 500: kept as `Api`.
    let json = r#"{"code":"internal","detail":"db down"}"#;
    let (base, script) = fault_server(vec![reply(500, "application/json", json); 3]).await;
    let err = client(&base, 2).await.logout(None).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 500, body } if body.code == "internal" && body.detail == "db down"),
        "{err:?}"
    );
    assert_eq!(script.attempts(), 3);
    // HTML: undecodable, with status and raw body.
    let html = "<html><h1>Bad gateway</h1></html>";
    let (base, _) = fault_server(vec![reply(502, "text/html", html); 3]).await;
    let err = client(&base, 2).await.logout(None).await.unwrap_err();
    assert!(
        matches!(&err, Error::UndecodableResponse { status: Some(502), body } if body == html),
        "{err:?}"
    );
    // Throttled to the end: the 429's own body.
    let (base, _) = fault_server(vec![reply(429, "application/json", THROTTLED_JSON); 3]).await;
    let err = client(&base, 2).await.logout(None).await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 429, body } if body.code == "rate_limit_exceeded"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_retried() {
    let (base, script) = fault_server(vec![Answer::ResetMidBody, NO_CONTENT()]).await;
    let result = client(&base, 2).await.logout(None).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(script.attempts(), 2);
    // Every attempt reset: a transport error, after the retries.
    let (base, script) = fault_server(vec![Answer::ResetMidBody; 3]).await;
    let err = client(&base, 2).await.logout(None).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(script.attempts(), 3);
}

#[tokio::test]
async fn headers_slower_than_the_timeout_are_a_retried_timeout() {
    let slow = Answer::SlowHeaders(Duration::from_secs(2));
    let (base, script) = fault_server(vec![slow.clone(), NO_CONTENT()]).await;
    let started = Instant::now();
    client(&base, 2).await.logout(None).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(script.attempts(), 2);
    let (base, _) = fault_server(vec![slow; 2]).await;
    let err = client(&base, 1).await.logout(None).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_address_is_a_transport_error_after_the_retries() {
    // A port that was just free on loopback: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let err = client(&format!("http://127.0.0.1:{port}"), 2)
        .await
        .logout(None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn every_attempt_of_a_call_carries_the_same_idempotency_key_and_request_id() {
    // A bounded sweep over failure sequences: whatever fails, one call = one key, one id.
    let failures = [
        reply(429, "text/plain", ""),
        reply(500, "application/json", r#"{"code":"x","detail":"y"}"#),
        reply(503, "text/html", "<html></html>"),
        Answer::ResetMidBody,
    ];
    let mut ids_across_calls = Vec::new();
    for len in 1..=3usize {
        for start in 0..failures.len() {
            let mut answers: Vec<Answer> = (0..len)
                .map(|i| failures[(start + i) % failures.len()].clone())
                .collect();
            answers.push(NO_CONTENT());
            let (base, script) = fault_server(answers).await;
            let explicit = (start % 2 == 0).then(|| format!("key-{len}-{start}"));
            let options = explicit
                .clone()
                .map(|k| LogoutOptions::default().idempotency_key(k));
            client(&base, 3).await.logout(options).await.unwrap();
            let keys = script.headers("idempotency-key");
            let ids = script.headers("svix-req-id");
            let counts = script.headers("svix-retry-count");
            assert_eq!(keys.len(), len + 1);
            assert!(
                keys.iter().all(|k| k.is_some() && *k == keys[0]),
                "{keys:?}"
            );
            if let Some(explicit) = &explicit {
                assert_eq!(keys[0].as_deref(), Some(explicit.as_str()));
            } else {
                assert!(keys[0].as_deref().unwrap().starts_with("auto_"));
            }
            assert!(ids.iter().all(|i| i.is_some() && *i == ids[0]), "{ids:?}");
            assert!(ids[0].as_deref().unwrap().parse::<u64>().is_ok());
            let expected: Vec<Option<String>> =
                (0..=len).map(|i| (i > 0).then(|| i.to_string())).collect();
            assert_eq!(counts, expected);
            // progenitor's `api-version` header is not sent, as the official SDKs send none.
            assert!(script.headers("api-version").iter().all(Option::is_none));
            ids_across_calls.push(ids[0].clone());
        }
    }
    ids_across_calls.sort();
    ids_across_calls.dedup();
    assert_eq!(
        ids_across_calls.len(),
        12,
        "each call has its own request id"
    );
}

#[tokio::test]
async fn an_explicit_retry_schedule_sets_the_number_of_attempts() {
    let (base, script) = fault_server(vec![reply(503, "text/plain", ""); 5]).await;
    let client = Client::builder("sk_test")
        .server_url(&base)
        .retry_schedule(vec![Duration::from_millis(1), Duration::from_millis(2)])
        .build()
        .unwrap();
    let err = client.logout(None).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::UndecodableResponse {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(script.attempts(), 3);
}

#[tokio::test]
async fn no_timeout_waits_for_a_slow_answer() {
    let (base, _) = fault_server(vec![Answer::SlowHeaders(Duration::from_millis(700))]).await;
    let client = Client::builder("sk_test")
        .server_url(&base)
        .timeout(None)
        .retries(0)
        .build()
        .unwrap();
    client.logout(None).await.unwrap();
}

/// A minimal SOCKS5 proxy (no authentication, CONNECT only) on loopback; counts connections.
async fn socks5_proxy() -> (String, Arc<Mutex<usize>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("socks5h://{}", listener.local_addr().unwrap());
    let used = Arc::new(Mutex::new(0));
    let count = Arc::clone(&used);
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            *count.lock().unwrap() += 1;
            tokio::spawn(async move {
                let mut greeting = [0u8; 2];
                inbound.read_exact(&mut greeting).await?;
                let mut methods = vec![0u8; greeting[1] as usize];
                inbound.read_exact(&mut methods).await?;
                inbound.write_all(&[5, 0]).await?;
                let mut request = [0u8; 4];
                inbound.read_exact(&mut request).await?;
                let host = match request[3] {
                    1 => {
                        let mut ip = [0u8; 4];
                        inbound.read_exact(&mut ip).await?;
                        std::net::Ipv4Addr::from(ip).to_string()
                    }
                    3 => {
                        let mut len = [0u8; 1];
                        inbound.read_exact(&mut len).await?;
                        let mut name = vec![0u8; len[0] as usize];
                        inbound.read_exact(&mut name).await?;
                        String::from_utf8_lossy(&name).into_owned()
                    }
                    _ => return Ok::<(), std::io::Error>(()),
                };
                let mut port = [0u8; 2];
                inbound.read_exact(&mut port).await?;
                let port = u16::from_be_bytes(port);
                assert!(
                    host == "127.0.0.1" || host == "localhost",
                    "loopback only: {host}"
                );
                let mut outbound = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
                inbound.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await?;
                Ok(())
            });
        }
    });
    (url, used)
}

#[tokio::test]
async fn requests_go_through_a_socks5_proxy() {
    let (base, script) = fault_server(vec![NO_CONTENT()]).await;
    let (proxy, used) = socks5_proxy().await;
    let client = Client::builder("sk_test")
        .server_url(&base)
        .proxy(&proxy)
        .retries(0)
        .build()
        .unwrap();
    client.logout(None).await.unwrap();
    assert_eq!(*used.lock().unwrap(), 1);
    assert_eq!(script.attempts(), 1);
}
