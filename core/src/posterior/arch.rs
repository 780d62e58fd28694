//! Architecture logits φ and their relaxed samples: Gumbel-softmax (BASE eq. 8), plain softmax
//! (the DARTS relaxation, the papers' ablation) and hard straight-through Gumbel.

use burn::module::{Module, Param};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use crate::rng::SeededRng;
use crate::space::{CellKind, SearchSpace};
use crate::supernet::ArchWeights;

/// Added to the logits of ops switched off by constraints (after dividing by τ), so that
/// their probability is exactly zero in f32.
const DEAD_LOGIT: f64 = -1e9;

/// How an architecture sample z is drawn from φ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relaxation {
    /// z = softmax((φ + g) / τ), g ~ Gumbel(0, 1) (BASE eq. 8).
    Gumbel,
    /// z = softmax(φ), no noise, τ unused (DARTS).
    Softmax,
    /// The Gumbel sample's one-hot argmax in the forward pass with the Gumbel-softmax
    /// gradient (straight-through).
    HardGumbel,
}

/// Architecture logits φ: one `[edges, ops]` table for normal cells, one for reduction cells,
/// each shared by every cell of its kind.
#[derive(Module, Debug)]
pub struct ArchLogits<B: Backend> {
    /// `phi_normal[edge][op]`.
    pub normal: Param<Tensor<B, 2>>,
    /// `phi_reduce[edge][op]`, when the space has reduction cells.
    pub reduce: Option<Param<Tensor<B, 2>>>,
    /// `dead_normal[edge * ops + op]`: switched off by a constraint.
    pub dead_normal: Vec<bool>,
    /// Same for reduction cells.
    pub dead_reduce: Vec<bool>,
}

fn dead_of(space: &SearchSpace, kind: CellKind) -> Vec<bool> {
    space
        .live_mask(kind)
        .into_iter()
        .flatten()
        .map(|l| !l)
        .collect()
}

impl<B: Backend> ArchLogits<B> {
    /// Logits drawn as `scale · N(0, 1)` from `rng` (DARTS initialises with scale 1e-3).
    pub fn init(space: &SearchSpace, scale: f64, rng: &mut SeededRng, device: &B::Device) -> Self {
        let shape = [space.num_edges(), space.ops.len()];
        let table = |rng: &mut SeededRng| {
            let values: Vec<f32> = rng
                .normal_vec(shape[0] * shape[1])
                .iter()
                .map(|v| v * scale as f32)
                .collect();
            Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
        };
        let normal = table(rng);
        let reduce = space.has_reduce().then(|| table(rng));
        Self {
            normal,
            reduce,
            dead_normal: dead_of(space, CellKind::Normal),
            dead_reduce: dead_of(space, CellKind::Reduce),
        }
    }

    pub(crate) fn relax_one(
        logits: Tensor<B, 2>,
        dead: &[bool],
        relaxation: Relaxation,
        tau: f64,
        rng: &mut SeededRng,
    ) -> Tensor<B, 2> {
        let dims = logits.dims();
        let device = logits.device();
        let scaled = match relaxation {
            Relaxation::Softmax => logits,
            Relaxation::Gumbel | Relaxation::HardGumbel => {
                let g = Tensor::<B, 2>::from_data(
                    TensorData::new(rng.gumbel_vec(dims[0] * dims[1]), dims),
                    &device,
                );
                (logits + g) / tau
            }
        };
        let mask = Tensor::<B, 2, Bool>::from_data(TensorData::new(dead.to_vec(), dims), &device);
        let soft = softmax(scaled.mask_fill(mask, DEAD_LOGIT), 1);
        if relaxation != Relaxation::HardGumbel {
            return soft;
        }
        let hard = soft
            .clone()
            .argmax(1)
            .squeeze_dim::<1>(1)
            .one_hot::<2>(dims[1])
            .float();
        hard - soft.clone().detach() + soft
    }

    /// Draws z for both kinds of cell. `tau` is the temperature (unused by `Softmax`).
    pub fn sample(&self, relaxation: Relaxation, tau: f64, rng: &mut SeededRng) -> ArchWeights<B> {
        ArchWeights {
            normal: Self::relax_one(self.normal.val(), &self.dead_normal, relaxation, tau, rng),
            reduce: self
                .reduce
                .as_ref()
                .map(|r| Self::relax_one(r.val(), &self.dead_reduce, relaxation, tau, rng)),
        }
    }

    /// π = softmax(φ) over the live ops of each edge (what the views and the genotype use).
    pub fn probabilities(&self) -> ArchWeights<B> {
        // Softmax draws no noise; the stream is not touched.
        self.sample(Relaxation::Softmax, 1.0, &mut SeededRng::new(0))
    }

    /// The probabilities as host tables `[edge][op]` (normal, reduce).
    pub fn probability_tables(&self) -> (Vec<Vec<f32>>, Option<Vec<Vec<f32>>>) {
        let p = self.probabilities();
        (to_table(p.normal), p.reduce.map(to_table))
    }
}

/// A `[rows, cols]` tensor as nested rows on the host.
pub fn to_table<B: Backend>(t: Tensor<B, 2>) -> Vec<Vec<f32>> {
    let [_, cols] = t.dims();
    let values = t
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default();
    values.chunks(cols.max(1)).map(<[f32]>::to_vec).collect()
}
