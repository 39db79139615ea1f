use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{ErrorShapes, in_document_shape, refusal};
use crate::{ValidationError, ValidationErrors};

/// Operation 0: 401 `{"error": {"message", "kind"}}` (message at most 16 characters), 400
/// `{"message"}`, 415 without a body, 413 as text of no media type, 409 as XML, 406 as plain
/// text. Operation 1: `default` takes the router's
/// `{"code", "detail"}`. Operation 2: only a 404 `{"message"}`. Operation 3: none.
const SHAPES: &str = r#"{
  "templates": [
    {"error": {"message": "x", "kind": "auth"}},
    {"message": "y"}
  ],
  "operations": [0, 1, 2, 3],
  "lists": [
    [
      {"status": "401", "kind": "json", "media": "application/problem+json", "template": 0,
       "message": ["error", "message"], "max": 16, "takes": []},
      {"status": "400", "kind": "json", "media": "application/json", "template": 1,
       "message": ["message"], "max": 1024, "takes": []},
      {"status": "415", "kind": "empty"},
      {"status": "413", "kind": "text"},
      {"status": "409", "kind": "text", "media": "application/xml"},
      {"status": "406", "kind": "binary", "media": "text/plain; charset=utf-8"}
    ],
    [
      {"status": "default", "kind": "json", "media": "application/json", "template": 1,
       "message": ["message"], "max": 1024, "takes": ["error"]}
    ],
    [
      {"status": "404", "kind": "json", "media": "application/json", "template": 1,
       "message": ["message"], "max": 1024, "takes": []}
    ],
    []
  ]
}"#;

static TABLE: ErrorShapes = ErrorShapes::new(SHAPES);

async fn json_of(response: Response) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    serde_json::from_slice(&bytes).expect("json")
}

fn challenged(detail: &str) -> Response {
    let mut response = refusal(StatusCode::UNAUTHORIZED, "authentication_failed", detail);
    response.headers_mut().append(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic"),
    );
    response
}

fn invalid() -> Response {
    ValidationErrors {
        detail: vec![ValidationError {
            loc: vec!["body".into(), "name".into()],
            msg: "field required".into(),
            r#type: "value_error.missing".into(),
        }],
    }
    .into_response()
}

#[tokio::test]
async fn a_refused_credential_answers_the_documented_401_template_with_the_explanation_cut_to_its_length()
 {
    let answer = in_document_shape(&TABLE, 0, challenged("credentials required: `key`"));
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    assert_eq!(answer.headers()[header::WWW_AUTHENTICATE], "Basic");
    assert_eq!(
        json_of(answer).await,
        json!({"error": {"message": "credentials requ", "kind": "auth"}})
    );
}

#[tokio::test]
async fn a_validation_failure_answers_the_documented_400_when_no_422_is_documented() {
    let answer = in_document_shape(&TABLE, 0, invalid());
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(answer).await,
        json!({"message": "body.name: field required"})
    );
}

#[tokio::test]
async fn a_documented_response_without_a_body_answers_its_status_with_the_explanation() {
    let refused = refusal(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "no",
    );
    let answer = in_document_shape(&TABLE, 0, refused);
    assert_eq!(answer.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(json_of(answer).await["detail"], "no");
}

#[tokio::test]
async fn a_text_or_bytes_error_body_answers_the_explanation_in_its_media_type() {
    let conflict = refusal(StatusCode::CONFLICT, "conflict", "a <b> & c");
    let answer = in_document_shape(&TABLE, 0, conflict);
    assert_eq!(answer.status(), StatusCode::CONFLICT);
    assert_eq!(answer.headers()[header::CONTENT_TYPE], "application/xml");
    let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
        .await
        .unwrap_or_default();
    assert_eq!(
        String::from_utf8_lossy(&body),
        r#"<?xml version="1.0" encoding="UTF-8"?><error>a &lt;b&gt; &amp; c</error>"#
    );
    let unacceptable = refusal(StatusCode::NOT_ACCEPTABLE, "not_acceptable", "no such type");
    let answer = in_document_shape(&TABLE, 0, unacceptable);
    assert_eq!(
        answer.headers()[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let body = axum::body::to_bytes(answer.into_body(), 1 << 16)
        .await
        .unwrap_or_default();
    assert_eq!(String::from_utf8_lossy(&body), "no such type");
}

#[tokio::test]
async fn a_text_error_body_of_no_media_type_or_an_unmarked_response_keeps_the_routers_answer() {
    let too_large = refusal(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "big");
    let answer = in_document_shape(&TABLE, 0, too_large);
    assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(json_of(answer).await["code"], "payload_too_large");

    let own = crate::error_response(StatusCode::UNAUTHORIZED, "mine", "implementation's own");
    let answer = in_document_shape(&TABLE, 0, own);
    assert_eq!(json_of(answer).await["code"], "mine");
}

#[tokio::test]
async fn a_schema_that_takes_the_routers_body_gets_it_unchanged() {
    let answer = in_document_shape(&TABLE, 1, challenged("credentials required"));
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(answer).await,
        json!({"code": "authentication_failed", "detail": "credentials required"})
    );
}

#[tokio::test]
async fn an_undocumented_failure_keeps_its_status_in_the_lowest_documented_shape() {
    let answer = in_document_shape(&TABLE, 2, challenged("credentials required"));
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(answer.headers()[header::WWW_AUTHENTICATE], "Basic");
    assert_eq!(
        json_of(answer).await,
        json!({"message": "credentials required"})
    );
}

#[tokio::test]
async fn an_operation_without_documented_errors_or_a_malformed_table_keeps_the_routers_answer() {
    let answer = in_document_shape(&TABLE, 3, invalid());
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(answer).await["detail"][0]["msg"], "field required");

    static BROKEN: ErrorShapes = ErrorShapes::new("{not json");
    let answer = in_document_shape(&BROKEN, 0, invalid());
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer = in_document_shape(&TABLE, 99, invalid());
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_mark_survives_the_rewrite_for_layers_around_the_router() {
    let answer = in_document_shape(&TABLE, 0, invalid());
    let mark = answer
        .extensions()
        .get::<super::RouterRefusal>()
        .expect("mark kept");
    assert_eq!(mark.detail, "body.name: field required");
    assert_eq!(mark.body["detail"][0]["loc"][1], "name");
}

#[tokio::test]
async fn a_validation_failure_answers_a_documented_code_and_detail_shape_with_its_explanation() {
    let answer = in_document_shape(&TABLE, 1, invalid());
    assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_of(answer).await,
        json!({"code": "validation_error", "detail": "body.name: field required"})
    );
}
