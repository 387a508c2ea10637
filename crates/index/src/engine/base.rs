//! The index an engine was made from ([`Engine::from_index`](super::Engine::from_index)),
//! shared by every version: a tenancy no change has touched is read from it in place,
//! and copied into the engine's own structures (shared strings, postings over its
//! ordinals, a persistent vector of principals) when a change first touches it
//! (`Engine::touch_tenancy`). Opening an engine so costs its groups, not its
//! principals, and an engine that changes a few tenancies holds one copy of the rest.
//!
//! A base principal keeps its index order as its ordinal within its tenancy
//! (`p − range.start`), the ordinal the copy gives it too, so a location read from
//! the base stays true after its tenancy is copied; the engine's own map of
//! locations records only what changed (see [`State::locate`](super::state::State)).

use super::atoms::Atom;
use super::state::Loc;
use crate::holds::Attributes;
use crate::ids::{PrincipalId, TenancyId, TermId};
use crate::index::{Index, Indexed};
use crate::intern::Sym;
use crate::postings::TermKey;
use dyngroup_rules::Test;
use std::ops::Range;

/// A built index, read by the engine's untouched tenancies.
pub(crate) struct Base {
    index: Index,
    tags: PrincipalTags,
    /// Each tenancy's OCID, by [`TenancyId`] (the atoms the engine's maps hold).
    tenancies: Vec<Atom>,
}

impl Base {
    /// `tenancies` are the index's tenancy OCIDs in id order.
    pub(crate) fn new(index: Index, tags: PrincipalTags, tenancies: Vec<Atom>) -> Base {
        debug_assert_eq!(tenancies.len(), index.tenancy_count());
        Base {
            index,
            tags,
            tenancies,
        }
    }

    /// Whether the index holds a principal with this OCID.
    pub(crate) fn holds(&self, ocid: &str) -> bool {
        self.index.principal_id(ocid).is_some()
    }

    /// Where the principal with this OCID is, if the index holds it.
    pub(crate) fn locate(&self, ocid: &str) -> Option<Loc> {
        let p = self.index.principal_id(ocid)?;
        let t = self.index.tenancy_of(p);
        Some(Loc {
            tenancy: self.tenancies[t.index()].clone(),
            ordinal: p.0 - self.range(t).start,
        })
    }

    pub(crate) fn resolve(&self, s: Sym) -> &str {
        self.index.strings.resolve(s)
    }

    /// How many strings the index holds: symbols are below this.
    pub(crate) fn string_count(&self) -> usize {
        self.index.strings.len()
    }

    /// The index ordinals of a tenancy's principals.
    pub(crate) fn range(&self, t: TenancyId) -> Range<u32> {
        self.index.tenancies[t.index()].range.clone()
    }

    /// The principal at `ordinal` of tenancy `t`, if there is one.
    pub(crate) fn principal(&self, t: TenancyId, ordinal: u32) -> Option<BasePrincipal<'_>> {
        let range = self.range(t);
        let p = range
            .start
            .checked_add(ordinal)
            .filter(|p| range.contains(p))?;
        Some(BasePrincipal {
            base: self,
            tenancy: t,
            p: PrincipalId(p),
        })
    }
}

/// A principal of the base index.
#[derive(Clone, Copy)]
pub(crate) struct BasePrincipal<'a> {
    base: &'a Base,
    tenancy: TenancyId,
    p: PrincipalId,
}

impl<'a> BasePrincipal<'a> {
    fn resolve(&self, s: Sym) -> &'a str {
        self.base.resolve(s)
    }

    pub(crate) fn id(&self) -> &'a str {
        self.base.index.principal_ocid(self.p)
    }

    pub(crate) fn compartment(&self) -> &'a str {
        self.resolve(self.place_syms().0)
    }

    pub(crate) fn tenancy(&self) -> &'a Atom {
        &self.base.tenancies[self.tenancy.index()]
    }

    /// ASCII lower-cased.
    pub(crate) fn resource_type(&self) -> &'a str {
        self.resolve(self.place_syms().1)
    }

    pub(crate) fn is_instance(&self) -> bool {
        self.base.index.is_instance(self.p)
    }

    /// Its tags (names folded), in no particular order.
    pub(crate) fn tags(&self) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a {
        let base = self.base;
        self.tag_syms()
            .iter()
            .map(move |&(n, k, v)| (base.resolve(n), base.resolve(k), base.resolve(v)))
    }

    /// Its compartment and resource type as the index's symbols.
    pub(crate) fn place_syms(&self) -> (Sym, Sym) {
        let record = self.base.index.principals.get(self.p);
        (record.compartment, record.resource_type)
    }

    /// Its tags as the index's symbols.
    pub(crate) fn tag_syms(&self) -> &'a [(Sym, Sym, Sym)] {
        self.base.tags.of(self.p.0)
    }

    /// Its ordinal within its tenancy.
    pub(crate) fn ordinal(&self) -> u32 {
        self.p.0 - self.base.range(self.tenancy).start
    }
}

/// Answered by the index's postings, as explain answers for an indexed principal.
impl Attributes for BasePrincipal<'_> {
    fn is_instance(&self) -> bool {
        BasePrincipal::is_instance(self)
    }

    fn passes(&self, test: &Test) -> bool {
        let at = Indexed {
            index: &self.base.index,
            principal: self.p,
        };
        at.passes(test)
    }
}

/// Each principal's tags as (folded namespace, folded key, value) symbols: the
/// transpose of the tag-value postings, one list after another.
pub(crate) struct PrincipalTags {
    /// Principal `p`'s tags are `tags[starts[p]..starts[p + 1]]`.
    starts: Vec<u32>,
    tags: Vec<(Sym, Sym, Sym)>,
}

impl PrincipalTags {
    fn of(&self, p: u32) -> &[(Sym, Sym, Sym)] {
        let p = p as usize;
        &self.tags[self.starts[p] as usize..self.starts[p + 1] as usize]
    }

    /// The tags of every principal of `index`.
    pub(crate) fn of_index(index: &Index) -> PrincipalTags {
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
}
