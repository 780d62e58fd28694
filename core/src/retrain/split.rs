//! The training and test images of a retrain: the dataset's own test part where it has one
//! (MNIST's `t10k-*` files, CIFAR's `test_batch.bin` / `test.bin`), a separate test dataset
//! (an image folder's test images), or a seeded per-class hold-out.

use std::path::Path;

use crate::data::{DataError, Dataset, ImageSpec, Samples};
use crate::rng::SeededRng;

/// Images with their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Images {
    /// `[n, c, h, w]` values in [0, 1].
    pub pixels: Vec<f32>,
    /// Class of each image.
    pub labels: Vec<usize>,
}

impl Images {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// The two parts, their shape, and where the test part came from.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainTest {
    /// Training images.
    pub train: Images,
    /// Test images.
    pub test: Images,
    /// Image shape.
    pub spec: ImageSpec,
    /// Class names.
    pub classes: Vec<String>,
    /// How the test part was chosen, for reports.
    pub test_source: String,
    /// Per-channel mean and standard deviation of the training images (inputs are
    /// standardised with them).
    pub channel_stats: Vec<(f32, f32)>,
}

/// Whether a sample's file is a dataset's test part (by its name: IDX `t10k-*`, CIFAR-10
/// `test_batch.bin`, CIFAR-100 `test.bin`).
pub fn is_test_file(file: &Path) -> bool {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.starts_with("t10k-") || name.starts_with("test_batch") || name == "test.bin"
}

/// Splits `data` into training and test images: its own test part, else
/// `test` when given (it must have the same classes and image shape), else `test_fraction`
/// of each class chosen with `seed`. `train_limit` keeps that many training images (a seeded
/// choice, in proportion to the classes).
pub fn split(
    data: &Dataset,
    test: Option<&Dataset>,
    test_fraction: f64,
    train_limit: Option<usize>,
    seed: u64,
) -> Result<TrainTest, DataError> {
    let unsuitable = |name: &str, message: String| DataError::Unsuitable {
        dataset: name.to_string(),
        message,
    };
    let Samples::Images { spec, .. } = &data.samples else {
        return Err(unsuitable(
            &data.name,
            "holds feature vectors; retraining builds image networks".into(),
        ));
    };
    let spec = *spec;
    if data.num_classes() < 2 {
        return Err(unsuitable(
            &data.name,
            format!(
                "has {} class; a classifier needs at least 2",
                data.num_classes()
            ),
        ));
    }
    let mut rng = SeededRng::new(seed);
    let own_test: Vec<bool> = (0..data.len())
        .map(|i| data.origin_path(i).map(is_test_file).unwrap_or(false))
        .collect();
    let all = |flags: &[bool], want: bool| -> Vec<usize> {
        (0..flags.len()).filter(|&i| flags[i] == want).collect()
    };
    let (train_ids, test_part, test_source) = if own_test.iter().any(|&t| t) {
        let test_ids = all(&own_test, true);
        let source = "the dataset's own test part".to_string();
        (all(&own_test, false), gather(data, &test_ids), source)
    } else if let Some(t) = test {
        if t.image_spec() != Some(spec) || t.class_names != data.class_names {
            return Err(unsuitable(
                &t.name,
                format!(
                    "as the test set must have the training set's image shape ({}x{}x{}) and \
                     classes ({} of them, same names)",
                    spec.channels,
                    spec.height,
                    spec.width,
                    data.num_classes()
                ),
            ));
        }
        let ids: Vec<usize> = (0..t.len()).collect();
        let source = format!("the separate test dataset {}", t.name);
        ((0..data.len()).collect(), gather(t, &ids), source)
    } else {
        if !(0.0..1.0).contains(&test_fraction) || test_fraction == 0.0 {
            return Err(unsuitable(
                &data.name,
                format!(
                    "has no test part of its own and no test dataset was given; a held-out \
                     fraction must be in (0, 1), not {test_fraction}"
                ),
            ));
        }
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for ids in data.indices_by_class() {
            let perm = rng.permutation(ids.len());
            let n_test = ((ids.len() as f64) * test_fraction).round() as usize;
            for (k, &p) in perm.iter().enumerate() {
                if k < n_test { &mut test } else { &mut train }.push(ids[p]);
            }
        }
        test.sort_unstable();
        train.sort_unstable();
        let source = format!(
            "{:.0}% of each class held out with seed {seed}",
            test_fraction * 100.0
        );
        (train, gather(data, &test), source)
    };
    let train_ids = match train_limit {
        Some(limit) if limit < train_ids.len() => {
            let perm = rng.permutation(train_ids.len());
            let mut kept: Vec<usize> = perm[..limit].iter().map(|&i| train_ids[i]).collect();
            kept.sort_unstable();
            kept
        }
        _ => train_ids,
    };
    if train_ids.is_empty() || test_part.is_empty() {
        return Err(unsuitable(
            &data.name,
            format!(
                "gives {} training and {} test images; both parts need some",
                train_ids.len(),
                test_part.len()
            ),
        ));
    }
    let train = gather(data, &train_ids);
    let channel_stats = channel_stats(&train.pixels, spec);
    Ok(TrainTest {
        train,
        test: test_part,
        spec,
        classes: data.class_names.clone(),
        test_source,
        channel_stats,
    })
}

fn gather(data: &Dataset, ids: &[usize]) -> Images {
    Images {
        pixels: data.gather(ids),
        labels: ids.iter().map(|&i| data.labels[i]).collect(),
    }
}

/// Mean and standard deviation (at least 1e-3) of each channel over `pixels`.
pub fn channel_stats(pixels: &[f32], spec: ImageSpec) -> Vec<(f32, f32)> {
    let plane = spec.height * spec.width;
    (0..spec.channels)
        .map(|ch| {
            let values = pixels
                .chunks(spec.len().max(1))
                .flat_map(|img| &img[ch * plane..(ch + 1) * plane]);
            let (mut sum, mut sq, mut n) = (0f64, 0f64, 0f64);
            for &v in values {
                sum += f64::from(v);
                sq += f64::from(v) * f64::from(v);
                n += 1.0;
            }
            let mean = sum / n.max(1.0);
            let var = (sq / n.max(1.0) - mean * mean).max(0.0);
            (mean as f32, var.sqrt().max(1e-3) as f32)
        })
        .collect()
}

/// Standardises one image `[c, h, w]` in place with per-channel `stats`.
pub fn standardise(img: &mut [f32], stats: &[(f32, f32)]) {
    let plane = img.len() / stats.len().max(1);
    for (ch, &(mean, sd)) in stats.iter().enumerate() {
        for v in &mut img[ch * plane..(ch + 1) * plane] {
            *v = (*v - mean) / sd;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_parts_are_recognised_by_name() {
        for test in [
            "t10k-images-idx3-ubyte",
            "/data/cifar/test_batch.bin",
            "test.bin",
        ] {
            assert!(is_test_file(Path::new(test)), "{test}");
        }
        for train in [
            "train-images-idx3-ubyte.gz",
            "data_batch_1.bin",
            "/data/test/cat/1.png",
            "cat/test.png",
        ] {
            assert!(!is_test_file(Path::new(train)), "{train}");
        }
    }

    #[test]
    fn channel_stats_and_standardise_by_hand() {
        let spec = ImageSpec {
            channels: 2,
            height: 1,
            width: 2,
        };
        // Two images: channel 0 holds 0, 1, 2, 3; channel 1 holds 5 everywhere.
        let pixels = [0., 1., 5., 5., 2., 3., 5., 5.];
        let stats = channel_stats(&pixels, spec);
        assert!((stats[0].0 - 1.5).abs() < 1e-6);
        assert!((stats[0].1 - 1.25f32.sqrt()).abs() < 1e-6);
        assert_eq!(stats[1], (5.0, 1e-3));
        let mut img = [3., 1., 5., 5.];
        standardise(&mut img, &stats);
        assert!((img[0] - 1.5 / 1.25f32.sqrt()).abs() < 1e-5);
        assert_eq!(&img[2..], &[0.0, 0.0]);
    }
}
