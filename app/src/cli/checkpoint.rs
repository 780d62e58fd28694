//! `--checkpoint best|last` of `adapt` and `eval`: which of a run's checkpoints they load.

use clap::Args;
use serde_json::{json, Value};

use super::{warn_all, CliError, RunArg};
use metanas_core::run::{BackendKind, CheckpointChoice, CheckpointUsed, Session};

/// The checkpoint option.
#[derive(Args, Debug)]
pub struct CheckpointArg {
    /// Which checkpoint to adapt: `best` (the best meta-validation result, see
    /// `training.validation_tasks`; the last one when the run has no validation results) or
    /// `last`.
    #[arg(long, value_name = "WHICH", default_value = "best")]
    pub checkpoint: CheckpointChoice,
}

/// Opens `run` to read at the checkpoint `which` asks for, printing the session's warnings
/// and, when the best checkpoint was asked for and cannot be used, why.
pub fn open_at(
    run: &RunArg,
    which: &CheckpointArg,
    backend: BackendKind,
) -> Result<(Session, CheckpointUsed), CliError> {
    let mut session = Session::open(&run.run, backend, true, None)?;
    warn_all(&session.warnings);
    let used = session.use_checkpoint(which.checkpoint)?;
    warn_all(used.note.as_slice());
    Ok((session, used))
}

/// One line saying which checkpoint was used.
pub fn describe(used: &CheckpointUsed) -> String {
    let validation = used
        .validation
        .as_ref()
        .and_then(|v| Some((v, v.mean?)))
        .map(|(v, mean)| {
            format!(
                ", validation {} {mean:.3} ± {:.3} on {} tasks",
                v.metric,
                v.ci95.unwrap_or(0.0),
                v.tasks
            )
        })
        .unwrap_or_default();
    let which = match (used.choice, used.step == used.last_step) {
        (CheckpointChoice::Best, true) if used.note.is_none() => "best, also the last",
        (CheckpointChoice::Best, false) => "best",
        _ => "last",
    };
    format!(
        "checkpoint: meta-step {} of {} ({which}{validation})",
        used.step, used.last_step
    )
}

/// The JSON of [`CheckpointUsed`].
pub fn to_json(used: &CheckpointUsed) -> Value {
    json!({
        "choice": used.choice,
        "step": used.step,
        "last_step": used.last_step,
        "validation": used.validation,
        "note": used.note,
    })
}
