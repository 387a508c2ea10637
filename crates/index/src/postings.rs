//! Inverted lists: for each term, the principals that have it.
//!
//! Most terms are rare: a unique tag value (a `CreatedOn` timestamp, say) gives one
//! list per principal. A roaring bitmap per list costs ~100 bytes of headers and
//! allocations before its first element, so only lists longer than
//! [`SMALL_LIST_MAX`] are bitmaps; shorter ones are sorted runs of ordinals in one
//! shared arena (its length, then its ordinals), 4 bytes per element and no allocation
//! of their own, and a list of one principal is its ordinal, kept in the term's slot.
//! The builder counts first and fills second, so nothing is over-allocated.

use crate::frozen::FrozenTable;
use crate::ids::{PrincipalId, TermId};
use crate::intern::Sym;
use hashbrown::{DefaultHashBuilder, HashMap, HashTable};
use rayon::prelude::*;
use roaring::RoaringBitmap;
use std::hash::BuildHasher;

/// Lists with at most this many principals live in the shared arena, longer ones are
/// roaring bitmaps. Below ~40 elements an arena slice is the smaller of the two.
pub(crate) const SMALL_LIST_MAX: usize = 32;

/// Heap bytes of a roaring bitmap before its elements (its slot in a `Vec`)…
const BITMAP_BYTES: u64 = 24;
/// …and per container (the container itself; its elements take 2 bytes each in an
/// array container). A list spread over many containers (a tag value used across
/// tenancies) is smaller in the arena, at 4 bytes an element, even when long.
const CONTAINER_BYTES: u64 = 40;

/// What a posting list is about, over strings held as `S`: interner symbols in the
/// index, shared strings in the live engine (the one term key of both). Tag
/// namespaces, tag keys and resource types are held ASCII lower-cased (OCI compares
/// them that way), tag values and OCIDs exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TermKey<S = Sym> {
    /// Principals directly in this compartment.
    Compartment(S),
    /// Principals of this (folded) resource type.
    Type(S),
    /// Principals with this (folded) tag namespace and key, any value.
    TagKey(S, S),
    /// Principals with this (folded) tag namespace and key and this exact value.
    TagValue(S, S, S),
}

/// A principal's terms: its compartment, its resource type, and each tag's key and
/// key=value. A tag given twice gives its terms twice: the postings list a principal
/// once per term.
pub(crate) fn terms_of<S: Clone>(
    compartment: S,
    resource_type: S,
    tags: impl IntoIterator<Item = (S, S, S)>,
) -> impl Iterator<Item = TermKey<S>> {
    [
        TermKey::Compartment(compartment),
        TermKey::Type(resource_type),
    ]
    .into_iter()
    .chain(tags.into_iter().flat_map(|(namespace, key, value)| {
        [
            TermKey::TagKey(namespace.clone(), key.clone()),
            TermKey::TagValue(namespace, key, value),
        ]
    }))
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
    /// lists.
    One(PrincipalId),
}

/// One posting list, as stored.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PostingList<'a> {
    /// Exactly one ordinal (most terms: unique tag values such as timestamps).
    One(u32),
    /// Ordinals in the arena, ascending: at most [`SMALL_LIST_MAX`], or more when the
    /// list spreads over so many roaring containers that a bitmap would be larger.
    Small(&'a [u32]),
    /// A longer list.
    Large(&'a RoaringBitmap),
}

impl PostingList<'_> {
    /// Whether ordinal `p` is in the list.
    pub(crate) fn contains(self, p: u32) -> bool {
        match self {
            PostingList::One(q) => q == p,
            PostingList::Small(s) => s.binary_search(&p).is_ok(),
            PostingList::Large(b) => b.contains(p),
        }
    }

    /// The list as a bitmap, compressed as [`RoaringBitmap::optimize`] would.
    pub(crate) fn to_bitmap(self) -> RoaringBitmap {
        match self {
            PostingList::One(p) => {
                let mut b = RoaringBitmap::from_iter([p]);
                b.optimize();
                b
            }
            PostingList::Small(s) => {
                let mut b = RoaringBitmap::from_sorted_iter(s.iter().copied())
                    .expect("small lists are sorted and distinct");
                b.optimize();
                b
            }
            PostingList::Large(b) => b.clone(),
        }
    }
}

/// A [`TermKey`] in 8 bytes rather than 16: the kind in the top two bits of `head`,
/// a tag's (namespace, key) as its number in [`Terms::tags`] in the rest of `head`,
/// and the compartment, type or value symbol in `sym`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct PackedKey {
    head: u32,
    sym: u32,
}

const KIND_SHIFT: u32 = 30;
const COMPARTMENT: u32 = 0;
const TYPE: u32 = 1;
const TAG_KEY: u32 = 2;
const TAG_VALUE: u32 = 3;

/// The terms: a key per [`TermId`], and a hash table from key to id that stores only
/// the ids (it hashes through `keys`): a growable one while terms are added, a
/// [`FrozenTable`] once [`Terms::freeze`] says no more will be.
#[derive(Clone, Default)]
struct Terms {
    keys: Vec<PackedKey>,
    /// Every (namespace, key) of a tag term, numbered in first-seen order (a few
    /// hundred, where the terms are millions).
    tags: Vec<(Sym, Sym)>,
    tag_numbers: HashMap<(Sym, Sym), u32>,
    /// The tag numbered last, while terms are added.
    last_tag: Option<(Sym, Sym, u32)>,
    table: HashTable<TermId>,
    frozen: Option<FrozenTable>,
    hasher: DefaultHashBuilder,
}

impl Terms {
    /// `key` packed, if its tag (namespace, key) is known.
    fn pack(&self, key: TermKey) -> Option<PackedKey> {
        let tag = |n, k| self.tag_numbers.get(&(n, k)).copied();
        Some(match key {
            TermKey::Compartment(c) => PackedKey {
                head: COMPARTMENT << KIND_SHIFT,
                sym: c.0,
            },
            TermKey::Type(t) => PackedKey {
                head: TYPE << KIND_SHIFT,
                sym: t.0,
            },
            TermKey::TagKey(n, k) => PackedKey {
                head: (TAG_KEY << KIND_SHIFT) | tag(n, k)?,
                sym: 0,
            },
            TermKey::TagValue(n, k, v) => PackedKey {
                head: (TAG_VALUE << KIND_SHIFT) | tag(n, k)?,
                sym: v.0,
            },
        })
    }

    /// `key` packed, numbering its tag (namespace, key) if new.
    fn pack_new(&mut self, key: TermKey) -> PackedKey {
        match key {
            TermKey::TagKey(n, k) => PackedKey {
                head: (TAG_KEY << KIND_SHIFT) | self.tag_number_new(n, k),
                sym: 0,
            },
            TermKey::TagValue(n, k, v) => PackedKey {
                head: (TAG_VALUE << KIND_SHIFT) | self.tag_number_new(n, k),
                sym: v.0,
            },
            other => self.pack(other).expect("only tags are numbered"),
        }
    }

    /// The number of tag (namespace, key), numbering it if new. A principal's tag
    /// adds a key term then a value term: the last number is remembered.
    fn tag_number_new(&mut self, n: Sym, k: Sym) -> u32 {
        if let Some((last_n, last_k, number)) = self.last_tag
            && (last_n, last_k) == (n, k)
        {
            return number;
        }
        let next = self.tags.len();
        let number = *self.tag_numbers.entry((n, k)).or_insert_with(|| {
            u32::try_from(next)
                .ok()
                .filter(|&t| t < 1 << KIND_SHIFT)
                .expect("fewer than 2^30 tag keys")
        });
        if number as usize == next {
            self.tags.push((n, k));
        }
        self.last_tag = Some((n, k, number));
        number
    }

    fn unpack(&self, key: PackedKey) -> TermKey {
        let tag = || self.tags[(key.head & ((1 << KIND_SHIFT) - 1)) as usize];
        match key.head >> KIND_SHIFT {
            COMPARTMENT => TermKey::Compartment(Sym(key.sym)),
            TYPE => TermKey::Type(Sym(key.sym)),
            TAG_KEY => {
                let (n, k) = tag();
                TermKey::TagKey(n, k)
            }
            _ => {
                let (n, k) = tag();
                TermKey::TagValue(n, k, Sym(key.sym))
            }
        }
    }

    fn get(&self, key: TermKey) -> Option<TermId> {
        let key = self.pack(key)?;
        let hash = self.hasher.hash_one(key);
        if let Some(frozen) = &self.frozen {
            return frozen
                .find(hash, |t| self.keys[t as usize] == key)
                .map(TermId);
        }
        self.table
            .find(hash, |&t| self.keys[t.index()] == key)
            .copied()
    }

    /// The id of `key` and whether it is new.
    fn insert(&mut self, key: TermKey) -> (TermId, bool) {
        assert!(
            self.frozen.is_none(),
            "no terms are added to frozen postings"
        );
        let key = self.pack_new(key);
        let hash = self.hasher.hash_one(key);
        if let Some(&t) = self.table.find(hash, |&t| self.keys[t.index()] == key) {
            return (t, false);
        }
        let t = TermId(u32::try_from(self.keys.len()).expect("fewer than 2^32 terms"));
        self.keys.push(key);
        let (keys, hasher) = (&self.keys, &self.hasher);
        self.table
            .insert_unique(hash, t, |&other| hasher.hash_one(keys[other.index()]));
        (t, true)
    }

    /// Ends adding terms: gives back spare room and swaps the growable table for a
    /// frozen one (half the size).
    fn freeze(&mut self) {
        self.keys.shrink_to_fit();
        self.tags.shrink_to_fit();
        self.table = HashTable::new();
        let (keys, hasher) = (&self.keys, &self.hasher);
        self.frozen = Some(FrozenTable::build(keys.len() as u32, |t| {
            hasher.hash_one(keys[t as usize])
        }));
    }
}

/// A term's slot holds its one ordinal, with this bit set, when its list has one
/// principal; otherwise the position of the list's header in [`Postings::lists`].
const ONE: u32 = 1 << 31;
/// The header of a long list in [`Postings::lists`]; the index of its bitmap follows.
const LARGE: u32 = u32::MAX;

/// Every posting list of an index.
#[derive(Clone, Default)]
pub(crate) struct Postings {
    terms: Terms,
    /// Per term: `ONE | ordinal` for a list of one principal (4 bytes, where a slice
    /// of the arena would cost an offset and an element), else where its list starts
    /// in `lists`.
    slots: Vec<u32>,
    /// The other lists back to back: a short one as its length then its ordinals, a
    /// long one as [`LARGE`] then the index of its bitmap in `large`.
    lists: Vec<u32>,
    large: Vec<RoaringBitmap>,
}

impl std::fmt::Debug for Postings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postings")
            .field("terms", &self.terms.keys.len())
            .field("arena", &self.lists.len())
            .field("large_lists", &self.large.len())
            .finish()
    }
}

/// How a list of `n` principals is stored: inline in its slot, in the arena, or as a
/// bitmap. `principals` bounds the ordinals (only those below [`ONE`] fit a slot).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    One,
    Small,
    Large,
}

fn layout(n: u64, containers: u64, principals: u64) -> Layout {
    if n == 1 && principals <= u64::from(ONE) {
        Layout::One
    } else if n <= SMALL_LIST_MAX as u64 || 2 * n < BITMAP_BYTES + CONTAINER_BYTES * containers {
        Layout::Small
    } else {
        Layout::Large
    }
}

/// Lays out lists of the given lengths: each term's slot (a placeholder for inline
/// ones), the arena with its headers written, and the number of bitmaps.
fn lay_out(
    counts: impl Iterator<Item = (u64, u64)> + Clone,
    principals: u64,
) -> (Vec<u32>, Vec<u32>, u32) {
    // Sized first, so that neither vector grows (and is copied) as it fills.
    let (mut terms, mut cells) = (0, 0);
    for (n, containers) in counts.clone() {
        terms += 1;
        cells += match layout(n, containers, principals) {
            Layout::One => 0,
            Layout::Small => 1 + n as usize,
            Layout::Large => 2,
        };
    }
    let mut slots = Vec::with_capacity(terms);
    let mut lists = Vec::with_capacity(cells);
    let mut large = 0u32;
    for (n, containers) in counts {
        let here = || {
            u32::try_from(lists.len())
                .ok()
                .filter(|&at| at < ONE)
                .expect("fewer than 2^31 postings in the arena")
        };
        match layout(n, containers, principals) {
            Layout::One => slots.push(ONE),
            Layout::Small => {
                slots.push(here());
                lists.push(n as u32);
                lists.resize(lists.len() + n as usize, 0);
            }
            Layout::Large => {
                slots.push(here());
                lists.extend([LARGE, large]);
                large += 1;
            }
        }
    }
    slots.shrink_to_fit();
    lists.shrink_to_fit();
    (slots, lists, large)
}

impl Postings {
    /// Postings from whole lists in [`TermId`] order (a snapshot's parts). Returns the
    /// index of the first term that repeats an earlier one as the error.
    pub(crate) fn from_lists(
        keys: Vec<TermKey>,
        lists: Vec<RoaringBitmap>,
    ) -> Result<Postings, usize> {
        debug_assert_eq!(keys.len(), lists.len());
        let mut terms = Terms {
            keys: Vec::with_capacity(keys.len()),
            ..Terms::default()
        };
        terms.table.reserve(keys.len(), |_| 0);
        for (i, &key) in keys.iter().enumerate() {
            if !terms.insert(key).1 {
                return Err(i);
            }
        }
        drop(keys);
        terms.freeze();
        // Ordinals index the principals, so any list's maximum bounds their number.
        let principals = lists
            .iter()
            .filter_map(|l| l.max())
            .max()
            .map_or(0, |m| u64::from(m) + 1);
        let (mut slots, mut arena, _) = lay_out(
            lists
                .iter()
                .map(|l| (l.len(), u64::from(l.statistics().n_containers))),
            principals,
        );
        let mut large = Vec::new();
        for (t, list) in lists.into_iter().enumerate() {
            let slot = &mut slots[t];
            match layout(
                list.len(),
                u64::from(list.statistics().n_containers),
                principals,
            ) {
                Layout::One => *slot |= list.min().expect("one element"),
                Layout::Small => {
                    let start = *slot as usize + 1;
                    for (cell, p) in arena[start..].iter_mut().zip(list.iter()) {
                        *cell = p;
                    }
                }
                Layout::Large => large.push(list),
            }
        }
        Ok(Postings {
            terms,
            slots,
            lists: arena,
            large,
        })
    }

    /// Every term's key, in [`TermId`] order.
    pub(crate) fn keys(&self) -> impl ExactSizeIterator<Item = TermKey> + '_ {
        self.terms.keys.iter().map(|&k| self.terms.unpack(k))
    }

    /// The term id of `key`, if any principal has it.
    pub(crate) fn term(&self, key: TermKey) -> Option<TermId> {
        self.terms.get(key)
    }

    /// The principals of a term.
    pub(crate) fn list(&self, term: TermId) -> PostingList<'_> {
        let slot = self.slots[term.index()];
        if slot & ONE != 0 {
            return PostingList::One(slot & !ONE);
        }
        let start = slot as usize;
        match self.lists[start] {
            LARGE => PostingList::Large(&self.large[self.lists[start + 1] as usize]),
            n => PostingList::Small(&self.lists[start + 1..start + 1 + n as usize]),
        }
    }

    /// How many posting lists there are.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Bytes the lists take in the portable roaring format (a fair size measure).
    pub(crate) fn serialized_bytes(&self) -> usize {
        (0..self.len() as u32)
            .map(|t| match self.list(TermId(t)) {
                PostingList::Large(b) => b.serialized_size(),
                small => small.to_bitmap().serialized_size(),
            })
            .sum()
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

/// Collects (term, principal) pairs in ascending principal order, then lays the lists
/// out in [`PostingsBuilder::finish`].
#[derive(Default)]
pub(crate) struct PostingsBuilder {
    terms: Terms,
    /// Principals per term (a principal that repeats a term counts once).
    counts: Vec<u32>,
    /// Roaring containers (ranges of 2^16 ordinals) per term, and the last one seen
    /// plus one.
    containers: Vec<u32>,
    last_container: Vec<u32>,
    /// The last principal listed under each term, plus one (0: none yet): a principal
    /// that carries a term twice is listed once, in constant time per tag, so one
    /// principal with many tags costs linear time.
    last_principal: Vec<u32>,
    /// The terms of every principal, principal after principal.
    occurrences: Vec<TermId>,
    /// `occurrences[firsts[p]..firsts[p + 1]]` are principal `p`'s terms.
    firsts: Vec<u32>,
}

impl PostingsBuilder {
    /// Records that principal `p` has term `key`. Principals must come in ascending
    /// ordinal order.
    pub(crate) fn add(&mut self, key: TermKey, p: PrincipalId) {
        let here = u32::try_from(self.occurrences.len()).expect("fewer than 2^32 postings");
        while self.firsts.len() <= p.index() {
            self.firsts.push(here);
        }
        let (t, new) = self.terms.insert(key);
        if new {
            self.counts.push(0);
            self.containers.push(0);
            self.last_container.push(0);
            self.last_principal.push(0);
        }
        // A principal that carries the same folded tag twice lists it once.
        if self.last_principal[t.index()] != p.0 + 1 {
            self.last_principal[t.index()] = p.0 + 1;
            self.occurrences.push(t);
            self.counts[t.index()] += 1;
            let container = (p.0 >> 16) + 1;
            if self.last_container[t.index()] != container {
                self.last_container[t.index()] = container;
                self.containers[t.index()] += 1;
            }
        }
    }

    /// Lays the lists out: short ones in the arena, long ones as compressed bitmaps.
    pub(crate) fn finish(self) -> Postings {
        let PostingsBuilder {
            mut terms,
            counts,
            containers,
            last_container,
            last_principal,
            occurrences,
            mut firsts,
        } = self;
        terms.freeze();
        firsts.push(occurrences.len() as u32);
        let principals = (firsts.len() - 1) as u64;
        let (mut slots, mut lists, large_count) = lay_out(
            counts
                .iter()
                .zip(&containers)
                .map(|(&n, &c)| (u64::from(n), u64::from(c))),
            principals,
        );
        drop((last_container, last_principal));
        // Where each list's next ordinal goes: an arena position, or (for a long list)
        // the index of its bitmap; unused for an inline one.
        let mut next: Vec<u32> = slots
            .iter()
            .map(|&slot| match slot {
                ONE => 0,
                start if lists[start as usize] == LARGE => lists[start as usize + 1],
                start => start + 1,
            })
            .collect();
        let mut large = vec![RoaringBitmap::new(); large_count as usize];
        for (p, w) in firsts.windows(2).enumerate() {
            let p = p as u32;
            for &t in &occurrences[w[0] as usize..w[1] as usize] {
                let t = t.index();
                match layout(u64::from(counts[t]), u64::from(containers[t]), principals) {
                    Layout::One => slots[t] |= p,
                    Layout::Small => {
                        lists[next[t] as usize] = p;
                        next[t] += 1;
                    }
                    Layout::Large => large[next[t] as usize]
                        .try_push(p)
                        .expect("principals come in ascending order"),
                }
            }
        }
        large.par_iter_mut().for_each(|list| {
            list.optimize();
            // Containers grew by doubling as ordinals were pushed; a clone allocates
            // each vector at its length.
            *list = list.clone();
        });
        Postings {
            terms,
            slots,
            lists,
            large,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lists_in_the_arena_long_ones_as_bitmaps() {
        let mut b = PostingsBuilder::default();
        let busy = TermKey::Type(Sym(0));
        let rare = TermKey::Compartment(Sym(1));
        let n = SMALL_LIST_MAX as u32 + 5;
        for p in 0..n {
            b.add(busy, PrincipalId(p));
            b.add(busy, PrincipalId(p));
            if p % 10 == 3 {
                b.add(rare, PrincipalId(p));
            }
            b.add(
                TermKey::TagValue(Sym(2), Sym(3), Sym(10 + p)),
                PrincipalId(p),
            );
        }
        let postings = b.finish();
        assert_eq!(postings.len(), 2 + n as usize);
        let busy = postings.term(busy).unwrap();
        assert!(matches!(postings.list(busy), PostingList::Large(l) if l.len() == n as u64));
        let rare = postings.term(rare).unwrap();
        match postings.list(rare) {
            PostingList::Small(s) => assert_eq!(s, &[3, 13, 23, 33]),
            other => panic!("a short list became {other:?}"),
        }
        let one = postings
            .term(TermKey::TagValue(Sym(2), Sym(3), Sym(17)))
            .unwrap();
        assert!(matches!(postings.list(one), PostingList::One(7)));
        assert!(postings.holds(TermRef::List(one), PrincipalId(7)));
        assert!(!postings.holds(TermRef::List(one), PrincipalId(8)));
        assert_eq!(postings.term(TermKey::Type(Sym(9))), None);

        let lists: Vec<RoaringBitmap> = (0..postings.len() as u32)
            .map(|t| postings.list(TermId(t)).to_bitmap())
            .collect();
        let again = Postings::from_lists(postings.keys().collect(), lists.clone()).unwrap();
        for (t, list) in lists.iter().enumerate() {
            assert_eq!(&again.list(TermId(t as u32)).to_bitmap(), list);
        }
        let mut keys: Vec<TermKey> = postings.keys().collect();
        keys[4] = keys[1];
        assert_eq!(Postings::from_lists(keys, lists).err(), Some(4));
    }

    #[test]
    fn a_long_list_over_many_containers_stays_in_the_arena() {
        let mut b = PostingsBuilder::default();
        let spread = TermKey::Type(Sym(0));
        let dense = TermKey::Type(Sym(1));
        let ordinals: Vec<u32> = (0..40).map(|i| i * 70_000).collect();
        for &p in &ordinals {
            b.add(spread, PrincipalId(p));
            for q in p..p + 40 {
                b.add(dense, PrincipalId(q));
            }
        }
        let postings = b.finish();
        let spread = postings.term(spread).unwrap();
        match postings.list(spread) {
            PostingList::Small(s) => assert_eq!(s, &ordinals[..]),
            other => panic!("40 containers of one ordinal became {other:?}"),
        }
        let dense = postings.term(dense).unwrap();
        assert!(matches!(postings.list(dense), PostingList::Large(l) if l.len() == 1600));
        let lists: Vec<RoaringBitmap> = (0..postings.len() as u32)
            .map(|t| postings.list(TermId(t)).to_bitmap())
            .collect();
        let again = Postings::from_lists(postings.keys().collect(), lists.clone()).unwrap();
        assert!(matches!(again.list(spread), PostingList::Small(s) if s.len() == 40));
        assert!(matches!(again.list(dense), PostingList::Large(_)));
    }
}
