//! The workbench's panels: a top bar (preset, runs, training controls, progress), the tabs, a
//! status bar, and one function per view.

mod adapt;
mod baseline_bars;
mod cells;
mod controls;
mod data;
mod episodes;
mod export;
mod figures;
mod heatmap;
mod learner;
mod pca;
mod scatter;
mod space;
mod training;

use std::path::PathBuf;

pub use figures::{png_figures, png_figures_with};
pub use heatmap::{heat_map, HeatState};
pub use learner::learner_toml;
pub use scatter::{scatter_plot, Scatter, ScatterResponse};

use super::dataset_info::DatasetInfo;
use super::picker::Purpose;
use super::state::{Tab, Workbench};
use super::worker::Command;

/// The views' own state (selection, sliders, animation).
#[derive(Default)]
pub struct ViewState {
    /// The cell view.
    pub cells: cells::CellsState,
    /// The adapt view.
    pub adapt: adapt::AdaptState,
    /// The PCA view.
    pub pca: pca::PcaState,
    /// The heat map view.
    pub heat: heatmap::HeatState,
    /// The search-space editor's selection.
    pub cells_editor: space::CellEditor,
    /// Image textures by key.
    pub textures: Textures,
}

/// Textures of images shown (thumbnails, episode images), made once per key.
pub type Textures = std::collections::HashMap<String, egui::TextureHandle>;

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
        Tab::Setup => {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.columns(3, |cols| {
                    data::data_ui(&mut cols[0], app);
                    space::space_ui(&mut cols[1], app);
                    learner::learner_ui(&mut cols[2], app);
                });
            });
        }
        Tab::Training => training::training_ui(ui, app),
        Tab::Cells => cells::cells_ui(ui, app),
        Tab::History => heatmap::heatmap_ui(ui, app),
        Tab::Adapt => adapt::adapt_ui(ui, app),
        Tab::Episodes => episodes::episodes_ui(ui, app),
        Tab::Pca => pca::pca_ui(ui, app),
        Tab::Export => export::export_ui(ui, app),
    });
}

/// Acts on the answer of a file dialog.
pub fn on_picked(app: &mut Workbench, purpose: Purpose, path: PathBuf) {
    match purpose {
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
    }
}

/// Adds an inspected dataset to the Data section (and to the draft's tasks when it fits).
pub fn on_inspected(app: &mut Workbench, info: DatasetInfo) {
    data::add_dataset(app, info);
}

/// Re-checks the draft config after an edit.
pub fn draft_changed(app: &mut Workbench) {
    app.preset = None;
    app.draft_error = match app.draft.space.validate() {
        Err(e) => Some(e.to_string()),
        Ok(()) => app
            .draft
            .check(std::path::Path::new("the setup"))
            .err()
            .map(|e| e.to_string()),
    };
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
            "No run is open. Press \"Start new run\" (Setup tab) or \"Open run…\" to {what}."
        ));
    });
}
