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

/// A checkpoint read back: its step and payload.
pub type Loaded = (usize, Vec<u8>);

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

    /// Writes the checkpoint of `step` atomically, then removes all but the newest `keep`.
    pub fn write(&self, step: usize, payload: &[u8], keep: usize) -> Result<(), RunError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| RunError::io(&self.dir, e))?;
        write_atomic(&self.path(step), &encode(step, payload))?;
        let steps = self.steps()?;
        let keep = keep.max(1);
        if steps.len() > keep {
            for old in &steps[..steps.len() - keep] {
                // Failing to prune leaves an extra file, not a broken run.
                let _ = std::fs::remove_file(self.path(*old));
            }
        }
        Ok(())
    }

    /// The newest checkpoint that reads back intact, with a warning for each newer one that
    /// did not; `None` when there is none at all.
    pub fn latest_good(&self) -> Result<(Option<Loaded>, Vec<String>), RunError> {
        let mut warnings = Vec::new();
        for step in self.steps()?.into_iter().rev() {
            let path = self.path(step);
            let read = std::fs::read(&path).map_err(|e| RunError::io(&path, e));
            match read.and_then(|bytes| decode(&path, &bytes)) {
                Ok((s, payload)) if s == step => return Ok((Some((step, payload)), warnings)),
                Ok((s, _)) => warnings.push(format!(
                    "{}: holds step {s}, its name says {step}; skipped",
                    path.display()
                )),
                Err(e) => warnings.push(format!("{e}; using an earlier checkpoint")),
            }
        }
        Ok((None, warnings))
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
