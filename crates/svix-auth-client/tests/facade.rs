//! The facade against a fault-injecting server on 127.0.0.1:0 that replays a scripted sequence
//! of statuses, delays and headers, and against the reference server.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use svix_auth_client::models::*;
use svix_auth_client::retry::RetryPolicy;
use svix_auth_client::{Client, Error, ExpireAllOptions};

#[derive(Clone)]
struct Step {
    status: u16,
    delay: Duration,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn step(status: u16, body: serde_json::Value) -> Step {
    Step {
        status,
        delay: Duration::ZERO,
        headers: vec![],
        body: body.to_string(),
    }
}

#[derive(Default)]
struct Script {
    steps: Mutex<VecDeque<Step>>,
    seen: Mutex<Vec<HeaderMap>>,
}

async fn scripted(
    axum::extract::State(script): axum::extract::State<Arc<Script>>,
    headers: HeaderMap,
) -> Response {
    script.seen.lock().unwrap().push(headers);
    let next = script.steps.lock().unwrap().pop_front();
    let Some(step) = next else {
        return (axum::http::StatusCode::IM_A_TEAPOT, "script exhausted").into_response();
    };
    tokio::time::sleep(step.delay).await;
    let mut response = (
        axum::http::StatusCode::from_u16(step.status).unwrap(),
        [("content-type", "application/json")],
        step.body,
    )
        .into_response();
    for (name, value) in step.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

async fn fault_server(steps: Vec<Step>) -> (String, Arc<Script>) {
    let script = Arc::new(Script {
        steps: Mutex::new(steps.into()),
        seen: Mutex::default(),
    });
    let app = axum::Router::new()
        .fallback(scripted)
        .with_state(Arc::clone(&script));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, script)
}

fn fast_retries(n: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries: n,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn token_out() -> serde_json::Value {
    json!({"id": "key_1", "token": "msgsk_x", "createdAt": "2026-01-01T00:00:00Z", "expiresAt": null, "name": "n", "scopes": []})
}

fn message_body() -> CreateMessageTokenIn {
    CreateMessageTokenIn::new("n")
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_retried_with_the_same_idempotency_key() {
    let mut throttled = step(
        429,
        json!({"code": "rate_limit_exceeded", "detail": "slow down"}),
    );
    throttled.headers.push(("retry-after", "1".into()));
    let (base, script) = fault_server(vec![throttled, step(200, token_out())]).await;
    let client = Client::builder("sk_test.eu")
        .server_url(&base)
        .build()
        .unwrap();
    let started = Instant::now();
    let out = client
        .create_message_token("app", &message_body(), None)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(out.token, "msgsk_x");
    let seen = script.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let (k1, k2) = (
        header(&seen[0], "idempotency-key").unwrap(),
        header(&seen[1], "idempotency-key").unwrap(),
    );
    assert!(k1.starts_with("auto_"));
    assert_eq!(k1, k2, "the retry reuses the call's key");
    assert_eq!(header(&seen[0], "svix-retry-count"), None);
    assert_eq!(header(&seen[1], "svix-retry-count").as_deref(), Some("1"));
    assert_eq!(
        header(&seen[0], "authorization").as_deref(),
        Some("Bearer sk_test.eu")
    );
    assert!(
        header(&seen[0], "user-agent")
            .unwrap()
            .starts_with("svix-auth-client/")
    );
}

#[tokio::test]
async fn server_errors_exhaust_exactly_retries_plus_one_attempts() {
    let retries = 3;
    let (base, script) = fault_server(vec![
        step(503, json!({"code": "unavailable", "detail": "x"}));
        retries as usize + 1
    ])
    .await;
    let client = Client::builder("t")
        .server_url(&base)
        .retry_policy(fast_retries(retries))
        .build()
        .unwrap();
    let err = client.logout(None).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(script.seen.lock().unwrap().len(), retries as usize + 1);
    assert!(script.steps.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_timeout_is_retried_and_then_succeeds() {
    let mut slow = step(200, token_out());
    slow.delay = Duration::from_secs(2);
    let (base, script) = fault_server(vec![slow, step(200, token_out())]).await;
    let client = Client::builder("t")
        .server_url(&base)
        .timeout(Duration::from_millis(300))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let out = client
        .create_message_token("app", &message_body(), None)
        .await
        .unwrap();
    assert_eq!(out.id, "key_1");
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn timeouts_on_every_attempt_end_in_the_timeout_variant() {
    let mut slow = step(200, token_out());
    slow.delay = Duration::from_secs(2);
    let (base, script) = fault_server(vec![slow.clone(), slow]).await;
    let client = Client::builder("t")
        .server_url(&base)
        .timeout(Duration::from_millis(200))
        .retry_policy(fast_retries(1))
        .build()
        .unwrap();
    let err = client
        .create_message_token("app", &message_body(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err}");
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_400_is_not_retried_and_is_typed_as_an_api_error() {
    let (base, script) = fault_server(vec![
        step(400, json!({"code": "bad_request", "detail": "nope"})),
        step(200, token_out()),
    ])
    .await;
    let client = Client::builder("t")
        .server_url(&base)
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let err = client
        .create_message_token("app", &message_body(), None)
        .await
        .unwrap_err();
    match &err {
        Error::Api { status: 400, body } => assert_eq!(
            (body.code.as_str(), body.detail.as_str()),
            ("bad_request", "nope")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.to_string(), "HTTP 400 bad_request: nope");
    assert_eq!(script.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_422_is_decoded_into_the_validation_variant() {
    let body = json!({"detail": [{"loc": ["body", "expiry"], "msg": "ensure this value is greater than or equal to 3600", "type": "value_error.number.not_ge"}]});
    let (base, _) = fault_server(vec![step(422, body)]).await;
    let client = Client::builder("t").server_url(&base).build().unwrap();
    let err = client
        .app_portal_access("app", &AppPortalAccessIn::default(), None)
        .await
        .unwrap_err();
    let Error::Validation { status: 422, body } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(body.detail[0].loc, vec!["body", "expiry"]);
    assert_eq!(body.detail[0].type_, "value_error.number.not_ge");
    assert!(
        err.to_string().contains("HTTP 422") && err.to_string().contains("body.expiry"),
        "{err}"
    );
}

#[tokio::test]
async fn errors_are_typed_by_status_not_by_body_shape() {
    // A validation-shaped body under 400 is not a validation error: 400 documents HttpErrorOut.
    let (base, _) = fault_server(vec![step(
        400,
        json!({"detail": [{"loc": [], "msg": "m", "type": "t"}]}),
    )])
    .await;
    let client = Client::builder("t").server_url(&base).build().unwrap();
    let err = client.logout(None).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::UndecodableResponse {
                status: Some(400),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_explicit_idempotency_key_is_sent_unchanged_on_every_attempt() {
    let (base, script) = fault_server(vec![step(500, json!({})), step(204, json!(null))]).await;
    let client = Client::builder("t")
        .server_url(&base)
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    client
        .expire_all(
            "app",
            &ApplicationTokenExpireIn::default(),
            Some(ExpireAllOptions::default().idempotency_key("my-key")),
        )
        .await
        .unwrap();
    let seen = script.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|h| header(h, "idempotency-key").as_deref() == Some("my-key"))
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder("t")
        .server_url(format!("http://{addr}"))
        .retry_policy(fast_retries(1))
        .build()
        .unwrap();
    let err = client.logout(None).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn the_facade_drives_the_reference_server_end_to_end() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("facade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = svix_auth_reference_server::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.join("auth.db"),
    );
    config.admin_token = Some("sk_admin_facade_0123456789abcdef0123456789".into());
    let server = svix_auth_reference_server::start(config).await.unwrap();
    let base = format!("http://{}", server.addr);
    let admin = Client::builder("sk_admin_facade_0123456789abcdef0123456789")
        .server_url(&base)
        .build()
        .unwrap();

    let body = AppPortalAccessIn::new().with_application(
        ApplicationIn::new("Facade".parse::<ApplicationInName>().unwrap())
            .with_uid("facade-app".parse::<ApplicationInUid>().unwrap()),
    );
    let access = admin
        .app_portal_access("facade-app", &body, None)
        .await
        .unwrap();
    let key = access.url.split_once("#key=").unwrap().1;
    let key: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key)
            .unwrap(),
    )
    .unwrap();
    let ott = key["oneTimeToken"].as_str().unwrap().to_owned();

    let msg = admin
        .create_message_token(
            "facade-app",
            &CreateMessageTokenIn::new("m").with_expiry(60),
            None,
        )
        .await
        .unwrap();
    assert!(msg.token.starts_with("msgsk_"));
    #[allow(deprecated)]
    let dash = admin.dashboard_access("facade-app", None).await.unwrap();
    assert!(dash.token.starts_with("appsk_"));

    let portal = Client::builder(ott.clone())
        .server_url(&base)
        .build()
        .unwrap();
    let session = portal
        .exchange_one_time_token(&OneTimeTokenIn::new(ott), None)
        .await
        .unwrap()
        .token;
    let user = Client::builder(session).server_url(&base).build().unwrap();
    user.logout(None).await.unwrap();
    assert!(matches!(
        user.logout(None).await,
        Err(Error::Api { status: 401, .. })
    ));
    assert!(matches!(
        admin.logout(None).await,
        Err(Error::Api { status: 403, .. })
    ));
    let err = admin
        .app_portal_access("bad id!", &AppPortalAccessIn::default(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation { status: 422, body } if body.detail[0].loc == ["path", "app_id"]),
        "{err:?}"
    );
    admin
        .expire_all(
            "facade-app",
            &ApplicationTokenExpireIn::new().with_expiry(0),
            None,
        )
        .await
        .unwrap();
    server.shutdown().await.unwrap();
}

/// A writer that keeps what the fmt subscriber prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_attempt_gets_a_tracing_span_with_operation_attempt_and_status() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (base, _) = fault_server(vec![step(503, json!({})), step(204, json!(null))]).await;
    let client = Client::builder("secret-token")
        .server_url(&base)
        .retry_policy(fast_retries(1))
        .build()
        .unwrap();
    client.logout(None).await.unwrap();
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let spans: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("svix_client.request"))
        .collect();
    assert_eq!(spans.len(), 2, "{text}");
    assert!(
        spans[0].contains("operation=\"v1.authentication.logout\"")
            && spans[0].contains("attempt=0")
            && spans[0].contains("status=503"),
        "{}",
        spans[0]
    );
    assert!(
        spans[1].contains("attempt=1") && spans[1].contains("status=204"),
        "{}",
        spans[1]
    );
    assert!(
        !text.contains("secret-token"),
        "the credential is never traced"
    );
}
