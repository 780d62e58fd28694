//! The files under one or more roots, each a folder on disk or a `.zip` archive, listed in a
//! fixed order and read on demand.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::error::DataError;

/// A file larger than this is not read whole (a guard against zip bombs).
const MAX_FILE_BYTES: u64 = 64 << 20;

/// The image file extensions the loaders decode.
pub(crate) const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "bmp"];

/// Whether a file name has one of [`IMAGE_EXTENSIONS`] (any case).
pub(crate) fn is_image_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    IMAGE_EXTENSIONS
        .iter()
        .any(|e| lower.ends_with(&format!(".{e}")))
}

enum Source {
    File(PathBuf),
    Zip { archive: usize, index: usize },
}

/// One file of a tree.
pub(crate) struct Entry {
    /// Folders between the root and the file.
    pub folders: Vec<String>,
    /// File name.
    pub name: String,
    /// Path shown to the user (`archive.zip/inner/path` for zip members).
    pub shown: PathBuf,
    source: Source,
}

/// The files of the roots added so far, and the archives they are read from.
#[derive(Default)]
pub(crate) struct FileTree {
    archives: Vec<zip::ZipArchive<File>>,
}

impl FileTree {
    /// The files under `root` (a folder, or a zip archive) whose name `keep` accepts, in
    /// path order for folders and archive order for zips; hidden files and `__MACOSX` are
    /// skipped.
    pub fn list(
        &mut self,
        root: &Path,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Vec<Entry>, DataError> {
        let mut out = Vec::new();
        if root.is_dir() {
            walk(root, &mut Vec::new(), &keep, &mut out)?;
        } else {
            self.list_zip(root, &keep, &mut out)?;
        }
        Ok(out)
    }

    fn list_zip(
        &mut self,
        path: &Path,
        keep: &impl Fn(&str) -> bool,
        out: &mut Vec<Entry>,
    ) -> Result<(), DataError> {
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
            if !keep(&name)
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
                    archive: self.archives.len(),
                    index,
                },
            });
        }
        self.archives.push(archive);
        Ok(())
    }

    /// The bytes of `e` (at most [`MAX_FILE_BYTES`]).
    pub fn read(&mut self, e: &Entry) -> Result<Vec<u8>, DataError> {
        let unreadable = |err: &dyn std::fmt::Display| DataError::io(&e.shown, err);
        match &e.source {
            Source::File(path) => {
                let file = File::open(path).map_err(|err| unreadable(&err))?;
                read_limited(file).map_err(|err| unreadable(&err))
            }
            Source::Zip { archive, index } => {
                let zip = self
                    .archives
                    .get_mut(*archive)
                    .ok_or_else(|| DataError::format(&e.shown, "zip archive went missing"))?;
                let member = zip.by_index(*index).map_err(|err| unreadable(&err))?;
                read_limited(member).map_err(|err| unreadable(&err))
            }
        }
    }
}

fn read_limited(r: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(r, MAX_FILE_BYTES), &mut bytes)?;
    Ok(bytes)
}

fn walk(
    dir: &Path,
    folders: &mut Vec<String>,
    keep: &impl Fn(&str) -> bool,
    out: &mut Vec<Entry>,
) -> Result<(), DataError> {
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
            walk(&path, folders, keep, out)?;
            folders.pop();
        } else if keep(&name) {
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
