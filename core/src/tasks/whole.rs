//! "Whole-dataset" tasks (BASE's 10-class ImageNet tasks): M classes with all their examples,
//! divided into training and validation batches instead of K-shot sets.

use serde::{Deserialize, Serialize};

use super::episode::{Batch, Targets};
use super::few_shot::{pick_weighted, TaskSource};
use super::split::Split;
use crate::data::DataError;
use crate::rng::SeededRng;

/// Shape of a whole-dataset task.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WholeTaskSpec {
    /// M: classes per task (BASE: 10).
    pub classes: usize,
    /// Fraction of each class's examples held out for validation.
    pub val_fraction: f64,
    /// Examples per batch.
    pub batch_size: usize,
}

impl Default for WholeTaskSpec {
    fn default() -> Self {
        Self {
            classes: 10,
            val_fraction: 0.2,
            batch_size: 32,
        }
    }
}

/// An M-class task with training and validation batches.
#[derive(Clone, Debug, PartialEq)]
pub struct WholeTask {
    /// Source index.
    pub source: usize,
    /// Source name.
    pub source_name: String,
    /// Shape of one input.
    pub input_shape: Vec<usize>,
    /// Dataset class behind each label.
    pub classes: Vec<usize>,
    /// Training batches (shuffled).
    pub train: Vec<Batch>,
    /// Validation batches.
    pub val: Vec<Batch>,
}

/// Draws a whole-dataset task from `split` of a source chosen by weight.
pub fn sample_whole_task(
    sources: &[TaskSource],
    spec: WholeTaskSpec,
    split: Split,
    rng: &mut SeededRng,
) -> Result<WholeTask, DataError> {
    if sources.is_empty() || spec.batch_size == 0 || spec.classes == 0 {
        return Err(DataError::Unsuitable {
            dataset: "whole-dataset tasks".into(),
            message: "need a source, at least one class and a batch size of at least 1".into(),
        });
    }
    let weights: Vec<f64> = sources.iter().map(|s| s.weight.max(0.0)).collect();
    let source = pick_weighted(&weights, rng);
    let s = &sources[source];
    let pool = s.split.classes(split);
    if pool.len() < spec.classes {
        return Err(DataError::Unsuitable {
            dataset: s.name.clone(),
            message: format!(
                "the {} split has {} classes; {}-class tasks need at least {}",
                split.name(),
                pool.len(),
                spec.classes,
                spec.classes
            ),
        });
    }
    let order = rng.permutation(pool.len());
    let classes: Vec<usize> = order[..spec.classes].iter().map(|&i| pool[i]).collect();
    let by_class = s.dataset.indices_by_class();
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (label, &c) in classes.iter().enumerate() {
        let ids = &by_class[c];
        let perm = rng.permutation(ids.len());
        let n_val = ((ids.len() as f64) * spec.val_fraction.clamp(0.0, 1.0)).round() as usize;
        for (k, &p) in perm.iter().enumerate() {
            if k < n_val { &mut val } else { &mut train }.push((ids[p], label));
        }
    }
    let shuffle = rng.permutation(train.len());
    let train: Vec<(usize, usize)> = shuffle.iter().map(|&i| train[i]).collect();
    let data = &s.dataset;
    let batches = |items: &[(usize, usize)]| -> Vec<Batch> {
        items
            .chunks(spec.batch_size)
            .map(|chunk| {
                let ids: Vec<usize> = chunk.iter().map(|&(i, _)| i).collect();
                Batch {
                    inputs: data.gather(&ids),
                    targets: Targets::Classes(chunk.iter().map(|&(_, l)| l).collect()),
                    sample_ids: ids,
                }
            })
            .collect()
    };
    Ok(WholeTask {
        source,
        source_name: s.name.clone(),
        input_shape: data.input_shape(),
        classes,
        train: batches(&train),
        val: batches(&val),
    })
}
