//! The mixed op: every candidate op of an edge, weighted by the edge's row of an
//! architecture sample `z[edge][op]`.

use burn::module::Module;
use burn::prelude::*;

use super::topology::EdgeOps;
use crate::nn::weighted_sum::weighted_sum;
use crate::nn::{CandidateOp, Init, WeightSampler};

/// The ops of one edge.
#[derive(Module, Debug)]
pub struct MixedOp<B: Backend> {
    /// Instantiated ops (`none` is not instantiated: it contributes zero).
    pub ops: Vec<CandidateOp<B>>,
    /// Column in `alpha` of each op in `ops`.
    pub columns: Vec<usize>,
    /// Row of the edge in `alpha`.
    pub row: usize,
    /// Live ops of the edge, `none` included (a single path chooses among them).
    pub live_ops: usize,
    /// Source node.
    pub from: usize,
    /// Target node.
    pub to: usize,
}

impl<B: Backend> MixedOp<B> {
    /// The ops of `edge` on `c` channels; stride 2 when `reducing` and the source is a cell
    /// input.
    pub fn new(
        edge: &EdgeOps,
        c: usize,
        reducing: bool,
        in_supernet: bool,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Self {
        let stride = if reducing && edge.from < 2 { 2 } else { 1 };
        let mut ops = Vec::new();
        let mut columns = Vec::new();
        for &(col, op) in &edge.ops {
            if let Some(m) = CandidateOp::new(op, c, stride, in_supernet, init, device) {
                ops.push(m);
                columns.push(col);
            }
        }
        Self {
            ops,
            columns,
            row: edge.row,
            live_ops: edge.ops.len(),
            from: edge.from,
            to: edge.to,
        }
    }

    /// `Σ_k z[row][col_k] · op_k(x)` (one CPU loop, [`weighted_sum`]), or the plain sum when
    /// `z` is `None` (fixed networks). With a single path, only the op of column `path[row]` runs, weighted by its `z`.
    /// `None` when no instantiated op runs (the edge has only `none`, or the path chose it).
    pub fn forward(
        &self,
        x: Tensor<B, 4>,
        z: Option<(&Tensor<B, 2>, Option<&[usize]>)>,
        sampler: &mut WeightSampler,
    ) -> Option<Tensor<B, 4>> {
        let chosen = z
            .and_then(|(_, path)| path)
            .and_then(|p| p.get(self.row).copied());
        let run = self
            .ops
            .iter()
            .zip(&self.columns)
            .filter(|&(_, &col)| chosen.is_none_or(|c| c == col));
        match z {
            Some((z, _)) => {
                let (outputs, columns): (Vec<_>, Vec<_>) = run
                    .map(|(op, &col)| (op.forward(x.clone(), sampler), col))
                    .unzip();
                weighted_sum(z, self.row, &columns, outputs)
            }
            None => run
                .map(|(op, _)| {
                    let y = op.forward(x.clone(), sampler);
                    // Fixed networks: drop-path on every op but the identity (DARTS).
                    if matches!(op, CandidateOp::Identity(_)) {
                        y
                    } else {
                        sampler.drop_path(y)
                    }
                })
                .reduce(|a, y| a + y),
        }
    }

    /// Multiply-accumulates for one sample of size `hw`: of every op, or with `single_path`
    /// of one live op drawn uniformly (the expectation, rounded down).
    pub fn macs(&self, hw: [usize; 2], single_path: bool) -> u64 {
        let all: u64 = self.ops.iter().map(|op| op.macs(hw).0).sum();
        if single_path {
            all / self.live_ops.max(1) as u64
        } else {
            all
        }
    }
}
