//! Live changes through the incremental engine, beside a full recompute.
//!
//! What is measured, each as a criterion `benchmark_group`:
//! - `principal-change`: one principal change in a tenancy of 100k principals and 50
//!   groups (a mix of retags, compartment moves, terminations and launches), applied
//!   and then read back through a **new** snapshot (`reader.snapshot()` and the
//!   principal's groups): the change is visible to readers when the timer stops;
//! - `rule-change`: one group's rule changed in that tenancy (two rules alternated,
//!   each re-evaluated as bitmaps over the tenancy; the delta lists thousands of
//!   joins and leaves);
//! - `full-recompute`: `IndexBuilder` + `Index::evaluate` (parallel) over the whole
//!   inventory, which is what a batch job redoes for any change.
//!
//! After criterion, a loop of 10 000 principal changes and 200 rule changes of each
//! kind, each timed alone, prints the median and p99 (criterion reports means of
//! batches, which hide the tail) — for a principal change: `apply_one` alone, then
//! with a new reader snapshot taken (the change is visible), then with the principal's
//! groups read from it — beside the full recompute and the engine's own build time.
//!
//! The fleet comes from a small seeded generator below (fixed seed): 1M principals by
//! default (`DYNGROUP_BENCH_PRINCIPALS` changes it), one tenancy of a tenth of them
//! with 50 groups, the rest in tenancies of about 5 000 with 20 groups each.
//!
//! Run: `cargo bench -p dyngroup-benches --bench incremental` (a few minutes at 1M on
//! two cores; most of it building the fleet and the full recomputes).

use criterion::{BenchmarkId, Criterion, Throughput};
use dyngroup_index::engine::{Change, Engine, EngineOptions, GroupUpdate, Reader};
use dyngroup_index::{DefinedTag, DynamicGroup, Index, IndexBuilder, Principal};
use std::hint::black_box;
use std::time::{Duration, Instant};

use dyngroup_benches::rng::Rng;

const SEED: u64 = 0x5eed_d16e_0007;
const BIG_GROUPS: usize = 50;
const GROUPS_PER_TENANCY: usize = 20;
const PRINCIPALS_PER_TENANCY: usize = 5_000;
const BIG_COMPARTMENTS: usize = 100;

const ROLES: [&str; 8] = [
    "web", "db", "cache", "batch", "api", "worker", "proxy", "ml",
];
const ENVS: [&str; 3] = ["prod", "dev", "test"];

fn tenancy(t: usize) -> String {
    format!("ocid1.tenancy.oc1..aaaaaaaa{t:0>52}")
}

fn compartments_of(t: usize) -> usize {
    if t == 0 {
        BIG_COMPARTMENTS
    } else {
        10 + t % 30
    }
}

fn compartment(t: usize, c: usize) -> String {
    format!("ocid1.compartment.oc1..aaaaaaaa{t:0>40}{c:0>12}")
}

fn tag(namespace: &str, key: &str, value: &str) -> DefinedTag {
    DefinedTag {
        namespace: namespace.into(),
        key: key.into(),
        value: value.into(),
    }
}

/// A principal of tenancy `t` with random attributes.
fn principal(rng: &mut Rng, t: usize, i: usize) -> Principal {
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
    Principal {
        id: format!("ocid1.{kind}.oc1.phx.aaaaaaaa{i:0>52}"),
        compartment_id: compartment(t, rng.below(compartments_of(t))),
        tenancy_id: tenancy(t),
        resource_type: None,
        defined_tags: tags,
        lifecycle_state: Some("RUNNING".into()),
    }
}

fn rule(rng: &mut Rng, t: usize, ids: &[String]) -> String {
    let comp = |rng: &mut Rng| compartment(t, rng.below(compartments_of(t)));
    let role = |rng: &mut Rng| ROLES[rng.below(ROLES.len())];
    match rng.below(8) {
        0 => format!("instance.compartment.id = '{}'", comp(rng)),
        1 => format!(
            "ANY {{instance.compartment.id = '{}', instance.compartment.id = '{}', instance.compartment.id = '{}'}}",
            comp(rng),
            comp(rng),
            comp(rng)
        ),
        2 => format!(
            "ALL {{instance.compartment.id = '{}', tag.operations.role.value = '{}'}}",
            comp(rng),
            role(rng)
        ),
        3 => format!(
            "ALL {{resource.type = 'fnfunc', resource.compartment.id = '{}'}}",
            comp(rng)
        ),
        4 => format!(
            "ALL {{tag.Operations.Env.value = 'prod', tag.operations.role.value != '{}'}}",
            role(rng)
        ),
        5 if !ids.is_empty() => {
            let any: Vec<String> = (0..4)
                .map(|_| format!("instance.id = '{}'", ids[rng.below(ids.len())]))
                .collect();
            format!("ANY {{{}}}", any.join(", "))
        }
        6 => format!(
            "ALL {{resource.compartment.id = '{}', ANY {{tag.finance.team.value = 'team{}', tag.finance.team.value = 'team{}'}}}}",
            comp(rng),
            rng.below(20),
            rng.below(20)
        ),
        _ => format!(
            "ANY {{ALL {{resource.type = 'apigateway', tag.operations.env.value = '{}'}}, ALL {{instance.compartment.id = '{}', tag.operations.role.value = '{}'}}}}",
            ENVS[rng.below(ENVS.len())],
            comp(rng),
            role(rng)
        ),
    }
}

struct Fleet {
    label: String,
    principals: Vec<Principal>,
    groups: Vec<DynamicGroup>,
}

fn generate(n: usize) -> Fleet {
    let mut rng = Rng(SEED);
    let big = n / 10;
    let others = ((n - big) / PRINCIPALS_PER_TENANCY).max(1);
    let mut principals = Vec::with_capacity(n);
    for i in 0..n {
        let t = if i < big { 0 } else { 1 + rng.below(others) };
        principals.push(principal(&mut rng, t, i));
    }
    let mut groups = Vec::new();
    for t in 0..=others {
        let ids: Vec<String> = principals
            .iter()
            .skip(if t == 0 { 0 } else { big })
            .take(2_000)
            .filter(|p| p.tenancy_id == tenancy(t) && p.id.contains(".instance."))
            .map(|p| p.id.clone())
            .collect();
        let count = if t == 0 {
            BIG_GROUPS
        } else {
            GROUPS_PER_TENANCY
        };
        for g in 0..count {
            groups.push(DynamicGroup {
                domain: None,
                id: format!("ocid1.dynamicgroup.oc1..t{t}g{g}"),
                name: format!("group-{g}"),
                description: String::new(),
                matching_rule: rule(&mut rng, t, &ids),
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

fn full_recompute(fleet: &Fleet) -> Index {
    let mut b = IndexBuilder::new();
    b.add_principals(&fleet.principals);
    for g in &fleet.groups {
        b.add_group(g.clone()).expect("valid, unique names");
    }
    let index = b.build();
    black_box(index.evaluate());
    index
}

/// A stream of principal changes in tenancy 0: half retags, a quarter compartment
/// moves, an eighth terminations and an eighth launches (so the size stays put).
struct Changes {
    rng: Rng,
    live: Vec<Principal>,
    next_id: usize,
}

impl Changes {
    fn new(fleet: &Fleet) -> Changes {
        let t0 = tenancy(0);
        Changes {
            rng: Rng(SEED ^ 0xc4a9),
            live: fleet
                .principals
                .iter()
                .filter(|p| p.tenancy_id == t0)
                .cloned()
                .collect(),
            next_id: fleet.principals.len(),
        }
    }

    /// The next change, and the OCID a reader then looks up.
    fn next(&mut self) -> (Change, String) {
        let rng = &mut self.rng;
        let k = rng.below(self.live.len());
        let p = match rng.below(8) {
            0..4 => {
                let p = &mut self.live[k];
                let role = ROLES[rng.below(ROLES.len())];
                match p.defined_tags.first_mut() {
                    Some(t) if t.key == "Role" => t.value = role.into(),
                    _ => p.defined_tags.insert(0, tag("Operations", "Role", role)),
                }
                p.clone()
            }
            4..6 => {
                let p = &mut self.live[k];
                p.compartment_id = compartment(0, rng.below(BIG_COMPARTMENTS));
                p.clone()
            }
            6 => {
                let mut p = self.live.swap_remove(k);
                p.lifecycle_state = Some("TERMINATED".into());
                p
            }
            _ => {
                let p = principal(rng, 0, self.next_id);
                self.next_id += 1;
                self.live.push(p.clone());
                p
            }
        };
        let id = p.id.clone();
        (Change::UpsertPrincipal(p), id)
    }
}

/// One change applied, then read back through a new snapshot.
fn change_and_read(engine: &mut Engine, reader: &Reader, change: Change, id: &str) -> usize {
    engine
        .apply_one(change)
        .expect("principal upserts are never refused");
    let snapshot = reader.snapshot();
    snapshot.groups_of(id).map_or(0, |g| g.len())
}

/// Pairs of rules for one group of tenancy 0, alternated: a narrow edit (another
/// compartment: hundreds of principals move) and a broad one (tens of thousands move).
fn rule_changes(fleet: &Fleet) -> [(&'static str, [GroupUpdate; 2]); 2] {
    let id = fleet.groups[0].id.clone();
    let pair = |a: String, b: String| {
        [a, b].map(|r| GroupUpdate {
            id: id.clone(),
            matching_rule: Some(r),
            ..GroupUpdate::default()
        })
    };
    let narrow = |c: usize| {
        format!(
            "ALL {{instance.compartment.id = '{}', tag.operations.role.value != 'db'}}",
            compartment(0, c)
        )
    };
    [
        ("narrow", pair(narrow(3), narrow(5))),
        (
            "broad",
            pair(
                format!(
                    "ANY {{instance.compartment.id = '{}', tag.operations.role.value = 'web', tag.operations.env.value = 'prod'}}",
                    compartment(0, 3)
                ),
                format!(
                    "ALL {{tag.operations.env.value != 'dev', ANY {{tag.operations.role.value = 'db', resource.compartment.id = '{}'}}}}",
                    compartment(0, 5)
                ),
            ),
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let n = std::env::var("DYNGROUP_BENCH_PRINCIPALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let fleet = generate(n);

    let start = Instant::now();
    let (mut engine, refused) = Engine::build(
        &fleet.principals,
        fleet.groups.clone(),
        EngineOptions::default(),
    );
    let engine_build = start.elapsed();
    assert!(refused.is_empty());
    let reader = engine.reader();
    let t0 = tenancy(0);
    let snapshot = reader.snapshot();
    eprintln!(
        "fleet {}: {} principals, tenancy 0: {} principals, {} groups; engine {:?}",
        fleet.label,
        snapshot.principal_count(),
        snapshot.tenancy_groups(&t0).next().map_or(0, |_| fleet
            .principals
            .iter()
            .filter(|p| p.tenancy_id == t0)
            .count()),
        snapshot.tenancy_groups(&t0).count(),
        engine.stats()
    );
    drop(snapshot);

    let mut c = Criterion::default().configure_from_args();
    let mut changes = Changes::new(&fleet);
    {
        let mut g = c.benchmark_group("principal-change");
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("apply+new-snapshot", &fleet.label), |b| {
            b.iter(|| {
                let (change, id) = changes.next();
                change_and_read(&mut engine, &reader, change, &id)
            })
        });
        g.finish();
    }
    let updates = rule_changes(&fleet);
    {
        let mut g = c.benchmark_group("rule-change");
        g.sample_size(20).throughput(Throughput::Elements(1));
        for (name, pair) in &updates {
            let mut i = 0;
            g.bench_function(BenchmarkId::new(*name, &fleet.label), |b| {
                b.iter(|| {
                    i += 1;
                    let delta = engine
                        .apply_one(Change::UpdateGroup(pair[i % 2].clone()))
                        .unwrap();
                    black_box(
                        reader
                            .snapshot()
                            .group(&pair[0].id)
                            .map(|g| g.member_count()),
                    );
                    delta.counts()
                })
            });
        }
        g.finish();
    }
    {
        let mut g = c.benchmark_group("full-recompute");
        g.sample_size(10)
            .throughput(Throughput::Elements(fleet.principals.len() as u64));
        g.bench_function(BenchmarkId::new("build+evaluate", &fleet.label), |b| {
            b.iter(|| full_recompute(&fleet))
        });
        g.finish();
    }

    // Per-operation timings: median and p99.
    let mut principal_times = Vec::with_capacity(10_000);
    let mut visible_times = Vec::with_capacity(10_000);
    let mut apply_times = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let (change, id) = changes.next();
        let start = Instant::now();
        engine.apply_one(change).unwrap();
        let applied = start.elapsed();
        let snapshot = reader.snapshot();
        let visible = start.elapsed();
        black_box(snapshot.groups_of(&id).map(|g| g.len()));
        principal_times.push(start.elapsed());
        visible_times.push(visible);
        apply_times.push(applied);
    }
    let mut rule_times = Vec::new();
    for (name, pair) in &updates {
        let (mut times, mut moved) = (Vec::with_capacity(200), 0);
        for i in 0..200 {
            let start = Instant::now();
            let delta = engine
                .apply_one(Change::UpdateGroup(pair[i % 2].clone()))
                .unwrap();
            black_box(
                reader
                    .snapshot()
                    .group(&pair[0].id)
                    .map(|g| g.member_count()),
            );
            times.push(start.elapsed());
            let (j, l) = delta.counts();
            moved += j + l;
        }
        times.sort();
        rule_times.push((*name, times, moved / 200));
    }
    let mut full = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        black_box(full_recompute(&fleet));
        full.push(start.elapsed());
    }
    for v in [
        &mut principal_times,
        &mut visible_times,
        &mut apply_times,
        &mut full,
    ] {
        v.sort();
    }
    let full_median = percentile(&full, 0.5);
    println!(
        "\nincremental on {} principals (tenancy of {} principals, {} groups):",
        fleet.label,
        Changes::new(&fleet).live.len(),
        BIG_GROUPS
    );
    let line = |what: &str, times: &[Duration]| {
        println!(
            "  {what:<44}  median {:>10.3?}   p99 {:>10.3?}   max {:>10.3?}",
            percentile(times, 0.5),
            percentile(times, 0.99),
            times[times.len() - 1]
        )
    };
    line("principal change: apply_one", &apply_times);
    line("  + new snapshot (visible to a reader)", &visible_times);
    line("  + groups_of the principal in it", &principal_times);
    for (name, times, moved) in &rule_times {
        println!(
            "  rule change, {name:<6} + new snapshot            median {:>10.3?}   p99 {:>10.3?}   ({moved} joins+leaves per change)",
            percentile(times, 0.5),
            percentile(times, 0.99),
        );
    }
    println!(
        "  full recompute (build + evaluate, parallel)   median {full_median:>10.3?}   (3 runs)"
    );
    println!("  engine build from the inventory               once   {engine_build:>10.3?}");
    println!(
        "  full recompute / (principal change + new snapshot), medians: {:.0}x",
        full_median.as_secs_f64() / percentile(&visible_times, 0.5).as_secs_f64()
    );
    for (name, times, _) in &rule_times {
        println!(
            "  full recompute / rule change, {name:<6}, medians: {:.0}x",
            full_median.as_secs_f64() / percentile(times, 0.5).as_secs_f64()
        );
    }
    c.final_summary();
}
