//! Principal changes: upsert (launch, retag, move, lifecycle) and removal.
//!
//! A principal change evaluates only its tenancy's rules, on that one principal's
//! attributes ([`rule_holds`]), compares the result with the groups it had, and
//! touches only the member bitmaps of the groups it joined or left.

use super::atoms::{Atom, AtomTable};
use super::delta::{DeltaBuilder, GroupKey};
use super::state::{Loc, PrincipalView, Tag, TenancyView};
use super::{Engine, tenancy_view_mut};
use crate::holds::rule_holds;
use crate::ids::GroupId;
use crate::memberships::GroupList;
use crate::model::{Principal, resource_type_of};
use std::sync::Arc;

impl Engine {
    pub(super) fn upsert_principal(&mut self, p: &Principal, delta: &mut DeltaBuilder) {
        if !p.is_indexed() {
            // A terminated principal leaves every group; an unknown one stays unknown.
            if self.state.locate(&p.id).is_some() {
                self.remove_principal(&p.id, delta);
            }
            return;
        }
        let tenancy = self.atoms.intern(&p.tenancy_id);
        match self.state.locate(&p.id) {
            Some(loc) if loc.tenancy == tenancy => self.update_principal(p, loc, delta),
            Some(_) => {
                // Moved to another tenancy: leave the old tenancy's groups, then join
                // the new one's as a new principal there.
                self.remove_principal(&p.id, delta);
                self.insert_principal(p, tenancy, delta);
            }
            None => self.insert_principal(p, tenancy, delta),
        }
    }

    fn insert_principal(&mut self, p: &Principal, tenancy: Atom, delta: &mut DeltaBuilder) {
        self.touch_tenancy(&tenancy);
        let index = self.tenancies.get_mut(&tenancy).expect("ensured");
        let ordinal = index.ordinals.alloc();
        let view = Arc::new(make_view(
            &mut self.atoms,
            p,
            Atom::new(&p.id),
            tenancy.clone(),
            ordinal,
        ));
        let tv = tenancy_view_mut(&mut self.state, &tenancy);
        let groups = matching_groups(tv, &view);
        index.insert(view.clone(), groups.clone());
        let slots = tv.live_slots();
        if ordinal as usize == slots.len() {
            slots.push_back_mut(Some(view.clone()));
        } else {
            slots.set_mut(ordinal as usize, Some(view.clone()));
        }
        tv.principals += 1;
        set_memberships(tv, &view, &[], &groups, delta);
        self.state.place(view.id.clone(), Loc { tenancy, ordinal });
        self.dirty = true;
    }

    fn update_principal(&mut self, p: &Principal, loc: Loc, delta: &mut DeltaBuilder) {
        self.touch_tenancy(&loc.tenancy);
        let index = self
            .tenancies
            .get_mut(&loc.tenancy)
            .expect("a live tenancy");
        let old = index.record(loc.ordinal).clone();
        let view = make_view(
            &mut self.atoms,
            p,
            old.view.id.clone(),
            loc.tenancy.clone(),
            loc.ordinal,
        );
        if view.same_attributes(&old.view) {
            return; // e.g. RUNNING → STOPPED: nothing the rules can see
        }
        let view = Arc::new(view);
        let tv = tenancy_view_mut(&mut self.state, &loc.tenancy);
        let groups = matching_groups(tv, &view);
        index.replace(view.clone(), groups.clone());
        tv.live_slots()
            .set_mut(loc.ordinal as usize, Some(view.clone()));
        set_memberships(tv, &view, &old.groups, &groups, delta);
        self.dirty = true;
    }

    /// Removes a principal. One the engine does not hold (never seen, already
    /// removed, terminated) is a no-op: change feeds deliver at least once.
    pub(super) fn remove_principal(&mut self, id: &str, delta: &mut DeltaBuilder) {
        let Some(loc) = self.state.locate(id) else {
            return;
        };
        self.touch_tenancy(&loc.tenancy);
        let index = self
            .tenancies
            .get_mut(&loc.tenancy)
            .expect("a live tenancy");
        let (old, end) = index.remove(loc.ordinal);
        let tv = tenancy_view_mut(&mut self.state, &loc.tenancy);
        set_memberships(tv, &old.view, &old.groups, &[], delta);
        let slots = tv.live_slots();
        slots.set_mut(loc.ordinal as usize, None);
        // Freed ordinals at the end are given back, so the slots shrink with them.
        while slots.len() > end as usize {
            slots.drop_last_mut();
        }
        tv.principals -= 1;
        self.state.forget(&old.view.id);
        self.drop_tenancy_if_empty(&loc.tenancy);
        self.dirty = true;
    }
}

/// A principal's attributes, its strings shared through the atom table.
fn make_view(
    atoms: &mut AtomTable,
    p: &Principal,
    id: Atom,
    tenancy: Atom,
    ordinal: u32,
) -> PrincipalView {
    let resource_type = atoms.intern_folded(match &p.resource_type {
        Some(t) => t,
        None => resource_type_of(&p.id),
    });
    let mut tags: Vec<Tag> = p
        .defined_tags
        .iter()
        .map(|t| Tag {
            namespace: atoms.intern_folded(&t.namespace),
            key: atoms.intern_folded(&t.key),
            value: atoms.intern(&t.value),
        })
        .collect();
    tags.sort_unstable();
    tags.dedup();
    PrincipalView {
        id,
        compartment: atoms.intern(&p.compartment_id),
        tenancy,
        instance: &*resource_type == "instance",
        resource_type,
        tags: tags.into(),
        ordinal,
    }
}

/// The tenancy's groups whose rule `p` satisfies, ascending.
pub(super) fn matching_groups(tv: &TenancyView, p: &PrincipalView) -> GroupList {
    tv.groups
        .iter()
        .filter(|g| matches!(&*g.rule, Ok(parsed) if rule_holds(&parsed.rule, p)))
        .map(|g| g.id)
        .collect()
}

/// Moves principal `p` from groups `before` to groups `after` (both ascending) in the
/// member bitmaps, copying each touched group on write, and records the delta.
fn set_memberships(
    tv: &mut TenancyView,
    p: &PrincipalView,
    before: &[GroupId],
    after: &[GroupId],
    delta: &mut DeltaBuilder,
) {
    let (mut i, mut j) = (0, 0);
    loop {
        let (g, join) = match (before.get(i), after.get(j)) {
            (Some(b), Some(a)) if b == a => {
                i += 1;
                j += 1;
                continue;
            }
            (Some(&b), Some(&a)) if b < a => {
                i += 1;
                (b, false)
            }
            (_, Some(&a)) => {
                j += 1;
                (a, true)
            }
            (Some(&b), None) => {
                i += 1;
                (b, false)
            }
            (None, None) => break,
        };
        let k = tv.group_index(g).expect("a group of the tenancy");
        let view = Arc::make_mut(&mut tv.groups[k]);
        let key = GroupKey {
            id: &view.ocid,
            tenancy: &view.tenancy,
            name: &view.name,
        };
        if join {
            view.members.insert(p.ordinal);
            delta.joined(key, &p.id);
        } else {
            view.members.remove(p.ordinal);
            delta.left(key, &p.id);
        }
    }
}
