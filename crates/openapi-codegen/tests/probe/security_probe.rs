//! Runs inside the generated fixture workspace (see `compile_fixtures.rs`): the client generated
//! from `tests/fixtures/security_schemes.json` authenticates with every scheme kind against the
//! server generated from it, which enforces each operation's requirement and hands the
//! credentials to the implementation — which echoes what it received.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fixture_security_schemes_client::Client;
use fixture_security_schemes_models::Echo;
use fixture_security_schemes_server::*;
use openapi_server_runtime::reexports::axum;
use openapi_server_runtime as srt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Recorder;

fn echo(who: String) -> Echo {
    Echo::new(who)
}

fn key(k: &srt::ApiKey) -> String {
    k.key().to_owned()
}

impl Api for Recorder {
    async fn get_default(&self, auth: srt::ApiKey) -> GetDefaultResponse {
        GetDefaultResponse::Ok(echo(format!("header:{}", key(&auth))))
    }
    async fn get_query(&self, auth: srt::ApiKey) -> GetQueryResponse {
        GetQueryResponse::Ok(echo(format!("query:{}", key(&auth))))
    }
    async fn get_cookie(&self, auth: srt::ApiKey) -> GetCookieResponse {
        GetCookieResponse::Ok(echo(format!("cookie:{}", key(&auth))))
    }
    async fn get_basic(&self, auth: srt::Basic) -> GetBasicResponse {
        GetBasicResponse::Ok(echo(format!("basic:{}:{}", auth.username(), auth.password())))
    }
    async fn get_bearer(&self, auth: srt::Bearer) -> GetBearerResponse {
        GetBearerResponse::Ok(echo(format!("bearer:{}", auth.token())))
    }
    async fn get_token(&self, auth: srt::HttpCredentials) -> GetTokenResponse {
        GetTokenResponse::Ok(echo(format!("{}:{}", auth.scheme(), auth.credentials())))
    }
    async fn get_oauth(&self, auth: srt::Bearer) -> GetOauthResponse {
        GetOauthResponse::Ok(echo(format!("oauth:{}", auth.token())))
    }
    async fn get_oidc(&self, auth: srt::Bearer) -> GetOidcResponse {
        GetOidcResponse::Ok(echo(format!("oidc:{}", auth.token())))
    }
    async fn get_both(&self, auth: srt::Presented) -> GetBothResponse {
        let header = auth.get("headerKey").and_then(srt::Credential::api_key).map(key);
        let basic = auth.get("basicAuth").and_then(srt::Credential::basic).map(|b| b.username().to_owned());
        GetBothResponse::Ok(echo(format!("both:{}:{}:{}", auth.alternative, header.unwrap_or_default(), basic.unwrap_or_default())))
    }
    async fn get_either(&self, auth: srt::Presented) -> GetEitherResponse {
        let what = match auth.alternative {
            0 => format!("query:{}", auth.get("queryKey").and_then(srt::Credential::api_key).map(key).unwrap_or_default()),
            _ => format!("bearer:{}", auth.get("bearerJwt").and_then(srt::Credential::bearer).map(|b| b.token().to_owned()).unwrap_or_default()),
        };
        GetEitherResponse::Ok(echo(format!("either:{what}")))
    }
    async fn get_public(&self, params: GetPublicParams) -> GetPublicResponse {
        let tags = params.x_tags.map(|t| format!(":{}", t.join("|"))).unwrap_or_default();
        GetPublicResponse::Ok(echo(format!("public{tags}")))
    }
    async fn get_optional(&self, auth: Option<srt::ApiKey>) -> GetOptionalResponse {
        GetOptionalResponse::Ok(echo(auth.map_or("anonymous".into(), |k| format!("header:{}", key(&k)))))
    }
}

async fn serve() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(Arc::new(Recorder))).await });
    format!("http://{addr}")
}

/// A raw GET: status, `WWW-Authenticate` values and body.
async fn raw_get(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, Vec<String>, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n").as_bytes()).await.unwrap();
    let mut buf = String::new();
    stream.read_to_string(&mut buf).await.unwrap();
    let status = buf.split(' ').nth(1).unwrap().parse().unwrap();
    let (head, body) = buf.split_once("\r\n\r\n").unwrap_or((&buf, ""));
    let challenges = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    (status, challenges, body.to_owned())
}

/// A token provider that hands out a new token each time it is asked.
struct Refreshing(AtomicUsize);

impl openapi_client_runtime::TokenProvider for Refreshing {
    fn token(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, openapi_client_runtime::Error>> + Send + '_>> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move { Ok(format!("refreshed-{n}")) })
    }
}

#[tokio::test]
async fn the_generated_client_authenticates_with_every_scheme_kind_against_the_generated_server() {
    let base = serve().await;
    let client = Client::builder()
        .server_url(&base)
        .header_key("hk-1")
        .query_key("qk 2&x")
        .cookie_key("ck-3")
        .basic_auth("ana", "p:ss")
        .bearer_jwt("jwt-4")
        .token_auth("tk-5")
        .oauth_provider(Refreshing(AtomicUsize::new(0)))
        .oidc("oidc-6")
        .build()
        .unwrap();
    let who = |r: Result<Echo, openapi_client_runtime::Error>| r.unwrap().who;
    assert_eq!(who(client.get_default(None).await), "header:hk-1", "the document's default");
    assert_eq!(who(client.get_query(None).await), "query:qk 2&x");
    assert_eq!(who(client.get_cookie(None).await), "cookie:ck-3");
    assert_eq!(who(client.get_basic(None).await), "basic:ana:p:ss");
    assert_eq!(who(client.get_bearer(None).await), "bearer:jwt-4");
    assert_eq!(who(client.get_token(None).await), "Token:tk-5");
    assert_eq!(who(client.get_oauth(None).await), "oauth:refreshed-1");
    assert_eq!(who(client.get_oauth(None).await), "oauth:refreshed-2", "asked before each call");
    assert_eq!(who(client.get_oidc(None).await), "oidc:oidc-6");
    assert_eq!(who(client.get_both(None).await), "both:0:hk-1:ana", "every scheme of the combination");
    assert_eq!(who(client.get_either(None).await), "either:query:qk 2&x", "the first alternative configured");
    assert_eq!(who(client.get_public(None).await), "public");
    let tags = fixture_security_schemes_client::GetPublicOptions::default().x_tags(vec!["a".to_owned(), "b c".to_owned()]);
    assert_eq!(who(client.get_public(Some(tags)).await), "public:a|b c", "a list header, comma-separated");
    assert_eq!(who(client.get_optional(None).await), "header:hk-1");

    // Only a bearer: the second alternative of `either` is used; `both` cannot be met.
    let bearer_only = Client::builder().server_url(&base).bearer_jwt("jwt-only").build().unwrap();
    assert_eq!(who(bearer_only.get_either(None).await), "either:bearer:jwt-only");
    assert_eq!(who(bearer_only.get_optional(None).await), "anonymous");
    let err = bearer_only.get_both(None).await.unwrap_err();
    assert!(matches!(err, openapi_client_runtime::Error::MissingCredentials(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("`headerKey` (`.header_key(…)`) and `basicAuth` (`.basic_auth(…)`)"), "{text}");
    assert!(!text.contains("jwt-only"), "{text}");
}

#[tokio::test]
async fn the_base_url_comes_from_the_servers_variables() {
    let base = serve().await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    let client = Client::builder()
        .server_scheme("http")
        .server_host("127.0.0.1")
        .server_port(port)
        .header_key("via-variables")
        .build()
        .unwrap();
    assert_eq!(client.server_url(), base);
    assert_eq!(client.get_default(None).await.unwrap().who, "header:via-variables");
    let default = Client::builder().build().unwrap();
    assert_eq!(default.server_url(), "https://api.example.com:443", "the variables' defaults");
    let relative = Client::builder().server_origin("http://127.0.0.1:9/").build().unwrap();
    assert_eq!(relative.server_url(), "http://127.0.0.1:9/relative/v1", "the relative server, resolved");
    let err = Client::builder().server_scheme("ftp").build().unwrap_err().to_string();
    assert!(err.contains("`ftp`") && err.contains("`https`, `http`"), "{err}");
}

#[tokio::test]
async fn nothing_is_sent_when_the_requirement_cannot_be_met() {
    // A listener that counts connections: a call failing for missing credentials opens none.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let client = Client::builder().server_url(&base).retries(0).build().unwrap();
    for _ in 0..3 {
        assert!(client.get_basic(None).await.is_err());
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(connections.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_generated_server_refuses_requests_without_the_credentials_it_requires() {
    let base = serve().await;
    for path in ["/default", "/query", "/cookie", "/basic", "/bearer", "/token", "/oauth", "/oidc", "/both", "/either"] {
        let (status, _, body) = raw_get(&base, path, &[]).await;
        assert_eq!(status, 401, "{path}: {body}");
        // `/oauth` documents its own 401 body (see the next test); the others document none.
        if path != "/oauth" {
            assert!(body.contains("authentication_failed"), "{path}: {body}");
        }
    }
    let (_, challenges, body) = raw_get(&base, "/basic", &[]).await;
    assert_eq!(challenges, ["Basic"]);
    assert!(body.contains("`basicAuth` (HTTP Basic)"), "{body}");
    let (_, challenges, _) = raw_get(&base, "/either", &[]).await;
    assert_eq!(challenges, ["Bearer"]);
    // Half of a combination is not enough; a malformed credential is refused.
    let (status, _, _) = raw_get(&base, "/both", &[("x-api-key", "k")]).await;
    assert_eq!(status, 401);
    let (status, _, body) = raw_get(&base, "/basic", &[("authorization", "Basic not-base64!")]).await;
    assert_eq!(status, 401, "{body}");
    // The wrong scheme or place does not count.
    let (status, _, _) = raw_get(&base, "/bearer", &[("authorization", "Token x")]).await;
    assert_eq!(status, 401);
    let (status, _, _) = raw_get(&base, "/query", &[("x-api-key", "k")]).await;
    assert_eq!(status, 401);
    // Public and optional operations serve anonymous calls.
    assert_eq!(raw_get(&base, "/public", &[]).await.0, 200);
    let (status, _, body) = raw_get(&base, "/optional", &[]).await;
    assert_eq!((status, body.as_str()), (200, r#"{"who":"anonymous"}"#));
    let (status, _, body) = raw_get(&base, "/default", &[("X-API-KEY", "case")]).await;
    assert_eq!((status, body.as_str()), (200, r#"{"who":"header:case"}"#), "header names are case-insensitive");
}

#[tokio::test]
async fn refusals_answer_in_the_error_shape_the_operation_documents() {
    let base = serve().await;
    // `/oauth` documents 401 as `{"error": {"message" (≤ 40 characters), "status": 401}}`, no
    // other field: the router's explanation goes in its message, cut to fit.
    let (status, challenges, body) = raw_get(&base, "/oauth", &[]).await;
    assert_eq!((status, challenges), (401, vec!["Bearer".to_owned()]), "{body}");
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["error"]["status"], 401, "{body}");
    let message = problem["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("missing `Authorization: Bearer"), "{body}");
    assert!(message.chars().count() <= 40, "{body}");
    assert_eq!(problem.as_object().unwrap().len(), 1, "{body}");
    assert_eq!(problem["error"].as_object().unwrap().len(), 2, "{body}");
    // `/public` documents its bad requests as 400 `{"message"}` and no 422: an invalid parameter
    // is answered so.
    let (status, _, body) = raw_get(&base, "/public?limit=11", &[]).await;
    assert_eq!(status, 400, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let message = answer["message"].as_str().unwrap();
    assert!(message.starts_with("query.limit: "), "{body}");
    assert_eq!(answer.as_object().unwrap().len(), 1, "{body}");
    // A documented 401 without a body keeps the router's explanation.
    let (status, _, body) = raw_get(&base, "/bearer", &[]).await;
    assert_eq!(status, 401);
    assert!(body.contains("authentication_failed") && body.contains("Bearer"), "{body}");
}

#[test]
fn the_scopes_each_operation_asks_are_handed_to_the_implementation_as_data() {
    assert_eq!(security::GET_OAUTH, &[&[("oauth", &["read"][..])][..]]);
    assert!(srt::granted(security::GET_OAUTH, |scheme, scope| scheme == "oauth" && scope == "read"));
    assert!(!srt::granted(security::GET_OIDC, |_, scope| scope == "read"));
}

#[tokio::test]
async fn no_secret_reaches_debug_output_or_errors() {
    let client = Client::builder()
        .server_url("http://127.0.0.1:9")
        .query_key("query-s3cret")
        .basic_auth("u", "basic-s3cret")
        .oidc("oidc-s3cret")
        .retries(0)
        .build()
        .unwrap();
    let debug = format!("{client:?}");
    assert!(!debug.contains("s3cret"), "{debug}");
    // A connection refused on a call carrying a key in its query string.
    let err = client.get_query(None).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cret"), "{text}");
}
