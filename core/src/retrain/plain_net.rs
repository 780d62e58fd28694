//! The hand-designed baseline of architecture tables: the plain 4-block convolutional network
//! of few-shot learning (Vinyals et al. 2016, MAML's "Conv-4"): four times a 3x3
//! convolution, batch norm, ReLU and 2x2 max pooling, then global average pooling and a
//! linear classifier.

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::max_pool2d;

use crate::nn::{AffineNorm, ConvSpec, GaussianConv2d, GaussianLinear, Init, WeightSampler};
use crate::rng::SeededRng;

/// Blocks of the network.
pub const PLAIN_BLOCKS: usize = 4;

/// One block: convolution, batch norm, ReLU, pooling.
#[derive(Module, Debug)]
pub struct PlainBlock<B: Backend> {
    /// 3x3 convolution, padding 1.
    pub conv: GaussianConv2d<B>,
    /// Batch norm with scale, shift and running statistics.
    pub norm: AffineNorm<B>,
}

/// The Conv-4 network.
#[derive(Module, Debug)]
pub struct PlainNet<B: Backend> {
    /// The four blocks.
    pub blocks: Vec<PlainBlock<B>>,
    /// Classifier on the pooled features.
    pub head: GaussianLinear<B>,
}

impl<B: Backend> PlainNet<B> {
    /// `channels` per block (few-shot papers: 64) on images of `in_channels`, `classes`
    /// outputs, initial weights from `seed`.
    pub fn new(
        in_channels: usize,
        channels: usize,
        classes: usize,
        seed: u64,
        device: &B::Device,
    ) -> Self {
        let mut rng = SeededRng::new(seed);
        let mut init = Init {
            sigma: 1e-2,
            rng: &mut rng,
            affine_norm: true,
        };
        let blocks = (0..PLAIN_BLOCKS)
            .map(|i| {
                let c_in = if i == 0 { in_channels } else { channels };
                PlainBlock {
                    conv: ConvSpec::square(c_in, channels, 3, 1, 1).init(&mut init, device),
                    norm: AffineNorm::new(channels, device),
                }
            })
            .collect();
        let head = GaussianLinear::new(channels, classes, &mut init, device);
        Self { blocks, head }
    }

    /// Logits for images `[n, c, h, w]`. Pooling rounds up (a 3-pixel side becomes 2), and
    /// a side of 1 pixel is not pooled.
    pub fn forward(&self, x: Tensor<B, 4>, sampler: &mut WeightSampler) -> Tensor<B, 2> {
        let mut x = x;
        for block in &self.blocks {
            let y = relu(block.norm.forward(block.conv.forward(x, sampler)));
            let [_, _, h, w] = y.dims();
            x = if h >= 2 && w >= 2 {
                max_pool2d(y, [2, 2], [2, 2], [0, 0], [1, 1], true)
            } else {
                y
            };
        }
        let [n, c, _, _] = x.dims();
        self.head
            .forward(x.mean_dim(3).mean_dim(2).reshape([n, c]), sampler)
    }

    /// Multiply-accumulates of one image of size `hw`.
    pub fn macs(&self, hw: [usize; 2]) -> u64 {
        let mut hw = hw;
        let mut total = 0;
        for block in &self.blocks {
            total += block.conv.macs(hw);
            hw = hw.map(|d| d.div_ceil(2));
        }
        total + self.head.macs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supernet::learned_values;

    #[test]
    fn conv4_size_by_hand() {
        type B = crate::CpuBackend;
        let net = PlainNet::<B>::new(1, 64, 5, 0, &Default::default());
        // Convolutions (no bias), batch norms (γ, β), classifier with bias.
        let convs = 64 * 9 + 3 * 64 * 64 * 9;
        assert_eq!(learned_values(&net), convs + 4 * 128 + 64 * 5 + 5);
        // 28x28: blocks at 28, 14, 7 and 4 pixels.
        let macs = 64 * 9 * 784 + 64 * 64 * 9 * (196 + 49 + 16);
        assert_eq!(net.macs([28, 28]), (macs + 64 * 5) as u64);
        for side in [28, 8, 3, 1] {
            let x = Tensor::<B, 4>::ones([3, 1, side, side], &Default::default());
            assert_eq!(net.forward(x, &mut WeightSampler::mean()).dims(), [3, 5]);
        }
    }
}
