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
use super::state::{GroupLoc, GroupView, Loc, PrincipalView, Tag, TenancyView};
use super::tenancy::TenancyIndex;
use super::{Engine, EngineOptions};
use crate::builder::{IndexBuilder, PrincipalFields};
use crate::groups::parse_group_rule;
use crate::ids::{PrincipalId, TenancyId, TermId};
use crate::index::Index;
use crate::intern::Sym;
use crate::memberships::{GroupList, Memberships};
use crate::model::DynamicGroup;
use crate::postings::TermKey;
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
        // Engine group ids are the index's.
        for _ in 0..index.group_count() {
            engine.group_ids.alloc();
        }
        let tags = principal_tags(index);
        let atoms = sym_atoms(index, &tags, &mut engine.atoms);
        // Tenancies are independent: each is loaded on its own thread. The writer's
        // and the readers' OCID maps are filled from the index meanwhile (a principal
        // keeps its ordinal within its tenancy), each on one thread: the readers' map
        // is persistent, and filling it is the longest single task.
        let (writers, readers) = (&mut engine.principals, &mut engine.state.principals);
        let (loaded, ()) = rayon::join(
            || {
                (0..index.tenancy_count() as u32)
                    .into_par_iter()
                    .map(|t| load_tenancy(index, memberships, &atoms, &tags, TenancyId(t)))
                    .collect::<Vec<LoadedTenancy>>()
            },
            || {
                rayon::join(
                    || {
                        writers.reserve(index.principal_count());
                        writers.extend(locs(index, &atoms));
                    },
                    || {
                        for (id, loc) in locs(index, &atoms) {
                            readers.insert_mut(id, loc);
                        }
                    },
                );
            },
        );
        for t in loaded {
            let tenancy = t.view.id.clone();
            for g in &t.view.groups {
                let loc = GroupLoc {
                    tenancy: tenancy.clone(),
                    id: g.id,
                };
                engine.state.groups.insert_mut(g.ocid.clone(), loc);
            }
            engine
                .state
                .tenancies
                .insert_mut(tenancy.clone(), Arc::new(t.view));
            engine.tenancies.insert(tenancy, t.writer);
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
        // Tenancies by OCID, not in the map's order (its hasher has a seed of its
        // own): the same version gives the same index, and the same file.
        let mut tenancies: Vec<&TenancyView> =
            self.state.tenancies.values().map(|t| &**t).collect();
        tenancies.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        for tenancy in tenancies {
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

/// One tenancy of an index, as the engine holds it.
struct LoadedTenancy {
    writer: TenancyIndex,
    view: TenancyView,
}

/// Where each principal of `index` is once loaded: in its tenancy, at its ordinal
/// there ([`load_tenancy`] numbers a tenancy's principals from 0 in index order).
fn locs<'a>(index: &'a Index, atoms: &'a [Atom]) -> impl Iterator<Item = (Atom, Loc)> + 'a {
    index.tenancies.iter().flat_map(move |tenancy| {
        tenancy.range.clone().map(move |p| {
            let record = index.principals.get(PrincipalId(p));
            let loc = Loc {
                tenancy: atoms[tenancy.sym.0 as usize].clone(),
                ordinal: p - tenancy.range.start,
            };
            (atoms[record.id.0 as usize].clone(), loc)
        })
    })
}

fn load_tenancy(
    index: &Index,
    memberships: &Memberships,
    atoms: &[Atom],
    tags: &PrincipalTags,
    t: TenancyId,
) -> LoadedTenancy {
    let atom = |s: Sym| atoms[s.0 as usize].clone();
    let tenancy = &index.tenancies[t.index()];
    let id = atom(tenancy.sym);
    let range = tenancy.range.clone();
    let mut writer = TenancyIndex::default();
    let mut view = TenancyView::new(id.clone());
    for p in range.clone() {
        let ordinal = writer.ordinals.alloc();
        debug_assert_eq!(ordinal, p - range.start);
        let record = index.principals.get(PrincipalId(p));
        let resource_type = atom(record.resource_type);
        let mut own_tags: Vec<Tag> = tags
            .of(p)
            .iter()
            .map(|&(n, k, v)| Tag {
                namespace: atom(n),
                key: atom(k),
                value: atom(v),
            })
            .collect();
        own_tags.sort_unstable();
        let principal = Arc::new(PrincipalView {
            id: atom(record.id),
            compartment: atom(record.compartment),
            tenancy: id.clone(),
            instance: &*resource_type == "instance",
            resource_type,
            tags: own_tags.into(),
            ordinal,
        });
        let groups: GroupList = memberships.groups_of(PrincipalId(p)).into();
        writer.insert(principal.clone(), groups);
        view.slots.push_back_mut(Some(principal));
    }
    view.principals = range.len();
    for &g in &tenancy.groups {
        let def = index.group(g);
        view.groups.push(Arc::new(GroupView {
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
            members: shifted(memberships.members(g), range.start),
        }));
    }
    LoadedTenancy { writer, view }
}

/// Each principal's tags as (folded namespace, folded key, value) symbols: the
/// transpose of the tag-value postings, one list after another.
struct PrincipalTags {
    /// Principal `p`'s tags are `tags[starts[p]..starts[p + 1]]`.
    starts: Vec<u32>,
    tags: Vec<(Sym, Sym, Sym)>,
}

impl PrincipalTags {
    fn of(&self, p: u32) -> &[(Sym, Sym, Sym)] {
        let p = p as usize;
        &self.tags[self.starts[p] as usize..self.starts[p + 1] as usize]
    }
}

fn principal_tags(index: &Index) -> PrincipalTags {
    let values: Vec<(TermId, (Sym, Sym, Sym))> = index
        .postings
        .keys()
        .enumerate()
        .filter_map(|(t, key)| match key {
            TermKey::TagValue(n, k, v) => Some((TermId(t as u32), (n, k, v))),
            _ => None,
        })
        .collect();
    let mut starts = vec![0u32; index.principal_count() + 1];
    for &(t, _) in &values {
        for p in index.postings.list(t).iter() {
            starts[p as usize + 1] += 1;
        }
    }
    for p in 1..starts.len() {
        starts[p] += starts[p - 1];
    }
    let mut next = starts.clone();
    let mut tags = vec![(Sym(0), Sym(0), Sym(0)); starts[starts.len() - 1] as usize];
    for &(t, tag) in &values {
        for p in index.postings.list(t).iter() {
            tags[next[p as usize] as usize] = tag;
            next[p as usize] += 1;
        }
    }
    PrincipalTags { starts, tags }
}

/// Every string of the index as an atom (made on all threads); those the principals
/// hold as attributes (a tenancy, compartment, type or tag — also when the same
/// string is some principal's OCID) are the engine's table, as interning them one by
/// one would make it: a rule's value is looked up there. OCIDs alone are not interned
/// (see [`Atom::new`]).
fn sym_atoms(index: &Index, tags: &PrincipalTags, table: &mut AtomTable) -> Vec<Atom> {
    let atoms: Vec<Atom> = (0..index.strings.len() as u32)
        .into_par_iter()
        .map(|s| Atom::new(index.strings.resolve(Sym(s))))
        .collect();
    let mut attribute = vec![false; atoms.len()];
    let mut mark = |s: Sym| attribute[s.0 as usize] = true;
    for t in &index.tenancies {
        mark(t.sym);
    }
    for p in 0..index.principal_count() as u32 {
        let record = index.principals.get(PrincipalId(p));
        mark(record.compartment);
        mark(record.resource_type);
    }
    for &(n, k, v) in &tags.tags {
        mark(n);
        mark(k);
        mark(v);
    }
    for (atom, attribute) in atoms.iter().zip(attribute) {
        if attribute {
            table.insert(atom.clone());
        }
    }
    atoms
}
