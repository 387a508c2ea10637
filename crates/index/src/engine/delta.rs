//! Membership deltas: per group, the principals that joined and left, and whether the
//! group was created, updated or deleted.

use super::atoms::Atom;
use hashbrown::HashMap;
use std::sync::Arc;

/// What one change (or one batch of changes) did to memberships: for each group
/// touched, the principals that joined and left. Groups are sorted by OCID, principals
/// by OCID.
///
/// A created group lists all its first members as joined, and a deleted one all its
/// last members as left, so the memberships before plus the delta are the
/// memberships after, group by group (keyed by group OCID).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembershipDelta {
    /// The groups touched, sorted by OCID.
    pub groups: Vec<GroupDelta>,
}

/// One group's part of a [`MembershipDelta`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupDelta {
    /// The group's OCID.
    pub group_id: Arc<str>,
    /// Its tenancy.
    pub tenancy_id: Arc<str>,
    /// Its name.
    pub name: Arc<str>,
    /// The group was created.
    pub created: bool,
    /// Its rule or description changed.
    pub updated: bool,
    /// The group was deleted.
    pub deleted: bool,
    /// OCIDs of the principals that became members, sorted.
    pub joined: Vec<Arc<str>>,
    /// OCIDs of the principals that stopped being members, sorted.
    pub left: Vec<Arc<str>>,
}

impl MembershipDelta {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The part of the delta about the group with this OCID.
    pub fn group(&self, id: &str) -> Option<&GroupDelta> {
        self.groups
            .binary_search_by(|g| (*g.group_id).cmp(id))
            .ok()
            .map(|i| &self.groups[i])
    }

    /// How many memberships were gained and lost, in all.
    pub fn counts(&self) -> (usize, usize) {
        self.groups
            .iter()
            .fold((0, 0), |(j, l), g| (j + g.joined.len(), l + g.left.len()))
    }

    /// Appends a later delta: the result is the net change of both. A principal that
    /// joined in `self` and left in `later` appears in neither list.
    pub fn merge(&mut self, later: MembershipDelta) {
        let mut b = DeltaBuilder::default();
        for d in std::mem::take(&mut self.groups)
            .into_iter()
            .chain(later.groups)
        {
            b.add(d);
        }
        *self = b.finish();
    }
}

/// Collects a delta while changes apply, netting joins against leaves.
#[derive(Debug, Default)]
pub(crate) struct DeltaBuilder {
    groups: HashMap<Atom, Entry>,
    /// Record nothing (building an engine from an inventory: nobody wants a delta
    /// listing every membership).
    off: bool,
}

#[derive(Debug)]
struct Entry {
    tenancy: Atom,
    name: Arc<str>,
    created: bool,
    updated: bool,
    deleted: bool,
    /// Principal → joined (true) or left (false), net so far.
    net: HashMap<Atom, bool>,
}

/// The group a delta entry is about.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GroupKey<'a> {
    pub(crate) id: &'a Atom,
    pub(crate) tenancy: &'a Atom,
    pub(crate) name: &'a Arc<str>,
}

impl DeltaBuilder {
    /// A builder that records nothing.
    pub(crate) fn off() -> DeltaBuilder {
        DeltaBuilder {
            off: true,
            ..DeltaBuilder::default()
        }
    }

    pub(crate) fn is_off(&self) -> bool {
        self.off
    }

    fn entry(&mut self, g: GroupKey<'_>) -> &mut Entry {
        self.groups.entry(g.id.clone()).or_insert_with(|| Entry {
            tenancy: g.tenancy.clone(),
            name: g.name.clone(),
            created: false,
            updated: false,
            deleted: false,
            net: HashMap::new(),
        })
    }

    pub(crate) fn created(&mut self, g: GroupKey<'_>) {
        if self.off {
            return;
        }
        self.entry(g).created = true;
    }

    pub(crate) fn updated(&mut self, g: GroupKey<'_>) {
        if self.off {
            return;
        }
        self.entry(g).updated = true;
    }

    pub(crate) fn deleted(&mut self, g: GroupKey<'_>) {
        if self.off {
            return;
        }
        self.entry(g).deleted = true;
    }

    pub(crate) fn joined(&mut self, g: GroupKey<'_>, principal: &Atom) {
        if self.off {
            return;
        }
        let net = &mut self.entry(g).net;
        if net.remove(principal) != Some(false) {
            net.insert(principal.clone(), true);
        }
    }

    pub(crate) fn left(&mut self, g: GroupKey<'_>, principal: &Atom) {
        if self.off {
            return;
        }
        let net = &mut self.entry(g).net;
        if net.remove(principal) != Some(true) {
            net.insert(principal.clone(), false);
        }
    }

    /// Adds a finished group delta (for [`MembershipDelta::merge`]).
    fn add(&mut self, d: GroupDelta) {
        let (id, tenancy) = (Atom::from_arc(d.group_id), Atom::from_arc(d.tenancy_id));
        let key = GroupKey {
            id: &id,
            tenancy: &tenancy,
            name: &d.name,
        };
        let e = self.entry(key);
        e.name = d.name.clone();
        e.created |= d.created;
        e.updated |= d.updated;
        e.deleted |= d.deleted;
        for p in d.joined {
            self.joined(key, &Atom::from_arc(p));
        }
        for p in d.left {
            self.left(key, &Atom::from_arc(p));
        }
    }

    pub(crate) fn finish(self) -> MembershipDelta {
        let mut groups: Vec<GroupDelta> = self
            .groups
            .into_iter()
            .filter(|(_, e)| e.created || e.updated || e.deleted || !e.net.is_empty())
            .map(|(id, e)| {
                let (mut joined, mut left) = (Vec::new(), Vec::new());
                for (p, j) in e.net {
                    if j { &mut joined } else { &mut left }.push(p.arc().clone());
                }
                joined.sort_unstable();
                left.sort_unstable();
                GroupDelta {
                    group_id: id.arc().clone(),
                    tenancy_id: e.tenancy.arc().clone(),
                    name: e.name,
                    created: e.created,
                    updated: e.updated,
                    deleted: e.deleted,
                    joined,
                    left,
                }
            })
            .collect();
        groups.sort_unstable_by(|a, b| a.group_id.cmp(&b.group_id));
        MembershipDelta { groups }
    }
}
