//! The Cells view: normal and reduction cell DAGs with one curve per op of every edge (width and
//! opacity = probability, colour = op, the genotype's ops outlined), a time slider and a play
//! button that replay the probabilities over training, exact numbers on hover. The drawing
//! uses the same layout as the exported SVG figures.

use metanas_core::run::ArchRecord;

use crate::plots::cells::cells_panel;

use super::super::state::Workbench;
use super::needs_run;

/// The Cells view.
pub fn cells_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(run) = &app.run else {
        needs_run(ui, "see its cells");
        return;
    };
    if run.arch.is_empty() {
        ui.label("This run has recorded no architecture yet.");
        return;
    }
    let state = &mut app.views.cells;
    let last = run.arch.len() - 1;
    if state.follow_latest {
        state.index = last;
    }
    if state.playing {
        // Wall-clock time since the last frame of the replay (frames come at any rate; a
        // frame's own compute time, egui's `stable_dt`, would run the replay slow).
        let now = ui.input(|i| i.time);
        let dt = state
            .played_until
            .map_or(0.0, |t| (now - t).clamp(0.0, 0.25)) as f32;
        state.played_until = Some(now);
        state.play_position += dt * state.speed.max(1.0);
        ui.ctx().request_repaint();
        state.index = (state.play_position as usize).min(last);
        if state.index == last {
            state.playing = false;
        }
    }
    state.index = state.index.min(last);
    ui.horizontal(|ui| {
        let label = if state.playing {
            "Pause replay"
        } else {
            "Play"
        };
        if ui.button(label).clicked() {
            state.playing = !state.playing;
            state.follow_latest = false;
            if state.playing {
                if state.index == last {
                    state.index = 0;
                }
                state.play_position = state.index as f32;
                state.played_until = None;
                if state.speed <= 0.0 {
                    state.speed = (last as f32 / 10.0).max(2.0);
                }
            }
        }
        let slider = ui.add(
            egui::Slider::new(&mut state.index, 0..=last)
                .text("record")
                .custom_formatter(|v, _| format!("step {}", run.arch[(v as usize).min(last)].step)),
        );
        if slider.changed() {
            state.follow_latest = state.index == last;
            state.playing = false;
        }
        ui.checkbox(&mut state.follow_latest, "Follow training");
        ui.add(
            egui::DragValue::new(&mut state.speed)
                .range(1.0..=10_000.0)
                .suffix(" records/s"),
        );
    });
    let record: &ArchRecord = &run.arch[state.index];
    let space = &run.config.space;
    ui.label(format!(
        "Shared architecture at meta-step {} ({} records{}){}",
        record.step,
        run.arch.len(),
        if run.arch_stride > 1 {
            format!(", every {} steps", run.arch_stride)
        } else {
            String::new()
        },
        if run.genotype.is_none() {
            format!(
                " · {} learns no architecture: the supernet's ops stay a uniform mixture",
                run.learner
            )
        } else {
            String::new()
        }
    ));
    cells_panel(
        ui,
        space,
        &record.normal,
        record.reduce.as_deref(),
        run.genotype.is_some(),
    );
}
