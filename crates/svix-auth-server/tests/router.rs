//! The generated router, built from a trivial implementation, over real HTTP on 127.0.0.1:0:
//! every operation is answered (through the generated client), and invalid requests are refused
//! with Svix-shaped bodies before the implementation is called.

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::{Value, json};
use svix_auth_client::operations::{ErrorBody, Operation};
use svix_auth_server::models::*;
use svix_auth_server::runtime::Bearer;
use svix_auth_server::*;

/// Answers every operation with a fixed success and records what it was given.
#[derive(Default)]
struct Fixed {
    calls: Mutex<Vec<String>>,
}

impl Fixed {
    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

fn portal_out() -> (String, AppPortalAccessOutUrl) {
    (
        "appsk_fixed".to_owned(),
        "https://portal.example/login#key=abc".parse().unwrap(),
    )
}

impl Api for Fixed {
    async fn v1_authentication_app_portal_access(
        &self,
        auth: Bearer,
        params: V1AuthenticationAppPortalAccessParams,
        body: AppPortalAccessIn,
    ) -> V1AuthenticationAppPortalAccessResponse {
        self.record(format!(
            "portal {} {} {:?} expiry={:?}",
            auth.token(),
            params.app_id,
            params.idempotency_key,
            body.expiry
        ));
        let (token, url) = portal_out();
        V1AuthenticationAppPortalAccessResponse::Ok(AppPortalAccessOut::new(token, url))
    }

    async fn v1_authentication_create_message_token(
        &self,
        _auth: Bearer,
        params: V1AuthenticationCreateMessageTokenParams,
        body: CreateMessageTokenIn,
    ) -> V1AuthenticationCreateMessageTokenResponse {
        self.record(format!("message-token {} {}", params.app_id, body.name));
        V1AuthenticationCreateMessageTokenResponse::Ok(
            AuthTokenOut::new(
                "2026-01-01T00:00:00Z"
                    .parse::<svix_auth_server::runtime::reexports::chrono::DateTime<
                        svix_auth_server::runtime::reexports::chrono::Utc,
                    >>()
                    .unwrap(),
                "key_1",
                "msg_token",
            )
            .with_name(body.name),
        )
    }

    async fn v1_authentication_expire_all(
        &self,
        _auth: Bearer,
        params: V1AuthenticationExpireAllParams,
        body: ApplicationTokenExpireIn,
    ) -> V1AuthenticationExpireAllResponse {
        self.record(format!("expire-all {} {:?}", params.app_id, body.expiry));
        V1AuthenticationExpireAllResponse::NoContent
    }

    async fn v1_authentication_dashboard_access(
        &self,
        _auth: Bearer,
        params: V1AuthenticationDashboardAccessParams,
    ) -> V1AuthenticationDashboardAccessResponse {
        self.record(format!("dashboard {}", params.app_id));
        let (token, url) = portal_out();
        V1AuthenticationDashboardAccessResponse::Ok(DashboardAccessOut::new(
            token,
            url.to_string().parse::<DashboardAccessOutUrl>().unwrap(),
        ))
    }

    async fn v1_authentication_logout(
        &self,
        _auth: Bearer,
        _params: V1AuthenticationLogoutParams,
    ) -> V1AuthenticationLogoutResponse {
        self.record("logout".into());
        V1AuthenticationLogoutResponse::Forbidden(HttpErrorOut::new(
            "forbidden",
            "only app tokens can log out",
        ))
    }

    async fn v1_authentication_exchange_one_time_token(
        &self,
        _auth: Bearer,
        _params: V1AuthenticationExchangeOneTimeTokenParams,
        body: OneTimeTokenIn,
    ) -> V1AuthenticationExchangeOneTimeTokenResponse {
        self.record(format!("exchange {}", body.one_time_token));
        V1AuthenticationExchangeOneTimeTokenResponse::Ok(OneTimeTokenOut::new("session"))
    }
}

struct Server {
    base: String,
    api: Arc<Fixed>,
}

async fn start() -> Server {
    let api = Arc::new(Fixed::default());
    let app = router(Arc::clone(&api));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum_serve(listener, app).await });
    Server { base, api }
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: svix_auth_server::runtime::reexports::axum::Router,
) {
    svix_auth_server::runtime::reexports::axum::serve(listener, app)
        .await
        .unwrap();
}

fn client(base: &str, token: &str) -> svix_auth_client::generated::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    svix_auth_client::generated::Client::new_with_client(base, http)
}

async fn raw(
    base: &str,
    method: reqwest::Method,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{base}{path}"));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_owned());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn generated_client_reaches_every_operation_through_the_generated_router() {
    let server = start().await;
    let c = client(&server.base, "org_token.eu");

    let out = c
        .v1_authentication_app_portal_access()
        .app_id("my-app")
        .idempotency_key("key-1")
        .body(AppPortalAccessIn::default())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    assert_eq!(out.token, "appsk_fixed");

    let out = c
        .v1_authentication_create_message_token()
        .app_id("my-app")
        .body(CreateMessageTokenIn::new("ci").with_expiry(60))
        .send()
        .await
        .unwrap();
    assert_eq!(out.name.as_deref(), Some("ci"));

    let out = c
        .v1_authentication_expire_all()
        .app_id("my-app")
        .body(ApplicationTokenExpireIn::new().with_expiry(0))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);

    let out = c
        .v1_authentication_dashboard_access()
        .app_id("app_123")
        .send()
        .await
        .unwrap();
    assert_eq!(out.token, "appsk_fixed");

    let out = c
        .v1_authentication_exchange_one_time_token()
        .body(OneTimeTokenIn::new("ott"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.token, "session");

    // Logout answers a documented 403: the error body is typed by its status.
    let err = c.v1_authentication_logout().send().await.unwrap_err();
    let svix_auth_client::generated::Error::ErrorResponse(resp) = err else {
        panic!("expected an error response, got {err:?}")
    };
    assert_eq!(resp.status(), 403);
    let typed = ErrorBody::decode(
        Operation::V1AuthenticationLogout,
        resp.status().as_u16(),
        resp.into_inner(),
    );
    assert!(
        matches!(typed, ErrorBody::HttpErrorOut(ref e) if e.code == "forbidden"),
        "{typed:?}"
    );

    let calls = server.api.calls.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            "portal org_token.eu my-app Some(\"key-1\") expiry=Some(604800)".to_owned(),
            "message-token my-app ci".into(),
            "expire-all my-app Some(0)".into(),
            "dashboard app_123".into(),
            "exchange ott".into(),
            "logout".into(),
        ],
        "each method received its typed, validated inputs (defaults applied)"
    );
}

#[tokio::test]
async fn invalid_app_id_is_refused_with_a_svix_shaped_422_typed_by_the_client() {
    let server = start().await;
    let c = client(&server.base, "org_token");
    let err = c
        .v1_authentication_app_portal_access()
        .app_id("bad id!")
        .body(AppPortalAccessIn::default())
        .send()
        .await
        .unwrap_err();
    let svix_auth_client::generated::Error::ErrorResponse(resp) = err else {
        panic!("expected an error response, got {err:?}")
    };
    assert_eq!(resp.status(), 422);
    let typed = ErrorBody::decode(
        Operation::V1AuthenticationAppPortalAccess,
        422,
        resp.into_inner(),
    );
    let ErrorBody::HttpValidationError(e) = typed else {
        panic!("422 must decode as HTTPValidationError: {typed:?}")
    };
    assert_eq!(e.detail.len(), 1);
    assert_eq!(e.detail[0].loc, vec!["path", "app_id"]);
    assert_eq!(e.detail[0].type_, "value_error.str.regex");
    assert!(
        server.api.calls.lock().unwrap().is_empty(),
        "the implementation is not called for invalid requests"
    );

    let (status, body) = raw(
        &server.base,
        reqwest::Method::POST,
        &format!("/api/v1/auth/dashboard-access/{}", "a".repeat(257)),
        Some("Bearer t"),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["path", "app_id"]));
    assert_eq!(body["detail"][0]["type"], "value_error.any_str.max_length");
}

#[tokio::test]
async fn body_constraints_are_checked_and_every_problem_is_listed() {
    let server = start().await;
    let path = "/api/v1/auth/app-portal-access/app1";
    let body = r#"{"expiry": 10, "featureFlags": ["a", "a", "bad flag"], "readOnly": "yes", "application": {"uid": "", "rateLimit": 0}}"#;
    let (status, got) = raw(
        &server.base,
        reqwest::Method::POST,
        path,
        Some("Bearer t"),
        Some(body),
    )
    .await;
    assert_eq!(status, 422);
    let locs: Vec<(Value, Value)> = got["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["loc"].clone(), d["type"].clone()))
        .collect();
    assert_eq!(
        locs,
        vec![
            (
                json!(["body", "application", "name"]),
                json!("value_error.missing")
            ),
            (
                json!(["body", "application", "uid"]),
                json!("value_error.any_str.min_length")
            ),
            (
                json!(["body", "application", "uid"]),
                json!("value_error.str.regex")
            ),
            (
                json!(["body", "application", "rateLimit"]),
                json!("value_error.number.not_ge")
            ),
            (
                json!(["body", "expiry"]),
                json!("value_error.number.not_ge")
            ),
            (
                json!(["body", "featureFlags"]),
                json!("value_error.list.unique_items")
            ),
            (
                json!(["body", "featureFlags", "2"]),
                json!("value_error.str.regex")
            ),
            (json!(["body", "readOnly"]), json!("type_error.bool")),
        ]
    );

    let (status, got) = raw(
        &server.base,
        reqwest::Method::POST,
        "/api/v1/auth/app/app1/create-message-token",
        Some("Bearer t"),
        Some(r#"{"name": "n", "expiry": 18446744073709551616}"#),
    )
    .await;
    assert_eq!(status, 422, "{got}");
    assert_eq!(got["detail"][0]["loc"], json!(["body", "expiry"]));

    let (status, got) = raw(
        &server.base,
        reqwest::Method::POST,
        "/api/v1/auth/one-time-token",
        Some("Bearer t"),
        Some("{\"oneTimeToken\": "),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(got["detail"][0]["type"], "value_error.jsondecode");

    let (status, got) = raw(
        &server.base,
        reqwest::Method::POST,
        "/api/v1/auth/one-time-token",
        Some("Bearer t"),
        None,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        got["detail"][0],
        json!({"loc": ["body"], "msg": "field required", "type": "value_error.missing"})
    );
    assert!(server.api.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn credentials_routes_methods_and_sizes_are_answered_as_http_error_out() {
    let server = start().await;
    let base = &server.base;
    let portal = "/api/v1/auth/app-portal-access/app1";
    for auth in [None, Some("Basic abc"), Some("Bearer"), Some("Bearer a b")] {
        let (status, body) = raw(base, reqwest::Method::POST, portal, auth, Some("{}")).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(body["code"], "authentication_failed");
        assert!(body["detail"].is_string());
    }
    let (status, body) = raw(
        base,
        reqwest::Method::POST,
        "/api/v1/nope",
        Some("Bearer t"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    let (status, body) = raw(base, reqwest::Method::GET, portal, Some("Bearer t"), None).await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::METHOD_NOT_ALLOWED, json!("method_not_allowed"))
    );
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (status, body) = raw(
        base,
        reqwest::Method::POST,
        "/api/v1/auth/app/app1/create-message-token",
        Some("Bearer t"),
        Some(&huge),
    )
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (StatusCode::PAYLOAD_TOO_LARGE, json!("payload_too_large"))
    );

    // Operations without a body accept a request with no body and no Content-Type, as SDKs send it.
    let (status, _) = raw(
        base,
        reqwest::Method::POST,
        "/api/v1/auth/dashboard-access/app1",
        Some("Bearer t"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}
