//! The page a magic link opens. Headers are checked over HTTP; the page itself in a real
//! browser (Debian's chromium driven over WebDriver by chromedriver, both on loopback): a fresh
//! link signs in, the same link again is refused with a sentence, sign-out ends the session for
//! the API too, no console errors, screenshots of every state at 360 and 1280 px.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use serde_json::{Value, json};
use svix_auth_client::models::{AppPortalAccessIn, ApplicationIn};
use svix_auth_reference_server::{Config, Running, start};

const ADMIN: &str = "sk_admin_portal_test_token_0123456789";

async fn server(name: &str) -> Running {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("portal-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.join("auth.db"));
    config.admin_token = Some(ADMIN.into());
    start(config).await.unwrap()
}

async fn magic_link(running: &Running, app: &str) -> String {
    let client = svix_auth_client::Client::builder(ADMIN)
        .server_url(format!("http://{}", running.addr))
        .build()
        .unwrap();
    let application = ApplicationIn::new(
        "Portal test"
            .parse::<svix_auth_client::models::ApplicationInName>()
            .unwrap(),
    )
    .with_uid(
        app.parse::<svix_auth_client::models::ApplicationInUid>()
            .unwrap(),
    );
    let body: AppPortalAccessIn = AppPortalAccessIn::new()
        .with_application(application)
        .with_feature_flags(vec![
            "beta"
                .parse::<svix_auth_client::models::AppPortalAccessInFeatureFlagsItem>()
                .unwrap(),
        ]);
    client
        .app_portal_access(app, &body, None)
        .await
        .unwrap()
        .url
        .to_string()
}

#[tokio::test]
async fn the_page_and_its_assets_carry_strict_security_headers() {
    let running = server("headers").await;
    let http = reqwest::Client::new();
    for (path, content_type) in [
        ("/app-portal/login", "text/html"),
        ("/app-portal/portal.js", "text/javascript"),
        ("/app-portal/portal.css", "text/css"),
    ] {
        let response = http
            .get(format!("http://{}{path}", running.addr))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert!(header("content-type").starts_with(content_type), "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{path}: {csp}"
        );
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        if path.ends_with("login") {
            assert_eq!(header("cache-control"), "no-store");
            let html = response.text().await.unwrap();
            assert!(
                !html.contains("<script>") && !html.contains("style="),
                "no inline code"
            );
            assert!(html.contains(r#"id="session""#) && html.contains(r#"id="logout""#));
        }
    }
    running.shutdown().await.unwrap();
}

/// chromedriver on a free loopback port, stopped on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver must be installed (apt-get install chromium chromium-driver)");
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{url}/status")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Driver { child, url }
}

async fn browser(driver: &Driver) -> Browser {
    let profile =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let caps: Capabilities = serde_json::from_value(json!({
        "browserName": "chrome",
        "goog:loggingPrefs": {"browser": "ALL"},
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    }))
    .unwrap();
    ClientBuilder::rustls()
        .unwrap()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session with chromium")
}

/// chromedriver's browser log (`goog:loggingPrefs`).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

async fn console_errors(b: &Browser) -> Vec<String> {
    let log = b.issue_cmd(BrowserLog).await.unwrap_or(Value::Null);
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].to_string())
        .collect()
}

async fn state(b: &Browser) -> (String, String) {
    let session = b.find(Locator::Id("session")).await.unwrap();
    (
        session
            .attr("data-state")
            .await
            .unwrap()
            .unwrap_or_default(),
        session
            .attr("data-app-id")
            .await
            .unwrap()
            .unwrap_or_default(),
    )
}

async fn wait_for_state(b: &Browser, wanted: &str) -> (String, String) {
    let started = Instant::now();
    loop {
        let s = state(b).await;
        if s.0 == wanted || started.elapsed() > Duration::from_secs(10) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Screenshots of the current state at both widths, under target/portal-screenshots.
async fn screenshots(b: &Browser, state: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/portal-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for width in [360u32, 1280] {
        b.set_window_size(width, 900).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let png = b.screenshot().await.unwrap();
        assert!(
            png.len() > 1000 && png.starts_with(b"\x89PNG"),
            "{state} at {width}px"
        );
        std::fs::write(dir.join(format!("{state}-{width}.png")), png).unwrap();
    }
    b.set_window_size(1280, 900).await.unwrap();
}

#[tokio::test]
#[ignore = "needs Debian's chromium and chromium-driver; run by .ci/run"]
async fn a_magic_link_signs_in_once_signs_out_and_every_state_renders() {
    let running = server("browser").await;
    let driver = driver().await;
    let b = browser(&driver).await;
    let link = magic_link(&running, "portal-app").await;

    let key = link.split_once("#key=").unwrap().1;
    let key: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, key).unwrap(),
    )
    .unwrap();
    let app_id = key["appId"].as_str().unwrap().to_owned();
    assert!(app_id.starts_with("app_"), "{key}");

    // A fresh link: active, for the app of the key, and the key gone from the address bar.
    b.goto(&link).await.unwrap();
    let (s, app) = wait_for_state(&b, "active").await;
    assert_eq!((s.as_str(), app.as_str()), ("active", app_id.as_str()));
    let here = b.current_url().await.unwrap();
    assert!(
        here.fragment().is_none_or(|f| !f.contains("key=")),
        "{here}"
    );
    let shown = b
        .find(Locator::Id("app-id"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown, app_id);
    let flags = b
        .find(Locator::Id("flags"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(flags, "beta");
    let errors = console_errors(&b).await;
    assert!(
        errors.is_empty(),
        "console errors on the happy path: {errors:?}"
    );
    screenshots(&b, "active").await;

    // The session token the page holds (sessionStorage, this tab only) works for the API.
    let kept = b
        .execute(
            "return sessionStorage.getItem('svix-portal-session')",
            vec![],
        )
        .await
        .unwrap();
    let kept: Value = serde_json::from_str(kept.as_str().unwrap()).unwrap();
    let session_token = kept["token"].as_str().unwrap().to_owned();
    assert!(session_token.starts_with("appsk_"));

    // Sign out: signed-out, and the API refuses the session token afterwards.
    b.find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let (s, _) = wait_for_state(&b, "signed-out").await;
    assert_eq!(s, "signed-out");
    screenshots(&b, "signed-out").await;
    let user = svix_auth_client::Client::builder(&session_token)
        .server_url(format!("http://{}", running.addr))
        .retries(0)
        .build()
        .unwrap();
    let refused = user.logout(None).await.unwrap_err();
    assert_eq!(refused.status(), Some(401), "{refused}");
    let stored = b
        .execute(
            "return sessionStorage.getItem('svix-portal-session')",
            vec![],
        )
        .await
        .unwrap();
    assert!(stored.is_null(), "sign-out forgets the session");

    // The same link again: refused, with a sentence for people.
    b.goto(&link).await.unwrap();
    let (s, app) = wait_for_state(&b, "error").await;
    assert_eq!((s.as_str(), app.as_str()), ("error", app_id.as_str()));
    let message = b
        .find(Locator::Id("error-message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        message,
        "This link was already used or has expired. Ask for a new one."
    );
    screenshots(&b, "error").await;

    b.close().await.unwrap();
    running.shutdown().await.unwrap();
}
