//! Errors of commands: bad input (exit code 2) or internal failure (exit code 1), each one
//! line naming the file and the problem.

use metanas_core::data::DataError;
use metanas_core::run::RunError;

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// The user's input (arguments, config, data, run directory) is at fault.
    Input(String),
    /// Something failed inside metanas or the machine (I/O while writing, divergence).
    Internal(String),
}

impl CliError {
    /// The message, on one line.
    pub fn message(&self) -> String {
        let m = match self {
            Self::Input(m) | Self::Internal(m) => m,
        };
        m.lines().map(str::trim).collect::<Vec<_>>().join(" ")
    }

    /// 2 for bad input, 1 for internal failures.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Input(_) => 2,
            Self::Internal(_) => 1,
        }
    }
}

impl From<RunError> for CliError {
    fn from(e: RunError) -> Self {
        if e.is_bad_input() {
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
