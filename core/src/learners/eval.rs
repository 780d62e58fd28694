//! The evaluation protocol shared by every learner: adapt to M held-out tasks and report the
//! mean and 95% confidence interval of the query metric after each adaptation step.

use serde::{Deserialize, Serialize};

use super::learner::MetaLearner;
use super::parallel::run_all_tasks;
use super::types::{Adaptation, LearnerError};
use crate::tasks::Episode;

/// A mean with its 95% confidence half-width (1.96 standard errors), and the median.
///
/// The median is there for the runs where a few tasks' adaptation diverges: their values
/// dominate the mean (and make it NaN when one is not finite), while the median shows what
/// the other tasks reached.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanCi {
    /// Mean.
    pub mean: f64,
    /// 95% half-width.
    pub ci95: f64,
    /// Median (the mean of the two middle values for an even count); values that are not
    /// finite count as larger than every number, NaN as the largest.
    pub median: f64,
    /// Number of values.
    pub n: usize,
}

impl MeanCi {
    /// Mean, 95% CI (sample standard deviation) and median of `values`.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self {
                mean: f64::NAN,
                ci95: f64::NAN,
                median: f64::NAN,
                n,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        Self {
            mean,
            ci95: 1.96 * (var / n as f64).sqrt(),
            median: median(values),
            n,
        }
    }
}

/// The median of a non-empty slice (see [`MeanCi::median`]).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    // NaN of either sign sorts last, as the largest value.
    sorted.sort_by(|a, b| a.is_nan().cmp(&b.is_nan()).then(a.total_cmp(b)));
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// The protocol's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// `accuracy` or `mse`.
    pub metric: String,
    /// The metric before adaptation (entry 0) and after each step.
    pub per_step: Vec<MeanCi>,
    /// Tasks evaluated.
    pub tasks: usize,
    /// The same per source (regression family or dataset), in order of first appearance;
    /// empty when all tasks come from one source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_source: Vec<SourceReport>,
}

/// [`EvalReport::per_step`] over the tasks of one source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceReport {
    /// The source's name.
    pub source: String,
    /// The metric before adaptation (entry 0) and after each step.
    pub per_step: Vec<MeanCi>,
    /// Tasks of this source.
    pub tasks: usize,
}

impl EvalReport {
    /// The metric after the last step.
    pub fn last(&self) -> Option<MeanCi> {
        self.per_step.last().copied()
    }
}

/// Adapts `learner` to `tasks` held-out tasks drawn by `next_task(i)` for `steps` steps each
/// (task i with seed `seed + i`) and summarises the query metric per step. `threads` tasks
/// adapt at a time (0: one per core); the report does not depend on it.
pub fn evaluate<L: MetaLearner + ?Sized>(
    learner: &L,
    tasks: usize,
    steps: usize,
    seed: u64,
    threads: usize,
    next_task: impl Fn(usize) -> Result<Episode, LearnerError> + Sync,
) -> Result<EvalReport, LearnerError> {
    evaluate_with(
        |task, seed| learner.adapt(task, steps, seed),
        tasks,
        seed,
        threads,
        next_task,
    )
}

/// The protocol for any way of adapting to a task (a meta-learner's adaptation, a DARTS
/// search from scratch): `adapt(task_i, seed + i)` on `tasks` tasks drawn by `next_task(i)`,
/// the query metric summarised per step. Tasks run `threads` at a time (0: one per core,
/// see [`run_all_tasks`]); each has its own seed, so the report is the same on any number.
pub fn evaluate_with(
    adapt: impl Fn(&Episode, u64) -> Result<Adaptation, LearnerError> + Sync,
    tasks: usize,
    seed: u64,
    threads: usize,
    next_task: impl Fn(usize) -> Result<Episode, LearnerError> + Sync,
) -> Result<EvalReport, LearnerError> {
    let adapted = run_all_tasks(tasks, threads, |i| {
        crate::interrupt::check()?;
        let task = next_task(i)?;
        let a = adapt(&task, seed.wrapping_add(i as u64))?;
        Ok((task.source_name, a.per_step))
    })?;
    let mut tally = Tally::default();
    let mut metric = "accuracy";
    for (source, per_step) in adapted {
        let values: Vec<f64> = per_step
            .iter()
            .map(|m| match (m.accuracy, m.mse) {
                (Some(acc), _) => acc,
                (None, Some(mse)) => {
                    metric = "mse";
                    mse
                }
                _ => f64::NAN,
            })
            .collect();
        tally.add(&source, &values);
    }
    Ok(tally.report(metric, tasks))
}

/// The entry of `source` in `list` (keyed by source name, in order of first appearance), added
/// empty when it is not there yet.
pub(crate) fn source_entry<'a, V: Default>(
    list: &'a mut Vec<(String, V)>,
    source: &str,
) -> &'a mut V {
    let at = match list.iter().position(|(name, _)| name == source) {
        Some(at) => at,
        None => {
            list.push((source.to_string(), V::default()));
            list.len() - 1
        }
    };
    &mut list[at].1
}

/// The tasks' values per step, in task order, overall and per source.
#[derive(Default)]
struct Tally {
    per_step: Vec<Vec<f64>>,
    sources: Vec<(String, Vec<Vec<f64>>)>,
}

impl Tally {
    /// A task of `source` with `values[s]` after step s.
    fn add(&mut self, source: &str, values: &[f64]) {
        let of_source = source_entry(&mut self.sources, source);
        for steps in [&mut self.per_step, of_source] {
            steps.resize(steps.len().max(values.len()), Vec::new());
            for (s, v) in values.iter().enumerate() {
                steps[s].push(*v);
            }
        }
    }

    fn report(&self, metric: &str, tasks: usize) -> EvalReport {
        let summary = |p: &[Vec<f64>]| p.iter().map(|v| MeanCi::of(v)).collect::<Vec<_>>();
        let by_source = if self.sources.len() > 1 {
            self.sources
                .iter()
                .map(|(name, p)| SourceReport {
                    source: name.clone(),
                    per_step: summary(p),
                    tasks: p.first().map_or(0, Vec::len),
                })
                .collect()
        } else {
            Vec::new()
        };
        EvalReport {
            metric: metric.into(),
            per_step: summary(&self.per_step),
            tasks,
            by_source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_is_summarised_apart_and_all_together() {
        // Task i: source "a" when even, "b" when odd; value i before and i / 2 after a step.
        let mut t = Tally::default();
        for i in 0..4 {
            let v = i as f64;
            t.add(if i % 2 == 0 { "a" } else { "b" }, &[v, v / 2.0]);
        }
        let r = t.report("mse", 4);
        assert_eq!((r.per_step[0].mean, r.per_step[1].mean), (1.5, 0.75));
        let names: Vec<&str> = r.by_source.iter().map(|s| s.source.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        // a: tasks 0 and 2; b: tasks 1 and 3.
        assert_eq!(r.by_source[0].per_step[0].mean, 1.0);
        assert_eq!(r.by_source[0].per_step[1].mean, 0.5);
        assert_eq!(r.by_source[1].per_step[1].mean, 1.0);
        assert_eq!((r.by_source[0].tasks, r.by_source[1].tasks), (2, 2));
        // One source: no breakdown.
        let mut t = Tally::default();
        t.add("a", &[1.0]);
        t.add("a", &[3.0]);
        assert!(t.report("accuracy", 2).by_source.is_empty());
    }

    #[test]
    fn mean_ci_and_median_of_hand_computed_values() {
        let s = MeanCi::of(&[1.0, 2.0, 3.0, 10.0]);
        assert_eq!(s.mean, 4.0);
        // Sample variance (9 + 4 + 1 + 36) / 3 = 50/3; half-width 1.96 √(50/3 / 4).
        assert!((s.ci95 - 1.96 * (50.0f64 / 12.0).sqrt()).abs() < 1e-12);
        assert_eq!(s.median, 2.5);
        assert_eq!(s.n, 4);
    }

    #[test]
    fn the_median_ignores_a_few_diverged_values_that_the_mean_cannot() {
        let s = MeanCi::of(&[1.0, f64::INFINITY, 2.0, 5.0, 1e30]);
        assert_eq!(s.median, 5.0);
        assert!(s.mean.is_infinite());
        let s = MeanCi::of(&[3.0, f64::NAN, 1.0]);
        assert_eq!(s.median, 3.0);
        assert!(s.mean.is_nan());
        let s = MeanCi::of(&[-f64::NAN, 4.0]);
        assert!(s.median.is_nan());
        assert!(MeanCi::of(&[]).median.is_nan());
    }
}
