//! Append-only JSON-lines streams (metrics, architecture history, posterior snapshots,
//! genotypes). Every record carries the meta-step it belongs to. Readers tolerate a torn last
//! line (a crash mid-append) and skip it with a warning; resuming from a checkpoint drops the
//! records written after it, so a resumed run's streams match an uninterrupted one's.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::atomic::{append_line, sync_file, write_atomic};
use super::error::RunError;

/// One JSON-lines file of a run.
#[derive(Clone, Debug)]
pub struct Stream {
    path: PathBuf,
}

/// Records read from a stream, with a warning per line that could not be read.
#[derive(Clone, Debug)]
pub struct StreamRead<T> {
    /// Records in file order.
    pub records: Vec<T>,
    /// `file:line: what` for each skipped line.
    pub warnings: Vec<String>,
}

impl Stream {
    /// The stream at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a record.
    pub fn append<T: Serialize>(&self, record: &T) -> Result<(), RunError> {
        let line = serde_json::to_string(record).map_err(|e| RunError::io(&self.path, e))?;
        append_line(&self.path, &line)
    }

    /// Makes appended records durable.
    pub fn sync(&self) -> Result<(), RunError> {
        sync_file(&self.path)
    }

    /// Reads all records; a missing file reads as empty.
    pub fn read<T: DeserializeOwned>(&self) -> Result<StreamRead<T>, RunError> {
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(RunError::io(&self.path, e)),
        };
        let mut records = Vec::new();
        let mut warnings = Vec::new();
        let complete = text.ends_with('\n');
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<T>(line) {
                Ok(r) => records.push(r),
                Err(e) => {
                    let torn = i + 1 == lines.len() && !complete;
                    warnings.push(format!(
                        "{}:{}: {} ({e}); line ignored",
                        self.path.display(),
                        i + 1,
                        if torn {
                            "torn last line (the process stopped while writing it)"
                        } else {
                            "unreadable record"
                        }
                    ));
                }
            }
        }
        Ok(StreamRead { records, warnings })
    }

    /// Cuts the stream back to its readable records of steps `<= step`, keeping their bytes
    /// as they were written. When those records are all of the file's first lines (the usual
    /// case: a resume drops the records after its checkpoint) the file is truncated in place;
    /// otherwise (an unreadable line among them) it is rewritten atomically from the kept
    /// lines. A file that keeps everything is not touched. Returns the warnings of reading it.
    pub fn keep_until(&self, step: usize) -> Result<Vec<String>, RunError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(RunError::io(&self.path, e)),
        };
        let warnings = self.read::<serde_json::Value>()?.warnings;
        let mut kept: Vec<&[u8]> = Vec::new();
        let mut prefix = 0usize;
        let mut contiguous = true;
        let mut at = 0usize;
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            let start = at;
            at += line.len();
            let complete = line.ends_with(b"\n");
            let keep = complete
                && serde_json::from_slice::<serde_json::Value>(line)
                    .ok()
                    .and_then(|r| r.get("step").and_then(serde_json::Value::as_u64))
                    .is_some_and(|s| s as usize <= step);
            if keep {
                kept.push(line);
                if contiguous && start == prefix {
                    prefix = at;
                } else {
                    contiguous = false;
                }
            } else if !line.iter().all(u8::is_ascii_whitespace) {
                contiguous = false;
            }
        }
        if prefix == bytes.len() {
            return Ok(warnings);
        }
        if kept.iter().map(|l| l.len()).sum::<usize>() == prefix {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(|e| RunError::io(&self.path, e))?;
            f.set_len(prefix as u64)
                .and_then(|()| f.sync_all())
                .map_err(|e| RunError::io(&self.path, e))?;
        } else {
            write_atomic(&self.path, &kept.concat())?;
        }
        Ok(warnings)
    }
}
