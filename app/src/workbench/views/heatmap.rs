//! The History view: a heat map of every (cell, edge, op) probability over meta-steps (rows
//! × step bins, viridis), for runs of any length — the history is binned to at most a few
//! thousand columns ([`ProbabilityHeat`]). Scroll zooms into a range of steps, dragging pans,
//! hovering shows the row, the steps and the value. The colours run from 0 to 1, or stretched
//! over the run's lowest to highest probability. Drawn by the GPU heat map view, or as an
//! egui texture where wgpu is not the renderer.

use super::super::state::Workbench;
use super::needs_run;
use crate::plots::heat::heat_map;

/// The History view.
pub fn heatmap_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(run) = &app.run else {
        needs_run(ui, "see its probability history");
        return;
    };
    let heat = &run.heat;
    if heat.records() == 0 {
        ui.label("This run has recorded no architecture yet.");
        return;
    }
    let state = &mut app.views.heat;
    ui.horizontal(|ui| {
        ui.label(format!(
            "{} rows (cell, edge, op) · {} records in {} columns of {} step{}",
            heat.rows().len(),
            heat.records(),
            heat.columns(),
            heat.records_per_column(),
            if heat.records_per_column() == 1 {
                ""
            } else {
                "s (mean)"
            }
        ));
        if ui.button("Show all steps").clicked() {
            state.range = [0.0, 1.0];
        }
        ui.label("· scroll to zoom, drag to pan");
    });
    if let Some([lo, hi]) = state.span(heat) {
        ui.checkbox(
            &mut state.stretch,
            format!(
                "Stretch the colours over the run's probabilities ({lo:.4} to {hi:.4}) instead \
                 of 0 to 1"
            ),
        )
        .on_hover_text(
            "Shows small changes, as when the architecture learning rate is low; the colours \
             are then not comparable with another run's.",
        );
    }
    let size = ui.available_size();
    heat_map(ui, heat, state, size, true, true);
}
