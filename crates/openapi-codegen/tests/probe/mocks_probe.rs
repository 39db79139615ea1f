//! The mocks of the fixtures over HTTP: each fixture's router is built (axum refuses some path
//! templates at that point, so this proves every fixture's routes are ones axum takes), and the
//! canonical routes of `corpus_path_segments_axum_cannot_take` send each request to the
//! operation whose template it fits, with its parameters read from inside the segments.

use fixture_corpus_path_segments_axum_cannot_take_server as segments;

async fn get(router: axum::Router, path: &str) -> (u16, String) {
    let mock = openapi_server_runtime::mock::MockServer::start(router, "127.0.0.1:0")
        .await
        .expect("the mock starts");
    let url = format!("{}{path}", mock.url());
    let response = reqwest::get(&url).await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

fn router() -> axum::Router {
    segments::mock::router(segments::mock::Mock::new())
}

#[tokio::test]
async fn a_literal_after_a_parameter_picks_the_operation_that_writes_it() {
    let (status, body) = get(router(), "/specs/github.com/api.json").await;
    assert_eq!((status, body.as_str()), (200, r#"{"format":"json"}"#));
    let (status, body) = get(router(), "/specs/github.com/api.yaml").await;
    assert_eq!((status, body.as_str()), (200, r#"{"format":"yaml"}"#));
    let (status, _) = get(router(), "/specs/github.com/api.txt").await;
    assert_eq!(status, 404, "no template fits `api.txt`");
}

#[tokio::test]
async fn two_parameters_in_one_segment_are_read_and_validated_apart() {
    assert_eq!(get(router(), "/files/v2-tools.tar.gz").await.0, 204);
    let (status, body) = get(router(), "/files/v0-tools.tar.gz").await;
    assert_eq!(status, 422, "version below its minimum: {body}");
    assert!(body.contains("version"), "{body}");
    let (status, body) = get(router(), "/files/v2-TOOLS.tar.gz").await;
    assert_eq!(status, 422, "name breaks its pattern: {body}");
    assert!(body.contains("name"), "{body}");
}

#[tokio::test]
async fn one_position_named_twice_serves_both_operations() {
    assert_eq!(get(router(), "/genres/12/mix").await.0, 204);
    assert_eq!(get(router(), "/genres/jazz").await.0, 204);
    let (status, body) = get(router(), "/genres/x/mix").await;
    assert_eq!(status, 422, "`id` is an integer: {body}");
    assert_eq!(get(router(), "/genres/toolong").await.0, 422);
}
