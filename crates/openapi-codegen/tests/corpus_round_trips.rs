//! Real documents of the APIs.guru corpus, one per credential kind (HTTP Basic, an API key in a
//! header, an API key in the query, OAuth2), generated, compiled and round-tripped: a probe crate
//! serves each generated router over a stub implementation (written from the generated trait:
//! every method answers 501), then for each protected operation that needs no inputs
//! - a request without credentials is answered 401 by the router;
//! - a request with the credential in its place reaches the implementation (not 401);
//! - the generated client, given the credential with its builder setter, reaches it too (501);
//! - the generated client without it fails before sending (`MissingCredentials`).
//!
//! Needs the corpus (`cargo xtask corpus` fetches it into `target/corpus`; `CORPUS_DIR` names
//! another `api/` directory). `--ignored`: run by CI after the corpus step.

mod support;

use std::path::Path;

use openapi_codegen::{CredentialPlace, Document, OperationSummary};
use quote::{format_ident, quote};

const DOCUMENTS: &[(&str, &str)] = &[
    ("basic", "d7networks.com.json"),
    ("header-key", "extpose.com.json"),
    ("query-key", "nasa.gov/apod.json"),
    ("oauth2", "xero.com/xero-identity.json"),
];

/// The facade method of each operation: read from the doc line `(operation `<id>`)`.
fn facade_methods(facade_source: &str) -> Vec<(String, String)> {
    let file = syn::parse_file(facade_source).expect("the generated facade parses");
    let mut out = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            let doc: String = f
                .attrs
                .iter()
                .filter_map(|a| match &a.meta {
                    syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => Some(s.value()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if let Some(rest) = doc.split("(operation `").nth(1)
                && let Some(id) = rest.split('`').next()
            {
                out.push((id.to_owned(), f.sig.ident.to_string()));
            }
        }
    }
    out
}

/// The probe's test for one document.
fn probe_source(prefix: &str, member: &Path, document: &Document) -> String {
    let crate_ident =
        |suffix: &str| format_ident!("{}", format!("{prefix}-{suffix}").replace('-', "_"));
    let (server, client, models) = (
        crate_ident("server"),
        crate_ident("client"),
        crate_ident("models"),
    );
    let read =
        |p: &str| std::fs::read_to_string(member.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let stub = support::stub::stub_impl(
        &read(&format!("crates/{prefix}-server/src/generated.rs")),
        &[],
    );
    let methods = facade_methods(&read(&format!("crates/{prefix}-client/src/facade.rs")));
    let cases: Vec<(OperationSummary, String)> = document
        .operation_summaries()
        .into_iter()
        .filter(|o| !o.needs_inputs && !o.anonymous && !o.path.contains('{'))
        .filter(|o| o.alternatives.first().is_some_and(|a| a.len() == 1))
        .filter_map(|o| {
            let method = methods.iter().find(|(id, _)| *id == o.id)?.1.clone();
            Some((o, method))
        })
        .take(3)
        .collect();
    assert!(
        !cases.is_empty(),
        "{prefix}: no protected operation without inputs"
    );
    let checks = cases.iter().map(|(o, facade)| {
        let (method, path) = (o.method.as_str(), o.path.as_str());
        let credential = &o.alternatives[0][0];
        let setter = format_ident!("{}", credential.setter);
        let (header, query, set) = match &credential.place {
            CredentialPlace::Header(name) => (format!("{name}: probe-secret\r\n"), String::new(), quote! { .#setter("probe-secret") }),
            CredentialPlace::Query(name) => (String::new(), format!("?{name}=probe-secret"), quote! { .#setter("probe-secret") }),
            CredentialPlace::Cookie(name) => (format!("cookie: {name}=probe-secret\r\n"), String::new(), quote! { .#setter("probe-secret") }),
            CredentialPlace::Basic => ("authorization: Basic dXNlcjpwYXNz\r\n".to_owned(), String::new(), quote! { .#setter("user", "pass") }),
            CredentialPlace::Authorization(word) => (format!("authorization: {word} probe-secret\r\n"), String::new(), quote! { .#setter("probe-secret") }),
        };
        let facade = format_ident!("{}", facade);
        let id = &o.id;
        quote! {
            let (status, body) = raw(&addr, #method, #path, "", "").await;
            assert_eq!(status, 401, "{} without credentials: {}", #id, body);
            let (status, body) = raw(&addr, #method, #path, #query, #header).await;
            assert_ne!(status, 401, "{} with its credential: {}", #id, body);
            let client = #client::Client::builder().server_url(&base) #set .retries(0).build().unwrap();
            let err = client.#facade(None).await.err().expect("the stub answers 501");
            assert_eq!(err.status(), Some(501), "{}: {}", #id, err);
            let bare = #client::Client::builder().server_url(&base).retries(0).build().unwrap();
            let err = bare.#facade(None).await.err().expect("no credential configured");
            assert!(matches!(err, openapi_client_runtime::Error::MissingCredentials(_)), "{}: {}", #id, err);
        }
    });
    let tokens = quote! {
        use std::sync::Arc;
        use openapi_server_runtime as rt;
        use rt::reexports::axum::{self, http::StatusCode};
        use rt::reexports::serde_json::Value;
        #[allow(unused_imports)]
        use #models as models;
        use #server::*;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        #stub

        async fn raw(addr: &str, method: &str, path: &str, query: &str, headers: &str) -> (u16, String) {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!("{method} {path}{query} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n{headers}\r\n");
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut buf = String::new();
            stream.read_to_string(&mut buf).await.unwrap();
            let status = buf.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            (status, buf)
        }

        #[tokio::test]
        async fn the_generated_router_and_client_agree_on_the_documents_credentials() {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            let base = format!("http://{addr}");
            tokio::spawn(async move { axum::serve(listener, router(Arc::new(Stub))).await });
            #(#checks)*
        }
    };
    prettyplease::unparse(&syn::parse2(tokens).expect("the probe parses"))
}

#[test]
#[ignore = "needs the corpus: run by CI after `cargo xtask corpus`"]
fn corpus_documents_of_each_credential_kind_round_trip() {
    let corpus = support::corpus_dir();
    let dir = support::temp_dir("corpus-round-trips");
    let mut members = Vec::new();
    for (kind, file) in DOCUMENTS {
        let path = corpus.join(file);
        let prefix = format!("corpus-{kind}");
        support::generate_member(&dir, &path, &prefix);
        let document = Document::from_path(&path).expect("the document loads");
        let source = probe_source(&prefix, &dir.join(&prefix), &document);
        support::write_probe(
            &dir.join("probes"),
            &format!("{prefix}-probe"),
            &support::probe_dependencies(&prefix),
            &source,
        );
        members.push(prefix.clone());
    }
    support::run_probes(&dir, &members);
}
