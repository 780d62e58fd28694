//! The built-in datasets, compiled into the binary so that metanas opens and trains on real
//! data with no download: the UCI 8x8 handwritten digits (CC BY 4.0) and Omniglot's two small
//! background sets at 28x28 (MIT).

use std::path::{Path, PathBuf};

use super::error::DataError;
use super::idx::{dataset_from_pairs, gunzip_if_gzipped, parse_idx, IdxPair};
use super::store::{Dataset, DatasetFormat, LoadOptions};

/// How a config names the bundled UCI digits.
pub const BUNDLED_DIGITS: &str = "bundled:uci-digits";
/// How a config names the bundled Omniglot drawings.
pub const BUNDLED_OMNIGLOT: &str = "bundled:omniglot-28";
/// Every built-in dataset's name.
pub const BUNDLED_DATASETS: &[&str] = &[BUNDLED_DIGITS, BUNDLED_OMNIGLOT];

const DIGIT_IMAGES: &[u8] =
    include_bytes!("../../../assets/data/uci-digits/digits-images-idx3-ubyte.gz");
const DIGIT_LABELS: &[u8] =
    include_bytes!("../../../assets/data/uci-digits/digits-labels-idx1-ubyte.gz");
const OMNIGLOT_IMAGES: &[u8] =
    include_bytes!("../../../assets/data/omniglot28/omniglot28-images-idx3-ubyte.gz");
const OMNIGLOT_LABELS: &[u8] =
    include_bytes!("../../../assets/data/omniglot28/omniglot28-labels-idx1-ubyte.gz");
const OMNIGLOT_CLASSES: &str = include_str!("../../../assets/data/omniglot28/classes.txt");

/// Where the bundled digits come from, for the UI and the README.
pub const DIGITS_CREDIT: &str =
    "UCI Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998), CC BY 4.0";
/// Where the bundled Omniglot drawings come from.
pub const OMNIGLOT_CREDIT: &str =
    "Omniglot (Lake, Salakhutdinov & Tenenbaum 2015), small background sets at 28x28, MIT";

/// Where the built-in dataset `name` comes from (empty for an unknown name).
pub fn bundled_credit(name: &str) -> &'static str {
    match name {
        BUNDLED_DIGITS => DIGITS_CREDIT,
        BUNDLED_OMNIGLOT => OMNIGLOT_CREDIT,
        _ => "",
    }
}

/// Whether `path` names a built-in dataset (`bundled:...`), known or not: such names are
/// never files, so they are not resolved against a folder.
pub fn is_bundled(path: &str) -> bool {
    path.starts_with("bundled:")
}

/// The built-in dataset called `name` (one of [`BUNDLED_DATASETS`]).
pub fn bundled_dataset(name: &str, opts: &mut LoadOptions<'_>) -> Result<Dataset, DataError> {
    match name {
        BUNDLED_DIGITS => uci_digits(opts),
        BUNDLED_OMNIGLOT => omniglot28(opts),
        _ => Err(DataError::Unrecognised {
            path: PathBuf::from(name),
            message: format!(
                "no built-in dataset of that name (built in: {})",
                BUNDLED_DATASETS.join(", ")
            ),
        }),
    }
}

/// The bundled UCI digits: 1797 grey 8x8 images, 10 classes (converted to `opts.image` if
/// set).
pub fn uci_digits(opts: &mut LoadOptions<'_>) -> Result<Dataset, DataError> {
    from_idx(
        (DIGIT_IMAGES, "digits-images-idx3-ubyte.gz"),
        (DIGIT_LABELS, "digits-labels-idx1-ubyte.gz"),
        "uci-digits",
        DatasetFormat::BundledDigits,
        opts,
    )
}

/// The bundled Omniglot drawings: 4840 grey 28x28 images of 242 characters (20 drawings
/// each) from the two small background sets, classes named `<alphabet>/<character>`, black
/// strokes on white as in the original PNGs (converted to `opts.image` if set).
pub fn omniglot28(opts: &mut LoadOptions<'_>) -> Result<Dataset, DataError> {
    let mut d = from_idx(
        (OMNIGLOT_IMAGES, "omniglot28-images-idx3-ubyte.gz"),
        (OMNIGLOT_LABELS, "omniglot28-labels-idx1-ubyte.gz"),
        "omniglot-28",
        DatasetFormat::BundledOmniglot,
        opts,
    )?;
    let names: Vec<String> = OMNIGLOT_CLASSES.lines().map(str::to_string).collect();
    if names.len() != d.num_classes() {
        return Err(DataError::format(
            Path::new("<bundled>/classes.txt"),
            format!(
                "{} class names for {} classes",
                names.len(),
                d.num_classes()
            ),
        ));
    }
    d.class_names = names;
    Ok(d)
}

fn from_idx(
    (images, images_name): (&[u8], &str),
    (labels, labels_name): (&[u8], &str),
    name: &str,
    format: DatasetFormat,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let images_path = PathBuf::from(format!("<bundled>/{images_name}"));
    let labels_path = PathBuf::from(format!("<bundled>/{labels_name}"));
    let cap = (opts.max_dataset_mb * 1e6) as u64;
    let pair = IdxPair {
        image_array: parse_idx(
            &gunzip_if_gzipped(images.to_vec(), &images_path, cap)?,
            &images_path,
        )?,
        label_array: parse_idx(
            &gunzip_if_gzipped(labels.to_vec(), &labels_path, cap)?,
            &labels_path,
        )?,
        images: images_path,
        labels: labels_path,
    };
    dataset_from_pairs(vec![pair], name.into(), format, opts)
}
