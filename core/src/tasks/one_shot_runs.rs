//! Fixed episodes in the layout of Lake et al.'s one-shot classification benchmark
//! (Omniglot's `all_runs.zip`): each run is a folder with `training/` (one example per
//! class), `test/` (the queries) and `class_labels.txt`, whose lines pair a query with the
//! training example of its class (`run01/test/item01.png run01/training/class08.png`).
//!
//! Every run becomes one [`Episode`]: the training images, in file-name order, are the
//! support set with labels `0..N` in that order; the test images, in file-name order, are the
//! queries, labelled by the training image their line names. Images are converted like the
//! image-folder loader's (resized with a triangle filter, values in [0, 1]), so a network
//! meta-trained on Omniglot folders at one size sees these at the same size.

use std::path::Path;

use super::episode::{Batch, Episode, Targets};
use crate::data::{read_one_shot_runs, DataError, ImageSpec};

/// Loads every run under `root` (a folder or a `.zip`) as an episode at `spec`, runs in
/// folder-name order. `source_name` is the input the episodes feed (the space's input).
pub fn load_one_shot_runs(
    root: &Path,
    spec: ImageSpec,
    source_name: &str,
) -> Result<Vec<Episode>, DataError> {
    let (spec, runs) = read_one_shot_runs(root, Some(spec))?;
    Ok(runs
        .into_iter()
        .map(|run| {
            let ways = run.training.len();
            Episode {
                source: 0,
                source_name: source_name.to_string(),
                input_shape: vec![spec.channels, spec.height, spec.width],
                classes: (0..ways).collect(),
                support: Batch {
                    inputs: run.support,
                    targets: Targets::Classes((0..ways).collect()),
                    sample_ids: Vec::new(),
                },
                query: Batch {
                    inputs: run.query,
                    targets: Targets::Classes(run.queries.iter().map(|(_, l)| *l).collect()),
                    sample_ids: Vec::new(),
                },
                function: None,
            }
        })
        .collect())
}
