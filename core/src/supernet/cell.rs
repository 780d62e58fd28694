//! A cell: two preprocessed inputs, intermediate nodes fed by mixed ops, and an output that
//! concatenates or averages the intermediate nodes.

use burn::module::Module;
use burn::prelude::*;

use super::mixed_op::MixedOp;
use super::topology::CellTopology;
use crate::nn::layers::ConvSpec;
use crate::nn::ops::{FactorizedReduce, ReluConvBn};
use crate::nn::{Init, WeightSampler};

/// How a cell input is brought to the cell's channel count.
// Built once per edge and never moved in a hot loop; Burn modules cannot be boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Preprocess<B: Backend> {
    /// The previous cell reduced but this input comes from before it: reduce it too (DARTS).
    Reduce(FactorizedReduce<B>),
    /// A 1x1 ReLU-Conv-BN.
    Conv(ReluConvBn<B>),
}

impl<B: Backend> Preprocess<B> {
    fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 4> {
        match self {
            Preprocess::Reduce(m) => m.forward(x, sampler),
            Preprocess::Conv(m) => m.forward(x, sampler),
        }
    }

    fn macs(&self, hw: [usize; 2]) -> (u64, [usize; 2]) {
        match self {
            Preprocess::Reduce(m) => m.macs(hw),
            Preprocess::Conv(m) => m.macs(hw),
        }
    }
}

/// Channel counts of a cell's inputs and of the cell.
#[derive(Clone, Copy, Debug)]
pub struct CellChannels {
    /// Channels of the input from two cells back.
    pub c_prev_prev: usize,
    /// Channels of the input from the previous cell.
    pub c_prev: usize,
    /// Channels of every node of this cell.
    pub c: usize,
}

/// One cell of the network.
#[derive(Module, Debug)]
pub struct Cell<B: Backend> {
    /// Preprocessing of input 0 (`None` for vector cells).
    pub pre0: Option<Preprocess<B>>,
    /// Preprocessing of input 1 (`None` for vector cells).
    pub pre1: Option<Preprocess<B>>,
    /// Mixed ops, grouped by target node.
    pub edges: Vec<MixedOp<B>>,
    /// Intermediate nodes.
    pub nodes: usize,
    /// Concatenate (true) or average (false) the intermediate nodes.
    pub concat: bool,
    /// Whether this is a reduction cell.
    pub reduce: bool,
    /// Whether this cell's ops are weighted by an architecture sample.
    pub weighted: bool,
}

impl<B: Backend> Cell<B> {
    /// An image cell.
    pub fn image(
        topology: &CellTopology,
        ch: CellChannels,
        reduce: bool,
        reduction_prev: bool,
        concat: bool,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Self {
        let pre0 = if reduction_prev {
            Preprocess::Reduce(FactorizedReduce::new(ch.c_prev_prev, ch.c, init, device))
        } else {
            Preprocess::Conv(ReluConvBn::new(
                ConvSpec::square(ch.c_prev_prev, ch.c, 1, 1, 0),
                init,
                device,
            ))
        };
        let pre1 = Preprocess::Conv(ReluConvBn::new(
            ConvSpec::square(ch.c_prev, ch.c, 1, 1, 0),
            init,
            device,
        ));
        Self::with_preprocess(
            topology,
            ch.c,
            Some(pre0),
            Some(pre1),
            reduce,
            concat,
            init,
            device,
        )
    }

    /// A vector cell on `c` features (inputs already have `c` features).
    pub fn vector(
        topology: &CellTopology,
        c: usize,
        concat: bool,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Self {
        Self::with_preprocess(topology, c, None, None, false, concat, init, device)
    }

    fn with_preprocess(
        topology: &CellTopology,
        c: usize,
        pre0: Option<Preprocess<B>>,
        pre1: Option<Preprocess<B>>,
        reduce: bool,
        concat: bool,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Self {
        let edges = topology
            .edges
            .iter()
            .map(|e| MixedOp::new(e, c, reduce, topology.weighted, init, device))
            .collect();
        Self {
            pre0,
            pre1,
            edges,
            nodes: topology.nodes,
            concat,
            reduce,
            weighted: topology.weighted,
        }
    }

    /// Output channels for node width `c`.
    pub fn out_channels(nodes: usize, c: usize, concat: bool) -> usize {
        if concat {
            nodes * c
        } else {
            c
        }
    }

    /// Applies the cell to the outputs of the previous two cells. `z` is this cell kind's
    /// architecture sample `[edges, ops]` (ignored by fixed cells).
    pub fn forward(
        &self,
        s0: Tensor<B, 4>,
        s1: Tensor<B, 4>,
        z: Option<(&Tensor<B, 2>, Option<&[usize]>)>,
        sampler: &mut WeightSampler,
    ) -> Tensor<B, 4> {
        let s0 = match &self.pre0 {
            Some(p) => p.forward(s0, sampler),
            None => s0,
        };
        let s1 = match &self.pre1 {
            Some(p) => p.forward(s1, sampler),
            None => s1,
        };
        let z = if self.weighted { z } else { None };
        let mut states = vec![s0, s1];
        for to in 2..self.nodes + 2 {
            let mut node: Option<Tensor<B, 4>> = None;
            for edge in self.edges.iter().filter(|e| e.to == to) {
                if let Some(y) = edge.forward(states[edge.from].clone(), z, sampler) {
                    node = Some(match node {
                        Some(n) => n + y,
                        None => y,
                    });
                }
            }
            // Validation guarantees every node at least two live inputs; a node left without
            // any (only possible for hand-built topologies) is zero.
            let node = node.unwrap_or_else(|| {
                let reference = &states[states.len() - 1];
                let [n, c, mut h, mut w] = reference.dims();
                if self.reduce && states.len() == 2 {
                    h = h.div_ceil(2);
                    w = w.div_ceil(2);
                }
                Tensor::zeros([n, c, h, w], &reference.device())
            });
            states.push(node);
        }
        let inner: Vec<Tensor<B, 4>> = states.drain(2..).collect();
        if self.concat {
            Tensor::cat(inner, 1)
        } else {
            let count = inner.len() as f64;
            inner
                .into_iter()
                .reduce(|a, b| a + b)
                .map(|s| s / count)
                .unwrap_or_else(|| states.remove(1))
        }
    }

    /// Multiply-accumulates for one sample whose inputs have sizes `hw0`, `hw1` (every op of
    /// every edge, or with `single_path` one uniformly drawn op of each); and the output size.
    pub fn macs(&self, hw0: [usize; 2], hw1: [usize; 2], single_path: bool) -> (u64, [usize; 2]) {
        let mut total = 0;
        let (m0, hw0) = self.pre0.as_ref().map_or((0, hw0), |p| p.macs(hw0));
        let (m1, hw1) = self.pre1.as_ref().map_or((0, hw1), |p| p.macs(hw1));
        total += m0 + m1;
        debug_assert_eq!(hw0, hw1);
        let out = if self.reduce {
            hw1.map(|d| d.div_ceil(2))
        } else {
            hw1
        };
        for edge in &self.edges {
            let hw = if edge.from < 2 { hw1 } else { out };
            total += edge.macs(hw, single_path);
        }
        (total, out)
    }
}
