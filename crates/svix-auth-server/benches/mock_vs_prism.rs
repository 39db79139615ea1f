//! The generated mock of `openapi.json` against Prism (`@stoplight/prism-cli`, under
//! `target/npm`), both as their own processes on loopback, in one run: the same request
//! (`app-portal-access` with a bearer credential and a JSON body), the same load generator (16
//! keep-alive connections for a fixed time each), throughput and p50/p99 latency.
//!
//! Run: `npm install --prefix target/npm @stoplight/prism-cli@5` once, then
//! `cargo bench -p svix-auth-server --bench mock_vs_prism` (it builds the mock with
//! `cargo xtask mock --build-only`). Figures in BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 16;
const DURATION: Duration = Duration::from_secs(5);
const WARM_UP: Duration = Duration::from_secs(1);
const PATH: &str = "/api/v1/auth/app-portal-access/app_1";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Kills the process when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(program: &Path, args: &[String]) -> Server {
    Server(
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display())),
    )
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if request(client, base).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not answer within 30 s");
}

async fn request(client: &reqwest::Client, base: &str) -> Result<u16, reqwest::Error> {
    let response = client
        .post(format!("{base}{PATH}"))
        .bearer_auth("testsk_bench")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await?;
    let status = response.status().as_u16();
    response.bytes().await?;
    Ok(status)
}

/// One scenario's figures.
struct Row {
    requests: usize,
    errors: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(client: &reqwest::Client, base: &str, duration: Duration) -> Row {
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let client = client.clone();
            let base = base.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                while start.elapsed() < duration {
                    let sent = Instant::now();
                    match request(&client, &base).await {
                        Ok(200) => latencies.push(sent.elapsed()),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.expect("a load task");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed();
    latencies.sort();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).copied().unwrap_or_default()
    };
    Row {
        requests: latencies.len(),
        errors,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn main() {
    let root = workspace();
    let prism = root.join("target/npm/node_modules/.bin/prism");
    assert!(
        prism.exists(),
        "no Prism at {}: run `npm install --prefix target/npm @stoplight/prism-cli@5`",
        prism.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "xtask",
            "--",
            "mock",
            "--spec",
            "openapi.json",
            "--build-only",
        ])
        .current_dir(&root)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "building the mock failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mock_binary = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim().to_owned());
    let version = Command::new(&prism)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("a client");
    let spec = root.join("openapi.json").display().to_string();
    let mut rows = Vec::new();
    for round in 1..=2 {
        for name in ["generated mock", "Prism"] {
            let port = free_port();
            let _server = if name == "Prism" {
                let args = [
                    "mock",
                    &spec,
                    "--port",
                    &port.to_string(),
                    "--host",
                    "127.0.0.1",
                ];
                start(&prism, &args.map(str::to_owned))
            } else {
                start(
                    &mock_binary,
                    &["--listen".into(), format!("127.0.0.1:{port}")],
                )
            };
            let base = format!("http://127.0.0.1:{port}");
            let row = runtime.block_on(async {
                wait_ready(&client, &base).await;
                load(&client, &base, WARM_UP).await;
                load(&client, &base, DURATION).await
            });
            rows.push((format!("{name} (round {round})"), row));
        }
    }
    println!(
        "mock against Prism {version} on openapi.json: {CONNECTIONS} connections, {} s each, POST {PATH}",
        DURATION.as_secs()
    );
    println!("| server | requests | errors | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for (name, row) in &rows {
        println!(
            "| {name} | {} | {} | {:.0} | {:.2} ms | {:.2} ms |",
            row.requests,
            row.errors,
            row.per_second,
            row.p50.as_secs_f64() * 1e3,
            row.p99.as_secs_f64() * 1e3
        );
    }
}
