//! Folders of images, on disk or inside `.zip` archives: the ImageFolder layout
//! `root/<class>/<image>` and the Omniglot layout `root/<alphabet>/<character>/<image>`
//! (each character a class, named `alphabet/character`).
//!
//! A single folder that wraps everything (as `images_background_small1/` does inside its
//! zip) is looked through. Several roots can be loaded together: folders of the same name are
//! the same class (Omniglot's two small background sets share Greek and Latin).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use super::convert::convert_image;
use super::error::DataError;
use super::store::{Dataset, DatasetFormat, ImageSpec, LoadOptions, Origin, Problem, Samples};

/// An image file larger than this is not read whole (a guard against zip bombs).
const MAX_IMAGE_BYTES: u64 = 64 << 20;

const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

fn is_image_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    IMAGE_EXTENSIONS
        .iter()
        .any(|e| lower.ends_with(&format!(".{e}")))
}

enum Source {
    File(PathBuf),
    Zip { archive: usize, index: usize },
}

struct Entry {
    /// Folders between the root and the file.
    folders: Vec<String>,
    /// File name.
    name: String,
    /// Path shown to the user (`archive.zip/inner/path` for zip members).
    shown: PathBuf,
    source: Source,
}

fn walk(dir: &Path, folders: &mut Vec<String>, out: &mut Vec<Entry>) -> Result<(), DataError> {
    let mut items: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| DataError::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    items.sort();
    for path in items {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            folders.push(name);
            walk(&path, folders, out)?;
            folders.pop();
        } else if is_image_name(&name) {
            out.push(Entry {
                folders: folders.clone(),
                name,
                shown: path.clone(),
                source: Source::File(path),
            });
        }
    }
    Ok(())
}

fn list_zip(
    path: &Path,
    archive_no: usize,
    out: &mut Vec<Entry>,
) -> Result<zip::ZipArchive<File>, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|e| DataError::format(path, format!("not a readable zip archive: {e}")))?;
    for index in 0..archive.len() {
        let Ok(member) = archive.by_index_raw(index) else {
            continue;
        };
        if member.is_dir() {
            continue;
        }
        let Ok(inner) = member.name().map(|n| n.to_string()) else {
            continue;
        };
        let mut parts: Vec<String> = inner
            .split('/')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        let Some(name) = parts.pop() else { continue };
        if !is_image_name(&name)
            || parts.first().is_some_and(|p| p == "__MACOSX")
            || name.starts_with('.')
        {
            continue;
        }
        out.push(Entry {
            folders: parts,
            name,
            shown: path.join(&inner),
            source: Source::Zip {
                archive: archive_no,
                index,
            },
        });
    }
    Ok(archive)
}

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
    let Some(first_root) = roots.first() else {
        return Err(DataError::Empty {
            path: PathBuf::new(),
            message: "no folder given".into(),
        });
    };
    let mut archives = Vec::new();
    let mut all = Vec::new();
    let mut format = None;
    for root in roots {
        let mut entries = Vec::new();
        if root.is_dir() {
            walk(root, &mut Vec::new(), &mut entries)?;
        } else {
            archives.push(list_zip(root, archives.len(), &mut entries)?);
        }
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
            let decoded = read_bytes(&e, &mut archives).and_then(|bytes| {
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
                opts.check_size(first_root, total as u64 * s.len() as u64)?;
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

fn read_bytes(e: &Entry, archives: &mut [zip::ZipArchive<File>]) -> Result<Vec<u8>, DataError> {
    match &e.source {
        Source::File(path) => std::fs::read(path).map_err(|err| DataError::io(path, err)),
        Source::Zip { archive, index } => {
            let zip = archives
                .get_mut(*archive)
                .ok_or_else(|| DataError::format(&e.shown, "zip archive went missing"))?;
            let mut member = zip.by_index(*index).map_err(|err| DataError::BadImage {
                path: e.shown.clone(),
                message: err.to_string(),
            })?;
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(&mut member, MAX_IMAGE_BYTES),
                &mut bytes,
            )
            .map_err(|err| DataError::BadImage {
                path: e.shown.clone(),
                message: err.to_string(),
            })?;
            Ok(bytes)
        }
    }
}
