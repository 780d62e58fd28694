//! Errors of commands: bad input (exit code 2), internal failure (exit code 1) or an
//! interruption (exit code 130, as a shell reports a process ended by Ctrl-C), each one line
//! naming the file and the problem.

use metanas_core::data::DataError;
use metanas_core::learners::LearnerError;
use metanas_core::run::RunError;

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// The user's input (arguments, config, data, run directory) is at fault.
    Input(String),
    /// Something failed inside metanas or the machine (I/O while writing, divergence).
    Internal(String),
    /// Ctrl-C or SIGTERM stopped the command before it finished.
    Interrupted(String),
}

/// The exit code of a command that was interrupted (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for CliError {}

impl CliError {
    /// The message, on one line.
    pub fn message(&self) -> String {
        let m = match self {
            Self::Input(m) | Self::Internal(m) | Self::Interrupted(m) => m,
        };
        m.lines().map(str::trim).collect::<Vec<_>>().join(" ")
    }

    /// 2 for bad input, 1 for internal failures, 130 for an interruption.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Input(_) => 2,
            Self::Internal(_) => 1,
            Self::Interrupted(_) => EXIT_INTERRUPTED,
        }
    }
}

impl From<RunError> for CliError {
    fn from(e: RunError) -> Self {
        if matches!(e, RunError::Learner(LearnerError::Interrupted)) {
            Self::Interrupted("interrupted (Ctrl-C); nothing was written".into())
        } else if e.is_bad_input() {
            Self::Input(e.to_string())
        } else {
            Self::Internal(e.to_string())
        }
    }
}

impl From<DataError> for CliError {
    fn from(e: DataError) -> Self {
        Self::Input(e.to_string())
    }
}
