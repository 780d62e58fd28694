//! Building blocks with Gaussian weights: layers and the candidate operations.

pub mod conv;
pub mod depthwise;
pub mod depthwise_cpu;
pub mod depthwise_kernel;
pub mod gaussian;
pub mod layers;
pub mod ops;
pub mod pool;
pub mod taps;

pub use gaussian::{GaussianParam, WeightMode, WeightSampler};
pub use layers::{batch_norm, ConvSpec, GaussianConv2d, GaussianLinear, Init};
pub use ops::CandidateOp;
