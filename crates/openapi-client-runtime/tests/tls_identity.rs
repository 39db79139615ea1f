//! A mutualTLS scheme's credential: a client identity given to the builder goes into the HTTP
//! client it builds (the build succeeds with it), and one given beside a caller's own
//! `http_client` (which would ignore it) is refused, naming both.

#![cfg(any(feature = "rustls", feature = "native-tls"))]

use openapi_client_runtime::{ClientBuilder, Core, Error, Facade, SchemeSpec, ServerVariable};

/// A test-only self-signed certificate (P-256) and its PKCS#8 key, in one PEM.
const IDENTITY_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBpDCCAUmgAwIBAgIUY1FVxNlLb53ClOqb4EawqnhXFLwwCgYIKoZIzj0EAwIw\nJjEkMCIGA1UEAwwbb3BlbmFwaS1jbGllbnQtcnVudGltZS10ZXN0MCAXDTI2MTIw\nMjEyMjMwNFoYDzIxMjYxMTA4MTIyMzA0WjAmMSQwIgYDVQQDDBtvcGVuYXBpLWNs\naWVudC1ydW50aW1lLXRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR2ZMhX\n8BWPX+2nBDGyR5E1DOIbTmZO2TOVYKAAEtlNuVch8po0eyRZZ5jd6S5ramFDbSyf\nQtZSWDFUnrZWjhvio1MwUTAdBgNVHQ4EFgQUzVGA9pF54oeZwHJJJ9KJPm8sXYcw\nHwYDVR0jBBgwFoAUzVGA9pF54oeZwHJJJ9KJPm8sXYcwDwYDVR0TAQH/BAUwAwEB\n/zAKBggqhkjOPQQDAgNJADBGAiEA2apz1zE3pEHZxKzTG54J7zLNUauE/i8UFL8L\nX2i3vqMCIQDOIGA0Ixyd3BFQW0o4NgAUftffhgQqxcsfMGKiXRaHVw==\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPUc012daRnuepCqb\nTjceOEhD+y23/gI951sfwfi6beChRANCAAR2ZMhX8BWPX+2nBDGyR5E1DOIbTmZO\n2TOVYKAAEtlNuVch8po0eyRZZ5jd6S5ramFDbSyfQtZSWDFUnrZWjhvi\n-----END PRIVATE KEY-----\n";

#[derive(Debug)]
struct Probe {
    base: String,
}

impl Facade for Probe {
    const SERVERS: &'static [&'static str] = &["https://mtls.example.com"];
    const USER_AGENT: &'static str = "tls-identity-test/0";
    const SCHEMES: &'static [SchemeSpec] = &[];
    const TOKEN_SCHEME: Option<&'static str> = None;
    const SVIX_CONVENTIONS: bool = false;
    const SERVER_TEMPLATE: Option<(&'static str, &'static [ServerVariable])> = None;
    const RELATIVE_SERVER: Option<&'static str> = None;
    fn from_parts(base_url: &str, _http: reqwest::Client, _core: Core) -> Self {
        Self {
            base: base_url.to_owned(),
        }
    }
}

fn identity() -> reqwest::Identity {
    reqwest::Identity::from_pem(IDENTITY_PEM.as_bytes()).expect("the test identity parses")
}

#[test]
fn a_builder_given_a_client_identity_builds_its_client_with_it() {
    let client = ClientBuilder::<Probe>::without_token()
        .tls_identity(identity())
        .build()
        .expect("a client with an identity builds");
    assert_eq!(client.base, "https://mtls.example.com");
}

#[test]
fn a_client_identity_beside_a_callers_http_client_is_refused_naming_both() {
    let err = ClientBuilder::<Probe>::without_token()
        .tls_identity(identity())
        .http_client(reqwest::Client::new())
        .build()
        .expect_err("the identity would be ignored");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("TLS client identity") && text.contains("http_client"),
        "{text}"
    );
}
