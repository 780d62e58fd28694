//! What a workbench command could not do, as the status area shows it: each variant names the
//! run, file or folder at fault and what the user can do.

use std::path::PathBuf;

use metanas_core::data::DataError;
use metanas_core::learners::LearnerError;
use metanas_core::run::RunError;

/// A failed workbench command (or preset, or dataset preview).
#[derive(Debug, thiserror::Error)]
pub enum WorkbenchError {
    /// A command that needs an open run came with none.
    #[error("no run is open: start a new run or open one first")]
    NoRun,
    /// Creating, opening or reading the run failed; `fix` says what to do.
    #[error("{error}; {fix}")]
    Run {
        /// What failed.
        error: RunError,
        /// What the user can do about it.
        fix: &'static str,
    },
    /// Training stopped on an error; the run keeps its last checkpoint.
    #[error("{error}. Training stopped; the run keeps its last checkpoint ({}). Lower the learning rates in the learner settings and resume, or open the run again.", dir.display())]
    Training {
        /// What stopped it.
        error: RunError,
        /// The run directory.
        dir: PathBuf,
    },
    /// Adapting or evaluating failed.
    #[error(transparent)]
    Learner(#[from] LearnerError),
    /// A dataset could not be read.
    #[error("{0}; choose another file or folder")]
    Data(#[from] DataError),
    /// An evaluation on no tasks.
    #[error("no task was evaluated: ask for at least one")]
    NothingEvaluated,
    /// A regression run was asked to adapt to a dataset.
    #[error("this run meta-trained on regression tasks: it adapts only to its own task families")]
    RegressionRun,
    /// An export folder or file could not be written.
    #[error("{}: {message}; choose another folder", path.display())]
    Export {
        /// The folder or file.
        path: PathBuf,
        /// The system's message.
        message: String,
    },
    /// The PNG figures could not be rendered (the other files were written).
    #[error("the PNG figures were not written: {0}")]
    Figures(String),
    /// A built-in preset does not parse (a bug in metanas).
    #[error("preset {file}: {message}")]
    Preset {
        /// The preset's asset file.
        file: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl WorkbenchError {
    /// `error` with what the user can do about it.
    pub fn run(error: RunError, fix: &'static str) -> Self {
        Self::Run { error, fix }
    }
}
