//! `diff` equals the set difference of the two memberships, on random pairs of fleets.

mod common;

use common::{fleet, snapshot_of};
use dyngroup_index::engine::GroupChange as Change;
use dyngroup_index::{Index, Memberships};
use dyngroup_snapshot::{GroupDiff, Snapshot, diff};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};

type Key = (String, String);

/// (tenancy OCID, group OCID) → (name, rule, member OCIDs), in group order.
fn groups(index: &Index, m: &Memberships) -> Vec<(Key, String, String, BTreeSet<String>)> {
    index
        .group_ids()
        .map(|g| {
            let group = index.group(g);
            let members = m.member_ocids(index, g).map(String::from).collect();
            (
                (group.tenancy_id.clone(), group.id.clone()),
                group.name.clone(),
                group.matching_rule.clone(),
                members,
            )
        })
        .collect()
}

/// The expected diff, computed from the in-memory memberships with set operations.
fn expected(
    old: &[(Key, String, String, BTreeSet<String>)],
    new: &[(Key, String, String, BTreeSet<String>)],
) -> Vec<GroupDiff> {
    let before: HashMap<&Key, (&String, &BTreeSet<String>)> =
        old.iter().map(|(k, _, rule, m)| (k, (rule, m))).collect();
    let after: HashMap<&Key, ()> = new.iter().map(|(k, ..)| (k, ())).collect();
    let record =
        |key: &Key, name: &String, change, rule_changed, joined: Vec<String>, left: Vec<String>| {
            GroupDiff {
                tenancy_id: key.0.clone(),
                group_id: key.1.clone(),
                name: name.clone(),
                change,
                rule_changed,
                joined,
                left,
            }
        };
    let mut out = Vec::new();
    for (key, name, rule, members) in new {
        match before.get(key) {
            None => out.push(record(
                key,
                name,
                Change::Created,
                false,
                members.iter().cloned().collect(),
                vec![],
            )),
            Some((old_rule, old_members)) => {
                let joined: Vec<String> = members.difference(old_members).cloned().collect();
                let left: Vec<String> = old_members.difference(members).cloned().collect();
                let rule_changed = *old_rule != rule;
                if !joined.is_empty() || !left.is_empty() || rule_changed {
                    out.push(record(
                        key,
                        name,
                        Change::Updated,
                        rule_changed,
                        joined,
                        left,
                    ));
                }
            }
        }
    }
    for (key, name, _, members) in old {
        if !after.contains_key(key) {
            out.push(record(
                key,
                name,
                Change::Deleted,
                false,
                vec![],
                members.iter().cloned().collect(),
            ));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn diff_is_the_set_difference(a in fleet(), b in fleet()) {
        let (ia, ma, bytes_a) = snapshot_of(&a);
        let (ib, mb, bytes_b) = snapshot_of(&b);
        let (sa, sb) = (Snapshot::from_bytes(&bytes_a).unwrap(), Snapshot::from_bytes(&bytes_b).unwrap());
        let (ga, gb) = (groups(&ia, &ma), groups(&ib, &mb));
        prop_assert_eq!(diff(&sa, &sb).unwrap(), expected(&ga, &gb));
        prop_assert_eq!(diff(&sb, &sa).unwrap(), expected(&gb, &ga));
        prop_assert!(diff(&sa, &sa).unwrap().is_empty());
    }

    #[test]
    fn a_fleet_against_its_own_change(a in fleet(), drop_every in 2usize..5) {
        // The same fleet with some principals gone: only `left` entries, no group change.
        let mut b = a.clone();
        b.principals = a.principals.iter().step_by(drop_every).cloned().collect();
        let (ia, ma, bytes_a) = snapshot_of(&a);
        let (ib, mb, bytes_b) = snapshot_of(&b);
        let changes = diff(&Snapshot::from_bytes(&bytes_a).unwrap(), &Snapshot::from_bytes(&bytes_b).unwrap()).unwrap();
        prop_assert_eq!(&changes, &expected(&groups(&ia, &ma), &groups(&ib, &mb)));
        for c in &changes {
            prop_assert_eq!(c.change, Change::Updated);
            prop_assert!(!c.rule_changed);
        }
    }
}
