//! M-NAS's task encoder (paper 003, eq. 4-6): every support pair (x, y) embedded by a small
//! network F, the embeddings fed through a GRU encoder in a permuted order, a GRU decoder
//! reconstructing them backwards (eq. 5), and the task embedding z = the mean of the encoder
//! states (eq. 6).
//!
//! Choices where the paper is silent:
//! - F sees a fixed-size summary of x: a vector input as it is (padded with zeros to the
//!   widest input of the space), an image as the 4 × 4 grid of its channel-mean's block
//!   averages; y enters one-hot (classes) or as its value (regression). F = ReLU(Dense).
//! - The permutation: the pairs are first put in a canonical order (lexicographic on their
//!   F inputs) and then shuffled by the step's seed. The paper's random permutation makes z
//!   invariant to the order the samples arrive in only in distribution; this makes it exactly
//!   invariant for a given seed, while every meta-step still sees a fresh order.
//! - The decoder's state is F-sized, starts at zero, and reads the encoder states in reverse
//!   (`d_j = GRU_dec(z_j, d_{j+1})`). Eq. 5 is differentiated as written, the target F(x, y)
//!   included (β = 0.01 keeps the pull towards small embeddings weak next to the task loss).

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::layers::{Dense, GruCell};
use crate::rng::SeededRng;
use crate::space::{Domain, SearchSpace};
use crate::tasks::{Batch, Targets};

/// Side of the grid an image is averaged down to before F.
const IMAGE_GRID: usize = 4;

/// F, the GRU encoder and the GRU decoder.
#[derive(Module, Debug)]
pub struct TaskEncoder<B: Backend> {
    /// F: (x summary, y) → embedding.
    pub embed: Dense<B>,
    /// Encoder: embedding → task state.
    pub encoder: GruCell<B>,
    /// Decoder: task state → reconstructed embedding.
    pub decoder: GruCell<B>,
}

/// The width of F's input for a space: the x summary then the y part.
pub fn pair_width(space: &SearchSpace) -> usize {
    x_width(space) + space.num_outputs.max(1)
}

fn x_width(space: &SearchSpace) -> usize {
    match space.domain {
        Domain::Image => IMAGE_GRID * IMAGE_GRID,
        Domain::Vector => space.inputs.iter().map(|i| i.channels).max().unwrap_or(1),
    }
}

/// F's inputs of every pair of `batch` (shape of one example `shape`), one row each, in the
/// batch's order.
pub fn pair_rows(space: &SearchSpace, batch: &Batch, shape: &[usize]) -> Vec<Vec<f32>> {
    let per: usize = shape.iter().product::<usize>().max(1);
    let width = x_width(space);
    let outputs = space.num_outputs.max(1);
    (0..batch.len())
        .map(|i| {
            let x = batch.inputs.get(i * per..(i + 1) * per).unwrap_or(&[]);
            let mut row = match (space.domain, shape) {
                (Domain::Image, [c, h, w]) => image_summary(x, *c, *h, *w),
                _ => x
                    .iter()
                    .copied()
                    .chain(std::iter::repeat(0.0))
                    .take(width)
                    .collect(),
            };
            row.resize(width, 0.0);
            let mut y = vec![0.0f32; outputs];
            match &batch.targets {
                Targets::Classes(labels) => {
                    if let Some(slot) = labels.get(i).and_then(|&l| y.get_mut(l)) {
                        *slot = 1.0;
                    }
                }
                Targets::Values(values) => y[0] = values.get(i).copied().unwrap_or(0.0),
            }
            row.extend(y);
            row
        })
        .collect()
}

/// The channel mean of a `[c, h, w]` image averaged over a 4 × 4 grid of blocks.
fn image_summary(x: &[f32], c: usize, h: usize, w: usize) -> Vec<f32> {
    let mut out = [0.0f32; IMAGE_GRID * IMAGE_GRID];
    let mut count = [0usize; IMAGE_GRID * IMAGE_GRID];
    for ch in 0..c {
        for r in 0..h {
            for col in 0..w {
                let cell = (r * IMAGE_GRID / h.max(1)) * IMAGE_GRID + col * IMAGE_GRID / w.max(1);
                out[cell] += x.get((ch * h + r) * w + col).copied().unwrap_or(0.0);
                count[cell] += 1;
            }
        }
    }
    out.iter()
        .zip(&count)
        .map(|(s, &n)| if n > 0 { s / n as f32 } else { 0.0 })
        .collect()
}

/// The rows in the order they are fed to the encoder: canonical (lexicographic), then shuffled
/// by `seed`.
pub fn permuted(mut rows: Vec<Vec<f32>>, seed: u64) -> Vec<Vec<f32>> {
    rows.sort_by(|a, b| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let order = SeededRng::new(seed).permutation(rows.len());
    order.into_iter().map(|i| rows[i].clone()).collect()
}

impl<B: Backend> TaskEncoder<B> {
    /// An encoder for F inputs of `inputs` values, embeddings of `embed` and task states of
    /// `state` values.
    pub fn new(
        inputs: usize,
        embed: usize,
        state: usize,
        rng: &mut SeededRng,
        device: &B::Device,
    ) -> Self {
        Self {
            embed: Dense::new(inputs, embed, 1.0, rng, device),
            encoder: GruCell::new(embed, state, rng, device),
            decoder: GruCell::new(state, embed, rng, device),
        }
    }

    /// The task embedding z `[1, state]` and the reconstruction loss (eq. 5) of the rows, in
    /// the order given.
    pub fn encode(&self, rows: &[Vec<f32>], device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 1>) {
        let width = rows.first().map_or(0, Vec::len);
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let x = Tensor::<B, 2>::from_data(TensorData::new(flat, [rows.len(), width]), device);
        let f = relu(self.embed.forward(x));
        let embed = self.decoder.hidden;
        let mut h = Tensor::<B, 2>::zeros([1, self.encoder.hidden], device);
        let mut states = Vec::with_capacity(rows.len());
        for j in 0..rows.len() {
            h = self.encoder.step(f.clone().slice([j..j + 1, 0..embed]), h);
            states.push(h.clone());
        }
        let z = match states.is_empty() {
            true => h,
            false => Tensor::cat(states.clone(), 0).mean_dim(0),
        };
        let target = f.clone();
        let mut d = Tensor::<B, 2>::zeros([1, embed], device);
        let mut recon = Tensor::<B, 1>::zeros([1], device);
        for j in (0..states.len()).rev() {
            d = self.decoder.step(states[j].clone(), d);
            let err = d.clone() - target.clone().slice([j..j + 1, 0..embed]);
            recon = recon + err.powi_scalar(2).sum();
        }
        (z, recon)
    }
}
