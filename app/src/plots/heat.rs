//! The probability heat map drawn with egui: every (cell, edge, op) probability over
//! meta-steps (rows x step bins, viridis), zoomable and pannable, by the GPU heat map view or
//! as an egui texture where wgpu is not the renderer.

use std::sync::Arc;

use metanas_core::figure::ProbabilityHeat;

use crate::gpu::{self, viridis, HeatCallback, HeatGrid};

/// Width of the row labels in points.
const LABEL_WIDTH: f32 = 190.0;

/// The heat map's zoom, colour scale and cached data.
pub struct HeatState {
    /// Visible columns as fractions `[first, last]` of all columns.
    pub range: [f32; 2],
    /// Whether the colour scale runs from the lowest to the highest probability of the run
    /// instead of from 0 to 1.
    pub stretch: bool,
    /// The grid of the run's records and its value span, built once per record count.
    grid: Option<(usize, Arc<HeatGrid>, Option<[f32; 2]>)>,
    texture: Option<(TextureKey, egui::TextureHandle)>,
}

/// What the egui texture was drawn from: the records and the colour scale.
type TextureKey = (usize, [u32; 2]);

impl Default for HeatState {
    fn default() -> Self {
        Self {
            range: [0.0, 1.0],
            stretch: false,
            grid: None,
            texture: None,
        }
    }
}

/// The values at the bottom and the top of the colour scale: 0 and 1, or with `stretch` the
/// grid's lowest and highest value `span` (widened to at least 1e-4 so that a run whose
/// probabilities never moved still has a scale).
pub fn colour_scale(span: Option<[f32; 2]>, stretch: bool) -> [f32; 2] {
    match span.filter(|_| stretch) {
        Some([lo, hi]) if hi - lo >= 1e-4 => [lo, hi],
        Some([lo, _]) => {
            let lo = lo.min(1.0 - 1e-4);
            [lo, lo + 1e-4]
        }
        None => [0.0, 1.0],
    }
}

/// `v` on a colour scale from `low` to `high`, as a fraction in [0, 1].
fn on_scale(v: f32, [low, high]: [f32; 2]) -> f32 {
    ((v - low) / (high - low)).clamp(0.0, 1.0)
}

impl HeatState {
    /// The lowest and the highest probability of `heat` (`None` when it has none).
    pub fn span(&mut self, heat: &ProbabilityHeat) -> Option<[f32; 2]> {
        self.grid(heat).1
    }

    /// The grid of `heat` and its span, rebuilt when records were added.
    fn grid(&mut self, heat: &ProbabilityHeat) -> (Arc<HeatGrid>, Option<[f32; 2]>) {
        match &self.grid {
            Some((n, g, span)) if *n == heat.records() => (g.clone(), *span),
            _ => {
                let g = HeatGrid::new(heat);
                let span = g.span();
                self.grid = Some((heat.records(), g.clone(), span));
                (g, span)
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
    let (grid, span) = state.grid(heat);
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
    let colours = colour_scale(span, state.stretch);
    if use_gpu && gpu::available(ui.ctx()) {
        let callback = HeatCallback {
            view: response.id.value(),
            grid: grid.clone(),
            first,
            last,
            colours,
        };
        painter.add(gpu::callback_shape(map, callback));
    } else {
        let key = (heat.records(), colours.map(f32::to_bits));
        let texture = match &state.texture {
            Some((k, t)) if *k == key => t.clone(),
            _ => {
                let pixels = grid
                    .values
                    .iter()
                    .map(|&v| {
                        if v < 0.0 {
                            egui::Color32::GRAY
                        } else {
                            viridis(on_scale(v, colours))
                        }
                    })
                    .collect();
                let image = egui::ColorImage::new([grid.columns, grid.rows], pixels);
                let t = ui
                    .ctx()
                    .load_texture("heat map", image, egui::TextureOptions::NEAREST);
                state.texture = Some((key, t.clone()));
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
        colours,
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

/// A horizontal viridis bar labelled with the values at its ends.
fn colour_bar(painter: &egui::Painter, at: egui::Pos2, [low, high]: [f32; 2], text: egui::Color32) {
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
        scale_label(low),
        font.clone(),
        text,
    );
    painter.text(
        at + egui::vec2(w, h + 1.0),
        egui::Align2::RIGHT_TOP,
        format!("p = {}", scale_label(high)),
        font,
        text,
    );
}

/// An end of the colour scale as text: `0` and `1` as they are, other values with enough
/// decimals to tell a stretched scale's ends apart.
fn scale_label(v: f32) -> String {
    if v == 0.0 || v == 1.0 {
        format!("{v}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(values: &[f32]) -> HeatGrid {
        HeatGrid::from_values(1, values.len(), values.to_vec())
    }

    #[test]
    fn the_colour_scale_is_zero_to_one_or_the_values_range() {
        let g = grid(&[0.3, 0.2, -1.0, 0.4]);
        assert_eq!(colour_scale(g.span(), false), [0.0, 1.0]);
        assert_eq!(colour_scale(g.span(), true), [0.2, 0.4]);
        // Values that never moved still get a scale, inside [0, 1].
        assert_eq!(
            colour_scale(grid(&[0.5, 0.5]).span(), true),
            [0.5, 0.5 + 1e-4]
        );
        assert_eq!(colour_scale(grid(&[1.0]).span(), true), [1.0 - 1e-4, 1.0]);
        // No value at all (every op switched off): the plain scale.
        assert_eq!(colour_scale(grid(&[-1.0, -1.0]).span(), true), [0.0, 1.0]);
    }

    #[test]
    fn values_map_onto_the_scale_and_clamp_outside_it() {
        let scale = [0.2, 0.4];
        assert_eq!(on_scale(0.2, scale), 0.0);
        assert!((on_scale(0.3, scale) - 0.5).abs() < 1e-6);
        assert_eq!(on_scale(0.4, scale), 1.0);
        assert_eq!(on_scale(0.9, scale), 1.0);
        assert_eq!(on_scale(0.0, scale), 0.0);
    }

    #[test]
    fn scale_ends_read_as_numbers() {
        assert_eq!(scale_label(0.0), "0");
        assert_eq!(scale_label(1.0), "1");
        assert_eq!(scale_label(0.15234), "0.1523");
    }
}
