//! Runs inside the generated fixture workspace (see `compile_fixtures.rs`): the server generated
//! from `tests/fixtures/params.json` parses and validates path, query (enum, comma-separated
//! array, integer format bounds, date-time) and header parameters, and hands them over typed;
//! the generated client sends parameters whose Rust names collide, each under its own name, and
//! cookie parameters, which the router reads and validates.

use std::sync::Arc;

use openapi_server_runtime::reexports::axum;
use fixture_params_server::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Echo;

impl Api for Echo {
    async fn get_item(&self, params: GetItemParams) -> GetItemResponse {
        // Encodes what arrived, typed: item id, number of ids, limit, whether `since` parsed.
        let id = params.item_id * 1000 + params.ids.map_or(0, |i| i.len() as i64) * 100 + i64::from(params.limit.unwrap_or(0)) + params.since.map_or(0, |_| 1) * 10_000_000;
        assert_eq!(params.x_request_tag, "abc");
        GetItemResponse::Ok(fixture_params_models::Item::new(id))
    }
    async fn search(&self, params: SearchParams) -> SearchResponse {
        let summary = format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{}|{:?}|{:?}",
            params.max_results, params.max_results_2, params.tags, params.tags_2, params.x_trace, params.x_trace_2, params.session, params.page,
            params.filter.map(|f| serde_json::to_string(&f).unwrap()).unwrap_or_default(), params.ids, params.words
        );
        SearchResponse::Ok(fixture_params_models::Found::new(summary))
    }
    async fn list_reports(&self, params: ListReportsParams) -> ListReportsResponse {
        let summary = serde_json::to_string(&params.window).unwrap_or_default();
        ListReportsResponse::Ok(fixture_params_models::Found::new(summary))
    }
}

async fn get(addr: std::net::SocketAddr, target: &str, tag: Option<&str>) -> (u16, String) {
    let tag = tag.map(|t| format!("x-request-tag: {t}\r\n")).unwrap_or_default();
    get_with(addr, target, &tag).await
}

/// A GET of `target` with `headers` (`Name: value\r\n` lines) as written.
async fn get_with(addr: std::net::SocketAddr, target: &str, headers: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n").as_bytes()).await.unwrap();
    let mut buf = String::new();
    stream.read_to_string(&mut buf).await.unwrap();
    let status = buf.split(' ').nth(1).unwrap().parse().unwrap();
    let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn parameters_are_parsed_validated_and_typed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(Arc::new(Echo))).await });

    let (status, body) = get(addr, "/items/5?type=a&ids=x,y&limit=7&since=2026-01-01T00:00:00Z", Some("abc")).await;
    assert_eq!((status, body.as_str()), (200, r#"{"id":10005207}"#));

    // `/items/{item_id}` documents its bad requests as 400 `{"code", "detail"}` and no 422: each
    // problem is answered so, the router's explanation (`loc: msg`) in `detail`.
    let cases = [
        ("/items/0", Some("abc"), "path.item_id: ensure this value is greater than or equal to 1"),
        ("/items/x", Some("abc"), "path.item_id: value is not a valid integer"),
        ("/items/5?type=c", Some("abc"), "query.type: value is not a valid enumeration member"),
        ("/items/5?ids=ok,waytoolong", Some("abc"), "query.ids.1: ensure this value has at most"),
        ("/items/5?limit=251", Some("abc"), "query.limit: ensure this value is less than or equal to 250"),
        ("/items/5?limit=-1", Some("abc"), "query.limit: ensure this value is greater than or equal to"),
        ("/items/5?limit=1&limit=2", Some("abc"), "query.limit: expected a single value"),
        ("/items/5?since=yesterday", Some("abc"), "query.since: invalid datetime format"),
        ("/items/5", None, "header.x-request-tag: field required"),
        ("/items/5", Some("ABC"), "header.x-request-tag: string does not match regex"),
        // A required header sent empty holds the empty string.
        ("/items/5", Some(""), "header.x-request-tag: string does not match regex"),
    ];
    for (target, tag, explanation) in cases {
        let (status, body) = get(addr, target, tag).await;
        assert_eq!(status, 400, "{target}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["code"], "validation_error", "{target}: {body}");
        let detail = v["detail"].as_str().unwrap();
        assert!(detail.starts_with(explanation), "{target}: {body}");
    }
}

#[tokio::test]
async fn the_client_sends_parameters_whose_rust_names_collide() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(Arc::new(Echo))).await });
    let client = fixture_params_client::Client::builder("unused").server_url(&format!("http://{addr}")).build().unwrap();
    let options = fixture_params_client::SearchOptions::default()
        .max_results_2(7)
        .tags(vec!["a".to_owned(), "b".to_owned()])
        .tags_2(vec!["c".to_owned(), "d".to_owned()])
        .x_trace("t-1")
        .page(3)
        .filter(serde_json::from_value::<fixture_params_models::SearchFilter>(serde_json::json!({ "name": "a b&c", "age": 7 })).unwrap())
        .ids(vec![1, 2])
        .words(vec!["x".to_owned(), "y".to_owned()]);
    let found = client.search(5, "T-2".to_owned(), "s-1".to_owned(), Some(options)).await.unwrap();
    assert_eq!(
        found.summary,
        r#"5|Some(7)|Some(["a", "b"])|Some(["c", "d"])|Some("t-1")|T-2|s-1|Some(3)|{"age":7,"name":"a b&c"}|Some([1, 2])|Some(["x", "y"])"#,
        "every parameter arrived, each under its own name and style, cookies too"
    );
    let found = client.search(1, "x".to_owned(), "s".to_owned(), None).await.unwrap();
    assert_eq!(found.summary, "1|None|None|None|None|x|s|None||None|None");
    // A header sent empty, optional or required, holds the empty string (checked as such above).
    let (status, body) = get_with(addr, "/search?max_results=1", "x-trace: \r\nX_Trace: \r\nCookie: session=s\r\n").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#"1|None|None|None|Some(\"\")||s|"#), "{body}");
    // The router reads and validates cookies.
    let (status, body) = get(addr, "/search?max_results=1", None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("\"cookie\"") && body.contains("session"), "{body}");
    // An object in the query's default style: one pair per property, read as their types; the
    // `name[key]` pairs some clients write for it are read too.
    let (status, body) = get(addr, "/reports?from=3&tags=a&tags=b", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#"{\"from\":3,\"tags\":[\"a\",\"b\"]}"#), "{body}");
    let (status, body) = get(addr, "/reports?window%5Bfrom%5D=4", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#"\"from\":4"#), "{body}");
    let (status, body) = get(addr, "/reports?from=-1", None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(r#"["query","window","from"]"#), "{body}");
    let (status, body) = get(addr, "/reports", None).await;
    assert_eq!(status, 422, "a required object none of whose properties came: {body}");
    // deepObject members are read as their types and validated.
    let (status, body) = get(addr, "/search?max_results=1&filter%5Bage%5D=-1", None).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(r#"["query","filter","age"]"#), "{body}");
}
