//! Building blocks with Gaussian weights: layers and the candidate operations.

pub mod depthwise;
pub mod gaussian;
pub mod layers;
pub mod ops;

pub use gaussian::{GaussianParam, WeightMode, WeightSampler};
pub use layers::{batch_norm, ConvSpec, GaussianConv2d, GaussianLinear, Init};
pub use ops::CandidateOp;
