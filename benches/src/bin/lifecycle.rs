//! `lifecycle DIR SNAPSHOT [RUNS] [batch]`: the live engine's way in and out on one dataset,
//! in one process run, medians of RUNS runs (default 3). SNAPSHOT is the snapshot
//! `dyngroup compute --snapshot` wrote from DIR's files. Prints one line per phase:
//!
//! - `engine-build`: an engine made from the inventory (`Engine::build`: every
//!   principal upserted, every group evaluated), the files already read;
//! - `engine-open`: `Engine::open` of the snapshot (open, deep verify, index rebuilt
//!   from the parts, engine made without replay), ready for a change;
//! - `verify`: `Snapshot::open` + the deep `verify` alone;
//! - `checkpoint`: the engine's version back to a snapshot file (index, evaluate, write);
//! - `first-change` / `next-change`: on an engine just opened, a retag of a principal
//!   of the largest tenancy (the first change to a tenancy copies it out of the base
//!   index), then a second retag of it (the tenancy is the engine's own by then);
//! - `batch-build-1t` / `batch-build-2t`: `IndexBuilder::build` of the fleet inside a
//!   rayon pool of one and of two threads;
//!   (`batch` as the last argument runs only these two);
//!   (`memory` as the last argument runs only `engine-bytes`);
//! - `engine-bytes`: heap bytes the opened engine holds (allocated and not freed
//!   across `Engine::open`, counted by a wrapper over the system allocator), and per
//!   principal.
//!
//! ```text
//! cargo run --release -p dyngroup-benches --bin lifecycle -- /tmp/dyngroup-data/M /tmp/M.dgs
//! ```

use std::alloc::System;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use dyngroup_benches::data::DataFiles;
use dyngroup_benches::engines::{self, Fleet};
use dyngroup_benches::timing::{Samples, human, time_runs};
use dyngroup_index::engine::{Change, Engine, EngineOptions};
use dyngroup_index::{DefinedTag, Limits, Principal};
use dyngroup_snapshot::{EngineFile, Snapshot};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use std::collections::HashMap;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn heap_in_use() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128
}

fn line(name: &str, samples: &Samples) {
    let all: Vec<String> = samples.seconds().iter().map(|&s| human(s)).collect();
    println!(
        "{name:<16} median {:>10}   runs [{}]",
        human(samples.median().unwrap_or(0.0)),
        all.join(", ")
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(snapshot)) = (args.first(), args.get(1)) else {
        eprintln!("usage: lifecycle DIR SNAPSHOT [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    let batch_only = args.get(3).is_some_and(|a| a == "batch");
    let memory_only = args.get(3).is_some_and(|a| a == "memory");
    let snapshot = PathBuf::from(snapshot);
    let fleet = match Fleet::read(&DataFiles::in_dir(&PathBuf::from(dir))) {
        Ok(fleet) => fleet,
        Err(e) => {
            eprintln!("lifecycle: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The snapshot's tenancies may be past OCI's limit: an engine built from the
    // inventory must hold them all, as one opened from the snapshot does.
    let options = EngineOptions {
        limits: Limits {
            max_groups_per_tenancy: usize::MAX,
            ..Limits::default()
        },
        ..EngineOptions::default()
    };
    let batch = || {
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool");
            let (s, _) = pool.install(|| time_runs(runs, || engines::build(&fleet)));
            line(&format!("batch-build-{threads}t"), &s);
        }
    };
    if batch_only {
        batch();
        return ExitCode::SUCCESS;
    }
    let engine_bytes = || -> Result<(), dyngroup_snapshot::Error> {
        let before = heap_in_use();
        let opened = Engine::open(&snapshot, options)?;
        let bytes = (heap_in_use() - before).max(0) as f64;
        let principals = opened.stats().principals;
        println!(
            "engine-bytes     {:.0} bytes for {principals} principals: {:.0} B/principal",
            bytes,
            bytes / principals.max(1) as f64
        );
        Ok(())
    };
    if memory_only {
        return match engine_bytes() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("lifecycle: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let first_changes = || -> Result<(), dyngroup_snapshot::Error> {
        let Some(probe) = in_largest_tenancy(&fleet.principals) else {
            return Ok(());
        };
        let retag = |n: usize| {
            let mut p = probe.clone();
            p.defined_tags.push(DefinedTag {
                namespace: "bench".into(),
                key: "retag".into(),
                value: n.to_string(),
            });
            Change::UpsertPrincipal(p)
        };
        let (mut first, mut next) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let mut engine = Engine::open(&snapshot, options)?;
            for (n, samples) in [&mut first, &mut next].into_iter().enumerate() {
                let start = Instant::now();
                engine.apply_one(retag(n)).expect("a principal change");
                samples.push(start.elapsed().as_secs_f64());
            }
        }
        line("first-change", &Samples::from_seconds(first));
        line("next-change", &Samples::from_seconds(next));
        Ok(())
    };
    let run = || -> Result<(), dyngroup_snapshot::Error> {
        let (s, _) = time_runs(runs, || {
            Engine::build(&fleet.principals, fleet.groups.iter().cloned(), options)
        });
        line("engine-build", &s);
        let (s, engine) = time_runs(runs, || Engine::open(&snapshot, options));
        let engine = engine?;
        line("engine-open", &s);
        let (s, verified) = time_runs(runs, || Snapshot::open(&snapshot)?.verify());
        verified?;
        line("verify", &s);
        let out = snapshot.with_extension("checkpoint.dgs");
        let (s, written) = time_runs(runs, || engine.checkpoint(&out));
        written?;
        line("checkpoint", &s);
        let _ = std::fs::remove_file(&out);
        drop(engine);
        first_changes()?;
        batch();
        engine_bytes()
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lifecycle: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A principal of the tenancy with the most principals.
fn in_largest_tenancy(principals: &[Principal]) -> Option<&Principal> {
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for p in principals.iter().filter(|p| p.is_indexed()) {
        *sizes.entry(&p.tenancy_id).or_default() += 1;
    }
    let (largest, _) = sizes.into_iter().max_by_key(|&(t, n)| (n, t))?;
    principals
        .iter()
        .find(|p| p.is_indexed() && p.tenancy_id == largest)
}
