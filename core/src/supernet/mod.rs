//! The supernet: mixed ops, cells and the network motif, built from a search space (every
//! live op) or a genotype (a fixed network) with the same modules.

mod cell;
mod mixed_op;
mod network;
mod topology;

pub use cell::{Cell, CellChannels, Preprocess};
pub use mixed_op::MixedOp;
pub use network::{learned_values, ArchPaths, ArchWeights, Network, NetworkInit, Stem};
pub use topology::{CellTopology, EdgeOps};

#[cfg(test)]
mod tests;
