//! Random fleets for the property tests, and helpers that build and snapshot them.

#![allow(dead_code)] // each test binary uses a different subset

use dyngroup_index::{DefinedTag, DynamicGroup, Index, IndexBuilder, Memberships, Principal};
use dyngroup_snapshot::{Snapshot, WriteOptions};
use proptest::prelude::*;

pub use dyngroup_testsupport::Fleet;

const KINDS: [&str; 4] = ["instance", "fnfunc", "apigateway", "instance"];
const STATES: [Option<&str>; 4] = [None, Some("RUNNING"), Some("TERMINATED"), None];
const NAMESPACES: [&str; 3] = ["Ops", "ops", "fin"];
const KEYS: [&str; 3] = ["Role", "env", "Count"];
const VALUES: [&str; 5] = ["web", "db", "45", "Web", "caf\u{e9}"];

pub fn tenancy(t: usize) -> String {
    format!("ocid1.tenancy.oc1..t{t}")
}

pub fn compartment(t: usize, c: usize) -> String {
    format!("ocid1.compartment.oc1..t{t}c{c}")
}

fn principal() -> impl Strategy<Value = Principal> {
    (
        0..3usize,
        0..4usize,
        0..KINDS.len(),
        0..40u32,
        0..STATES.len(),
        prop::collection::vec((0..NAMESPACES.len(), 0..KEYS.len(), 0..VALUES.len()), 0..3),
    )
        .prop_map(|(t, c, kind, num, state, tags)| Principal {
            id: format!("ocid1.{}.oc1..p{num}", KINDS[kind]),
            compartment_id: compartment(t, c),
            tenancy_id: tenancy(t),
            resource_type: None,
            defined_tags: tags
                .into_iter()
                .map(|(n, k, v)| DefinedTag {
                    namespace: NAMESPACES[n].into(),
                    key: KEYS[k].into(),
                    value: VALUES[v].into(),
                })
                .collect(),
            lifecycle_state: STATES[state].map(String::from),
        })
}

fn condition() -> impl Strategy<Value = String> {
    let valued = prop_oneof![
        (0..KINDS.len(), 0..40u32).prop_map(|(k, n)| (
            "instance.id".to_owned(),
            format!("ocid1.{}.oc1..p{n}", KINDS[k])
        )),
        (0..3usize, 0..4usize)
            .prop_map(|(t, c)| ("resource.compartment.id".to_owned(), compartment(t, c))),
        (0..3usize, 0..4usize)
            .prop_map(|(t, c)| ("instance.compartment.id".to_owned(), compartment(t, c))),
        (0..KINDS.len()).prop_map(|k| ("resource.type".to_owned(), KINDS[k].to_owned())),
        (0..NAMESPACES.len(), 0..KEYS.len(), 0..VALUES.len()).prop_map(|(n, k, v)| (
            format!("tag.{}.{}.value", NAMESPACES[n], KEYS[k]),
            VALUES[v].to_owned()
        )),
    ];
    prop_oneof![
        4 => (valued, any::<bool>()).prop_map(|((var, value), ne)| {
            format!("{var} {} '{value}'", if ne { "!=" } else { "=" })
        }),
        1 => (0..NAMESPACES.len(), 0..KEYS.len())
            .prop_map(|(n, k)| format!("tag.{}.{}.value", NAMESPACES[n], KEYS[k])),
    ]
}

fn rule() -> impl Strategy<Value = String> {
    let rule = condition().prop_recursive(3, 12, 3, |inner| {
        (any::<bool>(), prop::collection::vec(inner, 1..4)).prop_map(|(any, items)| {
            format!(
                "{} {{{}}}",
                if any { "ANY" } else { "ALL" },
                items.join(", ")
            )
        })
    });
    prop_oneof![
        10 => rule.clone(),
        1 => rule.prop_map(|r| format!("{r}}}")), // does not parse: no members
    ]
}

/// Up to 120 principals (OCIDs from a pool of 160, so that two fleets share many) in
/// three tenancies, and up to 8 groups.
pub fn fleet() -> impl Strategy<Value = Fleet> {
    (
        prop::collection::vec(principal(), 0..120),
        prop::collection::vec((0..4usize, rule()), 0..8),
    )
        .prop_map(|(principals, groups)| Fleet {
            principals,
            groups: groups
                .into_iter()
                .enumerate()
                .map(|(i, (t, rule))| DynamicGroup {
                    domain: None,
                    id: format!("ocid1.dynamicgroup.oc1..g{i}t{t}"),
                    name: format!("g{i}"),
                    description: format!("group {i}"),
                    matching_rule: rule,
                    tenancy_id: tenancy(t),
                })
                .collect(),
        })
}

pub fn build(fleet: &Fleet) -> Index {
    let mut b = IndexBuilder::new();
    b.add_principals(&fleet.principals);
    for g in &fleet.groups {
        b.add_group(g.clone()).expect("distinct, valid names");
    }
    b.build()
}

/// The index, its memberships and its snapshot's bytes.
pub fn snapshot_of(fleet: &Fleet) -> (Index, Memberships, Vec<u8>) {
    let index = build(fleet);
    let memberships = index.evaluate();
    let bytes = dyngroup_snapshot::to_bytes(&index, &memberships, &WriteOptions::default())
        .expect("a small index fits");
    (index, memberships, bytes)
}

/// The fleet every corruption test damages: two tenancies, a few groups.
pub fn small_fleet() -> Fleet {
    let mut fleet = Fleet::default();
    for i in 0..12 {
        fleet.principals.push(Principal {
            id: format!("ocid1.{}.oc1..p{i}", KINDS[i % 3]),
            compartment_id: compartment(i % 2, i % 3),
            tenancy_id: tenancy(i % 2),
            defined_tags: vec![DefinedTag {
                namespace: "Ops".into(),
                key: "Role".into(),
                value: VALUES[i % 4].into(),
            }],
            ..Principal::default()
        });
    }
    for (i, rule) in [
        "tag.ops.role.value = 'web'",
        "ANY {instance.compartment.id = 'ocid1.compartment.oc1..t0c1', resource.type = 'fnfunc'}",
        "ALL {tag.ops.role.value, instance.id != 'ocid1.instance.oc1..p3'}",
    ]
    .iter()
    .enumerate()
    {
        for t in 0..2 {
            fleet.groups.push(DynamicGroup {
                id: format!("ocid1.dynamicgroup.oc1..g{i}t{t}"),
                name: format!("g{i}"),
                matching_rule: (*rule).into(),
                tenancy_id: tenancy(t),
                ..DynamicGroup::default()
            });
        }
    }
    fleet
}

/// Every answer a snapshot gives, in a comparable form: per principal (in OCID
/// order) its groups' OCIDs, per group its members' OCIDs.
/// (OCID, the OCIDs it relates to), sorted.
pub type Related = Vec<(String, Vec<String>)>;

pub fn answers(s: &Snapshot) -> (Related, Related) {
    let mut principals: Vec<(String, Vec<String>)> = (0..s.principal_count() as u32)
        .map(|p| {
            let p = dyngroup_index::PrincipalId::from_raw(p);
            let groups = s.groups_of(p).map(|g| s.group(g).id.to_owned()).collect();
            (s.principal_ocid(p).to_owned(), groups)
        })
        .collect();
    principals.sort();
    let groups = s
        .group_ids()
        .map(|g| {
            let mut members: Vec<String> = s
                .member_ocids(g)
                .expect("members decode")
                .into_iter()
                .map(String::from)
                .collect();
            members.sort();
            (s.group(g).id.to_owned(), members)
        })
        .collect();
    (principals, groups)
}
