//! Rotated copies of the meta-training classes as classes of their own: the augmentation
//! of Omniglot used since Santoro et al. (2016) and Vinyals et al. (2016), and by MAML
//! (Finn et al. 2017), which multiplies the characters to meta-train on by four. Only
//! meta-training classes get copies, so that no rotation of a validation or test class is
//! ever trained on.

use super::split::ClassSplit;
use crate::data::{DataError, Dataset, Samples};

/// The quarter turns a rotated copy is made with: 90°, 180° and 270° counterclockwise.
const QUARTER_TURNS: [usize; 3] = [1, 2, 3];

/// `plane` (`size` x `size`, row-major) turned counterclockwise by `turns` quarter turns:
/// one quarter turn moves the top row to the left column, read from the bottom up.
pub fn rotate_plane(plane: &[f32], size: usize, turns: usize) -> Vec<f32> {
    let mut out = plane.to_vec();
    for _ in 0..turns % 4 {
        let src = out.clone();
        for y in 0..size {
            for x in 0..size {
                // A counterclockwise turn takes the pixel at (row y, column x) to
                // (row size − 1 − x, column y).
                out[(size - 1 - x) * size + y] = src[y * size + x];
            }
        }
    }
    out
}

/// `dataset` with three more classes for every meta-training class of `split`, its images
/// turned by 90°, 180° and 270° (named `"<class> (rotated 90°)"` and so on), and `split`
/// with them among its meta-training classes. Validation and test classes are untouched.
/// The images must be square.
pub fn with_rotated_training_classes(
    mut dataset: Dataset,
    mut split: ClassSplit,
) -> Result<(Dataset, ClassSplit), DataError> {
    let unsuitable = |message: String| DataError::Unsuitable {
        dataset: dataset.name.clone(),
        message,
    };
    let Samples::Images { spec, pixels } = &dataset.samples else {
        return Err(unsuitable(
            "`rotations` apply to images; this dataset holds feature vectors".into(),
        ));
    };
    if spec.height != spec.width {
        return Err(unsuitable(format!(
            "`rotations` need square images; these are {}x{} (height x width)",
            spec.height, spec.width
        )));
    }
    let (size, channels) = (spec.height, spec.channels);
    let sample_len = channels * size * size;
    let by_class = dataset.indices_by_class();
    let mut new_pixels = Vec::new();
    let mut new_labels = Vec::new();
    let mut new_origins = Vec::new();
    let mut new_classes = Vec::new();
    for &class in &split.train {
        for turns in QUARTER_TURNS {
            let label = dataset.class_names.len() + new_classes.len();
            new_classes.push(format!(
                "{} (rotated {}°)",
                dataset.class_names[class],
                90 * turns
            ));
            for &i in &by_class[class] {
                let sample = &pixels[i * sample_len..(i + 1) * sample_len];
                for plane in sample.chunks_exact(size * size) {
                    new_pixels.extend(rotate_plane(plane, size, turns));
                }
                new_labels.push(label);
                new_origins.push(dataset.origins[i].clone());
            }
        }
    }
    let first_new = dataset.class_names.len();
    split.train.extend(first_new..first_new + new_classes.len());
    dataset.class_names.extend(new_classes);
    dataset.labels.extend(new_labels);
    dataset.origins.extend(new_origins);
    if let Samples::Images { pixels, .. } = &mut dataset.samples {
        pixels.extend(new_pixels);
    }
    Ok((dataset, split))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DatasetFormat, ImageSpec, Origin};

    /// A 2x2 image [[a, b], [c, d]] turned a quarter counterclockwise is [[b, d], [a, c]];
    /// two quarters give [[d, c], [b, a]]; four give it back.
    #[test]
    fn quarter_turns_by_hand() {
        let (a, b, c, d) = (1.0, 2.0, 3.0, 4.0);
        let plane = [a, b, c, d];
        assert_eq!(rotate_plane(&plane, 2, 1), vec![b, d, a, c]);
        assert_eq!(rotate_plane(&plane, 2, 2), vec![d, c, b, a]);
        assert_eq!(rotate_plane(&plane, 2, 3), vec![c, a, d, b]);
        assert_eq!(rotate_plane(&plane, 2, 4), plane.to_vec());
        // 3x3: the top row (1, 2, 3) becomes the left column read from the bottom up.
        let nine: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        assert_eq!(
            rotate_plane(&nine, 3, 1),
            vec![3.0, 6.0, 9.0, 2.0, 5.0, 8.0, 1.0, 4.0, 7.0]
        );
    }

    /// `classes` classes of `per_class` grey `height` x `width` images whose pixels count up.
    fn dataset(height: usize, width: usize, classes: usize, per_class: usize) -> Dataset {
        let spec = ImageSpec {
            channels: 1,
            height,
            width,
        };
        let n = classes * per_class;
        let len = spec.channels * spec.height * spec.width;
        Dataset {
            name: "tiny".into(),
            format: DatasetFormat::ImageFolder,
            class_names: (0..classes).map(|c| format!("c{c}")).collect(),
            labels: (0..n).map(|i| i / per_class).collect(),
            targets: None,
            samples: Samples::Images {
                spec,
                pixels: (0..n * len).map(|v| v as f32).collect(),
            },
            files: Vec::new(),
            origins: (0..n).map(|i| Origin { file: 0, item: i }).collect(),
            problems: Vec::new(),
        }
    }

    /// Two of four classes meta-train: each gets three rotated copies as new classes in the
    /// training split, with every image turned; the validation and test classes get none.
    #[test]
    fn training_classes_gain_three_rotated_copies() {
        let split = ClassSplit {
            train: vec![1, 3],
            val: vec![0],
            test: vec![2],
        };
        let (d, s) = with_rotated_training_classes(dataset(2, 2, 4, 2), split).unwrap();
        assert_eq!(d.num_classes(), 4 + 2 * 3);
        assert_eq!(s.train, vec![1, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!((s.val, s.test), (vec![0], vec![2]));
        assert_eq!(d.class_names[4], "c1 (rotated 90°)");
        assert_eq!(d.class_names[9], "c3 (rotated 270°)");
        assert_eq!(d.len(), 8 + 2 * 3 * 2);
        // Class 1's first image is sample 2: pixels 8, 9, 10, 11 = [[8, 9], [10, 11]];
        // its 90° copy is the first sample of class 4, [[9, 11], [8, 10]].
        let first_of = |c: usize| d.labels.iter().position(|&l| l == c).unwrap();
        assert_eq!(d.samples.sample(first_of(4)), &[9.0, 11.0, 8.0, 10.0]);
        assert_eq!(d.samples.sample(first_of(5)), &[11.0, 10.0, 9.0, 8.0]);
        assert_eq!(d.origins[first_of(4)], Origin { file: 0, item: 2 });
        assert_eq!(d.labels.iter().filter(|&&l| l == 9).count(), 2);
    }

    #[test]
    fn images_that_are_not_square_are_refused_by_name() {
        let split = ClassSplit {
            train: vec![0],
            val: vec![],
            test: vec![1],
        };
        let e = with_rotated_training_classes(dataset(2, 3, 2, 1), split)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("tiny") && e.contains("square") && e.contains("2x3"),
            "{e}"
        );
    }
}
