//! Restoring a run to a usable state: the newest checkpoint that loads and holds only finite
//! parameters (unusable ones set aside), and the datasets' class split checked against the
//! run's.

use super::error::RunError;
use super::run_dir::RunDir;
use super::tasks::TaskDistribution;
use crate::learners::{LearnerError, MetaLearner};

/// Stops a run whose parameters are not all finite (the loss may not show it yet).
pub(super) fn check_finite(learner: &dyn MetaLearner, step: usize) -> Result<(), LearnerError> {
    let count = learner
        .parameter_values()
        .iter()
        .filter(|v| !v.is_finite())
        .count();
    if count == 0 {
        Ok(())
    } else {
        Err(LearnerError::NonFiniteParameters { step, count })
    }
}

/// Refuses a run whose datasets no longer give the class split it was trained with.
pub(super) fn check_split(dir: &RunDir, tasks: &TaskDistribution) -> Result<(), RunError> {
    let now = tasks.splits();
    match dir.read_split()? {
        Some(stored) if stored == now => Ok(()),
        None if now.is_empty() => Ok(()),
        None => Err(RunError::dir(
            &dir.split_path(),
            "is missing: the run cannot check that its datasets still give the class split it \
             was trained with; restore the file from a backup",
        )),
        Some(stored) => {
            let names = |v: &[(String, crate::tasks::ClassSplit)]| {
                v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
            };
            let changed: Vec<String> = if names(&stored) == names(&now) {
                stored
                    .iter()
                    .zip(&now)
                    .filter(|(a, b)| a.1 != b.1)
                    .map(|(a, _)| a.0.clone())
                    .collect()
            } else {
                vec![format!(
                    "the datasets were {:?}, now {:?}",
                    names(&stored),
                    names(&now)
                )]
            };
            Err(RunError::dir(
                &dir.split_path(),
                format!(
                    "the datasets no longer give the class split the run was trained with \
                     ({}); a dataset was changed, or its path now points at other data",
                    changed.join(", ")
                ),
            ))
        }
    }
}

/// Loads the newest usable checkpoint into `learner`: one that reads back intact, holds the
/// step its name says, restores into the learner and holds only finite parameters. A writer
/// renames each unusable newer one to `*.ckpt.damaged`. Returns the step and a warning per
/// checkpoint passed over; no usable checkpoint at all is an error naming what was found.
pub(super) fn restore_newest(
    learner: &mut dyn MetaLearner,
    dir: &RunDir,
    writer: bool,
) -> Result<(usize, Vec<String>), RunError> {
    let checkpoints = dir.checkpoints();
    let mut warnings = Vec::new();
    let mut unusable = Vec::new();
    for step in checkpoints.steps()?.into_iter().rev() {
        let restored = checkpoints.read(step).and_then(|payload| {
            let path = checkpoints.path(step);
            learner
                .load_state_bytes(&payload)
                .map_err(|e| RunError::dir(&path, format!("cannot restore the learner: {e}")))?;
            if learner.steps_done() != step {
                return Err(RunError::dir(
                    &path,
                    format!(
                        "restores step {}, its name says {step}",
                        learner.steps_done()
                    ),
                ));
            }
            check_finite(learner, step).map_err(|e| RunError::dir(&path, e.to_string()))
        });
        match restored {
            Ok(()) => return Ok((step, warnings)),
            Err(e) => {
                let kept = if writer {
                    match checkpoints.set_aside(step) {
                        Ok(to) => format!("kept as {}", to.display()),
                        Err(err) => format!("could not be renamed: {err}"),
                    }
                } else {
                    "left in place".into()
                };
                warnings.push(format!("{e}; {kept}; using an earlier checkpoint"));
                unusable.push(format!("{e} ({kept})"));
            }
        }
    }
    let found = if unusable.is_empty() {
        format!("{} holds no checkpoint files", checkpoints.dir().display())
    } else {
        format!("every checkpoint is unusable: {}", unusable.join("; "))
    };
    Err(RunError::dir(
        dir.root(),
        format!(
            "has no usable checkpoint ({found}). Nothing was changed. To start the run again \
             from step 0, pass `--force` with its config: `metanas train --config \
             {} --run {} --force` (this replaces the run's history)",
            dir.config_path().display(),
            dir.root().display()
        ),
    ))
}
