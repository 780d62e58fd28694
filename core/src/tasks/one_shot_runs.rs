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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::episode::{Batch, Episode, Targets};
use crate::data::tree::{is_image_name, Entry, FileTree};
use crate::data::{convert_image, DataError, ImageSpec};

/// The file that marks a run folder.
pub const CLASS_LABELS: &str = "class_labels.txt";

/// Loads every run under `root` (a folder or a `.zip`) as an episode at `spec`, runs in
/// folder-name order. `source_name` is the input the episodes feed (the space's input).
pub fn load_one_shot_runs(
    root: &Path,
    spec: ImageSpec,
    source_name: &str,
) -> Result<Vec<Episode>, DataError> {
    let mut tree = FileTree::default();
    let entries = tree.list(root, |n| n == CLASS_LABELS || is_image_name(n))?;
    let by_path: BTreeMap<String, &Entry> = entries.iter().map(|e| (path_of(e), e)).collect();
    let runs: Vec<&Entry> = entries.iter().filter(|e| e.name == CLASS_LABELS).collect();
    if runs.is_empty() {
        return Err(DataError::Empty {
            path: root.to_path_buf(),
            message: format!(
                "no run folders found (a run is a folder holding {CLASS_LABELS}, training/ and \
                 test/, as in Omniglot's all_runs.zip)"
            ),
        });
    }
    let mut episodes = Vec::with_capacity(runs.len());
    for labels_file in runs {
        let run = RunFiles::of(labels_file, &by_path, &mut tree)?;
        let mut image = |e: &Entry| -> Result<Vec<f32>, DataError> {
            let bytes = tree.read(e)?;
            let img = image::load_from_memory(&bytes).map_err(|err| DataError::BadImage {
                path: e.shown.clone(),
                message: err.to_string(),
            })?;
            Ok(convert_image(&img, spec))
        };
        let mut support = Vec::new();
        for e in &run.training {
            support.extend(image(e)?);
        }
        let mut query = Vec::new();
        let mut query_labels = Vec::new();
        for (e, label) in &run.queries {
            query.extend(image(e)?);
            query_labels.push(*label);
        }
        let ways = run.training.len();
        episodes.push(Episode {
            source: 0,
            source_name: source_name.to_string(),
            input_shape: vec![spec.channels, spec.height, spec.width],
            classes: (0..ways).collect(),
            support: Batch {
                inputs: support,
                targets: Targets::Classes((0..ways).collect()),
                sample_ids: Vec::new(),
            },
            query: Batch {
                inputs: query,
                targets: Targets::Classes(query_labels),
                sample_ids: Vec::new(),
            },
            function: None,
        });
    }
    Ok(episodes)
}

/// A file's path inside its root, `/`-separated.
fn path_of(e: &Entry) -> String {
    e.folders
        .iter()
        .map(String::as_str)
        .chain([e.name.as_str()])
        .collect::<Vec<_>>()
        .join("/")
}

/// One run's support images (label = position) and labelled queries.
struct RunFiles<'a> {
    training: Vec<&'a Entry>,
    queries: Vec<(&'a Entry, usize)>,
}

impl<'a> RunFiles<'a> {
    fn of(
        labels_file: &Entry,
        by_path: &BTreeMap<String, &'a Entry>,
        tree: &mut FileTree,
    ) -> Result<Self, DataError> {
        let shown = &labels_file.shown;
        let run_dir = labels_file.folders.join("/");
        let in_run = |sub: &str| -> Vec<&'a Entry> {
            let prefix = if run_dir.is_empty() {
                format!("{sub}/")
            } else {
                format!("{run_dir}/{sub}/")
            };
            by_path
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .filter(|(p, _)| !p[prefix.len()..].contains('/'))
                .map(|(_, e)| *e)
                .collect()
        };
        let training = in_run("training");
        let test = in_run("test");
        if training.is_empty() || test.is_empty() {
            return Err(DataError::format(
                shown,
                "the run needs images in training/ and test/ beside this file",
            ));
        }
        let text = String::from_utf8(tree.read(labels_file)?)
            .map_err(|_| DataError::format(shown, "not UTF-8 text"))?;
        // A path in the file is relative to the folder holding the run, or to the run.
        let parent = labels_file.folders[..labels_file.folders.len().saturating_sub(1)].join("/");
        let resolve = |p: &str| -> Option<&'a Entry> {
            [&parent, &run_dir]
                .iter()
                .map(|base| {
                    if base.is_empty() {
                        p.to_string()
                    } else {
                        format!("{base}/{p}")
                    }
                })
                .find_map(|full| by_path.get(&full).copied())
        };
        let mut label_of: BTreeMap<PathBuf, usize> = BTreeMap::new();
        for (i, e) in training.iter().enumerate() {
            label_of.insert(e.shown.clone(), i);
        }
        let mut labelled: BTreeMap<PathBuf, usize> = BTreeMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let at =
                |message: String| DataError::format(shown, format!("line {}: {message}", n + 1));
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [query, class] = fields.as_slice() else {
                return Err(at(format!(
                    "expected two paths (a test image and its training image), found {}",
                    fields.len()
                )));
            };
            let query = resolve(query).ok_or_else(|| at(format!("{query}: no such image")))?;
            let class = resolve(class).ok_or_else(|| at(format!("{class}: no such image")))?;
            let label = *label_of
                .get(&class.shown)
                .ok_or_else(|| at(format!("{} is not in the run's training/", class.name)))?;
            if !test.iter().any(|t| t.shown == query.shown) {
                return Err(at(format!("{} is not in the run's test/", query.name)));
            }
            if labelled.insert(query.shown.clone(), label).is_some() {
                return Err(at(format!("{} is labelled twice", query.name)));
            }
        }
        let mut queries = Vec::with_capacity(test.len());
        for e in test {
            let label = *labelled.get(&e.shown).ok_or_else(|| {
                DataError::format(shown, format!("test image {} has no line", e.name))
            })?;
            queries.push((e, label));
        }
        Ok(Self { training, queries })
    }
}
