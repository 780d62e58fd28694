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

    /// Rewrites the stream keeping only readable records of steps `<= step` (atomically).
    /// Returns the warnings of reading it.
    pub fn keep_until(&self, step: usize) -> Result<Vec<String>, RunError> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let read = self.read::<serde_json::Value>()?;
        let mut out = String::new();
        for r in &read.records {
            let s = r.get("step").and_then(serde_json::Value::as_u64);
            if s.is_some_and(|s| s as usize <= step) {
                out.push_str(&r.to_string());
                out.push('\n');
            }
        }
        write_atomic(&self.path, out.as_bytes())?;
        Ok(read.warnings)
    }
}
