//! MNIST-style IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST), gzipped or not.
//!
//! Layout: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then
//! each dimension as a big-endian u32, then the data. The header is checked against the file
//! length before anything is allocated from it.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::convert::convert_planar;
use super::error::DataError;
use super::store::{Dataset, DatasetFormat, ImageSpec, LoadOptions, Origin, Samples};

/// An IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The values.
    pub data: Vec<u8>,
}

/// Reads a file whole, un-gzipping it if it starts with the gzip magic; refuses to inflate past
/// `cap_bytes`.
pub fn read_maybe_gz(path: &Path, cap_bytes: u64) -> Result<Vec<u8>, DataError> {
    let raw = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    gunzip_if_gzipped(raw, path, cap_bytes)
}

/// Un-gzips `raw` if it starts with the gzip magic, refusing to inflate past `cap_bytes`.
pub fn gunzip_if_gzipped(raw: Vec<u8>, path: &Path, cap_bytes: u64) -> Result<Vec<u8>, DataError> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .take(cap_bytes + 1)
            .read_to_end(&mut out)
            .map_err(|e| DataError::format(path, format!("broken gzip stream: {e}")))?;
        if out.len() as u64 > cap_bytes {
            return Err(DataError::format(
                path,
                format!(
                    "decompresses to more than the cap of {:.1} MB; raise `max_dataset_mb` in the dataset's `[[tasks.datasets]]` entry of the run config",
                    cap_bytes as f64 / 1e6
                ),
            ));
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses IDX bytes read from `path` (named in errors).
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<IdxArray, DataError> {
    let truncated = |what: &str, expected: u64| DataError::Truncated {
        path: path.to_path_buf(),
        what: what.to_string(),
        expected_bytes: expected,
        actual_bytes: bytes.len() as u64,
    };
    if bytes.len() < 4 {
        return Err(truncated("the IDX magic number", 4));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(DataError::format(
            path,
            format!(
                "wrong magic number 0x{:02x}{:02x}{:02x}{:02x}: IDX files start with two zero bytes",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
        ));
    }
    if bytes[2] != 0x08 {
        return Err(DataError::format(
            path,
            format!(
                "IDX data type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
                bytes[2]
            ),
        ));
    }
    let ndims = bytes[3] as usize;
    if ndims == 0 || ndims > 4 {
        return Err(DataError::format(
            path,
            format!("IDX header claims {ndims} dimensions (expected 1 to 4)"),
        ));
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(truncated("the IDX header", header as u64));
    }
    let dims: Vec<usize> = (0..ndims)
        .map(|d| {
            let b = &bytes[4 + 4 * d..8 + 4 * d];
            u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
        })
        .collect();
    let count = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| DataError::format(path, format!("IDX dimensions {dims:?} overflow")))?;
    let expected = header as u64 + count;
    if (bytes.len() as u64) < expected {
        return Err(truncated(&format!("an array of {dims:?} bytes"), expected));
    }
    if (bytes.len() as u64) > expected {
        return Err(DataError::format(
            path,
            format!(
                "{} bytes follow the {dims:?} array its header declares",
                bytes.len() as u64 - expected
            ),
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Loads an images file (`[n, h, w]`) and its labels file (`[n]`).
pub fn load_idx(
    images: &Path,
    labels: &Path,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    load_idx_pairs(&[(images.to_path_buf(), labels.to_path_buf())], opts)
}

/// Loads and concatenates several (images, labels) pairs, e.g. the train and t10k files.
pub fn load_idx_pairs(
    pairs: &[(PathBuf, PathBuf)],
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let cap_bytes = (opts.max_dataset_mb * 1e6) as u64;
    let mut parsed = Vec::new();
    for (images, labels) in pairs {
        let img = parse_idx(&read_maybe_gz(images, cap_bytes)?, images)?;
        let lab = parse_idx(&read_maybe_gz(labels, cap_bytes)?, labels)?;
        parsed.push(IdxPair {
            images: images.clone(),
            image_array: img,
            labels: labels.clone(),
            label_array: lab,
        });
    }
    let name = pairs
        .first()
        .map(|p| dataset_name(&p.0))
        .unwrap_or_default();
    dataset_from_pairs(parsed, name, DatasetFormat::Idx, opts)
}

/// A parsed images file and its labels file.
pub struct IdxPair {
    /// Images file.
    pub images: PathBuf,
    /// Its array `[n, h, w]`.
    pub image_array: IdxArray,
    /// Labels file.
    pub labels: PathBuf,
    /// Its array `[n]`.
    pub label_array: IdxArray,
}

/// Builds a dataset from parsed IDX pairs: checks shapes and counts, converts the images.
pub fn dataset_from_pairs(
    pairs: Vec<IdxPair>,
    name: String,
    format: DatasetFormat,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let mut files = Vec::new();
    let mut origins = Vec::new();
    let mut raw_labels: Vec<u8> = Vec::new();
    let mut pixels = Vec::new();
    let mut spec_out: Option<ImageSpec> = opts.image;
    let first_path = pairs.first().map(|p| p.images.clone()).unwrap_or_default();
    for pair in pairs {
        let (img, lab) = (&pair.image_array, &pair.label_array);
        if img.dims.len() != 3 {
            return Err(DataError::format(
                &pair.images,
                format!(
                    "an images file holds [n, height, width], not {:?}",
                    img.dims
                ),
            ));
        }
        if lab.dims.len() != 1 {
            return Err(DataError::format(
                &pair.labels,
                format!("a labels file holds [n], not {:?}", lab.dims),
            ));
        }
        let (n, h, w) = (img.dims[0], img.dims[1], img.dims[2]);
        if h == 0 || w == 0 {
            return Err(DataError::format(
                &pair.images,
                format!(
                    "its header declares images of {h}x{w} pixels; an image needs at least one"
                ),
            ));
        }
        if n != lab.dims[0] {
            return Err(DataError::CountMismatch {
                images: pair.images,
                labels: pair.labels,
                image_count: n,
                label_count: lab.dims[0],
            });
        }
        let spec = *spec_out.get_or_insert(ImageSpec {
            channels: 1,
            height: h,
            width: w,
        });
        opts.check_size(
            &pair.images,
            (raw_labels.len() + n) as u64 * spec.len() as u64,
        )?;
        let file = files.len();
        files.push(pair.images.clone());
        pixels.reserve(n * spec.len());
        for i in 0..n {
            pixels.extend(convert_planar(
                &img.data[i * h * w..(i + 1) * h * w],
                1,
                h,
                w,
                spec,
            ));
            origins.push(Origin { file, item: i });
            if i % 1024 == 0 {
                opts.report(i, n);
            }
        }
        opts.report(n, n);
        raw_labels.extend(&lab.data);
    }
    let Some(spec) = spec_out.filter(|_| !raw_labels.is_empty()) else {
        return Err(DataError::Empty {
            path: first_path,
            message: "the IDX files hold no items".into(),
        });
    };
    // Classes are the distinct label values, in order.
    let mut values: Vec<u8> = raw_labels.clone();
    values.sort_unstable();
    values.dedup();
    let labels = raw_labels
        .iter()
        .map(|v| values.binary_search(v).unwrap_or(0))
        .collect();
    Ok(Dataset {
        name,
        format,
        class_names: values.iter().map(u8::to_string).collect(),
        labels,
        targets: None,
        samples: Samples::Images { spec, pixels },
        files,
        origins,
        problems: Vec::new(),
    })
}

/// `train-images-idx3-ubyte.gz` in `mnist/` → `mnist`.
fn dataset_name(images: &Path) -> String {
    images
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "idx".into())
}
