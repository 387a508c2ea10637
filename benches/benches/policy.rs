//! Policies over a datagen fleet: `who-can` for one question, one principal's
//! decision, and every principal's effective grants, with bitmaps (dyngroup-policy's
//! `Evaluator`), beside the reference evaluator that walks every (principal,
//! statement) pair.
//!
//! The fleet is datagen profile M (1M principals, 22,480 groups; seed 42) read from
//! `/tmp/dyngroup-data/M` and generated there when missing; `DYNGROUP_BENCH_PROFILE=S`
//! picks another profile. datagen does not grow compartment trees or policies yet, so
//! they are generated here, seeded: each tenancy's compartments (those its principals
//! live in) nested under random parents up to depth 6, and 10–100 statements per
//! tenancy in real shapes (dynamic groups by name or OCID, `any-user`, families and
//! types, `tenancy` and relative paths from the root or from the attachment, decided
//! and undecided conditions, 5% denies), ten statements a policy.
//!
//! The question asked is `read buckets` in the deepest compartment of the largest
//! tenancy: `who-can-sets` gives the answer as two bitmaps (allowed, conditional),
//! `who-can` adds every listed principal's chain (its cost grows with the answer). After criterion, the reference evaluator answers the same question and
//! computes every principal's effective grants once, and the ratios are printed.
//!
//! Run: `cargo bench -p dyngroup-benches --bench policy`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use dyngroup_benches::data;
use dyngroup_benches::engines::{self, Fleet};
use dyngroup_benches::rng::Rng;
use dyngroup_policy::{
    Compartment, CompartmentId, CompartmentTree, Evaluator, Policy, PolicySet, PolicyStatement,
    Reference, Request, ResourceTable, Verb,
};

const SEED: u64 = 0x9011_c1e5;

const RESOURCES: [&str; 10] = [
    "object-family",
    "buckets",
    "objects",
    "instance-family",
    "instances",
    "volume-family",
    "secret-family",
    "functions-family",
    "virtual-network-family",
    "all-resources",
];

/// The compartment trees and policies of every tenancy of `fleet`.
fn generate(fleet: &Fleet) -> (Vec<Compartment>, Vec<Policy>) {
    let mut rng = Rng(SEED);
    let mut by_tenancy: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in &fleet.principals {
        let list = by_tenancy.entry(p.tenancy_id.as_str()).or_default();
        if p.compartment_id != p.tenancy_id && !list.contains(&p.compartment_id.as_str()) {
            list.push(p.compartment_id.as_str());
        }
    }
    let mut groups: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for g in &fleet.groups {
        groups
            .entry(g.tenancy_id.as_str())
            .or_default()
            .push((g.name.as_str(), g.id.as_str()));
    }
    let mut tenancies: Vec<&str> = by_tenancy.keys().copied().collect();
    tenancies.sort_unstable();
    let (mut compartments, mut policies) = (Vec::new(), Vec::new());
    for tenancy in tenancies {
        compartments.push(Compartment {
            id: tenancy.into(),
            name: "root".into(),
            parent_id: None,
        });
        // (ocid, parent index, name, depth); index 0 is the root.
        let mut nodes: Vec<(String, usize, String, usize)> =
            vec![(tenancy.into(), 0, String::new(), 0)];
        for (k, c) in by_tenancy[tenancy].iter().enumerate() {
            let parent = if rng.chance(30) {
                0
            } else {
                rng.below(nodes.len())
            };
            let parent = if nodes[parent].3 >= 6 { 0 } else { parent };
            let name = format!("team-{k}");
            compartments.push(Compartment {
                id: (*c).into(),
                name: name.clone(),
                parent_id: Some(nodes[parent].0.clone()),
            });
            nodes.push(((*c).into(), parent, name, nodes[parent].3 + 1));
        }
        let path = |from: usize, to: usize| -> Option<String> {
            let mut names = Vec::new();
            let mut at = to;
            while at != from {
                if at == 0 {
                    return None;
                }
                names.push(nodes[at].2.as_str());
                at = nodes[at].1;
            }
            names.reverse();
            Some(names.join(":"))
        };
        let no_groups = Vec::new();
        let tenancy_groups = groups.get(tenancy).unwrap_or(&no_groups);
        let count = 10 + rng.below(91);
        let mut statements = Vec::new();
        let mut attached = 0;
        for s in 0..count {
            if s % 10 == 0 {
                attached = if rng.chance(70) {
                    0
                } else {
                    rng.below(nodes.len())
                };
            }
            let target = rng.below(nodes.len());
            // Locations stay inside the attachment's subtree, as OCI requires.
            let location = match (rng.chance(20), path(attached, target)) {
                (true, _) | (_, None) if attached == 0 => "tenancy".to_owned(),
                (_, Some(p)) if !p.is_empty() => format!("compartment {p}"),
                (_, Some(_)) => format!("compartment id {}", nodes[target].0),
                (_, None) => format!("compartment id {}", nodes[attached].0),
            };
            let subject = match (rng.below(10), tenancy_groups.is_empty()) {
                (0, _) | (_, true) => "any-user".to_owned(),
                (1, false) => format!(
                    "dynamic-group id {}",
                    tenancy_groups[rng.below(tenancy_groups.len())].1
                ),
                _ => format!(
                    "dynamic-group {}",
                    tenancy_groups[rng.below(tenancy_groups.len())].0
                ),
            };
            let effect = if rng.chance(5) { "Deny" } else { "Allow" };
            let verb = Verb::ALL[rng.below(4)];
            let resource = RESOURCES[rng.below(RESOURCES.len())];
            let condition = match rng.below(10) {
                0 => " where request.principal.type = 'instance'",
                1 => {
                    " where any {request.operation = 'GetObject', request.principal.type = 'fnfunc'}"
                }
                2 => " where target.compartment.name != 'team-0'",
                _ => "",
            };
            statements.push(PolicyStatement {
                text: format!("{effect} {subject} to {verb} {resource} in {location}{condition}"),
                origin: None,
            });
            if statements.len() == 10 || s + 1 == count {
                policies.push(Policy {
                    id: format!("ocid1.policy.oc1..{tenancy}-{}", policies.len()),
                    name: format!("policy-{}", policies.len()),
                    compartment_id: nodes[attached].0.clone(),
                    statements: std::mem::take(&mut statements),
                });
            }
        }
    }
    (compartments, policies)
}

/// The deepest compartment of the tenancy with the most principals.
fn question(fleet: &Fleet, tree: &CompartmentTree) -> Request {
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
    let deepest = fleet
        .principals
        .iter()
        .filter(|p| p.tenancy_id == largest)
        .filter_map(|p| tree.get(&p.compartment_id))
        .max_by_key(|&c: &CompartmentId| (tree.path(c).matches(':').count(), c))
        .unwrap_or(root);
    Request {
        verb: Verb::Read,
        resource: ResourceTable::builtin().resolve("buckets").set,
        compartment: deepest,
    }
}

fn main() {
    let profile = std::env::var("DYNGROUP_BENCH_PROFILE").unwrap_or_else(|_| "M".into());
    let files = data::ensure(&profile, &data::default_dir(&profile)).expect("the fleet's files");
    let fleet = Fleet::read(&files).expect("the fleet reads");
    let index = engines::build(&fleet);
    let memberships = index.evaluate();
    let (compartments, policies) = generate(&fleet);
    let tree = CompartmentTree::new(&compartments);
    let set = PolicySet::compile(policies, &tree);
    let evaluator = Evaluator::new(&index, &memberships, &tree, &set);
    let request = question(&fleet, &tree);
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
        .unwrap_or(dyngroup_index::PrincipalId(0));

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
