//! The reference server, started in-process on 127.0.0.1:0 with a temporary database (SQLite, or
//! PostgreSQL with `SVIX_AUTH_TEST_STORE=postgres`), driven only through the generated client.

#[path = "../support/mod.rs"]
mod support;

mod errors;
mod flows;
mod lifetimes;

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use svix_auth_client::generated::Client;
use svix_auth_client::models::*;
use svix_auth_client::operations::{ErrorBody, Operation};
use svix_auth_reference_server::rate_limit::RateLimit;
use svix_auth_reference_server::store::Database;
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_test_token_0123456789abcdef012345";

/// A rate limit no test reaches.
const GENEROUS: RateLimit = RateLimit {
    rate: 1000.0,
    burst: 1000.0,
};

fn temp_db(name: &str) -> Database {
    support::fresh_database(&support::temp_dir(name), name)
}

async fn server_with(db: Database, admin: Option<&str>, limit: RateLimit) -> Running {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), db);
    config.admin_token = admin.map(str::to_owned);
    config.rate_limit = limit;
    config.auth_failures = GENEROUS;
    start(config).await.unwrap()
}

async fn server(name: &str) -> Running {
    server_with(temp_db(name), Some(ADMIN), GENEROUS).await
}

fn client(running: &Running, token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::new_with_client(&format!("http://{}", running.addr), http)
}

/// Status and typed body of a failed call.
fn failure<T: std::fmt::Debug>(
    op: Operation,
    result: Result<T, svix_auth_client::generated::Error<Value>>,
) -> (u16, ErrorBody) {
    match result {
        Err(svix_auth_client::generated::Error::ErrorResponse(resp)) => {
            let status = resp.status().as_u16();
            (status, ErrorBody::decode(op, status, resp.into_inner()))
        }
        other => panic!("expected an error response, got {other:?}"),
    }
}

fn code(body: &ErrorBody) -> &str {
    match body {
        ErrorBody::HttpErrorOut(e) => &e.code,
        other => panic!("expected HttpErrorOut, got {other:?}"),
    }
}

fn create_app_body(uid: &str) -> AppPortalAccessIn {
    let application = ApplicationIn::new("Test app".parse::<ApplicationInName>().unwrap())
        .with_uid(uid.parse::<ApplicationInUid>().unwrap());
    AppPortalAccessIn::new()
        .with_application(application)
        .with_feature_flags(vec![
            "beta".parse::<AppPortalAccessInFeatureFlagsItem>().unwrap(),
        ])
}

/// The decoded `#key=` of a magic link.
fn magic_key(url: &str) -> Value {
    let key = url.split_once("#key=").expect("magic link has #key=").1;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key)
            .unwrap(),
    )
    .unwrap()
}

/// Whether a portal session token is live: the exchange refuses it with 403 when it is
/// (wrong kind of credential), 401 when it is not.
async fn portal_token_status(running: &Running, token: &str) -> u16 {
    let r = client(running, token)
        .v1_authentication_exchange_one_time_token()
        .body(OneTimeTokenIn::new("x"))
        .send()
        .await;
    failure(Operation::V1AuthenticationExchangeOneTimeToken, r).0
}

/// Whether a message token is live: 403 when it is, 401 when it is not.
async fn message_token_status(running: &Running, token: &str) -> u16 {
    failure(
        Operation::V1AuthenticationLogout,
        client(running, token)
            .v1_authentication_logout()
            .send()
            .await,
    )
    .0
}
