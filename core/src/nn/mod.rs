//! Building blocks with Gaussian weights: layers and the candidate operations.

pub mod affine_norm;
mod autodiff_step;
pub mod conv;
pub mod cpu_kernel;
pub mod depthwise;
pub mod depthwise_kernel;
pub mod gaussian;
#[cfg(any(feature = "wgpu", feature = "cuda"))]
#[macro_use]
mod gpu_autodiff;
#[cfg(any(feature = "wgpu", feature = "cuda"))]
pub mod gpu_depthwise;
pub mod gpu_native;
#[cfg(any(feature = "wgpu", feature = "cuda"))]
pub mod gpu_norm;
pub mod lanes;
pub mod layers;
pub mod norm_kernel;
pub mod ops;
#[cfg(test)]
mod ops_tests;
pub mod phases;
pub mod pointwise_kernel;
pub mod pool;
pub mod pool_kernel;
pub mod simd;
pub mod taps;
#[cfg(test)]
mod test_util;
pub mod weighted_sum;
pub mod window;

pub use affine_norm::{normalise, AffineNorm};
pub use gaussian::{GaussianParam, WeightMode, WeightSampler};
pub use layers::{batch_norm, ConvSpec, GaussianConv2d, GaussianLinear, Init, BN_EPS};
pub use ops::CandidateOp;
