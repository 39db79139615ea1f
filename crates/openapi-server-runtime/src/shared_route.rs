//! A route several path templates share (canonical routes: `/deployments/{deployment}` and
//! `/deployments/{deployment}:rollback` are both `/deployments/{s7}`): a request's path resolves
//! to the most specific template it fits — the one with the most literal text in its parameter
//! segments, the first in document order among equals — and only that template's methods
//! answer it. Any other method gets 405 and `OPTIONS` 200, both with `Allow` naming exactly
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
    /// The methods of the most specific template the segments `raw` fit (`None`: none fits;
    /// the handlers then answer 404).
    fn methods(&self, raw: &RawPathParams) -> Option<&'static [&'static str]> {
        let mut best: Option<(usize, &'static [&'static str])> = None;
        for (template, methods) in self.0 {
            if !PathParams::matches(Some(raw), template) {
                continue;
            }
            let literal = literal_length(template);
            if best.is_none_or(|(length, _)| literal > length) {
                best = Some((literal, methods));
            }
        }
        best.map(|(_, methods)| methods)
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
    for &m in methods {
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

    fn router() -> axum::Router {
        let methods = axum::routing::get(|| async { "got" })
            .delete(|| async { "deleted" })
            .post(|| async { "posted" })
            .fallback(crate::method_not_allowed);
        axum::Router::new()
            .route(
                "/things/{s1}",
                methods.layer(axum::middleware::from_fn_with_state(
                    &ROUTE,
                    resolve_template,
                )),
            )
            .method_not_allowed_fallback(crate::method_not_allowed)
    }

    async fn send(method: Method, path: &str) -> (u16, String, String) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap_or_default();
        let response = router()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
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
}
