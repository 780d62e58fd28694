//! The probability heat map drawn with egui: every (cell, edge, op) probability over
//! meta-steps (rows x step bins, viridis), zoomable and pannable, by the GPU heat map view or
//! as an egui texture where wgpu is not the renderer.

use std::sync::Arc;

use metanas_core::figure::ProbabilityHeat;

use crate::gpu::{self, viridis, HeatCallback, HeatGrid};

/// Width of the row labels in points.
const LABEL_WIDTH: f32 = 190.0;

/// The heat map's zoom and cached data.
pub struct HeatState {
    /// Visible columns as fractions `[first, last]` of all columns.
    pub range: [f32; 2],
    grid: Option<(usize, Arc<HeatGrid>)>,
    texture: Option<(usize, egui::TextureHandle)>,
}

impl Default for HeatState {
    fn default() -> Self {
        Self {
            range: [0.0, 1.0],
            grid: None,
            texture: None,
        }
    }
}

impl HeatState {
    /// The grid of `heat`, rebuilt when records were added.
    fn grid(&mut self, heat: &ProbabilityHeat) -> Arc<HeatGrid> {
        match &self.grid {
            Some((n, g)) if *n == heat.records() => g.clone(),
            _ => {
                let g = HeatGrid::new(heat);
                self.grid = Some((heat.records(), g.clone()));
                g
            }
        }
    }
}

/// Draws the heat map of `heat` in `size` points: row labels, the map, a step axis and a
/// colour bar. `interactive` turns on zoom, pan and hover.
pub fn heat_map(
    ui: &mut egui::Ui,
    heat: &ProbabilityHeat,
    state: &mut HeatState,
    size: egui::Vec2,
    interactive: bool,
    use_gpu: bool,
) {
    let grid = state.grid(heat);
    let (outer, response) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
    let map = egui::Rect::from_min_max(
        outer.min + egui::vec2(LABEL_WIDTH, 0.0),
        outer.max - egui::vec2(8.0, 44.0),
    );
    if map.width() < 10.0 || map.height() < 10.0 || grid.columns == 0 {
        return;
    }
    let painter = ui.painter_at(outer);
    if interactive {
        zoom_and_pan(ui, &response, map, &mut state.range);
    }
    let [first, last] = state.range;
    if use_gpu && gpu::available(ui.ctx()) {
        let callback = HeatCallback {
            view: response.id.value(),
            grid: grid.clone(),
            first,
            last,
        };
        painter.add(gpu::callback_shape(map, callback));
    } else {
        let texture = match &state.texture {
            Some((n, t)) if *n == heat.records() => t.clone(),
            _ => {
                let pixels = grid
                    .values
                    .iter()
                    .map(|&v| {
                        if v < 0.0 {
                            egui::Color32::GRAY
                        } else {
                            viridis(v)
                        }
                    })
                    .collect();
                let image = egui::ColorImage::new([grid.columns, grid.rows], pixels);
                let t = ui
                    .ctx()
                    .load_texture("heat map", image, egui::TextureOptions::NEAREST);
                state.texture = Some((heat.records(), t.clone()));
                t
            }
        };
        let uv = egui::Rect::from_min_max(egui::pos2(first, 0.0), egui::pos2(last, 1.0));
        painter.image(texture.id(), map, uv, egui::Color32::WHITE);
    }
    let text = ui.visuals().text_color();
    let font = egui::FontId::proportional(10.0);
    // Row labels: every row when there is room, else every k-th.
    let row_h = map.height() / grid.rows as f32;
    let every = (11.0 / row_h).ceil().max(1.0) as usize;
    for (r, row) in heat.rows().iter().enumerate().step_by(every) {
        let y = map.top() + (r as f32 + 0.5) * row_h;
        painter.text(
            egui::pos2(map.left() - 4.0, y),
            egui::Align2::RIGHT_CENTER,
            &row.label,
            font.clone(),
            text,
        );
    }
    // Step axis: five ticks over the visible range.
    let column_at = |f: f32| ((f * grid.columns as f32) as usize).min(grid.columns - 1);
    for k in 0..=4 {
        let f = k as f32 / 4.0;
        let x = map.left() + f * map.width();
        let step = heat
            .column_steps(column_at(first + f * (last - first)))
            .map_or(0, |s| s.0);
        painter.line_segment(
            [
                egui::pos2(x, map.bottom()),
                egui::pos2(x, map.bottom() + 4.0),
            ],
            egui::Stroke::new(1.0, text),
        );
        painter.text(
            egui::pos2(x, map.bottom() + 5.0),
            egui::Align2::CENTER_TOP,
            step.to_string(),
            font.clone(),
            text,
        );
    }
    painter.text(
        egui::pos2(map.center().x, map.bottom() + 20.0),
        egui::Align2::CENTER_TOP,
        "meta-step",
        font.clone(),
        text,
    );
    colour_bar(
        &painter,
        egui::pos2(outer.left() + 8.0, map.bottom() + 24.0),
        text,
    );
    if interactive {
        if let Some(p) = response.hover_pos().filter(|p| map.contains(*p)) {
            let row = (((p.y - map.top()) / row_h) as usize).min(grid.rows - 1);
            let f = first + (p.x - map.left()) / map.width() * (last - first);
            let column = column_at(f);
            let (a, b) = heat.column_steps(column).unwrap_or((0, 0));
            let value = grid
                .value(row, column)
                .map_or("switched off".to_string(), |v| format!("p = {v:.4}"));
            response.on_hover_text(format!(
                "{}\nsteps {a}..={b}: {value}",
                heat.rows()[row].label
            ));
        }
    }
}

/// Scroll zooms around the pointer, dragging pans; the range stays inside [0, 1].
fn zoom_and_pan(ui: &egui::Ui, response: &egui::Response, map: egui::Rect, range: &mut [f32; 2]) {
    let span = range[1] - range[0];
    if let Some(p) = response.hover_pos().filter(|p| map.contains(*p)) {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            let at = range[0] + (p.x - map.left()) / map.width() * span;
            let factor = (-scroll / 200.0).exp();
            let new_span = (span * factor).clamp(1e-4, 1.0);
            let left = at - (at - range[0]) * new_span / span;
            *range = [left, left + new_span];
        }
    }
    if response.dragged() {
        let shift = -response.drag_delta().x / map.width() * span;
        *range = [range[0] + shift, range[1] + shift];
    }
    let span = (range[1] - range[0]).clamp(1e-4, 1.0);
    let left = range[0].clamp(0.0, 1.0 - span);
    *range = [left, left + span];
}

/// A horizontal viridis bar from 0 to 1.
fn colour_bar(painter: &egui::Painter, at: egui::Pos2, text: egui::Color32) {
    let (w, h) = (120.0, 8.0);
    for k in 0..60 {
        let x = at.x + k as f32 * w / 60.0;
        painter.rect_filled(
            egui::Rect::from_min_size(egui::pos2(x, at.y), egui::vec2(w / 60.0 + 0.5, h)),
            0.0,
            viridis(k as f32 / 59.0),
        );
    }
    let font = egui::FontId::proportional(10.0);
    painter.text(
        at + egui::vec2(0.0, h + 1.0),
        egui::Align2::LEFT_TOP,
        "0",
        font.clone(),
        text,
    );
    painter.text(
        at + egui::vec2(w, h + 1.0),
        egui::Align2::RIGHT_TOP,
        "p = 1",
        font,
        text,
    );
}
