//! Drawings of a run's data with egui, shared by the workbench's views and the headless
//! figures of `metanas export --png`: cell DAGs, the probability heat map, training curves,
//! the PCA scatter, and the run's history they are drawn from. Nothing here knows the
//! workbench.

pub mod cells;
pub mod curves;
pub mod heat;
pub mod history;
pub mod pca;
mod png;
pub mod scatter;

pub use history::{RunHistory, ARCH_HISTORY_CAP};
pub use png::{png_figures, png_figures_with};
