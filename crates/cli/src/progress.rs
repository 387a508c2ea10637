//! Progress on stderr and phase timings.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
        );
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
        self.bar.set_message(name);
        self.current = Some((name, Instant::now()));
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
