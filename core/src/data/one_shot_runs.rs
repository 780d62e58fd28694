//! Lake et al.'s one-shot classification benchmark (Omniglot's `all_runs.zip`) read from disk:
//! each run is a folder with `training/` (one example per class), `test/` (the queries) and
//! `class_labels.txt`, whose lines pair a query with the training example of its class
//! (`run01/test/item01.png run01/training/class08.png`).
//!
//! Read two ways: as fixed episodes, one per run (`tasks::load_one_shot_runs`), and, given to
//! any dataset path, as a dataset of its characters: each training image is a class, holding
//! that image and the queries labelled with it (400 characters of 2 drawings in
//! `all_runs.zip`), so that N-way K-shot tasks of any N can be drawn from the evaluation
//! alphabets. Images are converted like the image-folder loader's (resized with a triangle
//! filter, values in [0, 1]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::convert::convert_image;
use super::error::DataError;
use super::store::{Dataset, DatasetFormat, ImageSpec, LoadOptions, Origin, Samples};
use super::tree::{is_image_name, Entry, FileTree};

/// The file that marks a run folder.
pub const CLASS_LABELS: &str = "class_labels.txt";

/// One run, decoded: its folder, the support images (label = position, in file-name order) and
/// the queries with their labels (in file-name order).
pub struct OneShotRun {
    /// The run's folder inside the root (`run01`).
    pub folder: String,
    /// The training images' files.
    pub training: Vec<PathBuf>,
    /// Their pixels, `[training.len(), spec]`.
    pub support: Vec<f32>,
    /// The test images' files and labels.
    pub queries: Vec<(PathBuf, usize)>,
    /// Their pixels, `[queries.len(), spec]`.
    pub query: Vec<f32>,
}

/// What `root` (a folder or a `.zip`) lists: its images and its `class_labels.txt` files.
pub(super) fn list_runs_and_images(
    root: &Path,
    tree: &mut FileTree,
) -> Result<Vec<Entry>, DataError> {
    tree.list(root, |n| n == CLASS_LABELS || is_image_name(n))
}

/// Whether listed entries hold runs (a `class_labels.txt` anywhere).
pub(super) fn holds_runs(entries: &[Entry]) -> bool {
    entries.iter().any(|e| e.name == CLASS_LABELS)
}

/// Reads every run under `root` (a folder or a `.zip`), in folder-name order, converting the
/// images to `spec` (`None`: the first image's size, grey). Returns the spec used.
pub fn read_one_shot_runs(
    root: &Path,
    spec: Option<ImageSpec>,
) -> Result<(ImageSpec, Vec<OneShotRun>), DataError> {
    let mut tree = FileTree::default();
    let entries = list_runs_and_images(root, &mut tree)?;
    read_listed_runs(root, &mut tree, &entries, spec, |_, _| Ok(()))
}

/// Reads the runs among `entries` (listed from `root` into `tree`). Before any image is
/// decoded past the first, `check(spec, images)` is told how many images the runs hold.
fn read_listed_runs(
    root: &Path,
    tree: &mut FileTree,
    entries: &[Entry],
    spec: Option<ImageSpec>,
    mut check: impl FnMut(ImageSpec, usize) -> Result<(), DataError>,
) -> Result<(ImageSpec, Vec<OneShotRun>), DataError> {
    let by_path: BTreeMap<String, &Entry> = entries.iter().map(|e| (path_of(e), e)).collect();
    let label_files: Vec<&Entry> = entries.iter().filter(|e| e.name == CLASS_LABELS).collect();
    if label_files.is_empty() {
        return Err(DataError::Empty {
            path: root.to_path_buf(),
            message: format!(
                "no run folders found (a run is a folder holding {CLASS_LABELS}, training/ and \
                 test/, as in Omniglot's all_runs.zip)"
            ),
        });
    }
    let mut runs = Vec::with_capacity(label_files.len());
    for labels_file in label_files {
        runs.push((labels_file, RunFiles::of(labels_file, &by_path, tree)?));
    }
    let images: usize = runs
        .iter()
        .map(|(_, r)| r.training.len() + r.queries.len())
        .sum();
    let mut spec = spec;
    let mut checked = false;
    let mut out = Vec::with_capacity(runs.len());
    for (labels_file, run) in runs {
        let mut image = |e: &Entry| -> Result<Vec<f32>, DataError> {
            let bytes = tree.read(e)?;
            let img = image::load_from_memory(&bytes).map_err(|err| DataError::BadImage {
                path: e.shown.clone(),
                message: err.to_string(),
            })?;
            let s = *spec.get_or_insert(ImageSpec {
                channels: 1,
                height: img.height() as usize,
                width: img.width() as usize,
            });
            if !checked {
                check(s, images)?;
                checked = true;
            }
            Ok(convert_image(&img, s))
        };
        let mut support = Vec::new();
        for e in &run.training {
            support.extend(image(e)?);
        }
        let mut query = Vec::new();
        for (e, _) in &run.queries {
            query.extend(image(e)?);
        }
        out.push(OneShotRun {
            folder: labels_file.folders.join("/"),
            training: run.training.iter().map(|e| e.shown.clone()).collect(),
            support,
            queries: run
                .queries
                .iter()
                .map(|(e, l)| (e.shown.clone(), *l))
                .collect(),
            query,
        });
    }
    let spec = spec.ok_or_else(|| DataError::Empty {
        path: root.to_path_buf(),
        message: "the runs hold no images".into(),
    })?;
    Ok((spec, out))
}

/// The runs among `entries` (listed from `root` into `tree`) as a dataset of their
/// characters: one class per training image (named `<run folder>/<file stem>`), holding that
/// image, then its queries. The size cap is checked once the first image gives the size.
pub(super) fn load_listed_runs_dataset(
    root: &Path,
    mut tree: FileTree,
    entries: &[Entry],
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let (spec, runs) = read_listed_runs(root, &mut tree, entries, opts.image, |s, images| {
        opts.check_size(root, images as u64 * s.len() as u64)
    })?;
    let total: usize = runs
        .iter()
        .map(|r| r.training.len() + r.queries.len())
        .sum();
    let n = spec.len();
    let mut class_names = Vec::new();
    let mut labels = Vec::with_capacity(total);
    let mut pixels = Vec::with_capacity(total * n);
    let mut files = Vec::with_capacity(total);
    for run in &runs {
        for (k, file) in run.training.iter().enumerate() {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let label = class_names.len();
            class_names.push(format!("{}/{stem}", run.folder));
            let queries = run.queries.iter().enumerate().filter(|(_, (_, l))| *l == k);
            let images = std::iter::once((file, &run.support[k * n..(k + 1) * n]))
                .chain(queries.map(|(q, (qfile, _))| (qfile, &run.query[q * n..(q + 1) * n])));
            for (file, values) in images {
                pixels.extend_from_slice(values);
                labels.push(label);
                files.push(file.clone());
            }
        }
        opts.report(labels.len(), total);
    }
    Ok(Dataset {
        name: root
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "runs".into()),
        format: DatasetFormat::OneShotRuns,
        class_names,
        labels,
        targets: None,
        samples: Samples::Images { spec, pixels },
        origins: (0..files.len())
            .map(|file| Origin { file, item: 0 })
            .collect(),
        files,
        problems: Vec::new(),
    })
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
