//! The PCA view (BASE Figure 3): task posteriors — the snapshots taken during training and the
//! tasks adapted in this session — projected on their two principal components, coloured by
//! source (dataset or regression family), with the explained variance; click a point to see
//! its task and genotype.

use metanas_core::analysis::{pca_2d, posterior_features, PosteriorFeatures};
use metanas_core::run::metric_value;

use super::super::state::Workbench;
use super::needs_run;
use crate::plots::pca::{fmt, scatter_of, snapshot_points, TaskPoint};
use crate::plots::scatter::scatter_plot;
use metanas_core::run::AdaptMethod;

/// The PCA view.
pub fn pca_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    let Some(run) = &app.run else {
        needs_run(ui, "project its task posteriors");
        return;
    };
    let state = &mut app.views.pca;
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::from_label("Features")
            .selected_text(features_label(state.features))
            .show_ui(ui, |ui| {
                for f in [
                    PosteriorFeatures::Both,
                    PosteriorFeatures::Architecture,
                    PosteriorFeatures::Weights,
                ] {
                    ui.selectable_value(&mut state.features, f, features_label(f));
                }
            });
        ui.checkbox(&mut state.latest_only, "Newest snapshot only");
    });
    let newest = run.snapshots.iter().map(|s| s.step).max().unwrap_or(0);
    let key = (
        state.features,
        state.latest_only,
        run.snapshots.len(),
        app.adaptations.len(),
        newest,
    );
    if state.cache.as_ref().is_none_or(|(k, _, _)| *k != key) {
        let (mut rows, mut points) = snapshot_points(
            run.snapshots
                .iter()
                .filter(|s| !state.latest_only || s.step == newest),
        );
        // Posteriors of the meta-network only: DARTS from scratch adapts a fresh network,
        // whose weights and architecture are not a task posterior of this one.
        let adapted: Vec<_> = app
            .adaptations
            .iter()
            .filter(|a| a.request.method.uses_meta_network())
            .collect();
        let archs: Vec<Vec<f32>> = adapted
            .iter()
            .map(|a| a.adaptation.arch().map(|t| t.flatten()).unwrap_or_default())
            .collect();
        for (a, arch) in adapted.iter().zip(&archs) {
            rows.push((arch, &a.adaptation.weight_sketch));
            let how = match a.request.method {
                AdaptMethod::FrozenArch => ", architecture frozen",
                _ => "",
            };
            points.push(TaskPoint {
                source: format!("{} (adapted here{how})", a.episode.source_name),
                label: format!(
                    "adapted task #{} ({:?}): {} -> {}",
                    a.request.task,
                    a.request.split,
                    fmt(a.adaptation.per_step.first().and_then(metric_value)),
                    fmt(a.adaptation.per_step.last().and_then(metric_value))
                ),
                genotype: a.adaptation.genotype.clone(),
            });
        }
        let projection = pca_2d(&posterior_features(&rows, state.features)).map(|p| {
            let scatter = scatter_of(&p, &points);
            (p, scatter)
        });
        state.cache = Some((key, projection, points));
        state.selected = None;
    }
    let Some((_, projection, points)) = &state.cache else {
        return;
    };
    let (projection, scatter) = match projection {
        Ok((p, s)) => (p, s),
        Err(e) => {
            ui.label(format!(
                "No projection yet: {e}. Task posteriors are sampled every {} meta-steps (training.snapshot_every); adapted tasks count too.",
                run.config.training.snapshot_every
            ));
            return;
        }
    };
    ui.label(format!(
        "{} tasks · PC1 explains {:.1}% and PC2 {:.1}% of the variance",
        points.len(),
        100.0 * projection.explained[0],
        100.0 * projection.explained[1]
    ));
    let height = (ui.available_height() - 120.0).max(200.0);
    let response = scatter_plot(ui, "pca", scatter, state.selected, height, true);
    if let Some(i) = response.clicked {
        state.selected = Some(i);
    }
    if let Some(t) = response.hovered.and_then(|i| points.get(i)) {
        egui::Tooltip::always_open(
            ui.ctx().clone(),
            ui.layer_id(),
            egui::Id::new("pca-hover"),
            egui::PopupAnchor::Pointer,
        )
        .show(|ui| ui.label(format!("{} · {}", t.source, t.label)));
    }
    match state.selected.and_then(|i| points.get(i)) {
        Some(t) => {
            ui.label(format!("{} · {}", t.source, t.label));
            ui.label(
                egui::RichText::new(t.genotype.to_darts())
                    .monospace()
                    .small(),
            );
        }
        None => {
            ui.label("Click a point to see its task and genotype.");
        }
    }
}

fn features_label(f: PosteriorFeatures) -> &'static str {
    match f {
        PosteriorFeatures::Both => "architecture + weights",
        PosteriorFeatures::Architecture => "architecture probabilities",
        PosteriorFeatures::Weights => "adapted weights (sketch)",
    }
}
