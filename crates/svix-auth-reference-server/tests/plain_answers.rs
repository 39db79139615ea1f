//! Every error answer, and every log line, is written for people: no Rust `Debug` formatting
//! (`Some("…")`, escaped quotes, `Error { kind: … }`) reaches them. The test drives every error
//! path it can reach over HTTP — authentication, authorization, lookups, validation, body
//! framing, routing, idempotency, limits — against the real binary, then scans each answer's
//! text and the server's log. Against SQLite, or PostgreSQL with `SVIX_AUTH_TEST_STORE=postgres`.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::Process;

const ADMIN: &str = "sk_admin_plain_answers_0123456789abcdef01";

/// What `Debug` output looks like and text meant for people does not: a `Debug`-formatted
/// string comes in double quotes (answers quote names in backticks).
const DEBUG_MARKERS: &[&str] = &[
    "Some(", "None", "Ok(", "Err(", "\"", "\\u{", "Error {", "kind:", "{ ", " }",
];

/// The markers `text` carries. Svix's own wording for a pattern mismatch (pydantic's, with the
/// pattern in literal double quotes) is the one quoted form allowed; what it quotes is scanned.
fn debug_markers(text: &str) -> Vec<&'static str> {
    let text = text
        .strip_prefix("string does not match regex \"")
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    DEBUG_MARKERS
        .iter()
        .copied()
        .filter(|m| text.contains(m))
        .collect()
}

/// Every string in a JSON answer (the body's text when it is not JSON).
fn strings(body: &[u8]) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let mut out = Vec::new();
            walk(&v, &mut out);
            out
        }
        Err(_) => vec![String::from_utf8_lossy(body).into_owned()],
    }
}

struct Probe {
    http: reqwest::Client,
    base: String,
    /// (what was sent, status, body) of every error answer.
    answers: Vec<(String, u16, Vec<u8>)>,
}

impl Probe {
    async fn send(&mut self, what: &str, request: reqwest::RequestBuilder) -> u16 {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default().to_vec();
        self.answers.push((what.to_owned(), status, body));
        status
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base))
    }
}

/// A POST declaring a 3 MiB JSON body, of which only the headers are sent: status and body.
async fn declared_too_large(base: &str, token: &str) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/app-portal-access/plain-app HTTP/1.1\r\nhost: {addr}\r\n\
         authorization: Bearer {token}\r\ncontent-type: application/json\r\n\
         content-length: 3145728\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.as_bytes().to_vec())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn no_error_answer_or_log_line_carries_debug_formatting() {
    let dir = support::temp_dir("plain-answers");
    let db = support::fresh_database(&dir, "plain-answers");
    let server = Process::spawn(
        &db,
        &[
            "--rate-limit",
            "1000",
            "--rate-limit-burst",
            "1000",
            "--auth-failure-burst",
            "8",
        ],
        &[("SVIX_AUTH_ADMIN_TOKEN", ADMIN), ("RUST_LOG", "debug")],
        dir.join("server.log"),
    );
    server.healthy().await;
    let mut p = Probe {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
        base: server.base.clone(),
        answers: Vec::new(),
    };
    let (session, ott) = support::create_app(&p.http, &p.base, ADMIN, "plain-app").await;
    let (_, body) = support::post(
        &p.http,
        &p.base,
        "/api/v1/auth/app/plain-app/create-message-token",
        ADMIN,
        Some(json!({"name": "m"})),
        None,
    )
    .await;
    let message_token = support::field(&body, "token");

    let logout = "/api/v1/auth/logout";
    let expected = [
        ("no credential", p.post(logout), 401),
        (
            "basic scheme",
            p.post(logout).header("authorization", "Basic YTpi"),
            401,
        ),
        (
            "unknown bearer",
            p.post(logout).bearer_auth("sk_unknown"),
            401,
        ),
        ("admin logs out", p.post(logout).bearer_auth(ADMIN), 403),
        (
            "message token",
            p.post(logout).bearer_auth(&message_token),
            403,
        ),
        (
            "session calls an admin operation",
            p.post("/api/v1/auth/dashboard-access/plain-app")
                .bearer_auth(&session),
            403,
        ),
        (
            "an app ID with a quote and a non-ASCII letter (outside its pattern)",
            p.post("/api/v1/auth/dashboard-access/we%22ird-%C3%A9")
                .bearer_auth(ADMIN),
            422,
        ),
        (
            "unknown app",
            p.post("/api/v1/auth/dashboard-access/absent")
                .bearer_auth(ADMIN),
            404,
        ),
        (
            "unknown app, nothing to create",
            p.post("/api/v1/auth/app-portal-access/absent")
                .bearer_auth(ADMIN)
                .json(&json!({})),
            404,
        ),
        (
            "uid differs from the path",
            p.post("/api/v1/auth/app-portal-access/absent")
                .bearer_auth(ADMIN)
                .json(&json!({"application": {"name": "n", "uid": "other"}})),
            422,
        ),
        (
            "wrong type in the body",
            p.post("/api/v1/auth/app-portal-access/plain-app")
                .bearer_auth(ADMIN)
                .json(&json!({"expiry": "soon"})),
            422,
        ),
        (
            "unknown feature-flag shape",
            p.post("/api/v1/auth/app-portal-access/plain-app")
                .bearer_auth(ADMIN)
                .json(&json!({"featureFlags": [1, {"a": null}]})),
            422,
        ),
        (
            "malformed JSON",
            p.post("/api/v1/auth/app-portal-access/plain-app")
                .bearer_auth(ADMIN)
                .header("content-type", "application/json")
                .body("{\"expiry\": "),
            422,
        ),
        (
            "wrong content type",
            p.post("/api/v1/auth/app-portal-access/plain-app")
                .bearer_auth(ADMIN)
                .header("content-type", "text/plain")
                .body("hello"),
            415,
        ),
        (
            "unknown message-token app",
            p.post("/api/v1/auth/app/absent/create-message-token")
                .bearer_auth(ADMIN)
                .json(&json!({"name": "m"})),
            404,
        ),
        (
            "unknown expire-all app",
            p.post("/api/v1/auth/app/absent/expire-all")
                .bearer_auth(ADMIN)
                .json(&json!({})),
            404,
        ),
        (
            "bad one-time token",
            p.post("/api/v1/auth/one-time-token")
                .bearer_auth(ADMIN)
                .json(&json!({"oneTimeToken": "ott_nope"})),
            401,
        ),
        (
            "unknown route",
            p.post("/api/v1/auth/nowhere").bearer_auth(ADMIN),
            404,
        ),
        (
            "wrong method",
            p.http.get(format!("{}{logout}", p.base)).bearer_auth(ADMIN),
            405,
        ),
        (
            "headers too large",
            p.post(logout)
                .bearer_auth(ADMIN)
                .header("x-big", "a".repeat(70_000)),
            431,
        ),
    ];
    let mut seen = Vec::new();
    for (what, request, status) in expected {
        let got = p.send(what, request).await;
        seen.push((what, got, status));
    }
    // An exchange, then the same one-time token again; an idempotency key reused for another body.
    let exchange = |p: &Probe| {
        p.post("/api/v1/auth/one-time-token")
            .bearer_auth(ADMIN)
            .json(&json!({"oneTimeToken": ott}))
    };
    let _ = exchange(&p).send().await;
    let got = p.send("one-time token used twice", exchange(&p)).await;
    seen.push(("one-time token used twice", got, 401));
    let keyed = |p: &Probe, expiry: u64| {
        p.post("/api/v1/auth/app-portal-access/plain-app")
            .bearer_auth(ADMIN)
            .header("idempotency-key", "plain-key")
            .json(&json!({"expiry": expiry}))
    };
    let _ = keyed(&p, 100).send().await;
    let got = p
        .send("idempotency key reused with another body", keyed(&p, 200))
        .await;
    seen.push(("idempotency key reused with another body", got, 422));
    // A body declared larger than the limit (sent over a raw socket: the server answers and
    // closes before the body is written).
    let (status, body) = declared_too_large(&p.base, ADMIN).await;
    p.answers.push(("body too large".into(), status, body));
    seen.push(("body too large", status, 413));
    // Past the failure budget: the throttled answer.
    for i in 0..10 {
        p.send(
            "failure budget",
            p.post(logout).bearer_auth(format!("sk_bad_{i}")),
        )
        .await;
    }
    assert_eq!(p.answers.last().map(|a| a.1), Some(429), "the budget binds");

    for (what, got, want) in &seen {
        assert_eq!(got, want, "{what}");
    }
    for (what, status, body) in &p.answers {
        for text in strings(body) {
            let markers = debug_markers(&text);
            assert!(
                markers.is_empty(),
                "{what} ({status}): {markers:?} in the answer {text}"
            );
        }
    }
    drop(server);
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert!(log.lines().count() > 20, "the server logged its requests");
    for line in log.lines() {
        for marker in ["Some(", "Error {", "kind:", "\\\\\""] {
            assert!(!line.contains(marker), "{marker:?} in the log line {line}");
        }
    }
}
