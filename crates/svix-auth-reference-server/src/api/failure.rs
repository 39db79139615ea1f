//! Why a request fails, and how each operation answers it: Svix's error bodies (`HttpErrorOut`,
//! `HttpValidationError`), 503 when the database cannot be reached, 500 otherwise.

use serde_json::json;
use svix_auth_models::*;
use svix_auth_server::runtime::reexports::axum::http::StatusCode;
use svix_auth_server::*;

use crate::store::StoreError;

/// Why a request fails; converted into each operation's response enum.
pub(super) enum Failure {
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    Invalid(Vec<&'static str>, String),
    /// The database cannot be reached right now (503, retry).
    Unavailable,
    Internal,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(detail) => Failure::Conflict(detail),
            other if other.is_unavailable() => {
                tracing::error!(error = %other, "database unavailable");
                Failure::Unavailable
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Failure::Internal
            }
        }
    }
}

/// A model that could not be built (a required field the document added is not set here): the
/// request fails with 500 rather than answering a body the document does not allow.
impl From<svix_auth_models::error::ConversionError> for Failure {
    fn from(e: svix_auth_models::error::ConversionError) -> Self {
        tracing::error!(error = %e, "a response model could not be built");
        Failure::Internal
    }
}

fn error(code: &str, detail: impl Into<String>) -> Result<HttpErrorOut, Failure> {
    Ok(HttpErrorOut::new(code, detail))
}

fn validation_error(loc: Vec<&'static str>, msg: String) -> Result<HttpValidationError, Failure> {
    let loc: Vec<String> = loc.into_iter().map(Into::into).collect();
    let detail = ValidationError::new(loc, msg, "value_error");
    Ok(HttpValidationError::new(vec![detail]))
}

fn unavailable() -> (StatusCode, serde_json::Value) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"code": "storage_unavailable", "detail": "the database cannot be reached right now; retry"}),
    )
}

fn internal_error() -> (StatusCode, serde_json::Value) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"code": "internal_error", "detail": "the server could not complete the request"}),
    )
}

macro_rules! failure_into {
    ($($ty:ty),* $(,)?) => {$(
        impl From<Failure> for $ty {
            fn from(f: Failure) -> Self {
                let answer = match f {
                    Failure::Unauthorized(d) => error("authentication_failed", d).map(Self::Unauthorized),
                    Failure::Forbidden(d) => error("forbidden", d).map(Self::Forbidden),
                    Failure::NotFound(d) => error("not_found", d).map(Self::NotFound),
                    Failure::Conflict(d) => error("conflict", d).map(Self::Conflict),
                    Failure::Invalid(loc, msg) => validation_error(loc, msg).map(Self::UnprocessableEntity),
                    Failure::Unavailable => {
                        let (status, body) = unavailable();
                        return Self::Undocumented(status, body);
                    }
                    Failure::Internal => Err(Failure::Internal),
                };
                answer.unwrap_or_else(|_| {
                    let (status, body) = internal_error();
                    Self::Undocumented(status, body)
                })
            }
        }
    )*};
}

failure_into!(
    V1AuthenticationAppPortalAccessResponse,
    V1AuthenticationCreateMessageTokenResponse,
    V1AuthenticationExpireAllResponse,
    V1AuthenticationDashboardAccessResponse,
    V1AuthenticationLogoutResponse,
    V1AuthenticationExchangeOneTimeTokenResponse,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::App;

    #[test]
    fn a_true_conflict_on_creation_answers_409_conflict() {
        // The store reports a uid that is another application's id as a conflict…
        let store = crate::store::SqliteStore::open(std::path::Path::new(":memory:")).unwrap();
        let app = App {
            id: "app_1".into(),
            uid: Some("u".into()),
            name: "n".into(),
        };
        store.get_or_create_app(&app, None, "{}", 0).unwrap();
        let err = store
            .get_or_create_app(
                &App {
                    id: "app_2".into(),
                    uid: Some("app_1".into()),
                    ..app
                },
                None,
                "{}",
                0,
            )
            .unwrap_err();
        // …which every operation answers as 409 `conflict`.
        let response: V1AuthenticationAppPortalAccessResponse = Failure::from(err).into();
        assert!(
            matches!(response, V1AuthenticationAppPortalAccessResponse::Conflict(ref e) if e.code == "conflict"),
            "{response:?}"
        );
    }

    #[test]
    fn storage_failures_answer_500_through_the_undocumented_variant() {
        let response: V1AuthenticationLogoutResponse = Failure::Internal.into();
        assert!(
            matches!(response, V1AuthenticationLogoutResponse::Undocumented(s, _) if s == StatusCode::INTERNAL_SERVER_ERROR)
        );
    }
}
