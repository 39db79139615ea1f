//! Around a mock's router: the `Prefer` header each request carries (read by the engine through a
//! task-local), CORS (preflights answered), a log line per request with the answer chosen or the
//! violation refused, and [`MockServer`], a mock on a local port in one line.

use std::net::SocketAddr;
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::answers::Engine;
use super::refusals::Refused;
use super::request::{self, CURRENT, Current, Prefer};
use super::violations;

/// Violation text kept in a log line at most (a router's error body).
const LOGGED_BODY: usize = 16 * 1024;

/// `router` with what a mock needs around it: each request's `Prefer` header handed to the
/// engine, CORS for any origin (preflights answered before routing), and a `tracing` line per
/// request (target `mock`) with the status and the answer chosen, or the violation refused.
///
/// A request the router refuses is answered in the document's error shape where `engine`'s
/// operation documents one (the router's explanation in its message field). An `OPTIONS`
/// request that is no CORS preflight (no `Access-Control-Request-Method`) goes to the router,
/// which names the path's methods in `Allow`.
pub fn layer(router: axum::Router, engine: Engine) -> axum::Router {
    use tower::ServiceExt;
    let observed = router.layer(axum::middleware::from_fn_with_state(
        engine.clone(),
        observe,
    ));
    let with_cors = observed
        .clone()
        .layer(tower_http::cors::CorsLayer::very_permissive());
    axum::Router::new().fallback_service(tower::service_fn(move |mut request: Request| {
        // Served under the servers' base paths too (`/api/v3/pet/1`), where a client
        // configured with the server's URL sends it.
        if let Some(uri) = engine.spec_ok().and_then(|spec| {
            let path = spec.without_base_path(request.uri().path())?;
            let query = request
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            format!("{path}{query}").parse::<axum::http::Uri>().ok()
        }) {
            *request.uri_mut() = uri;
        }
        let through_cors = request.method() != axum::http::Method::OPTIONS
            || request
                .headers()
                .contains_key(axum::http::header::ACCESS_CONTROL_REQUEST_METHOD);
        let target = if through_cors {
            with_cors.clone()
        } else {
            observed.clone()
        };
        target.oneshot(request)
    }))
}

async fn observe(State(engine): State<Engine>, request: Request, next: Next) -> Response {
    let prefer = Prefer::from_headers(request.headers());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let current = Current {
        prefer,
        note: Mutex::new(Vec::new()),
        chosen: Mutex::new(None),
    };
    let inner = engine.clone();
    let (at_method, at_path) = (method.clone(), path.clone());
    let answered = CURRENT
        .scope(current, async move {
            let (request, held) = match inner.hold(request).await {
                Ok(held) => held,
                Err(why) => return Answered::Violation(StatusCode::BAD_REQUEST, why),
            };
            let (headers, uri) = (request.headers().clone(), request.uri().clone());
            let mut response = next.run(request).await;
            // Refused for what only the Rust types cannot hold: answered as the document allows.
            if request::chosen().is_none()
                && let Some(mark) = response.extensions().get::<crate::RouterRefusal>()
                && matches!(mark.shape, crate::RouterShape::Validation)
                && let Some(rescued) = inner.rescue(
                    at_method.as_str(),
                    &at_path,
                    &mark.body,
                    held.as_ref(),
                    &headers,
                    &uri,
                )
            {
                response = rescued;
            }
            let chosen = request::chosen();
            // The mock chose an answer (not a credential refusal), but the body breaks its
            // schema in a way only JSON Schema sees.
            if let (Some(chosen), Some(held)) = (chosen, &held)
                && !matches!(chosen.status.as_u16(), 401 | 403)
                && let Some(violation) = inner.violation(held)
            {
                return Answered::Violation(StatusCode::UNPROCESSABLE_ENTITY, violation);
            }
            // The chosen response's documented headers, when it is what was answered.
            if let Some(chosen) = chosen
                && chosen.status == response.status()
            {
                let headers = inner.headers(
                    chosen.operation,
                    chosen.response,
                    chosen.seed,
                    chosen.dynamic,
                );
                for (name, value) in headers {
                    if !response.headers().contains_key(&name) {
                        response.headers_mut().insert(name, value);
                    }
                }
            }
            // An XML type the response also offers, when `Accept` prefers it.
            if let Some(chosen) = chosen
                && chosen.status == response.status()
            {
                response = inner.negotiated(&chosen, &headers, response).await;
            }
            let notes = CURRENT
                .try_with(|c| c.note.lock().map(|n| n.join("; ")).unwrap_or_default())
                .unwrap_or_default();
            Answered::Response(response, notes)
        })
        .await;
    let (response, notes) = match answered {
        Answered::Response(response, notes) => (response, notes),
        Answered::Violation(status, violation) => {
            let mut response = match engine.refusal(&method, &path, status, &violation, None) {
                Some(refused) => refused_response(refused, &axum::http::HeaderMap::new()),
                None => crate::json_response(
                    status,
                    &serde_json::json!({ "code": "validation_error", "detail": violation }),
                ),
            };
            tracing::info!(
                target: "mock",
                "{method} {path} -> {} violation: {violation}",
                response.status().as_u16()
            );
            let found = [violations::violation(&["body"], "schema", &violation)];
            violations::attach(&mut response, violations::header(&found));
            return response;
        }
    };
    let status = response.status();
    if !notes.is_empty() {
        tracing::info!(target: "mock", "{method} {path} -> {} {notes}", status.as_u16());
        return response;
    }
    // Not answered by the mock: the router refused the request (a violation) or found no route.
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, 1 << 20).await {
        Ok(b) => b,
        Err(_) => axum::body::Bytes::new(),
    };
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(LOGGED_BODY)]).into_owned();
    // The router's mark (its explanation and own body, whatever shape the handler answered
    // in), else the body read back.
    let mark = parts.extensions.get::<crate::RouterRefusal>();
    let detail = mark
        .map(|m| m.detail.clone())
        .or_else(|| explanation(&bytes))
        .unwrap_or_else(|| shown.clone());
    let original = mark
        .map(|m| m.body.clone())
        .or_else(|| serde_json::from_slice(&bytes).ok());
    // Prism's header naming what was wrong, on every refusal of the router.
    let found = mark
        .filter(|_| status.is_client_error())
        .map(violations::of_refusal)
        .and_then(|v| violations::header(&v));
    if status.is_client_error()
        && let Some(refused) = engine.refusal(&method, &path, status, &detail, original.as_ref())
    {
        tracing::info!(
            target: "mock",
            "{method} {path} -> {} (documented for the refusal) violation: {shown}",
            refused.status.as_u16()
        );
        let mut response = refused_response(refused, &parts.headers);
        violations::attach(&mut response, found);
        return response;
    }
    tracing::info!(target: "mock", "{method} {path} -> {} violation: {shown}", status.as_u16());
    let mut response = Response::from_parts(parts, axum::body::Body::from(bytes));
    violations::attach(&mut response, found);
    response
}

/// What the router and the engine made of a request.
enum Answered {
    /// A response, and the engine's notes on it (none: the engine did not answer).
    Response(Response, String),
    /// The body breaks its schema (or could not be read): the status to refuse it with, and why.
    Violation(StatusCode, String),
}

/// The document's answer to a refused request, with the router's `WWW-Authenticate` and `Allow`
/// headers kept.
fn refused_response(refused: Refused, router_headers: &axum::http::HeaderMap) -> Response {
    let has_body = refused.body.is_some() || refused.text.is_some();
    let mut response = match (&refused.body, refused.text) {
        (Some(body), _) => crate::json_response(refused.status, body),
        (None, Some(text)) => axum::response::IntoResponse::into_response((refused.status, text)),
        (None, None) => axum::response::IntoResponse::into_response(refused.status),
    };
    if has_body && let Ok(media) = axum::http::HeaderValue::from_str(&refused.media) {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, media);
    }
    for (name, value) in refused.headers {
        response.headers_mut().insert(name, value);
    }
    for name in [
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::header::ALLOW,
    ] {
        if let Some(value) = router_headers.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

/// The text of a router error body: `detail` of `{"code", "detail"}`, or each problem of a
/// validation error (`body.expiry: …`).
fn explanation(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    match value.get("detail")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(problems) => Some(
            problems
                .iter()
                .map(|p| {
                    let at = violations::location(p);
                    format!(
                        "{}: {}",
                        at.join("."),
                        p.get("msg")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    }
}

/// Serves `router` (a mock's) on `addr` until Ctrl-C or SIGTERM, announcing where (for a
/// standalone mock process).
pub async fn run(router: axum::Router, addr: &str, title: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tracing::info!(target: "mock", "mock of {title} listening on http://{local}");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let interrupt = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut terminate =
                    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    {
                        Ok(s) => s,
                        Err(_) => {
                            let _ = interrupt.await;
                            return;
                        }
                    };
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            #[cfg(not(unix))]
            {
                let _ = interrupt.await;
            }
        })
        .await
}

/// A mock served on a local port until dropped.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl MockServer {
    /// Serves `router` (a mock's, already [`layer`]ed) on `addr` (`127.0.0.1:0` for a free
    /// port) from a background task; it stops when this value is dropped.
    pub async fn start(
        router: axum::Router,
        addr: impl tokio::net::ToSocketAddrs,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(target: "mock", "the mock server stopped: {e}");
            }
        });
        Ok(Self {
            addr,
            stop: Some(stop),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
