//! Profiles and the fleet plan: how many tenancies, how big each is, how many
//! compartments and dynamic groups it has.
//!
//! Tenancy sizes follow Zipf's law with exponent 1.25 (rank `k` holds a share
//! proportional to `k^-1.25`): with a thousand tenancies or more the largest holds
//! about a quarter of the fleet, the second about a tenth, and the tail a handful of
//! principals each — the shape of a real multi-tenant region. Ranks past the third
//! get ±25% jitter so the tail is not a perfect staircase.

use crate::rng::Rng;
use crate::zipf;

/// A named size of fleet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// 1,200 principals (so the committed files stay well under 1 MB); committed
    /// under `datasets/sample/`.
    Sample,
    /// 100k principals.
    S,
    /// 1M principals.
    M,
    /// 10M principals.
    L,
}

impl Profile {
    /// The generator parameters of this profile.
    pub fn params(self) -> Params {
        let (principals, tenancies, over_limit_tenancies) = match self {
            Profile::Sample => (1_200, 50, 1),
            Profile::S => (100_000, 1_400, 3),
            Profile::M => (1_000_000, 8_000, 6),
            Profile::L => (10_000_000, 50_000, 12),
        };
        Params {
            principals,
            tenancies,
            over_limit_tenancies,
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Sample => "sample",
            Profile::S => "S",
            Profile::M => "M",
            Profile::L => "L",
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Principals in the inventory (every one, TERMINATED included).
    pub principals: u64,
    /// Tenancies the principals are spread over (at most `principals`).
    pub tenancies: u32,
    /// Tenancies given 55–60 dynamic groups, past OCI's limit of 50.
    pub over_limit_tenancies: u32,
}

/// The Zipf exponent of tenancy sizes, in quarters (5 → 1.25).
const SIZE_EXPONENT_QUARTERS: u32 = 5;

/// OCI's default limit of dynamic groups per tenancy.
pub const GROUP_LIMIT: u32 = 50;

/// Principals per tenancy, by rank; sums to `principals`, every entry at least 1.
pub fn tenancy_sizes(principals: u64, tenancies: u32, rng: &mut Rng) -> Vec<u64> {
    assert!(tenancies >= 1 && principals >= u64::from(tenancies));
    let weights: Vec<f64> = (1..=u64::from(tenancies))
        .map(|k| {
            let w = zipf::weight(k, SIZE_EXPONENT_QUARTERS);
            if k > 3 {
                w * (750 + rng.below(501)) as f64 / 1000.0
            } else {
                w
            }
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut sizes: Vec<u64> = weights
        .iter()
        .map(|w| ((principals as f64 * w / total) as u64).max(1))
        .collect();
    // Flooring loses less than one principal per tenancy; `max(1)` may add some.
    // Settle the difference on the largest tenancies, where it is invisible.
    let mut sum: u64 = sizes.iter().sum();
    let (mut i, n) = (0, sizes.len());
    while sum < principals {
        sizes[i % n] += 1;
        sum += 1;
        i += 1;
    }
    while sum > principals {
        let largest = (0..sizes.len())
            .max_by_key(|&j| (sizes[j], usize::MAX - j))
            .unwrap_or(0);
        sizes[largest] -= 1;
        sum -= 1;
    }
    sizes
}

/// Compartments of a tenancy of `size` principals: grows like the square root.
pub fn compartment_count(size: u64) -> u32 {
    1 + (size.isqrt() * 2 / 3) as u32
}

/// Dynamic groups a tenancy of `size` principals has, before the over-limit few.
pub fn natural_group_count(size: u64) -> u32 {
    (1 + size.isqrt() / 2).min(u64::from(GROUP_LIMIT)) as u32
}

/// Groups per tenancy: the natural count, except `over_limit` tenancies (drawn among
/// those with at least 200 principals, or the largest ones) that get 55–60.
pub fn group_counts(sizes: &[u64], over_limit: u32, rng: &mut Rng) -> Vec<u32> {
    let mut counts: Vec<u32> = sizes.iter().map(|&s| natural_group_count(s)).collect();
    let mut by_size: Vec<usize> = (0..sizes.len()).collect();
    by_size.sort_by_key(|&t| (std::cmp::Reverse(sizes[t]), t));
    let big = by_size.iter().take_while(|&&t| sizes[t] >= 200).count();
    let over = (over_limit as usize).min(sizes.len());
    let mut candidates: Vec<usize> = by_size[..big.max(over)].to_vec();
    rng.shuffle(&mut candidates);
    for &t in &candidates[..over] {
        counts[t] = rng.range(55, 60) as u32;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_sum_and_skew() {
        for profile in [Profile::Sample, Profile::S, Profile::M] {
            let p = profile.params();
            let sizes = tenancy_sizes(p.principals, p.tenancies, &mut Rng::new(42));
            assert_eq!(sizes.iter().sum::<u64>(), p.principals);
            let largest = *sizes.iter().max().unwrap();
            // A few tenancies hold 10%+ of the fleet, the tail a handful each.
            assert!(largest * 10 >= p.principals, "{profile:?}: {largest}");
            let tail = sizes.iter().filter(|&&s| s <= 8).count();
            assert!(
                tail * 5 >= sizes.len(),
                "{profile:?}: only {tail} small tenancies"
            );
        }
    }

    #[test]
    fn a_few_tenancies_exceed_the_group_limit() {
        let p = Profile::S.params();
        let sizes = tenancy_sizes(p.principals, p.tenancies, &mut Rng::new(1));
        let counts = group_counts(&sizes, p.over_limit_tenancies, &mut Rng::new(2));
        let over = counts.iter().filter(|&&c| c > GROUP_LIMIT).count();
        assert_eq!(over, p.over_limit_tenancies as usize);
        assert!(counts.iter().filter(|&&c| c == GROUP_LIMIT).count() >= 1);
    }
}
