//! Hardening, black-box: real sockets, a real server on 127.0.0.1:0, real files.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use svix_auth_client::models::{AppPortalAccessIn, ApplicationIn, ApplicationTokenExpireIn, OneTimeTokenIn};
use svix_auth_client::{Client, Error};
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_hardening_test_0123456789abcdef";

async fn server(name: &str) -> (Running, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hardening-{name}-{}", std::process::id()));
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
    let application = ApplicationIn::builder()
        .name("Hardening")
        .uid(Some(app.parse::<svix_auth_client::models::ApplicationInUid>().unwrap()));
    let body: AppPortalAccessIn = AppPortalAccessIn::builder()
        .application(Some(ApplicationIn::try_from(application).unwrap()))
        .try_into()
        .unwrap();
    let url = admin.app_portal_access(app, &body, None).await.unwrap().url.to_string();
    let key = url.split_once("#key=").unwrap().1;
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(key).unwrap()).unwrap()
}

#[tokio::test]
async fn a_session_exchanged_from_a_link_issued_before_expire_all_stops_at_the_cut_off() {
    let (running, _dir) = server("expire-all-bypass").await;
    let admin = client(&running, ADMIN);
    let key = magic_link(&admin, "bypass-app").await;
    let app_id = key["appId"].as_str().unwrap().to_owned();
    let one_time = key["oneTimeToken"].as_str().unwrap().to_owned();

    // Expire everything issued so far, two seconds from now.
    let delayed: ApplicationTokenExpireIn = ApplicationTokenExpireIn::builder().expiry(Some(2)).try_into().unwrap();
    admin.expire_all(&app_id, &delayed, None).await.unwrap();

    // Within the grace period the link still works and yields a session…
    let body: OneTimeTokenIn = OneTimeTokenIn::builder().one_time_token(one_time.clone()).try_into().unwrap();
    let session = client(&running, &one_time)
        .exchange_one_time_token(&body, None)
        .await
        .unwrap()
        .token;
    // …which is cut off with the link once the deadline passes.
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let refused = client(&running, &session).logout(None).await.unwrap_err();
    assert!(matches!(refused, Error::Api { status: 401, .. }), "{refused}");

    // A link issued after the expire-all is not affected.
    let key = magic_link(&admin, "bypass-app").await;
    let one_time = key["oneTimeToken"].as_str().unwrap().to_owned();
    let body: OneTimeTokenIn = OneTimeTokenIn::builder().one_time_token(one_time.clone()).try_into().unwrap();
    let session = client(&running, &one_time)
        .exchange_one_time_token(&body, None)
        .await
        .unwrap()
        .token;
    client(&running, &session).logout(None).await.unwrap();
    running.shutdown().await.unwrap();
}
