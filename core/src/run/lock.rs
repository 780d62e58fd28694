//! The writer's lock of a run directory: an exclusive OS file lock on `writer.lock`, held for
//! as long as the [`RunLock`] lives (a crashed process's lock is released by the OS). Every
//! writer takes it (`train`, `train --force`, the workbench's training worker); readers
//! (`eval`, `adapt`, `export`, the workbench viewing a run) do not, and work while a run
//! trains. The file holds the holder's process id and command line, so that a refused second
//! writer can name it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::error::RunError;

/// The lock file's name inside a run directory.
pub const LOCK_FILE: &str = "writer.lock";

/// A held writer's lock; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

impl RunLock {
    /// Takes the writer's lock of the run directory `dir` (which must exist), or says which
    /// process holds it.
    pub fn acquire(dir: &Path) -> Result<Self, RunError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| RunError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(RunError::Locked {
                    path: dir.to_path_buf(),
                    holder: describe_holder(&holder),
                });
            }
            Err(TryLockError::Error(e)) => return Err(RunError::io(&path, e)),
        }
        let me = format!(
            "pid {}\ncommand {}\n",
            std::process::id(),
            std::env::args().collect::<Vec<_>>().join(" ")
        );
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
            .and_then(|()| file.write_all(me.as_bytes()))
            .map_err(|e| RunError::io(&path, e))?;
        Ok(Self { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // The OS drops the lock with the descriptor; emptying the file first keeps a stale
        // holder's name from being read by the next writer.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// "PID 123: `metanas train --run r`" from the lock file's text.
fn describe_holder(text: &str) -> String {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match (field("pid "), field("command ")) {
        (Some(pid), Some(cmd)) => format!("PID {pid}: `{cmd}`"),
        (Some(pid), None) => format!("PID {pid}"),
        _ => "a process that has not written its name yet".into(),
    }
}
