//! Files and folders dropped onto the window: a run directory opens (a retrain run in the
//! Training tab), anything else is added as a dataset. While files hover over the window, a layer says what dropping them does.

use std::path::PathBuf;

use super::super::state::Workbench;
use super::super::worker::Command;

/// Acts on the files dropped in this frame and shows the hover layer.
pub fn dropped_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let (hovering, dropped): (bool, Vec<PathBuf>) = ui.input(|i| {
        (
            !i.raw.hovered_files.is_empty(),
            i.raw
                .dropped_files
                .iter()
                .filter_map(|f| f.path.clone())
                .collect(),
        )
    });
    if hovering {
        let rect = ui.ctx().content_rect();
        let painter = ui.ctx().layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::new("drop-layer"),
        ));
        painter.rect_filled(rect, 0.0, egui::Color32::from_black_alpha(160));
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "Drop a run or retrain directory to open it, or a dataset file or folder to add it",
            egui::FontId::proportional(20.0),
            egui::Color32::WHITE,
        );
    }
    for path in dropped {
        on_dropped(app, path);
    }
}

/// A dropped path: opens a run directory, adds anything else as a dataset.
pub fn on_dropped(app: &mut Workbench, path: PathBuf) {
    let shown = path.display().to_string();
    if app.training() || app.worker_busy {
        app.error(format!(
            "{shown}: dropped while metanas is busy (training or loading); drop it again when it is idle"
        ));
        return;
    }
    if !path.exists() {
        app.error(format!("{shown}: no such file or folder"));
        return;
    }
    app.settings.remember(&path);
    if metanas_core::retrain::is_retrain_run(&path) {
        super::retrain::open_retrain_run(app, path);
    } else if path.join("run.json").is_file() {
        app.send(Command::Open(path));
    } else {
        app.send(Command::Inspect(path));
    }
}
