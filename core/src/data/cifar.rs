//! CIFAR-10 and CIFAR-100 binary batches.
//!
//! A CIFAR-10 record is one label byte then 3072 pixel bytes (1024 red, 1024 green, 1024
//! blue, each 32x32 row-major); CIFAR-100 records have a coarse and a fine label byte first
//! (metanas uses the fine label).

use std::path::{Path, PathBuf};

use super::convert::convert_planar;
use super::error::DataError;
use super::store::{Dataset, DatasetFormat, ImageSpec, LoadOptions, Origin, Samples};

const PIXELS: usize = 3 * 32 * 32;

/// Which CIFAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CifarKind {
    /// 10 classes, one label byte.
    Cifar10,
    /// 100 fine classes, coarse and fine label bytes.
    Cifar100,
}

impl CifarKind {
    fn label_bytes(self) -> usize {
        match self {
            CifarKind::Cifar10 => 1,
            CifarKind::Cifar100 => 2,
        }
    }

    fn classes(self) -> usize {
        match self {
            CifarKind::Cifar10 => 10,
            CifarKind::Cifar100 => 100,
        }
    }

    fn names_file(self) -> &'static str {
        match self {
            CifarKind::Cifar10 => "batches.meta.txt",
            CifarKind::Cifar100 => "fine_label_names.txt",
        }
    }
}

/// The (label, pixels) records of one batch file's bytes.
pub fn parse_cifar<'a>(
    bytes: &'a [u8],
    kind: CifarKind,
    path: &Path,
) -> Result<Vec<(usize, &'a [u8])>, DataError> {
    let record = kind.label_bytes() + PIXELS;
    if bytes.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            message: "the batch file is empty".into(),
        });
    }
    if !bytes.len().is_multiple_of(record) {
        let whole = bytes.len() / record;
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            what: format!("{} records of {record} bytes", whole + 1),
            expected_bytes: ((whole + 1) * record) as u64,
            actual_bytes: bytes.len() as u64,
        });
    }
    bytes
        .chunks_exact(record)
        .enumerate()
        .map(|(i, r)| {
            let label = r[kind.label_bytes() - 1] as usize;
            if label >= kind.classes() {
                return Err(DataError::LabelOutOfRange {
                    path: path.to_path_buf(),
                    index: i,
                    label: label as u64,
                    limit: kind.classes() as u64,
                });
            }
            Ok((label, &r[kind.label_bytes()..]))
        })
        .collect()
}

/// Loads CIFAR batch files (e.g. `data_batch_1.bin` .. `test_batch.bin`). Class names are
/// read from `batches.meta.txt` / `fine_label_names.txt` beside the first file when present.
pub fn load_cifar(
    files: &[PathBuf],
    kind: CifarKind,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let spec = opts.image.unwrap_or(ImageSpec {
        channels: 3,
        height: 32,
        width: 32,
    });
    let Some(first) = files.first() else {
        return Err(DataError::Empty {
            path: PathBuf::new(),
            message: "no CIFAR batch files given".into(),
        });
    };
    let mut labels = Vec::new();
    let mut pixels = Vec::new();
    let mut origins = Vec::new();
    for (file, path) in files.iter().enumerate() {
        let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
        let records = parse_cifar(&bytes, kind, path)?;
        opts.check_size(
            path,
            (labels.len() + records.len()) as u64 * spec.len() as u64,
        )?;
        let n = records.len();
        for (i, (label, raw)) in records.into_iter().enumerate() {
            labels.push(label);
            pixels.extend(convert_planar(raw, 3, 32, 32, spec));
            origins.push(Origin { file, item: i });
            if i % 1024 == 0 {
                opts.report(i, n);
            }
        }
        opts.report(n, n);
    }
    let class_names = read_names(first, kind)
        .unwrap_or_else(|| (0..kind.classes()).map(|c| c.to_string()).collect());
    let name = first
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cifar".into());
    Ok(Dataset {
        name,
        format: match kind {
            CifarKind::Cifar10 => DatasetFormat::Cifar10,
            CifarKind::Cifar100 => DatasetFormat::Cifar100,
        },
        class_names,
        labels,
        targets: None,
        samples: Samples::Images { spec, pixels },
        files: files.to_vec(),
        origins,
        problems: Vec::new(),
    })
}

fn read_names(first: &Path, kind: CifarKind) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(first.parent()?.join(kind.names_file())).ok()?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    (names.len() == kind.classes()).then_some(names)
}
