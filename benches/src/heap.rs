//! The index's heap, measured by the `index-heap` binary: it installs a counting
//! wrapper over the system allocator (stats_alloc), reads the data, and reports the
//! bytes allocated and not freed while the index was built — everything the index
//! holds. A separate process, so `compare` itself keeps the CLI's allocator.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use crate::data::workspace_root;

/// What `index-heap` prints (one JSON line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapMeasurement {
    /// Bytes allocated and not freed across building the index (builder, every
    /// principal and group added, `build`): the index's heap.
    pub index_bytes: u64,
    /// Principals indexed.
    pub indexed_principals: usize,
    /// Peak RSS of the measuring process (read the files, build the index).
    pub peak_rss_bytes: Option<u64>,
}

/// Runs `index-heap` on the data in `dir`, building it first with cargo when this
/// process was started by cargo (so it is never stale).
pub fn measure(dir: &Path) -> Result<HeapMeasurement, String> {
    let binary = binary()?;
    let output = Command::new(&binary)
        .arg(dir)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    if !output.status.success() {
        return Err(format!("{} failed ({})", binary.display(), output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    serde_json::from_str(line).map_err(|e| format!("index-heap printed {line:?}: {e}"))
}

/// `index-heap` beside the running executable.
fn binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("the executable has no directory")?;
    if let Some(cargo) = std::env::var_os("CARGO") {
        let mut build = Command::new(cargo);
        build.current_dir(workspace_root()).args([
            "build",
            "--quiet",
            "-p",
            "dyngroup-benches",
            "--bin",
            "index-heap",
        ]);
        if dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().map_err(|e| format!("cargo build: {e}"))?;
        if !status.success() {
            return Err(format!("cargo build of index-heap failed ({status})"));
        }
    }
    let binary = dir.join(format!("index-heap{}", std::env::consts::EXE_SUFFIX));
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "{} not found (cargo build --release -p dyngroup-benches --bin index-heap)",
            binary.display()
        ))
    }
}
