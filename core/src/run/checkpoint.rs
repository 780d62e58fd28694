//! Checkpoint files: the complete learner state behind a header with a format version, the
//! step and a CRC-32 of the payload, so that a torn or damaged file is recognised.
//!
//! Layout (little-endian): `MNASCKPT` magic (8 bytes), format version (u32), step (u64),
//! payload length (u64), CRC-32 of the payload (u32), payload.

use std::path::{Path, PathBuf};

use super::atomic::{write_atomic, TMP_SUFFIX};
use super::error::RunError;

const MAGIC: &[u8; 8] = b"MNASCKPT";
const HEADER: usize = 8 + 4 + 8 + 8 + 4;

/// The checkpoint format this version writes and reads.
pub const CHECKPOINT_VERSION: u32 = 1;

/// Encodes a checkpoint.
pub fn encode(step: usize, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CHECKPOINT_VERSION.to_le_bytes());
    out.extend_from_slice(&(step as u64).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Decodes a checkpoint read from `path`: its step and payload, or what is wrong with it.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(usize, Vec<u8>), RunError> {
    let bad = |m: String| RunError::dir(path, m);
    if bytes.len() < HEADER {
        return Err(bad(format!(
            "checkpoint is {} bytes, shorter than its {HEADER}-byte header",
            bytes.len()
        )));
    }
    if &bytes[..8] != MAGIC {
        return Err(bad("not a metanas checkpoint (bad magic bytes)".into()));
    }
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let u64_at = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i..i + 8]);
        u64::from_le_bytes(b)
    };
    let version = u32_at(8);
    if version != CHECKPOINT_VERSION {
        return Err(bad(format!(
            "checkpoint format version {version}; this metanas reads version {CHECKPOINT_VERSION}"
        )));
    }
    let step = u64_at(12) as usize;
    let len = u64_at(20);
    let crc = u32_at(28);
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != len {
        return Err(bad(format!(
            "checkpoint payload is {} bytes, the header says {len} (truncated?)",
            payload.len()
        )));
    }
    if crc32fast::hash(payload) != crc {
        return Err(bad(
            "checkpoint checksum does not match (damaged file)".into()
        ));
    }
    Ok((step, payload.to_vec()))
}

/// The suffix added to a checkpoint that could not be used (see [`Checkpoints::set_aside`]).
pub const DAMAGED_SUFFIX: &str = ".damaged";

/// The checkpoints of a run: `step-00000042.ckpt` files in one folder.
#[derive(Clone, Debug)]
pub struct Checkpoints {
    dir: PathBuf,
}

impl Checkpoints {
    /// The checkpoints under `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of step `step`.
    pub fn path(&self, step: usize) -> PathBuf {
        self.dir.join(format!("step-{step:08}.ckpt"))
    }

    /// Steps with a checkpoint file, ascending (the files are not read).
    pub fn steps(&self) -> Result<Vec<usize>, RunError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(RunError::io(&self.dir, e)),
        };
        let mut steps: Vec<usize> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("step-")?
                    .strip_suffix(".ckpt")?
                    .parse()
                    .ok()
            })
            .collect();
        steps.sort_unstable();
        Ok(steps)
    }

    /// Writes the checkpoint of `step` atomically, then removes all but the newest `keep` and
    /// the one of step `also_keep` (the best-validation checkpoint).
    pub fn write(
        &self,
        step: usize,
        payload: &[u8],
        keep: usize,
        also_keep: Option<usize>,
    ) -> Result<(), RunError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| RunError::io(&self.dir, e))?;
        write_atomic(&self.path(step), &encode(step, payload))?;
        let steps = self.steps()?;
        let keep = keep.max(1);
        if steps.len() > keep {
            for old in &steps[..steps.len() - keep] {
                if Some(*old) != also_keep {
                    // Failing to prune leaves an extra file, not a broken run.
                    let _ = std::fs::remove_file(self.path(*old));
                }
            }
        }
        Ok(())
    }

    /// The payload of step `step`'s checkpoint, or why it cannot be used (unreadable, torn,
    /// damaged, or holding another step than its name says).
    pub fn read(&self, step: usize) -> Result<Vec<u8>, RunError> {
        let path = self.path(step);
        let bytes = std::fs::read(&path).map_err(|e| RunError::io(&path, e))?;
        let (s, payload) = decode(&path, &bytes)?;
        if s != step {
            return Err(RunError::dir(
                &path,
                format!("holds step {s}, its name says {step}"),
            ));
        }
        Ok(payload)
    }

    /// Renames the checkpoint of `step` to `…ckpt.damaged`, out of the way of later resumes
    /// but kept as evidence. Returns the new path.
    pub fn set_aside(&self, step: usize) -> Result<PathBuf, RunError> {
        let from = self.path(step);
        let mut name = from.file_name().unwrap_or_default().to_os_string();
        name.push(DAMAGED_SUFFIX);
        let to = from.with_file_name(name);
        std::fs::rename(&from, &to).map_err(|e| RunError::io(&from, e))?;
        Ok(to)
    }

    /// Removes temporary files left by a crash during a write.
    pub fn remove_leftovers(&self) {
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.filter_map(Result::ok) {
                if e.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
}
