//! Snapshot files: how much faster opening a `.dgs` and answering the first
//! `--principal` query is than recomputing from the JSONL files, and how fast a
//! snapshot loads, in GB/s, beside the machine's memory bandwidth.
//!
//! What is measured, each as a criterion `benchmark_group` (ids `variant/profile`):
//! - `open`: `Snapshot::open` (memory map + header, table, xxh3 of every section,
//!   rkyv validation, every cross-reference) and `Snapshot::from_bytes` (the same from
//!   an in-memory copy), with `Throughput::Bytes` of the file: the load throughput;
//! - `first-query`: open, then the groups of one principal by OCID — what `dyngroup
//!   query --snapshot F --principal P` does; and `recompute`, the alternative: read both
//!   JSONL files, build the index, evaluate every group, then the same lookup;
//! - `query`: on an open snapshot, a principal's groups by OCID, a group's members;
//! - `write`: the encoding (`to_bytes`) and the atomic write with fsync;
//! - `diff`: the snapshot against itself (every member bitmap of both, the OCID merge).
//!
//! A summary then times, in this one process, recompute and open + first query (median
//! of a few runs each), prints the ratio (target: at least 50×), the load throughput
//! and the machine's memory read bandwidth.
//!
//! Data: profile `DYNGROUP_BENCH_PROFILE` (default `M`: 1M principals) from
//! `/tmp/dyngroup-data/<profile>`, generated with `cargo run --release -p datagen --
//! --profile M --seed 42 --out /tmp/dyngroup-data/M` when missing. Set it to `S` (100k
//! principals) for a quick run.
//!
//! Run: `cargo bench -p dyngroup-benches --bench snapshot` (about 6 minutes on M with two
//! cores, most of it the `recompute` samples).

use criterion::{BenchmarkId, Criterion, Throughput};
use dyngroup_benches::data::{self, DataFiles};
use dyngroup_benches::machine::memory_bandwidth;
use dyngroup_benches::timing::median;
use dyngroup_index::{GroupId, Index, IndexBuilder, Memberships};
use dyngroup_io::{ReadOptions, read_groups, read_inventory};
use dyngroup_snapshot::{Snapshot, WriteOptions};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

struct Setup {
    profile: String,
    files: DataFiles,
    snapshot: PathBuf,
    bytes: u64,
    /// OCIDs to look up: indexed principals spread over the fleet.
    probes: Vec<String>,
    index: Index,
    memberships: Memberships,
}

/// What `dyngroup compute` does before it can answer: read, build, evaluate.
fn recompute(files: &DataFiles) -> (Index, Memberships) {
    let options = ReadOptions::default();
    let inventory = read_inventory([&files.inventory], &options).expect("inventory reads");
    let groups = read_groups([&files.groups], &options).expect("groups read");
    let mut builder = IndexBuilder::new().parse_options(options.rule_options());
    builder.add_principals(inventory.principals());
    for group in groups.into_parts().0 {
        let _ = builder.add_group(group);
    }
    let index = builder.build();
    let memberships = index.evaluate();
    (index, memberships)
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let profile = std::env::var("DYNGROUP_BENCH_PROFILE").unwrap_or_else(|_| "M".into());
        let files = data::ensure(&profile, &data::default_dir(&profile)).expect("bench data");
        let (index, memberships) = recompute(&files);
        let snapshot = std::env::temp_dir().join(format!("dyngroup-bench-{profile}.dgs"));
        let bytes =
            dyngroup_snapshot::write(&snapshot, &index, &memberships, &WriteOptions::default())
                .expect("the snapshot writes");
        let n = index.principal_count() as u32;
        let probes = (0..64u32)
            .map(|i| {
                let p = dyngroup_index::PrincipalId::from_raw(
                    (u64::from(i) * u64::from(n) / 64) as u32,
                );
                index.principal_ocid(p).to_owned()
            })
            .collect();
        eprintln!(
            "snapshot bench: profile {profile}: {} principals, {} groups, snapshot {:.1} MB",
            index.principal_count(),
            index.group_count(),
            bytes as f64 / 1e6
        );
        Setup {
            profile,
            files,
            snapshot,
            bytes,
            probes,
            index,
            memberships,
        }
    })
}

/// Open, then one principal's groups: the `query --principal` path.
fn open_and_query(path: &Path, ocid: &str) -> usize {
    let snapshot = Snapshot::open(path).expect("the snapshot opens");
    let p = snapshot.principal_id(ocid).expect("an indexed principal");
    snapshot.groups_of(p).count()
}

fn bench_open(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("open");
    group.throughput(Throughput::Bytes(s.bytes));
    group.bench_function(BenchmarkId::new("mapped", &s.profile), |b| {
        b.iter(|| Snapshot::open(black_box(&s.snapshot)).unwrap())
    });
    let in_memory = std::fs::read(&s.snapshot).unwrap();
    group.bench_function(BenchmarkId::new("from-bytes", &s.profile), |b| {
        b.iter(|| Snapshot::from_bytes(black_box(&in_memory)).unwrap())
    });
    group.finish();
}

fn bench_first_query(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("first-query");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("snapshot", &s.profile), |b| {
        b.iter(|| open_and_query(&s.snapshot, black_box(&s.probes[0])))
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.bench_function(BenchmarkId::new("recompute", &s.profile), |b| {
        b.iter(|| {
            let (index, memberships) = recompute(&s.files);
            memberships
                .groups_of_ocid(&index, &s.probes[0])
                .unwrap()
                .len()
        })
    });
    group.finish();
}

fn bench_query(c: &mut Criterion) {
    let s = setup();
    let snapshot = Snapshot::open(&s.snapshot).unwrap();
    let mut group = c.benchmark_group("query");
    group.throughput(Throughput::Elements(s.probes.len() as u64));
    group.bench_function(BenchmarkId::new("principal-groups", &s.profile), |b| {
        b.iter(|| {
            s.probes
                .iter()
                .map(|ocid| snapshot.groups_of_ocid(black_box(ocid)).unwrap().len())
                .sum::<usize>()
        })
    });
    // The largest group: the slowest members query.
    let largest = snapshot
        .group_ids()
        .max_by_key(|&g| s.memberships.members(g).len())
        .unwrap_or(GroupId::from_raw(0));
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("largest-group-members", &s.profile), |b| {
        b.iter(|| snapshot.member_ocids(black_box(largest)).unwrap().len())
    });
    group.finish();
}

fn bench_write(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("write");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(s.bytes));
    let options = WriteOptions::default();
    group.bench_function(BenchmarkId::new("to-bytes", &s.profile), |b| {
        b.iter(|| dyngroup_snapshot::to_bytes(&s.index, &s.memberships, &options).unwrap())
    });
    let path = std::env::temp_dir().join(format!("dyngroup-bench-write-{}.dgs", s.profile));
    group.bench_function(BenchmarkId::new("atomic-fsync", &s.profile), |b| {
        b.iter(|| dyngroup_snapshot::write(&path, &s.index, &s.memberships, &options).unwrap())
    });
    let _ = std::fs::remove_file(&path);
    group.finish();
}

fn bench_diff(c: &mut Criterion) {
    let s = setup();
    let (old, new) = (
        Snapshot::open(&s.snapshot).unwrap(),
        Snapshot::open(&s.snapshot).unwrap(),
    );
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    group.throughput(Throughput::Elements(s.index.principal_count() as u64));
    group.bench_function(BenchmarkId::new("self", &s.profile), |b| {
        b.iter(|| dyngroup_snapshot::diff(&old, &new).unwrap().len())
    });
    group.finish();
}

/// Recompute vs open + first query in this one process, the ratio, load GB/s and the
/// machine's memory bandwidth.
fn summary() {
    let s = setup();
    let time = |runs: usize, f: &dyn Fn() -> usize| {
        let seconds: Vec<f64> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                black_box(f());
                start.elapsed().as_secs_f64()
            })
            .collect();
        median(&seconds).unwrap_or(f64::NAN)
    };
    let recompute_s = time(3, &|| {
        let (index, memberships) = recompute(&s.files);
        memberships
            .groups_of_ocid(&index, &s.probes[0])
            .unwrap()
            .len()
    });
    let snapshot_s = time(21, &|| open_and_query(&s.snapshot, &s.probes[0]));
    let open_s = time(21, &|| {
        Snapshot::open(&s.snapshot).unwrap();
        0
    });
    let bandwidth = memory_bandwidth(1024, 5);
    println!();
    println!(
        "snapshot summary, profile {} ({} principals, {} groups):",
        s.profile,
        s.index.principal_count(),
        s.index.group_count()
    );
    println!(
        "  recompute from JSONL + first query: {:>10.1} ms (median of 3)",
        recompute_s * 1e3
    );
    println!(
        "  open snapshot + first query:        {:>10.1} ms (median of 21)",
        snapshot_s * 1e3
    );
    println!(
        "  ratio:                              {:>10.0}x (target >= 50x)",
        recompute_s / snapshot_s
    );
    println!(
        "  load throughput: {:.1} MB in {:.1} ms = {:.2} GB/s; memory read bandwidth {:.2} GB/s \
         (one thread), {:.2} GB/s (all threads)",
        s.bytes as f64 / 1e6,
        open_s * 1e3,
        s.bytes as f64 / open_s / 1e9,
        bandwidth.one_thread_gbps,
        bandwidth.all_threads_gbps
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_open(&mut c);
    bench_first_query(&mut c);
    bench_query(&mut c);
    bench_write(&mut c);
    bench_diff(&mut c);
    c.final_summary();
    // `cargo bench --no-run` builds without running; `--list` and filters still get the
    // summary only in a full run.
    if std::env::args().all(|a| a != "--list") {
        summary();
    }
}
