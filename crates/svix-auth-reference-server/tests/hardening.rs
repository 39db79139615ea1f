//! Hardening, black-box: real sockets, a real server on 127.0.0.1:0, real files.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use svix_auth_client::models::{
    AppPortalAccessIn, ApplicationIn, ApplicationTokenExpireIn, OneTimeTokenIn,
};
use svix_auth_client::{Client, Error};
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_hardening_test_0123456789abcdef";

async fn server(name: &str) -> (Running, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.join("auth.db"));
    config.admin_token = Some(ADMIN.into());
    (start(config).await.unwrap(), dir)
}

fn client(running: &Running, token: &str) -> Client {
    Client::builder(token)
        .server_url(format!("http://{}", running.addr))
        .retries(0)
        .build()
        .unwrap()
}

async fn magic_link(admin: &Client, app: &str) -> Value {
    let application = ApplicationIn::builder().name("Hardening").uid(Some(
        app.parse::<svix_auth_client::models::ApplicationInUid>()
            .unwrap(),
    ));
    let body: AppPortalAccessIn = AppPortalAccessIn::builder()
        .application(Some(ApplicationIn::try_from(application).unwrap()))
        .try_into()
        .unwrap();
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
    let delayed: ApplicationTokenExpireIn = ApplicationTokenExpireIn::builder()
        .expiry(Some(2))
        .try_into()
        .unwrap();
    admin.expire_all(&app_id, &delayed, None).await.unwrap();

    // Within the grace period the link still works and yields a session…
    let body: OneTimeTokenIn = OneTimeTokenIn::builder()
        .one_time_token(one_time.clone())
        .try_into()
        .unwrap();
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
    let body: OneTimeTokenIn = OneTimeTokenIn::builder()
        .one_time_token(one_time.clone())
        .try_into()
        .unwrap();
    let session = client(&running, &one_time)
        .exchange_one_time_token(&body, None)
        .await
        .unwrap()
        .token;
    client(&running, &session).logout(None).await.unwrap();
    running.shutdown().await.unwrap();
}

async fn limited_server(name: &str, rate: f64, burst: f64) -> Running {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.join("auth.db"));
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
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-flood-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.join("auth.db"));
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
