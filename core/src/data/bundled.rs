//! The built-in default dataset: the UCI 8x8 handwritten digits (CC BY 4.0), compiled into
//! the binary so that metanas opens and trains on real data with no download.

use std::path::PathBuf;

use super::error::DataError;
use super::idx::{dataset_from_pairs, gunzip_if_gzipped, parse_idx, IdxPair};
use super::store::{Dataset, DatasetFormat, LoadOptions};

const IMAGES: &[u8] = include_bytes!("../../../assets/data/uci-digits/digits-images-idx3-ubyte.gz");
const LABELS: &[u8] = include_bytes!("../../../assets/data/uci-digits/digits-labels-idx1-ubyte.gz");

/// Where the bundled digits come from, for the UI and the README.
pub const DIGITS_CREDIT: &str =
    "UCI Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998), CC BY 4.0";

/// The bundled UCI digits: 1797 grey 8x8 images, 10 classes (converted to `opts.image` if
/// set).
pub fn uci_digits(opts: &mut LoadOptions<'_>) -> Result<Dataset, DataError> {
    let images = PathBuf::from("<bundled>/digits-images-idx3-ubyte.gz");
    let labels = PathBuf::from("<bundled>/digits-labels-idx1-ubyte.gz");
    let cap = (opts.max_dataset_mb * 1e6) as u64;
    let pair = IdxPair {
        image_array: parse_idx(&gunzip_if_gzipped(IMAGES.to_vec(), &images, cap)?, &images)?,
        label_array: parse_idx(&gunzip_if_gzipped(LABELS.to_vec(), &labels, cap)?, &labels)?,
        images,
        labels,
    };
    dataset_from_pairs(
        vec![pair],
        "uci-digits".into(),
        DatasetFormat::BundledDigits,
        opts,
    )
}
