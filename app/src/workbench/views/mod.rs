//! The workbench's panels: a top bar (preset, runs, training controls, progress), the tabs, a
//! status bar, and one function per view.

mod adapt;
mod baseline_bars;
mod cells;
mod controls;
mod data;
mod dropped;
mod episodes;
mod export;
mod heatmap;
mod learner;
mod path_prompt;
mod pca;
mod retrain;
mod setup;
mod space;
mod training;

use std::path::PathBuf;

use super::picker::Purpose;
use super::presets::missing_datasets;
use super::retrain_job::JobStatus;
use super::state::Workbench;
use super::tab::{Tab, TrainState};
use super::view_state::Textures;
use super::worker::Command;
use metanas_core::run::{DatasetPath, TaskConfig};

/// Shows `image` `side` points tall, as a texture made on first use under `key`.
fn thumbnail(
    ui: &mut egui::Ui,
    textures: &mut Textures,
    key: &str,
    image: &super::dataset_info::Thumbnail,
    side: f32,
) -> egui::Response {
    let texture = textures.entry(key.to_string()).or_insert_with(|| {
        let colour =
            egui::ColorImage::from_rgba_unmultiplied([image.width, image.height], &image.rgba);
        ui.ctx()
            .load_texture(key, colour, egui::TextureOptions::NEAREST)
    });
    let aspect = image.width as f32 / image.height.max(1) as f32;
    ui.add(egui::Image::new(&*texture).fit_to_exact_size(egui::vec2(side * aspect, side)))
}

/// One frame of the window: applies what the worker and the file dialogs sent, draws, and
/// keeps frames coming while something moves.
pub fn frame(app: &mut Workbench, ui: &mut egui::Ui) {
    for (purpose, path) in app.drain() {
        on_picked(app, purpose, path);
    }
    if let Some(job) = app.retrain.as_mut() {
        let dir = job.dir.display().to_string();
        match job.drain().cloned() {
            Some(JobStatus::Failed(m)) => app.error(format!("retrain {dir}: {m}")),
            Some(JobStatus::Stopped) => app.info(format!(
                "retrain {dir} stopped with a checkpoint; Resume continues it"
            )),
            Some(_) => app.info(format!(
                "retrain {dir} finished: its result is in the Training tab"
            )),
            None => {}
        }
    }
    dropped::dropped_ui(ui, app);
    draw(app, ui);
    if app.count_frame() {
        ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
    }
    if app.closes_after_frames() {
        // Keep frames coming until then, also when nothing moves.
        ui.ctx().request_repaint();
    }
    if matches!(
        app.train,
        TrainState::Running { .. } | TrainState::Pausing { .. } | TrainState::Stopping
    ) || app.worker_busy
        || app.views.cells.playing
        || app.retrain.as_ref().is_some_and(|j| j.active())
    {
        // Progress text and the play animation move without events too.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
    }
}

/// Draws the whole window.
pub fn draw(app: &mut Workbench, ui: &mut egui::Ui) {
    egui::Panel::top("top").show(ui, |ui| {
        controls::top_bar(ui, app);
        ui.add_space(2.0);
        ui.horizontal(|ui| {
            for tab in Tab::ALL {
                ui.selectable_value(&mut app.tab, tab, tab.label());
            }
        });
    });
    egui::Panel::bottom("status").show(ui, |ui| controls::status_bar(ui, app));
    egui::CentralPanel::default().show(ui, |ui| match app.tab {
        Tab::Setup => setup::setup_ui(ui, app),
        Tab::Training => training::training_ui(ui, app),
        Tab::Cells => cells::cells_ui(ui, app),
        Tab::History => heatmap::heatmap_ui(ui, app),
        Tab::Adapt => adapt::adapt_ui(ui, app),
        Tab::Episodes => episodes::episodes_ui(ui, app),
        Tab::Pca => pca::pca_ui(ui, app),
        Tab::Export => export::export_ui(ui, app),
    });
    path_prompt::path_prompt_ui(ui, app);
    controls::confirm_resume_ui(ui, app);
    retrain::setup_window(ui, app);
}

/// Acts on the answer of a file dialog.
pub fn on_picked(app: &mut Workbench, purpose: Purpose, path: PathBuf) {
    match purpose {
        Purpose::OpenRun if metanas_core::retrain::is_retrain_run(&path) => {
            retrain::open_retrain_run(app, path);
        }
        Purpose::OpenRun => {
            app.send(Command::Open(path));
        }
        Purpose::RunsFolder => app.settings.runs_folder = Some(path),
        Purpose::DatasetFolder | Purpose::DatasetFile => {
            app.send(Command::Inspect(path));
        }
        Purpose::LoadSpace => space::load_space(app, &path),
        Purpose::SaveSpace => space::save_space(app, &path),
        Purpose::ExportFolder => {
            app.send(Command::Export(path));
        }
        Purpose::RetrainData { .. } => {
            if let Some(setup) = app.retrain_setup.as_mut() {
                setup.data = path.display().to_string();
                setup.error = None;
            }
        }
        Purpose::LocateDataset(i) => {
            if let TaskConfig::FewShot(f) = &mut app.draft.tasks {
                if let Some(d) = f.datasets.get_mut(i) {
                    d.path = DatasetPath::one(path.to_string_lossy());
                    app.draft_changed();
                }
            }
            ask_for_missing_data(app);
        }
    }
}

/// Asks where the first dataset of Setup's config that is not on this machine is, saying
/// which one is missing.
pub fn ask_for_missing_data(app: &mut Workbench) {
    if let Some((i, path)) = missing_datasets(&app.draft).into_iter().next() {
        app.error(format!(
            "this config needs the dataset {path}, which is not on this machine: choose where \
             your copy is (a folder or a .zip; Omniglot: images_background.zip)"
        ));
        app.ask(Purpose::LocateDataset(i));
    }
}

/// A small heading with space above.
fn heading(ui: &mut egui::Ui, text: &str) {
    ui.add_space(4.0);
    ui.heading(text);
}

/// The text shown where a view needs an open run.
fn needs_run(ui: &mut egui::Ui, what: &str) {
    ui.add_space(20.0);
    ui.vertical_centered(|ui| {
        ui.label(format!(
            "No run is open. Press \"Start new run from Setup\", \"Open run…\", or drop a run directory onto the window to {what}."
        ));
    });
}
