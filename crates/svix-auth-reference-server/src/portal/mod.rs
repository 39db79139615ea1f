//! The app portal page a magic link opens (`GET /app-portal/login#key=…`): static HTML, one
//! script and one stylesheet, embedded in the binary and served with strict security headers.
//! The page exchanges the link's one-time token itself; the fragment never reaches the server.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const LOGIN_HTML: &str = include_str!("login.html");
const PORTAL_JS: &str = include_str!("portal.js");
const PORTAL_CSS: &str = include_str!("portal.css");

/// The routes of the page under `/app-portal`; `api_origin` is where the page may send its
/// requests besides its own origin (the server URL its magic links name).
pub fn router(api_origin: &str) -> Router {
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' {api_origin}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    let csp = HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    let page = move |body: &'static str, content_type: &'static str, no_store: bool| {
        let csp = csp.clone();
        move || async move { asset(body, content_type, no_store, csp) }
    };
    Router::new()
        .route(
            "/app-portal/login",
            get(page(LOGIN_HTML, "text/html; charset=utf-8", true)),
        )
        .route(
            "/app-portal/portal.js",
            get(page(PORTAL_JS, "text/javascript; charset=utf-8", false)),
        )
        .route(
            "/app-portal/portal.css",
            get(page(PORTAL_CSS, "text/css; charset=utf-8", false)),
        )
}

fn asset(
    body: &'static str,
    content_type: &'static str,
    no_store: bool,
    csp: HeaderValue,
) -> Response {
    let cache = if no_store {
        "no-store"
    } else {
        "public, max-age=300"
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_SECURITY_POLICY, csp),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}
