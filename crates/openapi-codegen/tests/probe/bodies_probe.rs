//! Runs inside the generated fixture workspace (see `compile_fixtures.rs`): the client generated
//! from `tests/fixtures/bodies_beyond_json.json` sends form, multipart, binary, text and XML
//! bodies to the server generated from it, whose implementation reports what it decoded; the
//! client reads bytes and text back byte for byte. Raw requests check what the router refuses.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use fixture_bodies_beyond_json_client::Client;
use fixture_bodies_beyond_json_models as models;
use fixture_bodies_beyond_json_server::*;
use openapi_client_runtime as crt;
use openapi_server_runtime as srt;
use srt::reexports::axum;
use srt::reexports::bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Default)]
struct Recorder {
    blobs: Mutex<HashMap<String, Bytes>>,
}

fn echo(summary: String) -> models::Echo {
    models::Echo::new(summary)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Api for Recorder {
    async fn create_message(&self, body: models::CreateMessageBody) -> CreateMessageResponse {
        CreateMessageResponse::Created(echo(serde_json::to_string(&body).unwrap()))
    }
    async fn upload_photo(&self, params: UploadPhotoParams, body: srt::Multipart) -> UploadPhotoResponse {
        let file = body.file("file").expect("the router checked it");
        let extra: Vec<String> = body
            .files("extra")
            .map(|f| format!("{}={}", f.file_name.clone().unwrap_or_default(), hex(&f.bytes)))
            .collect();
        UploadPhotoResponse::Ok(echo(format!(
            "{}|{}|{}|{}|{}|{}",
            params.pet_id,
            file.file_name.clone().unwrap_or_default(),
            file.content_type.clone().unwrap_or_default(),
            hex(&file.bytes),
            serde_json::Value::Object(body.fields().clone()),
            extra.join(",")
        )))
    }
    async fn get_blob(&self, params: GetBlobParams) -> GetBlobResponse {
        match self.blobs.lock().unwrap().get(&params.name) {
            Some(bytes) => GetBlobResponse::Ok(srt::RawBody::bytes(bytes.clone())),
            None => GetBlobResponse::NotFound(
                models::Problem::new("no such blob"),
            ),
        }
    }
    async fn put_blob(&self, params: PutBlobParams, body: srt::Binary) -> PutBlobResponse {
        self.blobs.lock().unwrap().insert(params.name, body.bytes);
        PutBlobResponse::NoContent
    }
    async fn create_note(&self, body: String) -> CreateNoteResponse {
        CreateNoteResponse::Ok(body.to_uppercase())
    }
    async fn create_order(&self, body: models::Order) -> CreateOrderResponse {
        CreateOrderResponse::Created(body)
    }
    async fn get_report(&self) -> GetReportResponse {
        GetReportResponse::Ok("a,b\n1,2\n".into())
    }
    async fn add_pet(&self, body: AddPetRequestBody) -> AddPetResponse {
        let summary = match body {
            AddPetRequestBody::ApplicationJson(order) => format!("json:{}", order.item),
            AddPetRequestBody::ApplicationXml(xml) => format!(
                "xml:{}:{}",
                xml.content_type.unwrap_or_default(),
                String::from_utf8_lossy(&xml.bytes)
            ),
            AddPetRequestBody::MultipartFormData(form) => format!(
                "multipart:{}:{}",
                form.field("item").and_then(|v| v.as_str()).unwrap_or_default(),
                hex(&form.file("photo").expect("checked").bytes)
            ),
            other => format!("unexpected: {other:?}"),
        };
        AddPetResponse::Ok(echo(summary))
    }
    async fn analyze_url(&self, body: models::AnalyzeUrlBody) -> AnalyzeUrlResponse {
        AnalyzeUrlResponse::Ok(echo(format!("url:{}", body.url)))
    }
    async fn analyze_stream(&self, body: srt::Binary) -> AnalyzeStreamResponse {
        AnalyzeStreamResponse::Ok(echo(format!("stream:{}", hex(&body.bytes))))
    }
    async fn list_things(&self, _params: ListThingsParams, body: models::Echo) -> ListThingsResponse {
        ListThingsResponse::Ok(echo(format!("list:{}", body.summary)))
    }
    async fn put_thing(&self, _params: PutThingParams, body: models::Echo) -> PutThingResponse {
        PutThingResponse::Ok(echo(format!("put:{}", body.summary)))
    }
    async fn get_pet(&self, params: GetPetParams) -> GetPetResponse {
        if params.pet_id == 404 {
            return GetPetResponse::NotFound("<problem code=\"404\"><message>no pet</message></problem>".into());
        }
        GetPetResponse::Ok(srt::RawBody::bytes(format!("<pet id=\"{}\"/>", params.pet_id).into_bytes()))
    }
    async fn get_tag(&self, params: GetTagParams) -> GetTagResponse {
        GetTagResponse::Ok(models::Tag::new(models::TagLabel::try_from(params.label).unwrap()))
    }
    async fn get_pet_history(&self, _params: GetPetHistoryParams) -> GetPetHistoryResponse {
        GetPetHistoryResponse::Ok(srt::RawBody::bytes(b"<feed><entry>home</entry></feed>".to_vec()))
    }
    async fn put_document(&self, body: Option<srt::Binary>) -> PutDocumentResponse {
        let summary = body.map_or("none".into(), |b| {
            format!("{}:{}", b.content_type.unwrap_or_default(), String::from_utf8_lossy(&b.bytes))
        });
        PutDocumentResponse::Accepted(echo(summary))
    }
}

async fn serve_with(options: srt::RouterOptions) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router_with_options(Arc::new(Recorder::default()), options);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn serve() -> String {
    serve_with(srt::RouterOptions::default()).await
}

/// A raw POST: status and body.
async fn raw_post(base: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn client(base: &str) -> Client {
    Client::builder().server_url(base).build().unwrap()
}

#[tokio::test]
async fn a_form_body_arrives_decoded_as_its_schema_types_per_encoding() {
    let base = serve().await;
    let meta: models::CreateMessageBodyMeta = models::CreateMessageBodyMeta::new().with_campaign("spring sale".to_owned()).with_retries(3);
    let body: models::CreateMessageBody = models::CreateMessageBody::new("Hello & welcome = 100%".parse::<models::CreateMessageBodyBody>().unwrap(), "+1 555 0199", "+1 555 0100".parse::<models::CreateMessageBodyTo>().unwrap()).with_media_url(vec!["https://a.example/1.png".to_owned(), "https://a.example/2.png".to_owned()]).with_ids(vec![7, 8]).with_priority(2).with_urgent(true).with_meta(meta);
    let echoed = client(&base).create_message(&body, None).await.unwrap();
    let decoded: serde_json::Value = serde_json::from_str(&echoed.summary).unwrap();
    assert_eq!(decoded, serde_json::to_value(&body).unwrap(), "the server decoded what was sent");

    // The router reads the form by the schema: a value of the wrong type, a missing field.
    let (status, answer) = raw_post(&base, "/messages", "application/x-www-form-urlencoded", b"To=a&From=b&Body=c&Priority=high").await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("\"Priority\""), "{answer}");
    let (status, answer) = raw_post(&base, "/messages", "application/x-www-form-urlencoded", b"To=a&Body=c").await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("\"From\""), "{answer}");
    // Any other content type is 415 naming the one declared.
    let (status, answer) = raw_post(&base, "/messages", "application/json", b"{}").await;
    assert_eq!(status, 415, "{answer}");
    assert!(answer.contains("application/x-www-form-urlencoded"), "{answer}");
}

#[tokio::test]
async fn multipart_files_and_fields_arrive_byte_for_byte_and_are_validated() {
    let base = serve().await;
    let png = vec![0x89, b'P', b'N', b'G', 0x00, 0xff, 0x0d, 0x0a];
    let streamed = srt::reexports::bytes::Bytes::from_static(b"\x01\x02");
    let chunks = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(streamed)]);
    let form = crt::Multipart::new()
        .file("file", crt::FilePart::bytes(png.clone()).file_name("cat.png"))
        .text("caption", "a cat")
        .text("rating", 4)
        .text("tags", "cute")
        .text("tags", "small")
        .json("meta", &serde_json::json!({ "source": "phone" }))
        .file("extra", crt::FilePart::bytes(vec![0u8, 1, 2]).file_name("a.bin"))
        .file("extra", crt::FilePart::stream(chunks).file_name("b.bin"));
    let echoed = client(&base).upload_photo(42, form, None).await.unwrap();
    let parts: Vec<&str> = echoed.summary.split('|').collect();
    assert_eq!(parts[0], "42");
    assert_eq!(parts[1], "cat.png");
    assert_eq!(parts[2], "image/png", "the document's encoding.contentType");
    assert_eq!(parts[3], hex(&png), "the file's bytes, unchanged");
    let fields: serde_json::Value = serde_json::from_str(parts[4]).unwrap();
    assert_eq!(
        fields,
        serde_json::json!({ "caption": "a cat", "rating": 4, "tags": ["cute", "small"], "meta": { "source": "phone" } }),
        "text read as the schema's types, the JSON part parsed"
    );
    assert_eq!(parts[5], "a.bin=000102,b.bin=0102", "an array of files, one streamed");

    // An object property's part sent without a `Content-Type` (as curl and most forms do):
    // OpenAPI's default for an object is JSON, so its JSON text is the object.
    let raw = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x01\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n{\"not\": \"an object\"}\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\n\r\n{\"source\": \"curl\"}\r\n--XyZ--\r\n";
    let (status, answer) =
        raw_post(&base, "/pets/5/photo", "multipart/form-data; boundary=XyZ", raw).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains(r#"\"meta\":{\"source\":\"curl\"}"#), "{answer}");
    assert!(answer.contains(r#"\"caption\":\"{\\\"not\\\": \\\"an object\\\"}\""#), "a string stays text: {answer}");

    // Validation: the required file, a field over its bounds.
    let no_file = crt::Multipart::new().text("caption", "x");
    let err = client(&base).upload_photo(1, no_file, None).await.unwrap_err();
    assert_eq!(err.status(), Some(422), "{err}");
    assert!(err.to_string().contains("file"), "{err}");
    let too_long = crt::Multipart::new()
        .file("file", crt::FilePart::bytes(vec![1]))
        .text("caption", "x".repeat(21))
        .text("rating", 9);
    let err = client(&base).upload_photo(1, too_long, None).await.unwrap_err();
    assert_eq!(err.status(), Some(422), "{err}");

    // Limits: more parts than allowed, a body over the size limit.
    let strict = serve_with(srt::RouterOptions::default().with_multipart_parts(2).with_body_limit(64)).await;
    let many = crt::Multipart::new()
        .file("file", crt::FilePart::bytes(vec![1]))
        .text("caption", "a")
        .text("tags", "b");
    let err = client(&strict).upload_photo(1, many, None).await.unwrap_err();
    assert_eq!(err.status(), Some(413), "{err}");
    let big = crt::Multipart::new()
        .file("file", crt::FilePart::bytes(vec![7u8; 200]))
        .text("caption", "a");
    let err = client(&strict).upload_photo(1, big, None).await.unwrap_err();
    assert_eq!(err.status(), Some(413), "{err}");
}

#[tokio::test]
async fn binary_bodies_go_up_and_come_back_byte_for_byte() {
    let base = serve().await;
    let c = client(&base);
    let every_byte: Vec<u8> = (0..=255u8).collect();
    c.put_blob("all", every_byte.clone(), None).await.unwrap();
    let download = c.get_blob("all", None).await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.content_type(), Some("application/octet-stream"));
    assert_eq!(download.bytes().await.unwrap().to_vec(), every_byte);

    // A streamed upload, read back as a stream.
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        vec![Ok(Bytes::from_static(b"chunk one, ")), Ok(Bytes::from_static(b"chunk two"))];
    c.put_blob("streamed", crt::BinaryBody::stream(futures_util::stream::iter(chunks)), None)
        .await
        .unwrap();
    let mut stream = std::pin::pin!(c.get_blob("streamed", None).await.unwrap().into_stream());
    let mut got = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(got, b"chunk one, chunk two");

    let err = c.get_blob("missing", None).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

#[tokio::test]
async fn xml_answers_and_xml_errors_reach_the_client_as_written() {
    let base = serve().await;
    let c = client(&base);
    let pet = c.get_pet(7, None).await.unwrap();
    assert_eq!(pet.content_type(), Some("application/xml"));
    assert_eq!(pet.text().await.unwrap(), "<pet id=\"7\"/>");
    let feed = c.get_pet_history(7, None).await.unwrap();
    assert_eq!(feed.content_type(), Some("application/atom+xml"));
    assert_eq!(feed.bytes().await.unwrap().as_ref(), b"<feed><entry>home</entry></feed>");
    let err = c.get_pet(404, None).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(format!("{err}").contains("no pet"), "the XML error's text is kept: {err}");
}

#[tokio::test]
async fn text_bodies_and_answers_keep_their_media_types() {
    let base = serve().await;
    let c = client(&base);
    let note = c.create_note("héllo wörld", None).await.unwrap();
    assert_eq!(note.content_type(), Some("text/plain"));
    assert_eq!(note.text().await.unwrap(), "HÉLLO WÖRLD");
    let err = c.create_note("x".repeat(101), None).await.unwrap_err();
    assert_eq!(err.status(), Some(422), "maxLength holds for text: {err}");
    let report = c.get_report(None).await.unwrap();
    assert_eq!(report.content_type(), Some("text/csv"));
    assert_eq!(report.text().await.unwrap(), "a,b\n1,2\n");
    let (status, _) = raw_post(&base, "/notes", "text/plain", &[0xff, 0xfe]).await;
    assert_eq!(status, 422, "text that is not UTF-8");
}

#[tokio::test]
async fn a_body_offered_as_json_and_form_is_accepted_as_either() {
    let base = serve().await;
    let order: models::Order = models::Order::new("tea", std::num::NonZeroU64::new(2).unwrap());
    let created = client(&base).create_order(&order, None).await.unwrap();
    assert_eq!(created, order);
    let (status, answer) = raw_post(&base, "/orders", "application/x-www-form-urlencoded", b"item=tea&quantity=3&gift=true").await;
    assert_eq!(status, 201, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer, serde_json::json!({ "item": "tea", "quantity": 3, "gift": true }));
    let (status, _) = raw_post(&base, "/orders", "application/x-www-form-urlencoded", b"item=tea&quantity=0").await;
    assert_eq!(status, 422, "minimum holds for form values");
    let (status, answer) = raw_post(&base, "/orders", "text/plain", b"tea").await;
    assert_eq!(status, 415);
    assert!(answer.contains("application/json") && answer.contains("application/x-www-form-urlencoded"), "{answer}");
}

#[tokio::test]
async fn an_untyped_media_type_travels_as_raw_bytes_with_its_content_type() {
    let base = serve().await;
    let c = client(&base);
    let echoed = c.put_document(Some(crt::BinaryBody::bytes("<doc/>")), None).await.unwrap();
    assert_eq!(echoed.summary, "application/xml:<doc/>");
    let echoed = c.put_document(None, None).await.unwrap();
    assert_eq!(echoed.summary, "none");
}

#[tokio::test]
async fn a_body_offered_in_several_media_types_has_a_call_per_media_type() {
    let base = serve().await;
    let c = client(&base);
    let order: models::Order = models::Order::new("tea", std::num::NonZeroU64::new(1).unwrap());
    assert_eq!(c.add_pet(&order, None).await.unwrap().summary, "json:tea");
    let xml = c
        .add_pet_with_application_xml("<order><item>tea</item></order>", None)
        .await
        .unwrap();
    assert_eq!(xml.summary, "xml:application/xml:<order><item>tea</item></order>");
    let form = crt::Multipart::new()
        .text("item", "tea")
        .file("photo", crt::FilePart::bytes(vec![9u8, 8]).file_name("tea.jpg"));
    let sent = c.add_pet_with_multipart_form_data(form, None).await.unwrap();
    assert_eq!(sent.summary, "multipart:tea:0908");
    // `text/json` with the same schema is read as JSON into the same variant.
    let (status, answer) = raw_post(&base, "/pets", "text/json", br#"{"item":"tea","quantity":2}"#).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("json:tea"), "{answer}");
    // Each media type is validated against its own schema.
    let no_photo = crt::Multipart::new().text("item", "tea");
    let err = c.add_pet_with_multipart_form_data(no_photo, None).await.unwrap_err();
    assert_eq!(err.status(), Some(422), "{err}");
    let (status, answer) = raw_post(&base, "/pets", "image/png", b"x").await;
    assert_eq!(status, 415, "{answer}");
    for media in ["application/json", "text/json", "application/xml", "multipart/form-data"] {
        assert!(answer.contains(media), "415 names {media}: {answer}");
    }
}

/// A server that also records each request's `Content-Type`.
async fn serve_recording() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let record = seen.clone();
    let app = router(Arc::new(Recorder::default())).layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let record = record.clone();
            async move {
                let ct = request
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                record.lock().unwrap().push(ct);
                next.run(request).await
            }
        },
    ));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn the_caller_can_send_a_json_body_as_the_form_the_document_also_offers() {
    let (base, seen) = serve_recording().await;
    let order: models::Order = models::Order::new("milk", std::num::NonZeroU64::new(4).unwrap()).with_gift(true);
    let created = client(&base)
        .create_order_with_application_x_www_form_urlencoded(&order, None)
        .await
        .unwrap();
    assert_eq!(created, order);
    assert_eq!(client(&base).create_order(&order, None).await.unwrap(), order);
    assert_eq!(
        *seen.lock().unwrap(),
        ["application/x-www-form-urlencoded", "application/json"],
        "each call sends its media type"
    );
}

#[tokio::test]
async fn overloads_of_one_path_reach_the_operation_whose_media_type_was_sent() {
    let base = serve().await;
    let c = client(&base);
    let body: models::AnalyzeUrlBody = serde_json::from_value(serde_json::json!({ "url": "https://x.example/cat.png" })).unwrap();
    assert_eq!(c.analyze_url(&body, None).await.unwrap().summary, "url:https://x.example/cat.png");
    assert_eq!(c.analyze_stream(vec![1u8, 2, 3], None).await.unwrap().summary, "stream:010203");
    let (status, answer) = raw_post(&base, "/analyze", "text/plain", b"x").await;
    assert_eq!(status, 415, "{answer}");
}

#[tokio::test]
async fn operations_sharing_a_path_are_told_apart_by_the_header_their_path_key_names() {
    let base = serve().await;
    let c = client(&base);
    let body = echo("x".into());
    // The header the document fixes to one value is sent by the call itself.
    let listed = c.list_things(&body, None).await.unwrap();
    assert_eq!(listed.summary, "list:x");
    let put = c.put_thing(&body, None).await.unwrap();
    assert_eq!(put.summary, "put:x");
}
