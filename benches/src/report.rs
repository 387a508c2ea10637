//! The comparison's results: rows of (engine, phase, samples), the member-count check,
//! memory and bandwidth, printed as a table and as one JSON object.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::machine::Bandwidth;
use crate::timing::{Samples, human};

/// Who computed the memberships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Engine {
    /// dyngroup's index, rayon.
    Dyngroup,
    /// dyngroup's index on one thread.
    Dyngroup1t,
    /// The naive reference evaluator on one thread.
    Naive1t,
    /// The naive reference evaluator, rayon.
    Naive,
    /// DuckDB (Python package), SQL over tables loaded from the same JSONL.
    DuckDb,
}

impl Engine {
    /// The name in the table and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Dyngroup => "dyngroup",
            Engine::Dyngroup1t => "dyngroup-1t",
            Engine::Naive1t => "naive-1t",
            Engine::Naive => "naive",
            Engine::DuckDb => "duckdb",
        }
    }
}

/// What was timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Principals and groups in memory → index.
    Build,
    /// Every group's members (from the built index, or from loaded tables).
    Evaluate,
    /// Group bitmaps → principal → groups.
    Transpose,
    /// JSONL files → written memberships file.
    EndToEnd,
}

impl Phase {
    /// The name in the table and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Build => "build",
            Phase::Evaluate => "evaluate",
            Phase::Transpose => "transpose",
            Phase::EndToEnd => "end-to-end",
        }
    }
}

/// One timed phase of one engine.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Who.
    pub engine: Engine,
    /// What.
    pub phase: Phase,
    /// Every run.
    pub samples: Samples,
}

/// One engine's member count per group, for the agreement check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineCounts {
    /// Engine and phase, e.g. `duckdb end-to-end`.
    pub label: String,
    /// Member count of each group, in the shared group order.
    pub counts: Vec<u64>,
}

/// A group on which the engines disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// Position in the shared group list.
    pub group: usize,
    /// "tenancy/name: rule" (rule shortened).
    pub what: String,
    /// Every engine's count.
    pub counts: Vec<(String, u64)>,
}

/// The groups on which any engine's count differs from the first engine's, in group
/// order. An engine with a count list of the wrong length disagrees on every group
/// it lacks.
pub fn disagreements(
    engines: &[EngineCounts],
    describe: &dyn Fn(usize) -> String,
) -> Vec<Disagreement> {
    let Some(first) = engines.first() else {
        return Vec::new();
    };
    let n = engines.iter().map(|e| e.counts.len()).max().unwrap_or(0);
    (0..n)
        .filter(|&g| {
            let base = first.counts.get(g);
            engines.iter().any(|e| e.counts.get(g) != base)
        })
        .map(|g| Disagreement {
            group: g,
            what: describe(g),
            counts: engines
                .iter()
                .map(|e| {
                    (
                        e.label.clone(),
                        e.counts.get(g).copied().unwrap_or(u64::MAX),
                    )
                })
                .collect(),
        })
        .collect()
}

/// Where `bytes_per_principal` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeapSource {
    /// Heap bytes allocated and not freed across building the index (the whole
    /// index: strings, principal records, postings, plans, group copies).
    Measured,
    /// `IndexStats::string_bytes + posting_bytes`: a lower bound (no hash tables,
    /// records or plans).
    StatsLowerBound,
}

/// DuckDB facts beside its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct DuckDbInfo {
    /// Package version.
    pub version: String,
    /// DuckDB's thread setting.
    pub threads: String,
    /// The load part of its end-to-end runs.
    pub load: Samples,
    /// The runner's peak RSS.
    pub peak_rss_bytes: Option<u64>,
}

/// Everything the comparison found.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// `sample`, `S`, `M`, …
    pub profile: String,
    /// Principals read from the inventory.
    pub principals: usize,
    /// Principals indexed (not terminated).
    pub indexed_principals: usize,
    /// Groups compared (those the index accepts).
    pub groups: usize,
    /// Runs per phase for dyngroup.
    pub runs: usize,
    /// Runs per phase for the naive evaluator and DuckDB.
    pub peer_runs: usize,
    /// Timed phases.
    pub rows: Vec<Row>,
    /// Groups where the engines' member counts differ (empty: they agree).
    pub disagreements: Vec<Disagreement>,
    /// The engines whose counts were compared.
    pub compared: Vec<String>,
    /// The index's heap bytes per indexed principal.
    pub bytes_per_principal: f64,
    /// The index's heap bytes.
    pub index_bytes: u64,
    /// How `index_bytes` was obtained.
    pub heap_source: HeapSource,
    /// `IndexStats::posting_bytes`: the bytes of every posting list (serialized roaring
    /// size), standing in for the bytes the evaluation reads.
    pub posting_bytes: usize,
    /// `IndexStats::string_bytes`: the interned strings' bytes.
    pub string_bytes: usize,
    /// Peak RSS of this process after dyngroup's end-to-end runs (nothing else loaded
    /// yet).
    pub dyngroup_peak_rss_bytes: Option<u64>,
    /// Peak RSS of the `index-heap` process: read the JSONL and build the index.
    pub build_peak_rss_bytes: Option<u64>,
    /// Peak RSS of this process at the end.
    pub process_peak_rss_bytes: Option<u64>,
    /// Measured memory read bandwidth.
    pub bandwidth: Option<Bandwidth>,
    /// Reading the JSONL into memory once (dyngroup-io), seconds.
    pub read_s: f64,
    /// Translating every rule to SQL, seconds (not in DuckDB's rows).
    pub translate_s: Option<f64>,
    /// DuckDB facts, when it ran.
    pub duckdb: Option<DuckDbInfo>,
    /// Why DuckDB did not run, when it did not.
    pub duckdb_skipped: Option<String>,
}

impl Report {
    /// Whether every engine gave every group the same member count.
    pub fn counts_agree(&self) -> bool {
        self.disagreements.is_empty()
    }

    /// The median of one row.
    pub fn median(&self, engine: Engine, phase: Phase) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.engine == engine && r.phase == phase)
            .and_then(|r| r.samples.median())
    }

    /// A row's median over dyngroup's (rayon) median for the same phase.
    pub fn ratio(&self, row: &Row) -> Option<f64> {
        let ours = self.median(Engine::Dyngroup, row.phase)?;
        Some(row.samples.median()? / ours)
    }

    /// The human-readable table and notes.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "profile {}: {} principals ({} indexed), {} groups; dyngroup {} runs, naive and duckdb {} runs; medians",
            self.profile,
            self.principals,
            self.indexed_principals,
            self.groups,
            self.runs,
            self.peer_runs
        );
        let _ = writeln!(
            s,
            "{:<12} {:<11} {:>10} {:>5} {:>12}",
            "engine", "phase", "median", "runs", "÷ dyngroup"
        );
        for row in &self.rows {
            let ratio = self
                .ratio(row)
                .map_or_else(|| "-".to_owned(), |r| format!("{}×", short(r)));
            let median = row.samples.median().map_or_else(|| "-".to_owned(), human);
            let _ = writeln!(
                s,
                "{:<12} {:<11} {:>10} {:>5} {:>12}",
                row.engine.name(),
                row.phase.name(),
                median,
                row.samples.runs(),
                ratio
            );
        }
        self.notes(&mut s);
        s
    }

    fn notes(&self, s: &mut String) {
        let m = |e, p| self.median(e, p);
        if let (Some(naive), Some(ours)) = (
            m(Engine::Naive1t, Phase::Evaluate),
            m(Engine::Dyngroup1t, Phase::Evaluate),
        ) {
            let _ = writeln!(
                s,
                "naive-1t ÷ dyngroup-1t (evaluate, both one thread): {}×",
                short(naive / ours)
            );
        }
        if let (Some(naive), Some(ours)) = (
            m(Engine::Naive, Phase::Evaluate),
            m(Engine::Dyngroup, Phase::Evaluate),
        ) {
            let _ = writeln!(
                s,
                "naive ÷ dyngroup (evaluate, both rayon): {}×",
                short(naive / ours)
            );
        }
        let _ = writeln!(
            s,
            "read JSONL into memory once (dyngroup-io): {}",
            human(self.read_s)
        );
        let source = match self.heap_source {
            HeapSource::Measured => {
                "heap bytes allocated while building and still held by the index, counted by index-heap"
            }
            HeapSource::StatsLowerBound => "IndexStats string_bytes + posting_bytes, a lower bound",
        };
        let _ = writeln!(
            s,
            "index memory: {} = {:.0} bytes per indexed principal ({source})",
            mib(self.index_bytes),
            self.bytes_per_principal
        );
        let _ = writeln!(
            s,
            "  of which interned string data {} and posting lists {} serialized (IndexStats)",
            mib(self.string_bytes as u64),
            mib(self.posting_bytes as u64)
        );
        if let Some(peak) = self.dyngroup_peak_rss_bytes {
            let _ = writeln!(
                s,
                "dyngroup end-to-end peak RSS (VmHWM, in process, before anything else was loaded): {}",
                mib(peak)
            );
        }
        if let Some(peak) = self.build_peak_rss_bytes {
            let _ = writeln!(
                s,
                "read + build peak RSS (VmHWM of the index-heap process, system allocator): {}",
                mib(peak)
            );
        }
        if let Some(peak) = self.process_peak_rss_bytes {
            let _ = writeln!(
                s,
                "compare process peak RSS at the end (VmHWM; includes the in-memory fleet, the naive runs and the bandwidth buffer): {}",
                mib(peak)
            );
        }
        if let Some(bw) = &self.bandwidth {
            let _ = writeln!(
                s,
                "memory read bandwidth ({} buffer): {:.1} GB/s one thread, {:.1} GB/s all threads",
                mib(bw.buffer_bytes as u64),
                bw.one_thread_gbps,
                bw.all_threads_gbps
            );
            let touched = self.posting_bytes as f64;
            for (engine, gbps) in [
                (Engine::Dyngroup, bw.all_threads_gbps),
                (Engine::Dyngroup1t, bw.one_thread_gbps),
            ] {
                if let Some(t) = m(engine, Phase::Evaluate) {
                    let _ = writeln!(
                        s,
                        "{} evaluate reads ~{} (IndexStats::posting_bytes, all postings once: an approximation) \
                         in {} = {:.2} GB/s, {:.1}% of bandwidth",
                        engine.name(),
                        mib(self.posting_bytes as u64),
                        human(t),
                        touched / t / 1e9,
                        100.0 * touched / t / 1e9 / gbps
                    );
                }
            }
        }
        if let Some(d) = &self.duckdb {
            let _ = writeln!(
                s,
                "duckdb {} ({} threads): load inside end-to-end {}; rule→SQL translation (compare, not in duckdb rows) {}; runner peak RSS {}",
                d.version,
                d.threads,
                d.load.median().map_or_else(|| "-".into(), human),
                self.translate_s.map_or_else(|| "-".into(), human),
                d.peak_rss_bytes.map_or_else(|| "-".into(), mib)
            );
        }
        if let Some(why) = &self.duckdb_skipped {
            let _ = writeln!(s, "duckdb skipped: {why}");
        }
        if self.counts_agree() {
            let _ = writeln!(
                s,
                "member counts agree on all {} groups across: {}",
                self.groups,
                self.compared.join(", ")
            );
        } else {
            let _ = writeln!(
                s,
                "MEMBER COUNTS DISAGREE on {} groups; the first:",
                self.disagreements.len()
            );
            for d in self.disagreements.iter().take(10) {
                let counts: Vec<String> =
                    d.counts.iter().map(|(l, c)| format!("{l}={c}")).collect();
                let _ = writeln!(s, "  group {} {}: {}", d.group, d.what, counts.join(" "));
            }
        }
    }

    /// The JSON object `--json` prints last.
    pub fn json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({
                    "engine": r.engine.name(),
                    "phase": r.phase.name(),
                    "median_s": r.samples.median(),
                    "runs": r.samples.runs(),
                    "ratio": self.ratio(r),
                })
            })
            .collect();
        let ratios: serde_json::Map<String, Value> = self
            .rows
            .iter()
            .filter_map(|r| {
                let ratio = self.ratio(r)?;
                Some((
                    format!("{}/{}", r.engine.name(), r.phase.name()),
                    json!(ratio),
                ))
            })
            .collect();
        json!({
            "profile": self.profile,
            "principals": self.principals,
            "indexed_principals": self.indexed_principals,
            "groups": self.groups,
            "counts_agree": self.counts_agree(),
            "bytes_per_principal": self.bytes_per_principal,
            "rows": rows,
            "ratios": ratios,
            "runs": self.runs,
            "peer_runs": self.peer_runs,
            "index_bytes": self.index_bytes,
            "index_bytes_source": match self.heap_source {
                HeapSource::Measured => "heap",
                HeapSource::StatsLowerBound => "index-stats-lower-bound",
            },
            "posting_bytes": self.posting_bytes,
            "string_bytes": self.string_bytes,
            "dyngroup_peak_rss_bytes": self.dyngroup_peak_rss_bytes,
            "build_peak_rss_bytes": self.build_peak_rss_bytes,
            "process_peak_rss_bytes": self.process_peak_rss_bytes,
            "bandwidth_gbps": self.bandwidth.map(|b| json!({
                "one_thread": b.one_thread_gbps,
                "all_threads": b.all_threads_gbps,
                "buffer_bytes": b.buffer_bytes,
            })),
            "read_s": self.read_s,
            "translate_s": self.translate_s,
            "duckdb": self.duckdb.as_ref().map(|d| json!({
                "version": d.version,
                "threads": d.threads,
                "load_median_s": d.load.median(),
                "peak_rss_bytes": d.peak_rss_bytes,
            })),
            "duckdb_skipped": self.duckdb_skipped,
            "disagreements": self.disagreements.len(),
        })
    }
}

/// A ratio with about three significant digits.
fn short(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else if r >= 10.0 {
        format!("{r:.1}")
    } else {
        format!("{r:.2}")
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(label: &str, counts: &[u64]) -> EngineCounts {
        EngineCounts {
            label: label.into(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn disagreements_list_differing_groups_in_order() {
        let engines = [
            counts("a", &[1, 2, 3]),
            counts("b", &[1, 5, 3]),
            counts("c", &[1, 2]),
        ];
        let d = disagreements(&engines, &|g| format!("g{g}"));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].group, 1);
        assert_eq!(d[0].what, "g1");
        assert_eq!(d[0].counts[1], ("b".into(), 5));
        assert_eq!(d[1].group, 2);
        assert_eq!(d[1].counts[2], ("c".into(), u64::MAX));
        assert!(
            disagreements(&[counts("a", &[1]), counts("b", &[1])], &|_| String::new()).is_empty()
        );
    }

    #[test]
    fn ratios_are_to_dyngroup_of_the_same_phase() {
        let row = |engine, phase, s: &[f64]| Row {
            engine,
            phase,
            samples: Samples::from_seconds(s.to_vec()),
        };
        let report = Report {
            profile: "t".into(),
            principals: 2,
            indexed_principals: 2,
            groups: 1,
            runs: 1,
            peer_runs: 1,
            rows: vec![
                row(Engine::Dyngroup, Phase::Evaluate, &[0.5, 1.0, 2.0]),
                row(Engine::Naive1t, Phase::Evaluate, &[10.0]),
                row(Engine::DuckDb, Phase::EndToEnd, &[3.0]),
            ],
            disagreements: Vec::new(),
            compared: vec!["dyngroup".into()],
            bytes_per_principal: 100.0,
            index_bytes: 200,
            heap_source: HeapSource::Measured,
            posting_bytes: 10,
            string_bytes: 20,
            dyngroup_peak_rss_bytes: None,
            build_peak_rss_bytes: None,
            process_peak_rss_bytes: None,
            bandwidth: None,
            read_s: 0.1,
            translate_s: None,
            duckdb: None,
            duckdb_skipped: Some("--no-duckdb".into()),
        };
        assert_eq!(report.ratio(&report.rows[1]), Some(10.0));
        assert_eq!(report.ratio(&report.rows[2]), None);
        let json = report.json();
        assert_eq!(json["counts_agree"], true);
        assert_eq!(json["rows"][1]["engine"], "naive-1t");
        assert_eq!(json["rows"][1]["median_s"], 10.0);
        assert_eq!(json["ratios"]["naive-1t/evaluate"], 10.0);
        let table = report.table();
        assert!(table.contains("naive-1t"), "{table}");
        assert!(table.contains("duckdb skipped: --no-duckdb"), "{table}");
    }
}
