//! The comparison run: dyngroup, the naive reference evaluator and DuckDB over the
//! same data in one process run, with the member-count check.

use std::path::{Path, PathBuf};
use std::time::Instant;

use dyngroup_index::Index;

use crate::data::{self, DataFiles};
use crate::engines::{self, Fleet};
use crate::machine;
use crate::report::{Engine, EngineCounts, HeapSource, Phase, Report, Row, disagreements};
use crate::timing::time_runs;
use crate::{duckdb, sql};

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Profile name, passed to datagen when the data must be generated.
    pub profile: String,
    /// Directory holding `inventory.jsonl` and `groups.jsonl`.
    pub data_dir: PathBuf,
    /// Generate the data with datagen when it is missing.
    pub generate: bool,
    /// Runs per phase for dyngroup.
    pub runs: usize,
    /// Runs per phase for the naive evaluator and DuckDB.
    pub peer_runs: usize,
    /// Run the DuckDB peer.
    pub duckdb: bool,
    /// The Python venv for DuckDB.
    pub venv: PathBuf,
    /// Where the output files of the end-to-end runs go (created; files removed after).
    pub work_dir: PathBuf,
    /// Size of the bandwidth test buffer in MiB; 0 skips the test.
    pub bandwidth_mib: usize,
    /// Measure the index's heap with the `index-heap` binary (else the lower bound
    /// from `IndexStats`).
    pub measure_heap: bool,
}

/// What the in-memory phases measured.
#[derive(Debug)]
pub struct InMemory {
    /// Timed rows: build, evaluate, transpose of dyngroup; evaluate of the naive
    /// evaluator.
    pub rows: Vec<Row>,
    /// Each engine's per-group member counts (dyngroup rayon first).
    pub counts: Vec<EngineCounts>,
    /// `IndexStats::string_bytes + posting_bytes`: a lower bound of the index's heap.
    pub index_bytes_lower_bound: u64,
    /// Indexed principals.
    pub indexed_principals: usize,
    /// `IndexStats::posting_bytes`.
    pub posting_bytes: usize,
    /// `IndexStats::string_bytes`.
    pub string_bytes: usize,
}

/// Times dyngroup's build, evaluate and transpose (`runs` each) and the naive
/// evaluator (`peer_runs` each) over `fleet`, and collects every engine's counts.
pub fn run_in_memory(fleet: &Fleet, runs: usize, peer_runs: usize) -> InMemory {
    let mut rows = Vec::new();
    let mut counts = Vec::new();
    let mut row = |engine, phase, samples| {
        let r = Row {
            engine,
            phase,
            samples,
        };
        progress(&r);
        rows.push(r);
    };

    let (samples, index) = time_runs(runs, || engines::build(fleet));
    row(Engine::Dyngroup, Phase::Build, samples);
    let stats = index.stats();

    let (samples, bitmaps) = time_runs(runs, || engines::evaluate(&index, true));
    row(Engine::Dyngroup, Phase::Evaluate, samples);
    counts.push(EngineCounts {
        label: "dyngroup evaluate".into(),
        counts: engines::bitmap_counts(&bitmaps),
    });
    let (samples, bitmaps_1t) = time_runs(runs, || engines::evaluate(&index, false));
    row(Engine::Dyngroup1t, Phase::Evaluate, samples);
    counts.push(EngineCounts {
        label: "dyngroup-1t evaluate".into(),
        counts: engines::bitmap_counts(&bitmaps_1t),
    });
    drop(bitmaps_1t);

    for (engine, parallel) in [(Engine::Dyngroup, true), (Engine::Dyngroup1t, false)] {
        let (samples, memberships) = time_transpose(&index, &bitmaps, runs, parallel);
        row(engine, Phase::Transpose, samples);
        counts.push(EngineCounts {
            label: format!("{} transpose", engine.name()),
            // The reverse map holds as many pairs as the bitmaps, or the check fails.
            counts: if engines::transpose_consistent(&memberships) {
                engines::bitmap_counts(memberships.group_bitmaps())
            } else {
                vec![u64::MAX; fleet.groups.len()]
            },
        });
    }
    drop(bitmaps);

    for (engine, parallel) in [(Engine::Naive1t, false), (Engine::Naive, true)] {
        let (samples, memberships) = time_runs(peer_runs, || engines::naive(fleet, parallel));
        row(engine, Phase::Evaluate, samples);
        counts.push(EngineCounts {
            label: format!("{} evaluate", engine.name()),
            counts: engines::reference_counts(&memberships),
        });
    }

    InMemory {
        rows,
        counts,
        index_bytes_lower_bound: (stats.string_bytes + stats.posting_bytes) as u64,
        indexed_principals: index.principal_count(),
        posting_bytes: stats.posting_bytes,
        string_bytes: stats.string_bytes,
    }
}

/// The transpose timed alone: the bitmaps are cloned before each run, outside the
/// timed region.
fn time_transpose(
    index: &Index,
    bitmaps: &[roaring::RoaringBitmap],
    runs: usize,
    parallel: bool,
) -> (crate::timing::Samples, dyngroup_index::Memberships) {
    let mut seconds = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        drop(last.take());
        let input = bitmaps.to_vec();
        let start = Instant::now();
        let out = engines::transpose(index, input, parallel);
        seconds.push(start.elapsed().as_secs_f64());
        last = Some(out);
    }
    (
        crate::timing::Samples::from_seconds(seconds),
        last.expect("ran at least once"),
    )
}

fn progress(row: &Row) {
    eprintln!(
        "compare: {} {}: median {} over {} runs",
        row.engine.name(),
        row.phase.name(),
        row.samples
            .median()
            .map_or_else(|| "-".into(), crate::timing::human),
        row.samples.runs()
    );
}

/// Runs the whole comparison.
pub fn run(options: &Options) -> Result<Report, String> {
    let files = if options.generate {
        data::ensure(&options.profile, &options.data_dir)?
    } else {
        let files = DataFiles::in_dir(&options.data_dir);
        if !files.exist() {
            return Err(format!(
                "no inventory.jsonl and groups.jsonl in {}",
                options.data_dir.display()
            ));
        }
        files
    };
    std::fs::create_dir_all(&options.work_dir)
        .map_err(|e| format!("{}: {e}", options.work_dir.display()))?;
    let work = |name: &str| options.work_dir.join(name);

    // 1. End to end first, so that the peak RSS afterwards is dyngroup's alone.
    let out = work("dyngroup-members.jsonl");
    let mut e2e_error = None;
    let (e2e_samples, e2e) = time_runs(options.runs, || {
        engines::end_to_end(&files, &out).map_err(|e| e2e_error = Some(e))
    });
    let e2e = e2e.map_err(|()| e2e_error.unwrap_or_default())?;
    let dyngroup_peak_rss_bytes = machine::peak_rss_bytes();
    let e2e_counts = e2e.counts.clone();
    drop(e2e);
    let _ = std::fs::remove_file(&out);
    let e2e_row = Row {
        engine: Engine::Dyngroup,
        phase: Phase::EndToEnd,
        samples: e2e_samples,
    };
    progress(&e2e_row);

    // 2. The machine's memory bandwidth.
    let bandwidth =
        (options.bandwidth_mib > 0).then(|| machine::memory_bandwidth(options.bandwidth_mib, 5));

    // The index's heap, measured in a child process that reads and builds the fleet
    // itself: before this process holds the fleet (at L the two would not fit in
    // memory together).
    let measured = if options.measure_heap {
        crate::heap::measure(&options.data_dir)
            .map_err(|e| {
                eprintln!(
                    "compare: index heap not measured ({e}); using the IndexStats lower bound"
                )
            })
            .ok()
    } else {
        None
    };

    // 3. Load once; the in-memory phases.
    let start = Instant::now();
    let fleet = Fleet::read(&files)?;
    let read_s = start.elapsed().as_secs_f64();
    let in_memory = run_in_memory(&fleet, options.runs, options.peer_runs);
    let mut rows = in_memory.rows;
    let mut counts = in_memory.counts;
    rows.push(e2e_row);
    counts.push(EngineCounts {
        label: "dyngroup end-to-end".into(),
        counts: e2e_counts,
    });

    // 4. DuckDB.
    let (mut duckdb_info, mut duckdb_skipped, mut translate_s) = (None, None, None);
    if options.duckdb {
        let start = Instant::now();
        let predicates = sql::group_predicates(&fleet.groups);
        translate_s = Some(start.elapsed().as_secs_f64());
        match run_duckdb(options, &files, &predicates) {
            Ok(d) => {
                for (phase, samples) in [
                    (Phase::Evaluate, &d.evaluate),
                    (Phase::EndToEnd, &d.end_to_end),
                ] {
                    let r = Row {
                        engine: Engine::DuckDb,
                        phase,
                        samples: samples.clone(),
                    };
                    progress(&r);
                    rows.push(r);
                }
                counts.push(EngineCounts {
                    label: "duckdb evaluate".into(),
                    counts: d.counts.clone(),
                });
                counts.push(EngineCounts {
                    label: "duckdb end-to-end".into(),
                    counts: d.end_to_end_counts.clone(),
                });
                duckdb_info = Some(crate::report::DuckDbInfo {
                    version: d.version,
                    threads: d.threads,
                    load: d.load,
                    peak_rss_bytes: d.peak_rss_bytes,
                });
            }
            Err(why) => {
                eprintln!("compare: skipping DuckDB: {why}");
                duckdb_skipped = Some(why);
            }
        }
    } else {
        duckdb_skipped = Some("--no-duckdb".into());
    }

    rows.sort_by_key(|r| (phase_order(r.phase), engine_order(r.engine)));
    let describe = |g: usize| {
        let group = &fleet.groups[g];
        let mut rule: String = group.matching_rule.chars().take(100).collect();
        if rule.len() < group.matching_rule.len() {
            rule.push('…');
        }
        format!("{} ({}): {rule}", group.name, group.tenancy_id)
    };
    let principals = fleet.principals.len();
    let (index_bytes, heap_source, build_peak_rss_bytes) = match measured {
        Some(m) => (m.index_bytes, HeapSource::Measured, m.peak_rss_bytes),
        None => (
            in_memory.index_bytes_lower_bound,
            HeapSource::StatsLowerBound,
            None,
        ),
    };
    Ok(Report {
        profile: options.profile.clone(),
        principals,
        indexed_principals: in_memory.indexed_principals,
        groups: fleet.groups.len(),
        runs: options.runs.max(1),
        peer_runs: options.peer_runs.max(1),
        rows,
        disagreements: disagreements(&counts, &describe),
        compared: counts.iter().map(|c| c.label.clone()).collect(),
        bytes_per_principal: index_bytes as f64 / in_memory.indexed_principals.max(1) as f64,
        index_bytes,
        heap_source,
        posting_bytes: in_memory.posting_bytes,
        string_bytes: in_memory.string_bytes,
        dyngroup_peak_rss_bytes,
        build_peak_rss_bytes,
        process_peak_rss_bytes: machine::peak_rss_bytes(),
        bandwidth,
        read_s,
        translate_s,
        duckdb: duckdb_info,
        duckdb_skipped,
    })
}

fn run_duckdb(
    options: &Options,
    files: &DataFiles,
    predicates: &[sql::GroupPredicate],
) -> Result<duckdb::DuckDbResult, String> {
    let python = duckdb::ensure_python(&options.venv)?;
    let path = options.work_dir.join("predicates.json");
    duckdb::write_predicates(predicates, &path)?;
    let out = options.work_dir.join("duckdb-members.jsonl");
    let result = duckdb::run(&python, files, &path, &out, options.peer_runs);
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&path);
    result
}

fn phase_order(p: Phase) -> u8 {
    match p {
        Phase::Build => 0,
        Phase::Evaluate => 1,
        Phase::Transpose => 2,
        Phase::EndToEnd => 3,
    }
}

fn engine_order(e: Engine) -> u8 {
    match e {
        Engine::Dyngroup => 0,
        Engine::Dyngroup1t => 1,
        Engine::Naive1t => 2,
        Engine::Naive => 3,
        Engine::DuckDb => 4,
    }
}

/// A scratch directory for one run's output files.
pub fn default_work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("dyngroup-compare-{}", std::process::id()))
}

/// Removes the scratch directory (best effort).
pub fn remove_work_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests;
