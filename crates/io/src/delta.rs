//! A live engine's membership delta as `dyngroup diff --json` records: what `dyngroup
//! apply` prints and the Python engine's `apply` returns.

use std::collections::HashMap;
use std::sync::Arc;

use dyngroup_index::DynamicGroup;
use dyngroup_index::engine::{GroupDelta, MembershipDelta, Version};
use serde_json::{Value, json};

/// The delta records of one batch, and how many joins and leaves they list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeltaRecords {
    /// One `{"tenancy-id", "group-id", "name", "change", "rule-changed", "joined",
    /// "left"}` per changed group, in `diff OLD NEW --json`'s order.
    pub records: Vec<Value>,
    /// Principals that joined a group, over every record.
    pub joins: usize,
    /// Principals that left a group, over every record.
    pub leaves: usize,
}

/// The groups of an engine version in the order a checkpoint of it writes them (by
/// engine id).
pub fn version_groups(version: &Version) -> Vec<DynamicGroup> {
    let mut infos = version.groups();
    infos.sort_unstable_by_key(|g| g.engine_id());
    infos
        .iter()
        .map(|g| DynamicGroup {
            domain: None,
            id: g.id().to_owned(),
            name: g.name().to_owned(),
            description: g.description().to_owned(),
            matching_rule: g.matching_rule().to_owned(),
            tenancy_id: g.tenancy_id().to_owned(),
        })
        .collect()
}

/// `delta` (the changes from the version holding `old_groups`, in its order, to `now`)
/// as `diff OLD NEW --json` prints the two snapshots' difference: groups of the new
/// version in its order, then the deleted ones in the old order; members sorted; a
/// group whose members and rule text are unchanged is left out.
pub fn delta_records(
    old_groups: &[DynamicGroup],
    now: &Version,
    delta: &MembershipDelta,
) -> DeltaRecords {
    let new_groups = version_groups(now);
    let old_rules: HashMap<&str, &str> = old_groups
        .iter()
        .map(|g| (g.id.as_str(), g.matching_rule.as_str()))
        .collect();
    let new_rules: HashMap<&str, &str> = new_groups
        .iter()
        .map(|g| (g.id.as_str(), g.matching_rule.as_str()))
        .collect();
    let order: HashMap<&str, usize> = new_groups
        .iter()
        .chain(
            old_groups
                .iter()
                .filter(|g| !new_rules.contains_key(g.id.as_str())),
        )
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut records: Vec<(usize, Value)> = Vec::new();
    let (mut joins, mut leaves) = (0, 0);
    for d in &delta.groups {
        let before = old_rules.get(&*d.group_id);
        let after = new_rules.get(&*d.group_id);
        let (change, rule_changed) = match (before, after) {
            (None, Some(_)) => ("created", false),
            (Some(_), None) => ("deleted", false),
            (Some(old), Some(new)) => ("updated", old != new),
            (None, None) => continue,
        };
        let (joined, left) = (sorted(&d.joined), sorted(&d.left));
        if change == "updated" && joined.is_empty() && left.is_empty() && !rule_changed {
            continue;
        }
        joins += joined.len();
        leaves += left.len();
        records.push((
            order.get(&*d.group_id).copied().unwrap_or(usize::MAX),
            record(d, change, rule_changed, joined, left),
        ));
    }
    records.sort_by_key(|(i, _)| *i);
    DeltaRecords {
        records: records.into_iter().map(|(_, r)| r).collect(),
        joins,
        leaves,
    }
}

fn sorted(ids: &[Arc<str>]) -> Vec<&str> {
    let mut v: Vec<&str> = ids.iter().map(|p| &**p).collect();
    v.sort_unstable();
    v
}

fn record(
    d: &GroupDelta,
    change: &str,
    rule_changed: bool,
    joined: Vec<&str>,
    left: Vec<&str>,
) -> Value {
    json!({
        "tenancy-id": &*d.tenancy_id,
        "group-id": &*d.group_id,
        "name": &*d.name,
        "change": change,
        "rule-changed": rule_changed,
        "joined": joined,
        "left": left,
    })
}
