//! What can go wrong when reading a dataset. Every variant names the file.

use std::path::{Path, PathBuf};

/// A dataset that could not be read, or not used as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// The file or folder could not be read at all.
    #[error("{path}: cannot read: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's message.
        message: String,
    },
    /// The bytes are not what the format says they must be (magic number, data type, ...).
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file is shorter than its header (or record size) says.
    #[error(
        "{path}: truncated: {what} needs {expected_bytes} bytes but the file holds {actual_bytes}"
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What the bytes were for.
        what: String,
        /// Bytes the header promises.
        expected_bytes: u64,
        /// Bytes present.
        actual_bytes: u64,
    },
    /// A label is outside the classes of the format.
    #[error("{path}: label {label} of item {index} is out of range (0..{limit})")]
    LabelOutOfRange {
        /// The file.
        path: PathBuf,
        /// Item number.
        index: usize,
        /// The label found.
        label: u64,
        /// Number of classes allowed.
        limit: u64,
    },
    /// Image and label files disagree on the number of items.
    #[error("{images} holds {image_count} images but {labels} holds {label_count} labels")]
    CountMismatch {
        /// Image file.
        images: PathBuf,
        /// Label file.
        labels: PathBuf,
        /// Images.
        image_count: usize,
        /// Labels.
        label_count: usize,
    },
    /// Nothing to load.
    #[error("{path}: {message}")]
    Empty {
        /// The file or folder.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// The dataset would need more memory than the configured cap.
    #[error("{path}: the dataset needs {needed_mb:.1} MB in memory, more than the cap of {cap_mb:.1} MB; raise `max_dataset_mb` in the dataset's `[[tasks.datasets]]` entry of the run config, or choose a smaller image size")]
    TooLarge {
        /// The file or folder.
        path: PathBuf,
        /// Megabytes needed.
        needed_mb: f64,
        /// The cap in megabytes.
        cap_mb: f64,
    },
    /// An image could not be decoded (strict mode; otherwise it is skipped and counted).
    #[error("{path}: unreadable image: {message}")]
    BadImage {
        /// The image file.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// A CSV line is malformed.
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The path is no dataset format metanas knows.
    #[error("{path}: not a dataset metanas can read ({message})")]
    Unrecognised {
        /// The path.
        path: PathBuf,
        /// What was looked for.
        message: String,
    },
    /// The dataset cannot give the tasks asked for.
    #[error("{dataset}: {message}")]
    Unsuitable {
        /// The dataset's name.
        dataset: String,
        /// What is missing (e.g. a class with too few images).
        message: String,
    },
}

impl DataError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, e: impl std::fmt::Display) -> Self {
        DataError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }

    /// A format error on `path`.
    pub fn format(path: &Path, message: impl Into<String>) -> Self {
        DataError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
