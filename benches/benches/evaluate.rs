//! Batch evaluation of every group of every tenancy over a generated fleet.
//!
//! What is measured, each as a criterion `benchmark_group`:
//! - `build`: `IndexBuilder` over the whole inventory and all groups (interning,
//!   postings, planning);
//! - `evaluate`: every group's members — bitmap parallel, bitmap sequential, the full
//!   `Memberships` (groups + reverse map) in parallel, and the reference evaluator on
//!   one thread over the same data;
//! - `transpose`: group bitmaps → principal → groups, parallel and sequential;
//! - `lookup`: a principal's groups by OCID, a group's members by tenancy and name.
//!
//! After criterion, a comparison run times the reference evaluator (one thread) and
//! the bitmap evaluation on the same data in this one process and prints the ratio.
//!
//! The fleet comes from a small seeded generator below (fixed seed; the workspace's
//! dataset generator does not feed the benches yet): 1M principals by default, set
//! `DYNGROUP_BENCH_PRINCIPALS` to change it. About 200 tenancies (one large one holding
//! a fifth of the fleet), 20 groups each.
//!
//! Run: `cargo bench -p dyngroup-benches --bench evaluate` (about 5 minutes at 1M on two
//! cores, most of it the reference evaluator: ~10 s per run, 10 samples).

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use dyngroup_index::{
    DefinedTag, DynamicGroup, EvalOptions, Index, IndexBuilder, Memberships, Principal, reference,
};
use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dyngroup_benches::rng::Rng;

const SEED: u64 = 0x5eed_d16e_0001;
const GROUPS_PER_TENANCY: usize = 20;
const PRINCIPALS_PER_TENANCY: usize = 5_000;

struct Fleet {
    label: String,
    principals: Vec<Principal>,
    groups: Vec<DynamicGroup>,
}

const ROLES: [&str; 8] = [
    "web", "db", "cache", "batch", "api", "worker", "proxy", "ml",
];
const ENVS: [&str; 3] = ["prod", "dev", "test"];

fn generate(n: usize) -> Fleet {
    let mut rng = Rng(SEED);
    let tenancies = (n / PRINCIPALS_PER_TENANCY).max(1);
    let tenancy = |t: usize| format!("ocid1.tenancy.oc1..aaaaaaaa{t:0>52}");
    let compartments_of = |t: usize| if t == 0 { 100 } else { 10 + t % 30 };
    let compartment =
        |t: usize, c: usize| format!("ocid1.compartment.oc1..aaaaaaaa{t:0>40}{c:0>12}");
    let mut principals = Vec::with_capacity(n);
    let mut instances_of: Vec<Vec<usize>> = vec![Vec::new(); tenancies];
    for i in 0..n {
        // One large tenancy with a fifth of the fleet, the rest uniform.
        let t = if rng.chance(20) {
            0
        } else {
            rng.below(tenancies)
        };
        let c = rng.below(compartments_of(t));
        let kind = match rng.below(100) {
            0..70 => "instance",
            70..85 => "fnfunc",
            85..95 => "apigateway",
            _ => "autonomousdatabase",
        };
        let mut tags = Vec::new();
        if rng.chance(80) {
            tags.push(tag("Operations", "Role", ROLES[rng.below(ROLES.len())]));
        }
        if rng.chance(70) {
            tags.push(tag("operations", "env", ENVS[rng.below(ENVS.len())]));
        }
        if rng.chance(50) {
            tags.push(tag("Finance", "Team", &format!("team{}", rng.below(20))));
        }
        if rng.chance(30) {
            tags.push(tag(
                "finance",
                "CostCenter",
                &format!("{}", 1000 + rng.below(50)),
            ));
        }
        if kind == "instance" {
            instances_of[t].push(i);
        }
        principals.push(Principal {
            id: format!("ocid1.{kind}.oc1.phx.aaaaaaaa{i:0>52}"),
            compartment_id: compartment(t, c),
            tenancy_id: tenancy(t),
            resource_type: None,
            defined_tags: tags,
            lifecycle_state: Some(
                if rng.chance(2) {
                    "TERMINATED"
                } else {
                    "RUNNING"
                }
                .into(),
            ),
        });
    }
    let mut groups = Vec::new();
    for (t, instances) in instances_of.iter().enumerate() {
        let comp = |rng: &mut Rng| compartment(t, rng.below(compartments_of(t)));
        let role = |rng: &mut Rng| ROLES[rng.below(ROLES.len())];
        for g in 0..GROUPS_PER_TENANCY {
            let rule = match rng.below(10) {
                0 => format!("instance.compartment.id = '{}'", comp(&mut rng)),
                1 => format!(
                    "ANY {{instance.compartment.id = '{}', instance.compartment.id = '{}', instance.compartment.id = '{}'}}",
                    comp(&mut rng),
                    comp(&mut rng),
                    comp(&mut rng)
                ),
                2 => format!(
                    "ALL {{instance.compartment.id = '{}', tag.operations.role.value = '{}'}}",
                    comp(&mut rng),
                    role(&mut rng)
                ),
                3 => format!(
                    "ALL {{resource.type = 'fnfunc', resource.compartment.id = '{}'}}",
                    comp(&mut rng)
                ),
                4 => format!(
                    "ALL {{tag.Operations.Env.value = 'prod', tag.operations.role.value != '{}'}}",
                    role(&mut rng)
                ),
                5 if instances.is_empty() => "resource.type = 'instance'".to_owned(),
                5 => {
                    let ids: Vec<String> = (0..4)
                        .map(|_| {
                            let i = instances[rng.below(instances.len())];
                            format!("instance.id = '{}'", principals[i].id)
                        })
                        .collect();
                    format!("ANY {{{}}}", ids.join(", "))
                }
                6 => format!(
                    "ALL {{resource.compartment.id = '{}', ANY {{tag.finance.team.value = 'team{}', tag.finance.team.value = 'team{}'}}}}",
                    comp(&mut rng),
                    rng.below(20),
                    rng.below(20)
                ),
                7 => format!(
                    "ALL {{tag.operations.role.value, tag.finance.costcenter.value = '{}'}}",
                    1000 + rng.below(50)
                ),
                8 => format!(
                    "ALL {{instance.compartment.id != '{}', tag.operations.env.value = 'dev', resource.type != 'fnfunc'}}",
                    comp(&mut rng)
                ),
                _ => format!(
                    "ANY {{ALL {{resource.type = 'apigateway', tag.operations.env.value = '{}'}}, ALL {{instance.compartment.id = '{}', tag.operations.role.value = '{}'}}}}",
                    ENVS[rng.below(ENVS.len())],
                    comp(&mut rng),
                    role(&mut rng)
                ),
            };
            groups.push(DynamicGroup {
                domain: None,
                id: format!("ocid1.dynamicgroup.oc1..t{t}g{g}"),
                name: format!("group-{g}"),
                description: String::new(),
                matching_rule: rule,
                tenancy_id: tenancy(t),
            });
        }
    }
    let label = if n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else {
        format!("{n}")
    };
    Fleet {
        label,
        principals,
        groups,
    }
}

fn tag(namespace: &str, key: &str, value: &str) -> DefinedTag {
    DefinedTag {
        namespace: namespace.into(),
        key: key.into(),
        value: value.into(),
    }
}

fn build(fleet: &Fleet) -> Index {
    let mut b = IndexBuilder::new();
    b.add_principals(&fleet.principals);
    for g in &fleet.groups {
        b.add_group(g.clone())
            .expect("generated names are valid and unique");
    }
    b.build()
}

fn data() -> &'static (Fleet, Index) {
    static DATA: OnceLock<(Fleet, Index)> = OnceLock::new();
    DATA.get_or_init(|| {
        let n = std::env::var("DYNGROUP_BENCH_PRINCIPALS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000_000);
        let fleet = generate(n);
        let index = build(&fleet);
        eprintln!("fleet {}: {:?}", fleet.label, index.stats());
        (fleet, index)
    })
}

fn bench_build(c: &mut Criterion) {
    let (fleet, _) = data();
    let mut g = c.benchmark_group("build");
    g.sample_size(10)
        .throughput(Throughput::Elements(fleet.principals.len() as u64));
    g.bench_function(BenchmarkId::new("index", &fleet.label), |b| {
        b.iter(|| build(black_box(fleet)))
    });
    g.finish();
}

fn bench_evaluate(c: &mut Criterion) {
    let (fleet, index) = data();
    let mut g = c.benchmark_group("evaluate");
    g.sample_size(10)
        .throughput(Throughput::Elements(fleet.principals.len() as u64));
    g.bench_function(BenchmarkId::new("bitmap-parallel", &fleet.label), |b| {
        b.iter(|| index.evaluate_groups(&EvalOptions::parallel()))
    });
    g.bench_function(BenchmarkId::new("bitmap-sequential", &fleet.label), |b| {
        b.iter(|| index.evaluate_groups(&EvalOptions::sequential()))
    });
    g.bench_function(
        BenchmarkId::new("memberships-parallel", &fleet.label),
        |b| b.iter(|| index.evaluate()),
    );
    g.bench_function(
        BenchmarkId::new("reference-single-thread", &fleet.label),
        |b| b.iter(|| reference::evaluate(&fleet.principals, &fleet.groups)),
    );
    g.finish();
}

fn bench_transpose(c: &mut Criterion) {
    let (fleet, index) = data();
    let groups = index.evaluate_groups(&EvalOptions::parallel());
    let mut g = c.benchmark_group("transpose");
    g.sample_size(10)
        .throughput(Throughput::Elements(index.principal_count() as u64));
    for (name, parallel) in [("parallel", true), ("sequential", false)] {
        g.bench_function(BenchmarkId::new(name, &fleet.label), |b| {
            b.iter_batched(
                || groups.clone(),
                |groups| Memberships::from_group_bitmaps(index, groups, parallel),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn bench_lookup(c: &mut Criterion) {
    let (fleet, index) = data();
    let memberships = index.evaluate();
    let step = (fleet.principals.len() / 1024).max(1);
    let ids: Vec<&str> = fleet
        .principals
        .iter()
        .step_by(step)
        .map(|p| p.id.as_str())
        .collect();
    let names: Vec<(&str, &str)> = fleet
        .groups
        .iter()
        .step_by(7)
        .map(|g| (g.tenancy_id.as_str(), g.name.as_str()))
        .collect();
    let mut g = c.benchmark_group("lookup");
    g.throughput(Throughput::Elements(1));
    let mut i = 0;
    g.bench_function(BenchmarkId::new("groups-of-principal", &fleet.label), |b| {
        b.iter(|| {
            i = (i + 1) % ids.len();
            memberships
                .groups_of_ocid(index, black_box(ids[i]))
                .map(<[_]>::len)
        })
    });
    let mut j = 0;
    g.bench_function(
        BenchmarkId::new("members-of-group-name", &fleet.label),
        |b| {
            b.iter(|| {
                j = (j + 1) % names.len();
                let (t, n) = names[j];
                memberships
                    .members_of_named(index, black_box(t), black_box(n))
                    .map(|m| m.len())
            })
        },
    );
    g.finish();
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

/// Our time beside the naive baseline's, on the same data in this process.
fn compare() {
    let (fleet, index) = data();
    let reference = time(3, || {
        black_box(reference::evaluate(&fleet.principals, &fleet.groups));
    });
    let parallel = time(15, || {
        black_box(index.evaluate_groups(&EvalOptions::parallel()));
    });
    let sequential = time(15, || {
        black_box(index.evaluate_groups(&EvalOptions::sequential()));
    });
    let full = time(15, || {
        black_box(index.evaluate());
    });
    let ratio = |d: Duration| reference.as_secs_f64() / d.as_secs_f64();
    println!(
        "\ncomparison on {} principals, {} groups (medians):",
        fleet.label,
        fleet.groups.len()
    );
    println!("  reference, one thread          {reference:>12.3?}");
    println!(
        "  bitmap groups, parallel        {parallel:>12.3?}   {:>8.1}x",
        ratio(parallel)
    );
    println!(
        "  bitmap groups, one thread      {sequential:>12.3?}   {:>8.1}x",
        ratio(sequential)
    );
    println!(
        "  memberships (+reverse), par.   {full:>12.3?}   {:>8.1}x",
        ratio(full)
    );
}

criterion::criterion_group!(
    benches,
    bench_build,
    bench_evaluate,
    bench_transpose,
    bench_lookup
);

fn main() {
    benches();
    compare();
    Criterion::default().configure_from_args().final_summary();
}
