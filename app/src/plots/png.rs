//! PNG figures of a run, drawn by the workbench views' own drawing code (GPU views included) offscreen: both
//! cells at the newest record, the probability heat map, the training curves and the PCA of
//! the task posteriors sampled during training. Used by `metanas export --png` and by the
//! workbench's Export.

use std::io::Cursor;

use metanas_core::genotype::Genotype;

use super::cells::{legend, paint_record};
use super::curves::curves;
use super::heat::{heat_map, HeatState};
use super::history::RunHistory;
use super::pca::pca_figure;
use crate::gpu::{Offscreen, OffscreenError};

/// Width of every figure in points (the pixels are this times the scale).
const FIGURE_WIDTH: f32 = 1400.0;

/// `(file name, PNG bytes)` of every figure of `history`, `scale` pixels per point.
pub fn png_figures(
    history: &RunHistory,
    scale: f32,
) -> Result<Vec<(String, Vec<u8>)>, OffscreenError> {
    png_figures_with(&mut Offscreen::new()?, history, scale)
}

/// [`png_figures`] on an existing offscreen renderer.
pub fn png_figures_with(
    offscreen: &mut Offscreen,
    history: &RunHistory,
    scale: f32,
) -> Result<Vec<(String, Vec<u8>)>, OffscreenError> {
    let scale = scale.clamp(0.5, 8.0);
    let px = |points: f32| (points * scale).round() as u32;
    let mut out = Vec::new();
    if let Some(record) = history.arch.last() {
        let space = &history.config.space;
        let genotype = history
            .genotype
            .is_some()
            .then(|| Genotype::derive(space, &record.normal, record.reduce.as_deref()));
        let image = offscreen.render(px(FIGURE_WIDTH), px(1600.0), scale, |ui| {
            ui.label(format!(
                "{} · meta-step {} · {}",
                history.learner,
                record.step,
                history.dir.display()
            ));
            legend(ui, space);
            paint_record(
                ui,
                space,
                &record.normal,
                record.reduce.as_deref(),
                genotype.as_ref(),
            );
        })?;
        out.push(("cells.png".to_string(), encode(&image)?));
    }
    if history.heat.records() > 0 {
        // 12 points a row: room to label every row (up to 400 rows).
        let rows = history.heat.rows().len() as f32;
        let height = (rows * 12.0).clamp(160.0, 4800.0) + 60.0;
        let mut state = HeatState::default();
        let image = offscreen.render(px(FIGURE_WIDTH), px(height), scale, |ui| {
            let size = ui.available_size();
            heat_map(ui, &history.heat, &mut state, size, false, true);
        })?;
        out.push(("heatmap.png".to_string(), encode(&image)?));
    }
    if !history.metrics.is_empty() {
        let image = offscreen.render(px(1000.0), px(720.0), scale, |ui| {
            curves(ui, &history.metrics, &history.validation);
        })?;
        out.push(("metrics.png".to_string(), encode(&image)?));
    }
    if !history.snapshots.is_empty() {
        let title = format!("{} · {}", history.learner, history.dir.display());
        let mut drawn = false;
        let image = offscreen.render(px(1000.0), px(860.0), scale, |ui| {
            drawn = pca_figure(ui, &title, &history.snapshots);
        })?;
        if drawn {
            out.push(("pca.png".to_string(), encode(&image)?));
        }
    }
    Ok(out)
}

fn encode(image: &image::RgbaImage) -> Result<Vec<u8>, OffscreenError> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| OffscreenError::Render(format!("PNG encoding: {e}")))?;
    Ok(bytes)
}
