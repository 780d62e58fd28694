//! What can go wrong with a run: every variant names the file (or the config field) and what
//! is wrong, and says whether it is the user's input or an internal failure.

use std::path::{Path, PathBuf};

use crate::data::DataError;
use crate::learners::LearnerError;
use crate::space::SpaceError;

/// A run that could not be created, opened, resumed or written.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A config file is unreadable, not valid TOML, or has a bad field.
    #[error("{path}: {message}")]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong (names the field).
        message: String,
    },
    /// The search space of a config is invalid.
    #[error("{path}: {source}")]
    Space {
        /// The config (or space) file.
        path: PathBuf,
        /// The space's own error (names the field).
        source: SpaceError,
    },
    /// A dataset of the task distribution could not be loaded or used.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A file of the run directory could not be read or written (disk full, read-only,
    /// missing).
    #[error("{path}: {message}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system's message.
        message: String,
    },
    /// A run directory that this version cannot use (missing files, newer format, damage).
    #[error("run {path}: {message}")]
    Dir {
        /// The run directory (or file in it).
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// Another process holds the run's writer's lock (it is training the run).
    #[error("run {path}: is being written by another metanas process ({holder}); wait for it to finish or stop it (Ctrl-C checkpoints and ends it), then try again")]
    Locked {
        /// The run directory.
        path: PathBuf,
        /// Who holds it: its process id and command line.
        holder: String,
    },
    /// The learner failed (diverged, or a task does not fit the network).
    #[error(transparent)]
    Learner(#[from] LearnerError),
}

impl RunError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, e: impl std::fmt::Display) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }

    /// A config error on `path`.
    pub fn config(path: &Path, message: impl Into<String>) -> Self {
        Self::Config {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// A run-directory error on `path`.
    pub fn dir(path: &Path, message: impl Into<String>) -> Self {
        Self::Dir {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// True when the user's input is at fault (config, data, run directory, a task that does
    /// not fit), false for failures inside metanas or the machine (I/O while writing, a
    /// diverged training).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Config { .. }
            | Self::Space { .. }
            | Self::Data(_)
            | Self::Dir { .. }
            | Self::Locked { .. } => true,
            Self::Learner(LearnerError::Task(_))
            | Self::Learner(LearnerError::Data(_))
            | Self::Learner(LearnerError::Config(_)) => true,
            Self::Learner(_) | Self::Io { .. } => false,
        }
    }
}
