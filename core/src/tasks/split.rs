//! Meta-train / meta-val / meta-test class splits. Classes never mix between splits; the split
//! is plain data saved with a run.

use serde::{Deserialize, Serialize};

use crate::rng::SeededRng;

/// Which part of the class split a task is drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Meta-training classes.
    Train,
    /// Meta-validation classes.
    Val,
    /// Meta-test (held-out) classes.
    Test,
}

impl Split {
    /// `train`, `val` or `test`.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }
}

/// How many classes go to each split, as fractions of the classes (the rest goes to test).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitSpec {
    /// Fraction of classes for meta-training.
    pub train: f64,
    /// Fraction of classes for meta-validation.
    pub val: f64,
    /// Seed of the class shuffle.
    #[serde(default)]
    pub seed: u64,
}

impl Default for SplitSpec {
    fn default() -> Self {
        Self {
            train: 0.6,
            val: 0.2,
            seed: 0,
        }
    }
}

/// The classes of each split, by class index of the dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSplit {
    /// Meta-training classes.
    pub train: Vec<usize>,
    /// Meta-validation classes.
    pub val: Vec<usize>,
    /// Meta-test classes.
    pub test: Vec<usize>,
}

impl ClassSplit {
    /// Shuffles `num_classes` classes with the spec's seed and cuts them by its fractions
    /// (rounded down for train and val; test gets the rest). Each split is sorted.
    pub fn new(num_classes: usize, spec: SplitSpec) -> Self {
        let order = SeededRng::new(spec.seed).permutation(num_classes);
        let clamp = |f: f64| {
            if f.is_finite() {
                f.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let n_train = ((clamp(spec.train) * num_classes as f64).floor() as usize).min(num_classes);
        let n_val =
            ((clamp(spec.val) * num_classes as f64).floor() as usize).min(num_classes - n_train);
        let part = |range: std::ops::Range<usize>| {
            let mut v = order[range].to_vec();
            v.sort_unstable();
            v
        };
        Self {
            train: part(0..n_train),
            val: part(n_train..n_train + n_val),
            test: part(n_train + n_val..num_classes),
        }
    }

    /// The classes of one split.
    pub fn classes(&self, split: Split) -> &[usize] {
        match split {
            Split::Train => &self.train,
            Split::Val => &self.val,
            Split::Test => &self.test,
        }
    }
}
