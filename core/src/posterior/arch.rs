//! Architecture logits φ and their relaxed samples: Gumbel-softmax (BASE eq. 8), plain softmax
//! (the DARTS relaxation, the papers' ablation) and hard straight-through Gumbel.

use burn::module::{Module, Param};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use crate::rng::SeededRng;
use crate::space::{CellKind, SearchSpace};
use crate::supernet::{ArchPaths, ArchWeights};

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
    /// Single-path search (GDAS): the same hard sample as `HardGumbel`, but the forward pass
    /// runs only the sampled op of each edge, so the straight-through gradient reaches the
    /// logits through the sampled op's weight alone. Roughly the number of ops times less
    /// arithmetic per pass.
    SinglePath,
}

impl Relaxation {
    /// Whether a sample is one-hot in the forward pass.
    pub fn is_hard(self) -> bool {
        matches!(self, Self::HardGumbel | Self::SinglePath)
    }
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

    /// A relaxed sample of one table, and for `SinglePath` the sampled column of each row.
    pub(crate) fn relax_one(
        logits: Tensor<B, 2>,
        dead: &[bool],
        relaxation: Relaxation,
        tau: f64,
        rng: &mut SeededRng,
    ) -> (Tensor<B, 2>, Option<Vec<usize>>) {
        let dims = logits.dims();
        let device = logits.device();
        let scaled = match relaxation {
            Relaxation::Softmax => logits,
            Relaxation::Gumbel | Relaxation::HardGumbel | Relaxation::SinglePath => {
                let g = Tensor::<B, 2>::from_data(
                    TensorData::new(rng.gumbel_vec(dims[0] * dims[1]), dims),
                    &device,
                );
                (logits + g) / tau
            }
        };
        let soft = softmax(
            scaled.mask_fill(dead_mask(dead, dims, &device), DEAD_LOGIT),
            1,
        );
        if !relaxation.is_hard() {
            return (soft, None);
        }
        let columns = soft.clone().argmax(1).squeeze_dim::<1>(1);
        // The sampled columns on the host choose which op runs; a few bytes per sample.
        let path = (relaxation == Relaxation::SinglePath).then(|| host_columns(columns.clone()));
        let hard = columns.one_hot::<2>(dims[1]).float();
        (hard - soft.clone().detach() + soft, path)
    }

    /// Draws z for both kinds of cell. `tau` is the temperature (unused by `Softmax`).
    pub fn sample(&self, relaxation: Relaxation, tau: f64, rng: &mut SeededRng) -> ArchWeights<B> {
        let (normal, normal_path) =
            Self::relax_one(self.normal.val(), &self.dead_normal, relaxation, tau, rng);
        let reduce = self
            .reduce
            .as_ref()
            .map(|r| Self::relax_one(r.val(), &self.dead_reduce, relaxation, tau, rng));
        let paths = normal_path.map(|normal| ArchPaths {
            normal,
            reduce: reduce.as_ref().and_then(|(_, p)| p.clone()),
        });
        ArchWeights {
            normal,
            reduce: reduce.map(|(z, _)| z),
            paths,
        }
    }

    /// The single path of the most probable live op of every edge, as a one-hot z (no
    /// noise, no gradient): how a network searched with `SinglePath` is evaluated.
    pub fn most_probable_path(&self) -> ArchWeights<B> {
        let one = |logits: Tensor<B, 2>, dead: &[bool]| {
            let dims = logits.dims();
            let device = logits.device();
            let columns = logits
                .detach()
                .mask_fill(dead_mask(dead, dims, &device), DEAD_LOGIT)
                .argmax(1)
                .squeeze_dim::<1>(1);
            let path = host_columns(columns.clone());
            (columns.one_hot::<2>(dims[1]).float(), path)
        };
        let (normal, normal_path) = one(self.normal.val(), &self.dead_normal);
        let reduce = self
            .reduce
            .as_ref()
            .map(|r| one(r.val(), &self.dead_reduce));
        ArchWeights {
            normal,
            paths: Some(ArchPaths {
                normal: normal_path,
                reduce: reduce.as_ref().map(|(_, p)| p.clone()),
            }),
            reduce: reduce.map(|(z, _)| z),
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

fn dead_mask<B: Backend>(
    dead: &[bool],
    dims: [usize; 2],
    device: &B::Device,
) -> Tensor<B, 2, Bool> {
    Tensor::from_data(TensorData::new(dead.to_vec(), dims), device)
}

/// Integer column indices on the host.
fn host_columns<B: Backend>(columns: Tensor<B, 1, Int>) -> Vec<usize> {
    columns
        .into_data()
        .convert::<i64>()
        .to_vec::<i64>()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.max(0) as usize)
        .collect()
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
