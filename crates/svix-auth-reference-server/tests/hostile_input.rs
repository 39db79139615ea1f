//! The bad-input matrix: hostile and malformed requests against the running reference server.
//! Each case asserts the exact status, a Svix-shaped JSON error body, and that the server keeps
//! serving afterwards. Against SQLite, or PostgreSQL with `SVIX_AUTH_TEST_STORE=postgres`.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::{Config, Running, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ADMIN: &str = "sk_admin_hostile_0123456789abcdef0123456789";

async fn server(name: &str) -> Running {
    let dir = support::temp_dir(&format!("hostile-{name}"));
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        support::fresh_database(&dir, name),
    );
    config.admin_token = Some(ADMIN.into());
    config.rate_limit = RateLimit {
        rate: 1e6,
        burst: 1e6,
    };
    // These tests are about races and hostile input, not about limits.
    config.auth_failures = config.rate_limit;
    start(config).await.unwrap()
}

/// Sends raw bytes as one HTTP/1.1 request (`Connection: close`) and returns status and body.
async fn raw(s: &Running, request: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = match buf.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => buf[i + 4..].to_vec(),
        None => vec![],
    };
    (status, body)
}

fn request(method: &str, path: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n", body.len()).into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

const AUTH: (&str, &[u8]) = (
    "Authorization",
    b"Bearer sk_admin_hostile_0123456789abcdef0123456789",
);
const JSON: (&str, &[u8]) = ("Content-Type", b"application/json");

/// Sends a request and reads its JSON answer (`null` when the body is not JSON).
async fn send(
    s: &Running,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> (u16, Value) {
    let (status, body) = raw(s, &request(method, path, headers, body)).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Sends a JSON POST with the admin credential.
async fn post(s: &Running, path: &str, body: &[u8]) -> (u16, Value) {
    send(s, "POST", path, &[AUTH, JSON], body).await
}

async fn still_serving(s: &Running) {
    let (status, _) = raw(s, &request("GET", "/api/v1/health", &[], b"")).await;
    assert_eq!(status, 204, "the server must keep serving");
}

/// Asserts a 422 `HTTPValidationError` whose first problem is at `loc` with `kind`.
fn assert_validation(case: &str, got: &(u16, Value), loc: Value, kind: &str) {
    assert_eq!(got.0, 422, "{case}: {}", got.1);
    let first = &got.1["detail"][0];
    assert_eq!(first["loc"], loc, "{case}: {}", got.1);
    assert_eq!(first["type"], kind, "{case}: {}", got.1);
    assert!(first["msg"].is_string(), "{case}");
}

/// Asserts an `HttpErrorOut` with `status` and `code`.
fn assert_http_error(case: &str, got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "{case}: {}", got.1);
    assert_eq!(got.1["code"], code, "{case}: {}", got.1);
    assert!(got.1["detail"].is_string(), "{case}");
}

const PORTAL: &str = "/api/v1/auth/app-portal-access/hostile-app";
const MESSAGE: &str = "/api/v1/auth/app/hostile-app/create-message-token";

#[tokio::test]
async fn bad_input_matrix() {
    let s = server("matrix").await;
    // The app exists, so valid requests succeed.
    let created = post(
        &s,
        PORTAL,
        br#"{"application": {"name": "Hostile", "uid": "hostile-app"}}"#,
    )
    .await;
    assert_eq!(created.0, 200, "{}", created.1);
    let mut cases = 0;
    macro_rules! case {
        ($body:block) => {{
            $body;
            still_serving(&s).await;
            cases += 1;
        }};
    }

    // A long idempotency key of random characters, and a long path with one: answered like any
    // other (PostgreSQL once refused such a key's index entry and the request got 503).
    case!({
        let key: String = (0..6000u32)
            .map(|i| char::from(b'A' + ((i.wrapping_mul(2_654_435_761) >> 13) % 26) as u8))
            .collect();
        let header = ("Idempotency-Key", key.as_bytes());
        let first = send(
            &s,
            "POST",
            MESSAGE,
            &[AUTH, JSON, header],
            br#"{"name": "k"}"#,
        )
        .await;
        assert_eq!(first.0, 200, "long key: {}", first.1);
        let again = send(
            &s,
            "POST",
            MESSAGE,
            &[AUTH, JSON, header],
            br#"{"name": "k"}"#,
        )
        .await;
        assert_eq!(again, first, "long key: replayed");
        let long_path = format!("/api/v1/auth/app/{}/create-message-token", "a".repeat(5000));
        let refused = send(
            &s,
            "POST",
            &long_path,
            &[AUTH, JSON, header],
            br#"{"name": "k"}"#,
        )
        .await;
        assert_eq!(refused.0, 422, "long path with a key: {}", refused.1);
    });
    // U+0000 in free text is schema-valid: accepted and kept whichever store runs (PostgreSQL's
    // text cannot hold it, so names are stored as bytes there; it once answered 500).
    case!({
        let (status, body) = post(&s, MESSAGE, br#"{"name": "a\u0000b"}"#).await;
        assert_eq!(status, 200, "NUL in a message token's name: {body}");
        assert_eq!(body["name"], "a\u{0}b", "the name is kept as sent");
    });
    case!({
        let (status, body) = post(
            &s,
            "/api/v1/auth/app-portal-access/nul-app",
            br#"{"application": {"name": "a\u0000b", "uid": "nul-app"}}"#,
        )
        .await;
        assert_eq!(status, 200, "NUL in a new application's name: {body}");
    });
    case!({
        assert_validation(
            "malformed JSON",
            &post(&s, MESSAGE, b"{name: 1}").await,
            json!(["body"]),
            "value_error.jsondecode",
        )
    });
    case!({
        assert_validation(
            "truncated body",
            &post(&s, MESSAGE, br#"{"name": "a"#).await,
            json!(["body"]),
            "value_error.jsondecode",
        )
    });
    case!({
        assert_validation(
            "empty body where required",
            &post(&s, MESSAGE, b"").await,
            json!(["body"]),
            "value_error.missing",
        )
    });
    case!({
        let got = send(
            &s,
            "POST",
            MESSAGE,
            &[AUTH, ("Content-Type", b"text/plain")],
            br#"{"name": "a"}"#,
        )
        .await;
        assert_http_error("wrong Content-Type", &got, 415, "unsupported_media_type");
    });
    case!({
        let got = post(&s, MESSAGE, b"{\"name\": \"\xff\xfe\"}").await;
        assert_validation(
            "invalid UTF-8",
            &got,
            json!(["body"]),
            "value_error.jsondecode",
        );
        assert!(
            got.1["detail"][0]["msg"]
                .as_str()
                .unwrap()
                .contains("UTF-8")
        );
    });
    case!({
        let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
        assert_http_error(
            "body over the limit",
            &post(&s, MESSAGE, huge.as_bytes()).await,
            413,
            "payload_too_large",
        );
    });
    case!({
        assert_validation(
            "wrong JSON type",
            &post(&s, MESSAGE, br#"{"name": 5}"#).await,
            json!(["body", "name"]),
            "type_error.str",
        )
    });
    case!({
        assert_validation(
            "null for a non-nullable field",
            &post(&s, MESSAGE, br#"{"name": null}"#).await,
            json!(["body", "name"]),
            "type_error.none.not_allowed",
        )
    });
    case!({
        assert_validation(
            "array where an object is expected",
            &post(&s, MESSAGE, b"[]").await,
            json!(["body"]),
            "type_error.dict",
        )
    });
    case!({
        assert_validation(
            "number out of range",
            &post(&s, PORTAL, br#"{"expiry": 10}"#).await,
            json!(["body", "expiry"]),
            "value_error.number.not_ge",
        )
    });
    case!({
        assert_validation(
            "number beyond 64 bits",
            &post(
                &s,
                MESSAGE,
                br#"{"name": "a", "expiry": 18446744073709551616}"#,
            )
            .await,
            json!(["body", "expiry"]),
            "value_error.number.not_in_range",
        )
    });
    case!({
        assert_validation(
            "fraction for an integer",
            &post(&s, PORTAL, br#"{"expiry": 3600.5}"#).await,
            json!(["body", "expiry"]),
            "type_error.integer",
        )
    });
    case!({
        // OpenAPI 3.0 (JSON Schema draft 4/5): an integer has no fraction and no exponent.
        assert_validation(
            "zero fraction for an integer",
            &post(&s, PORTAL, br#"{"expiry": 3600.0}"#).await,
            json!(["body", "expiry"]),
            "type_error.integer",
        )
    });
    case!({
        assert_validation(
            "exponent for an integer",
            &post(
                &s,
                MESSAGE,
                br#"{"name": "a", "expiry": 3.928283110088006e+16}"#,
            )
            .await,
            json!(["body", "expiry"]),
            "type_error.integer",
        )
    });
    case!({
        let body = format!(r#"{{"featureFlags": ["{}"]}}"#, "f".repeat(257));
        assert_validation(
            "string over its maxLength",
            &post(&s, PORTAL, body.as_bytes()).await,
            json!(["body", "featureFlags", "0"]),
            "value_error.any_str.max_length",
        );
    });
    case!({
        assert_validation(
            "pattern violated in the path",
            &post(&s, "/api/v1/auth/app-portal-access/bad%20id", b"{}").await,
            json!(["path", "app_id"]),
            "value_error.str.regex",
        )
    });
    case!({
        assert_validation(
            "pattern violated in the body",
            &post(
                &s,
                "/api/v1/auth/app-portal-access/new-app",
                br#"{"application": {"name": "n", "uid": "a b"}}"#,
            )
            .await,
            json!(["body", "application", "uid"]),
            "value_error.str.regex",
        )
    });
    case!({
        assert_validation(
            "pattern violated in an array item",
            &post(&s, PORTAL, br#"{"featureFlags": ["ok", "no way"]}"#).await,
            json!(["body", "featureFlags", "1"]),
            "value_error.str.regex",
        )
    });
    case!({
        assert_validation(
            "duplicate items in a uniqueItems array",
            &post(&s, PORTAL, br#"{"featureFlags": ["a", "a"]}"#).await,
            json!(["body", "featureFlags"]),
            "value_error.list.unique_items",
        )
    });
    case!({
        assert_validation(
            "required field missing in a nested object",
            &post(
                &s,
                "/api/v1/auth/app-portal-access/new-app",
                br#"{"application": {"uid": "new-app"}}"#,
            )
            .await,
            json!(["body", "application", "name"]),
            "value_error.missing",
        )
    });
    case!({
        // Unknown fields are ignored, as Svix does.
        let got = post(
            &s,
            MESSAGE,
            br#"{"name": "a", "surprise": {"nested": [1, 2]}}"#,
        )
        .await;
        assert_eq!(got.0, 200, "unknown fields are ignored: {}", got.1);
    });
    case!({
        let path = format!("/api/v1/auth/app-portal-access/{}", "a".repeat(257));
        assert_validation(
            "app_id of 257 characters",
            &post(&s, &path, b"{}").await,
            json!(["path", "app_id"]),
            "value_error.any_str.max_length",
        );
    });
    case!({
        // Percent-encoding is decoded before validation: `hostile%2Dapp` is `hostile-app`.
        let got = post(&s, "/api/v1/auth/app-portal-access/hostile%2Dapp", b"{}").await;
        assert_eq!(got.0, 200, "percent-encoded valid app_id: {}", got.1);
    });
    case!({
        assert_validation(
            "Unicode app_id",
            &post(&s, "/api/v1/auth/app-portal-access/%C3%A9t%C3%A9", b"{}").await,
            json!(["path", "app_id"]),
            "value_error.str.regex",
        )
    });
    case!({
        let got = send(
            &s,
            "POST",
            MESSAGE,
            &[AUTH, JSON, ("idempotency-key", b"k\xffey")],
            br#"{"name": "a"}"#,
        )
        .await;
        // RFC 9110 §5.5: octets beyond ASCII (obs-text) are opaque data, read as Latin-1; the
        // key is a string like any other.
        assert_eq!(
            got.0, 200,
            "a header value with obs-text is a string: {}",
            got.1
        );
    });
    case!({
        let got = send(
            &s,
            "POST",
            MESSAGE,
            &[("Authorization", b"Basic YWRtaW46YWRtaW4="), JSON],
            br#"{"name": "a"}"#,
        )
        .await;
        assert_http_error(
            "Authorization that is not Bearer",
            &got,
            401,
            "authentication_failed",
        );
    });
    case!({
        let got = send(&s, "POST", MESSAGE, &[JSON], br#"{"name": "a"}"#).await;
        assert_http_error("no Authorization", &got, 401, "authentication_failed");
    });
    case!({
        let got = send(
            &s,
            "POST",
            MESSAGE,
            &[("Authorization", b"Bearer sk_unknown"), JSON],
            br#"{"name": "a"}"#,
        )
        .await;
        assert_http_error("unknown bearer", &got, 401, "authentication_failed");
    });
    case!({
        assert_http_error(
            "unknown path",
            &post(&s, "/api/v1/auth/nope", b"{}").await,
            404,
            "not_found",
        )
    });
    case!({
        let got = send(&s, "GET", MESSAGE, &[AUTH], b"").await;
        assert_http_error("wrong method", &got, 405, "method_not_allowed");
    });
    case!({
        // A query string on a POST that declares no query parameters is ignored.
        let got = post(&s, &format!("{MESSAGE}?debug=1&x=%FF"), br#"{"name": "a"}"#).await;
        assert_eq!(got.0, 200, "query string ignored: {}", got.1);
    });
    case!({
        let long = vec![b'a'; 64 * 1024];
        let got = send(
            &s,
            "POST",
            MESSAGE,
            &[AUTH, JSON, ("x-padding", &long)],
            br#"{"name": "a"}"#,
        )
        .await;
        assert_http_error(
            "an extremely long header",
            &got,
            431,
            "request_header_fields_too_large",
        );
    });
    case!({
        let got = raw(
            &s,
            &request(
                "POST",
                MESSAGE,
                &[AUTH, ("Content-Type", b"application/json; charset=utf-8")],
                br#"{"name": "a"}"#,
            ),
        )
        .await;
        assert_eq!(got.0, 200, "JSON with a charset parameter is JSON");
    });
    assert!(cases >= 25, "{cases} cases");
    s.shutdown().await.unwrap();
}

#[tokio::test]
async fn many_slow_clients_do_not_stop_the_server_answering_others() {
    let s = server("slow").await;
    // 64 clients that send half a request header and then stall.
    let mut stalled = Vec::new();
    for _ in 0..64 {
        let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        stream
            .write_all(b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nAuthor")
            .await
            .unwrap();
        stalled.push(stream);
    }
    let started = std::time::Instant::now();
    for _ in 0..10 {
        still_serving(&s).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "others are answered promptly: {:?}",
        started.elapsed()
    );
    drop(stalled);
    s.shutdown().await.unwrap();
}
