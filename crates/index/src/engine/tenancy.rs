//! The writer's private side of a tenancy: postings over the tenancy's own ordinals,
//! its universes, the free list of ordinals, and principal → groups.
//!
//! None of this is shared with readers, so it is mutated in place, never copied.

use super::atoms::Atom;
use super::state::PrincipalView;
use crate::eval::Operand;
use crate::ids::GroupId;
use crate::memberships::GroupList;
use crate::postings::terms_of;
use hashbrown::hash_map::Entry;
use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;
use roaring::RoaringBitmap;
use smallvec::SmallVec;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A posting's key over shared strings (the index's term key, held as atoms).
pub(crate) type TermKey = crate::postings::TermKey<Atom>;

/// Dense ids handed out smallest-free-first: freed ids are reused, and the highest
/// ones are given back, so ids stay below the peak number in use.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdPool {
    free: BTreeSet<u32>,
    end: u32,
}

impl IdPool {
    pub(crate) fn alloc(&mut self) -> u32 {
        match self.free.pop_first() {
            Some(id) => id,
            None => {
                let id = self.end;
                // Reuse keeps `end` at the peak live count; 2^32 live ids would not fit
                // in memory first.
                self.end = id.checked_add(1).expect("fewer than 2^32 live ids");
                id
            }
        }
    }

    /// Frees `id`; returns the new end (ids `>= end` are all free).
    pub(crate) fn release(&mut self, id: u32) -> u32 {
        if id + 1 == self.end {
            self.end = id;
            while self.end > 0 && self.free.remove(&(self.end - 1)) {
                self.end -= 1;
            }
        } else {
            self.free.insert(id);
        }
        self.end
    }

    /// One past the highest id in use.
    #[cfg(test)]
    pub(crate) fn end(&self) -> u32 {
        self.end
    }
}

/// From this many principals moved at once, [`TenancyIndex::set_members`] visits
/// them on all threads (below, splitting costs more than it saves).
const PARALLEL_MOVES: u64 = 4096;

/// One principal as the writer tracks it.
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub(crate) view: Arc<PrincipalView>,
    /// Its groups, ascending (the writer's reverse map: readers probe the bitmaps).
    pub(crate) groups: GroupList,
}

/// A posting list. Most terms (unique tag values, such as creation times) have one
/// principal: it is held inline, where a bitmap would cost a hundred bytes of headers
/// and allocations.
#[derive(Debug)]
enum Posting {
    One(u32),
    Many(RoaringBitmap),
}

/// The writer's side of one tenancy.
#[derive(Debug, Default)]
pub(crate) struct TenancyIndex {
    postings: HashMap<TermKey, Posting>,
    /// Every principal of the tenancy.
    pub(crate) universe: RoaringBitmap,
    /// Its instances: the domain of `instance.*` conditions.
    pub(crate) instances: RoaringBitmap,
    /// By ordinal; `None` for a free ordinal.
    pub(crate) records: Vec<Option<Record>>,
    pub(crate) ordinals: IdPool,
}

/// The posting terms of a principal (the index's [`terms_of`]).
pub(crate) fn terms(p: &PrincipalView) -> SmallVec<[TermKey; 12]> {
    let tags = p
        .tags
        .iter()
        .map(|t| (t.namespace.clone(), t.key.clone(), t.value.clone()));
    terms_of(p.compartment.clone(), p.resource_type.clone(), tags).collect()
}

impl TenancyIndex {
    /// The principals of a term, if any has it.
    pub(crate) fn posting(&self, key: &TermKey) -> Option<Operand<'_>> {
        self.postings.get(key).map(|list| match list {
            Posting::One(p) => Operand::One(*p),
            Posting::Many(b) => Operand::Bitmap(b),
        })
    }

    fn add_term(&mut self, key: TermKey, ordinal: u32) {
        match self.postings.entry(key) {
            Entry::Vacant(e) => {
                e.insert(Posting::One(ordinal));
            }
            Entry::Occupied(mut e) => match e.get_mut() {
                Posting::One(p) if *p == ordinal => {}
                Posting::One(p) => {
                    let both = RoaringBitmap::from_iter([*p, ordinal]);
                    *e.get_mut() = Posting::Many(both);
                }
                Posting::Many(b) => {
                    b.insert(ordinal);
                }
            },
        }
    }

    fn remove_term(&mut self, key: &TermKey, ordinal: u32) {
        let Some(list) = self.postings.get_mut(key) else {
            return;
        };
        let gone = match list {
            Posting::One(p) => *p == ordinal,
            Posting::Many(b) => {
                b.remove(ordinal);
                if b.len() == 1 {
                    *list = Posting::One(b.min().expect("one element"));
                }
                false
            }
        };
        if gone {
            // Terms come and go under churn (tag values); drop empty lists.
            self.postings.remove(key);
        }
    }

    /// Indexes a new principal at `view.ordinal`.
    pub(crate) fn insert(&mut self, view: Arc<PrincipalView>, groups: GroupList) {
        let o = view.ordinal;
        for t in terms(&view) {
            self.add_term(t, o);
        }
        self.universe.insert(o);
        if view.instance {
            self.instances.insert(o);
        }
        let i = o as usize;
        if self.records.len() <= i {
            self.records.resize(i + 1, None);
        }
        self.records[i] = Some(Record { view, groups });
    }

    /// Re-indexes a principal whose attributes changed (same ordinal): only the terms
    /// that differ are touched.
    pub(crate) fn replace(&mut self, view: Arc<PrincipalView>, groups: GroupList) {
        let o = view.ordinal;
        let Some(old) = self.records[o as usize].take() else {
            unreachable!("replace of a live ordinal");
        };
        let (before, after) = (terms(&old.view), terms(&view));
        // Hashed, so a principal with many tags costs linear time, not quadratic.
        let (in_before, in_after): (HashSet<&TermKey>, HashSet<&TermKey>) =
            (before.iter().collect(), after.iter().collect());
        for t in before.iter().filter(|t| !in_after.contains(t)) {
            self.remove_term(t, o);
        }
        for t in after.iter().filter(|t| !in_before.contains(t)) {
            self.add_term(t.clone(), o);
        }
        if view.instance {
            self.instances.insert(o);
        } else {
            self.instances.remove(o);
        }
        self.records[o as usize] = Some(Record { view, groups });
    }

    /// Un-indexes the principal at `ordinal` and frees the ordinal; returns its record
    /// and the new ordinal end (slots at and past it can be dropped).
    pub(crate) fn remove(&mut self, ordinal: u32) -> (Record, u32) {
        let Some(old) = self.records[ordinal as usize].take() else {
            unreachable!("remove of a live ordinal");
        };
        for t in terms(&old.view) {
            self.remove_term(&t, ordinal);
        }
        self.universe.remove(ordinal);
        self.instances.remove(ordinal);
        let end = self.ordinals.release(ordinal);
        self.records.truncate(end as usize);
        (old, end)
    }

    /// The record at an ordinal.
    pub(crate) fn record(&self, ordinal: u32) -> &Record {
        self.records[ordinal as usize]
            .as_ref()
            .expect("a live ordinal")
    }

    /// Adds group `g` to (or removes it from) the reverse map of every principal in
    /// `ordinals`, and returns their OCIDs when `ids` (a delta is being recorded). One
    /// pass over the records, split across threads when long: a broad rule change
    /// moves tens of thousands of principals, and each visit is a cache miss.
    pub(crate) fn set_members(
        &mut self,
        ordinals: &RoaringBitmap,
        g: GroupId,
        member: bool,
        ids: bool,
    ) -> Vec<Atom> {
        let visit = |records: &mut [Option<Record>], first: u32| {
            let end = first.saturating_add(records.len() as u32);
            let mut out = Vec::new();
            for o in ordinals.range(first..end) {
                let Some(r) = records[(o - first) as usize].as_mut() else {
                    continue;
                };
                match (r.groups.binary_search(&g), member) {
                    (Err(i), true) => r.groups.insert(i, g),
                    (Ok(i), false) => {
                        r.groups.remove(i);
                    }
                    _ => {}
                }
                if ids {
                    out.push(r.view.id.clone());
                }
            }
            out
        };
        if ordinals.len() < PARALLEL_MOVES {
            return visit(&mut self.records, 0);
        }
        let chunk = self
            .records
            .len()
            .div_ceil(4 * rayon::current_num_threads());
        let parts: Vec<Vec<Atom>> = self
            .records
            .par_chunks_mut(chunk.max(1))
            .enumerate()
            .map(|(i, records)| visit(records, (i * chunk) as u32))
            .collect();
        // Moved, not cloned (`concat` would touch every reference count twice).
        let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in parts {
            all.extend(part);
        }
        all
    }

    /// How many principals the tenancy holds.
    pub(crate) fn len(&self) -> u64 {
        self.universe.len()
    }

    /// How many posting lists it holds.
    pub(crate) fn terms(&self) -> usize {
        self.postings.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_reused_smallest_first_and_the_end_shrinks() {
        let mut p = IdPool::default();
        assert_eq!((p.alloc(), p.alloc(), p.alloc(), p.alloc()), (0, 1, 2, 3));
        assert_eq!(p.release(1), 4);
        assert_eq!(p.release(2), 4);
        assert_eq!(p.alloc(), 1);
        // 2 was free, so the end falls past it too.
        assert_eq!(p.release(3), 2);
        assert_eq!(p.end(), 2);
        assert_eq!(p.alloc(), 2);
        assert_eq!(p.release(0), 3);
        assert_eq!(p.release(2), 2);
        assert_eq!(p.release(1), 0);
        assert_eq!(p.alloc(), 0);
    }
}
