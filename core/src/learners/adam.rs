//! Adam (Kingma & Ba) over flat per-parameter gradients, the outer optimiser of MAML, BASE
//! few-shot and M-NAS, with a byte format for checkpoints.

use std::collections::HashMap;

use burn::module::{Module, ParamId};
use burn::prelude::*;

use super::grads::{negated, param_ids, shifted, ParamGrads};
use super::update::flat_params;

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPSILON: f64 = 1e-8;

/// Adam's moments and step count.
#[derive(Clone, Debug)]
pub struct Adam<B: Backend> {
    betas: (f64, f64),
    steps: u64,
    first: ParamGrads<B>,
    second: ParamGrads<B>,
}

impl<B: Backend> Default for Adam<B> {
    fn default() -> Self {
        Self {
            betas: (BETA1, BETA2),
            steps: 0,
            first: HashMap::new(),
            second: HashMap::new(),
        }
    }
}

impl<B: Backend> Adam<B> {
    /// Adam with other decay rates of the moments than (0.9, 0.999) (DARTS' architecture
    /// optimiser uses (0.5, 0.999)).
    pub fn with_betas(beta1: f64, beta2: f64) -> Self {
        Self {
            betas: (beta1, beta2),
            ..Self::default()
        }
    }

    /// `θ ← θ − lr(id) · m̂ / (√v̂ + ε)` for every parameter with a gradient.
    pub fn step<M: Module<B>>(
        &mut self,
        module: M,
        grads: &ParamGrads<B>,
        lrs: &HashMap<ParamId, f64>,
    ) -> M {
        self.steps += 1;
        let t = self.steps as i32;
        let (beta1, beta2) = self.betas;
        let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
        let mut update: ParamGrads<B> = HashMap::new();
        for (id, g) in grads {
            let m = match self.first.remove(id) {
                Some(m) => m * beta1 + g.clone() * (1.0 - beta1),
                None => g.clone() * (1.0 - beta1),
            };
            let v = match self.second.remove(id) {
                Some(v) => v * beta2 + g.clone().powi_scalar(2) * (1.0 - beta2),
                None => g.clone().powi_scalar(2) * (1.0 - beta2),
            };
            let d = (m.clone() / c1) / ((v.clone() / c2).sqrt() + EPSILON);
            update.insert(*id, d);
            self.first.insert(*id, m);
            self.second.insert(*id, v);
        }
        shifted(module, &[(&update, &negated(lrs))])
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// How many values of the moments are NaN or infinite. A gradient value above about
    /// 1.8e19 makes its square, and so the second moment, infinite in f32; from then on
    /// that parameter's update is `m̂ / ∞ = 0` at every step (`∞ · β₂` stays infinite), so it
    /// stops moving without any NaN, until an infinite first moment makes it NaN.
    pub fn non_finite_moments(&self) -> usize {
        [&self.first, &self.second]
            .into_iter()
            .flat_map(|moment| moment.values())
            .map(|t| {
                t.clone()
                    .into_data()
                    .convert::<f32>()
                    .to_vec::<f32>()
                    .map_or(0, |v| v.iter().filter(|x| !x.is_finite()).count())
            })
            .sum()
    }

    /// The state as bytes, moments in the parameter order of `module` (ids are not stored,
    /// so the state survives a reload that gives the parameters new ids).
    pub fn to_bytes<M: Module<B>>(&self, module: &M) -> Vec<u8> {
        let mut out = self.steps.to_le_bytes().to_vec();
        out.extend(moments_to_bytes(module, &[&self.first, &self.second]));
        out
    }

    /// Reads [`Adam::to_bytes`] for `module` (same architecture). The error says what is off.
    pub fn from_bytes<M: Module<B>>(bytes: &[u8], module: &M) -> Result<Self, OptimiserStateError> {
        let head = bytes
            .get(..8)
            .ok_or(OptimiserStateError::EndsEarly { at: 0 })?;
        let steps = u64::from_le_bytes(head.try_into().unwrap_or([0; 8]));
        let [first, second] = moments_from_bytes(&bytes[8..], module, 8)?;
        Ok(Self {
            betas: (BETA1, BETA2),
            steps,
            first,
            second,
        })
    }
}

/// `K` moment vectors (per-parameter tensors, any subset of the parameters) as bytes: for
/// each parameter of `module` in visiting order, each moment's length (u64 LE, 0 when
/// absent) and values (f32 LE).
pub fn moments_to_bytes<B: Backend, M: Module<B>>(
    module: &M,
    moments: &[&ParamGrads<B>],
) -> Vec<u8> {
    let mut out = Vec::new();
    for id in param_ids(module) {
        for moment in moments {
            let values: Vec<f32> = moment
                .get(&id)
                .map(|t| {
                    t.clone()
                        .into_data()
                        .convert::<f32>()
                        .to_vec::<f32>()
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            out.extend((values.len() as u64).to_le_bytes());
            values.iter().for_each(|v| out.extend(v.to_le_bytes()));
        }
    }
    out
}

/// Reads [`moments_to_bytes`] of `K` moments for `module`; `offset` is where `bytes` starts
/// in the whole state (for the error's byte position).
pub fn moments_from_bytes<B: Backend, M: Module<B>, const K: usize>(
    bytes: &[u8],
    module: &M,
    offset: usize,
) -> Result<[ParamGrads<B>; K], OptimiserStateError> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8], OptimiserStateError> {
        let chunk = bytes
            .get(at..at.saturating_add(n))
            .ok_or(OptimiserStateError::EndsEarly { at: offset + at })?;
        at += n;
        Ok(chunk)
    };
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    let device = module.devices().into_iter().next().unwrap_or_default();
    let mut out: [ParamGrads<B>; K] = std::array::from_fn(|_| HashMap::new());
    let sizes = flat_params(module);
    for id in param_ids(module) {
        let numel = sizes.get(&id).map_or(0, |t| t.dims()[0]);
        for moment in out.iter_mut() {
            let n = word(take(8)?) as usize;
            if n == 0 {
                continue;
            }
            if n != numel {
                return Err(OptimiserStateError::WrongSize { held: n, numel });
            }
            let raw = take(
                n.checked_mul(4)
                    .ok_or(OptimiserStateError::EndsEarly { at: usize::MAX })?,
            )?;
            let values: Vec<f32> = raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            moment.insert(
                id,
                Tensor::<B, 1>::from_data(TensorData::new(values, [n]), &device),
            );
        }
    }
    if at != bytes.len() {
        return Err(OptimiserStateError::Trailing {
            extra: bytes.len() - at,
        });
    }
    Ok(out)
}

/// Saved optimiser state that does not fit the network.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptimiserStateError {
    /// The bytes end before the network's parameters do.
    #[error("optimiser state ends early at byte {at}")]
    EndsEarly {
        /// Where the next read would start.
        at: usize,
    },
    /// A parameter's moment vector has another length than the parameter.
    #[error("optimiser state holds {held} values for a parameter of {numel}")]
    WrongSize {
        /// Values in the state.
        held: usize,
        /// Values of the parameter.
        numel: usize,
    },
    /// Bytes are left after every parameter was read.
    #[error("optimiser state has {extra} bytes more than the network needs")]
    Trailing {
        /// How many.
        extra: usize,
    },
}
