//! A retrain checkpoint's contents: the run's progress, the optimiser's state and the
//! network, written and read back (read back checked: a damaged or non-finite checkpoint is
//! refused, so that the run falls back to an older one).

use std::path::Path;

use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use super::architecture::RetrainNet;
use super::config::RetrainConfig;
use super::sgd::Sgd;
use crate::run::RunError;

/// Progress within the run, saved in each checkpoint.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Progress {
    pub(super) step: usize,
    /// Sums over the current epoch so far.
    pub(super) loss_sum: f64,
    pub(super) correct: usize,
    pub(super) seen: usize,
    pub(super) elapsed_seconds: f64,
}

/// A checkpoint's bytes: the progress (JSON) and the optimiser state, each after its length
/// as a little-endian u64, then the network's record.
pub(super) fn encode_state<A: AutodiffBackend>(
    progress: &Progress,
    sgd: &Sgd<A::InnerBackend>,
    model: &RetrainNet<A>,
    dir: &Path,
) -> Result<Vec<u8>, RunError> {
    let progress = serde_json::to_vec(progress).map_err(|e| RunError::io(dir, e))?;
    let inner = model.valid();
    let sgd = sgd.to_bytes(&inner);
    let record = crate::learners::record_bytes(&inner).map_err(RunError::Learner)?;
    let mut payload = Vec::new();
    for part in [&progress, &sgd] {
        payload.extend((part.len() as u64).to_le_bytes());
        payload.extend(part.iter());
    }
    payload.extend(record);
    Ok(payload)
}

/// What a checkpoint holds, decoded.
pub(super) type State<A> = (
    Progress,
    Sgd<<A as AutodiffBackend>::InnerBackend>,
    RetrainNet<A>,
);

pub(super) fn decode_state<A: AutodiffBackend>(
    bytes: &[u8],
    fresh: &RetrainNet<A>,
    config: &RetrainConfig,
    device: &A::Device,
    dir: &Path,
) -> Result<State<A>, RunError> {
    let bad = |m: String| RunError::dir(dir, format!("checkpoint: {m}"));
    let mut at = 0usize;
    let mut part = || -> Result<&[u8], RunError> {
        let len = bytes
            .get(at..at + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize)
            .ok_or_else(|| bad("ends inside its header".into()))?;
        let start = at + 8;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| bad("a part runs past the end".into()))?;
        at = end;
        Ok(&bytes[start..end])
    };
    let progress: Progress =
        serde_json::from_slice(part()?).map_err(|e| bad(format!("progress: {e}")))?;
    let sgd_bytes = part()?.to_vec();
    let inner = crate::learners::load_record_bytes(&bytes[at..], &fresh.valid(), device)
        .map_err(|e| bad(e.to_string()))?;
    let p = &config.protocol;
    let sgd = Sgd::from_bytes(&sgd_bytes, &inner, p.momentum, p.weight_decay)
        .map_err(|e| bad(e.to_string()))?;
    let non_finite = crate::learners::param_values(&inner)
        .iter()
        .filter(|v| !v.is_finite())
        .count();
    if non_finite > 0 {
        return Err(bad(format!("{non_finite} values are not finite")));
    }
    Ok((
        progress,
        sgd,
        crate::learners::trainable::<A, RetrainNet<A>>(inner),
    ))
}
