//! Where a profile's data lives, and generating it with `tools/datagen` when missing.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The seed every profile is generated with (the one `datasets/README.md` gives).
pub const SEED: u64 = 42;

/// The workspace root (the benches crate's parent directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ has a parent")
        .to_path_buf()
}

/// Where a profile's files are unless `--data` says otherwise:
/// `/tmp/dyngroup-data/<profile>/` (as `datasets/README.md` gives).
pub fn default_dir(profile: &str) -> PathBuf {
    PathBuf::from("/tmp/dyngroup-data").join(profile)
}

/// The inventory and groups files of a data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataFiles {
    /// `DIR/inventory.jsonl`.
    pub inventory: PathBuf,
    /// `DIR/groups.jsonl`.
    pub groups: PathBuf,
}

impl DataFiles {
    /// The files of `dir`.
    pub fn in_dir(dir: &Path) -> DataFiles {
        DataFiles {
            inventory: dir.join("inventory.jsonl"),
            groups: dir.join("groups.jsonl"),
        }
    }

    /// Whether both files exist.
    pub fn exist(&self) -> bool {
        self.inventory.is_file() && self.groups.is_file()
    }
}

/// The files of `dir`, generating them first with datagen (`profile`, seed [`SEED`])
/// when they are not there. Progress goes to stderr.
pub fn ensure(profile: &str, dir: &Path) -> Result<DataFiles, String> {
    let files = DataFiles::in_dir(dir);
    if files.exist() {
        return Ok(files);
    }
    eprintln!(
        "compare: no data in {}; generating profile {profile} (seed {SEED}) with datagen",
        dir.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(workspace_root())
        .args(["run", "--release", "--quiet", "-p", "datagen", "--"])
        .args(["--profile", profile, "--seed", &SEED.to_string(), "--out"])
        .arg(dir)
        .status()
        .map_err(|e| format!("cannot run cargo to generate the data: {e}"))?;
    if !status.success() || !files.exist() {
        return Err(format!(
            "datagen failed ({status}); generate the data by hand: cargo run --release -p datagen \
             -- --profile {profile} --seed {SEED} --out {}",
            dir.display()
        ));
    }
    Ok(files)
}
