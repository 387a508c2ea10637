//! `datagen`: writes a seeded synthetic fleet for dyngroup's tests and benchmarks.
//!
//! ```text
//! datagen --profile sample|S|M|L --seed N --out DIR
//! ```
//!
//! writes `DIR/inventory.jsonl`, `DIR/groups.jsonl`, `DIR/compartments.json` and
//! `DIR/policies.json` (see `datasets/README.md`) and prints a one-line summary to
//! stderr. Exit codes: 0 done, 1 I/O error, 2 usage error.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use datagen::{Profile, generate_with_policies};

/// Writes a seeded synthetic OCI fleet: DIR/inventory.jsonl, DIR/groups.jsonl,
/// DIR/compartments.json and DIR/policies.json.
#[derive(Debug, Parser)]
#[command(name = "datagen", version)]
struct Args {
    /// Fleet size: sample (1,200 principals), S (100k), M (1M), L (10M).
    #[arg(long, value_enum, ignore_case = true)]
    profile: ProfileArg,
    /// PRNG seed; the same seed gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ProfileArg {
    #[value(name = "sample")]
    Sample,
    #[value(name = "S")]
    S,
    #[value(name = "M")]
    M,
    #[value(name = "L")]
    L,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Sample => Profile::Sample,
            ProfileArg::S => Profile::S,
            ProfileArg::M => Profile::M,
            ProfileArg::L => Profile::L,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("datagen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let profile = Profile::from(args.profile);
    let start = Instant::now();
    fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let names = [
        "inventory.jsonl",
        "groups.jsonl",
        "compartments.json",
        "policies.json",
    ];
    let finals: Vec<PathBuf> = names.iter().map(|n| args.out.join(n)).collect();
    // Write under temporary names and rename at the end, so an interrupted run never
    // leaves files that look complete to a tool checking whether the data exists.
    let temps: Vec<PathBuf> = names
        .iter()
        .map(|n| args.out.join(format!("{n}.tmp")))
        .collect();
    let open = |p: &Path| {
        File::create(p)
            .map(|f| BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| format!("cannot create {}: {e}", p.display()))
    };
    let summary = generate_with_policies(
        &profile.params(),
        args.seed,
        open(&temps[0])?,
        open(&temps[1])?,
        open(&temps[2])?,
        open(&temps[3])?,
    )
    .map_err(|e| format!("writing {}: {e}", args.out.display()))?;
    for (tmp, path) in temps.iter().zip(&finals) {
        fs::rename(tmp, path).map_err(|e| format!("cannot rename {}: {e}", tmp.display()))?;
    }
    let (inventory, groups) = (&finals[0], &finals[1]);
    let size = |p: &Path| fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    eprintln!(
        "datagen: profile {} seed {}: {} principals ({} terminated) in {} tenancies (largest {}), \
         {} groups ({} tenancies over 50, {} long id lists, {} legacy rules, {} stale and {} \
         foreign OCIDs in rules), {} compartments (depth up to {}), {} policies with {} \
         statements; {:.1} MB + {:.1} MB + {:.1} MB + {:.1} MB in {:.2}s -> {}",
        profile.name(),
        args.seed,
        summary.principals,
        summary.terminated,
        summary.tenancies,
        summary.largest_tenancy,
        summary.groups,
        summary.over_limit_tenancies,
        summary.long_lists,
        summary.legacy_rules,
        summary.refs.stale,
        summary.refs.foreign,
        summary.policies.compartments,
        summary.policies.max_depth,
        summary.policies.policies,
        summary.policies.statements,
        size(inventory),
        size(groups),
        size(&finals[2]),
        size(&finals[3]),
        start.elapsed().as_secs_f64(),
        args.out.display(),
    );
    Ok(())
}
