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

#[tokio::test]
async fn templates_differing_only_in_parameter_types_go_by_the_values() {
    let (status, body) = get(router(), "/icons/42").await;
    assert_eq!((status, body.as_str()), (200, r#"{"by":"id"}"#));
    let (status, body) = get(router(), "/icons/cat").await;
    assert_eq!((status, body.as_str()), (200, r#"{"by":"term"}"#), "not 422 for `id`");
    let (status, body) = get(router(), "/icons/%C3%A9t%C3%A9%20x").await;
    assert_eq!((status, body.as_str()), (200, r#"{"by":"term"}"#));
    let (status, body) = get(router(), "/icons/42/sizes/small").await;
    assert_eq!((status, body.as_str()), (200, r#"{"by":"size"}"#));
    let (status, body) = get(router(), "/icons/42/sizes/huge").await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"by":"label"}"#),
        "`huge` is no `size`: the string template takes it"
    );
}

/// Status, `Allow` and body of `method` `path` on the mock of the path-segments fixture.
async fn send_segments(method: reqwest::Method, path: &str) -> (u16, String) {
    let mock = openapi_server_runtime::mock::MockServer::start(router(), "127.0.0.1:0")
        .await
        .expect("the mock starts");
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", mock.url()))
        .send()
        .await
        .expect("an answer");
    let allow = response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status().as_u16(), allow)
}

#[tokio::test]
async fn custom_methods_answer_only_on_the_template_whose_literal_the_path_ends_with() {
    use reqwest::Method;
    assert_eq!(send_segments(Method::GET, "/jobs/7").await.0, 204);
    assert_eq!(send_segments(Method::DELETE, "/jobs/7").await.0, 204, "no literal: `{{job}}`");
    assert_eq!(send_segments(Method::POST, "/jobs/7:cancel").await.0, 204);
    assert_eq!(send_segments(Method::POST, "/jobs/7:run").await.0, 204);
    assert_eq!(send_segments(Method::POST, "/jobs/toolong:run").await.0, 422, "`job` of `:run` has at most 3 characters");
    let (status, allow) = send_segments(Method::POST, "/jobs/7").await;
    assert_eq!((status, allow.as_str()), (405, "GET,HEAD,DELETE"));
    let (status, allow) = send_segments(Method::GET, "/jobs/7:cancel").await;
    assert_eq!((status, allow.as_str()), (405, "POST"), "`7:cancel` is the cancel template's");
    let (status, allow) = send_segments(Method::OPTIONS, "/jobs/7").await;
    assert_eq!((status, allow.as_str()), (200, "GET,HEAD,DELETE"));
    let (status, allow) = send_segments(Method::OPTIONS, "/jobs/7:run").await;
    assert_eq!((status, allow.as_str()), (200, "POST"));
}

mod response_headers {
    use fixture_response_headers_server as headers;

    async fn start() -> openapi_server_runtime::mock::MockServer {
        let router = headers::mock::router(headers::mock::Mock::new());
        openapi_server_runtime::mock::MockServer::start(router, "127.0.0.1:0")
            .await
            .expect("the mock starts")
    }

    async fn get(mock: &openapi_server_runtime::mock::MockServer, prefer: Option<&str>) -> reqwest::Response {
        let mut request = reqwest::Client::new().get(format!("{}/items", mock.url()));
        if let Some(prefer) = prefer {
            request = request.header("prefer", prefer);
        }
        request.send().await.expect("an answer")
    }

    async fn answer(prefer: Option<&str>) -> reqwest::Response {
        get(&start().await, prefer).await
    }

    fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("`{name}` is sent: {:?}", response.headers()))
            .to_str()
            .expect("visible ASCII")
    }

    #[tokio::test]
    async fn every_documented_response_header_is_sent_valid_against_its_schema() {
        let response = answer(None).await;
        assert_eq!(response.status().as_u16(), 200);
        let remaining: u32 = header(&response, "x-rate-limit-remaining")
            .parse()
            .expect("an integer");
        assert!(remaining <= 100, "{remaining}");
        let id = header(&response, "x-request-id");
        assert!(
            id.len() == 12
                && id.starts_with("req_")
                && id[4..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{id}"
        );
        assert_eq!(header(&response, "x-next-cursor"), "c_0042", "its example");
        for tag in header(&response, "x-tags").split(',').filter(|t| !t.is_empty()) {
            assert!(tag == "a" || tag == "b", "{tag}");
        }
        let trace = header(&response, "x-trace");
        assert!(
            trace.len() == 36 && trace.matches('-').count() == 4,
            "a uuid through components.headers: {trace}"
        );
        let expires = header(&response, "x-expires");
        assert!(expires.contains('T'), "a date-time from `content`: {expires}");
        assert_eq!(
            header(&response, "content-type"),
            "application/json",
            "a documented Content-Type header is ignored"
        );
    }

    #[tokio::test]
    async fn another_chosen_response_gets_its_own_headers() {
        let response = answer(Some("code=404")).await;
        assert_eq!(response.status().as_u16(), 404);
        assert_eq!(header(&response, "x-problem"), "gone");
        assert!(response.headers().get("x-request-id").is_none());
    }

    /// A production implementation: each answer sets its documented headers as typed values.
    struct Real;

    impl headers::Api for Real {
        async fn list_items(&self) -> headers::ListItemsResponse {
            let h = headers::ListItemsOkHeaders::new(7, "req_abcdefgh".into(), "a-b-c".into())
                .with_x_tags(vec!["a".into(), "b".into()]);
            headers::ListItemsResponse::Ok(vec!["one".into()], h)
        }

        async fn create_item(&self) -> headers::CreateItemResponse {
            let h = headers::CreateItemCreatedHeaders::new().with_location("/items/9".into());
            headers::CreateItemResponse::CreatedWithHeaders(h)
        }

        async fn get_item(&self, params: headers::GetItemParams) -> headers::GetItemResponse {
            let body = serde_json::from_value(serde_json::json!({ "name": "n" })).expect("a body");
            match params.id.as_str() {
                "plain" => headers::GetItemResponse::Ok(body),
                "broken" => headers::GetItemResponse::OkWithHeaders(
                    body,
                    headers::GetItemOkHeaders::new().with_e_tag("line\nbreak".into()),
                ),
                _ => headers::GetItemResponse::OkWithHeaders(
                    body,
                    headers::GetItemOkHeaders::new()
                        .with_e_tag("\"v1\"".into())
                        .with_x_count(3)
                        .with_x_count_2("three".into()),
                ),
            }
        }
    }

    async fn real(method: reqwest::Method, path: &str) -> reqwest::Response {
        let router = headers::router(std::sync::Arc::new(Real));
        let server = openapi_server_runtime::mock::MockServer::start(router, "127.0.0.1:0")
            .await
            .expect("the server starts");
        reqwest::Client::new()
            .request(method, format!("{}{path}", server.url()))
            .send()
            .await
            .expect("an answer")
    }

    #[tokio::test]
    async fn a_production_implementation_sends_the_typed_headers_it_sets() {
        let listed = real(reqwest::Method::GET, "/items").await;
        assert_eq!(listed.status().as_u16(), 200);
        assert_eq!(header(&listed, "x-rate-limit-remaining"), "7");
        assert_eq!(header(&listed, "x-request-id"), "req_abcdefgh");
        assert_eq!(header(&listed, "x-trace"), "a-b-c");
        assert_eq!(header(&listed, "x-tags"), "a,b", "an array in the simple style");
        assert!(listed.headers().get("x-next-cursor").is_none(), "unset: not sent");
        let created = real(reqwest::Method::POST, "/items").await;
        assert_eq!(created.status().as_u16(), 201);
        assert_eq!(header(&created, "location"), "/items/9", "a response without a body");
    }

    #[tokio::test]
    async fn optional_only_headers_keep_the_plain_variant_beside_the_headed_one() {
        let plain = real(reqwest::Method::GET, "/items/plain").await;
        assert_eq!(plain.status().as_u16(), 200);
        assert!(plain.headers().get("etag").is_none());
        let headed = real(reqwest::Method::GET, "/items/x").await;
        assert_eq!(header(&headed, "etag"), "\"v1\"");
        // `X-Count` and `X_Count` are two headers with one snake-case name: two fields.
        assert_eq!(header(&headed, "x-count"), "3");
        assert_eq!(header(&headed, "x_count"), "three");
    }

    #[tokio::test]
    async fn a_header_value_no_header_can_carry_answers_500_naming_it() {
        let broken = real(reqwest::Method::GET, "/items/broken").await;
        assert_eq!(broken.status().as_u16(), 500);
        let body = broken.text().await.unwrap_or_default();
        assert!(body.contains("ETag") && body.contains("response_header_unsendable"), "{body}");
    }

    #[tokio::test]
    async fn the_mock_answers_optional_only_headers_through_the_headed_variant() {
        let mock = start().await;
        let response = reqwest::get(format!("{}/items/abc", mock.url())).await.expect("an answer");
        assert_eq!(response.status().as_u16(), 200);
        let count: u64 = header(&response, "x-count").parse().expect("an integer ≥ 0");
        let _ = count;
        assert!(!header(&response, "etag").is_empty());
        let created = reqwest::Client::new()
            .post(format!("{}/items", mock.url()))
            .send()
            .await
            .expect("an answer");
        assert_eq!(created.status().as_u16(), 201);
        assert!(!header(&created, "location").is_empty());
    }

    #[tokio::test]
    async fn dynamic_answers_vary_header_values_within_their_schemas() {
        let mock = start().await;
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..6 {
            let response = get(&mock, Some("dynamic=true")).await;
            let remaining: u32 = header(&response, "x-rate-limit-remaining")
                .parse()
                .expect("an integer");
            assert!(remaining <= 100);
            seen.insert(header(&response, "x-request-id").to_owned());
        }
        assert!(seen.len() > 1, "{seen:?}");
    }
}

/// One request to a fresh mock of `json_schema_semantics` (a JSON `body`, a `Prefer` header),
/// with the mock (it stops when dropped: keep it until the answer is read).
async fn semantics_request(
    method: reqwest::Method,
    path: &str,
    prefer: Option<&str>,
    body: Option<&str>,
) -> (openapi_server_runtime::mock::MockServer, reqwest::Response) {
    use fixture_json_schema_semantics_server as semantics;
    let router = semantics::mock::router(semantics::mock::Mock::new());
    let mock = openapi_server_runtime::mock::MockServer::start(router, "127.0.0.1:0")
        .await
        .expect("the mock starts");
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", mock.url()));
    if let Some(prefer) = prefer {
        request = request.header("prefer", prefer);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("an answer");
    (mock, response)
}

/// Its status and text.
async fn semantics_answer(
    method: reqwest::Method,
    path: &str,
    body: Option<&str>,
) -> (u16, String) {
    let (_mock, response) = semantics_request(method, path, None, body).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

mod json_schema_semantics {
    use super::semantics_answer;

    async fn send(method: reqwest::Method, path: &str, body: &str) -> (u16, String) {
        semantics_answer(method, path, Some(body)).await
    }

    async fn post(path: &str, body: &str) -> (u16, String) {
        send(reqwest::Method::POST, path, body).await
    }

    #[tokio::test]
    async fn a_body_matching_two_one_of_branches_is_refused_in_the_documents_error_shape() {
        // `{"cursor": "c"}` is a Cursor and, with `cursor` unknown to it, a Window too.
        let (status, body) = post("/events", r#"{"cursor": "c"}"#).await;
        assert_eq!(status, 400, "{body}");
        let problem: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let message = problem["Error"]["Message"].as_str().expect("the message field, one level down");
        assert!(message.contains("more than one"), "{message}");
        // One branch only: answered.
        let (status, body) = post("/events", r#"{"since": "2026-01-01T00:00:00Z"}"#).await;
        assert_eq!(status, 200, "{body}");
    }

    #[tokio::test]
    async fn a_discriminated_one_of_checks_the_body_against_the_branch_it_names() {
        // Both branches share a base and take each other's bodies: plain `oneOf` would refuse all.
        let (status, body) = post("/reports", r#"{"product": "SmsReport", "from": "a", "segments": 2}"#).await;
        assert_eq!(status, 200, "named by its component: {body}");
        let (status, body) = post("/reports", r#"{"product": "call", "from": "a", "seconds": 5}"#).await;
        assert_eq!(status, 200, "named through the mapping: {body}");
        let (status, body) = post("/reports", r#"{"product": "call", "from": "a", "seconds": -1}"#).await;
        assert_eq!(status, 400, "the named branch's constraints hold: {body}");
        let (status, body) = post("/reports", r#"{"product": "SmsReport", "from": "a", "segments": 0}"#).await;
        assert_eq!(status, 400, "{body}");
        let (status, body) = post("/reports", r#"{"product": "fax", "from": "a"}"#).await;
        assert_eq!(status, 400, "with a mapping, a value naming no schema is refused: {body}");
        let (status, body) = post("/reports", r#"{"product": "CallReport", "from": "a", "seconds": 5}"#).await;
        assert_eq!(status, 200, "a mapped branch answers to its component's name too: {body}");
    }

    #[tokio::test]
    async fn a_number_with_a_fraction_or_an_exponent_is_no_integer_in_openapi_3_0() {
        // JSON Schema draft 4/5: an integer is written without a fraction or an exponent.
        let (status, body) = post("/reports", r#"{"product": "call", "from": "a", "seconds": 5}"#).await;
        assert_eq!(status, 200, "{body}");
        for written in ["5.0", "5e0", "3.928283110088006e+16", "5.5"] {
            let request = format!(r#"{{"product": "call", "from": "a", "seconds": {written}}}"#);
            let (status, body) = post("/reports", &request).await;
            assert_eq!(status, 400, "{written}: {body}");
            assert!(body.contains("integer"), "{written}: {body}");
        }
    }

    #[tokio::test]
    async fn an_integer_beyond_64_bits_is_answered_where_any_integer_is_valid() {
        let body = r#"{"count": 1}"#;
        let (status, answer) = post("/events?limit=123456789012345678901234567890", body).await;
        assert_eq!(status, 200, "no bounds: any integer is valid: {answer}");
        let (status, answer) = post("/events?page=123456789012345678901234567890", body).await;
        assert_eq!(status, 400, "bounded: the router's refusal stands: {answer}");
        let (status, answer) = post("/events?offset=123456789012345678901234567890", body).await;
        assert_eq!(status, 200, "only a minimum: any larger integer is valid: {answer}");
        let (status, answer) = post("/events?offset=10000000000000000000", body).await;
        assert_eq!(status, 200, "beyond i64, within u64: {answer}");
        let (status, answer) = post("/events?offset=-123456789012345678901234567890", body).await;
        assert_eq!(status, 400, "below the minimum: {answer}");
        let (status, answer) = post("/events?limit=1.5", body).await;
        assert_eq!(status, 400, "not an integer: {answer}");
        let (status, answer) = post("/events?limit=-", body).await;
        assert_eq!(status, 400, "a sign alone is not an integer: {answer}");
        let (status, answer) = post("/events?ratio=1e39", body).await;
        assert_eq!(status, 200, "beyond single precision, valid for the document: {answer}");
        let (status, answer) = post("/events?ratio=1.5", body).await;
        assert_eq!(status, 200, "{answer}");
        // In the body too: `count` has no bounds.
        let (status, answer) = post("/events", r#"{"count": 123456789012345678901234567890}"#).await;
        assert_eq!(status, 200, "{answer}");
    }

    #[tokio::test]
    async fn a_non_object_is_answered_where_the_schema_has_properties_but_no_type() {
        for body in ["true", "12", r#""text""#, "[1]", r#"{"text": "hello"}"#] {
            let (status, answer) = send(reqwest::Method::PUT, "/notes", body).await;
            assert_eq!(status, 204, "{body}: {answer}");
        }
        let (status, _) = send(reqwest::Method::PUT, "/notes", r#"{"text": 5}"#).await;
        assert_eq!(status, 422, "a property of the wrong type is still refused");
        let (status, _) = send(reqwest::Method::PUT, "/notes", "").await;
        assert_eq!(status, 422, "the body is required");
    }
}

mod json_schema_semantics_more {
    use super::semantics_answer as call;

    #[tokio::test]
    async fn an_absent_recursive_property_is_left_out_not_written_null() {
        let (status, body) = call(reqwest::Method::GET, "/categories", None).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"root\""), "{body}");
        assert!(!body.contains("null"), "`parent` is an object when present: {body}");
        // `Picture.image` is typify's `Box<Option<Picture>>` (recursive through `allOf`).
        let (status, body) = call(reqwest::Method::GET, "/things", None).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("example.com"), "{body}");
        assert!(!body.contains("null"), "`image` is an object when present: {body}");
    }

    #[tokio::test]
    async fn a_real_violation_beside_a_wide_integer_keeps_the_refusal() {
        let wide = r#"{"count": 123456789012345678901234567890, "size": 2147483648}"#;
        let (status, body) = call(reqwest::Method::POST, "/events", Some(wide)).await;
        assert_eq!(status, 400, "`size` is beyond int32: {body}");
        let fits = r#"{"count": 123456789012345678901234567890, "size": 2147483647}"#;
        let (status, body) = call(reqwest::Method::POST, "/events", Some(fits)).await;
        assert_eq!(status, 200, "{body}");
    }
}

mod violations_header {
    async fn violations(path: &str, body: &str) -> (u16, serde_json::Value) {
        let (_mock, response) =
            super::semantics_request(reqwest::Method::POST, path, None, Some(body)).await;
        let status = response.status().as_u16();
        let header = response
            .headers()
            .get("sl-violations")
            .map(|v| serde_json::from_slice(v.as_bytes()).expect("JSON"))
            .unwrap_or(serde_json::Value::Null);
        (status, header)
    }

    #[tokio::test]
    async fn refusals_name_their_violations_in_prisms_header() {
        let (status, found) = violations("/events?limit=x", r#"{"count": 1}"#).await;
        assert_eq!(status, 400);
        assert_eq!(found[0]["location"], serde_json::json!(["query", "limit"]), "{found}");
        assert_eq!(found[0]["severity"], "Error");
        let (status, found) = violations("/events", r#"{"cursor": "c"}"#).await;
        assert_eq!(status, 400);
        assert_eq!(found[0]["location"], serde_json::json!(["body"]), "{found}");
        assert!(found[0]["message"].as_str().is_some_and(|m| m.contains("oneOf")), "{found}");
        let (status, found) = violations("/events", r#"{"since": "2026-01-01T00:00:00Z"}"#).await;
        assert_eq!((status, found), (200, serde_json::Value::Null), "none on an answer");
    }
}

/// A response's status, `Content-Type` and body text.
async fn status_media_text(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, media, response.text().await.unwrap_or_default())
}

mod any_media_type {
    async fn get(prefer: Option<&str>) -> (u16, String, String) {
        let (_mock, response) =
            super::semantics_request(reqwest::Method::GET, "/profile", prefer, None).await;
        super::status_media_text(response).await
    }

    #[tokio::test]
    async fn an_answer_for_any_media_type_is_json_text_or_bytes_by_its_schema() {
        let (status, media, body) = get(None).await;
        assert_eq!((status, media.as_str()), (200, "application/json"), "{body}");
        let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(value["name"], "root");
        let (status, media, _) = get(Some("code=404")).await;
        assert_eq!((status, media.as_str()), (404, "application/octet-stream"));
        let (status, media, body) = get(Some("code=400")).await;
        assert_eq!((status, media.as_str(), body.as_str()), (400, "text/plain", "bad profile"));
    }
}

mod openapi_3_1_numbers {
    use fixture_v31_exclusive_bounds_server as bounds;

    async fn post(body: &str) -> (u16, String) {
        let router = bounds::mock::router(bounds::mock::Mock::new());
        let mock = openapi_server_runtime::mock::MockServer::start(router, "127.0.0.1:0")
            .await
            .expect("the mock starts");
        let response = reqwest::Client::new()
            .post(format!("{}/things", mock.url()))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    #[tokio::test]
    async fn a_number_with_a_zero_fraction_is_the_integer_it_is_in_openapi_3_1() {
        // JSON Schema 2020-12: `5.0` and `5e0` are the integer 5 (`level`: 0 < level <= 10).
        for written in ["5", "5.0", "5e0", "10.0"] {
            let (status, body) = post(&format!(r#"{{"level": {written}}}"#)).await;
            assert_eq!(status, 200, "{written}: {body}");
        }
        for written in ["5.5", "0.0", "1.1e1"] {
            let (status, body) = post(&format!(r#"{{"level": {written}}}"#)).await;
            assert_eq!(status, 422, "{written}: {body}");
        }
    }
}
