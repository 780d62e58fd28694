//! The desktop workbench (eframe): set up data, search space and learner, meta-train on a
//! worker thread, watch the cells evolve, adapt to a task, look at episodes and the PCA of
//! task posteriors, export. `Workbench` is the app; `main` opens it in a window and tests drive
//! the same struct through egui_kittest.

mod adapt_method;
mod comparison;
mod dataset_info;
mod error;
mod history;
mod messages;
mod picker;
mod presets;
mod state;
mod views;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;

pub use adapt_method::AdaptMethod;
pub use comparison::{Comparison, TaskBaselines};
pub use dataset_info::{DatasetInfo, Thumbnail};
pub use history::{AdaptResult, RunHistory, ARCH_HISTORY_CAP};
pub use picker::{Picked, Picker, Purpose, SystemPicker};
pub use presets::{Preset, PRESETS};
pub use state::{Notice, Settings, Tab, TrainState, Workbench};
pub use views::{
    heat_map, learner_toml, png_figures, png_figures_with, scatter_plot, HeatState, Scatter,
    ScatterResponse,
};
pub use worker::{AdaptRequest, Command, Event, WorkerHandle};

/// Where settings that survive a restart are kept in eframe's storage.
const SETTINGS_KEY: &str = "metanas-settings";

/// Options of a workbench window.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// Open this run directory on start (instead of the last one).
    pub run: Option<PathBuf>,
    /// Close the window after this many frames (for the launch smoke test).
    pub quit_after_frames: Option<u64>,
}

/// Opens the workbench in a window; returns when it is closed.
pub fn run_window(launch: Launch) -> Result<(), eframe::Error> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("metanas")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([720.0, 480.0]),
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    eframe::run_native(
        "metanas",
        options,
        Box::new(move |cc| {
            crate::gpu::install_in(cc);
            let settings = cc
                .storage
                .and_then(|s| eframe::get_value::<Settings>(s, SETTINGS_KEY))
                .unwrap_or_default();
            let app = Workbench::new(
                cc.egui_ctx.clone(),
                settings,
                Arc::new(SystemPicker),
                launch,
            )
            .map_err(|e| format!("cannot start the worker thread: {e}"))?;
            Ok(Box::new(app))
        }),
    )
}

impl eframe::App for Workbench {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}
