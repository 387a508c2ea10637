//! Inverted lists: for each term, the roaring bitmap of principals that have it.

use crate::ids::{PrincipalId, TermId};
use crate::intern::Sym;
use hashbrown::HashMap;
use rayon::prelude::*;
use roaring::RoaringBitmap;

/// What a posting list is about. Names are interned; tag namespaces, tag keys and
/// resource types are interned ASCII lower-cased (OCI compares them that way), tag
/// values and OCIDs exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TermKey {
    /// Principals directly in this compartment.
    Compartment(Sym),
    /// Principals of this (folded) resource type.
    Type(Sym),
    /// Principals with this (folded) tag namespace and key, any value.
    TagKey(Sym, Sym),
    /// Principals with this (folded) tag namespace and key and this exact value.
    TagValue(Sym, Sym, Sym),
}

/// A posting a rule condition resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TermRef {
    /// Nothing in the inventory has it (an unknown OCID or tag): no principal.
    Empty,
    /// A posting list.
    List(TermId),
    /// Exactly one principal: an id condition. Ids are unique after de-duplication, so
    /// their postings are kept as the one ordinal rather than a million one-element
    /// bitmaps.
    One(PrincipalId),
}

/// Every posting list of an index, plus the id → ordinal map.
#[derive(Clone, Debug, Default)]
pub(crate) struct Postings {
    // `pub(crate)` so that `parts` can take the postings apart and put them back.
    pub(crate) terms: HashMap<TermKey, TermId>,
    pub(crate) lists: Vec<RoaringBitmap>,
    pub(crate) ids: HashMap<Sym, PrincipalId>,
}

impl Postings {
    /// Records that principal `p` has term `key`. Principals must be added in
    /// ascending ordinal order, which makes every insert an append.
    pub(crate) fn add(&mut self, key: TermKey, p: PrincipalId) {
        let lists = &mut self.lists;
        let id = *self.terms.entry(key).or_insert_with(|| {
            lists.push(RoaringBitmap::new());
            TermId(u32::try_from(lists.len() - 1).expect("fewer than 2^32 terms"))
        });
        // A principal that carries the same folded tag twice pushes twice; the
        // second push is refused because it is already there, which is what we want.
        let _ = self.lists[id.index()].try_push(p.0);
    }

    /// Records the ordinal of the principal with OCID `id`.
    pub(crate) fn add_id(&mut self, id: Sym, p: PrincipalId) {
        self.ids.insert(id, p);
    }

    /// Compresses every list (runs for clustered compartments and tenancies).
    pub(crate) fn optimize(&mut self) {
        self.lists.par_iter_mut().for_each(|list| {
            list.optimize();
        });
    }

    /// The term id of `key`, if any principal has it.
    pub(crate) fn term(&self, key: TermKey) -> Option<TermId> {
        self.terms.get(&key).copied()
    }

    /// The principals of a term.
    pub(crate) fn list(&self, term: TermId) -> &RoaringBitmap {
        &self.lists[term.index()]
    }

    /// The ordinal of the principal with this OCID symbol.
    pub(crate) fn principal(&self, id: Sym) -> Option<PrincipalId> {
        self.ids.get(&id).copied()
    }

    /// How many posting lists there are.
    pub(crate) fn len(&self) -> usize {
        self.lists.len()
    }

    /// Bytes the lists take in the portable roaring format (a fair size measure).
    pub(crate) fn serialized_bytes(&self) -> usize {
        self.lists.iter().map(RoaringBitmap::serialized_size).sum()
    }

    /// Whether principal `p` has the posting `term`.
    pub(crate) fn holds(&self, term: TermRef, p: PrincipalId) -> bool {
        match term {
            TermRef::Empty => false,
            TermRef::List(t) => self.list(t).contains(p.0),
            TermRef::One(q) => q == p,
        }
    }
}
