//! Meta-validation: at every checkpoint the learner adapts to the same
//! `training.validation_tasks` tasks of the validation classes, the result goes to
//! `validation.jsonl`, and the checkpoint with the best result is kept past pruning, for
//! `adapt` and `eval` to use by default ([`CheckpointChoice`]).

use serde::{Deserialize, Serialize};

use super::error::RunError;
use super::session::Session;
use super::tasks::{stream_rng, Stream};
use crate::learners::{evaluate_with, EvalReport};
use crate::tasks::Split;

/// The meta-validation result of one checkpoint (`validation.jsonl`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidationRecord {
    /// Meta-step of the checkpoint.
    pub step: usize,
    /// `accuracy` (higher is better) or `mse` (lower is better).
    pub metric: String,
    /// Mean of the query metric after `adapt_steps` adaptation steps (null when not finite).
    pub mean: Option<f64>,
    /// Its 95% half-width.
    pub ci95: Option<f64>,
    /// The median over the tasks.
    pub median: Option<f64>,
    /// The mean before adaptation.
    pub before: Option<f64>,
    /// Validation tasks.
    pub tasks: usize,
    /// Adaptation steps.
    pub adapt_steps: usize,
}

impl ValidationRecord {
    fn from_report(step: usize, adapt_steps: usize, report: &EvalReport) -> Self {
        let finite = |v: f64| v.is_finite().then_some(v);
        let last = report.last();
        Self {
            step,
            metric: report.metric.clone(),
            mean: last.and_then(|m| finite(m.mean)),
            ci95: last.and_then(|m| finite(m.ci95)),
            median: last.and_then(|m| finite(m.median)),
            before: report.per_step.first().and_then(|m| finite(m.mean)),
            tasks: report.tasks,
            adapt_steps,
        }
    }

    /// Whether this record is better than `other`: a higher accuracy or a lower MSE; records
    /// without a finite mean are never better.
    fn beats(&self, other: &Self) -> bool {
        match (self.mean, other.mean) {
            (Some(a), Some(b)) if self.metric == "mse" => a < b,
            (Some(a), Some(b)) => a > b,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// The best of `records`: the highest mean accuracy or the lowest mean MSE; among equal
/// means the latest step. `None` when no record has a finite mean.
pub fn best_validation(records: &[ValidationRecord]) -> Option<&ValidationRecord> {
    let mut best: Option<&ValidationRecord> = None;
    for r in records.iter().filter(|r| r.mean.is_some()) {
        if best.is_none_or(|b| !b.beats(r)) {
            best = Some(r);
        }
    }
    best
}

/// Which checkpoint `adapt`, `eval` and `export` load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckpointChoice {
    /// The one with the best meta-validation result (the last one when the run has none).
    #[default]
    Best,
    /// The newest one.
    Last,
}

impl CheckpointChoice {
    /// `best` or `last`.
    pub fn name(self) -> &'static str {
        match self {
            CheckpointChoice::Best => "best",
            CheckpointChoice::Last => "last",
        }
    }
}

impl std::str::FromStr for CheckpointChoice {
    type Err = crate::value_error::UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "best" => Ok(CheckpointChoice::Best),
            "last" => Ok(CheckpointChoice::Last),
            other => Err(crate::value_error::UnknownName {
                what: "checkpoint",
                given: other.into(),
                expected: "`best` (the best meta-validation result) or `last`".into(),
            }),
        }
    }
}

/// The checkpoint a session was set to by [`Session::use_checkpoint`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckpointUsed {
    /// What was asked for.
    pub choice: CheckpointChoice,
    /// The meta-step of the checkpoint loaded.
    pub step: usize,
    /// The newest checkpoint's meta-step.
    pub last_step: usize,
    /// The validation result of the loaded checkpoint, when it has one.
    pub validation: Option<ValidationRecord>,
    /// Why the best checkpoint was asked for and the last one is used, if so.
    pub note: Option<String>,
}

impl Session {
    /// Adapts to the run's validation tasks (the same ones at every step) when the config
    /// asks for them and the tasks have validation classes; `None` otherwise.
    pub(super) fn validate(&self, step: usize) -> Result<Option<ValidationRecord>, RunError> {
        if self.validation_off().is_some() {
            return Ok(None);
        }
        let t = &self.config.training;
        let seed = self.config.seed;
        let report = evaluate_with(
            |task, s| self.learner.adapt(task, t.adapt_steps, s),
            t.validation_tasks,
            seed,
            self.config.learner.threads(),
            |i| {
                self.tasks
                    .sample(
                        Split::Val,
                        &mut stream_rng(seed, Stream::Validation, i as u64),
                    )
                    .map_err(|e| crate::learners::LearnerError::Task(e.to_string()))
            },
        )?;
        Ok(Some(ValidationRecord::from_report(
            step,
            t.adapt_steps,
            &report,
        )))
    }

    /// The validation records of the run (a torn last line is skipped).
    pub fn validation_records(&self) -> Result<Vec<ValidationRecord>, RunError> {
        Ok(self.dir.validation().read::<ValidationRecord>()?.records)
    }

    /// Why validation is off for this run, if it is.
    pub fn validation_off(&self) -> Option<String> {
        if self.config.training.validation_tasks == 0 {
            Some("training.validation_tasks = 0".into())
        } else if let Err(e) = self.tasks.check(Split::Val) {
            Some(format!("its tasks have no validation split ({e})"))
        } else {
            None
        }
    }

    /// Loads the checkpoint `choice` names into the learner of a session opened to read.
    /// Asking for the best one of a run without validation records, or whose best checkpoint
    /// file is gone or unusable, loads the last one and says why in the note.
    pub fn use_checkpoint(&mut self, choice: CheckpointChoice) -> Result<CheckpointUsed, RunError> {
        if self.is_writer() {
            return Err(RunError::dir(
                self.dir.root(),
                "is open to train; an older checkpoint is only loaded by a session that reads",
            ));
        }
        let last_step = self.steps_done();
        let records = self.validation_records()?;
        let at = |step: usize| records.iter().find(|r| r.step == step).cloned();
        let mut used = CheckpointUsed {
            choice,
            step: last_step,
            last_step,
            validation: at(last_step),
            note: None,
        };
        if choice == CheckpointChoice::Last {
            return Ok(used);
        }
        let Some(best) = best_validation(&records).cloned() else {
            used.note = Some(match self.validation_off() {
                Some(why) => format!("the run has no validation results ({why}): using the last checkpoint"),
                None => "the run has no validation results yet (trained before validation existed?): using the last checkpoint".into(),
            });
            return Ok(used);
        };
        if best.step == last_step {
            return Ok(used);
        }
        let checkpoints = self.dir.checkpoints();
        let loaded = checkpoints.read(best.step).and_then(|payload| {
            self.learner
                .load_state_bytes(&payload)
                .map_err(|e| RunError::dir(&checkpoints.path(best.step), e.to_string()))
        });
        match loaded {
            Ok(()) if self.learner.steps_done() == best.step => {
                used.step = best.step;
                used.validation = Some(best);
            }
            outcome => {
                // Back to the last checkpoint, which opened this session.
                let payload = checkpoints.read(last_step)?;
                self.learner
                    .load_state_bytes(&payload)
                    .map_err(|e| RunError::dir(&checkpoints.path(last_step), e.to_string()))?;
                let why = match outcome {
                    Err(e) => e.to_string(),
                    Ok(()) => "it restores another step".into(),
                };
                used.note = Some(format!(
                    "the best-validation checkpoint (step {}) cannot be used: {why}; using the last checkpoint",
                    best.step
                ));
            }
        }
        Ok(used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(step: usize, metric: &str, mean: Option<f64>) -> ValidationRecord {
        ValidationRecord {
            step,
            metric: metric.into(),
            mean,
            ci95: None,
            median: None,
            before: None,
            tasks: 4,
            adapt_steps: 1,
        }
    }

    #[test]
    fn best_accuracy_is_the_highest_and_ties_go_to_the_later_step() {
        let r = [
            rec(0, "accuracy", Some(0.2)),
            rec(10, "accuracy", Some(0.6)),
            rec(20, "accuracy", None),
            rec(30, "accuracy", Some(0.6)),
            rec(40, "accuracy", Some(0.5)),
        ];
        assert_eq!(best_validation(&r).map(|r| r.step), Some(30));
    }

    #[test]
    fn best_mse_is_the_lowest_and_non_finite_means_never_win() {
        let r = [
            rec(0, "mse", None),
            rec(5, "mse", Some(3.0)),
            rec(10, "mse", Some(1.5)),
            rec(15, "mse", Some(2.0)),
        ];
        assert_eq!(best_validation(&r).map(|r| r.step), Some(10));
        assert_eq!(best_validation(&[rec(0, "mse", None)]), None);
        assert_eq!(best_validation(&[]), None);
    }
}
