//! Real documents of the APIs.guru corpus whose operations take bodies beyond JSON, generated,
//! compiled and round-tripped: a probe crate serves each generated router over an
//! implementation that reports what it decoded, and calls it through the generated client.
//! - a form (`application/x-www-form-urlencoded`, Twilio Flex `CreateWebChannel`, HTTP Basic);
//! - a multipart upload answered with a PDF download (pdfblocks `addPasswordV1`, API key);
//! - an `application/octet-stream` upload (Azure Computer Vision `RecognizeTextInStream`, API key
//!   header, a query parameter beside the body).
//!
//! Needs the corpus (`cargo xtask corpus` fetches it into `target/corpus`; `CORPUS_DIR` names
//! another `api/` directory). `--ignored`: run by CI after the corpus step.

mod support;

use quote::{format_ident, quote};

/// One document: its file, the crate prefix, the implementation's overrides and the test body.
struct Case {
    file: &'static str,
    prefix: &'static str,
    overrides: Vec<(&'static str, proc_macro2::TokenStream)>,
    test: proc_macro2::TokenStream,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            file: "twilio.com/twilio_flex_v2.json",
            prefix: "corpus-form",
            overrides: vec![(
                "create_web_channel",
                quote! {
                    let seen = format!("{}|{}", auth.username(), serde_json::to_string(&body).unwrap());
                    CreateWebChannelResponse::Undocumented(StatusCode::IM_A_TEAPOT, serde_json::json!({ "code": "echo", "detail": seen }))
                },
            )],
            test: quote! {
                let sent = serde_json::json!({
                    "AddressSid": "IG0123",
                    "ChatFriendlyName": "Chat & more = 100%",
                    "CustomerFriendlyName": "Ana",
                    "PreEngagementData": "{\"topic\":\"billing\"}"
                });
                let options = client::CreateWebChannelOptions::default()
                    .body(serde_json::from_value::<models::CreateWebChannelBody>(sent.clone()).unwrap());
                let c = client::Client::builder().server_url(&base).account_sid_auth_token("AC1", "secret").retries(0).build().unwrap();
                let err = c.create_web_channel(Some(options)).await.unwrap_err();
                assert_eq!(err.status(), Some(418), "{err}");
                let detail = err.to_string();
                let (user, form) = echo(&detail).split_once('|').unwrap();
                assert_eq!(user, "AC1");
                assert_eq!(serde_json::from_str::<serde_json::Value>(form).unwrap(), sent, "the form arrived as sent");
                let (status, _) = raw(&addr, "POST", "/v2/WebChats", "", "content-type: application/x-www-form-urlencoded\r\n", b"AddressSid=x").await;
                assert_eq!(status, 401, "the router enforces Basic");
            },
        },
        Case {
            file: "pdfblocks.com.json",
            prefix: "corpus-multipart",
            overrides: vec![(
                "add_password_v1",
                quote! {
                    let file = body.file("file").expect("the router checked it");
                    let password = body.field("password").and_then(|p| p.as_str()).unwrap_or_default().to_owned();
                    let mut pdf = b"%PDF-1.7 protected:".to_vec();
                    pdf.extend_from_slice(password.as_bytes());
                    pdf.push(b':');
                    pdf.extend_from_slice(&file.bytes);
                    AddPasswordV1Response::Ok(rt::RawBody::bytes(pdf))
                },
            )],
            test: quote! {
                let c = client::Client::builder().server_url(&base).api_key("k-1").retries(0).build().unwrap();
                let original: Vec<u8> = (0..=255u8).collect();
                let form = openapi_client_runtime::Multipart::new()
                    .file("file", openapi_client_runtime::FilePart::bytes(original.clone()).file_name("in.pdf").content_type("application/pdf"))
                    .text("password", "s3cret");
                let download = c.add_password_v1(form, None).await.unwrap();
                assert_eq!(download.status(), 200);
                assert_eq!(download.content_type(), Some("application/pdf"), "the document's media type");
                let bytes = download.bytes().await.unwrap();
                let mut expected = b"%PDF-1.7 protected:s3cret:".to_vec();
                expected.extend_from_slice(&original);
                assert_eq!(bytes.to_vec(), expected, "the upload and the download, byte for byte");
                let no_file = openapi_client_runtime::Multipart::new().text("password", "x");
                let err = c.add_password_v1(no_file, None).await.unwrap_err();
                // 422, or the document's 400 where it documents no 422.
                assert!(matches!(err.status(), Some(400 | 422)), "the required file: {err}");
            },
        },
        Case {
            file: "azure.com/cognitiveservices-ComputerVision.json",
            prefix: "corpus-binary",
            overrides: vec![(
                "recognize_text_in_stream",
                quote! {
                    let hex: String = body.bytes.iter().map(|b| format!("{b:02x}")).collect();
                    let seen = format!("{}|{}|{:?}|{}", auth.key(), body.content_type.unwrap_or_default(), params.detect_handwriting, hex);
                    RecognizeTextInStreamResponse::Undocumented(StatusCode::IM_A_TEAPOT, serde_json::json!({ "code": "echo", "detail": seen }))
                },
            )],
            test: quote! {
                let c = client::Client::builder().server_url(&base).apim_key("k-2").retries(0).build().unwrap();
                let image: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0, 0xff];
                let options = client::RecognizeTextInStreamOptions::default().detect_handwriting(true);
                let err = c.recognize_text_in_stream(image, Some(options)).await.unwrap_err();
                assert_eq!(err.status(), Some(418), "{err}");
                assert_eq!(echo(&err.to_string()), "k-2|application/octet-stream|Some(true)|89504e4700ff");
                let (status, answer) = raw(&addr, "POST", "/recognizeText", "", "ocp-apim-subscription-key: k\r\ncontent-type: text/plain\r\n", b"x").await;
                assert_eq!(status, 415, "{answer}");
            },
        },
    ]
}

fn probe_source(case: &Case, server_source: &str) -> String {
    let crate_ident =
        |suffix: &str| format_ident!("{}", format!("{}-{suffix}", case.prefix).replace('-', "_"));
    let (server, client, models) = (
        crate_ident("server"),
        crate_ident("client"),
        crate_ident("models"),
    );
    let stub = support::stub::stub_impl(server_source, &case.overrides);
    let test = &case.test;
    let tokens = quote! {
        // Each document's probe uses part of these helpers.
        #![allow(unused_imports, dead_code)]
        use std::sync::Arc;
        use openapi_server_runtime as rt;
        use rt::reexports::axum::{self, http::StatusCode};
        use rt::reexports::serde_json::{self as serde_json, Value};
        #[allow(unused_imports)]
        use #models as models;
        use #client as client;
        use #server::*;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        #stub

        /// What the implementation reported, out of the client's error text.
        fn echo(error: &str) -> &str {
            error.split("echo").nth(1).map(|s| s.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '%')).unwrap_or(error)
        }

        async fn raw(addr: &str, method: &str, path: &str, query: &str, headers: &str, body: &[u8]) -> (u16, String) {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!("{method} {path}{query} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: {}\r\n{headers}\r\n", body.len());
            stream.write_all(request.as_bytes()).await.unwrap();
            stream.write_all(body).await.unwrap();
            let mut buf = Vec::new();
            stream.read_to_end(&mut buf).await.unwrap();
            let text = String::from_utf8_lossy(&buf).into_owned();
            let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            (status, text)
        }

        #[tokio::test]
        async fn the_generated_client_and_router_carry_the_documents_body() {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            let base = format!("http://{addr}");
            tokio::spawn(async move { axum::serve(listener, router(Arc::new(Stub))).await });
            #test
        }
    };
    prettyplease::unparse(&syn::parse2(tokens).expect("the probe parses"))
}

#[test]
#[ignore = "needs the corpus: run by CI after `cargo xtask corpus`"]
fn corpus_documents_with_form_multipart_and_binary_bodies_round_trip() {
    let corpus = support::corpus_dir();
    let dir = support::temp_dir("corpus-body-round-trips");
    let mut members = Vec::new();
    for case in cases() {
        let prefix = case.prefix;
        support::generate_member(&dir, &corpus.join(case.file), prefix);
        let server = std::fs::read_to_string(
            dir.join(prefix)
                .join(format!("crates/{prefix}-server/src/generated.rs")),
        )
        .unwrap();
        support::write_probe(
            &dir.join("probes"),
            &format!("{prefix}-probe"),
            &support::probe_dependencies(prefix),
            &probe_source(&case, &server),
        );
        members.push(prefix.to_owned());
    }
    support::run_probes(&dir, &members);
}
