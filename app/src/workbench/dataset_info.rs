//! What the Data view shows of a dataset: format, classes and their counts, image size, load
//! problems, and a thumbnail of the first sample of each class (the same loader as training).

use std::path::{Path, PathBuf};

use metanas_core::data::{DataError, DatasetFormat, ImageSpec, LoadOptions, LoadProgress};
use metanas_core::run::load_dataset;

/// Classes that get a thumbnail.
pub const THUMBNAIL_CLASSES: usize = 40;

/// An image as 8-bit RGBA rows, for a texture.
#[derive(Clone, Debug, PartialEq)]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

impl Thumbnail {
    /// A thumbnail of one sample in `[channels, height, width]` layout, stretched to the full
    /// grey/colour range (samples are normalised differently by different loaders).
    pub fn from_chw(values: &[f32], spec: ImageSpec) -> Self {
        let (lo, hi) = values
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let range = if hi > lo { hi - lo } else { 1.0 };
        let plane = spec.height * spec.width;
        let mut rgba = Vec::with_capacity(plane * 4);
        for i in 0..plane {
            let channel = |c: usize| {
                let v = values
                    .get(c.min(spec.channels - 1) * plane + i)
                    .copied()
                    .unwrap_or(lo);
                (((v - lo) / range) * 255.0).round().clamp(0.0, 255.0) as u8
            };
            rgba.extend([channel(0), channel(1), channel(2), 255]);
        }
        Self {
            width: spec.width,
            height: spec.height,
            rgba,
        }
    }
}

/// A loaded dataset, summarised.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetInfo {
    /// What the user chose (a path, or `bundled:uci-digits`).
    pub path: PathBuf,
    /// Detected format.
    pub format: DatasetFormat,
    /// Samples.
    pub samples: usize,
    /// Image size, for image datasets.
    pub image: Option<ImageSpec>,
    /// Features per sample (vectors).
    pub features: usize,
    /// Numeric targets (regression CSV) instead of classes.
    pub regression: bool,
    /// Class names and sample counts.
    pub classes: Vec<(String, usize)>,
    /// The first sample of each of the first `THUMBNAIL_CLASSES` classes.
    pub thumbnails: Vec<Thumbnail>,
    /// Files or samples that could not be read, with why (first 50).
    pub problems: Vec<String>,
    /// Problems in all.
    pub problem_count: usize,
}

impl DatasetInfo {
    /// Loads `path` (or the bundled digits) the way training would. `progress` sees
    /// `(path, done, total)`.
    pub fn load(
        path: &Path,
        progress: &mut dyn FnMut(&str, usize, usize),
    ) -> Result<Self, DataError> {
        let shown = path.display().to_string();
        let mut report = |p: LoadProgress| progress(&shown, p.done, p.total);
        let mut opts = LoadOptions {
            progress: Some(&mut report),
            ..LoadOptions::default()
        };
        let d = load_dataset(path, &mut opts)?;
        let by_class = d.indices_by_class();
        let image = d.image_spec();
        let thumbnails = match image {
            Some(spec) => by_class
                .iter()
                .take(THUMBNAIL_CLASSES)
                .filter_map(|ids| ids.first())
                .map(|&i| Thumbnail::from_chw(d.samples.sample(i), spec))
                .collect(),
            None => Vec::new(),
        };
        Ok(Self {
            path: path.to_path_buf(),
            format: d.format,
            samples: d.len(),
            image,
            features: d.samples.sample_len(),
            regression: d.targets.is_some(),
            classes: d
                .class_names
                .iter()
                .cloned()
                .zip(by_class.iter().map(Vec::len))
                .collect(),
            thumbnails,
            problems: d
                .problems
                .iter()
                .take(50)
                .map(|p| format!("{}: {}", p.path.display(), p.message))
                .collect(),
            problem_count: d.problems.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metanas_core::run::{BUNDLED_DIGITS, BUNDLED_OMNIGLOT};

    #[test]
    fn bundled_digits_have_ten_classes_and_a_thumbnail_each() {
        let info = DatasetInfo::load(Path::new(BUNDLED_DIGITS), &mut |_, _, _| {}).unwrap();
        assert_eq!(info.classes.len(), 10);
        assert_eq!(info.thumbnails.len(), 10);
        assert_eq!(
            info.samples,
            info.classes.iter().map(|c| c.1).sum::<usize>()
        );
        let t = &info.thumbnails[0];
        assert_eq!((t.width, t.height, t.rgba.len()), (8, 8, 8 * 8 * 4));
    }

    #[test]
    fn bundled_omniglot_shows_its_characters_by_name() {
        let info = DatasetInfo::load(Path::new(BUNDLED_OMNIGLOT), &mut |_, _, _| {}).unwrap();
        assert_eq!(info.classes.len(), 242);
        assert_eq!(info.samples, 4840);
        assert_eq!(info.classes[0].0, "Balinese/character01");
        let t = &info.thumbnails[0];
        assert_eq!((t.width, t.height), (28, 28));
    }

    #[test]
    fn thumbnail_stretches_to_the_full_range() {
        let spec = ImageSpec {
            channels: 1,
            height: 1,
            width: 3,
        };
        let t = Thumbnail::from_chw(&[-1.0, 0.0, 3.0], spec);
        assert_eq!(
            t.rgba,
            vec![0, 0, 0, 255, 64, 64, 64, 255, 255, 255, 255, 255]
        );
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let e = DatasetInfo::load(Path::new("/no/such/dataset"), &mut |_, _, _| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("/no/such/dataset"), "{e}");
    }
}
