//! `compare`: dyngroup beside its peers on one generated fleet, in one process run.
//!
//! ```text
//! cargo run --release -p dyngroup-benches --bin compare -- --profile S [--json]
//! ```
//!
//! Generates the profile's data with datagen when missing, loads it once, and times
//! (medians over `--runs`): dyngroup's build, evaluate (rayon and one thread),
//! transpose and end to end from the JSONL files; the naive reference evaluator (one
//! thread and rayon); DuckDB from loaded tables and end to end (unless `--no-duckdb`).
//! Checks that every engine gives every group the same member count, then prints the
//! table (stdout) and, with `--json`, one JSON object as the last line. Exit codes: 0
//! done and the counts agree; 1 the counts disagree; 2 usage error or a failure that
//! stopped the run. See benches/README.md.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dyngroup_benches::compare::{self, Options};
use dyngroup_benches::{data, duckdb};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// dyngroup beside the naive reference evaluator and DuckDB, on one generated fleet.
#[derive(Debug, Parser)]
#[command(name = "compare")]
struct Args {
    /// Fleet profile (datagen's): sample (~2k principals), S (100k), M (1M), L (10M).
    #[arg(long, value_parser = ["sample", "S", "M", "L"])]
    profile: String,
    /// Directory with inventory.jsonl and groups.jsonl [default: /tmp/dyngroup-data/PROFILE].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Runs per phase for dyngroup (the median is reported).
    #[arg(long, value_name = "N", default_value_t = 5)]
    runs: usize,
    /// Runs per phase for the naive evaluator and DuckDB [default: --runs, at most 3
    /// on M and L].
    #[arg(long, value_name = "N")]
    peer_runs: Option<usize>,
    /// Print one JSON object as the last line of stdout.
    #[arg(long)]
    json: bool,
    /// Leave DuckDB out (no Python needed).
    #[arg(long)]
    no_duckdb: bool,
    /// The Python venv DuckDB is installed into [default: target/peers-venv].
    #[arg(long, value_name = "DIR")]
    venv: Option<PathBuf>,
    /// Size of the memory-bandwidth test buffer, MiB (0: skip the test).
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    bandwidth_mib: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.runs == 0 || args.peer_runs == Some(0) {
        eprintln!("compare: --runs and --peer-runs must be at least 1");
        return ExitCode::from(2);
    }
    let large = matches!(args.profile.as_str(), "M" | "L");
    let peer_runs = args
        .peer_runs
        .unwrap_or(if large { args.runs.min(3) } else { args.runs });
    let options = Options {
        data_dir: args
            .data
            .clone()
            .unwrap_or_else(|| data::default_dir(&args.profile)),
        profile: args.profile.clone(),
        generate: true,
        runs: args.runs,
        peer_runs,
        duckdb: !args.no_duckdb,
        venv: args.venv.clone().unwrap_or_else(duckdb::default_venv),
        work_dir: compare::default_work_dir(),
        bandwidth_mib: args.bandwidth_mib,
        measure_heap: true,
    };
    let result = compare::run(&options);
    compare::remove_work_dir(&options.work_dir);
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("compare: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", report.table());
    if args.json {
        println!("{}", report.json());
    }
    if report.counts_agree() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
