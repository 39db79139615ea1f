//! `cargo xtask test`: every test of the workspace, with the PostgreSQL server its suites need.
//!
//! Unless `SVIX_AUTH_TEST_POSTGRES` names a server already, starts a throw-away PostgreSQL
//! cluster (initdb + pg_ctl from the distribution's packages; as the `postgres` user when run
//! as root) on a free loopback port under `target/`, then runs `cargo test --workspace` (SQLite
//! suites, plus the multi-instance suite on PostgreSQL) and the reference server's suites again
//! with `SVIX_AUTH_TEST_STORE=postgres`, then stops the cluster and removes it, whatever the
//! outcome. A missing PostgreSQL is an error, never a skipped suite.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The reference server's suites that run against both stores.
const BOTH_STORES: &[&str] = &[
    "end_to_end",
    "races_and_durability",
    "crashes_and_retention",
    "hardening",
    "hostile_input",
    "lockout",
    "plain_answers",
];

/// A throw-away cluster, stopped and deleted when dropped.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    as_postgres: bool,
    url: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let mut stop = self.command("pg_ctl");
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"]);
        let _ = stop.output();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        command(&self.bin, program, self.as_postgres)
    }
}

fn command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    let program = bin.join(program);
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// The directory holding `initdb` and `pg_ctl`: on `PATH`, or the newest under
/// `/usr/lib/postgresql/*/bin` (Debian's packages do not put them on `PATH`).
fn postgres_bin() -> Result<PathBuf, String> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|(_, bin)| bin)
        .chain(on_path)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
        .ok_or_else(|| {
            "PostgreSQL is needed by the reference server's suites and was not found (no initdb \
             and pg_ctl on PATH or under /usr/lib/postgresql/*/bin). Install it (Debian: \
             apt-get install -y postgresql) or point SVIX_AUTH_TEST_POSTGRES at a server, e.g. \
             postgres://postgres@127.0.0.1:5432"
                .to_owned()
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn run(mut c: Command, what: &str) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("{what}: cannot run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Starts a throw-away cluster under `target/`, on a free loopback port.
fn start_cluster(root: &Path) -> Result<Cluster, String> {
    let bin = postgres_bin()?;
    let as_postgres = is_root();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free loopback port: {e}"))?
        .port();
    let data = root
        .join("target")
        .join(format!("postgres-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let cluster = Cluster {
        bin,
        data,
        as_postgres,
        url: format!("postgres://postgres@127.0.0.1:{port}"),
    };
    if as_postgres {
        // initdb refuses to run as root: the cluster belongs to the `postgres` user.
        let mut chown = Command::new("chown");
        chown.arg("postgres:postgres").arg(&cluster.data);
        run(chown, "chown of the cluster directory to postgres")?;
    }
    let mut initdb = cluster.command("initdb");
    initdb.arg("-D").arg(&cluster.data).args([
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
    ]);
    run(initdb, "initdb")?;
    // Tests kill server processes, never PostgreSQL: fsync buys them nothing.
    let options = format!(
        "-p {port} -h 127.0.0.1 -k {} -c max_connections=400 -c fsync=off \
         -c full_page_writes=off -c synchronous_commit=off",
        cluster.data.display()
    );
    let mut start = cluster.command("pg_ctl");
    start
        .arg("-D")
        .arg(&cluster.data)
        .args(["-o", &options, "-l"])
        .arg(cluster.data.join("server.log"))
        .args(["-w", "-t", "60", "start"]);
    run(start, "pg_ctl start")?;
    eprintln!(
        "xtask test: throw-away PostgreSQL cluster at {} ({})",
        cluster.url,
        cluster.data.display()
    );
    Ok(cluster)
}

fn cargo(root: &Path, args: &[String], env: &[(&str, &str)]) -> bool {
    eprintln!("xtask test: cargo {}", args.join(" "));
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` with `SVIX_AUTH_TEST_POSTGRES` naming a throw-away cluster (started for it,
/// stopped after), for the checks outside `cargo test` (the conformance run on PostgreSQL).
pub fn with_postgres(root: &Path, command: &[String]) -> ExitCode {
    let Some((program, args)) = command.split_first() else {
        eprintln!("error: give the command to run after --");
        return ExitCode::from(2);
    };
    let cluster = match start_cluster(root) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let ok = Command::new(program)
        .args(args)
        .current_dir(root)
        .env("SVIX_AUTH_TEST_POSTGRES", &cluster.url)
        .status()
        .is_ok_and(|s| s.success());
    drop(cluster);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs every test; `extra` goes to each `cargo test` after `--` (e.g. a test filter).
pub fn run_all(root: &Path, extra: &[String]) -> ExitCode {
    let (url, _cluster) = match std::env::var("SVIX_AUTH_TEST_POSTGRES") {
        Ok(url) => (url, None),
        Err(_) => match start_cluster(root) {
            Ok(c) => (c.url.clone(), Some(c)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let with_extra = |mut args: Vec<&'static str>| {
        let mut owned: Vec<String> = args.drain(..).map(str::to_owned).collect();
        if !extra.is_empty() {
            owned.push("--".into());
            owned.extend(extra.iter().cloned());
        }
        owned
    };
    let sqlite = with_extra(vec!["test", "--workspace"]);
    let mut postgres = vec!["test", "-p", "svix-auth-reference-server"];
    for suite in BOTH_STORES {
        postgres.extend(["--test", suite]);
    }
    let postgres = with_extra(postgres);
    let first = cargo(
        root,
        &sqlite,
        &[
            ("SVIX_AUTH_TEST_POSTGRES", &url),
            ("SVIX_AUTH_TEST_STORE", "sqlite"),
        ],
    );
    let second = cargo(
        root,
        &postgres,
        &[
            ("SVIX_AUTH_TEST_POSTGRES", &url),
            ("SVIX_AUTH_TEST_STORE", "postgres"),
        ],
    );
    if first && second {
        eprintln!("xtask test: every suite passed (SQLite and PostgreSQL)");
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "xtask test: failed ({})",
            match (first, second) {
                (false, false) => "workspace tests and PostgreSQL suites",
                (false, true) => "workspace tests",
                _ => "PostgreSQL suites",
            }
        );
        ExitCode::FAILURE
    }
}
