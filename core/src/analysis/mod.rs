//! Analyses of a run's results: the PCA of task posteriors (BASE Figure 3).

mod pca;

pub use pca::{pca_2d, posterior_features, PcaError, PosteriorFeatures, Projection};
