//! Policies over a datagen fleet: `who-can` for one question, one principal's
//! decision, and every principal's effective grants, with bitmaps (dyngroup-policy's
//! `Evaluator`), beside the reference evaluator that walks every (principal,
//! statement) pair.
//!
//! The fleet is datagen profile M (1M principals, 22,480 groups; seed 42) with the
//! compartment trees and policies datagen writes beside it (`compartments.json`,
//! `policies.json`: trees up to depth 6, 10–100 statements per tenancy in real
//! shapes, see `datasets/README.md`), read from `DYNGROUP_BENCH_DATA` or
//! `/tmp/dyngroup-data/M` (generated there when missing); `DYNGROUP_BENCH_PROFILE=S`
//! picks another profile.
//!
//! The question asked is `read buckets` in the deepest compartment of the largest
//! tenancy that has an answer: `who-can-sets` gives the answer as two bitmaps (allowed, conditional),
//! `who-can` adds every listed principal's chain (its cost grows with the answer). After criterion, the reference evaluator answers the same question and
//! computes every principal's effective grants once, and the ratios are printed.
//!
//! Run: `cargo bench -p dyngroup-benches --bench policy` (with
//! `DYNGROUP_BENCH_DATA=DIR` for data generated elsewhere).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use dyngroup_benches::data;
use dyngroup_benches::engines::{self, Fleet};
use dyngroup_io::{ReadOptions, read_compartments, read_policies as read_policies_files};
use dyngroup_policy::{
    Compartment, CompartmentId, CompartmentTree, Evaluator, Policy, PolicySet, Reference, Request,
    ResourceTable, Verb,
};

/// The compartment trees and policies datagen wrote beside the fleet, read with the
/// CLI's readers.
fn read_policies(dir: &Path) -> (Vec<Compartment>, Vec<Policy>) {
    let (compartments, policies) = (dir.join("compartments.json"), dir.join("policies.json"));
    if !compartments.is_file() || !policies.is_file() {
        panic!(
            "no compartments.json and policies.json in {}: datagen writes them beside the \
             inventory; regenerate the data (cargo run --release -p datagen -- --profile M \
             --seed 42 --out DIR) or point DYNGROUP_BENCH_DATA at a directory that has them",
            dir.display()
        );
    }
    let options = ReadOptions::default();
    let compartments = read_compartments([&compartments], &options).expect("compartments read");
    let policies = read_policies_files([&policies], &options).expect("policies read");
    (
        compartments.compartments().to_vec(),
        policies.policies().to_vec(),
    )
}

/// `read buckets` in the deepest compartment of the tenancy with the most principals
/// where someone may read buckets (the deepest of all may have no answer, which
/// measures nothing).
fn question(fleet: &Fleet, tree: &CompartmentTree, evaluator: &Evaluator<'_>) -> Request {
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for p in &fleet.principals {
        *sizes.entry(p.tenancy_id.as_str()).or_default() += 1;
    }
    let largest = sizes
        .iter()
        .max_by_key(|(t, n)| (**n, *t))
        .map(|(t, _)| *t)
        .unwrap();
    let root = tree.get(largest).expect("the tenancy is a root");
    let mut compartments: Vec<CompartmentId> = fleet
        .principals
        .iter()
        .filter(|p| p.tenancy_id == largest)
        .filter_map(|p| tree.get(&p.compartment_id))
        .collect();
    compartments
        .sort_unstable_by_key(|&c| std::cmp::Reverse((tree.path(c).matches(':').count(), c)));
    compartments.dedup();
    compartments.push(root);
    let request = |compartment| Request {
        verb: Verb::Read,
        resource: ResourceTable::builtin().resolve("buckets").set,
        compartment,
    };
    compartments
        .into_iter()
        .map(request)
        .find(|r| {
            let (allowed, conditional) = evaluator.who_can_sets(r);
            !allowed.is_empty() || !conditional.is_empty()
        })
        .unwrap_or_else(|| request(root))
}

fn main() {
    let profile = std::env::var("DYNGROUP_BENCH_PROFILE").unwrap_or_else(|_| "M".into());
    let dir = std::env::var_os("DYNGROUP_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| data::default_dir(&profile));
    let files = data::ensure(&profile, &dir).expect("the fleet's files");
    let fleet = Fleet::read(&files).expect("the fleet reads");
    let index = engines::build(&fleet);
    let memberships = index.evaluate();
    let (compartments, policies) = read_policies(&dir);
    let tree = CompartmentTree::new(&compartments);
    let set = PolicySet::compile(policies, &tree);
    let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
    let request = question(&fleet, &tree, &evaluator);
    let who = evaluator.who_can(&request);
    eprintln!(
        "policy bench: profile {profile}: {} principals, {} groups, {} compartments, {} statements ({} evaluated, {} findings); question: read buckets in {} ({}), {} answers",
        index.principal_count(),
        index.group_count(),
        compartments.len(),
        set.policies()
            .iter()
            .map(|p| p.statements.len())
            .sum::<usize>(),
        set.grants().len(),
        set.findings().len() + evaluator.findings().len(),
        tree.path(request.compartment),
        tree.ocid(request.compartment),
        who.len()
    );
    let one = who
        .first()
        .map(|w| w.principal)
        .unwrap_or(dyngroup_index::PrincipalId::from_raw(0));

    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("policy");
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("who-can/bitmap", &profile), |b| {
            b.iter(|| black_box(evaluator.who_can(black_box(&request))))
        });
        g.bench_function(BenchmarkId::new("who-can-sets/bitmap", &profile), |b| {
            b.iter(|| black_box(evaluator.who_can_sets(black_box(&request))))
        });
        g.bench_function(BenchmarkId::new("decide/bitmap", &profile), |b| {
            b.iter(|| black_box(evaluator.decide(black_box(one), &request)))
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("policy-all");
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.throughput(Throughput::Elements(index.principal_count() as u64));
        g.bench_function(BenchmarkId::new("effective-grants/bitmap", &profile), |b| {
            b.iter(|| black_box(evaluator.effective_grants()))
        });
        g.bench_function(BenchmarkId::new("prepare/bitmap", &profile), |b| {
            b.iter(|| black_box(Evaluator::new(&index, &memberships, &tree, &set)))
        });
        g.finish();
    }
    c.final_summary();

    // The reference on the same data, once each, beside the bitmap path's best run.
    let reference = Reference::new(&fleet.principals, &fleet.groups, &tree, &set);
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    let fast_who = (0..20)
        .map(|_| time(&mut || drop(black_box(evaluator.who_can(&request)))))
        .min()
        .unwrap();
    let slow_who = time(&mut || drop(black_box(reference.who_can(&request))));
    let fast_all = (0..3)
        .map(|_| time(&mut || drop(black_box(evaluator.effective_grants()))))
        .min()
        .unwrap();
    let slow_all = time(&mut || {
        for p in 0..fleet.principals.len() {
            black_box(reference.effective_grants(p));
        }
    });
    println!("| operation ({profile}) | bitmap (best) | reference (one run) | ratio |");
    println!("|---|---|---|---|");
    for (what, fast, slow) in [
        ("who-can, one question", fast_who, slow_who),
        ("effective grants, every principal", fast_all, slow_all),
    ] {
        println!(
            "| {what} | {:.3} ms | {:.1} ms | {:.0}× |",
            fast.as_secs_f64() * 1e3,
            slow.as_secs_f64() * 1e3,
            slow.as_secs_f64() / fast.as_secs_f64().max(1e-9)
        );
    }
}
