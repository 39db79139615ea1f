//! Hardening, black-box: real sockets, a real server on 127.0.0.1:0, real files. Against
//! SQLite, or PostgreSQL with `SVIX_AUTH_TEST_STORE=postgres` (the tests of SQLite's own files
//! use SQLite either way).

mod support;

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use svix_auth_client::models::{
    AppPortalAccessIn, ApplicationIn, ApplicationTokenExpireIn, OneTimeTokenIn,
};
use svix_auth_client::{Client, Error};
use svix_auth_reference_server::store::Database;
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_hardening_test_0123456789abcdef";

/// A fresh database of this run's store for the test `name`.
fn fresh(name: &str) -> Database {
    support::fresh_database(&support::temp_dir(&format!("hardening-{name}")), name)
}

async fn server_on(db: Database) -> Running {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db);
    config.admin_token = Some(ADMIN.into());
    start(config).await.unwrap()
}

async fn server(name: &str) -> (Running, Database) {
    let db = fresh(name);
    (server_on(db.clone()).await, db)
}

fn client(running: &Running, token: &str) -> Client {
    Client::builder(token)
        .server_url(format!("http://{}", running.addr))
        .retries(0)
        .build()
        .unwrap()
}

async fn magic_link(admin: &Client, app: &str) -> Value {
    let application = ApplicationIn::new(
        "Hardening"
            .parse::<svix_auth_client::models::ApplicationInName>()
            .unwrap(),
    )
    .with_uid(
        app.parse::<svix_auth_client::models::ApplicationInUid>()
            .unwrap(),
    );
    let body: AppPortalAccessIn = AppPortalAccessIn::new().with_application(application);
    let url = admin
        .app_portal_access(app, &body, None)
        .await
        .unwrap()
        .url
        .to_string();
    let key = url.split_once("#key=").unwrap().1;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_session_exchanged_from_a_link_issued_before_expire_all_stops_at_the_cut_off() {
    let (running, _dir) = server("expire-all-bypass").await;
    let admin = client(&running, ADMIN);
    let key = magic_link(&admin, "bypass-app").await;
    let app_id = key["appId"].as_str().unwrap().to_owned();
    let one_time = key["oneTimeToken"].as_str().unwrap().to_owned();

    // Expire everything issued so far, two seconds from now.
    let delayed: ApplicationTokenExpireIn = ApplicationTokenExpireIn::new().with_expiry(2);
    admin.expire_all(&app_id, &delayed, None).await.unwrap();

    // Within the grace period the link still works and yields a session…
    let body: OneTimeTokenIn = OneTimeTokenIn::new(one_time.clone());
    let session = client(&running, &one_time)
        .exchange_one_time_token(&body, None)
        .await
        .unwrap()
        .token;
    // …which is cut off with the link once the deadline passes.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let refused = client(&running, &session).logout(None).await.unwrap_err();
    assert!(
        matches!(refused, Error::Api { status: 401, .. }),
        "{refused}"
    );

    // A link issued after the expire-all is not affected.
    let key = magic_link(&admin, "bypass-app").await;
    let one_time = key["oneTimeToken"].as_str().unwrap().to_owned();
    let body: OneTimeTokenIn = OneTimeTokenIn::new(one_time.clone());
    let session = client(&running, &one_time)
        .exchange_one_time_token(&body, None)
        .await
        .unwrap()
        .token;
    client(&running, &session).logout(None).await.unwrap();
    running.shutdown().await.unwrap();
}

async fn limited_server(name: &str, rate: f64, burst: f64) -> Running {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), fresh(name));
    config.admin_token = Some(ADMIN.into());
    config.rate_limit = svix_auth_reference_server::rate_limit::RateLimit { rate, burst };
    start(config).await.unwrap()
}

async fn logout_status(http: &reqwest::Client, running: &Running, authorization: &str) -> u16 {
    http.post(format!("http://{}/api/v1/auth/logout", running.addr))
        .header("authorization", authorization)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn one_admin_token_written_many_ways_shares_one_bucket() {
    let running = limited_server("respelled", 0.01, 5.0).await;
    let http = reqwest::Client::new();
    let spellings = [
        format!("Bearer {ADMIN}"),
        format!("bearer {ADMIN}"),
        format!("BEARER   {ADMIN}  "),
        format!("BeArEr {ADMIN}"),
    ];
    let mut statuses = Vec::new();
    for i in 0..12 {
        statuses.push(logout_status(&http, &running, &spellings[i % spellings.len()]).await);
    }
    // The admin token cannot log out (403): five answers, then the shared bucket is empty.
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        7,
        "{statuses:?}"
    );
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_flood_of_made_up_bearers_is_cut_off_per_address_and_real_clients_are_served() {
    // Behind a (loopback) proxy the server trusts: the flood and the real client come from
    // different addresses, as `X-Forwarded-For` says.
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), fresh("flood"));
    config.admin_token = Some(ADMIN.into());
    config.rate_limit = svix_auth_reference_server::rate_limit::RateLimit {
        rate: 1000.0,
        burst: 1000.0,
    };
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let running = start(config).await.unwrap();
    let http = reqwest::Client::new();
    let send = |authorization: String, from: &'static str| {
        let http = http.clone();
        let url = format!("http://{}/api/v1/auth/logout", running.addr);
        async move {
            let started = std::time::Instant::now();
            let status = http
                .post(url)
                .header("authorization", authorization)
                .header("x-forwarded-for", from)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            (status, started.elapsed())
        }
    };
    let mut flood = Vec::new();
    let mut real = Vec::new();
    for i in 0..300 {
        flood.push(
            send(format!("Bearer made_up_{i}_{}", i * 7919), "203.0.113.5")
                .await
                .0,
        );
        if i % 10 == 0 {
            real.push(send(format!("Bearer {ADMIN}"), "198.51.100.7").await);
        }
    }
    assert_eq!(
        flood.iter().filter(|s| **s == 401).count(),
        20,
        "the address's failure budget"
    );
    assert_eq!(flood.iter().filter(|s| **s == 429).count(), 280);
    // The real client is answered by the operation every time (the admin cannot log out: 403).
    assert!(real.iter().all(|(s, _)| *s == 403), "{real:?}");
    let mut latencies: Vec<_> = real.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    println!(
        "real client during the flood: {} requests, p99 {p99:?}",
        latencies.len()
    );
    assert!(p99 < Duration::from_secs(1), "{p99:?}");
    running.shutdown().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn database_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    // SQLite's own files, whichever store the run uses.
    let dir = support::temp_dir("hardening-modes");
    let running = server_on(Database::Sqlite(dir.join("auth.db"))).await;
    let admin = client(&running, ADMIN);
    let _ = magic_link(&admin, "modes-app").await; // writes: the WAL exists now
    for name in ["auth.db", "auth.db-wal", "auth.db-shm"] {
        let path = dir.join(name);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}: {mode:o}");
    }
    running.shutdown().await.unwrap();
}

/// Runs the server binary with `args` (and no admin token from the environment); returns its
/// exit status and stderr when it exits by itself within 10 s.
fn run_binary(args: &[&str], dir: &std::path::Path) -> (Option<i32>, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_svix-auth-reference-server"))
        .args(args)
        .env_remove("SVIX_AUTH_ADMIN_TOKEN")
        .current_dir(dir)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err);
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            return (None, String::new());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn nonsensical_configuration_is_refused_with_exit_code_2_and_the_reason() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{ADMIN}\n")).unwrap();
    let token_file = token_file.display().to_string();
    for (args, reason) in [
        (vec!["--rate-limit", "NaN"], "rate"),
        (vec!["--rate-limit=-1"], "rate"),
        (vec!["--rate-limit-burst", "0"], "burst"),
        (vec!["--auth-failure-rate", "inf"], "rate"),
        (vec!["--one-time-token-ttl", "0"], "TTL"),
        (vec!["--one-time-token-ttl", "99999999"], "TTL"),
        (vec!["--admin-token", "short_token"], "at least 32"),
        (
            vec!["--admin-token", ADMIN, "--admin-token-file", &token_file],
            "once",
        ),
        (
            vec!["--admin-token-file", "/nonexistent/token"],
            "cannot read",
        ),
        (vec!["--portal-url", "javascript:alert(1)"], "portal URL"),
        (vec!["--retention-days=-1"], "--retention-days"),
        (vec!["--retention-days", "NaN"], "--retention-days"),
        (
            vec!["--idempotency-retention", "0"],
            "--idempotency-retention",
        ),
        (
            vec!["--idempotency-retention", "9999999"],
            "--idempotency-retention",
        ),
        (vec!["--purge-interval", "inf"], "--purge-interval"),
    ] {
        let mut all = vec!["--listen", "127.0.0.1:0", "--database", ":memory:"];
        all.extend(args.iter().copied());
        let (code, err) = run_binary(&all, &dir);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(reason), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn a_generated_admin_token_goes_to_a_private_file_never_to_the_log() {
    use std::os::unix::fs::PermissionsExt;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-generated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("auth.db");
    let config = Config::new("127.0.0.1:0".parse().unwrap(), db.clone());
    let running = start(config).await.unwrap();
    let token = running.generated_admin_token.clone().unwrap();
    let file = dir.join("auth.db.admin-token");
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), token);
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The token from the file is the admin token.
    let err = client(&running, &token).logout(None).await.unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn starting_with_another_admin_token_rotates_it() {
    let (running, db) = server("rotation").await;
    running.shutdown().await.unwrap();
    let rotated = "sk_admin_rotated_0123456789abcdef0123456789";
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db);
    config.admin_token = Some(rotated.into());
    let running = start(config).await.unwrap();
    let old = client(&running, ADMIN).logout(None).await.unwrap_err();
    assert_eq!(
        old.status(),
        Some(401),
        "the old admin token is refused: {old}"
    );
    let new = client(&running, rotated).logout(None).await.unwrap_err();
    assert_eq!(new.status(), Some(403), "the new one is the admin: {new}");
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn health_asks_the_store() {
    let (running, _dir) = server("health").await;
    let status = reqwest::get(format!("http://{}/api/v1/health", running.addr))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    running.shutdown().await.unwrap();
}

async fn server_with_serve(
    name: &str,
    serve: svix_auth_reference_server::serve::ServeOptions,
) -> Running {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), fresh(name));
    config.admin_token = Some(ADMIN.into());
    config.serve = serve;
    start(config).await.unwrap()
}

/// Opens a connection that sends half a request head and then nothing.
async fn stalled(addr: std::net::SocketAddr) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nX-Half: ")
        .await
        .unwrap();
    s
}

/// Reads until the server closes; returns what it sent.
async fn read_to_close(mut s: tokio::net::TcpStream, within: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    match tokio::time::timeout(within, s.read_to_end(&mut buf)).await {
        Ok(_) => Some(String::from_utf8_lossy(&buf).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn stalled_connections_are_dropped_after_the_header_timeout_while_health_stays_fast() {
    let serve = svix_auth_reference_server::serve::ServeOptions {
        header_read_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let running = server_with_serve("stalled", serve).await;
    let mut sockets = Vec::new();
    for _ in 0..200 {
        sockets.push(stalled(running.addr).await);
    }
    // Health answers at once while 200 connections hang.
    let started = std::time::Instant::now();
    let status = reqwest::get(format!("http://{}/api/v1/health", running.addr))
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    println!(
        "health with 200 stalled connections: {:?}",
        started.elapsed()
    );
    // Every stalled connection is closed by the server within the timeout (plus slack).
    let started = std::time::Instant::now();
    let closed = futures_close_all(sockets, Duration::from_secs(5)).await;
    assert_eq!(closed, 200, "stalled connections still open after 5 s");
    println!("200 stalled connections closed in {:?}", started.elapsed());
    running.shutdown().await.unwrap();
}

async fn futures_close_all(sockets: Vec<tokio::net::TcpStream>, within: Duration) -> usize {
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|s| tokio::spawn(read_to_close(s, within)))
        .collect();
    let mut closed = 0;
    for t in tasks {
        if t.await.unwrap().is_some() {
            closed += 1;
        }
    }
    closed
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_get_503_with_retry_after() {
    let serve = svix_auth_reference_server::serve::ServeOptions {
        max_connections: 5,
        ..Default::default()
    };
    let running = server_with_serve("cap", serve).await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(stalled(running.addr).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let extra = stalled(running.addr).await;
    let answer = read_to_close(extra, Duration::from_secs(3)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    drop(held);
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn shutdown_finishes_within_its_grace_period_despite_a_stalled_request() {
    use tokio::io::AsyncWriteExt;
    let serve = svix_auth_reference_server::serve::ServeOptions {
        shutdown_grace: Duration::from_millis(500),
        ..Default::default()
    };
    let running = server_with_serve("shutdown", serve).await;
    // A request whose body never finishes arriving: in flight until the body timeout.
    let mut s = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    s.write_all(format!("POST /api/v1/auth/one-time-token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"one").as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    running.shutdown().await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
    println!("shutdown with a stalled request: {took:?}");
    drop(s);
}

#[tokio::test]
async fn a_stored_answer_is_not_replayed_to_a_rotated_admin_token() {
    let (running, db) = server("replay-rotated").await;
    let options =
        || Some(svix_auth_client::AppPortalAccessOptions::default().idempotency_key("same-key"));
    let application = ApplicationIn::new(
        "Replay"
            .parse::<svix_auth_client::models::ApplicationInName>()
            .unwrap(),
    )
    .with_uid(
        "replay-app"
            .parse::<svix_auth_client::models::ApplicationInUid>()
            .unwrap(),
    );
    let body: AppPortalAccessIn = AppPortalAccessIn::new().with_application(application);
    let first = client(&running, ADMIN)
        .app_portal_access("replay-app", &body, options())
        .await
        .unwrap();
    // Replayed to the same, live credential.
    let again = client(&running, ADMIN)
        .app_portal_access("replay-app", &body, options())
        .await
        .unwrap();
    assert_eq!(first.token, again.token);
    running.shutdown().await.unwrap();

    // Restart with a rotated admin token: the old one gets no replay (and no access).
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db);
    config.admin_token = Some("sk_admin_rotated_again_0123456789abcdef0123".into());
    let running = start(config).await.unwrap();
    let refused = client(&running, ADMIN)
        .app_portal_access("replay-app", &body, options())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(401), "{refused}");
    running.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_replayed_exchange_does_not_outlive_the_one_time_token() {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), fresh("replay-ttl"));
    config.admin_token = Some(ADMIN.into());
    config.one_time_token_ttl_secs = 1;
    let running = start(config).await.unwrap();
    let admin = client(&running, ADMIN);
    let key = magic_link(&admin, "ttl-app").await;
    let one_time = key["oneTimeToken"].as_str().unwrap().to_owned();
    let body: OneTimeTokenIn = OneTimeTokenIn::new(one_time.clone());
    let options = || {
        Some(
            svix_auth_client::ExchangeOneTimeTokenOptions::default()
                .idempotency_key("exchange-key"),
        )
    };
    let user = client(&running, &one_time);
    let session = user
        .exchange_one_time_token(&body, options())
        .await
        .unwrap()
        .token;
    // Right away, a retry with the same key is answered the same (the user's login survives a
    // lost answer)…
    let retried = user
        .exchange_one_time_token(&body, options())
        .await
        .unwrap()
        .token;
    assert_eq!(retried, session);
    // …but once the one-time token's lifetime is over, nothing is replayed: the answer carries
    // a live session token.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let late = user
        .exchange_one_time_token(&body, options())
        .await
        .unwrap_err();
    assert_eq!(late.status(), Some(401), "{late}");
    running.shutdown().await.unwrap();
}
