// The mocks' XML answers (appended to `mocks_probe.rs` in the probe crate): XML written as the
// schemas' XML objects say, an XML alternative chosen by `Accept`; and the operations under the
// servers' base path.

mod xml_answers {
    use fixture_bodies_beyond_json_server as bodies;
    use quick_xml::events::Event;

    /// Status, media type and body of `GET path` on a fresh mock of `bodies_beyond_json`.
    async fn get(path: &str, prefer: Option<&str>, seed: u64) -> (u16, String, String) {
        get_accepting(path, prefer, None, seed).await
    }

    /// [`get`] with an `Accept` header.
    async fn get_accepting(
        path: &str,
        prefer: Option<&str>,
        accept: Option<&str>,
        seed: u64,
    ) -> (u16, String, String) {
        let router = bodies::mock::router(bodies::mock::Mock::with_seed(seed));
        let mock = openapi_server_runtime::mock::MockServer::start(router, "127.0.0.1:0")
            .await
            .expect("the mock starts");
        let mut request = reqwest::Client::new().get(format!("{}{path}", mock.url()));
        if let Some(prefer) = prefer {
            request = request.header("prefer", prefer);
        }
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.expect("an answer");
        super::status_media_text(response).await
    }

    /// The document's elements as `name[@attribute…]` in document order, checking that it is
    /// well-formed XML with one root.
    fn elements(xml: &str) -> Vec<String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().check_end_names = true;
        let (mut out, mut depth, mut roots) = (Vec::new(), 0, 0);
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    roots += usize::from(depth == 0);
                    depth += 1;
                    out.push(describe(&e));
                }
                Event::Empty(e) => {
                    roots += usize::from(depth == 0);
                    out.push(describe(&e));
                }
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(roots, 1, "one root element: {xml}");
        out
    }

    fn describe(e: &quick_xml::events::BytesStart<'_>) -> String {
        let mut text = e.name().into_inner().to_owned();
        for a in e.attributes() {
            let a = a.expect("an attribute");
            text.push_str(&format!("@{}", a.key.into_inner()));
        }
        text
    }

    #[tokio::test]
    async fn an_xml_answer_is_xml_named_as_the_schemas_xml_objects_say_for_every_seed() {
        for seed in 0..16 {
            let (status, media, body) = get("/pets/3", None, seed).await;
            assert_eq!((status, media.as_str()), (200, "application/xml"), "{body}");
            assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), "{body}");
            let names = elements(&body);
            assert_eq!(names[0], "pet@id", "the id is an attribute: {body}");
            assert!(names.contains(&"p:name@xmlns:p".to_owned()), "{body}");
            let tags = names.iter().position(|n| n == "tags").expect("wrapped tags");
            assert_eq!(names[tags + 1], "tag", "items named by their schema: {body}");
            assert!(names.iter().filter(|n| *n == "photoUrl").count() >= 2, "{body}");
            assert!(!names.contains(&"photoUrls".to_owned()), "unwrapped: {body}");
        }
    }

    #[tokio::test]
    async fn an_xml_error_and_a_root_list_are_xml_too() {
        let (status, media, body) = get("/pets/3", Some("code=404"), 0).await;
        assert_eq!((status, media.as_str()), (404, "text/xml"), "{body}");
        assert_eq!(elements(&body)[0], "problem@code", "{body}");
        let (status, media, body) = get("/pets/3/history", None, 0).await;
        assert_eq!((status, media.as_str()), (200, "application/atom+xml"), "{body}");
        let names = elements(&body);
        assert_eq!(names[0], "feed@xmlns", "{body}");
        assert!(names.len() >= 2 && names[1..].iter().all(|n| n == "entry"), "{body}");
    }

    #[tokio::test]
    async fn accept_picks_the_xml_a_response_offers_beside_json() {
        let (status, media, body) =
            get_accepting("/tags/a", None, Some("application/xml"), 0).await;
        assert_eq!((status, media.as_str()), (200, "application/xml"), "{body}");
        assert_eq!(elements(&body), ["tag", "label"], "{body}");
        let (_, media, json) = get_accepting("/tags/a", None, None, 0).await;
        assert_eq!(media, "application/json", "no Accept: the JSON answer");
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        let label = value["label"].as_str().expect("a label");
        assert!(body.contains(&format!("<label>{label}</label>")), "one value, two spellings: {body} {json}");
        for accept in ["application/json", "application/xml;q=0.5, application/json", "*/*"] {
            let (_, media, _) = get_accepting("/tags/a", None, Some(accept), 0).await;
            assert_eq!(media, "application/json", "Accept: {accept}");
        }
        let (_, media, _) =
            get_accepting("/tags/a", None, Some("application/json;q=0.2, application/*"), 0).await;
        assert_eq!(media, "application/xml", "the higher quality wins");
    }

    #[tokio::test]
    async fn operations_are_served_under_the_servers_base_path_too() {
        // The document's server is `https://bodies.example.com/api/v2`.
        let (status, media, _) = get("/api/v2/tags/a", None, 0).await;
        assert_eq!((status, media.as_str()), (200, "application/json"));
        let (status, media, _) = get("/api/v2/pets/3?x=1", None, 0).await;
        assert_eq!((status, media.as_str()), (200, "application/xml"));
        assert_eq!(get("/api/v2x/tags/a", None, 0).await.0, 404, "a prefix of a segment is no base path");
        assert_eq!(get("/api/v3/tags/a", None, 0).await.0, 404);
        // Validated as the operation it reaches, refused in its documented 404 (XML).
        let (status, _, body) = get("/api/v2/pets/x", None, 0).await;
        assert_eq!(status, 404, "{body}");
        assert!(body.contains("petId"), "{body}");
    }
}
