//! The network motif: a stem per input source, a sequence of normal and reduction cells,
//! global average pooling and a classifier (or regression) head.

use burn::module::Module;
use burn::prelude::*;

use super::cell::{Cell, CellChannels};
use super::topology::CellTopology;
use crate::genotype::{Genotype, GenotypeError};
use crate::nn::layers::{batch_norm, ConvSpec, GaussianConv2d, GaussianLinear, Init};
use crate::nn::AffineNorm;
use crate::nn::WeightSampler;
use crate::rng::SeededRng;
use crate::space::{Aggregate, CellKind, Domain, SearchSpace};

/// An architecture sample (or probabilities): `z[edge][op]` for each kind of cell.
#[derive(Clone, Debug)]
pub struct ArchWeights<B: Backend> {
    /// Normal cells.
    pub normal: Tensor<B, 2>,
    /// Reduction cells (absent when the space has none).
    pub reduce: Option<Tensor<B, 2>>,
    /// A single path: only these ops run (single-path search); `None` runs every op.
    pub paths: Option<ArchPaths>,
}

/// The one op of every edge that a single-path forward pass runs: `normal[edge]` is a column
/// of `z`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchPaths {
    /// Normal cells.
    pub normal: Vec<usize>,
    /// Reduction cells.
    pub reduce: Option<Vec<usize>>,
}

impl<B: Backend> ArchWeights<B> {
    /// The weights and the path (if any) of the reduction cells (`reduce`) or the normal
    /// ones; `None` for reduction cells of a space without them.
    pub fn of(&self, reduce: bool) -> Option<(&Tensor<B, 2>, Option<&[usize]>)> {
        let paths = self.paths.as_ref();
        if reduce {
            let z = self.reduce.as_ref()?;
            Some((z, paths.and_then(|p| p.reduce.as_deref())))
        } else {
            Some((&self.normal, paths.map(|p| p.normal.as_slice())))
        }
    }
}

/// The stem of one input source.
#[derive(Module, Debug)]
pub enum Stem<B: Backend> {
    /// Image stem: 3x3 convolution and batch norm (DARTS).
    Conv(GaussianConv2d<B>),
    /// Vector stem: a linear layer.
    Linear(GaussianLinear<B>),
}

/// Options for building a network.
#[derive(Clone, Copy, Debug)]
pub struct NetworkInit {
    /// Initial σ of every Gaussian weight.
    pub sigma: f64,
    /// Seed of the initial means.
    pub seed: u64,
    /// Batch norms with a learned scale and shift and running statistics (evaluation
    /// networks, [`crate::nn::AffineNorm`]); search networks have none.
    pub affine_norm: bool,
}

impl Default for NetworkInit {
    fn default() -> Self {
        Self {
            sigma: 1e-2,
            seed: 0,
            affine_norm: false,
        }
    }
}

/// A network of cells: the supernet (every live op, weighted by an architecture sample) or a
/// fixed network derived from a genotype. Both use the same modules.
#[derive(Module, Debug)]
pub struct Network<B: Backend> {
    /// One stem per input source (in the order of the space's `inputs`).
    pub stems: Vec<Stem<B>>,
    /// The cells.
    pub cells: Vec<Cell<B>>,
    /// Classifier / regression head on the pooled features.
    pub head: GaussianLinear<B>,
    /// The affine part of each image stem's batch norm (evaluation networks only).
    pub stem_norms: Option<Vec<AffineNorm<B>>>,
}

impl<B: Backend> Network<B> {
    /// The supernet of a (validated) space.
    pub fn supernet(space: &SearchSpace, init: NetworkInit, device: &B::Device) -> Self {
        let normal = CellTopology::supernet(space, CellKind::Normal);
        let reduce = CellTopology::supernet(space, CellKind::Reduce);
        Self::build(space, &normal, &reduce, init, device)
    }

    /// The fixed network a genotype describes, in the motif of `space`. The genotype must fit
    /// the space (node count, ops, constraints); the error says where it does not.
    pub fn fixed(
        space: &SearchSpace,
        genotype: &Genotype,
        init: NetworkInit,
        device: &B::Device,
    ) -> Result<Self, GenotypeError> {
        genotype.validate_for(space)?;
        let normal = CellTopology::fixed(space, genotype, CellKind::Normal);
        let reduce = CellTopology::fixed(space, genotype, CellKind::Reduce);
        Ok(Self::build(space, &normal, &reduce, init, device))
    }

    fn build(
        space: &SearchSpace,
        normal: &CellTopology,
        reduce: &CellTopology,
        init: NetworkInit,
        device: &B::Device,
    ) -> Self {
        let mut rng = SeededRng::new(init.seed);
        let mut init = Init {
            sigma: init.sigma,
            rng: &mut rng,
            affine_norm: init.affine_norm,
        };
        let concat = space.aggregate == Aggregate::Concat;
        let c = space.channels;
        match space.domain {
            Domain::Image => {
                let c_stem = space.stem_multiplier * c;
                let stems = space
                    .inputs
                    .iter()
                    .map(|input| {
                        Stem::Conv(
                            ConvSpec::square(input.channels, c_stem, 3, 1, 1)
                                .init(&mut init, device),
                        )
                    })
                    .collect();
                let (mut c_pp, mut c_p, mut c_cur) = (c_stem, c_stem, c);
                let mut reduction_prev = false;
                let mut cells = Vec::new();
                for &kind in &space.cells {
                    let is_reduce = kind == CellKind::Reduce;
                    if is_reduce {
                        c_cur *= 2;
                    }
                    let topology = if is_reduce { reduce } else { normal };
                    let ch = CellChannels {
                        c_prev_prev: c_pp,
                        c_prev: c_p,
                        c: c_cur,
                    };
                    cells.push(Cell::image(
                        topology,
                        ch,
                        is_reduce,
                        reduction_prev,
                        concat,
                        &mut init,
                        device,
                    ));
                    reduction_prev = is_reduce;
                    c_pp = c_p;
                    c_p = Cell::<B>::out_channels(topology.nodes, c_cur, concat);
                }
                let head = GaussianLinear::new(c_p, space.num_outputs, &mut init, device);
                let stem_norms = init.affine_norm.then(|| {
                    space
                        .inputs
                        .iter()
                        .map(|_| AffineNorm::new(c_stem, device))
                        .collect()
                });
                Self {
                    stems,
                    cells,
                    head,
                    stem_norms,
                }
            }
            Domain::Vector => {
                let stems = space
                    .inputs
                    .iter()
                    .map(|input| {
                        Stem::Linear(GaussianLinear::new(input.channels, c, &mut init, device))
                    })
                    .collect();
                let cells: Vec<Cell<B>> = space
                    .cells
                    .iter()
                    .map(|_| Cell::vector(normal, c, concat, &mut init, device))
                    .collect();
                let c_out = Cell::<B>::out_channels(normal.nodes, c, concat);
                let head = GaussianLinear::new(c_out, space.num_outputs, &mut init, device);
                Self {
                    stems,
                    cells,
                    head,
                    stem_norms: None,
                }
            }
        }
    }

    /// Logits (or regression outputs) `[n, num_outputs]` for images `[n, c, h, w]` or
    /// vectors `[n, features, 1, 1]` from input source `input`.
    ///
    /// `arch` weights the supernet's ops (ignored by fixed networks). Returns `None` when
    /// `input` is not a stem of this network.
    pub fn forward(
        &self,
        x: Tensor<B, 4>,
        input: usize,
        arch: Option<&ArchWeights<B>>,
        sampler: &mut WeightSampler,
    ) -> Option<Tensor<B, 2>> {
        let features = self.features(x, input, arch, sampler)?;
        Some(self.head.forward(features, sampler))
    }

    /// This network with its head's weight means replaced by `weight [in, out]` and `bias
    /// [out]` (parameter ids and scales kept).
    pub fn with_head_means(mut self, weight: Tensor<B, 2>, bias: Tensor<B, 1>) -> Self {
        self.head.weight.mu = self.head.weight.mu.map(|_| weight);
        self.head.bias.mu = self.head.bias.mu.map(|_| bias);
        self
    }

    /// The penultimate features `[n, c]`: the last cell's output averaged over its positions,
    /// which the head maps to the outputs ([`Network::forward`]).
    pub fn features(
        &self,
        x: Tensor<B, 4>,
        input: usize,
        arch: Option<&ArchWeights<B>>,
        sampler: &mut WeightSampler,
    ) -> Option<Tensor<B, 2>> {
        self.features_and_tap(x, input, arch, sampler, None)
            .map(|(features, _)| features)
    }

    /// [`Network::features`], and the output of cell `tap` (an auxiliary head's input).
    pub fn features_and_tap(
        &self,
        x: Tensor<B, 4>,
        input: usize,
        arch: Option<&ArchWeights<B>>,
        sampler: &mut WeightSampler,
        tap: Option<usize>,
    ) -> Option<(Tensor<B, 2>, Option<Tensor<B, 4>>)> {
        let stem = self.stems.get(input)?;
        let s = match stem {
            Stem::Conv(conv) => {
                let norm = self.stem_norms.as_ref().and_then(|n| n.get(input));
                let y = conv.forward(x, sampler);
                match norm {
                    Some(norm) => norm.forward(y),
                    None => batch_norm(y),
                }
            }
            Stem::Linear(lin) => lin.forward_nchw(x, sampler),
        };
        let (mut s0, mut s1) = (s.clone(), s);
        let mut tapped = None;
        for (i, cell) in self.cells.iter().enumerate() {
            let z = arch.and_then(|a| a.of(cell.reduce));
            let out = cell.forward(s0, s1.clone(), z, sampler);
            s0 = s1;
            s1 = out;
            if tap == Some(i) {
                tapped = Some(s1.clone());
            }
        }
        let [n, c, _, _] = s1.dims();
        Some((s1.mean_dim(3).mean_dim(2).reshape([n, c]), tapped))
    }

    /// Forward for vectors `[n, features]`.
    pub fn forward_vectors(
        &self,
        x: Tensor<B, 2>,
        input: usize,
        arch: Option<&ArchWeights<B>>,
        sampler: &mut WeightSampler,
    ) -> Option<Tensor<B, 2>> {
        let [n, f] = x.dims();
        self.forward(x.reshape([n, f, 1, 1]), input, arch, sampler)
    }

    /// Number of weights: entries of the weight means μ (a Gaussian weight counts once) and
    /// the batch norms' learned scales and shifts; not the scales σ (ρ) of the Gaussian
    /// weights, nor running statistics.
    pub fn num_weights(&self) -> usize {
        learned_values(self)
    }

    /// Multiply-accumulates of one forward pass of one sample from input source `input` of
    /// spatial size `hw` (vectors: `[1, 1]`). Supernets count every instantiated op.
    pub fn macs(&self, input: usize, hw: [usize; 2]) -> u64 {
        self.macs_of(input, hw, false)
    }

    /// [`Network::macs`] of a single-path pass: each edge runs one of its live ops, and the
    /// count is the expectation when every live op is equally likely (the start of a search).
    pub fn single_path_macs(&self, input: usize, hw: [usize; 2]) -> u64 {
        self.macs_of(input, hw, true)
    }

    fn macs_of(&self, input: usize, hw: [usize; 2], single_path: bool) -> u64 {
        let Some(stem) = self.stems.get(input) else {
            return 0;
        };
        let mut total = match stem {
            Stem::Conv(conv) => conv.macs(hw),
            Stem::Linear(lin) => lin.macs(),
        };
        let (mut hw0, mut hw1) = (hw, hw);
        for cell in &self.cells {
            let (m, out) = cell.macs(hw0, hw1, single_path);
            total += m;
            hw0 = hw1;
            hw1 = out;
        }
        total + self.head.macs()
    }
}

/// Entries of every learned value of `module`: float parameters other than the ρ of a
/// Gaussian weight and the running statistics of a batch norm.
pub fn learned_values<B: Backend, M: Module<B>>(module: &M) -> usize {
    struct Count {
        path: Vec<String>,
        total: usize,
    }
    impl<B: Backend> burn::module::ModuleVisitor<B> for Count {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &burn::module::Param<Tensor<B, D>>) {
            let name = self.path.last().map(String::as_str);
            if !matches!(name, Some("rho" | "running_mean" | "running_var")) {
                self.total += param.val().dims().iter().product::<usize>();
            }
        }
    }
    let mut count = Count {
        path: Vec::new(),
        total: 0,
    };
    module.visit(&mut count);
    count.total
}
