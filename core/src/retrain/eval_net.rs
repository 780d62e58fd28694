//! The evaluation network of a genotype (DARTS `NetworkCIFAR`, BASE Appendix A.1): a 3x3
//! stem of 3C channels, L cells with reduction cells at 1/3 and 2/3 of the depth, an
//! auxiliary head on the second reduction cell's output, global pooling and a classifier.
//! Batch norms have a learned scale and shift and running statistics; weights are
//! deterministic (the means of the engine's Gaussian weights, sampled with
//! [`WeightMode::Mean`](crate::nn::WeightMode)).

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::avg_pool2d;
use serde::{Deserialize, Serialize};

use crate::genotype::{Genotype, GenotypeError};
use crate::nn::ops::ReluConvBn;
use crate::nn::{ConvSpec, GaussianLinear, Init, WeightSampler};
use crate::rng::SeededRng;
use crate::space::{Aggregate, CellKind, Domain, InputSpec, Op, SearchSpace};
use crate::supernet::{learned_values, Network, NetworkInit};

/// Channels of the auxiliary head's two convolutions (DARTS `AuxiliaryHeadCIFAR`).
const AUX_CHANNELS: [usize; 2] = [128, 768];

/// The size of an evaluation network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetShape {
    /// C: channels of the first cell (doubled at each reduction; the stem has 3C).
    pub channels: usize,
    /// L: cells; those at L/3 and 2L/3 (rounded down) are reduction cells.
    pub layers: usize,
    /// Whether the auxiliary head is built (it only adds a loss term while training).
    pub auxiliary: bool,
}

/// The input and output of a network: image channels and size, and classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetIo {
    /// Image channels.
    pub channels: usize,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Classes.
    pub classes: usize,
}

/// Which cells of an `layers`-cell network reduce (DARTS: `layers // 3` and `2 * layers // 3`).
pub fn reduction_cells(layers: usize) -> [usize; 2] {
    [layers / 3, 2 * layers / 3]
}

/// DARTS' auxiliary head: ReLU, 5x5 average pooling with stride 3, a 1x1 convolution to 128
/// channels, batch norm, ReLU, a 2x2 convolution to 768, batch norm, ReLU, a linear
/// classifier. On maps smaller than DARTS' 8x8 the pooling window and the second convolution
/// shrink to fit (a 7x7 map of 28x28 images pools to 1x1 and gets a 1x1 convolution).
#[derive(Module, Debug)]
pub struct AuxHead<B: Backend> {
    /// Pooling window (5, or the map's side when smaller).
    pub pool: usize,
    /// 1x1 convolution to 128 channels with batch norm (its input is already non-negative,
    /// so the block's ReLU changes nothing).
    pub reduce: ReluConvBn<B>,
    /// ReLU, 2x2 (or smaller) convolution to 768 channels, batch norm.
    pub expand: ReluConvBn<B>,
    /// Classifier.
    pub classifier: GaussianLinear<B>,
}

impl<B: Backend> AuxHead<B> {
    fn new(
        c_in: usize,
        side: usize,
        classes: usize,
        init: &mut Init<'_>,
        device: &B::Device,
    ) -> Self {
        let pool = side.clamp(1, 5);
        let pooled = (side.saturating_sub(pool)) / 3 + 1;
        let k = pooled.clamp(1, 2);
        Self {
            pool,
            reduce: ReluConvBn::new(
                ConvSpec::square(c_in, AUX_CHANNELS[0], 1, 1, 0),
                init,
                device,
            ),
            expand: ReluConvBn::new(
                ConvSpec::square(AUX_CHANNELS[0], AUX_CHANNELS[1], k, 1, 0),
                init,
                device,
            ),
            classifier: GaussianLinear::new(AUX_CHANNELS[1], classes, init, device),
        }
    }

    fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 2> {
        let k = self.pool;
        let x = avg_pool2d(relu(x), [k, k], [3, 3], [0, 0], false, false);
        let x = self.reduce.forward(x, sampler);
        let x = relu(self.expand.forward(x, sampler));
        let [n, c, _, _] = x.dims();
        self.classifier
            .forward(x.mean_dim(3).mean_dim(2).reshape([n, c]), sampler)
    }
}

/// A genotype's evaluation network.
#[derive(Module, Debug)]
pub struct EvalNetwork<B: Backend> {
    /// Stem, cells and classifier.
    pub net: Network<B>,
    /// Auxiliary head on the output of cell `aux_at`.
    pub aux: Option<AuxHead<B>>,
    /// The cell the auxiliary head reads (the second reduction cell).
    pub aux_at: usize,
}

/// Logits of the classifier and (while training with an auxiliary head) of the auxiliary
/// head.
pub struct EvalOutput<B: Backend> {
    /// `[n, classes]`.
    pub logits: Tensor<B, 2>,
    /// `[n, classes]`, when asked for and the network has the head.
    pub aux_logits: Option<Tensor<B, 2>>,
}

impl<B: Backend> EvalNetwork<B> {
    /// The network of `genotype` with `shape` for inputs and classes `io`, its initial
    /// weights drawn from `seed`. The error names the genotype field that does not fit.
    pub fn new(
        genotype: &Genotype,
        shape: NetShape,
        io: NetIo,
        seed: u64,
        device: &B::Device,
    ) -> Result<Self, GenotypeError> {
        let space = eval_space(genotype, shape, io)?;
        let mut rng = SeededRng::new(seed);
        let net_seed = rng.next_u64();
        let net = Network::fixed(
            &space,
            genotype,
            NetworkInit {
                sigma: 1e-2,
                seed: net_seed,
                affine_norm: true,
            },
            device,
        )?;
        let reductions = reduction_cells(shape.layers);
        let aux_at = reductions[1];
        let aux = if shape.auxiliary {
            // Each reduction cell up to the tap halves the map and doubles the channels.
            let halvings = (0..=aux_at).filter(|i| reductions.contains(i)).count();
            let side = (0..halvings).fold(io.height.min(io.width), |s, _| s.div_ceil(2));
            let nodes = genotype.cell(CellKind::Normal).len();
            let aux_c = nodes * (shape.channels << halvings);
            let mut init = Init {
                sigma: 1e-2,
                rng: &mut rng,
                affine_norm: true,
            };
            Some(AuxHead::new(aux_c, side, io.classes, &mut init, device))
        } else {
            None
        };
        Ok(Self { net, aux, aux_at })
    }

    /// Logits for images `[n, c, h, w]`; the auxiliary head's too when `with_aux`.
    pub fn forward(
        &self,
        x: Tensor<B, 4>,
        sampler: &mut WeightSampler,
        with_aux: bool,
    ) -> EvalOutput<B> {
        let tap = (with_aux && self.aux.is_some()).then_some(self.aux_at);
        let (features, tapped) = self
            .net
            .features_and_tap(x, 0, None, sampler, tap)
            .expect("an evaluation network has one stem, input 0");
        let logits = self.net.head.forward(features, sampler);
        let aux_logits = match (&self.aux, tapped) {
            (Some(head), Some(t)) => Some(head.forward(t, sampler)),
            _ => None,
        };
        EvalOutput { logits, aux_logits }
    }

    /// Learned values of the network without the auxiliary head (what DARTS reports).
    pub fn num_params(&self) -> usize {
        learned_values(&self.net)
    }

    /// Learned values of the auxiliary head (0 without one).
    pub fn num_aux_params(&self) -> usize {
        self.aux.as_ref().map_or(0, learned_values)
    }

    /// Multiply-accumulates of one forward pass of one image of size `hw` (no auxiliary head).
    pub fn macs(&self, hw: [usize; 2]) -> u64 {
        self.net.macs(0, hw)
    }
}

/// The space whose fixed network is the evaluation network: every image op, the genotype's
/// node count, the cells of `shape`, one image input.
fn eval_space(
    genotype: &Genotype,
    shape: NetShape,
    io: NetIo,
) -> Result<SearchSpace, GenotypeError> {
    let bad = |field: &str, message: String| GenotypeError::Invalid {
        field: field.into(),
        message,
    };
    genotype.validate()?;
    let nodes = genotype.cell(CellKind::Normal).len();
    if genotype.reduce.is_empty() {
        return Err(bad(
            "reduce",
            "is empty: an evaluation network needs a reduction cell (the genotype comes from a \
             space without reduction cells)"
                .into(),
        ));
    }
    if genotype.cell(CellKind::Reduce).len() != nodes {
        return Err(bad(
            "reduce",
            format!(
                "has {} nodes and the normal cell {nodes}; both kinds must have the same count",
                genotype.cell(CellKind::Reduce).len()
            ),
        ));
    }
    let all: Vec<usize> = (2..nodes + 2).collect();
    for (field, concat) in [
        ("normal_concat", &genotype.normal_concat),
        ("reduce_concat", &genotype.reduce_concat),
    ] {
        let mut sorted = concat.clone();
        sorted.sort_unstable();
        if sorted != all {
            return Err(bad(
                field,
                format!("is {concat:?}; metanas concatenates every intermediate node ({all:?})"),
            ));
        }
    }
    if let Some(&(op, _)) = genotype
        .normal
        .iter()
        .chain(&genotype.reduce)
        .find(|(op, _)| !op.allowed_in(Domain::Image))
    {
        return Err(bad("normal", format!("`{op}` is not an image op")));
    }
    let reductions = reduction_cells(shape.layers);
    let cells = (0..shape.layers)
        .map(|i| {
            if reductions.contains(&i) {
                CellKind::Reduce
            } else {
                CellKind::Normal
            }
        })
        .collect();
    Ok(SearchSpace {
        domain: Domain::Image,
        ops: Op::base_image_set(),
        nodes,
        cells,
        channels: shape.channels,
        stem_multiplier: 3,
        aggregate: Aggregate::Concat,
        inputs: vec![InputSpec {
            name: "images".into(),
            channels: io.channels,
            height: io.height,
            width: io.width,
        }],
        num_outputs: io.classes,
        constraints: Vec::new(),
    })
}
