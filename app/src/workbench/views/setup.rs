//! The Setup tab: what it shows (the open run's config, or the next run), and its three
//! sections, side by side in their own scroll areas when the window is wide, stacked when it
//! is narrow. Read-only while a run trains.

use super::super::state::Workbench;
use super::{data, learner, space};

/// Below this width the three sections stack.
const SIDE_BY_SIDE_WIDTH: f32 = 1100.0;

/// The Setup tab.
pub fn setup_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    banner(ui, app);
    let training = app.training();
    ui.add_enabled_ui(!training, |ui| {
        if ui.available_width() >= SIDE_BY_SIDE_WIDTH {
            ui.columns(3, |cols| {
                for (i, col) in cols.iter_mut().enumerate() {
                    egui::ScrollArea::both()
                        .id_salt(("setup-column", i))
                        .auto_shrink(false)
                        .show(col, |ui| section(ui, app, i));
                }
            });
        } else {
            egui::ScrollArea::vertical()
                .id_salt("setup-stacked")
                .auto_shrink(false)
                .show(ui, |ui| {
                    for i in 0..3 {
                        if i > 0 {
                            ui.separator();
                        }
                        section(ui, app, i);
                    }
                });
        }
    });
}

fn section(ui: &mut egui::Ui, app: &mut Workbench, i: usize) {
    match i {
        0 => data::data_ui(ui, app),
        1 => space::space_ui(ui, app),
        _ => learner::learner_ui(ui, app),
    }
}

/// One line saying whose config Setup shows.
fn banner(ui: &mut egui::Ui, app: &Workbench) {
    let Some(run) = &app.run else {
        ui.label("Setup: the config of the next run. \"Start new run from Setup\" creates it.");
        return;
    };
    let dir = run.dir.display();
    if app.training() {
        ui.label(format!(
            "Setup shows the training run {dir} (read-only while it trains)."
        ));
        return;
    }
    let differs = app.setup_differs_from_run();
    if differs.is_empty() {
        ui.label(format!(
            "Setup shows the open run {dir}. Edit it to set up the next run."
        ));
    } else {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "Setup is the next run: it differs from the open run {dir} in {}. \
                 \"Start new run from Setup\" uses it; Resume continues the open run as it was created.",
                differs.join(", ")
            ),
        );
    }
}
