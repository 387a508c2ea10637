//! A read-only hash table of dense ids that stores no hashes and no keys: 4 bytes per
//! id plus half a byte per id of bucket starts.
//!
//! The interner and the term table look their keys up through a growable
//! `hashbrown::HashTable` while the index is built. Once built, nothing is added, and
//! a `HashTable` of a few million `u32`s costs 5 bytes per bucket at up to 7/8 load
//! in a power-of-two table: up to 10 bytes per id. Here the ids are laid out bucket
//! after bucket (a counting sort by hash), about eight to a bucket, and a lookup scans
//! its bucket comparing keys through the caller. Lookups only compile rules and
//! answer point queries (an OCID, a tenancy), never evaluation, so a longer scan for
//! a smaller table is the right trade.

use rayon::prelude::*;
use smallvec::SmallVec;

/// Ids per bucket, on average.
const IDS_PER_BUCKET: usize = 8;

/// Ids `0..n` grouped by the bucket their key hashes to.
#[derive(Clone, Debug, Default)]
pub(crate) struct FrozenTable {
    /// `ids[starts[b]..starts[b + 1]]` are the ids of bucket `b`.
    starts: Vec<u32>,
    ids: Vec<u32>,
}

/// The bucket of `hash` among `buckets` (multiply-shift: any bucket count works).
fn bucket(hash: u64, buckets: usize) -> usize {
    ((u128::from(hash) * buckets as u128) >> 64) as usize
}

impl FrozenTable {
    /// The table of ids `0..n`, id `i`'s key hashing to `hash(i)`.
    pub(crate) fn build(n: u32, hash: impl Fn(u32) -> u64 + Sync) -> FrozenTable {
        let buckets = (n as usize).div_ceil(IDS_PER_BUCKET).max(1);
        let of: Vec<u32> = (0..n)
            .into_par_iter()
            .map(|i| bucket(hash(i), buckets) as u32)
            .collect();
        let mut starts = vec![0u32; buckets + 1];
        for &b in &of {
            starts[b as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        let mut next = starts[..buckets].to_vec();
        let mut ids = vec![0u32; n as usize];
        for (i, &b) in of.iter().enumerate() {
            let slot = &mut next[b as usize];
            ids[*slot as usize] = i as u32;
            *slot += 1;
        }
        FrozenTable { starts, ids }
    }

    /// The first id (lowest) whose key equals a lower id's, with that lower id, for a
    /// table built with `hash`; `eq` compares two ids' keys. Equal keys hash alike, so
    /// they share a bucket: the buckets are searched on all threads, each up to its
    /// first repeat (ids ascend within a bucket, so that is the bucket's lowest: a
    /// bucket of a million copies of one key costs one comparison, not a million
    /// squared).
    pub(crate) fn first_repeat(
        &self,
        hash: impl Fn(u32) -> u64 + Sync,
        eq: impl Fn(u32, u32) -> bool + Sync,
    ) -> Option<(u32, u32)> {
        self.starts
            .par_windows(2)
            .filter_map(|w| {
                // Ascending within a bucket (the counting sort keeps id order).
                let ids = &self.ids[w[0] as usize..w[1] as usize];
                let hashes: SmallVec<[u64; 16]> = ids.iter().map(|&i| hash(i)).collect();
                (1..ids.len()).find_map(|j| {
                    (0..j)
                        .find(|&k| hashes[j] == hashes[k] && eq(ids[k], ids[j]))
                        .map(|k| (ids[j], ids[k]))
                })
            })
            .min()
    }

    /// The id whose key hashes to `hash` and satisfies `eq`.
    pub(crate) fn find(&self, hash: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        let buckets = self.starts.len().checked_sub(1)?;
        let b = bucket(hash, buckets);
        let (start, end) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        self.ids[start..end].iter().copied().find(|&i| eq(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn finds_every_id_and_nothing_else() {
        let hasher = hashbrown::DefaultHashBuilder::default();
        let keys: Vec<String> = (0..1000).map(|i| format!("key{i}")).collect();
        let table = FrozenTable::build(keys.len() as u32, |i| hasher.hash_one(&keys[i as usize]));
        for (i, k) in keys.iter().enumerate() {
            let got = table.find(hasher.hash_one(k), |j| keys[j as usize] == *k);
            assert_eq!(got, Some(i as u32));
        }
        let missing = "key1000".to_owned();
        assert_eq!(
            table.find(hasher.hash_one(&missing), |j| keys[j as usize] == missing),
            None
        );
        assert_eq!(FrozenTable::default().find(1, |_| true), None);
        let empty = FrozenTable::build(0, |_| 0);
        assert_eq!(empty.find(1, |_| true), None);
    }

    #[test]
    fn the_first_repeat_is_found_with_few_comparisons_however_many_copies() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // 20,000 copies of one key and 20,000 distinct ones, interleaved: a crafted
        // file's worst case (outside review: comparing every pair took hours at 1M).
        let hasher = hashbrown::DefaultHashBuilder::default();
        let keys: Vec<String> = (0..40_000)
            .map(|i| {
                if i % 2 == 1 {
                    "same".to_owned()
                } else {
                    format!("k{i}")
                }
            })
            .collect();
        let hash = |i: u32| hasher.hash_one(&keys[i as usize]);
        let table = FrozenTable::build(keys.len() as u32, hash);
        let compared = AtomicUsize::new(0);
        let eq = |a: u32, b: u32| {
            compared.fetch_add(1, Ordering::Relaxed);
            keys[a as usize] == keys[b as usize]
        };
        assert_eq!(table.first_repeat(hash, eq), Some((3, 1)));
        // Distinct keys are told apart by their hashes; the copies stop at the first.
        assert!(compared.load(Ordering::Relaxed) < 100, "{compared:?}");
        let distinct: Vec<String> = (0..5000).map(|i| format!("k{i}")).collect();
        let hash = |i: u32| hasher.hash_one(&distinct[i as usize]);
        let table = FrozenTable::build(distinct.len() as u32, hash);
        assert_eq!(
            table.first_repeat(hash, |a, b| distinct[a as usize] == distinct[b as usize]),
            None
        );
    }
}
