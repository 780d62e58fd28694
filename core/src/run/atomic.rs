//! Crash-safe file writes: write a temporary file beside the target, fsync it, rename it over
//! the target, fsync the folder. A reader sees the old file or the new one, never a mix.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::RunError;

/// Suffix of temporary files; leftovers from a crash are ignored and removed on open.
pub const TMP_SUFFIX: &str = ".tmp";

/// The temporary path used while writing `path`.
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(TMP_SUFFIX);
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` atomically and durably. On failure (disk full, read-only
/// folder) the previous content of `path` is untouched and the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut f = File::create(&tmp).map_err(|e| RunError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| RunError::io(&tmp, e))?;
        f.sync_all().map_err(|e| RunError::io(&tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| RunError::io(path, e))?;
        sync_dir(path.parent().unwrap_or(Path::new(".")))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Flushes a folder's entries (renames, new files) to disk.
pub fn sync_dir(dir: &Path) -> Result<(), RunError> {
    // Opening a folder read-only and syncing it is how POSIX makes a rename durable; on
    // platforms where folders cannot be opened this is a no-op.
    match File::open(dir) {
        Ok(f) => f.sync_all().or_else(|e| {
            // Some file systems refuse fsync on folders; the rename itself is still atomic.
            if e.kind() == std::io::ErrorKind::InvalidInput {
                Ok(())
            } else {
                Err(RunError::io(dir, e))
            }
        }),
        Err(_) => Ok(()),
    }
}

/// Appends one line (a `\n` is added) to `path`, creating it.
pub fn append_line(path: &Path, line: &str) -> Result<(), RunError> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| RunError::io(path, e))?;
    let mut buf = String::with_capacity(line.len() + 1);
    buf.push_str(line);
    buf.push('\n');
    f.write_all(buf.as_bytes())
        .map_err(|e| RunError::io(path, e))
}

/// Fsyncs a file if it exists.
pub fn sync_file(path: &Path) -> Result<(), RunError> {
    match File::open(path) {
        Ok(f) => f.sync_all().map_err(|e| RunError::io(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RunError::io(path, e)),
    }
}
