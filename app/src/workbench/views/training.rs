//! The Training view: live curves of the meta-training loss, the post-inner-loop accuracy or
//! MSE, the meta-validation results at each checkpoint and the Gumbel-softmax temperature over
//! meta-steps, with the latest numbers and the best validation checkpoint; above them, a
//! retrain's progress and curves when one was started.

use metanas_core::run::best_validation;

use super::super::state::Workbench;
use super::controls::duration_text;
use super::needs_run;
use crate::plots::curves::curves;

/// The Training view.
pub fn training_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    super::retrain::retrain_section(ui, app);
    let Some(run) = &app.run else {
        if app.retrain.is_some() {
            return;
        }
        needs_run(ui, "see its training curves");
        return;
    };
    let m = &run.metrics;
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("{} · {} meta-steps", run.learner, run.steps));
        if let Some(last) = m.last() {
            ui.separator();
            ui.label(format!("loss {:.4}", last.report.loss));
            if let Some(a) = last.report.accuracy {
                ui.label(format!("accuracy {a:.3}"));
            }
            if let Some(e) = last.report.mse {
                ui.label(format!("MSE {e:.4}"));
            }
            if let Some(t) = last.report.temperature {
                ui.label(format!("τ {t:.3}"));
            }
            ui.separator();
            ui.label(format!(
                "{:.2} s per step · trained {}",
                last.step_seconds,
                duration_text(last.elapsed_seconds)
            ));
        }
        if let Some(best) = best_validation(&run.validation) {
            ui.separator();
            ui.label(format!(
                "best validation: {} {:.3} at meta-step {} (adapt and eval use it)",
                best.metric,
                best.mean.unwrap_or(f64::NAN),
                best.step
            ));
        }
    });
    if m.is_empty() {
        ui.label("No meta-step yet: curves appear after the first one.");
        return;
    }
    curves(ui, m, &run.validation);
}
