//! Loading a dataset from a path whose format is recognised from its name and contents.

use std::path::{Path, PathBuf};

use super::cifar::{load_cifar, CifarKind};
use super::csv::{load_csv, CsvOptions};
use super::error::DataError;
use super::folder::load_listed_image_folders;
use super::idx::load_idx_pairs;
use super::one_shot_runs::{holds_runs, list_runs_and_images, load_listed_runs_dataset};
use super::store::{Dataset, LoadOptions};
use super::tree::FileTree;

/// Reads a dataset from `path`, recognising:
/// - a folder with IDX files (`*-images-idx3-ubyte[.gz]` with matching `*-labels-idx1-ubyte[.gz]`;
///   all pairs are loaded together), or one such images file;
/// - a folder with CIFAR batches (`data_batch_*.bin`, `test_batch.bin`: CIFAR-10;
///   `train.bin`, `test.bin`: CIFAR-100), or one batch file;
/// - a `.csv` file;
/// - a folder or `.zip` holding Lake et al.'s one-shot runs (`class_labels.txt` files, as in
///   Omniglot's `all_runs.zip`): a dataset of their characters, one class per training image;
/// - otherwise a folder or `.zip` of images (ImageFolder or Omniglot layout).
pub fn load_path(
    path: &Path,
    csv: &CsvOptions,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    if !path.exists() {
        return Err(DataError::io(path, "no such file or folder"));
    }
    if path.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| DataError::io(path, e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        names.sort();
        let pairs = idx_pairs(&names);
        if !pairs.is_empty() {
            return load_idx_pairs(&pairs, opts);
        }
        if let Some(images) = names.iter().find(|p| is_idx_images(p)) {
            return Err(DataError::format(
                images,
                "an IDX images file without its labels file beside it (expected the same name \
                 with `-labels-idx1-ubyte` for `-images-idx3-ubyte`)",
            ));
        }
        let file_name = |p: &PathBuf| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let cifar10: Vec<PathBuf> = names
            .iter()
            .filter(|p| {
                let n = file_name(p);
                (n.starts_with("data_batch_") && n.ends_with(".bin")) || n == "test_batch.bin"
            })
            .cloned()
            .collect();
        if !cifar10.is_empty() {
            return load_cifar(&cifar10, CifarKind::Cifar10, opts);
        }
        let cifar100: Vec<PathBuf> = names
            .iter()
            .filter(|p| matches!(file_name(p).as_str(), "train.bin" | "test.bin"))
            .cloned()
            .collect();
        if !cifar100.is_empty() {
            return load_cifar(&cifar100, CifarKind::Cifar100, opts);
        }
        return load_folder_or_runs(path, opts);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with(".csv") {
        return load_csv(path, csv, opts);
    }
    if name.ends_with(".zip") {
        return load_folder_or_runs(path, opts);
    }
    if name.contains("-images-idx3-ubyte") || name.contains("-images.idx3-ubyte") {
        let labels = PathBuf::from(
            path.to_string_lossy()
                .replace("-images-idx3", "-labels-idx1")
                .replace("-images.idx3", "-labels.idx1"),
        );
        if !labels.exists() {
            return Err(DataError::io(
                &labels,
                "the labels file for these images is missing",
            ));
        }
        return load_idx_pairs(&[(path.to_path_buf(), labels)], opts);
    }
    if name.ends_with(".bin") {
        let kind = if name == "train.bin" || name == "test.bin" {
            CifarKind::Cifar100
        } else {
            CifarKind::Cifar10
        };
        return load_cifar(&[path.to_path_buf()], kind, opts);
    }
    Err(DataError::Unrecognised {
        path: path.to_path_buf(),
        message: "expected a folder of images or IDX/CIFAR files, a .zip of images, a .csv, an IDX images file or a CIFAR .bin batch".into(),
    })
}

/// A folder or `.zip` of images: Lake et al.'s one-shot runs (a `class_labels.txt` inside)
/// as a dataset of their characters, anything else by the image-folder loader.
/// The folder or archive is listed once, for both.
fn load_folder_or_runs(path: &Path, opts: &mut LoadOptions<'_>) -> Result<Dataset, DataError> {
    let mut tree = FileTree::default();
    let entries = list_runs_and_images(path, &mut tree)?;
    if holds_runs(&entries) {
        return load_listed_runs_dataset(path, tree, &entries, opts);
    }
    load_listed_image_folders(tree, vec![(path.to_path_buf(), entries)], opts)
}

/// Pairs every `X-images-idx3-ubyte[.gz]` with its `X-labels-idx1-ubyte[.gz]`.
fn idx_pairs(files: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    files
        .iter()
        .filter_map(|images| {
            if !is_idx_images(images) {
                return None;
            }
            let s = images.to_string_lossy();
            let labels = PathBuf::from(
                s.replace("-images-idx3", "-labels-idx1")
                    .replace("-images.idx3", "-labels.idx1"),
            );
            files.contains(&labels).then(|| (images.clone(), labels))
        })
        .collect()
}

/// Whether a file is named like an IDX images file.
fn is_idx_images(path: &Path) -> bool {
    let s = path.to_string_lossy();
    s.contains("-images-idx3-ubyte") || s.contains("-images.idx3-ubyte")
}
