//! A route several path templates share (canonical routes: `/deployments/{deployment}` and
//! `/deployments/{deployment}:rollback` are both `/deployments/{s7}`): a request's path resolves
//! to the most specific template it fits — the one with the most literal text in its parameter
//! segments — and only the methods of the templates that specific answer it. Any other method gets 405 and `OPTIONS` 200, both with `Allow` naming exactly
//! those methods (what axum's `Allow` does for a route of one template).

use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::extract::{PathParams, PathPart};

/// One template on a shared route: its parameter segments (as [`PathParams::templated`] takes
/// them) and the methods its operations have, upper case.
pub type RouteTemplate = (
    &'static [(&'static str, &'static [PathPart])],
    &'static [&'static str],
);

/// The templates sharing one route, in document order.
#[derive(Debug)]
pub struct SharedRoute(pub &'static [RouteTemplate]);

impl SharedRoute {
    /// The methods of the most specific templates the segments `raw` fit — every template of
    /// that specificity: `/documents/{document_id}` (GET) and `/documents/{inbox_id}` (POST)
    /// name one position twice — in document order (`None`: none fits; the handlers then
    /// answer 404).
    fn methods(&self, raw: &RawPathParams) -> Option<Vec<&'static str>> {
        let fitting = || {
            self.0
                .iter()
                .filter(|(template, _)| PathParams::matches(Some(raw), template))
        };
        let best = fitting().map(|(t, _)| literal_length(t)).max()?;
        let mut methods: Vec<&'static str> = Vec::new();
        for (_, of_template) in fitting().filter(|(t, _)| literal_length(t) == best) {
            for m in *of_template {
                if !methods.contains(m) {
                    methods.push(m);
                }
            }
        }
        Some(methods)
    }
}

fn literal_length(template: &[(&str, &[PathPart])]) -> usize {
    template
        .iter()
        .flat_map(|(_, parts)| parts.iter())
        .map(|part| match part {
            PathPart::Literal(text) => text.len(),
            PathPart::Param(_) => 0,
        })
        .sum()
}

/// Middleware of a shared route (`axum::middleware::from_fn_with_state(&ROUTE, rt::resolve_template)`,
/// layered over the route's methods and its own fallback, so that every method passes through
/// it): passes a request on when the template its path resolves to has its method (`HEAD` where
/// it has `GET`), else answers as described in the module documentation.
pub async fn resolve_template(
    State(route): State<&'static SharedRoute>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let raw =
        <RawPathParams as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
            .await;
    let request = Request::from_parts(parts, body);
    let Some(methods) = raw.ok().and_then(|raw| route.methods(&raw)) else {
        return next.run(request).await;
    };
    let method = request.method();
    let allowed = |m: &str| methods.contains(&m);
    if allowed(method.as_str()) || (method == Method::HEAD && allowed("GET")) {
        return next.run(request).await;
    }
    let mut names: Vec<&str> = Vec::new();
    for &m in &methods {
        names.push(m);
        if m == "GET" && !allowed("HEAD") {
            names.push("HEAD");
        }
    }
    let allow = HeaderValue::from_str(&names.join(",")).unwrap_or(HeaderValue::from_static(""));
    let mut response = if method == Method::OPTIONS {
        StatusCode::OK.into_response()
    } else {
        crate::method_not_allowed().await
    };
    response.headers_mut().insert(header::ALLOW, allow);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    static PLAIN: &[(&str, &[PathPart])] = &[("s1", &[PathPart::Param("id")])];
    static ROLLBACK: &[(&str, &[PathPart])] = &[(
        "s1",
        &[PathPart::Param("id"), PathPart::Literal(":rollback")],
    )];
    static ROUTE: SharedRoute = SharedRoute(&[(PLAIN, &["GET", "DELETE"]), (ROLLBACK, &["POST"])]);
    static INBOX: &[(&str, &[PathPart])] = &[("s1", &[PathPart::Param("inbox_id")])];
    static NAMED_TWICE: SharedRoute =
        SharedRoute(&[(PLAIN, &["GET", "DELETE"]), (INBOX, &["POST"])]);

    fn router() -> axum::Router {
        router_of(&ROUTE)
    }

    fn router_of(route: &'static SharedRoute) -> axum::Router {
        let methods = axum::routing::get(|| async { "got" })
            .delete(|| async { "deleted" })
            .post(|| async { "posted" })
            .fallback(crate::method_not_allowed);
        axum::Router::new()
            .route(
                "/things/{s1}",
                methods.layer(axum::middleware::from_fn_with_state(
                    route,
                    resolve_template,
                )),
            )
            .method_not_allowed_fallback(crate::method_not_allowed)
    }

    async fn send(method: Method, path: &str) -> (u16, String, String) {
        send_to(router(), method, path).await
    }

    async fn send_to(router: axum::Router, method: Method, path: &str) -> (u16, String, String) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap_or_default();
        let response = router.oneshot(request).await.unwrap_or_else(|e| match e {});
        let allow = response
            .headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap_or_default();
        (status, allow, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn a_path_answers_only_the_methods_of_the_most_specific_template_it_fits() {
        assert_eq!(send(Method::GET, "/things/7").await.0, 200);
        assert_eq!(send(Method::POST, "/things/7:rollback").await.2, "posted");
        let (status, allow, _) = send(Method::POST, "/things/7").await;
        assert_eq!((status, allow.as_str()), (405, "GET,HEAD,DELETE"));
        let (status, allow, _) = send(Method::GET, "/things/7:rollback").await;
        assert_eq!(
            (status, allow.as_str()),
            (405, "POST"),
            "`:rollback` is the rollback template's"
        );
        let (status, allow, _) = send(Method::OPTIONS, "/things/7").await;
        assert_eq!((status, allow.as_str()), (200, "GET,HEAD,DELETE"));
        let (status, allow, _) = send(Method::OPTIONS, "/things/7:rollback").await;
        assert_eq!((status, allow.as_str()), (200, "POST"));
        assert_eq!(send(Method::HEAD, "/things/7").await.0, 200);
        let (status, allow, _) = send(Method::PUT, "/things/7:rollback").await;
        assert_eq!(
            (status, allow.as_str()),
            (405, "POST"),
            "a method no template has"
        );
    }

    #[tokio::test]
    async fn templates_naming_one_position_twice_answer_each_others_methods() {
        let send = |method, path| send_to(router_of(&NAMED_TWICE), method, path);
        assert_eq!(send(Method::POST, "/things/0").await.2, "posted");
        assert_eq!(send(Method::GET, "/things/0").await.2, "got");
        let (status, allow, _) = send(Method::PUT, "/things/0").await;
        assert_eq!((status, allow.as_str()), (405, "GET,HEAD,DELETE,POST"));
    }
}
