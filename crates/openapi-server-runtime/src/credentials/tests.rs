//! The credential checks on hand-made requests.

use super::*;

fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut request = axum::http::Request::builder().uri(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.body(()).unwrap().into_parts().0
}

const SCHEMES: &[SchemeSpec] = &[
    SchemeSpec {
        name: "key",
        scheme: Scheme::ApiKey {
            location: KeyIn::Header,
            name: "x-api-key",
        },
    },
    SchemeSpec {
        name: "query_key",
        scheme: Scheme::ApiKey {
            location: KeyIn::Query,
            name: "api_key",
        },
    },
    SchemeSpec {
        name: "cookie_key",
        scheme: Scheme::ApiKey {
            location: KeyIn::Cookie,
            name: "session",
        },
    },
    SchemeSpec {
        name: "basic",
        scheme: Scheme::Basic,
    },
    SchemeSpec {
        name: "token",
        scheme: Scheme::Http { scheme: "Token" },
    },
];

#[test]
fn each_kind_is_read_from_its_place() {
    let p = parts(
        "/x?api_key=q%201&other=2",
        &[
            ("x-api-key", "h1"),
            ("cookie", "a=b; session=c1"),
            ("authorization", "basic dXNlcjpwYXNz"),
        ],
    );
    let got = |i: usize| present(&p, &SCHEMES[i]).unwrap();
    assert_eq!(got(0), Some(Credential::ApiKey(ApiKey::new("h1"))));
    assert_eq!(got(1), Some(Credential::ApiKey(ApiKey::new("q 1"))));
    assert_eq!(got(2), Some(Credential::ApiKey(ApiKey::new("c1"))));
    assert_eq!(got(3), Some(Credential::Basic(Basic::new("user", "pass"))));
    assert_eq!(got(4), None, "another Authorization scheme");
    let p = parts("/", &[("authorization", "Token abc")]);
    assert_eq!(
        present(&p, &SCHEMES[4]).unwrap(),
        Some(Credential::Http(HttpCredentials::new("Token", "abc")))
    );
}

#[test]
fn the_first_alternative_met_wins_and_and_needs_every_scheme() {
    let alternatives: &[&[usize]] = &[&[0, 3], &[1]];
    let both = parts(
        "/?api_key=q",
        &[("x-api-key", "h"), ("authorization", "Basic dTpw")],
    );
    let got = authenticate(&both, SCHEMES, alternatives, false)
        .unwrap()
        .unwrap();
    assert_eq!(got.alternative, 0);
    assert_eq!(
        got.get("basic")
            .and_then(Credential::basic)
            .map(Basic::username),
        Some("u")
    );
    let half = parts("/?api_key=q", &[("x-api-key", "h")]);
    let got = authenticate(&half, SCHEMES, alternatives, false)
        .unwrap()
        .unwrap();
    assert_eq!(
        got.alternative, 1,
        "the header alone does not meet the first"
    );
}

#[test]
fn missing_or_malformed_credentials_are_401_naming_what_is_needed() {
    let alternatives: &[&[usize]] = &[&[0, 3], &[4]];
    let Err(response) = authenticate(&parts("/", &[]), SCHEMES, alternatives, false) else {
        panic!("nothing presented");
    };
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenges: Vec<_> = response
        .headers()
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(challenges, ["Basic", "Token"]);
    assert!(
        authenticate(&parts("/", &[]), SCHEMES, alternatives, true)
            .unwrap()
            .is_none(),
        "anonymous allowed"
    );
    for bad in ["Basic !!!", "Basic", "Basic dXNlcg=="] {
        let p = parts("/", &[("x-api-key", "h"), ("authorization", bad)]);
        assert!(
            authenticate(&p, SCHEMES, alternatives, true).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn no_secret_reaches_debug_output() {
    let text = format!(
        "{:?} {:?} {:?}",
        ApiKey::new("s3cret-key"),
        Basic::new("user", "s3cret-pw"),
        HttpCredentials::new("Token", "s3cret-token")
    );
    assert!(!text.contains("s3cret"), "{text}");
}
