//! What the views remember between frames (selections, sliders, the replay, caches): owned
//! by the workbench's state, read and changed by the views.

use metanas_core::analysis::{PcaError, PosteriorFeatures, Projection};
use metanas_core::space::CellKind;
use metanas_core::tasks::Split;

use super::comparison::Comparison;
use crate::plots::heat::HeatState;
use crate::plots::pca::TaskPoint;
use crate::plots::scatter::Scatter;
use metanas_core::run::AdaptMethod;

/// The views' own state (selection, sliders, animation).
#[derive(Default)]
pub struct ViewState {
    /// The cell view.
    pub cells: CellsState,
    /// The adapt view.
    pub adapt: AdaptState,
    /// The PCA view.
    pub pca: PcaState,
    /// The heat map view.
    pub heat: HeatState,
    /// The search-space editor's selection.
    pub cells_editor: CellEditor,
    /// Image textures by key.
    pub textures: Textures,
    /// Whether the status area shows the whole message log.
    pub show_log: bool,
    /// Resume (towards this step) was pressed while Setup differs from the run: asks first.
    pub confirm_resume: Option<usize>,
}

/// Textures of images shown (thumbnails, episode images), made once per key.
pub type Textures = std::collections::HashMap<String, egui::TextureHandle>;

/// The Cells view's state.
#[derive(Debug, Default)]
pub struct CellsState {
    /// Index into the run's architecture history.
    pub index: usize,
    /// Whether the slider follows the newest record.
    pub follow_latest: bool,
    /// Whether the history is replaying.
    pub playing: bool,
    /// Records advanced per second while playing.
    pub speed: f32,
    /// Fractional progress of the replay.
    pub play_position: f32,
    /// The time (egui's input clock, seconds) the replay was last advanced to.
    pub played_until: Option<f64>,
}

/// The Adapt view's state.
#[derive(Debug)]
pub struct AdaptState {
    /// A dataset from the Data section to draw the task from (`None`: the run's tasks).
    pub dataset: Option<std::path::PathBuf>,
    /// Split the task comes from.
    pub split: Split,
    /// Task number.
    pub task: u64,
    /// Adaptation steps (`None`: the run's `adapt_steps`).
    pub steps: Option<usize>,
    /// Which adaptation step the cells show (`usize::MAX`: the last).
    pub step: usize,
    /// How to adapt.
    pub method: AdaptMethod,
    /// Held-out tasks of the comparison with the baselines.
    pub compare_tasks: usize,
    /// The last comparison with the baselines on held-out tasks.
    pub comparison: Option<Comparison>,
}

impl Default for AdaptState {
    fn default() -> Self {
        Self {
            dataset: None,
            split: Split::Test,
            task: 0,
            steps: None,
            step: usize::MAX,
            method: AdaptMethod::default(),
            compare_tasks: 20,
            comparison: None,
        }
    }
}

/// The PCA view's state.
#[derive(Debug, Default)]
pub struct PcaState {
    /// What goes into a task's row.
    pub features: PosteriorFeatures,
    /// Only the newest snapshot step (plus adapted tasks).
    pub latest_only: bool,
    /// The selected task.
    pub selected: Option<usize>,
    /// The last projection, with what it was made of.
    pub cache: Option<(CacheKey, Projected, Vec<TaskPoint>)>,
}

/// What a projection was made of: features, latest only, and counts of what went in.
pub type CacheKey = (PosteriorFeatures, bool, usize, usize, usize);

/// The projection and its scatter, or why there is none.
pub type Projected = Result<(Projection, Scatter), PcaError>;

/// The editor's selection.
#[derive(Debug)]
pub struct CellEditor {
    /// Which cell kind is shown.
    pub kind: CellKind,
    /// The selected edge `(from, to)`.
    pub edge: Option<(usize, usize)>,
}

impl Default for CellEditor {
    fn default() -> Self {
        Self {
            kind: CellKind::Normal,
            edge: None,
        }
    }
}
