//! What an adapted meta-network is reported beside, on exactly the same tasks: classifiers
//! and regressors that need no meta-learning (nearest class mean and softmax regression, or
//! the support's mean value and a least-squares line, on the raw inputs), the same network
//! trained from a fresh initialisation for the same steps, and nearest class mean on the
//! meta-network's own penultimate features.

mod examples;
mod least_squares;
mod pixels;

use std::sync::Arc;

use serde::Serialize;

pub use examples::Examples;
pub use least_squares::{least_squares, support_mean, Values, RIDGE};
pub use pixels::{nearest_class_mean, softmax_regression, LINEAR_STEPS};

use crate::data::Dataset;
use crate::learners::{source_entry, LearnerError, MeanCi, MetaLearner};
use crate::run::metric_value;
use crate::tasks::{Episode, Targets};

/// One baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// Nearest class mean on the raw pixels (or features of a vector dataset).
    NearestMeanPixels,
    /// Softmax regression on the raw pixels, trained on the support set.
    LinearPixels,
    /// Regression: the mean of the support's targets, predicted everywhere.
    SupportMean,
    /// Regression: the least-squares linear fit (with an intercept) to the support's raw
    /// inputs.
    LeastSquaresInputs,
    /// The run's learner from a fresh initialisation (no meta-training), adapted for the
    /// same steps: what the network gets without meta-learning.
    FromScratch,
    /// Nearest class mean on the meta-network's penultimate features (no gradient steps).
    NearestMeanFeatures,
}

impl Baseline {
    /// Every baseline, in report order.
    pub const ALL: [Baseline; 6] = [
        Baseline::NearestMeanPixels,
        Baseline::LinearPixels,
        Baseline::SupportMean,
        Baseline::LeastSquaresInputs,
        Baseline::FromScratch,
        Baseline::NearestMeanFeatures,
    ];

    /// The baselines of a classification task, in report order (accuracy).
    pub const CLASSIFICATION: [Baseline; 4] = [
        Baseline::NearestMeanPixels,
        Baseline::LinearPixels,
        Baseline::FromScratch,
        Baseline::NearestMeanFeatures,
    ];

    /// The baselines of a regression task, in report order (MSE).
    pub const REGRESSION: [Baseline; 3] = [
        Baseline::SupportMean,
        Baseline::LeastSquaresInputs,
        Baseline::FromScratch,
    ];

    /// Its key in JSON reports.
    pub fn key(self) -> &'static str {
        match self {
            Baseline::NearestMeanPixels => "nearest_class_mean_pixels",
            Baseline::LinearPixels => "linear_pixels",
            Baseline::SupportMean => "support_mean",
            Baseline::LeastSquaresInputs => "least_squares_inputs",
            Baseline::FromScratch => "from_scratch",
            Baseline::NearestMeanFeatures => "nearest_class_mean_features",
        }
    }

    /// Its name in tables and views, the raw-pixel ones with what they saw (`pixels`, e.g.
    /// `105x105 grey`; left out when empty).
    pub fn label_seeing(self, pixels: &str) -> String {
        match self {
            Baseline::NearestMeanPixels | Baseline::LinearPixels | Baseline::LeastSquaresInputs
                if !pixels.is_empty() =>
            {
                format!("{} ({pixels})", self.label())
            }
            _ => self.label().to_string(),
        }
    }

    /// Its name in tables and views.
    pub fn label(self) -> &'static str {
        match self {
            Baseline::NearestMeanPixels => "nearest class mean, raw pixels",
            Baseline::LinearPixels => "linear classifier, raw pixels",
            Baseline::SupportMean => "mean of the support values",
            Baseline::LeastSquaresInputs => "least-squares line, raw inputs",
            Baseline::FromScratch => "same network from scratch",
            Baseline::NearestMeanFeatures => "nearest class mean, meta-features",
        }
    }
}

/// Where the raw-pixel baselines read a task's examples: the task's own inputs (at the
/// network's input size), or the same samples of its dataset loaded at its own resolution.
#[derive(Clone, Debug, Default)]
pub struct Pixels {
    /// Datasets at their own size by source index ([`Episode::source`]; names can repeat:
    /// two datasets feeding one input share its name), each with the same samples in the same
    /// order as its source's; tasks of a source not listed keep their own inputs.
    pub native: Vec<(usize, Arc<Dataset>)>,
}

impl Pixels {
    fn native_of(&self, task: &Episode) -> Option<&Dataset> {
        self.native
            .iter()
            .find(|(source, _)| *source == task.source)
            .map(|(_, d)| &**d)
    }

    /// A task's support and query inputs as the raw-pixel baselines see them.
    fn of(&self, task: &Episode) -> (Vec<f32>, Vec<f32>) {
        match self.native_of(task) {
            Some(d) => (
                d.gather(&task.support.sample_ids),
                d.gather(&task.query.sample_ids),
            ),
            None => (task.support.inputs.clone(), task.query.inputs.clone()),
        }
    }

    /// The input size the raw-pixel baselines see for `task`, e.g. `28x28 grey`.
    pub fn describe(&self, task: &Episode) -> String {
        let shape = self
            .native_of(task)
            .map(|d| d.input_shape())
            .unwrap_or_else(|| task.input_shape.clone());
        match shape.as_slice() {
            [1, h, w] => format!("{h}x{w} grey"),
            [c, h, w] => format!("{h}x{w}x{c}"),
            [1] => "1 feature".to_string(),
            [f] => format!("{f} features"),
            other => format!("{other:?}"),
        }
    }
}

/// The learners a task's baselines need: the run's meta-network and a fresh one of the same
/// configuration.
pub struct Learners<'a> {
    /// The meta-trained learner (its penultimate features).
    pub meta: &'a dyn MetaLearner,
    /// The same learner before any meta-training.
    pub fresh: &'a dyn MetaLearner,
}

/// Every baseline that applies to `task`, each with its query metric: accuracy for
/// classification tasks; MSE for regression tasks, where the support mean, the least-squares
/// line and the network from scratch apply. `steps` and `seed` are the adaptation's, so the
/// network from scratch takes the same steps with the same noise.
pub fn task_baselines(
    task: &Episode,
    learners: &Learners<'_>,
    pixels: &Pixels,
    steps: usize,
    seed: u64,
) -> Result<Vec<(Baseline, f64)>, LearnerError> {
    let mut out = Vec::with_capacity(Baseline::ALL.len());
    let (sx, qx) = pixels.of(task);
    match (&task.support.targets, &task.query.targets) {
        (Targets::Classes(support), Targets::Classes(query)) => {
            let ways = task.classes.len().max(1);
            let (s, q) = (Examples::new(&sx, support), Examples::new(&qx, query));
            out.push((Baseline::NearestMeanPixels, nearest_class_mean(s, q, ways)));
            out.push((Baseline::LinearPixels, softmax_regression(s, q, ways)));
        }
        (Targets::Values(support), Targets::Values(query)) => {
            let (s, q) = (Examples::new(&sx, support), Examples::new(&qx, query));
            out.push((Baseline::SupportMean, support_mean(s, q)));
            out.push((Baseline::LeastSquaresInputs, least_squares(s, q)));
        }
        _ => {}
    }
    let scratch = learners.fresh.adapt(task, steps, seed)?;
    if let Some(m) = scratch.per_step.last().and_then(metric_value) {
        out.push((Baseline::FromScratch, m));
    }
    if let (Targets::Classes(support), Targets::Classes(query)) =
        (&task.support.targets, &task.query.targets)
    {
        if let Some(f) = learners.meta.features(task, seed)? {
            let ways = task.classes.len().max(1);
            let acc = nearest_class_mean(
                Examples::new(&f.support, support),
                Examples::new(&f.query, query),
                ways,
            );
            out.push((Baseline::NearestMeanFeatures, acc));
        }
    }
    Ok(out)
}

/// Whether a baseline's `value` of `metric` beats the adapted network's: higher accuracy, or
/// lower MSE (`metric` is `mse` in any case).
pub fn beats(metric: &str, value: f64, adapted: f64) -> bool {
    if metric.eq_ignore_ascii_case("mse") {
        value < adapted
    } else {
        value > adapted
    }
}

/// Baseline scores over many tasks, in report order, overall and per source.
#[derive(Clone, Debug, Default)]
pub struct BaselineScores {
    all: ScoreTable,
    /// The same per source (regression family or dataset, [`Episode::source_name`]), in order
    /// of first appearance.
    sources: Vec<(String, ScoreTable)>,
    /// What the raw-pixel baselines saw, as [`Pixels::describe`] says it for the first task.
    pub pixels: Option<String>,
}

/// One score per task for each baseline.
#[derive(Clone, Debug, Default)]
struct ScoreTable(Vec<(Baseline, Vec<f64>)>);

impl ScoreTable {
    fn push(&mut self, task: &[(Baseline, f64)]) {
        for &(b, v) in task {
            match self.0.iter_mut().find(|(k, _)| *k == b) {
                Some((_, values)) => values.push(v),
                None => self.0.push((b, vec![v])),
            }
        }
    }

    fn summary(&self) -> Vec<(Baseline, MeanCi)> {
        Baseline::ALL
            .iter()
            .filter_map(|b| {
                self.0
                    .iter()
                    .find(|(k, _)| k == b)
                    .map(|(_, v)| (*b, MeanCi::of(v)))
            })
            .collect()
    }
}

impl BaselineScores {
    /// Adds the scores of `task`, whose raw inputs `pixels` gave.
    pub fn add(&mut self, task: &Episode, pixels: &Pixels, scores: Vec<(Baseline, f64)>) {
        self.pixels.get_or_insert_with(|| pixels.describe(task));
        source_entry(&mut self.sources, &task.source_name).push(&scores);
        self.all.push(&scores);
    }

    /// Adds one task's scores, of no particular source.
    pub fn push(&mut self, task: Vec<(Baseline, f64)>) {
        self.all.push(&task);
    }

    /// Each baseline's mean and 95% CI, in [`Baseline::ALL`] order.
    pub fn summary(&self) -> Vec<(Baseline, MeanCi)> {
        self.all.summary()
    }

    /// [`BaselineScores::summary`] per source, in order of first appearance; empty when all
    /// tasks came from one source (as [`crate::learners::EvalReport::by_source`]).
    pub fn by_source(&self) -> Vec<(String, Vec<(Baseline, MeanCi)>)> {
        if self.sources.len() < 2 {
            return Vec::new();
        }
        self.sources
            .iter()
            .map(|(name, table)| (name.clone(), table.summary()))
            .collect()
    }

    /// The baselines whose mean beats `adapted`, a value of `metric` ([`beats`]).
    pub fn beating(&self, adapted: f64, metric: &str) -> Vec<(Baseline, MeanCi)> {
        beating(&self.summary(), adapted, metric)
    }
}

/// The entries of `summary` whose mean beats `adapted`, a value of `metric` ([`beats`]).
pub fn beating(
    summary: &[(Baseline, MeanCi)],
    adapted: f64,
    metric: &str,
) -> Vec<(Baseline, MeanCi)> {
    summary
        .iter()
        .filter(|(_, m)| beats(metric, m.mean, adapted))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests;
