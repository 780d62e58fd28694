//! Folders of images, on disk or inside `.zip` archives: the ImageFolder layout
//! `root/<class>/<image>` and the Omniglot layout `root/<alphabet>/<character>/<image>`
//! (each character a class, named `alphabet/character`).
//!
//! A single folder that wraps everything (as `images_background_small1/` does inside its
//! zip) is looked through. Several roots can be loaded together: folders of the same name are
//! the same class (Omniglot's two small background sets share Greek and Latin).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::convert::convert_image;
use super::error::DataError;
use super::store::{Dataset, DatasetFormat, ImageSpec, LoadOptions, Origin, Problem, Samples};
use super::tree::{is_image_name, Entry, FileTree, IMAGE_EXTENSIONS};

/// The layout the entries of one root follow, after looking through wrapping folders.
fn layout(entries: &mut [Entry], root: &Path) -> Result<DatasetFormat, DataError> {
    loop {
        let max_depth = entries.iter().map(|e| e.folders.len()).max().unwrap_or(0);
        let first = entries.first().and_then(|e| e.folders.first()).cloned();
        let shared = first.is_some() && entries.iter().all(|e| e.folders.first() == first.as_ref());
        if max_depth > 2 && shared {
            entries.iter_mut().for_each(|e| {
                e.folders.remove(0);
            });
        } else {
            break;
        }
    }
    let depths: std::collections::BTreeSet<usize> =
        entries.iter().map(|e| e.folders.len()).collect();
    match depths.iter().copied().collect::<Vec<_>>().as_slice() {
        [1] => Ok(DatasetFormat::ImageFolder),
        [2] => Ok(DatasetFormat::Omniglot),
        [0] => Err(DataError::format(root, "images lie directly in the root; put each class in its own folder (root/<class>/<image>)")),
        other => Err(DataError::format(
            root,
            format!("images at folder depths {other:?}; expected root/<class>/<image> or root/<alphabet>/<character>/<image>"),
        )),
    }
}

/// Loads one or more image-folder roots (directories or `.zip` archives).
pub fn load_image_folders(
    roots: &[PathBuf],
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let mut tree = FileTree::default();
    let mut listed = Vec::with_capacity(roots.len());
    for root in roots {
        let entries = tree.list(root, is_image_name)?;
        listed.push((root.clone(), entries));
    }
    load_listed_image_folders(tree, listed, opts)
}

/// Loads image-folder roots already listed into `tree`: each root with its image entries.
pub(super) fn load_listed_image_folders(
    mut tree: FileTree,
    listed: Vec<(PathBuf, Vec<Entry>)>,
    opts: &mut LoadOptions<'_>,
) -> Result<Dataset, DataError> {
    let Some(first_root) = listed.first().map(|(root, _)| root.clone()) else {
        return Err(DataError::Empty {
            path: PathBuf::new(),
            message: "no folder given".into(),
        });
    };
    let mut all = Vec::new();
    let mut format = None;
    for (root, mut entries) in listed {
        let root = &root;
        if entries.is_empty() {
            return Err(DataError::Empty {
                path: root.clone(),
                message: format!("no images ({}) found", IMAGE_EXTENSIONS.join(", ")),
            });
        }
        let f = layout(&mut entries, root)?;
        if format.is_some_and(|g| g != f) {
            return Err(DataError::format(
                root,
                "this root's layout differs from the first root's",
            ));
        }
        format = Some(f);
        all.extend(entries);
    }
    // Classes by name, in name order; samples in (class, file) order for determinism.
    let mut by_class: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for e in all {
        by_class.entry(e.folders.join("/")).or_default().push(e);
    }
    for v in by_class.values_mut() {
        v.sort_by(|a, b| a.name.cmp(&b.name).then(a.shown.cmp(&b.shown)));
    }
    let total: usize = by_class.values().map(Vec::len).sum();
    let mut spec = opts.image;
    let mut class_names = Vec::new();
    let mut labels = Vec::new();
    let mut pixels = Vec::new();
    let mut files = Vec::new();
    let mut origins = Vec::new();
    let mut problems = Vec::new();
    let mut done = 0;
    for (class, entries) in by_class {
        let label = class_names.len();
        class_names.push(class);
        for e in entries {
            done += 1;
            let decoded = tree.read(&e).and_then(|bytes| {
                image::load_from_memory(&bytes).map_err(|err| DataError::BadImage {
                    path: e.shown.clone(),
                    message: err.to_string(),
                })
            });
            let img = match decoded {
                Ok(img) => img,
                Err(err) if !opts.strict => {
                    problems.push(Problem {
                        path: e.shown.clone(),
                        message: err.to_string(),
                    });
                    continue;
                }
                Err(err) => return Err(err),
            };
            let s = *spec.get_or_insert(ImageSpec {
                channels: 1,
                height: img.height() as usize,
                width: img.width() as usize,
            });
            if files.is_empty() {
                opts.check_size(&first_root, total as u64 * s.len() as u64)?;
            }
            pixels.extend(convert_image(&img, s));
            labels.push(label);
            origins.push(Origin {
                file: files.len(),
                item: 0,
            });
            files.push(e.shown);
            if done % 64 == 0 {
                opts.report(done, total);
            }
        }
    }
    opts.report(total, total);
    let Some(spec) = spec.filter(|_| !labels.is_empty()) else {
        return Err(DataError::Empty {
            path: first_root.clone(),
            message: format!(
                "none of the {total} images could be read (first problem: {})",
                problems.first().map_or("none", |p| p.message.as_str())
            ),
        });
    };
    let name = first_root
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "images".into());
    Ok(Dataset {
        name,
        format: format.unwrap_or(DatasetFormat::ImageFolder),
        class_names,
        labels,
        targets: None,
        samples: Samples::Images { spec, pixels },
        files,
        origins,
        problems,
    })
}
