//! The Export view: the genotype (JSON and DARTS text), the cell figures (SVG and PNG), the
//! heat map and curve figures (PNG) of the open run at its current step and its metrics as CSV, written into a folder chosen in a dialog.

use super::super::picker::Purpose;
use super::super::state::Workbench;
use super::{needs_run, retrain};

/// The Export view.
pub fn export_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(run) = &app.run else {
        needs_run(ui, "export it");
        return;
    };
    ui.label(format!(
        "Run {} at meta-step {}.",
        run.dir.display(),
        run.steps
    ));
    match &run.genotype {
        Some(g) => {
            ui.label("Genotype (DARTS text):");
            let mut text = g.to_darts();
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .code_editor()
                    .desired_width(f32::INFINITY),
            );
            ui.horizontal(|ui| {
                if ui.button("Copy DARTS text").clicked() {
                    ui.ctx().copy_text(g.to_darts());
                }
                if ui.button("Copy JSON").clicked() {
                    ui.ctx().copy_text(g.to_json());
                }
            });
        }
        None => {
            ui.label(format!(
                "{} learns no architecture: no genotype files are written.",
                run.learner
            ));
        }
    }
    if let Some(g) = app.run.as_ref().and_then(|r| r.genotype.clone()) {
        let source = app.run.as_ref().map_or_else(String::new, |r| {
            format!("{} (meta-step {})", r.dir.display(), r.steps)
        });
        if retrain::train_button(ui, retrain::retrain_busy(app), &g) {
            retrain::open_form(app, g.clone(), source);
        }
        retrain::result_line(ui, app, &g);
    }
    ui.label("Writes genotype.json and genotype.py (DARTS), metrics.csv, normal.svg and reduce.svg (cell figures), and PNG figures: cells.png, heatmap.png (probabilities over training) and metrics.png (curves).");
    let idle = !app.training() && !app.worker_busy;
    if ui
        .add_enabled(idle, egui::Button::new("Export to folder…"))
        .on_disabled_hover_text("pause training first")
        .clicked()
    {
        app.ask(Purpose::ExportFolder);
    }
    if let Some((dir, files)) = &app.exported {
        ui.label(format!("Last export, {}:", dir.display()));
        for f in files {
            ui.monospace(f.display().to_string());
        }
    }
}
