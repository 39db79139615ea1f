//! Several instances on one PostgreSQL database behave as one service. Three (or more) real
//! server processes share a fresh database; requests are spread round-robin over them.
//! Needs `SVIX_AUTH_TEST_POSTGRES` (`cargo xtask test` starts a throw-away cluster); without it
//! these tests fail, never skip.

#[path = "../support/mod.rs"]
mod support;

mod limits;
mod outages;
mod races;
mod shared_state;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Process, field, message_token_status, post};
use svix_auth_reference_server::store::Database;

const ADMIN: &str = "sk_admin_cluster_0123456789abcdef0123456789";

/// Limits no test reaches unless it sets its own.
const GENEROUS: [&str; 8] = [
    "--rate-limit",
    "1000000",
    "--rate-limit-burst",
    "1000000",
    "--auth-failure-rate",
    "1000000",
    "--auth-failure-burst",
    "1000000",
];

struct Cluster {
    db: Database,
    dir: std::path::PathBuf,
    instances: Vec<Process>,
}

impl Cluster {
    /// `n` instances on a fresh database, started one after another, all healthy.
    async fn start(name: &str, n: usize, args: &[&str]) -> Self {
        let db = Database::Postgres(support::fresh_postgres(name));
        let dir = support::temp_dir(&format!("cluster-{name}"));
        let mut cluster = Self {
            db,
            dir,
            instances: Vec::new(),
        };
        for _ in 0..n {
            cluster.add(args, ADMIN).await;
        }
        cluster
    }

    /// One more instance with admin token `admin`, healthy.
    async fn add(&mut self, args: &[&str], admin: &str) -> &Process {
        let log = self
            .dir
            .join(format!("instance-{}.log", self.instances.len()));
        let process = Process::spawn(&self.db, args, &[("SVIX_AUTH_ADMIN_TOKEN", admin)], log);
        process.healthy().await;
        self.instances.push(process);
        self.instances.last().unwrap()
    }

    fn base(&self, i: usize) -> &str {
        &self.instances[i % self.instances.len()].base
    }

    fn count(&self, sql: &str) -> i64 {
        support::count(&self.db, sql)
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn message_token(http: &reqwest::Client, base: &str, uid: &str) -> String {
    let (status, body) = post(
        http,
        base,
        &format!("/api/v1/auth/app/{uid}/create-message-token"),
        ADMIN,
        Some(json!({"name": "m"})),
        None,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    field(&body, "token")
}
