//! Membership deltas: per group, the principals that joined and left, and how the
//! group changed ([`GroupChange`]).

use super::atoms::Atom;
use hashbrown::HashMap;
use std::sync::Arc;

/// What one change (or one batch of changes) did to memberships: for each group
/// touched, the principals that joined and left. Groups are sorted by OCID; the
/// principals of a group are in no particular order (sorting tens of thousands of
/// OCIDs after a broad rule change would cost more than computing the change).
///
/// A created group lists all its first members as joined, and a deleted one all its
/// last members as left, so the memberships before plus the delta are the
/// memberships after, group by group (keyed by group OCID).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembershipDelta {
    /// The groups touched, sorted by OCID.
    pub groups: Vec<GroupDelta>,
}

/// How a group changed across a delta (or between two snapshots: the snapshot crate's
/// `diff` uses the same kinds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GroupChange {
    /// It did not exist before and does now: every member joined.
    Created,
    /// It existed before and does not now: every member left.
    Deleted,
    /// It exists before and after: members joined or left, or its definition changed.
    #[default]
    Updated,
}

impl GroupChange {
    /// `"created"`, `"deleted"` or `"updated"`.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupChange::Created => "created",
            GroupChange::Deleted => "deleted",
            GroupChange::Updated => "updated",
        }
    }
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
    /// Created, deleted or updated (a group created and deleted within one batch is
    /// not in the delta).
    pub change: GroupChange,
    /// Its rule or description was changed by an update (only ever true for
    /// [`GroupChange::Updated`]).
    pub redefined: bool,
    /// OCIDs of the principals that became members (no particular order).
    pub joined: Vec<Arc<str>>,
    /// OCIDs of the principals that stopped being members (no particular order).
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
    /// Which change of the batch is being recorded.
    change: u64,
    /// Record nothing (building an engine from an inventory: nobody wants a delta
    /// listing every membership).
    off: bool,
}

#[derive(Debug)]
struct Entry {
    tenancy: Atom,
    name: Arc<str>,
    /// Whether the group existed before the first change that touched the entry,
    /// and after the last.
    before: bool,
    after: bool,
    redefined: bool,
    joined: Vec<Atom>,
    left: Vec<Atom>,
    /// The first change that touched the entry.
    first: u64,
    /// Whether a later change touched it too: only then can a principal be in both
    /// lists, and only then is netting needed (one change moves a principal at most
    /// once per group).
    several: bool,
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

    /// Starts recording the next change of a batch.
    pub(crate) fn next_change(&mut self) {
        self.change += 1;
    }

    fn entry(&mut self, g: GroupKey<'_>) -> &mut Entry {
        let change = self.change;
        let e = self.groups.entry(g.id.clone()).or_insert_with(|| Entry {
            tenancy: g.tenancy.clone(),
            name: g.name.clone(),
            before: true,
            after: true,
            redefined: false,
            joined: Vec::new(),
            left: Vec::new(),
            first: change,
            several: false,
        });
        e.several |= e.first != change;
        e
    }

    pub(crate) fn created(&mut self, g: GroupKey<'_>) {
        if self.off {
            return;
        }
        let change = self.change;
        let e = self.entry(g);
        if e.first == change {
            // Created by the change that first touched it: it was not there before.
            e.before = false;
        }
        e.after = true;
    }

    pub(crate) fn updated(&mut self, g: GroupKey<'_>) {
        if self.off {
            return;
        }
        self.entry(g).redefined = true;
    }

    pub(crate) fn deleted(&mut self, g: GroupKey<'_>) {
        if self.off {
            return;
        }
        self.entry(g).after = false;
    }

    pub(crate) fn joined(&mut self, g: GroupKey<'_>, principal: &Atom) {
        self.moved_one(g, true, principal);
    }

    pub(crate) fn left(&mut self, g: GroupKey<'_>, principal: &Atom) {
        self.moved_one(g, false, principal);
    }

    fn moved_one(&mut self, g: GroupKey<'_>, joined: bool, principal: &Atom) {
        if self.off {
            return;
        }
        let e = self.entry(g);
        let list = if joined { &mut e.joined } else { &mut e.left };
        list.push(principal.clone());
    }

    /// Records principals joining (or leaving) one group. One entry lookup for all of
    /// them (a broad rule change moves tens of thousands), and their list is taken
    /// over, not copied, when the group has none yet.
    pub(crate) fn moved(&mut self, g: GroupKey<'_>, joined: bool, principals: Vec<Atom>) {
        if self.off || principals.is_empty() {
            return;
        }
        let e = self.entry(g);
        let list = if joined { &mut e.joined } else { &mut e.left };
        if list.is_empty() {
            *list = principals;
        } else {
            list.extend(principals);
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
        self.next_change();
        match d.change {
            GroupChange::Created => self.created(key),
            GroupChange::Deleted => self.deleted(key),
            GroupChange::Updated => {}
        }
        let e = self.entry(key);
        e.name = d.name.clone();
        e.redefined |= d.redefined;
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
            .filter_map(|(id, mut e)| {
                if e.several {
                    net(&mut e.joined, &mut e.left);
                }
                let change = match (e.before, e.after) {
                    (false, true) => GroupChange::Created,
                    (true, false) => GroupChange::Deleted,
                    (true, true) => GroupChange::Updated,
                    // Created and deleted within the batch: nothing to tell.
                    (false, false) => return None,
                };
                let touched = change != GroupChange::Updated || e.redefined;
                (touched || !e.joined.is_empty() || !e.left.is_empty()).then(|| GroupDelta {
                    group_id: id.arc().clone(),
                    tenancy_id: e.tenancy.arc().clone(),
                    name: e.name,
                    change,
                    redefined: e.redefined && change == GroupChange::Updated,
                    joined: e.joined.into_iter().map(Atom::into_arc).collect(),
                    left: e.left.into_iter().map(Atom::into_arc).collect(),
                })
            })
            .collect();
        groups.sort_unstable_by(|a, b| a.group_id.cmp(&b.group_id));
        MembershipDelta { groups }
    }
}

/// Cancels joins against leaves. Within a group a principal's moves alternate (it
/// cannot join twice without leaving between), so its joins and leaves differ by at
/// most one, and the sign says which list it stays in.
fn net(joined: &mut Vec<Atom>, left: &mut Vec<Atom>) {
    let mut count: HashMap<Atom, i32> = HashMap::new();
    for p in joined.drain(..) {
        *count.entry(p).or_default() += 1;
    }
    for p in left.drain(..) {
        *count.entry(p).or_default() -= 1;
    }
    for (p, c) in count {
        match c {
            1 => joined.push(p),
            -1 => left.push(p),
            _ => {}
        }
    }
}
