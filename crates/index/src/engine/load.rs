//! The engine's two ends: made from a built [`Index`] without replaying the inventory
//! ([`Engine::from_index`]), and turned back into an index of its current version
//! ([`Version::to_index`](super::Version::to_index)), which the snapshot crate
//! writes as a checkpoint.
//!
//! Neither end evaluates a rule principal by principal: from an index, the members
//! are the index's own evaluation (bitmaps, all groups at once), and the principals
//! stay in the index (the engine's base, `base.rs`) until a change touches their
//! tenancy; back to an index, the builder indexes the principals and the one bitmap
//! evaluator computes the members.

use super::atoms::Atom;
use super::base::{Base, PrincipalTags};
use super::change::Change;
use super::state::{
    GroupLoc, GroupView, Held, LiveSlots, PrincipalView, Slots, State, Tag, TenancyView, new_slots,
};
use super::tenancy::TenancyIndex;
use super::{Engine, EngineOptions, tenancy_view_mut};
use crate::builder::IndexBuilder;
use crate::groups::parse_group_rule;
use crate::ids::TenancyId;
use crate::index::Index;
use crate::intern::Sym;
use crate::memberships::{GroupList, Memberships};
use crate::model::DynamicGroup;
use dyngroup_rules::ParseOptions;
use rayon::prelude::*;
use roaring::RoaringBitmap;
use std::sync::Arc;

impl Engine {
    /// An engine holding exactly what `index` holds — its principals, its groups
    /// (refused by none of the live checks: a tenancy over its group limit keeps all
    /// its groups, and a rule that did not parse stays, with no members) and their
    /// memberships — as one published version.
    ///
    /// Nothing is replayed or copied principal by principal: the engine keeps the
    /// index as its base, reads the tenancies no change has touched from it, and
    /// copies a tenancy into its own structures when a change first touches it; the
    /// members are the index's own bitmap evaluation. The groups' rules keep the
    /// index's parse options. `options.parse` applies to the changes that follow,
    /// made at least as strict as the index's (`strict` if the index's is, a nesting
    /// limit no higher), so that every rule the engine holds parses again under the
    /// index's options (what a checkpoint stores).
    pub fn from_index(index: Index, options: EngineOptions) -> Engine {
        let memberships = index.evaluate();
        Engine::from_evaluated(index, &memberships, options)
    }

    /// [`from_index`](Engine::from_index) with the index's memberships already at
    /// hand. `memberships` must be the index's own ([`Index::evaluate`]); it is
    /// checked by size only.
    ///
    /// # Panics
    /// If `memberships` has another number of groups or principals than `index`.
    pub fn from_evaluated(
        index: Index,
        memberships: &Memberships,
        mut options: EngineOptions,
    ) -> Engine {
        assert_eq!(memberships.group_bitmaps().len(), index.group_count());
        let base = index.parse_options;
        options.parse.strict |= base.strict;
        options.parse.max_depth = options.parse.max_depth.min(base.max_depth);
        assert_eq!(
            memberships.principal_groups().len(),
            index.principal_count()
        );
        let mut engine = Engine::with_options(options);
        engine.state.rules_parse = base;
        // Engine group ids are the index's.
        for _ in 0..index.group_count() {
            engine.group_ids.alloc();
        }
        let tenancy_ids: Vec<Atom> = index
            .tenancies
            .iter()
            .map(|t| engine.atoms.intern(index.strings.resolve(t.sym)))
            .collect();
        // Each tenancy's groups are made on their own thread, while the principals'
        // tags are gathered (what a base principal answers its tags from).
        let (tags, groups) = rayon::join(
            || PrincipalTags::of_index(&index),
            || {
                (0..index.tenancy_count() as u32)
                    .into_par_iter()
                    .map(|t| load_groups(&index, memberships, &tenancy_ids, TenancyId(t)))
                    .collect::<Vec<_>>()
            },
        );
        let ranges: Vec<_> = index.tenancies.iter().map(|t| t.range.clone()).collect();
        engine.state.principal_count = index.principal_count();
        let shared = Arc::new(Base::new(index, tags, tenancy_ids.clone()));
        for ((t, (id, groups)), range) in (0u32..)
            .zip(tenancy_ids.into_iter().zip(groups))
            .zip(ranges)
        {
            for g in &groups {
                let loc = GroupLoc {
                    tenancy: id.clone(),
                    id: g.id,
                };
                engine.state.groups.insert_mut(g.ocid.clone(), loc);
            }
            let slots = if range.is_empty() {
                Slots::Live(new_slots())
            } else {
                Slots::Base {
                    base: shared.clone(),
                    tenancy: TenancyId(t),
                }
            };
            let view = TenancyView {
                id: id.clone(),
                groups,
                slots,
                principals: range.len(),
            };
            engine.state.tenancies.insert_mut(id, Arc::new(view));
        }
        engine.state.base = Some(shared);
        engine.dirty = true;
        engine.publish();
        engine
    }

    /// Makes tenancy `t` the writer's own before a change: a new, empty one if the
    /// engine has never held it; one still read from the base index is copied into
    /// the engine's structures (its strings shared, its postings built, each
    /// principal's groups read off the member bitmaps), keeping every ordinal.
    pub(super) fn touch_tenancy(&mut self, t: &Atom) {
        if self.tenancies.contains_key(t) {
            return;
        }
        let Some(view) = self.state.tenancies.get_mut(t) else {
            self.tenancies.insert(t.clone(), TenancyIndex::default());
            self.state
                .tenancies
                .insert_mut(t.clone(), Arc::new(TenancyView::new(t.clone())));
            return;
        };
        let view = Arc::make_mut(view);
        let writer = match &view.slots {
            Slots::Base { base, tenancy } => {
                let (base, tenancy) = (base.clone(), *tenancy);
                let atoms = &mut self.atoms;
                let atom = |s| atoms.intern(base.resolve(s));
                let (writer, slots) = copy_tenancy(&base, tenancy, &view.groups, atom);
                view.slots = Slots::Live(slots);
                writer
            }
            // A tenancy made with groups and no principals.
            Slots::Live(slots) => {
                debug_assert!(slots.is_empty());
                TenancyIndex::default()
            }
        };
        self.tenancies.insert(t.clone(), writer);
    }

    /// Copies the base tenancies a batch of changes names on all threads, before the
    /// changes are applied one by one (which would copy each on this thread, as its
    /// first change arrives). A tenancy named by a change that is then refused is
    /// copied for nothing: that costs time, never an answer.
    pub(super) fn touch_tenancies(&mut self, changes: &[Change]) {
        let Some(base) = self.state.base.clone() else {
            return;
        };
        let named = named_base_tenancies(&self.state, changes);
        if named.len() < 2 {
            return; // one tenancy: nothing to share out
        }
        // The strings first, on this thread, each distinct one once (the atom table
        // is the writer's); then the tenancies, on all threads, reading them.
        let mut atoms: Vec<Option<Atom>> = vec![None; base.string_count()];
        for &(_, t) in &named {
            for o in 0..base.range(t).len() as u32 {
                let p = base.principal(t, o).expect("in the tenancy's range");
                let (compartment, resource_type) = p.place_syms();
                let tags = p.tag_syms().iter().flat_map(|&(n, k, v)| [n, k, v]);
                for s in [compartment, resource_type].into_iter().chain(tags) {
                    let slot = &mut atoms[s.0 as usize];
                    if slot.is_none() {
                        *slot = Some(self.atoms.intern(base.resolve(s)));
                    }
                }
            }
        }
        let state = &self.state;
        let copied: Vec<(TenancyIndex, LiveSlots)> = named
            .par_iter()
            .map(|(id, t)| {
                let groups = &state.tenancies.get(id).expect("named").groups;
                let atom = |s: Sym| atoms[s.0 as usize].clone().expect("interned above");
                copy_tenancy(&base, *t, groups, atom)
            })
            .collect();
        for ((id, _), (writer, slots)) in named.into_iter().zip(copied) {
            tenancy_view_mut(&mut self.state, &id).slots = Slots::Live(slots);
            self.tenancies.insert(id, writer);
        }
    }
}

impl super::Version {
    /// This version as an [`Index`] and its [`Memberships`]: the principals indexed
    /// by the [`IndexBuilder`] (so ordinals are clustered again, and freed engine
    /// ordinals leave no gaps), the groups in engine-id order, their rules parsed with
    /// [`rules_parse_options`](Self::rules_parse_options), the members evaluated by
    /// the bitmap evaluator (all groups at once).
    pub fn to_index(&self) -> (Index, Memberships) {
        let mut builder = IndexBuilder::new().parse_options(self.state.rules_parse);
        let mut groups: Vec<&GroupView> = Vec::with_capacity(self.group_count());
        // The principals as held (no copy), which the builder prepares on all threads.
        let mut principals: Vec<Held<'_>> = Vec::with_capacity(self.principal_count());
        // Tenancies by OCID, not in the map's order (its hasher has a seed of its
        // own): the same version gives the same index, and the same file.
        let mut tenancies: Vec<&TenancyView> =
            self.state.tenancies.values().map(|t| &**t).collect();
        tenancies.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        for tenancy in tenancies {
            principals.extend(tenancy.held());
            groups.extend(tenancy.groups.iter().map(|g| &**g));
        }
        builder.add_all(&principals);
        groups.sort_unstable_by_key(|g| g.id);
        for g in groups {
            builder
                .add_group(DynamicGroup {
                    domain: g.domain.as_deref().cloned(),
                    id: g.ocid.to_string(),
                    name: g.name.to_string(),
                    description: g.description.to_string(),
                    matching_rule: g.matching_rule.to_string(),
                    tenancy_id: g.tenancy.to_string(),
                })
                .expect("the engine holds valid names, unique per tenancy");
        }
        let index = builder.build();
        let memberships = index.evaluate();
        (index, memberships)
    }
}

impl super::Version {
    /// The options every rule this version holds parses under: those of the index
    /// the engine was made from, or the engine's own.
    pub fn rules_parse_options(&self) -> ParseOptions {
        self.state.rules_parse
    }
}

/// `bitmap` with `base` subtracted from every element (all are `>= base`).
fn shifted(bitmap: &RoaringBitmap, base: u32) -> RoaringBitmap {
    if base == 0 {
        return bitmap.clone();
    }
    RoaringBitmap::from_sorted_iter(bitmap.iter().map(|p| p - base))
        .expect("a shift keeps the order")
}

/// A tenancy's groups as the engine holds them, members as ordinals of the tenancy.
fn load_groups(
    index: &Index,
    memberships: &Memberships,
    tenancy_ids: &[Atom],
    t: TenancyId,
) -> Vec<Arc<GroupView>> {
    let tenancy = &index.tenancies[t.index()];
    let id = &tenancy_ids[t.index()];
    tenancy
        .groups
        .iter()
        .map(|&g| {
            let def = index.group(g);
            Arc::new(GroupView {
                id: g,
                ocid: Atom::new(&def.id),
                tenancy: id.clone(),
                name: def.name.as_str().into(),
                description: def.description.as_str().into(),
                matching_rule: def.matching_rule.as_str().into(),
                domain: def.domain.clone().map(Arc::new),
                rule: Arc::new(parse_group_rule(
                    &def.matching_rule,
                    def.domain_outside(),
                    &index.parse_options,
                )),
                members: shifted(memberships.members(g), tenancy.range.start),
            })
        })
        .collect()
}

/// Tenancy `t` of the base copied into the engine's own structures: each principal
/// at the ordinal it had there, its strings shared through `atom` (which must give
/// the atom table's own: a rule's value is looked up there).
fn copy_tenancy(
    base: &Base,
    t: TenancyId,
    groups: &[Arc<GroupView>],
    mut atom: impl FnMut(Sym) -> Atom,
) -> (TenancyIndex, LiveSlots) {
    let n = base.range(t).len();
    // Groups ascending, so each principal's list is too.
    let mut lists = vec![GroupList::new(); n];
    for g in groups {
        for o in &g.members {
            lists[o as usize].push(g.id);
        }
    }
    let mut writer = TenancyIndex::default();
    let mut slots = new_slots();
    for (o, groups) in (0u32..).zip(lists) {
        let ordinal = writer.ordinals.alloc();
        debug_assert_eq!(ordinal, o);
        let p = base.principal(t, o).expect("in the tenancy's range");
        let mut tags: Vec<Tag> = p
            .tag_syms()
            .iter()
            .map(|&(n, k, v)| Tag {
                namespace: atom(n),
                key: atom(k),
                value: atom(v),
            })
            .collect();
        tags.sort_unstable();
        let (compartment, resource_type) = p.place_syms();
        let view = Arc::new(PrincipalView {
            id: Atom::new(p.id()),
            compartment: atom(compartment),
            tenancy: p.tenancy().clone(),
            resource_type: atom(resource_type),
            instance: p.is_instance(),
            tags: tags.into(),
            ordinal,
        });
        writer.insert(view.clone(), groups);
        slots.push_back_mut(Some(view));
    }
    (writer, slots)
}

/// The base tenancies `changes` name (a principal's tenancy, before and after; a
/// group's), each once.
fn named_base_tenancies(state: &State, changes: &[Change]) -> Vec<(Atom, TenancyId)> {
    let mut named: Vec<Atom> = Vec::new();
    let group_tenancy = |id: &str| state.groups.get(id).map(|g| g.tenancy.clone());
    for change in changes {
        match change {
            Change::UpsertPrincipal(p) => {
                named.extend(state.locate(&p.id).map(|l| l.tenancy));
                named.push(Atom::new(&p.tenancy_id));
            }
            Change::RemovePrincipal { id } => named.extend(state.locate(id).map(|l| l.tenancy)),
            Change::CreateGroup(g) | Change::UpsertGroup(g) => {
                named.push(Atom::new(&g.tenancy_id));
            }
            Change::UpdateGroup(u) => named.extend(group_tenancy(&u.id)),
            Change::DeleteGroup { id, .. } => named.extend(group_tenancy(id)),
        }
    }
    let mut base: Vec<(Atom, TenancyId)> = named
        .into_iter()
        .filter_map(|t| match &state.tenancies.get(&t)?.slots {
            Slots::Base { tenancy, .. } => Some((t, *tenancy)),
            Slots::Live(_) => None,
        })
        .collect();
    base.sort_unstable_by_key(|&(_, t)| t);
    base.dedup_by_key(|&mut (_, t)| t);
    base
}
