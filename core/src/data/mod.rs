//! Real datasets in: loaders for image folders (and Omniglot), IDX, CIFAR and CSV into one
//! in-memory labelled store, and the bundled UCI digits.

mod bundled;
mod cifar;
mod convert;
mod csv;
mod detect;
mod error;
mod folder;
mod idx;
mod one_shot_runs;
mod store;
pub(crate) mod tree;

pub use bundled::{
    bundled_credit, bundled_dataset, is_bundled, omniglot28, uci_digits, BUNDLED_DATASETS,
    BUNDLED_DIGITS, BUNDLED_OMNIGLOT, DIGITS_CREDIT, OMNIGLOT_CREDIT,
};
pub use cifar::{load_cifar, parse_cifar, CifarKind};
pub use convert::{convert_image, convert_planar};
pub use csv::{load_csv, parse_csv, CsvKind, CsvOptions};
pub use detect::load_path;
pub use error::DataError;
pub use folder::load_image_folders;
pub use idx::{
    dataset_from_pairs, gunzip_if_gzipped, load_idx, load_idx_pairs, parse_idx, read_maybe_gz,
    IdxArray, IdxPair,
};
pub use one_shot_runs::{read_one_shot_runs, OneShotRun, CLASS_LABELS};
pub use store::{
    Dataset, DatasetFormat, ImageSpec, LoadOptions, LoadProgress, Origin, Problem, Samples,
};

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod real_data_tests;
