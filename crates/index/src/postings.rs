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
use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

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

impl<'a> PostingList<'a> {
    /// Whether ordinal `p` is in the list.
    pub(crate) fn contains(self, p: u32) -> bool {
        match self {
            PostingList::One(q) => q == p,
            PostingList::Small(s) => s.binary_search(&p).is_ok(),
            PostingList::Large(b) => b.contains(p),
        }
    }

    /// Its ordinals, ascending.
    pub(crate) fn iter(self) -> impl Iterator<Item = u32> + 'a {
        let (one, small, large) = match self {
            PostingList::One(p) => (Some(p), None, None),
            PostingList::Small(s) => (None, Some(s.iter().copied()), None),
            PostingList::Large(b) => (None, None, Some(b.iter())),
        };
        one.into_iter()
            .chain(small.into_iter().flatten())
            .chain(large.into_iter().flatten())
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

    /// Makes room for `n` more terms.
    fn reserve(&mut self, n: usize) {
        self.keys.reserve(n);
        let (keys, hasher) = (&self.keys, &self.hasher);
        self.table.reserve(n, |&t| hasher.hash_one(keys[t.index()]));
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
        let mut terms = Terms::default();
        // Tags are numbered in the order the terms have them (one pass, a few hundred
        // tags); the frozen table is then built and searched for repeats on all threads.
        terms.keys = keys.into_iter().map(|key| terms.pack_new(key)).collect();
        terms.freeze();
        let frozen = terms.frozen.as_ref().expect("frozen above");
        let (keys, hasher) = (&terms.keys, &terms.hasher);
        let hash = |t: u32| hasher.hash_one(keys[t as usize]);
        if let Some((t, _)) = frozen.first_repeat(hash, |a, b| keys[a as usize] == keys[b as usize])
        {
            return Err(t as usize);
        }
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

/// Principals per chunk of [`Postings::build`].
const CHUNK: u32 = 1 << 14;

/// One chunk of principals' terms, numbered in the order the chunk first has them.
struct ChunkTerms {
    /// The chunk's first ordinal.
    start: u32,
    keys: Vec<TermKey>,
    /// Per local term: principals that have it, distinct roaring containers, and
    /// the first and last container (plus one) it is in.
    counts: Vec<u32>,
    containers: Vec<u32>,
    first_container: Vec<u32>,
    last_container: Vec<u32>,
    /// Local terms, principal after principal (a term a principal has twice, once).
    occurrences: Vec<u32>,
    /// `occurrences[firsts[i]..firsts[i + 1]]` are the terms of ordinal `start + i`.
    firsts: Vec<u32>,
}

impl ChunkTerms {
    fn collect<I: IntoIterator<Item = TermKey>>(
        ordinals: Range<u32>,
        terms_of: &(impl Fn(u32) -> I + Sync),
        hasher: &DefaultHashBuilder,
    ) -> ChunkTerms {
        let mut c = ChunkTerms {
            start: ordinals.start,
            keys: Vec::new(),
            counts: Vec::new(),
            containers: Vec::new(),
            first_container: Vec::new(),
            last_container: Vec::new(),
            occurrences: Vec::new(),
            firsts: Vec::with_capacity(ordinals.len() + 1),
        };
        let mut table: HashTable<u32> = HashTable::new();
        // The last principal listed under each local term, plus one.
        let mut last_principal: Vec<u32> = Vec::new();
        for p in ordinals {
            c.firsts.push(c.occurrences.len() as u32);
            let container = (p >> 16) + 1;
            for key in terms_of(p) {
                let hash = hasher.hash_one(key);
                let keys = &c.keys;
                let l = match table.find(hash, |&l| keys[l as usize] == key) {
                    Some(&l) => l as usize,
                    None => {
                        let l = c.keys.len();
                        c.keys.push(key);
                        c.counts.push(0);
                        c.containers.push(0);
                        c.first_container.push(container);
                        c.last_container.push(0);
                        last_principal.push(0);
                        let keys = &c.keys;
                        table.insert_unique(hash, l as u32, |&m| hasher.hash_one(keys[m as usize]));
                        l
                    }
                };
                // A principal that carries the same folded tag twice lists it once.
                if last_principal[l] != p + 1 {
                    last_principal[l] = p + 1;
                    c.occurrences.push(l as u32);
                    c.counts[l] += 1;
                    if c.last_container[l] != container {
                        c.last_container[l] = container;
                        c.containers[l] += 1;
                    }
                }
            }
        }
        c.firsts.push(c.occurrences.len() as u32);
        c
    }
}

impl Postings {
    /// The postings of principals `0..principals`, ordinal `p` having the terms
    /// `terms_of(p)`. Terms are numbered in the order the principals first have them
    /// (ordinal by ordinal), whatever the chunking.
    ///
    /// In three passes: the chunks' terms are collected on all threads; merged in
    /// chunk order on one (a probe per distinct term of a chunk, not per posting);
    /// then every chunk writes its ordinals into the lists on all threads, each at the
    /// place the merge gave it, and the long lists become bitmaps on all threads.
    pub(crate) fn build<I: IntoIterator<Item = TermKey>>(
        principals: u32,
        terms_of: impl Fn(u32) -> I + Sync,
    ) -> Postings {
        Postings::build_in_chunks(principals, CHUNK, terms_of)
    }

    fn build_in_chunks<I: IntoIterator<Item = TermKey>>(
        principals: u32,
        chunk: u32,
        terms_of: impl Fn(u32) -> I + Sync,
    ) -> Postings {
        let mut terms = Terms::default();
        let hasher = terms.hasher.clone();
        let chunks: Vec<ChunkTerms> = (0..principals.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let start = c * chunk;
                ChunkTerms::collect(start..principals.min(start + chunk), &terms_of, &hasher)
            })
            .collect();

        // Each chunk's terms as global ids, and where in each list its ordinals go.
        // At most every chunk's terms are distinct: room for that many from the start,
        // so that no table grows (and rehashes millions of terms) along the way.
        let most = chunks.iter().map(|c| c.keys.len()).sum();
        terms.reserve(most);
        let (mut counts, mut containers, mut last_container) = (
            Vec::with_capacity(most),
            Vec::with_capacity(most),
            Vec::with_capacity(most),
        );
        let mut places: Vec<(Vec<u32>, Vec<u32>)> = Vec::with_capacity(chunks.len());
        for c in &chunks {
            let mut ids = Vec::with_capacity(c.keys.len());
            let mut offsets = Vec::with_capacity(c.keys.len());
            for (l, &key) in c.keys.iter().enumerate() {
                let (t, new) = terms.insert(key);
                if new {
                    counts.push(0u32);
                    containers.push(0u32);
                    last_container.push(0u32);
                }
                let t = t.index();
                offsets.push(counts[t]);
                counts[t] += c.counts[l];
                // A container the previous chunk ended in is not a new one.
                containers[t] +=
                    c.containers[l] - u32::from(last_container[t] == c.first_container[l]);
                last_container[t] = c.last_container[l];
                ids.push(t as u32);
            }
            places.push((ids, offsets));
        }
        drop(last_container);
        terms.freeze();

        let principals = u64::from(principals);
        let layouts: Vec<Layout> = counts
            .iter()
            .zip(&containers)
            .map(|(&n, &c)| layout(u64::from(n), u64::from(c), principals))
            .collect();
        let (slots, lists, large_count) = lay_out(
            counts
                .iter()
                .zip(&containers)
                .map(|(&n, &c)| (u64::from(n), u64::from(c))),
            principals,
        );
        drop(containers);
        // Long lists are first written as runs of ordinals, one after another.
        let mut run_starts = vec![0u32; large_count as usize + 1];
        for (t, &slot) in slots.iter().enumerate() {
            if layouts[t] == Layout::Large {
                run_starts[lists[slot as usize + 1] as usize + 1] = counts[t];
            }
        }
        for i in 1..run_starts.len() {
            run_starts[i] = run_starts[i]
                .checked_add(run_starts[i - 1])
                .expect("fewer than 2^32 postings in long lists");
        }
        let (slots, lists): (Vec<AtomicU32>, Vec<AtomicU32>) = (
            slots.into_iter().map(AtomicU32::new).collect(),
            lists.into_iter().map(AtomicU32::new).collect(),
        );
        let runs: Vec<AtomicU32> = (0..run_starts[large_count as usize])
            .map(|_| AtomicU32::new(0))
            .collect();
        // Every place is written by exactly one chunk: relaxed stores suffice (the
        // pool's join orders them before the reads below).
        chunks
            .par_iter()
            .zip(&places)
            .for_each(|(c, (ids, offsets))| {
                let mut next = offsets.clone();
                for (i, w) in c.firsts.windows(2).enumerate() {
                    let p = c.start + i as u32;
                    for &l in &c.occurrences[w[0] as usize..w[1] as usize] {
                        let (l, t) = (l as usize, ids[l as usize] as usize);
                        let at = next[l] as usize;
                        next[l] += 1;
                        let slot = slots[t].load(Ordering::Relaxed) as usize;
                        match layouts[t] {
                            Layout::One => slots[t].store(ONE | p, Ordering::Relaxed),
                            Layout::Small => lists[slot + 1 + at].store(p, Ordering::Relaxed),
                            Layout::Large => {
                                let run = lists[slot + 1].load(Ordering::Relaxed) as usize;
                                runs[run_starts[run] as usize + at].store(p, Ordering::Relaxed);
                            }
                        }
                    }
                }
            });
        drop((chunks, places));
        let runs: Vec<u32> = runs.into_iter().map(AtomicU32::into_inner).collect();
        let large: Vec<RoaringBitmap> = run_starts
            .par_windows(2)
            .map(|w| {
                let run = runs[w[0] as usize..w[1] as usize].iter().copied();
                let mut list = RoaringBitmap::from_sorted_iter(run).expect("ordinals ascend");
                list.optimize();
                // Containers grew by doubling as ordinals were pushed; a clone
                // allocates each vector at its length.
                list.clone()
            })
            .collect();
        Postings {
            terms,
            slots: slots.into_iter().map(AtomicU32::into_inner).collect(),
            lists: lists.into_iter().map(AtomicU32::into_inner).collect(),
            large,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lists_in_the_arena_long_ones_as_bitmaps() {
        let busy = TermKey::Type(Sym(0));
        let rare = TermKey::Compartment(Sym(1));
        let n = SMALL_LIST_MAX as u32 + 5;
        let postings = Postings::build_in_chunks(n, 4, |p| {
            let mut terms = vec![busy, busy];
            if p % 10 == 3 {
                terms.push(rare);
            }
            terms.push(TermKey::TagValue(Sym(2), Sym(3), Sym(10 + p)));
            terms
        });
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
        let spread = TermKey::Type(Sym(0));
        let dense = TermKey::Type(Sym(1));
        let ordinals: Vec<u32> = (0..40).map(|i| i * 70_000).collect();
        let postings = Postings::build(39 * 70_000 + 40, |p| {
            let mut terms = Vec::new();
            if p % 70_000 == 0 {
                terms.push(spread);
            }
            if p % 70_000 < 40 {
                terms.push(dense);
            }
            terms
        });
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

    /// Terms over many containers, terms first seen late, repeated terms: every
    /// chunking numbers the terms and lays the lists out as one chunk does.
    #[test]
    fn chunks_change_nothing() {
        let n = 3 * 65_536 + 1_000;
        let terms_of = |p: u32| {
            let mut terms = vec![TermKey::Compartment(Sym(p % 7))];
            if p.is_multiple_of(3) {
                terms.push(TermKey::TagKey(Sym(1), Sym(p % 2)));
                terms.push(TermKey::TagValue(Sym(1), Sym(p % 2), Sym(p / 1000)));
                terms.push(TermKey::TagKey(Sym(1), Sym(p % 2)));
            }
            if p % 65_536 < 40 || p > 100_000 && p.is_multiple_of(10_007) {
                terms.push(TermKey::Type(Sym(p % 65_536 / 20)));
            }
            terms.push(TermKey::TagValue(Sym(4), Sym(5), Sym(p)));
            terms
        };
        let whole = Postings::build_in_chunks(n, n, terms_of);
        let lists = |postings: &Postings| -> Vec<(TermKey, RoaringBitmap)> {
            (0..postings.len() as u32)
                .map(|t| {
                    let key = postings.terms.unpack(postings.terms.keys[t as usize]);
                    (key, postings.list(TermId(t)).to_bitmap())
                })
                .collect()
        };
        let expected = lists(&whole);
        assert!(expected.len() as u32 > n + 7 + 2 + 2 * 197);
        for chunk in [1, 2, 3, 1_000, 65_536, 70_000] {
            let postings = Postings::build_in_chunks(n, chunk, terms_of);
            assert_eq!(lists(&postings), expected, "chunks of {chunk}");
            assert_eq!(postings.slots, whole.slots, "chunks of {chunk}");
            assert_eq!(postings.lists, whole.lists, "chunks of {chunk}");
        }
    }

    proptest::proptest! {
        /// Random terms (a principal may repeat one, lists cross container edges when
        /// the ordinals are spread): every chunk size gives one chunk's postings.
        #[test]
        fn any_chunking_gives_one_chunks_postings(
            terms in proptest::collection::vec(
                proptest::collection::vec((0u32..4, 0u32..6), 0..6),
                0..300,
            ),
            spread in 1u32..400,
            chunk in 1u32..40,
        ) {
            // Principal `p` has `terms[p % len]`, over `len * spread` ordinals.
            let n = terms.len() as u32 * spread;
            let terms_of = |p: u32| -> Vec<TermKey> {
                let own = &terms[(p / spread) as usize];
                own.iter()
                    .filter(|_| p.is_multiple_of(spread) || p.is_multiple_of(7))
                    .map(|&(kind, v)| match kind {
                        0 => TermKey::Compartment(Sym(v)),
                        1 => TermKey::Type(Sym(v)),
                        2 => TermKey::TagKey(Sym(v % 2), Sym(v)),
                        _ => TermKey::TagValue(Sym(v % 2), Sym(v), Sym(v * 3)),
                    })
                    .collect()
            };
            let whole = Postings::build_in_chunks(n, n.max(1), terms_of);
            let chunked = Postings::build_in_chunks(n, chunk, terms_of);
            proptest::prop_assert_eq!(chunked.keys().collect::<Vec<_>>(), whole.keys().collect::<Vec<_>>());
            proptest::prop_assert_eq!(&chunked.slots, &whole.slots);
            proptest::prop_assert_eq!(&chunked.lists, &whole.lists);
            proptest::prop_assert_eq!(&chunked.large, &whole.large);
            // And the lists are what the terms say.
            for t in 0..whole.len() as u32 {
                let key = whole.terms.unpack(whole.terms.keys[t as usize]);
                let expected: Vec<u32> = (0..n).filter(|&p| terms_of(p).contains(&key)).collect();
                proptest::prop_assert_eq!(whole.list(TermId(t)).iter().collect::<Vec<_>>(), expected);
            }
        }
    }
}
