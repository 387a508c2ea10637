//! Timing several runs of one phase and taking the median.

use std::time::Instant;

/// The durations of several runs of one phase, in seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Samples {
    seconds: Vec<f64>,
}

impl Samples {
    /// Samples from durations already measured (for example by the DuckDB runner).
    pub fn from_seconds(seconds: Vec<f64>) -> Samples {
        Samples { seconds }
    }

    /// How many runs.
    pub fn runs(&self) -> usize {
        self.seconds.len()
    }

    /// Every run, in order.
    pub fn seconds(&self) -> &[f64] {
        &self.seconds
    }

    /// The median run (the mean of the middle two for an even count); `None` when
    /// nothing ran.
    pub fn median(&self) -> Option<f64> {
        median(&self.seconds)
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// Runs `f` `runs` times (at least once) and returns the samples and the last
/// result. Each result but the last is dropped outside the timed region.
pub fn time_runs<T>(runs: usize, mut f: impl FnMut() -> T) -> (Samples, T) {
    let mut seconds = Vec::with_capacity(runs.max(1));
    let mut last = None;
    for _ in 0..runs.max(1) {
        drop(last.take());
        let start = Instant::now();
        let out = f();
        seconds.push(start.elapsed().as_secs_f64());
        last = Some(out);
    }
    (Samples { seconds }, last.expect("ran at least once"))
}

/// A duration in seconds as a short human string: `812 µs`, `12.3 ms`, `4.56 s`.
pub fn human(seconds: f64) -> String {
    if seconds < 1e-3 {
        format!("{:.0} µs", seconds * 1e6)
    } else if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1e3)
    } else {
        format!("{seconds:.2} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn time_runs_keeps_the_last_result() {
        let mut n = 0;
        let (samples, last) = time_runs(3, || {
            n += 1;
            n
        });
        assert_eq!(samples.runs(), 3);
        assert_eq!(last, 3);
        let (samples, _) = time_runs(0, || ());
        assert_eq!(samples.runs(), 1);
    }

    #[test]
    fn human_units() {
        assert_eq!(human(0.000_5), "500 µs");
        assert_eq!(human(0.012_34), "12.3 ms");
        assert_eq!(human(4.567), "4.57 s");
    }
}
