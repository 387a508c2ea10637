//! Progress on stderr and phase timings.

use std::time::{Duration, Instant};

use dyngroup_io::BytesRead;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The spinner's look: the phase and how long it has run.
const SPINNER: &str = "{spinner} {msg} {elapsed}";

/// Times the phases of a run and shows a spinner for the current one.
///
/// The spinner draws on stderr only when stderr is a terminal (indicatif hides it
/// otherwise), so piped and CI runs print only the final summary.
#[derive(Debug)]
pub(crate) struct Phases {
    bar: ProgressBar,
    current: Option<(&'static str, Instant)>,
    done: Vec<(&'static str, Duration)>,
}

impl Phases {
    pub(crate) fn new() -> Phases {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template(SPINNER).expect("valid template"));
        bar.enable_steady_tick(Duration::from_millis(120));
        Phases {
            bar,
            current: None,
            done: Vec::new(),
        }
    }

    /// Ends the current phase (if any) and starts `name`.
    pub(crate) fn start(&mut self, name: &'static str) {
        self.finish_current();
        self.bar
            .set_style(ProgressStyle::with_template(SPINNER).expect("valid template"));
        self.bar.set_message(name);
        self.current = Some((name, Instant::now()));
    }

    /// Turns the spinner into a bar of the bytes read out of `total` (the inputs'
    /// sizes, `None` when unknown: standard input), with the rate in bytes and in
    /// records per second, until the next phase starts.
    pub(crate) fn reading(&self, total: Option<u64>, bytes: BytesRead) -> ReadProgress {
        // `wide_bar` takes what the terminal's width leaves, so the line never wraps.
        let template = match total {
            Some(total) => {
                self.bar.set_length(total);
                "{spinner} {msg} {wide_bar} {binary_bytes}/{binary_total_bytes} \
                 {binary_bytes_per_sec} {prefix} {elapsed}"
            }
            None => "{spinner} {msg} {binary_bytes} {binary_bytes_per_sec} {prefix} {elapsed}",
        };
        self.bar
            .set_style(ProgressStyle::with_template(template).expect("valid template"));
        self.bar.set_position(0);
        ReadProgress {
            bar: (!self.bar.is_hidden()).then(|| self.bar.clone()),
            bytes,
            records: 0,
            started: Instant::now(),
        }
    }

    fn finish_current(&mut self) {
        if let Some((name, started)) = self.current.take() {
            self.done.push((name, started.elapsed()));
        }
    }

    /// Ends the last phase and clears the spinner.
    pub(crate) fn finish(mut self) -> Timings {
        self.finish_current();
        self.bar.finish_and_clear();
        Timings(std::mem::take(&mut self.done))
    }
}

/// Counts records as they are read and moves the bar now and then.
#[derive(Debug)]
pub(crate) struct ReadProgress {
    /// `None` when the bar is hidden (stderr is not a terminal): then counting is all.
    bar: Option<ProgressBar>,
    bytes: BytesRead,
    records: u64,
    started: Instant,
}

impl ReadProgress {
    /// How many records between two updates of the bar.
    const EVERY: u64 = 8192;

    /// `n` more records read.
    pub(crate) fn records(&mut self, n: usize) {
        let before = self.records;
        self.records += n as u64;
        if before / Self::EVERY != self.records / Self::EVERY
            && let Some(bar) = &self.bar
        {
            bar.set_position(self.bytes.get());
            let per_second = self.records as f64 / self.started.elapsed().as_secs_f64();
            bar.set_prefix(format!("{}k records/s", (per_second / 1e3).round()));
        }
    }
}

/// How long each phase took.
#[derive(Debug)]
pub(crate) struct Timings(Vec<(&'static str, Duration)>);

impl Timings {
    /// `read 1.2ms, build 0.3ms, …`
    pub(crate) fn summary(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(name, took)| format!("{name} {}", human(*took)))
            .collect();
        parts.join(", ")
    }

    /// `{"read": seconds, …}` for the JSON report.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let map = self
            .0
            .iter()
            .map(|(name, took)| ((*name).to_owned(), took.as_secs_f64().into()))
            .collect();
        serde_json::Value::Object(map)
    }
}

fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2}s")
    } else if secs >= 1e-3 {
        format!("{:.1}ms", secs * 1e3)
    } else {
        format!("{:.0}µs", secs * 1e6)
    }
}
