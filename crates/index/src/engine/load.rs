//! The engine's two ends: made from a built [`Index`] without replaying the inventory
//! ([`Engine::from_index`]), and turned back into an index of its current version
//! ([`Version::to_index`](super::Version::to_index)), which the snapshot crate
//! writes as a checkpoint.
//!
//! Neither end evaluates a rule principal by principal: from an index, the members
//! are the index's own evaluation (bitmaps, all groups at once); back to an index,
//! the builder indexes the principals and the one bitmap evaluator computes the
//! members.

use super::atoms::{Atom, AtomTable};
use super::state::{GroupLoc, GroupView, Loc, PrincipalView, Tag};
use super::tenancy::TenancyIndex;
use super::{Engine, EngineOptions, tenancy_view_mut};
use crate::builder::{IndexBuilder, PrincipalFields};
use crate::groups::parse_group_rule;
use crate::ids::{GroupId, PrincipalId, TenancyId};
use crate::index::Index;
use crate::intern::Sym;
use crate::memberships::{GroupList, Memberships};
use crate::model::DynamicGroup;
use crate::postings::TermKey;
use dyngroup_rules::ParseOptions;
use roaring::RoaringBitmap;
use std::sync::Arc;

impl Engine {
    /// An engine holding exactly what `index` holds — its principals, its groups
    /// (refused by none of the live checks: a tenancy over its group limit keeps all
    /// its groups, and a rule that did not parse stays, with no members) and their
    /// memberships — as one published version.
    ///
    /// Nothing is replayed: the members are the index's own bitmap evaluation, and
    /// the groups' rules keep the index's parse options. `options.parse` applies to
    /// the changes that follow, made at least as strict as the index's (`strict` if
    /// the index's is, a nesting limit no higher), so that every rule the engine
    /// holds parses again under the index's options (what a checkpoint stores).
    pub fn from_index(index: &Index, options: EngineOptions) -> Engine {
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
        index: &Index,
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
        let mut atoms = SymAtoms::new(index);
        let tags = principal_tags(index);
        // Engine group ids are the index's.
        for _ in 0..index.group_count() {
            engine.group_ids.alloc();
        }

        for t in 0..index.tenancy_count() as u32 {
            let t = TenancyId(t);
            let tenancy = atoms.get(&mut engine.atoms, index.tenancies[t.index()].sym);
            engine.ensure_tenancy(&tenancy);
            let range = index.tenancies[t.index()].range.clone();
            let mut writer = TenancyIndex::default();
            let mut view = (**engine.state.tenancies.get(&tenancy).expect("ensured")).clone();
            for p in range.clone() {
                let ordinal = writer.ordinals.alloc();
                debug_assert_eq!(ordinal, p - range.start);
                let record = index.principals.get(PrincipalId(p));
                let resource_type = atoms.get(&mut engine.atoms, record.resource_type);
                let mut tags: Vec<Tag> = tags[p as usize]
                    .iter()
                    .map(|&(n, k, v)| Tag {
                        namespace: atoms.get(&mut engine.atoms, n),
                        key: atoms.get(&mut engine.atoms, k),
                        value: atoms.get(&mut engine.atoms, v),
                    })
                    .collect();
                tags.sort_unstable();
                let principal = Arc::new(PrincipalView {
                    id: Atom::new(index.strings.resolve(record.id)),
                    compartment: atoms.get(&mut engine.atoms, record.compartment),
                    tenancy: tenancy.clone(),
                    instance: &*resource_type == "instance",
                    resource_type,
                    tags: tags.into(),
                    ordinal,
                });
                let groups: GroupList = memberships.groups_of(PrincipalId(p)).into();
                writer.insert(principal.clone(), groups);
                view.slots.push_back_mut(Some(principal.clone()));
                let loc = Loc {
                    tenancy: tenancy.clone(),
                    ordinal,
                };
                engine.principals.insert(principal.id.clone(), loc.clone());
                engine
                    .state
                    .principals
                    .insert_mut(principal.id.clone(), loc);
            }
            view.principals = range.len();
            for &g in &index.tenancies[t.index()].groups {
                let def = index.group(g);
                let id: GroupId = g;
                let members = shifted(memberships.members(g), range.start);
                let group = GroupView {
                    id,
                    ocid: Atom::new(&def.id),
                    tenancy: tenancy.clone(),
                    name: def.name.as_str().into(),
                    description: def.description.as_str().into(),
                    matching_rule: def.matching_rule.as_str().into(),
                    domain: def.domain.clone().map(Arc::new),
                    rule: Arc::new(parse_group_rule(
                        &def.matching_rule,
                        def.domain_outside(),
                        &index.parse_options,
                    )),
                    members,
                };
                engine.state.groups.insert_mut(
                    group.ocid.clone(),
                    GroupLoc {
                        tenancy: tenancy.clone(),
                        id,
                    },
                );
                view.groups.push(Arc::new(group));
            }
            *tenancy_view_mut(&mut engine.state, &tenancy) = view;
            engine.tenancies.insert(tenancy, writer);
        }
        engine.dirty = true;
        engine.publish();
        engine
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
        let mut principals: Vec<&PrincipalView> = Vec::with_capacity(self.principal_count());
        for tenancy in self.state.tenancies.values() {
            principals.extend(tenancy.slots.iter().flatten().map(|p| &**p));
            groups.extend(tenancy.groups.iter().map(|g| &**g));
        }
        builder.add_all(principals);
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

/// A principal as the engine holds it, read by the builder (names already folded).
impl PrincipalFields for PrincipalView {
    fn indexed(&self) -> bool {
        true
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn compartment_id(&self) -> &str {
        &self.compartment
    }
    fn tenancy_id(&self) -> &str {
        &self.tenancy
    }
    fn resource_type(&self) -> &str {
        &self.resource_type
    }
    fn tags(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.tags
            .iter()
            .map(|t| (&*t.namespace, &*t.key, &*t.value))
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

/// Each principal's tags as (folded namespace, folded key, value) symbols: the
/// transpose of the tag-value postings.
fn principal_tags(index: &Index) -> Vec<Vec<(Sym, Sym, Sym)>> {
    let mut tags = vec![Vec::new(); index.principal_count()];
    for (t, key) in index.postings.keys().enumerate() {
        if let TermKey::TagValue(n, k, v) = key {
            let list = index.postings.list(crate::ids::TermId(t as u32));
            for p in list.to_bitmap() {
                tags[p as usize].push((n, k, v));
            }
        }
    }
    tags
}

/// The index's strings as atoms, each interned once.
struct SymAtoms<'a> {
    atoms: Vec<Option<Atom>>,
    index: &'a Index,
}

impl<'a> SymAtoms<'a> {
    fn new(index: &'a Index) -> SymAtoms<'a> {
        SymAtoms {
            atoms: vec![None; index.strings.len()],
            index,
        }
    }

    fn get(&mut self, table: &mut AtomTable, s: Sym) -> Atom {
        self.atoms[s.0 as usize]
            .get_or_insert_with(|| table.intern(self.index.strings.resolve(s)))
            .clone()
    }
}
