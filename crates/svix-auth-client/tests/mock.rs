//! The generated client against the in-process mock of the Svix authentication API
//! (`svix_auth_server::mock`, feature `mock`): every operation answers a value of its documented
//! type, `Prefer` picks another documented response, and the mock's router still refuses
//! requests the document does not allow.

use svix_auth_client::{Client, Error};
use svix_auth_server::models::*;

async fn client_with(
    mock: &svix_auth_server::runtime::mock::MockServer,
    prefer: Option<&str>,
) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(prefer) = prefer {
        headers.insert("prefer", prefer.parse().expect("a header value"));
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a reqwest client");
    Client::builder("testsk_mock")
        .server_url(mock.url())
        .http_client(http)
        .retries(0)
        .build()
        .expect("a client")
}

#[tokio::test]
async fn every_operation_of_the_mock_answers_its_documented_success_through_the_client() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let client = client_with(&mock, None).await;
    let portal = client
        .app_portal_access("app_1", &AppPortalAccessIn::default(), None)
        .await
        .expect("app-portal-access answers 200");
    assert!(portal.url.starts_with("http"), "a URL: {}", *portal.url);
    assert!(!portal.token.is_empty());
    let body = CreateMessageTokenIn::new("sender");
    let token = client
        .create_message_token("app_1", &body, None)
        .await
        .expect("create-message-token answers 200");
    assert!(!token.token.is_empty());
    client
        .expire_all("app_1", &ApplicationTokenExpireIn::default(), None)
        .await
        .expect("expire-all answers 204");
    #[allow(deprecated)]
    let dashboard = client
        .dashboard_access("app_1", None)
        .await
        .expect("dashboard-access answers 200");
    assert!(!dashboard.token.is_empty());
    client.logout(None).await.expect("logout answers 204");
    let body = OneTimeTokenIn::new("ott");
    let exchanged = client
        .exchange_one_time_token(&body, None)
        .await
        .expect("one-time-token answers 200");
    assert!(!exchanged.token.is_empty());
}

#[tokio::test]
async fn the_same_seed_answers_the_same_values() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let client = client_with(&mock, None).await;
    let first = client
        .app_portal_access("app_1", &AppPortalAccessIn::default(), None)
        .await
        .expect("200");
    let second = client
        .app_portal_access("app_1", &AppPortalAccessIn::default(), None)
        .await
        .expect("200");
    assert_eq!(first, second);
}

#[tokio::test]
async fn prefer_code_answers_the_documented_error_in_its_shape() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let client = client_with(&mock, Some("code=404")).await;
    let err = client
        .app_portal_access("app_1", &AppPortalAccessIn::default(), None)
        .await
        .expect_err("404 asked for");
    match err {
        Error::Api { status, body } => {
            assert_eq!(status, 404);
            assert!(!body.code.is_empty());
        }
        other => panic!("an HttpErrorOut 404, not {other:?}"),
    }
    let client = client_with(&mock, Some("code=422")).await;
    let err = client.logout(None).await.expect_err("422 asked for");
    assert!(
        matches!(err, Error::Validation { status: 422, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn prefer_code_of_an_undocumented_status_is_refused_naming_it() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let client = client_with(&mock, Some("code=418")).await;
    let err = client
        .logout(None)
        .await
        .expect_err("418 is not documented");
    match err {
        Error::Api { status, body } => {
            assert_eq!(status, 500);
            assert_eq!(body.code, "mock_no_such_response");
            assert!(
                body.detail.contains("418") && body.detail.contains("v1.authentication.logout"),
                "{}",
                body.detail
            );
        }
        other => panic!("the mock's refusal, not {other:?}"),
    }
}

#[tokio::test]
async fn prefer_dynamic_answers_values_that_still_decode_and_vary() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let client = client_with(&mock, Some("dynamic=true")).await;
    let mut tokens = std::collections::BTreeSet::new();
    for _ in 0..10 {
        let out = client
            .app_portal_access("app_1", &AppPortalAccessIn::default(), None)
            .await
            .expect("a dynamic 200 decodes");
        tokens.insert(out.token.clone());
    }
    assert!(tokens.len() > 1, "dynamic answers vary: {tokens:?}");
}

#[tokio::test]
async fn the_mock_router_still_requires_credentials_and_valid_bodies() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/auth/logout", mock.url());
    let unauthenticated = http.post(&url).send().await.expect("an answer");
    assert_eq!(unauthenticated.status(), 401);
    let url = format!("{}/api/v1/auth/app/app_1/create-message-token", mock.url());
    let invalid = http
        .post(&url)
        .bearer_auth("testsk_mock")
        .json(&serde_json::json!({ "name": 3 }))
        .send()
        .await
        .expect("an answer");
    assert_eq!(invalid.status(), 422);
}

#[tokio::test]
async fn a_cors_preflight_is_answered_for_any_origin() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/auth/logout", mock.url()),
        )
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("an answer");
    assert!(response.status().is_success(), "{}", response.status());
    let allow = response
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok());
    assert_eq!(allow, Some("https://app.example"));
}

#[tokio::test]
async fn a_refused_request_keeps_the_routers_explanation_when_the_document_shape_takes_it() {
    let mock = svix_auth_server::mock::serve()
        .await
        .expect("the mock starts");
    let url = format!("{}/api/v1/auth/app/app_1/create-message-token", mock.url());
    let invalid = reqwest::Client::new()
        .post(&url)
        .bearer_auth("testsk_mock")
        .json(&serde_json::json!({ "name": 3 }))
        .send()
        .await
        .expect("an answer");
    assert_eq!(invalid.status(), 422);
    let body: serde_json::Value = invalid.json().await.expect("JSON");
    assert_eq!(
        body["detail"][0]["loc"],
        serde_json::json!(["body", "name"]),
        "{body}"
    );
}
