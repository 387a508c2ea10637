//! String interning: each distinct string is stored once, in one arena.
//!
//! OCIDs are long (~80 bytes) and every principal repeats its tenancy and compartment,
//! so the index keeps one copy of each string and refers to it by a [`Sym`].

use crate::frozen::FrozenTable;
use hashbrown::{DefaultHashBuilder, HashTable};
use rayon::prelude::*;
use std::hash::BuildHasher;

/// An interned string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Sym(pub(crate) u32);

fn slice<'a>(arena: &'a str, ends: &[u32], sym: Sym) -> &'a str {
    let i = sym.0 as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &arena[start..ends[i] as usize]
}

/// One arena of string bytes plus a hash table from string to [`Sym`]: a growable one
/// while strings are added, a [`FrozenTable`] (half the size) once
/// [`freeze`](Interner::freeze) says no more will be.
#[derive(Clone, Default)]
pub(crate) struct Interner {
    /// `Sym`s, hashed by the string they name (the table stores no strings itself);
    /// empty once frozen.
    table: HashTable<Sym>,
    /// Every `Sym` by the hash of its string, once frozen.
    frozen: Option<FrozenTable>,
    hasher: DefaultHashBuilder,
    /// Every string, back to back.
    arena: String,
    /// `ends[i]` is one past the last byte of string `i` in `arena` (the arena is
    /// under 4 GiB).
    ends: Vec<u32>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("strings", &self.ends.len())
            .field("bytes", &self.arena.len())
            .finish()
    }
}

impl Interner {
    /// The string a symbol names.
    pub(crate) fn resolve(&self, sym: Sym) -> &str {
        slice(&self.arena, &self.ends, sym)
    }

    /// The symbol of `s`, if it was interned.
    pub(crate) fn get(&self, s: &str) -> Option<Sym> {
        let hash = self.hasher.hash_one(s);
        if let Some(frozen) = &self.frozen {
            return frozen.find(hash, |i| self.resolve(Sym(i)) == s).map(Sym);
        }
        self.table
            .find(hash, |&sym| self.resolve(sym) == s)
            .copied()
    }

    /// The symbol of `s`, interning it if new.
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        let hash = self.hasher.hash_one(s);
        self.intern_hashed(s, hash)
    }

    /// The hasher that [`LocalStrings`] must hash with for
    /// [`intern_local`](Interner::intern_local).
    pub(crate) fn hasher(&self) -> DefaultHashBuilder {
        self.hasher.clone()
    }

    /// Interns a batch's distinct strings, in the order the batch first saw them (so
    /// the symbols are numbered as interning the batch string by string would number
    /// them); `syms[i]` becomes local string `i`'s symbol. Hashes were computed where
    /// the batch was read: this is one probe per distinct string.
    pub(crate) fn intern_local(&mut self, local: &LocalStrings, syms: &mut Vec<Sym>) {
        syms.clear();
        syms.extend(
            (0..local.hashes.len())
                .map(|i| self.intern_hashed(local.get(i as u32), local.hashes[i])),
        );
    }

    fn intern_hashed(&mut self, s: &str, hash: u64) -> Sym {
        assert!(
            self.frozen.is_none(),
            "no strings are added to a frozen interner"
        );
        if let Some(&sym) = self
            .table
            .find(hash, |&sym| slice(&self.arena, &self.ends, sym) == s)
        {
            return sym;
        }
        let sym = Sym(u32::try_from(self.ends.len()).expect("fewer than 2^32 distinct strings"));
        self.arena.push_str(s);
        self.ends
            .push(u32::try_from(self.arena.len()).expect("under 4 GiB of strings"));
        // Growing the table rehashes entries from their strings in the arena.
        self.table.insert_unique(hash, sym, |&other| {
            self.hasher.hash_one(slice(&self.arena, &self.ends, other))
        });
        sym
    }

    /// The symbol of `s` ASCII lower-cased, interning it if new (tests: the builder
    /// folds in [`LocalStrings`]). Allocates only when
    /// `s` has upper-case letters.
    #[cfg(test)]
    pub(crate) fn intern_folded(&mut self, s: &str) -> Sym {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            self.intern(&s.to_ascii_lowercase())
        } else {
            self.intern(s)
        }
    }

    /// The symbol of `s` ASCII lower-cased, if interned.
    pub(crate) fn get_folded(&self, s: &str) -> Option<Sym> {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            self.get(&s.to_ascii_lowercase())
        } else {
            self.get(s)
        }
    }

    /// Makes room for `strings` more strings of `bytes` bytes in all.
    pub(crate) fn reserve(&mut self, strings: usize, bytes: usize) {
        self.arena.reserve(bytes);
        self.ends.reserve(strings);
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        self.table
            .reserve(strings, |&sym| hasher.hash_one(slice(arena, ends, sym)));
    }

    /// Ends adding strings: gives back the room the arena grew into and does not use
    /// (the arena doubles as it grows: up to half of it can be spare), and swaps the
    /// growable table for a frozen one.
    pub(crate) fn freeze(&mut self) {
        self.arena.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.table = HashTable::new();
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        let n = u32::try_from(ends.len()).expect("fewer than 2^32 distinct strings");
        self.frozen = Some(FrozenTable::build(n, |i| {
            hasher.hash_one(slice(arena, ends, Sym(i)))
        }));
    }

    /// A frozen interner of the strings laid out back to back in `arena`, string `i`
    /// ending at `ends[i]` (the caller has checked that each is a slice of `arena` on
    /// character boundaries), built on all threads; or, if a string repeats an
    /// earlier one, the first that does (in order) and the earlier one.
    pub(crate) fn from_distinct(
        mut arena: String,
        ends: Vec<u32>,
    ) -> Result<Interner, (usize, usize)> {
        arena.truncate(ends.last().map_or(0, |&end| end as usize));
        arena.shrink_to_fit();
        let hasher = DefaultHashBuilder::default();
        let n = u32::try_from(ends.len()).expect("fewer than 2^32 distinct strings");
        // Each string is read once to hash it (reading them is what this costs).
        let hashes: Vec<u64> = (0..n)
            .into_par_iter()
            .map(|i| hasher.hash_one(slice(&arena, &ends, Sym(i))))
            .collect();
        let hash = |i: u32| hashes[i as usize];
        let frozen = FrozenTable::build(n, hash);
        let same = |a, b| slice(&arena, &ends, Sym(a)) == slice(&arena, &ends, Sym(b));
        if let Some((i, first)) = frozen.first_repeat(hash, same) {
            return Err((i as usize, first as usize));
        }
        Ok(Interner {
            table: HashTable::new(),
            frozen: Some(frozen),
            hasher,
            arena,
            ends,
        })
    }

    /// How many distinct strings are interned.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Bytes of string data held.
    pub(crate) fn bytes(&self) -> usize {
        self.arena.len()
    }
}

/// One batch's distinct strings, each with its hash under an [`Interner`]'s hasher:
/// filled on any thread (where the batch was read), then handed to
/// [`Interner::intern_local`]. A batch of principals repeats its tenancies,
/// compartments and tag names many times over; deduplicating them here leaves the
/// one shared interner a probe per distinct string instead of a hash per occurrence.
#[derive(Default)]
pub(crate) struct LocalStrings {
    table: HashTable<u32>,
    arena: String,
    ends: Vec<u32>,
    hashes: Vec<u64>,
}

impl std::fmt::Debug for LocalStrings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStrings")
            .field("strings", &self.ends.len())
            .finish()
    }
}

impl LocalStrings {
    fn get(&self, i: u32) -> &str {
        slice(&self.arena, &self.ends, Sym(i))
    }

    /// The local number of `s`, in first-seen order.
    pub(crate) fn intern(&mut self, hasher: &DefaultHashBuilder, s: &str) -> u32 {
        let hash = hasher.hash_one(s);
        let LocalStrings {
            table,
            arena,
            ends,
            hashes,
        } = self;
        if let Some(&i) = table.find(hash, |&i| slice(arena, ends, Sym(i)) == s) {
            return i;
        }
        let i = u32::try_from(ends.len()).expect("fewer than 2^32 strings in a batch");
        arena.push_str(s);
        ends.push(u32::try_from(arena.len()).expect("under 4 GiB of strings in a batch"));
        hashes.push(hash);
        table.insert_unique(hash, i, |&j| hashes[j as usize]);
        i
    }

    /// The local number of `s` ASCII lower-cased (as [`Interner::intern_folded`]).
    pub(crate) fn intern_folded(&mut self, hasher: &DefaultHashBuilder, s: &str) -> u32 {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            self.intern(hasher, &s.to_ascii_lowercase())
        } else {
            self.intern(hasher, s)
        }
    }

    /// Empties it, keeping its allocations.
    pub(crate) fn clear(&mut self) {
        self.table.clear();
        self.arena.clear();
        self.ends.clear();
        self.hashes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Strings back to back, for [`Interner::from_distinct`].
    fn laid_out(strings: &[&str]) -> (String, Vec<u32>) {
        let mut arena = String::new();
        let ends = strings
            .iter()
            .map(|s| {
                arena.push_str(s);
                arena.len() as u32
            })
            .collect();
        (arena, ends)
    }

    #[test]
    fn distinct_strings_are_numbered_in_order_and_the_first_repeat_is_named() {
        let many: Vec<String> = (0..5000)
            .map(|i| format!("ocid1.instance.oc1..{i}"))
            .collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let (arena, ends) = laid_out(&refs);
        let strings = Interner::from_distinct(arena, ends).unwrap();
        for (i, s) in refs.iter().enumerate() {
            assert_eq!(strings.get(s), Some(Sym(i as u32)));
            assert_eq!(strings.resolve(Sym(i as u32)), *s);
        }
        assert_eq!(strings.get("ocid1.instance.oc1..5000"), None);
        // Strings 4000 and 4500 repeat 3000, 4200 repeats 10: the first in order is
        // 4000 (of 3000), as interning one after another would find.
        let mut repeated = refs.clone();
        repeated[4000] = refs[3000];
        repeated[4200] = refs[10];
        repeated[4500] = refs[3000];
        let (arena, ends) = laid_out(&repeated);
        assert_eq!(
            Interner::from_distinct(arena, ends).unwrap_err(),
            (4000, 3000)
        );
        let (arena, ends) = laid_out(&["", "a", ""]);
        assert_eq!(Interner::from_distinct(arena, ends).unwrap_err(), (2, 0));
        let (arena, ends) = laid_out(&[]);
        assert_eq!(Interner::from_distinct(arena, ends).unwrap().len(), 0);
    }

    #[test]
    fn interns_once_and_resolves() {
        let mut i = Interner::default();
        let a = i.intern("ocid1.instance.oc1..a");
        let b = i.intern("ocid1.instance.oc1..b");
        assert_ne!(a, b);
        assert_eq!(i.intern("ocid1.instance.oc1..a"), a);
        assert_eq!(i.resolve(a), "ocid1.instance.oc1..a");
        assert_eq!(i.resolve(b), "ocid1.instance.oc1..b");
        assert_eq!(i.get("ocid1.instance.oc1..b"), Some(b));
        assert_eq!(i.get("nope"), None);
        assert_eq!(i.len(), 2);
        let e = i.intern("");
        assert_eq!(i.resolve(e), "");
        for n in 0..1000 {
            i.intern(&format!("s{n}"));
        }
        assert_eq!(i.resolve(a), "ocid1.instance.oc1..a");
        assert_eq!(i.get("s999").map(|s| i.resolve(s)), Some("s999"));
        i.freeze();
        assert_eq!(i.get("ocid1.instance.oc1..b"), Some(b));
        assert_eq!(i.get("s999").map(|s| i.resolve(s)), Some("s999"));
        assert_eq!(i.get(""), Some(e));
        assert_eq!(i.get("nope"), None);
        assert_eq!(i.resolve(a), "ocid1.instance.oc1..a");
    }

    #[test]
    fn a_batch_interns_as_its_strings_one_by_one_would() {
        let words = ["b", "a", "b", "C", "a", "d", "c"];
        let mut one_by_one = Interner::default();
        one_by_one.intern("a");
        let expected: Vec<Sym> = words.iter().map(|w| one_by_one.intern_folded(w)).collect();
        let mut batched = Interner::default();
        batched.intern("a");
        let mut local = LocalStrings::default();
        let hasher = batched.hasher();
        let numbers: Vec<u32> = words
            .iter()
            .map(|w| local.intern_folded(&hasher, w))
            .collect();
        assert_eq!(numbers, [0, 1, 0, 2, 1, 3, 2]);
        let mut syms = Vec::new();
        batched.intern_local(&local, &mut syms);
        let got: Vec<Sym> = numbers.iter().map(|&n| syms[n as usize]).collect();
        assert_eq!(got, expected);
        assert_eq!(batched.len(), one_by_one.len());
        for i in 0..batched.len() as u32 {
            assert_eq!(batched.resolve(Sym(i)), one_by_one.resolve(Sym(i)));
        }
    }

    #[test]
    fn folding_shares_the_lower_case_copy() {
        let mut i = Interner::default();
        let a = i.intern_folded("Operations");
        assert_eq!(i.intern_folded("OPERATIONS"), a);
        assert_eq!(i.get_folded("operationS"), Some(a));
        assert_eq!(i.resolve(a), "operations");
    }
}
