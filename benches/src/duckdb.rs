//! The DuckDB peer: a Python venv with the `duckdb` package, and the runner
//! `tools/peers/duckdb_peer.py` fed with the rules translated to SQL ([`crate::sql`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::data::{DataFiles, workspace_root};
use crate::sql::GroupPredicate;
use crate::timing::Samples;

/// `tools/peers/`: the SQL and the runner.
pub fn peers_dir() -> PathBuf {
    workspace_root().join("tools").join("peers")
}

/// The default venv: `target/peers-venv` in the workspace.
pub fn default_venv() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("peers-venv")
}

/// The venv's Python with `duckdb` importable, creating the venv
/// (`python3 -m venv`) and installing the package (`pip install duckdb`) when needed.
pub fn ensure_python(venv: &Path) -> Result<PathBuf, String> {
    let python = venv.join("bin").join("python");
    if imports_duckdb(&python) {
        return Ok(python);
    }
    if !python.exists() {
        eprintln!("compare: creating a Python venv in {}", venv.display());
        run_quietly(
            Command::new("python3").arg("-m").arg("venv").arg(venv),
            "python3 -m venv",
        )?;
    }
    eprintln!(
        "compare: installing the duckdb Python package into {}",
        venv.display()
    );
    run_quietly(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "duckdb"]),
        "pip install duckdb",
    )?;
    if imports_duckdb(&python) {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import duckdb after installing it",
            python.display()
        ))
    }
}

fn imports_duckdb(python: &Path) -> bool {
    python.exists()
        && Command::new(python)
            .args(["-c", "import duckdb"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

fn run_quietly(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        Err(format!(
            "{what} failed ({}): {}",
            out.status,
            last.unwrap_or("")
        ))
    }
}

/// Writes the predicates file the runner reads.
pub fn write_predicates(predicates: &[GroupPredicate], path: &Path) -> Result<(), String> {
    let json = serde_json::to_vec(predicates).map_err(|e| e.to_string())?;
    std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))
}

/// What the runner measured.
#[derive(Clone, Debug, PartialEq)]
pub struct DuckDbResult {
    /// `duckdb.__version__`.
    pub version: String,
    /// DuckDB's `threads` setting.
    pub threads: String,
    /// Every group's queries from tables already loaded.
    pub evaluate: Samples,
    /// Load the inventory file, every group's queries, write the members file.
    pub end_to_end: Samples,
    /// The load part of each end-to-end run.
    pub load: Samples,
    /// Member counts per group, from the loaded-tables phase.
    pub counts: Vec<u64>,
    /// Member counts per group, from the last end-to-end run.
    pub end_to_end_counts: Vec<u64>,
    /// The runner process's peak RSS (`None` without procfs).
    pub peak_rss_bytes: Option<u64>,
}

#[derive(Deserialize)]
struct RunnerOutput {
    duckdb_version: String,
    threads: serde_json::Value,
    evaluate_s: Vec<f64>,
    end_to_end_s: Vec<f64>,
    load_s: Vec<f64>,
    counts: Vec<u64>,
    end_to_end_counts: Vec<u64>,
    peak_rss_bytes: Option<u64>,
}

/// Runs `duckdb_peer.py` over `files.inventory` and the predicates file, writing its
/// members file to `out`; the runner's progress goes to our stderr.
pub fn run(
    python: &Path,
    files: &DataFiles,
    predicates: &Path,
    out: &Path,
    runs: usize,
) -> Result<DuckDbResult, String> {
    let output = Command::new(python)
        .arg(peers_dir().join("duckdb_peer.py"))
        .arg("--inventory")
        .arg(&files.inventory)
        .arg("--predicates")
        .arg(predicates)
        .arg("--out")
        .arg(out)
        .arg("--runs")
        .arg(runs.to_string())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the DuckDB runner: {e}"))?;
    if !output.status.success() {
        return Err(format!("the DuckDB runner failed ({})", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or("the DuckDB runner printed nothing")?;
    let r: RunnerOutput =
        serde_json::from_str(last).map_err(|e| format!("the DuckDB runner's JSON: {e}"))?;
    Ok(DuckDbResult {
        version: r.duckdb_version,
        threads: match r.threads {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        },
        evaluate: Samples::from_seconds(r.evaluate_s),
        end_to_end: Samples::from_seconds(r.end_to_end_s),
        load: Samples::from_seconds(r.load_s),
        counts: r.counts,
        end_to_end_counts: r.end_to_end_counts,
        peak_rss_bytes: r.peak_rss_bytes,
    })
}
