//! The in-memory labelled store every loader fills: images (or vectors) as normalised f32,
//! labels, class names, and where every sample came from.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::DataError;

/// The format a dataset was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetFormat {
    /// `root/<class>/<image>` (torchvision ImageFolder).
    ImageFolder,
    /// `root/<alphabet>/<character>/<image>`; each character is a class.
    Omniglot,
    /// MNIST-style IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST).
    Idx,
    /// CIFAR-10 binary batches.
    Cifar10,
    /// CIFAR-100 binary batches (fine labels).
    Cifar100,
    /// CSV of feature vectors with a label or target column.
    Csv,
    /// The UCI 8x8 digits bundled with metanas.
    BundledDigits,
    /// Omniglot's small background sets at 28x28, bundled with metanas.
    BundledOmniglot,
    /// Lake et al.'s one-shot runs (Omniglot's `all_runs.zip`) as a dataset of their
    /// characters: each training image and the queries labelled with it are one class.
    OneShotRuns,
}

/// The size and channel count images are converted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSpec {
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
}

impl ImageSpec {
    /// Values per image.
    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// Whether an image has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Progress of a load: `done` of `total` items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadProgress {
    /// Items read so far.
    pub done: usize,
    /// Items in all.
    pub total: usize,
}

/// How to load a dataset.
pub struct LoadOptions<'a> {
    /// Convert every image to this size and channel count; `None` keeps the format's own
    /// (folders: the first image's size, grey).
    pub image: Option<ImageSpec>,
    /// Refuse datasets that need more memory than this, in megabytes.
    pub max_dataset_mb: f64,
    /// Abort on the first unreadable image instead of skipping it.
    pub strict: bool,
    /// Called as items are read.
    pub progress: Option<&'a mut dyn FnMut(LoadProgress)>,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        Self {
            image: None,
            max_dataset_mb: 2048.0,
            strict: false,
            progress: None,
        }
    }
}

impl LoadOptions<'_> {
    /// Reports progress, if anyone listens.
    pub fn report(&mut self, done: usize, total: usize) {
        if let Some(p) = self.progress.as_mut() {
            p(LoadProgress { done, total });
        }
    }

    /// Refuses a load that would need `values` f32 values.
    pub fn check_size(&self, path: &Path, values: u64) -> Result<(), DataError> {
        let needed_mb = values as f64 * 4.0 / 1e6;
        if needed_mb > self.max_dataset_mb {
            return Err(DataError::TooLarge {
                path: path.to_path_buf(),
                needed_mb,
                cap_mb: self.max_dataset_mb,
            });
        }
        Ok(())
    }
}

/// Where one sample came from: a file and the item inside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Index into [`Dataset::files`].
    pub file: usize,
    /// Item within the file (0 for one-image files).
    pub item: usize,
}

/// A sample that was skipped while loading, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// The file.
    pub path: PathBuf,
    /// What was wrong.
    pub message: String,
}

/// The samples of a dataset.
#[derive(Clone, Debug, PartialEq)]
pub enum Samples {
    /// Images, `[n, channels, height, width]` row-major, values in [0, 1].
    Images {
        /// Image shape.
        spec: ImageSpec,
        /// All pixels.
        pixels: Vec<f32>,
    },
    /// Feature vectors `[n, features]`.
    Vectors {
        /// Features per sample.
        features: usize,
        /// All values.
        values: Vec<f32>,
    },
}

impl Samples {
    /// Values per sample.
    pub fn sample_len(&self) -> usize {
        match self {
            Samples::Images { spec, .. } => spec.len(),
            Samples::Vectors { features, .. } => *features,
        }
    }

    /// The values of sample `i`.
    pub fn sample(&self, i: usize) -> &[f32] {
        let n = self.sample_len();
        let all = match self {
            Samples::Images { pixels, .. } => pixels,
            Samples::Vectors { values, .. } => values,
        };
        &all[i * n..(i + 1) * n]
    }
}

/// A labelled dataset in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// A name (the folder or file name).
    pub name: String,
    /// The format it was read from.
    pub format: DatasetFormat,
    /// Class names; `labels` index into them. Empty for regression CSVs.
    pub class_names: Vec<String>,
    /// Class of each sample (0 for regression).
    pub labels: Vec<usize>,
    /// Regression target of each sample (CSV regression only).
    pub targets: Option<Vec<f32>>,
    /// The samples.
    pub samples: Samples,
    /// Files the samples came from.
    pub files: Vec<PathBuf>,
    /// Where each sample came from.
    pub origins: Vec<Origin>,
    /// Samples skipped while loading.
    pub problems: Vec<Problem>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the dataset holds no sample.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The sample indices of each class.
    pub fn indices_by_class(&self) -> Vec<Vec<usize>> {
        let mut by_class = vec![Vec::new(); self.num_classes()];
        for (i, &l) in self.labels.iter().enumerate() {
            if let Some(c) = by_class.get_mut(l) {
                c.push(i);
            }
        }
        by_class
    }

    /// The image shape, for image datasets.
    pub fn image_spec(&self) -> Option<ImageSpec> {
        match &self.samples {
            Samples::Images { spec, .. } => Some(*spec),
            Samples::Vectors { .. } => None,
        }
    }

    /// Shape of one sample: `[channels, height, width]` or `[features]`.
    pub fn input_shape(&self) -> Vec<usize> {
        match &self.samples {
            Samples::Images { spec, .. } => vec![spec.channels, spec.height, spec.width],
            Samples::Vectors { features, .. } => vec![*features],
        }
    }

    /// The values of the samples `ids`, concatenated.
    pub fn gather(&self, ids: &[usize]) -> Vec<f32> {
        ids.iter()
            .flat_map(|&i| self.samples.sample(i).iter().copied())
            .collect()
    }

    /// The file sample `i` came from.
    pub fn origin_path(&self, i: usize) -> Option<&Path> {
        let o = self.origins.get(i)?;
        self.files.get(o.file).map(PathBuf::as_path)
    }
}
