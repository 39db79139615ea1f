//! `--compile K`: a seeded choice of generated workspaces, checked side by side.

use super::*;

/// Writes `k` generated workspaces (a seeded choice among the generated documents) as members
/// of one workspace, each with its own crate names, and `cargo check`s them together with one
/// target directory, every feature on (the servers' mock too); attributes errors and warnings
/// to documents by package.
pub(super) fn compile(
    root: &Path,
    api_dir: &Path,
    results: &mut [DocResult],
    k: usize,
    seed: u64,
    clippy: bool,
) -> Result<(), String> {
    let candidates: Vec<PathBuf> = results
        .iter()
        .filter(|r| r.outcome == "generated")
        .map(|r| PathBuf::from(&r.document))
        .collect();
    let chosen = sample(candidates, k, seed ^ 0xC0FFEE);
    let dir = root.join("target/corpus-compile");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let runtime =
        openapi_codegen::runtime_crates("cargo xtask corpus").map_err(|e| e.to_string())?;
    openapi_codegen::write_all(&dir, &runtime).map_err(|e| e.to_string())?;
    let mut members = Vec::new();
    let mut prefixes = BTreeMap::new();
    for (i, doc) in chosen.iter().enumerate() {
        let prefix = format!("corpus{i:04}");
        let document = Document::from_path(&api_dir.join(doc)).map_err(|e| e.to_string())?;
        let generated =
            openapi_codegen::generate(&document, &options(&prefix)).map_err(|e| e.to_string())?;
        let files: Vec<_> = generated
            .files
            .into_iter()
            .filter(|f| f.path != Path::new("Cargo.toml"))
            .collect();
        // A version of this run's own: cargo keys path packages on name, version and relative
        // path, so an earlier run's artifacts are never taken for this one's.
        let run = std::process::id();
        let files: Vec<_> = files
            .into_iter()
            .map(|mut f| {
                if f.path.ends_with("Cargo.toml") {
                    f.contents = f.contents.replace(
                        "version = \"0.1.0\"",
                        &format!("version = \"0.1.0-run{run}\""),
                    );
                }
                f
            })
            .collect();
        openapi_codegen::write_all(&dir.join(&prefix), &files).map_err(|e| e.to_string())?;
        members.push(format!("\"{prefix}/crates/*\""));
        prefixes.insert(prefix, doc.display().to_string());
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .map_err(|e| e.to_string())?;
    let _ = std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"));
    let tool = if clippy { "clippy" } else { "check" };
    eprintln!("cargo {tool} of {} generated workspaces…", chosen.len());
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            tool,
            "--workspace",
            "--all-features",
            "--keep-going",
            "--offline",
            "--message-format=json",
        ])
        // This workspace's target directory: the dependencies are already built there.
        .env("CARGO_TARGET_DIR", root.join("target"))
        .current_dir(&dir)
        .output()
        .map_err(|e| e.to_string())?;
    eprintln!("checked in {:.1} s", started.elapsed().as_secs_f64());
    let mut first_error: BTreeMap<String, String> = BTreeMap::new();
    let mut warned: BTreeMap<String, String> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-message" {
            continue;
        }
        let package = msg["package_id"].as_str().unwrap_or_default();
        let Some(prefix) = prefixes
            .keys()
            .find(|p| package.contains(&format!("/{p}/")))
        else {
            continue;
        };
        let level = msg["message"]["level"].as_str().unwrap_or_default();
        let text = msg["message"]["message"].as_str().unwrap_or_default();
        if level == "error" {
            first_error
                .entry(prefix.clone())
                .or_insert_with(|| text.to_owned());
        } else if level == "warning" {
            warned
                .entry(prefix.clone())
                .or_insert_with(|| text.to_owned());
        }
    }
    for (prefix, doc) in &prefixes {
        let verdict = match first_error.get(prefix) {
            Some(e) => e.clone(),
            None => match warned.get(prefix) {
                Some(w) => format!("warnings: {w}"),
                None => "ok".into(),
            },
        };
        if let Some(r) = results.iter_mut().find(|r| &r.document == doc) {
            r.compile = Some(verdict);
        }
    }
    Ok(())
}
