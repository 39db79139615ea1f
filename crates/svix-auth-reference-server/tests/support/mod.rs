//! Shared by the suites: which store they run against and a fresh database of it per test.
//!
//! `SVIX_AUTH_TEST_STORE=postgres` runs a suite against PostgreSQL (the server named by
//! `SVIX_AUTH_TEST_POSTGRES`, e.g. `postgres://postgres@127.0.0.1:5432`; each test gets its own
//! database, dropped and created again at its start); unset or `sqlite`, against an SQLite file.
//! `cargo xtask test` runs every suite both ways against a throw-away PostgreSQL cluster.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use svix_auth_reference_server::store::Database;

/// Whether this run's suites use PostgreSQL.
pub fn is_postgres() -> bool {
    match std::env::var("SVIX_AUTH_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("SVIX_AUTH_TEST_STORE must be sqlite or postgres, not {other:?}"),
    }
}

/// The PostgreSQL server the tests use (without a database name); a test that needs one fails
/// when none is configured — never skips.
pub fn postgres_server() -> String {
    let url = std::env::var("SVIX_AUTH_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "SVIX_AUTH_TEST_POSTGRES is not set: this test needs a PostgreSQL server. Run the \
             suites with `cargo xtask test` (which starts a throw-away cluster), or set it to \
             e.g. postgres://postgres@127.0.0.1:5432"
        )
    });
    // Drop a database name, if one was given.
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    format!("{scheme}://{authority}")
}

/// A temporary directory for `name`, empty.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh, empty database of this run's store for the test `name` (SQLite: `dir/auth.db`).
pub fn fresh_database(dir: &Path, name: &str) -> Database {
    if is_postgres() {
        Database::Postgres(fresh_postgres(name))
    } else {
        Database::Sqlite(dir.join("auth.db"))
    }
}

/// A fresh, empty PostgreSQL database for `name` (dropped first if a run left it behind).
pub fn fresh_postgres(name: &str) -> String {
    let server = postgres_server();
    let suite = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let suite = suite.split('-').next().unwrap_or_default().to_owned();
    let mut db: String = format!("t_{suite}_{name}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    db.truncate(63);
    let admin = format!("{server}/postgres");
    let statements = [
        format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"),
        format!("CREATE DATABASE \"{db}\""),
    ];
    on_postgres(&admin, move |client| async move {
        for s in &statements {
            client.batch_execute(s).await?;
        }
        Ok(())
    });
    format!("{server}/{db}")
}

/// `sql`'s single integer result on `db` (SQLite or PostgreSQL alike).
pub fn count(db: &Database, sql: &str) -> i64 {
    match db {
        Database::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.query_row(sql, [], |r| r.get(0)).unwrap()
        }
        Database::Postgres(url) => {
            let sql = sql.to_owned();
            on_postgres(url, move |client| async move {
                let row = client.query_one(&sql, &[]).await?;
                row.try_get::<_, i64>(0)
            })
        }
    }
}

/// The `--database` argument naming `db`.
pub fn arg(db: &Database) -> String {
    match db {
        Database::Sqlite(path) => path.display().to_string(),
        Database::Postgres(url) => url.clone(),
    }
}

/// Runs `f` with a client connected to `url`, on a thread of its own (callable from sync code
/// and from inside a runtime alike).
pub fn on_postgres<T, F, Fut>(url: &str, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(tokio_postgres::Client) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, tokio_postgres::Error>>,
{
    let url = url.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
            let driver = tokio::spawn(connection);
            let out = f(client).await.unwrap_or_else(|e| panic!("on {url}: {e}"));
            driver.abort();
            out
        })
    })
    .join()
    .unwrap()
}

/// A server process of the real binary on a free loopback port, killed (SIGKILL) when dropped.
pub struct Process {
    /// The child.
    pub child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Where its stderr goes.
    pub log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    /// Starts the binary on `db` with `args` and `env`, stderr to `log`; does not wait.
    pub fn spawn(db: &Database, args: &[&str], env: &[(&str, &str)], log: PathBuf) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command =
            std::process::Command::new(env!("CARGO_BIN_EXE_svix-auth-reference-server"));
        command
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .arg("--database")
            .arg(arg(db))
            .env_remove("SVIX_AUTH_ADMIN_TOKEN")
            .env_remove("SVIX_AUTH_FAULT")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        Self {
            child: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Waits (at most 10 s) until `/api/v1/health` answers 204.
    pub async fn healthy(&self) {
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if let Ok(r) = http
                .get(format!("{}/api/v1/health", self.base))
                .send()
                .await
                && r.status() == 204
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!(
            "the server at {} did not become healthy; its log:\n{}",
            self.base,
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// SIGKILL, and wait for it.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// POSTs `body` (or nothing) with `token` and an optional idempotency key; status 0 when the
/// request failed at the transport.
pub async fn post(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
    key: Option<&str>,
) -> (u16, Vec<u8>) {
    let mut req = http.post(format!("{base}{path}")).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    match req.send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            (
                status,
                r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            )
        }
        Err(_) => (0, vec![]),
    }
}

/// A string field of a JSON body (empty when there is none).
pub fn field(bytes: &[u8], name: &str) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v[name].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Creates app `uid` with the `admin` token through `base`; returns the portal session and the
/// magic link's one-time token.
pub async fn create_app(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    uid: &str,
) -> (String, String) {
    use base64::Engine as _;
    let (status, body) = post(
        http,
        base,
        &format!("/api/v1/auth/app-portal-access/{uid}"),
        admin,
        Some(serde_json::json!({"application": {"name": "n", "uid": uid}})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let url = field(&body, "url");
    let key = url.split_once("#key=").unwrap().1;
    let key: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key)
            .unwrap(),
    )
    .unwrap();
    (
        field(&body, "token"),
        key["oneTimeToken"].as_str().unwrap().to_owned(),
    )
}

/// 403 when a message token is live (it may call nothing), 401 when it is not.
pub async fn message_token_status(http: &reqwest::Client, base: &str, token: &str) -> u16 {
    post(http, base, "/api/v1/auth/logout", token, None, None)
        .await
        .0
}

/// The application ID a magic link's key names (empty when the body has no link).
pub fn app_id_of_link(body: &[u8]) -> String {
    use base64::Engine as _;
    let url = field(body, "url");
    let Some((_, key)) = url.split_once("#key=") else {
        return String::new();
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key)
        .ok()
        .and_then(|k| serde_json::from_slice::<serde_json::Value>(&k).ok())
        .and_then(|k| k["appId"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// `n` concurrent get-or-create calls (`app-portal-access` creating app `uid`), spread
/// round-robin over `bases`; each call's status, body and the app ID its link names.
pub async fn get_or_create_race(
    http: &reqwest::Client,
    bases: &[String],
    admin: &str,
    uid: &str,
    n: usize,
) -> Vec<(u16, String, String)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (http, base, admin, uid, barrier) = (
            http.clone(),
            bases[i % bases.len()].clone(),
            admin.to_owned(),
            uid.to_owned(),
            std::sync::Arc::clone(&barrier),
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let (status, body) = post(
                &http,
                &base,
                &format!("/api/v1/auth/app-portal-access/{uid}"),
                &admin,
                Some(
                    serde_json::json!({"application": {"name": format!("caller {i}"), "uid": uid}}),
                ),
                None,
            )
            .await;
            let app = app_id_of_link(&body);
            (status, String::from_utf8_lossy(&body).into_owned(), app)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("a racer panicked"));
    }
    out
}

/// Asserts that every call of a [`get_or_create_race`] got 200 and the same app.
pub fn assert_one_app_for_all(round: usize, answers: &[(u16, String, String)]) {
    for (status, body, _) in answers {
        assert_eq!(*status, 200, "round {round}: {body}");
    }
    let apps: std::collections::BTreeSet<&str> =
        answers.iter().map(|(_, _, app)| app.as_str()).collect();
    assert_eq!(
        apps.len(),
        1,
        "round {round}: one app for every caller: {apps:?}"
    );
    assert!(apps.iter().all(|a| a.starts_with("app_")), "{apps:?}");
}
