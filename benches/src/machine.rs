//! What the machine can do: memory read bandwidth, and this process's memory use.

use std::hint::black_box;
use std::time::Instant;

use rayon::prelude::*;

use crate::timing::median;

/// A `kB` field of `/proc/self/status` (`VmHWM`, `VmRSS`), in bytes; `None` where
/// there is no procfs.
pub fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status_field(&status, field)
}

fn parse_status_field(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

/// Peak resident set size of this process so far (`VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    proc_status_bytes("VmHWM")
}

/// Measured memory read bandwidth, GB/s (10^9 bytes per second).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bandwidth {
    /// Size of the buffer read.
    pub buffer_bytes: usize,
    /// One thread summing the buffer.
    pub one_thread_gbps: f64,
    /// All of rayon's threads summing disjoint halves (quarters, …) of it.
    pub all_threads_gbps: f64,
}

/// Times summing a `buffer_mib` MiB buffer of `u64`s (written once before), `runs`
/// times each on one thread and on all threads, and takes the medians. The buffer is
/// far larger than any cache, so this is the rate at which memory can be streamed.
pub fn memory_bandwidth(buffer_mib: usize, runs: usize) -> Bandwidth {
    let words = (buffer_mib << 20) / 8;
    let buffer: Vec<u64> = (0..words as u64).collect();
    let bytes = words * 8;
    let rate = |sum: &dyn Fn() -> u64| {
        let mut gbps = Vec::with_capacity(runs);
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            black_box(sum());
            gbps.push(bytes as f64 / start.elapsed().as_secs_f64() / 1e9);
        }
        median(&gbps).unwrap_or(0.0)
    };
    let one_thread_gbps = rate(&|| sum_words(black_box(&buffer)));
    let all_threads_gbps = rate(&|| {
        black_box(&buffer)
            .par_chunks(1 << 20)
            .map(sum_words)
            .reduce(|| 0, u64::wrapping_add)
    });
    Bandwidth {
        buffer_bytes: bytes,
        one_thread_gbps,
        all_threads_gbps,
    }
}

/// Sums with four independent accumulators so the loop is bound by loads, not adds.
fn sum_words(words: &[u64]) -> u64 {
    let mut acc = [0u64; 4];
    let mut chunks = words.chunks_exact(4);
    for c in &mut chunks {
        for i in 0..4 {
            acc[i] = acc[i].wrapping_add(c[i]);
        }
    }
    let tail: u64 = chunks.remainder().iter().fold(0, |a, &w| a.wrapping_add(w));
    acc.iter().fold(tail, |a, &w| a.wrapping_add(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let status = "Name:\tcompare\nVmHWM:\t  123456 kB\nVmRSS:\t    1000 kB\n";
        assert_eq!(parse_status_field(status, "VmHWM"), Some(123_456 * 1024));
        assert_eq!(parse_status_field(status, "VmRSS"), Some(1_024_000));
        assert_eq!(parse_status_field(status, "VmPeak"), None);
    }

    #[test]
    fn sums_every_word() {
        let words: Vec<u64> = (1..=10).collect();
        assert_eq!(sum_words(&words), 55);
        let bw = memory_bandwidth(1, 1);
        assert!(bw.one_thread_gbps > 0.0 && bw.all_threads_gbps > 0.0);
    }
}
