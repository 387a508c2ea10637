//! The engine's API: every refusal (typed, changing nothing), group lifecycle,
//! principal moves and terminations, ordinal reuse, and readers — a held snapshot
//! never changes, and readers on other threads only ever see states that a full
//! recompute produces.

use dyngroup_index::engine::{
    Change, ChangeError, Engine, EngineOptions, GroupChange, GroupUpdate, LookupError,
    MembershipDelta, Version,
};
use dyngroup_index::{DefinedTag, DynamicGroup, Limits, Principal, reference};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const T: &str = "ocid1.tenancy.oc1..t";
const T2: &str = "ocid1.tenancy.oc1..t2";
const PROD: &str = "ocid1.compartment.oc1..prod";
const DEV: &str = "ocid1.compartment.oc1..dev";

fn vm(n: u32, compartment: &str, role: &str) -> Principal {
    Principal {
        id: format!("ocid1.instance.oc1..vm{n}"),
        compartment_id: compartment.into(),
        tenancy_id: T.into(),
        defined_tags: vec![DefinedTag {
            namespace: "Ops".into(),
            key: "Role".into(),
            value: role.into(),
        }],
        ..Principal::default()
    }
}

fn group(id: &str, name: &str, rule: &str) -> DynamicGroup {
    DynamicGroup {
        domain: None,
        id: id.into(),
        name: name.into(),
        description: String::new(),
        matching_rule: rule.into(),
        tenancy_id: T.into(),
    }
}

type Dump = BTreeMap<String, BTreeSet<String>>;

fn dump(s: &Version) -> Dump {
    s.groups()
        .iter()
        .map(|g| (g.id().to_owned(), g.members().map(String::from).collect()))
        .collect()
}

fn ids(list: &[std::sync::Arc<str>]) -> Vec<&str> {
    list.iter().map(|s| &**s).collect()
}

/// An engine with web (role = web), prod (instances in prod) and two members.
fn engine() -> Engine {
    let mut e = Engine::new();
    let applied = e.apply([
        Change::CreateGroup(group(
            "ocid1.dynamicgroup.oc1..web",
            "web",
            "tag.ops.role.value = 'web'",
        )),
        Change::CreateGroup(group(
            "ocid1.dynamicgroup.oc1..prod",
            "Prod",
            &format!("instance.compartment.id = '{PROD}'"),
        )),
        Change::UpsertPrincipal(vm(1, PROD, "web")),
        Change::UpsertPrincipal(vm(2, DEV, "db")),
    ]);
    assert!(applied.refused.is_empty());
    assert_eq!(applied.version, 1, "one batch, one version");
    e
}

/// Applies a change that must be refused, and checks it changed nothing.
fn refuse(e: &mut Engine, change: Change) -> ChangeError {
    let (version, before) = (e.version(), dump(&e.snapshot()));
    let stats = e.stats();
    let err = e.apply_one(change).expect_err("refused");
    assert_eq!(e.version(), version);
    assert_eq!(dump(&e.snapshot()), before);
    assert_eq!(e.stats().groups, stats.groups);
    assert_eq!(e.stats().principals, stats.principals);
    err
}

#[test]
fn every_refusal_is_typed_and_changes_nothing() {
    let mut e = Engine::with_options(EngineOptions {
        limits: Limits {
            max_groups_per_tenancy: 3,
            ..Limits::default()
        },
        ..EngineOptions::default()
    });
    e.apply([
        Change::CreateGroup(group(
            "ocid1.dynamicgroup.oc1..web",
            "web",
            "tag.ops.role.value = 'web'",
        )),
        Change::UpsertPrincipal(vm(1, PROD, "web")),
    ]);

    for name in ["", "with space", "slash/", &"a".repeat(101)] {
        let err = refuse(
            &mut e,
            Change::CreateGroup(group("", name, "resource.type = 'x'")),
        );
        assert_eq!(err, ChangeError::InvalidGroupName { name: name.into() });
    }
    assert_eq!(
        refuse(
            &mut e,
            Change::CreateGroup(group("", "WEB", "resource.type = 'x'"))
        ),
        ChangeError::DuplicateGroupName {
            name: "WEB".into(),
            tenancy_id: T.into()
        }
    );
    assert_eq!(
        refuse(
            &mut e,
            Change::CreateGroup(group("ocid1.dynamicgroup.oc1..web", "other", "x"))
        ),
        ChangeError::DuplicateGroupId {
            id: "ocid1.dynamicgroup.oc1..web".into()
        }
    );
    let mut long = group("", "long", "resource.type = 'x'");
    long.description = "é".repeat(401);
    assert_eq!(
        refuse(&mut e, Change::CreateGroup(long.clone())),
        ChangeError::DescriptionTooLong {
            name: "long".into(),
            len: 401
        }
    );
    long.description.pop();
    e.apply_one(Change::CreateGroup(long))
        .expect("400 characters are fine");
    e.apply_one(Change::CreateGroup(group(
        "",
        "third",
        "resource.type = 'x'",
    )))
    .unwrap();
    assert_eq!(
        refuse(
            &mut e,
            Change::CreateGroup(group("", "fourth", "resource.type = 'x'"))
        ),
        ChangeError::TenancyGroupLimit {
            tenancy_id: T.into(),
            limit: 3
        }
    );
    // Another tenancy has its own limit.
    let mut elsewhere = group("", "fourth", "resource.type = 'x'");
    elsewhere.tenancy_id = T2.into();
    e.apply_one(Change::CreateGroup(elsewhere)).unwrap();

    let unknown = "ocid1.dynamicgroup.oc1..nope";
    let update = GroupUpdate {
        id: unknown.into(),
        matching_rule: Some("x".into()),
        ..GroupUpdate::default()
    };
    let unknown_group = ChangeError::UnknownGroup { id: unknown.into() };
    assert_eq!(refuse(&mut e, Change::UpdateGroup(update)), unknown_group);
    let delete = Change::DeleteGroup {
        id: unknown.into(),
        force: true,
    };
    assert_eq!(refuse(&mut e, delete), unknown_group);
    let update = GroupUpdate {
        id: "ocid1.dynamicgroup.oc1..web".into(),
        description: Some("d".repeat(401)),
        matching_rule: Some("resource.type = 'x'".into()),
    };
    assert!(matches!(
        refuse(&mut e, Change::UpdateGroup(update)),
        ChangeError::DescriptionTooLong { len: 401, .. }
    ));
    assert_eq!(
        refuse(
            &mut e,
            Change::UpsertGroup(group("ocid1.dynamicgroup.oc1..web", "renamed", "x"))
        ),
        ChangeError::GroupRename {
            id: "ocid1.dynamicgroup.oc1..web".into(),
            name: "web".into(),
            requested: "renamed".into()
        }
    );
    let mut moved = group("ocid1.dynamicgroup.oc1..web", "web", "x");
    moved.tenancy_id = T2.into();
    assert_eq!(
        refuse(&mut e, Change::UpsertGroup(moved)),
        ChangeError::GroupTenancyChange {
            id: "ocid1.dynamicgroup.oc1..web".into(),
            tenancy_id: T.into(),
            requested: T2.into()
        }
    );
    let delete = Change::DeleteGroup {
        id: "ocid1.dynamicgroup.oc1..web".into(),
        force: false,
    };
    assert_eq!(
        refuse(&mut e, delete),
        ChangeError::GroupHasMembers {
            id: "ocid1.dynamicgroup.oc1..web".into(),
            members: 1
        }
    );
    // Removing a principal the engine does not hold is a no-op, not an error.
    let version = e.version();
    let delta = e
        .apply_one(Change::RemovePrincipal {
            id: "ocid1.instance.oc1..nope".into(),
        })
        .unwrap();
    assert!(delta.is_empty());
    assert_eq!(e.version(), version, "nothing published");
    // Messages are lower-case, without a final period.
    let text = ChangeError::TenancyGroupLimit {
        tenancy_id: T.into(),
        limit: 3,
    }
    .to_string();
    assert_eq!(text, format!("tenancy {T} already has 3 groups, its limit"));

    // In a batch, refused changes are skipped and reported; the rest apply.
    let applied = e.apply([
        Change::CreateGroup(group("", "worse name", "x")),
        Change::UpsertPrincipal(vm(2, PROD, "web")),
        Change::CreateGroup(group("", "bad name", "x")),
    ]);
    let refused: Vec<usize> = applied.refused.iter().map(|r| r.index).collect();
    assert_eq!(refused, [0, 2]);
    let web = applied.delta.group("ocid1.dynamicgroup.oc1..web").unwrap();
    assert_eq!(ids(&web.joined), ["ocid1.instance.oc1..vm2"]);
}

#[test]
fn principal_changes_give_joins_and_leaves() {
    let mut e = engine();
    let s = e.snapshot();
    assert_eq!(
        s.group("ocid1.dynamicgroup.oc1..web")
            .unwrap()
            .members()
            .collect::<Vec<_>>(),
        ["ocid1.instance.oc1..vm1"]
    );

    // Retag vm2 to web, and move it to prod: joins both.
    let delta = e
        .apply_one(Change::UpsertPrincipal(vm(2, PROD, "web")))
        .unwrap();
    assert_eq!(delta.groups.len(), 2);
    for g in &delta.groups {
        assert_eq!(ids(&g.joined), ["ocid1.instance.oc1..vm2"]);
        assert!(g.left.is_empty() && g.change == GroupChange::Updated && !g.redefined);
    }
    assert_eq!(delta.counts(), (2, 0));
    // The same record again changes nothing, and publishes nothing.
    let version = e.version();
    assert!(
        e.apply_one(Change::UpsertPrincipal(vm(2, PROD, "web")))
            .unwrap()
            .is_empty()
    );
    let mut stopped = vm(2, PROD, "web");
    stopped.lifecycle_state = Some("STOPPED".into());
    assert!(
        e.apply_one(Change::UpsertPrincipal(stopped))
            .unwrap()
            .is_empty()
    );
    assert_eq!(e.version(), version);

    // Terminating: leaves everything and is gone.
    let mut gone = vm(2, PROD, "web");
    gone.lifecycle_state = Some("Terminating".into());
    let delta = e.apply_one(Change::UpsertPrincipal(gone.clone())).unwrap();
    assert_eq!(delta.counts(), (0, 2));
    assert!(e.snapshot().principal("ocid1.instance.oc1..vm2").is_none());
    // Terminated and unknown: nothing to do, not an error.
    assert!(
        e.apply_one(Change::UpsertPrincipal(gone))
            .unwrap()
            .is_empty()
    );

    // Moving tenancy: leaves the old tenancy's groups (members never cross).
    let mut moved = vm(1, PROD, "web");
    moved.tenancy_id = T2.into();
    let delta = e.apply_one(Change::UpsertPrincipal(moved)).unwrap();
    assert_eq!(delta.counts(), (0, 2));
    let s = e.snapshot();
    assert_eq!(
        s.principal("ocid1.instance.oc1..vm1").unwrap().tenancy_id(),
        T2
    );
    assert_eq!(s.groups_of("ocid1.instance.oc1..vm1").unwrap().len(), 0);
    let why = s
        .explain("ocid1.instance.oc1..vm1", "ocid1.dynamicgroup.oc1..web")
        .unwrap();
    assert!(!why.same_tenancy && !why.member);
    assert!(
        why.tree.unwrap().holds,
        "the rule holds, the tenancy does not"
    );
    assert_eq!(
        s.explain("ocid1.instance.oc1..nope", "ocid1.dynamicgroup.oc1..web"),
        Err(LookupError::UnknownPrincipal(
            "ocid1.instance.oc1..nope".into()
        ))
    );
    assert_eq!(
        s.explain("ocid1.instance.oc1..vm1", "nope"),
        Err(LookupError::UnknownGroup("nope".into()))
    );
    assert!(
        e.apply_one(Change::RemovePrincipal {
            id: "ocid1.instance.oc1..vm1".into()
        })
        .unwrap()
        .is_empty()
    );
}

#[test]
fn rule_changes_and_group_lifecycle() {
    let mut e = engine();
    // Update the rule: vm1 leaves, vm2 joins. The description alone: no membership change.
    let delta = e
        .apply_one(Change::UpdateGroup(GroupUpdate {
            id: "ocid1.dynamicgroup.oc1..web".into(),
            matching_rule: Some("tag.ops.role.value = 'db'".into()),
            description: Some("databases".into()),
        }))
        .unwrap();
    let web = &delta.groups[0];
    assert!(web.change == GroupChange::Updated && web.redefined);
    assert_eq!(
        (ids(&web.joined), ids(&web.left)),
        (
            vec!["ocid1.instance.oc1..vm2"],
            vec!["ocid1.instance.oc1..vm1"]
        )
    );
    let delta = e
        .apply_one(Change::UpdateGroup(GroupUpdate {
            id: "ocid1.dynamicgroup.oc1..web".into(),
            description: Some("db servers".into()),
            ..GroupUpdate::default()
        }))
        .unwrap();
    assert!(delta.groups[0].redefined && delta.groups[0].joined.is_empty());
    assert_eq!(
        e.snapshot()
            .group("ocid1.dynamicgroup.oc1..web")
            .unwrap()
            .description(),
        "db servers"
    );

    // A rule that does not parse is refused, as the OCI API refuses it: the group
    // keeps its rule and members. A create with one is refused too.
    let version = e.version();
    let err = e
        .apply_one(Change::UpdateGroup(GroupUpdate {
            id: "ocid1.dynamicgroup.oc1..web".into(),
            matching_rule: Some("ANY {".into()),
            ..GroupUpdate::default()
        }))
        .unwrap_err();
    assert!(
        matches!(err, ChangeError::InvalidRule { ref name, .. } if name == "web"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("the rule of group `web` does not parse: "),
        "{err}"
    );
    assert_eq!(e.version(), version);
    let s = e.snapshot();
    let web = s.group("ocid1.dynamicgroup.oc1..web").unwrap();
    assert_eq!(web.matching_rule(), "tag.ops.role.value = 'db'");
    assert_eq!(
        web.members().collect::<Vec<_>>(),
        ["ocid1.instance.oc1..vm2"]
    );
    let err = e
        .apply_one(Change::CreateGroup(group("", "broken", "ALL {")))
        .unwrap_err();
    assert!(matches!(err, ChangeError::InvalidRule { .. }), "{err}");
    assert!(e.snapshot().group_by_name(T, "broken").is_none());
    // A group loaded with the inventory keeps a rule that does not parse (fail
    // closed, as in batch evaluation).
    let (loaded, refused) = Engine::build(
        &[],
        [group("ocid1.dynamicgroup.oc1..bad", "bad", "ANY {")],
        EngineOptions::default(),
    );
    assert!(refused.is_empty());
    let s = loaded.snapshot();
    let bad = s.group("ocid1.dynamicgroup.oc1..bad").unwrap();
    assert!(bad.rule().is_err() && bad.ast().is_none() && bad.member_count() == 0);

    // Upsert by name without an id updates; the name's case may differ, the stored
    // spelling stays.
    let delta = e
        .apply_one(Change::UpsertGroup(group(
            "",
            "PROD",
            "resource.type = 'instance'",
        )))
        .unwrap();
    let prod = delta.group("ocid1.dynamicgroup.oc1..prod").unwrap();
    assert!(prod.redefined && prod.change == GroupChange::Updated);
    assert_eq!(ids(&prod.joined), ["ocid1.instance.oc1..vm2"]);
    assert_eq!(
        e.snapshot().group_by_name(T, "prod").unwrap().name(),
        "Prod"
    );

    // Delete with members: refused, then forced; everyone leaves.
    let delta = e
        .apply_one(Change::DeleteGroup {
            id: "ocid1.dynamicgroup.oc1..prod".into(),
            force: true,
        })
        .unwrap();
    assert_eq!(delta.groups[0].change, GroupChange::Deleted);
    assert_eq!(delta.counts(), (0, 2));
    // A group without members is deleted without force.
    e.apply_one(Change::RemovePrincipal {
        id: "ocid1.instance.oc1..vm2".into(),
    })
    .unwrap();
    e.apply_one(Change::DeleteGroup {
        id: "ocid1.dynamicgroup.oc1..web".into(),
        force: false,
    })
    .unwrap();
    assert_eq!(e.snapshot().group_count(), 0);

    // A name created without an id gets a fresh OCID; deleted and created again, another.
    let first = e
        .apply_one(Change::CreateGroup(group(
            "",
            "web",
            "tag.ops.role.value = 'web'",
        )))
        .unwrap();
    let first = first.groups[0].clone();
    assert!(
        first.change == GroupChange::Created
            && first
                .group_id
                .starts_with("ocid1.dynamicgroup.oc1..aaaaaaaa")
    );
    assert_eq!(ids(&first.joined), ["ocid1.instance.oc1..vm1"]);
    e.apply_one(Change::DeleteGroup {
        id: first.group_id.to_string(),
        force: true,
    })
    .unwrap();
    let second = e
        .apply_one(Change::CreateGroup(group(
            "",
            "Web",
            "tag.ops.role.value = 'web'",
        )))
        .unwrap();
    assert_ne!(second.groups[0].group_id, first.group_id);
    // Deterministic: the same changes give the same ids.
    let mut again = engine();
    for id in [
        "ocid1.dynamicgroup.oc1..prod",
        "ocid1.dynamicgroup.oc1..web",
    ] {
        again
            .apply_one(Change::DeleteGroup {
                id: id.into(),
                force: true,
            })
            .unwrap();
    }
    let replayed = again
        .apply_one(Change::CreateGroup(group(
            "",
            "web",
            "tag.ops.role.value = 'web'",
        )))
        .unwrap();
    assert_eq!(replayed.groups[0].group_id, first.group_id);
}

#[test]
fn deltas_merge_to_the_net_change() {
    let mut e = engine();
    let mut total = MembershipDelta::default();
    total.merge(
        e.apply_one(Change::UpsertPrincipal(vm(1, DEV, "db")))
            .unwrap(),
    );
    total.merge(
        e.apply_one(Change::UpsertPrincipal(vm(1, PROD, "web")))
            .unwrap(),
    );
    assert!(total.is_empty(), "left and joined again: no net change");
    // The same through one batch.
    let applied = e.apply([
        Change::UpsertPrincipal(vm(1, DEV, "db")),
        Change::UpsertPrincipal(vm(1, PROD, "web")),
        Change::UpsertPrincipal(vm(3, PROD, "web")),
    ]);
    assert_eq!(applied.delta.counts(), (2, 0));
}

#[test]
fn freed_ordinals_are_reused_and_postings_stay_compact() {
    let mut e = engine();
    let baseline = e.stats();
    assert_eq!((baseline.principals, baseline.ordinal_span), (2, 2));
    // Churn: launch and terminate many short-lived principals, with fresh tags.
    for round in 0..500u32 {
        let batch: Vec<Principal> = (0..20)
            .map(|i| vm(100 + round * 20 + i, DEV, &format!("r{round}-{i}")))
            .collect();
        e.apply(batch.iter().cloned().map(Change::UpsertPrincipal));
        let peak = e.stats();
        assert_eq!(
            peak.ordinal_span, 22,
            "ordinals stay below the peak live count"
        );
        e.apply(
            batch
                .iter()
                .map(|p| Change::RemovePrincipal { id: p.id.clone() }),
        );
    }
    let after = e.stats();
    assert_eq!(
        (
            after.principals,
            after.ordinal_span,
            after.terms,
            after.groups,
            after.tenancies
        ),
        (
            baseline.principals,
            baseline.ordinal_span,
            baseline.terms,
            baseline.groups,
            baseline.tenancies
        )
    );
    // The writer's string table does not keep the 10 000 tag values it saw.
    assert!(after.strings < 2 * 4096, "strings: {}", after.strings);
}

#[test]
fn a_held_snapshot_never_changes() {
    let mut e = engine();
    let reader = e.reader();
    let held = reader.snapshot();
    let (version, before) = (held.version(), dump(&held));
    let vm1_groups: Vec<String> = held
        .groups_of("ocid1.instance.oc1..vm1")
        .unwrap()
        .iter()
        .map(|g| g.id().to_owned())
        .collect();
    for i in 0..200u32 {
        let role = if i % 2 == 0 { "db" } else { "web" };
        e.apply_one(Change::UpsertPrincipal(vm(
            i % 7,
            if i % 3 == 0 { PROD } else { DEV },
            role,
        )))
        .unwrap();
        if i % 50 == 0 {
            e.apply_one(Change::UpdateGroup(GroupUpdate {
                id: "ocid1.dynamicgroup.oc1..web".into(),
                matching_rule: Some(format!("tag.ops.role.value = '{role}'")),
                ..GroupUpdate::default()
            }))
            .unwrap();
        }
    }
    e.apply_one(Change::DeleteGroup {
        id: "ocid1.dynamicgroup.oc1..prod".into(),
        force: true,
    })
    .unwrap();
    e.apply_one(Change::RemovePrincipal {
        id: "ocid1.instance.oc1..vm1".into(),
    })
    .unwrap();
    assert_ne!(dump(&reader.snapshot()), before);
    assert_eq!(held.version(), version);
    assert_eq!(dump(&held), before);
    let still: Vec<String> = held
        .groups_of("ocid1.instance.oc1..vm1")
        .unwrap()
        .iter()
        .map(|g| g.id().to_owned())
        .collect();
    assert_eq!(still, vm1_groups);
    assert_eq!(
        held.principal("ocid1.instance.oc1..vm1")
            .unwrap()
            .compartment_id(),
        PROD
    );
    // A reader outlives its engine.
    drop(e);
    assert!(reader.snapshot().version() > version);
}

/// A tiny seeded generator (the test must be deterministic).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

#[test]
fn concurrent_readers_only_see_recomputed_states() {
    let roles = ["web", "db", "cache"];
    let compartments = [PROD, DEV];
    let mut rng = Rng(7);
    let mut groups = vec![
        group(
            "ocid1.dynamicgroup.oc1..web",
            "web",
            "tag.ops.role.value = 'web'",
        ),
        group(
            "ocid1.dynamicgroup.oc1..prod",
            "prod",
            &format!("instance.compartment.id = '{PROD}'"),
        ),
        group(
            "ocid1.dynamicgroup.oc1..notdb",
            "notdb",
            &format!("ALL {{tag.ops.role.value != 'db', resource.compartment.id = '{DEV}'}}"),
        ),
    ];
    let mut inventory: BTreeMap<String, Principal> = BTreeMap::new();
    let mut e = Engine::new();
    e.apply(groups.iter().cloned().map(Change::CreateGroup));
    let recompute = |inventory: &BTreeMap<String, Principal>, groups: &[DynamicGroup]| -> Dump {
        let principals: Vec<Principal> = inventory.values().cloned().collect();
        let r = reference::evaluate(&principals, groups);
        groups
            .iter()
            .enumerate()
            .map(|(g, d)| {
                (
                    d.id.clone(),
                    r.member_ids(&principals, g)
                        .into_iter()
                        .map(String::from)
                        .collect(),
                )
            })
            .collect()
    };
    // Version → the full recompute of the inventory it stands for.
    let mut expected: BTreeMap<u64, Dump> = BTreeMap::new();
    expected.insert(e.version(), recompute(&inventory, &groups));

    let reader = e.reader();
    let done = AtomicBool::new(false);
    // The latest version each reader has seen: the writer waits for both now and then,
    // so reads interleave with writes however the threads are scheduled.
    let caught_up = [AtomicU64::new(0), AtomicU64::new(0)];
    let seen: Vec<Vec<(u64, Dump)>> = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..2)
            .map(|r| {
                let reader = reader.clone();
                let (done, caught_up) = (&done, &caught_up[r]);
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    let mut last = u64::MAX;
                    while !done.load(Ordering::Acquire) {
                        let s = reader.snapshot();
                        if s.version() != last {
                            last = s.version();
                            seen.push((last, dump(&s)));
                            caught_up.store(last, Ordering::Release);
                        }
                        std::thread::yield_now();
                    }
                    seen
                })
            })
            .collect();
        for step in 0..600u64 {
            if step % 50 == 0 {
                let v = e.version();
                while caught_up.iter().any(|c| c.load(Ordering::Acquire) < v) {
                    std::thread::yield_now();
                }
            }
            let change = match rng.below(10) {
                0 => {
                    let n = rng.below(30);
                    Change::RemovePrincipal {
                        id: format!("ocid1.instance.oc1..vm{n}"),
                    }
                }
                1 if step % 7 == 0 => {
                    let g = &mut groups[rng.below(3) as usize];
                    g.matching_rule =
                        format!("tag.ops.role.value = '{}'", roles[rng.below(3) as usize]);
                    Change::UpdateGroup(GroupUpdate {
                        id: g.id.clone(),
                        matching_rule: Some(g.matching_rule.clone()),
                        ..GroupUpdate::default()
                    })
                }
                _ => {
                    let n = rng.below(30) as u32;
                    let mut p = vm(
                        n,
                        compartments[rng.below(2) as usize],
                        roles[rng.below(3) as usize],
                    );
                    if rng.below(8) == 0 {
                        p.lifecycle_state = Some("TERMINATED".into());
                    }
                    Change::UpsertPrincipal(p)
                }
            };
            match &change {
                Change::UpsertPrincipal(p) if p.is_indexed() => {
                    inventory.insert(p.id.clone(), p.clone());
                }
                Change::UpsertPrincipal(p) => {
                    inventory.remove(&p.id);
                }
                Change::RemovePrincipal { id } => {
                    inventory.remove(id);
                }
                _ => {}
            }
            // Removing an unknown principal is refused; that is fine here.
            let _ = e.apply_one(change);
            expected.insert(e.version(), recompute(&inventory, &groups));
            assert_eq!(dump(&e.snapshot()), expected[&e.version()], "step {step}");
        }
        done.store(true, Ordering::Release);
        readers.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut observed = 0;
    for (version, state) in seen.iter().flatten() {
        assert_eq!(Some(state), expected.get(version), "version {version}");
        observed += 1;
    }
    assert!(
        observed >= 2 * 12,
        "each reader saw at least the 12 waited-for versions"
    );
}

#[test]
fn handles_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<dyngroup_index::engine::Reader>();
    send_sync::<Version>();
    send_sync::<Engine>();
    send_sync::<MembershipDelta>();
}

/// Thousands of principals moved by one rule change take the parallel pass over the
/// writer's records: the delta lists each exactly once, and the reverse map stays
/// right (a later retag leaves and joins what a fresh engine says).
#[test]
fn broad_rule_changes_move_every_principal_once() {
    let mut e = engine();
    let vms: Vec<Principal> = (0..20_000)
        .map(|n| vm(1000 + n, DEV, if n % 2 == 0 { "web" } else { "db" }))
        .collect();
    e.apply(vms.iter().cloned().map(Change::UpsertPrincipal));
    // Free ordinals in the middle: the records then have holes.
    e.apply(
        vms.iter()
            .step_by(7)
            .map(|p| Change::RemovePrincipal { id: p.id.clone() }),
    );
    let live: Vec<&Principal> = vms
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 7 != 0)
        .map(|(_, p)| p)
        .collect();
    let with_role = |role: &str| -> BTreeSet<&str> {
        live.iter()
            .filter(|p| p.defined_tags[0].value == role)
            .map(|p| p.id.as_str())
            .collect()
    };
    let web = "ocid1.dynamicgroup.oc1..web";
    let delta = e
        .apply_one(Change::UpdateGroup(GroupUpdate {
            id: web.into(),
            matching_rule: Some("tag.ops.role.value = 'db'".into()),
            ..GroupUpdate::default()
        }))
        .unwrap();
    let d = delta.group(web).unwrap();
    let mut joined = ids(&d.joined);
    joined.sort_unstable();
    let mut left = ids(&d.left);
    left.sort_unstable();
    let mut db: Vec<&str> = with_role("db").into_iter().collect();
    db.push("ocid1.instance.oc1..vm2");
    db.sort_unstable();
    let mut was_web: Vec<&str> = with_role("web").into_iter().collect();
    was_web.push("ocid1.instance.oc1..vm1");
    was_web.sort_unstable();
    assert_eq!((joined, left), (db, was_web));

    let created = e
        .apply_one(Change::CreateGroup(group(
            "ocid1.dynamicgroup.oc1..dev",
            "dev",
            &format!("instance.compartment.id = '{DEV}'"),
        )))
        .unwrap();
    assert_eq!(created.counts(), (live.len() + 1, 0));

    // The reverse map: retagging a principal moves it between exactly the groups a
    // fresh engine over the same principals puts it in.
    let k = live
        .iter()
        .position(|p| p.defined_tags[0].value == "db")
        .unwrap();
    let mut moved = live[k].clone();
    moved.defined_tags[0].value = "web".into();
    let delta = e.apply_one(Change::UpsertPrincipal(moved.clone())).unwrap();
    assert_eq!(delta.counts(), (0, 1), "it leaves the db rule's group only");
    let groups: Vec<DynamicGroup> = e
        .snapshot()
        .groups()
        .iter()
        .map(|g| group(g.id(), g.name(), g.matching_rule()))
        .collect();
    let mut all: Vec<Principal> = [vm(1, PROD, "web"), vm(2, DEV, "db")]
        .into_iter()
        .chain(live.iter().map(|p| (*p).clone()))
        .collect();
    all[2 + k] = moved;
    let (fresh, refused) = Engine::build(&all, groups, EngineOptions::default());
    assert!(refused.is_empty());
    assert_eq!(dump(&e.snapshot()), dump(&fresh.snapshot()));

    let deleted = e
        .apply_one(Change::DeleteGroup {
            id: "ocid1.dynamicgroup.oc1..dev".into(),
            force: true,
        })
        .unwrap();
    assert_eq!(deleted.counts(), (0, live.len() + 1));
}

/// A string that is one principal's OCID and another's tag value (or compartment)
/// is a value rules can name: a group created on an engine made from an index finds
/// the principal that carries it, as an engine that replayed the inventory does.
#[test]
fn an_ocid_that_is_also_an_attribute_is_found_by_a_new_rule() {
    let b = "ocid1.instance.oc1..b";
    let mut a = vm(1, PROD, "web");
    a.defined_tags.push(DefinedTag {
        namespace: "Ops".into(),
        key: "Parent".into(),
        value: b.into(),
    });
    let mut c = vm(3, b, "db");
    c.compartment_id = b.into();
    let mut b_principal = vm(2, DEV, "db");
    b_principal.id = b.into();
    let principals = [a, b_principal, c];
    let mut builder = dyngroup_index::IndexBuilder::new();
    builder.add_principals(&principals);
    let loaded = Engine::from_index(builder.build(), EngineOptions::default());
    let (replayed, _) = Engine::build(&principals, [], EngineOptions::default());
    for mut engine in [loaded, replayed] {
        for (id, rule) in [
            (
                "ocid1.dynamicgroup.oc1..parent",
                format!("tag.ops.parent.value = '{b}'"),
            ),
            (
                "ocid1.dynamicgroup.oc1..inside",
                format!("resource.compartment.id = '{b}'"),
            ),
        ] {
            let name = id.rsplit('.').next().unwrap();
            let delta = engine
                .apply_one(Change::CreateGroup(group(id, name, &rule)))
                .unwrap();
            assert_eq!(delta.counts(), (1, 0), "{rule}");
        }
        let s = engine.snapshot();
        assert!(s.is_member("ocid1.instance.oc1..vm1", "ocid1.dynamicgroup.oc1..parent"));
        assert!(s.is_member("ocid1.instance.oc1..vm3", "ocid1.dynamicgroup.oc1..inside"));
    }
}

/// An engine made from an index reads its principals from the index until a change
/// touches their tenancy: then that tenancy alone is copied, and the answers are the
/// same as an engine built by replay, before and after.
#[test]
fn an_engine_from_an_index_copies_only_the_tenancies_changes_touch() {
    let mut other = vm(9, PROD, "web");
    other.tenancy_id = T2.into();
    let principals = [vm(1, PROD, "web"), vm(2, DEV, "db"), other];
    let groups = [
        group(
            "ocid1.dynamicgroup.oc1..web",
            "web",
            "tag.ops.role.value = 'web'",
        ),
        DynamicGroup {
            tenancy_id: T2.into(),
            ..group(
                "ocid1.dynamicgroup.oc1..web2",
                "web",
                "tag.ops.role.value = 'web'",
            )
        },
    ];
    let mut builder = dyngroup_index::IndexBuilder::new();
    builder.add_principals(&principals);
    for g in &groups {
        builder.add_group(g.clone()).unwrap();
    }
    let mut loaded = Engine::from_index(builder.build(), EngineOptions::default());
    let (mut replayed, _) = Engine::build(&principals, groups, EngineOptions::default());
    let stats = loaded.stats();
    assert_eq!((stats.tenancies, stats.own_tenancies), (2, 0));
    assert_eq!(stats.principals, 3);

    let held = |e: &Engine| {
        let s = e.snapshot();
        let p = s.principal("ocid1.instance.oc1..vm1").map(|p| {
            let tags: Vec<String> = p.tags().map(|t| format!("{t:?}")).collect();
            (
                p.tenancy_id().to_owned(),
                p.resource_type().to_owned(),
                tags,
            )
        });
        let why = s
            .explain("ocid1.instance.oc1..vm9", "ocid1.dynamicgroup.oc1..web2")
            .map(|x| x.member);
        (dump(&s), p, why, s.principal_count())
    };
    assert_eq!(held(&loaded), held(&replayed));

    // Retagging vm1 copies T, not T2; removing vm2 twice is one removal.
    let retagged = vm(1, PROD, "db");
    for e in [&mut loaded, &mut replayed] {
        let applied = e.apply([
            Change::UpsertPrincipal(retagged.clone()),
            Change::RemovePrincipal {
                id: "ocid1.instance.oc1..vm2".into(),
            },
            Change::RemovePrincipal {
                id: "ocid1.instance.oc1..vm2".into(),
            },
        ]);
        assert_eq!(applied.delta.counts(), (0, 1));
    }
    let stats = loaded.stats();
    assert_eq!(
        (stats.tenancies, stats.own_tenancies, stats.principals),
        (2, 1, 2)
    );
    assert_eq!(held(&loaded), held(&replayed));
    assert!(
        loaded
            .snapshot()
            .principal("ocid1.instance.oc1..vm2")
            .is_none()
    );

    // Back in again, and a checkpoint's index holds what the engine holds.
    for e in [&mut loaded, &mut replayed] {
        e.apply_one(Change::UpsertPrincipal(vm(2, DEV, "web")))
            .unwrap();
    }
    assert_eq!(held(&loaded), held(&replayed));
    let (index, _) = loaded.snapshot().to_index();
    let again = Engine::from_index(index, EngineOptions::default());
    assert_eq!(held(&again), held(&replayed));
}

/// An engine made from an index sweeps its string table (more than 4096 strings,
/// doubled since the last sweep) after copying, emptying and refilling tenancies:
/// every string a rule names afterwards, held by a copied principal, a base one
/// copied later, or a principal moved in, is still found (a string missing from the
/// table would make the rule match no one). The answers equal a replay's.
#[test]
fn an_engine_from_an_index_finds_every_held_string_after_a_sweep() {
    let in_t2 = |mut p: Principal| {
        p.tenancy_id = T2.into();
        p
    };
    let mut principals: Vec<Principal> = (0..5000).map(|n| vm(n, PROD, &format!("r{n}"))).collect();
    // T2 shares DEV and the role "shared" with T; it stays untouched for a while.
    principals.extend((5000..5010).map(|n| in_t2(vm(n, DEV, "shared"))));
    principals.push(vm(5010, DEV, "shared"));
    let mut builder = dyngroup_index::IndexBuilder::new();
    builder.add_principals(&principals);
    let mut loaded = Engine::from_index(builder.build(), EngineOptions::default());
    let (mut replayed, _) = Engine::build(&principals, [], EngineOptions::default());

    let mut changes = vec![Change::UpsertPrincipal(vm(0, PROD, "r0x"))];
    // Empty most of T: its own strings, and DEV and "shared", lose every holder in T.
    changes.extend((1..4500).map(|n| Change::RemovePrincipal {
        id: format!("ocid1.instance.oc1..vm{n}"),
    }));
    changes.push(Change::RemovePrincipal {
        id: "ocid1.instance.oc1..vm5010".into(),
    });
    let fill: Vec<Change> = (6000..16000)
        .map(|n| Change::UpsertPrincipal(vm(n, PROD, &format!("fresh{n}"))))
        .collect();
    let empty: Vec<Change> = (6000..15000)
        .map(|n| Change::RemovePrincipal {
            id: format!("ocid1.instance.oc1..vm{n}"),
        })
        .collect();
    let rules = [
        ("r4600", "tag.ops.role.value = 'r4600'"),
        ("r0x", "tag.ops.role.value = 'r0x'"),
        ("fresh15500", "tag.ops.role.value = 'fresh15500'"),
        ("shared", "tag.ops.role.value = 'shared'"),
        ("dev", &*format!("instance.compartment.id = '{DEV}'")),
    ];
    let mut strings = Vec::new();
    for e in [&mut loaded, &mut replayed] {
        // Each batch publishes, and a publication may sweep.
        for batch in [changes.clone(), fill.clone(), empty.clone(), fill.clone()] {
            assert!(e.apply(batch).refused.is_empty());
            strings.push(e.stats().strings);
        }
        for (name, rule) in rules {
            e.apply_one(Change::CreateGroup(group(
                &format!("ocid1.dynamicgroup.oc1..{name}"),
                name,
                rule,
            )))
            .unwrap();
            let mut g = group(&format!("ocid1.dynamicgroup.oc1..{name}2"), name, rule);
            g.tenancy_id = T2.into();
            e.apply_one(Change::CreateGroup(g)).unwrap();
        }
        // A principal moved into T with a string T no longer holds.
        e.apply_one(Change::UpsertPrincipal(vm(5000, DEV, "shared")))
            .unwrap();
    }
    // The loaded engine swept after its first batch: T's 4,500 removed roles, and DEV
    // and "shared" (held then only by T2, still read from the index), left the table.
    assert!(strings[0] < 1000, "{strings:?}");
    let (l, r) = (loaded.snapshot(), replayed.snapshot());
    assert_eq!(dump(&l), dump(&r));
    let expect = |id: &str, n: usize| assert_eq!(dump(&l)[id].len(), n, "{id}");
    expect("ocid1.dynamicgroup.oc1..r4600", 1);
    expect("ocid1.dynamicgroup.oc1..r0x", 1);
    expect("ocid1.dynamicgroup.oc1..fresh15500", 1);
    expect("ocid1.dynamicgroup.oc1..shared", 1);
    expect("ocid1.dynamicgroup.oc1..dev", 1);
    expect("ocid1.dynamicgroup.oc1..shared2", 9);
    expect("ocid1.dynamicgroup.oc1..dev2", 9);
    assert_eq!(l.principal_count(), r.principal_count());
}
