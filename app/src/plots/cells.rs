//! Cell DAGs drawn with egui: one curve per op of every edge (width and opacity =
//! probability, colour = op, the genotype's ops outlined), in the layout of the exported SVG
//! figures; the op legend and hover texts.

use metanas_core::figure::{
    distance_to_curve, edge_opacity, edge_stroke_width, CellLayout, OpCurve, OP_COLOURS,
};
use metanas_core::genotype::Genotype;
use metanas_core::space::{CellKind, SearchSpace};

use crate::gpu::{self, CurveInstance, CurvesCallback};

/// `"#1f77b4"` -> colour.
pub fn op_colour(op: usize) -> egui::Color32 {
    let hex = OP_COLOURS[op % OP_COLOURS.len()].trim_start_matches('#');
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    egui::Color32::from_rgb(byte(0), byte(2), byte(4))
}

/// What painting a cell gives back.
pub struct CellPaint {
    /// The drawing's response (clicks, hover).
    pub response: egui::Response,
    /// The op curve under the pointer, if any.
    pub hovered: Option<OpCurve>,
}

/// Paints one cell into a `width`-wide area: curves, edge labels, nodes, legend.
pub fn paint_cell(
    ui: &mut egui::Ui,
    space: &SearchSpace,
    kind: CellKind,
    probs: &[Vec<f32>],
    genotype: Option<&Genotype>,
    width: f32,
) -> CellPaint {
    let layout = CellLayout::new(space.nodes);
    let scale = (width / layout.width).clamp(0.3, 2.0);
    let size = egui::vec2(layout.width * scale, (layout.height - 40.0) * scale);
    let (response, painter) = ui.allocate_painter(size, egui::Sense::click());
    let origin = response.rect.min;
    let at = |(x, y): (f32, f32)| origin + egui::vec2(x * scale, y * scale);
    let (curves, labels) = layout.curves(space, kind, probs, genotype);
    let pointer = response
        .hover_pos()
        .map(|p| ((p.x - origin.x) / scale, (p.y - origin.y) / scale));
    let hovered = pointer.and_then(|p| {
        curves
            .iter()
            .map(|c| (distance_to_curve(&c.points, p), c))
            .filter(|(d, _)| *d < 6.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c.clone())
    });
    let text_colour = ui.visuals().text_color();
    // The genotype's outlines first (under), then one stroke per op curve.
    let mut strokes: Vec<([egui::Pos2; 3], f32, egui::Color32)> = Vec::new();
    for c in curves.iter().filter(|c| c.kept) {
        let width = (edge_stroke_width(c.probability) + 2.5) * scale;
        strokes.push((c.points.map(at), width, text_colour));
    }
    for c in &curves {
        let p = c.probability;
        let highlight = hovered
            .as_ref()
            .is_some_and(|h| h.edge == c.edge && h.op == c.op);
        let alpha = if highlight { 1.0 } else { edge_opacity(p) };
        let [r, g, b, _] = op_colour(c.op).to_array();
        let colour = egui::Color32::from_rgba_unmultiplied(r, g, b, (alpha * 255.0) as u8);
        let width = edge_stroke_width(p) * scale * if highlight { 1.6 } else { 1.0 };
        strokes.push((c.points.map(at), width, colour));
    }
    paint_strokes(&painter, response.rect, response.id, &strokes);
    let font = egui::FontId::proportional((10.0 * scale).max(8.0));
    for l in &labels {
        painter.text(
            at(l.at),
            egui::Align2::LEFT_BOTTOM,
            format!("{} {:.2}", space.ops[l.op].name(), l.probability),
            font.clone(),
            op_colour(l.op),
        );
    }
    let output = at(layout.node(space.nodes + 2));
    for n in 0..space.nodes + 3 {
        let centre = at(layout.node(n));
        if (2..space.nodes + 2).contains(&n) {
            painter.line_segment(
                [centre, output],
                egui::Stroke::new(1.0, egui::Color32::from_gray(170)),
            );
        }
    }
    for n in 0..space.nodes + 3 {
        let centre = at(layout.node(n));
        let fill = match n {
            0 | 1 => egui::Color32::from_rgb(0xc6, 0xdb, 0xef),
            n if n < space.nodes + 2 => egui::Color32::from_rgb(0xfd, 0xd0, 0xa2),
            _ => egui::Color32::from_rgb(0xc7, 0xe9, 0xc0),
        };
        let rect = egui::Rect::from_center_size(centre, egui::vec2(60.0, 34.0) * scale);
        painter.rect(
            rect,
            17.0 * scale,
            fill,
            egui::Stroke::new(1.0, egui::Color32::from_gray(60)),
            egui::StrokeKind::Inside,
        );
        painter.text(
            centre,
            egui::Align2::CENTER_CENTER,
            layout.node_label(n),
            font.clone(),
            egui::Color32::BLACK,
        );
    }
    painter.text(
        origin + egui::vec2(8.0, 4.0),
        egui::Align2::LEFT_TOP,
        format!("{} cell", kind.name()),
        egui::FontId::proportional(14.0),
        text_colour,
    );
    CellPaint { response, hovered }
}

/// Draws quadratic curves (control points, width, colour) through the GPU view when it is
/// installed, with egui's shapes otherwise.
fn paint_strokes(
    painter: &egui::Painter,
    rect: egui::Rect,
    id: egui::Id,
    strokes: &[([egui::Pos2; 3], f32, egui::Color32)],
) {
    if gpu::available(painter.ctx()) {
        // The callback covers only the visible part: egui_wgpu clamps a viewport that leaves
        // the screen, which would squash the drawing.
        let rect = gpu::visible_rect(painter, rect);
        if !rect.is_positive() {
            return;
        }
        let local = |p: egui::Pos2| [p.x - rect.min.x, p.y - rect.min.y];
        let curves = strokes
            .iter()
            .map(|(p, width, colour)| CurveInstance {
                p0: local(p[0]),
                p1: local(p[1]),
                p2: local(p[2]),
                width: *width,
                colour: colour.to_srgba_unmultiplied(),
            })
            .collect();
        let callback = CurvesCallback {
            view: id.value(),
            curves,
            size: rect.size(),
        };
        painter.add(gpu::callback_shape(rect, callback));
        return;
    }
    for (points, width, colour) in strokes {
        painter.add(egui::epaint::QuadraticBezierShape::from_points_stroke(
            *points,
            false,
            egui::Color32::TRANSPARENT,
            egui::Stroke::new(*width, *colour),
        ));
    }
}

/// The op legend: a colour swatch per op.
pub fn legend(ui: &mut egui::Ui, space: &SearchSpace) {
    ui.horizontal_wrapped(|ui| {
        for (k, op) in space.ops.iter().enumerate() {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(16.0, 8.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 1.0, op_colour(k));
            ui.label(op.name());
        }
        ui.label("· outlined: kept by the genotype");
    });
}

/// Hover text of an op curve.
pub fn curve_text(space: &SearchSpace, c: &OpCurve) -> String {
    let layout = CellLayout::new(space.nodes);
    format!(
        "{} -> {}: {}  p = {:.4}{}",
        layout.node_label(c.from),
        layout.node_label(c.to),
        space.ops[c.op].name(),
        c.probability,
        if c.kept { " (kept)" } else { "" }
    )
}

/// Both cells of one architecture record, side by side when there is room.
pub fn paint_record(
    ui: &mut egui::Ui,
    space: &SearchSpace,
    normal: &[Vec<f32>],
    reduce: Option<&[Vec<f32>]>,
    genotype: Option<&Genotype>,
) {
    let cells: Vec<(CellKind, &[Vec<f32>])> = std::iter::once((CellKind::Normal, normal))
        .chain(reduce.map(|r| (CellKind::Reduce, r)))
        .collect();
    let width = ui.available_width();
    let per_cell = if width > 1100.0 && cells.len() == 2 {
        width / 2.0 - 8.0
    } else {
        width
    };
    ui.horizontal_wrapped(|ui| {
        for (kind, probs) in cells {
            let paint = paint_cell(ui, space, kind, probs, genotype, per_cell);
            if let Some(c) = &paint.hovered {
                paint.response.on_hover_text(curve_text(space, c));
            }
        }
    });
}

/// The legend and both cells of `tables`, scrollable, with the genotype derived from them (the
/// papers' rule) outlined and printed when `with_genotype` (learners that have one).
pub fn cells_panel(
    ui: &mut egui::Ui,
    space: &SearchSpace,
    normal: &[Vec<f32>],
    reduce: Option<&[Vec<f32>]>,
    with_genotype: bool,
) {
    let genotype = with_genotype.then(|| Genotype::derive(space, normal, reduce));
    legend(ui, space);
    egui::ScrollArea::vertical().show(ui, |ui| {
        paint_record(ui, space, normal, reduce, genotype.as_ref());
        if let Some(g) = &genotype {
            ui.label(egui::RichText::new(g.to_darts()).monospace().small());
        }
    });
}
