//! The terminal progress line of training: step, bar, rate, ETA and the latest metrics. On a
//! terminal it redraws one line; otherwise it prints a line every few percent.

use std::io::{IsTerminal, Write};
use std::time::Instant;

use metanas_core::run::MetricRecord;

/// Progress towards a target step.
pub struct Progress {
    start_step: usize,
    target: usize,
    started: Instant,
    terminal: bool,
    last_printed: usize,
}

/// `secs` as `1h02m`, `3m04s` or `5s`.
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    match s {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

impl Progress {
    /// Progress from `start_step` to `target`.
    pub fn new(start_step: usize, target: usize) -> Self {
        Self {
            start_step,
            target,
            started: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            last_printed: start_step,
        }
    }

    /// The line for a meta-step.
    pub fn line(&self, r: &MetricRecord) -> String {
        let mut metrics = format!("loss {:.4}", r.report.loss);
        if let Some(a) = r.report.accuracy {
            metrics += &format!(" acc {a:.3}");
        }
        if let Some(m) = r.report.mse {
            metrics += &format!(" mse {m:.4}");
        }
        if let Some(t) = r.report.temperature {
            metrics += &format!(" tau {t:.3}");
        }
        self.line_at(r.report.step, &metrics)
    }

    /// The line for step `step` with `metrics` at its end.
    pub fn line_at(&self, step: usize, metrics: &str) -> String {
        let done = step - self.start_step;
        let left = self.target.saturating_sub(step);
        let secs = self.started.elapsed().as_secs_f64();
        let rate = done as f64 / secs.max(1e-9);
        let frac = step as f64 / self.target.max(1) as f64;
        let filled = (frac * 24.0).round() as usize;
        let bar: String = (0..24)
            .map(|i| if i < filled { '#' } else { '.' })
            .collect();
        format!(
            "step {step}/{} [{bar}] {:>3.0}% {:.2} steps/s ETA {} {metrics}",
            self.target,
            frac * 100.0,
            rate,
            duration(left as f64 / rate.max(1e-9)),
        )
    }

    /// Shows a meta-step.
    pub fn show(&mut self, r: &MetricRecord) {
        let line = self.line(r);
        self.show_line(r.report.step, &line);
    }

    /// Shows `line`, the line of step `step`.
    pub fn show_line(&mut self, step: usize, line: &str) {
        let mut err = std::io::stderr();
        if self.terminal {
            let _ = write!(err, "\r{line}\x1b[K");
            let _ = err.flush();
        } else {
            let every = ((self.target - self.start_step) / 20).max(1);
            if step - self.last_printed >= every || step == self.target {
                let _ = writeln!(err, "{line}");
                self.last_printed = step;
            }
        }
    }

    /// Ends the line.
    pub fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}
