//! A learner's saved state, one layout for every learner:
//! `steps (u64 LE) | optimiser bytes length (u64 LE) | optimiser state | parameter record`
//! (the record is Burn's named MessagePack of the learner's parameter module).
//!
//! Burn gives every parameter a random id, and the record stores it; the ids written here
//! are the parameters' positions in the module instead, so two identical runs write
//! identical state bytes.

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::prelude::*;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Recorder};

use super::adam::Adam;
use super::types::LearnerError;

fn state_error(message: String) -> LearnerError {
    LearnerError::State {
        path: "<memory>".into(),
        message,
    }
}

/// The state bytes of a learner at `steps` with optimiser `adam` over `module`. Refused
/// when the optimiser's moments overflowed ([`Adam::non_finite_moments`]): such a state
/// would resume a run whose parameters no longer move.
pub fn encode<B: Backend, M: Module<B>>(
    steps: usize,
    adam: &Adam<B>,
    module: &M,
) -> Result<Vec<u8>, LearnerError> {
    let count = adam.non_finite_moments();
    if count > 0 {
        return Err(LearnerError::OptimiserOverflow { step: steps, count });
    }
    let record = record_bytes(module)?;
    let adam = adam.to_bytes(module);
    let mut out = (steps as u64).to_le_bytes().to_vec();
    out.extend((adam.len() as u64).to_le_bytes());
    out.extend(adam);
    out.extend(record);
    Ok(out)
}

/// The parameter record of `module` (Burn's named MessagePack, ids by position).
pub fn record_bytes<B: Backend, M: Module<B>>(module: &M) -> Result<Vec<u8>, LearnerError> {
    NamedMpkBytesRecorder::<FullPrecisionSettings>::new()
        .record(with_position_ids(module.clone()).into_record(), ())
        .map_err(|e| state_error(e.to_string()))
}

/// A copy of `module` (which gives the structure) with the values of [`record_bytes`].
pub fn load_record_bytes<B: Backend, M: Module<B>>(
    bytes: &[u8],
    module: &M,
    device: &B::Device,
) -> Result<M, LearnerError> {
    let record = NamedMpkBytesRecorder::<FullPrecisionSettings>::new()
        .load(bytes.to_vec(), device)
        .map_err(|e| state_error(format!("cannot read the parameters: {e}")))?;
    Ok(module.clone().load_record(record))
}

/// `module` with each float parameter's id replaced by its position in visiting order (the
/// order of the module's fields, the same on every run of one build).
fn with_position_ids<B: Backend, M: Module<B>>(module: M) -> M {
    struct Renumber(u64);
    impl Renumber {
        fn next(&mut self) -> ParamId {
            self.0 += 1;
            ParamId::from(self.0 - 1)
        }
    }
    impl<B: Backend> ModuleMapper<B> for Renumber {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let (_, tensor, mapper) = param.consume();
            Param::from_mapped_value(self.next(), tensor, mapper)
        }
        fn map_int<const D: usize>(
            &mut self,
            param: Param<Tensor<B, D, Int>>,
        ) -> Param<Tensor<B, D, Int>> {
            let (_, tensor, mapper) = param.consume();
            Param::from_mapped_value(self.next(), tensor, mapper)
        }
        fn map_bool<const D: usize>(
            &mut self,
            param: Param<Tensor<B, D, Bool>>,
        ) -> Param<Tensor<B, D, Bool>> {
            let (_, tensor, mapper) = param.consume();
            Param::from_mapped_value(self.next(), tensor, mapper)
        }
    }
    module.map(&mut Renumber(0))
}

/// Reads state bytes into a copy of `module` (which gives the structure and the device):
/// the step counter, the optimiser and the loaded module.
pub fn decode<B: Backend, M: Module<B>>(
    bytes: &[u8],
    module: &M,
    device: &B::Device,
) -> Result<(usize, Adam<B>, M), LearnerError> {
    let word = |at: usize| -> Result<u64, LearnerError> {
        let b = bytes
            .get(at..at + 8)
            .ok_or_else(|| state_error("state is shorter than its header".into()))?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    let steps = word(0)? as usize;
    let adam_len = word(8)? as usize;
    let adam_end = 16usize
        .checked_add(adam_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| state_error("optimiser state runs past the end".into()))?;
    let loaded = load_record_bytes(&bytes[adam_end..], module, device)?;
    let adam =
        Adam::from_bytes(&bytes[16..adam_end], &loaded).map_err(|e| state_error(e.to_string()))?;
    Ok((steps, adam, loaded))
}
