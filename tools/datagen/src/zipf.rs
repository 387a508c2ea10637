//! Zipf (power-law) weights and a sampler over ranks.
//!
//! Rank `k` (1-based) gets weight `1 / k^s`. The exponent is given in quarters
//! (`s = q / 4`) because `k^(1/4)` is `sqrt(sqrt(k))`, and IEEE 754 requires `sqrt`,
//! `*` and `/` to be correctly rounded: the weights, and so the files, are the same
//! on every platform. (`powf` is a libm call whose last bit may differ.)

use crate::rng::Rng;

/// `k^(-q/4)` for `k >= 1`, computed with correctly rounded operations only.
pub fn weight(k: u64, quarters: u32) -> f64 {
    let fourth_root = (k as f64).sqrt().sqrt();
    let mut p = 1.0;
    for _ in 0..quarters {
        p *= fourth_root;
    }
    1.0 / p
}

/// Samples ranks `0..n` (0 is the most likely) with Zipf weights.
#[derive(Clone, Debug)]
pub struct Zipf {
    /// Cumulative integer weights; integer so sampling is exact and portable.
    cdf: Vec<u64>,
}

impl Zipf {
    /// A sampler over `n >= 1` ranks with exponent `quarters / 4`.
    pub fn new(n: usize, quarters: u32) -> Self {
        assert!(n >= 1, "a Zipf sampler needs at least one rank");
        let mut total = 0u64;
        let cdf = (1..=n as u64)
            .map(|k| {
                // 2^32 scale keeps every weight >= 1 for any n we use (n < 10^6).
                total += ((weight(k, quarters) * 4_294_967_296.0) as u64).max(1);
                total
            })
            .collect();
        Zipf { cdf }
    }

    /// A rank in `0..n`.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cdf.last().expect("non-empty");
        let r = rng.below(total);
        self.cdf.partition_point(|&c| c <= r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_power_law() {
        assert_eq!(weight(1, 5), 1.0);
        assert!((weight(16, 4) - 1.0 / 16.0).abs() < 1e-15);
        assert!((weight(16, 5) - 1.0 / 32.0).abs() < 1e-15);
    }

    #[test]
    fn low_ranks_dominate() {
        let z = Zipf::new(100, 4);
        let mut rng = Rng::new(1);
        let mut counts = [0u32; 100];
        for _ in 0..100_000 {
            counts[z.sample(&mut rng)] += 1;
        }
        // Rank 1 carries 1/H(100) ≈ 19% of the mass, rank 2 half of that.
        assert!((17_000..21_500).contains(&counts[0]), "{}", counts[0]);
        assert!(counts[0] > counts[1] && counts[1] > counts[9] && counts[9] > counts[99]);
        assert!(counts[99] > 0);
    }
}
