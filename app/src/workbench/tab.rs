//! Which view is shown, and where training stands: the two small state machines the views
//! switch on.

use std::time::Instant;

/// The views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// Data, search space, learner.
    #[default]
    Setup,
    /// Progress and curves.
    Training,
    /// The cell DAGs over training.
    Cells,
    /// Every probability over training as a heat map.
    History,
    /// Adapting to one task.
    Adapt,
    /// Support and query sets with predictions.
    Episodes,
    /// PCA of task posteriors.
    Pca,
    /// Genotypes, figures, CSV.
    Export,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 8] = [
        Tab::Setup,
        Tab::Training,
        Tab::Cells,
        Tab::History,
        Tab::Adapt,
        Tab::Episodes,
        Tab::Pca,
        Tab::Export,
    ];

    /// Its label.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Setup => "Setup",
            Tab::Training => "Training",
            Tab::Cells => "Cells",
            Tab::History => "History",
            Tab::Adapt => "Adapt",
            Tab::Episodes => "Episodes",
            Tab::Pca => "PCA",
            Tab::Export => "Export",
        }
    }
}

/// Where training stands.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainState {
    /// Not training.
    Idle,
    /// Training towards `target` meta-steps.
    Running {
        /// Target meta-steps.
        target: usize,
        /// Step when this stretch started.
        from_step: usize,
        /// When it started.
        since: Instant,
    },
    /// Pause was pressed; the worker finishes the current meta-step.
    Pausing {
        /// The target to resume towards.
        target: usize,
    },
    /// Paused; Resume continues towards `target`.
    Paused {
        /// Target meta-steps.
        target: usize,
    },
    /// Stop was pressed; the worker finishes the current meta-step.
    Stopping,
}
