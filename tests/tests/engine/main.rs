//! Across the engine, without the binary: the shipped configs, the workspace's shape, a
//! posterior's genotype, and learning on real Omniglot drawings. One test binary for all of
//! them (docs/architecture.md, "Test binaries").

mod configs;
mod omniglot_learning;
mod posterior_to_genotype;
mod workspace;
