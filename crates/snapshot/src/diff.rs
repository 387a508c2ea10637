//! What changed between two snapshots: per group, the principals that joined and
//! left, and the groups created and deleted.

use crate::error::Error;
use crate::open::Snapshot;
use crate::rebuild::groups_by_key;
use dyngroup_index::PrincipalId;
use dyngroup_index::engine::GroupChange as Change;
use roaring::RoaringBitmap;
use std::cmp::Ordering;

/// One group's change. Groups are matched by tenancy OCID and group OCID (a group
/// deleted and created again under the same name has a new OCID: it shows as deleted
/// and created).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDiff {
    /// The group's tenancy.
    pub tenancy_id: String,
    /// The group's OCID.
    pub group_id: String,
    /// Its name (the new one for a group in both snapshots).
    pub name: String,
    /// Created, deleted or updated (the engine's kinds: a delta and a diff of the
    /// same change agree).
    pub change: Change,
    /// Whether the rule text differs (only ever true for
    /// [`GroupChange::Updated`](Change::Updated)).
    pub rule_changed: bool,
    /// OCIDs of the principals that are members now and were not before, ascending.
    pub joined: Vec<String>,
    /// OCIDs of the principals that were members before and are not now, ascending.
    pub left: Vec<String>,
}

/// The changes from `old` to `new`: first the groups of `new` in its group order
/// (created, or updated with members that joined or left or a new rule text), then
/// the groups only in `old` (deleted), in its order. Unchanged groups are left out.
///
/// Principals are matched by OCID. Every member bitmap is decoded with roaring's
/// checked loader.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Result<Vec<GroupDiff>, Error> {
    let old_members = old.all_members()?;
    let new_members = new.all_members()?;
    let (old_to_new, new_to_old) = match_principals(old, new);
    let old_groups = groups_by_key(old);
    let new_groups = groups_by_key(new);

    let ocids = |s: &Snapshot, ps: &mut dyn Iterator<Item = u32>| -> Vec<String> {
        let mut v: Vec<String> = ps
            .map(|p| s.principal_ocid(PrincipalId::from_raw(p)).to_owned())
            .collect();
        v.sort_unstable();
        v
    };

    let mut out = Vec::new();
    for g in new.group_ids() {
        let group = new.group(g);
        let members = &new_members[g.index()];
        let Some(&was) = old_groups.get(&(group.tenancy_id, group.id)) else {
            out.push(GroupDiff {
                tenancy_id: group.tenancy_id.to_owned(),
                group_id: group.id.to_owned(),
                name: group.name.to_owned(),
                change: Change::Created,
                rule_changed: false,
                joined: ocids(new, &mut members.iter()),
                left: Vec::new(),
            });
            continue;
        };
        let before = &old_members[was.index()];
        let joined = ocids(
            new,
            &mut members
                .iter()
                .filter(|&p| !mapped_in(new_to_old[p as usize], before)),
        );
        let left = ocids(
            old,
            &mut before
                .iter()
                .filter(|&p| !mapped_in(old_to_new[p as usize], members)),
        );
        let rule_changed = old.group(was).matching_rule != group.matching_rule;
        if joined.is_empty() && left.is_empty() && !rule_changed {
            continue;
        }
        out.push(GroupDiff {
            tenancy_id: group.tenancy_id.to_owned(),
            group_id: group.id.to_owned(),
            name: group.name.to_owned(),
            change: Change::Updated,
            rule_changed,
            joined,
            left,
        });
    }
    for g in old.group_ids() {
        let group = old.group(g);
        if new_groups.contains_key(&(group.tenancy_id, group.id)) {
            continue;
        }
        out.push(GroupDiff {
            tenancy_id: group.tenancy_id.to_owned(),
            group_id: group.id.to_owned(),
            name: group.name.to_owned(),
            change: Change::Deleted,
            rule_changed: false,
            joined: Vec::new(),
            left: ocids(old, &mut old_members[g.index()].iter()),
        });
    }
    Ok(out)
}

/// Whether a principal, mapped into the other snapshot, is in `members` there.
fn mapped_in(other: u32, members: &RoaringBitmap) -> bool {
    other != NONE && members.contains(other)
}

const NONE: u32 = u32::MAX;

/// Ordinal maps between two snapshots by OCID (`NONE` where the other has no such
/// principal), by merging their OCID-sorted principal indexes.
fn match_principals(old: &Snapshot, new: &Snapshot) -> (Vec<u32>, Vec<u32>) {
    let mut old_to_new = vec![NONE; old.principal_count()];
    let mut new_to_old = vec![NONE; new.principal_count()];
    let mut a = old.ordinals_by_ocid().peekable();
    let mut b = new.ordinals_by_ocid().peekable();
    while let (Some(&p), Some(&q)) = (a.peek(), b.peek()) {
        match old
            .principal_ocid(PrincipalId::from_raw(p))
            .cmp(new.principal_ocid(PrincipalId::from_raw(q)))
        {
            Ordering::Less => {
                a.next();
            }
            Ordering::Greater => {
                b.next();
            }
            Ordering::Equal => {
                old_to_new[p as usize] = q;
                new_to_old[q as usize] = p;
                a.next();
                b.next();
            }
        }
    }
    (old_to_new, new_to_old)
}
