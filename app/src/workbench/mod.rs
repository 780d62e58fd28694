//! The desktop workbench (eframe): set up data, search space and learner, meta-train on a
//! worker thread, watch the cells evolve, adapt to a task, look at episodes and the PCA of
//! task posteriors, export. `Workbench` is the app; `main` opens it in a window and tests drive
//! the same struct through egui_kittest.

mod adaptations;
mod apply_event;
mod arch_delta;
mod comparison;
mod dataset_info;
mod error;
mod learner_text;
mod messages;
mod path_completion;
mod picker;
mod presets;
mod retrain_job;
mod retrain_setup;
mod settings;
mod state;
mod status_log;
mod tab;
mod view_state;
mod views;
mod worker;

use std::sync::Arc;

pub use adaptations::{AdaptRequest, AdaptResult};
pub use comparison::{Comparison, TaskBaselines};
pub use dataset_info::{DatasetInfo, Thumbnail};
pub use learner_text::learner_toml;
pub use metanas_core::run::AdaptMethod;
pub use path_completion::{candidates, complete};
pub use picker::{
    check_path, missing_dialog_text, Answer, PathPrompt, Picked, Picker, Purpose, SystemPicker,
};
pub use presets::{Preset, PRESETS};
pub use retrain_job::{JobStatus, RetrainEvent, RetrainJob, RetrainStart};
pub use retrain_setup::RetrainSetup;
pub use settings::{Launch, Settings};
pub use state::Workbench;
pub use status_log::{Notice, StatusLog};
pub use tab::{Tab, TrainState};
pub use worker::{Command, Event, WorkerHandle};

/// Where settings that survive a restart are kept in eframe's storage.
const SETTINGS_KEY: &str = "metanas-settings";

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
        views::frame(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}
