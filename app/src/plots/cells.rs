//! Cell DAGs drawn with egui: one curve per op of every edge (width and opacity =
//! probability, colour = op, the genotype's ops outlined), in the layout of the exported SVG
//! figures; the op legend and hover texts.

use metanas_core::figure::{
    distance_to_curve, edge_opacity, edge_stroke_width, op_colour_hex, quadratic_point, rgb_of_hex,
    CellLayout, OffEdge, OpCurve, Point,
};
use metanas_core::genotype::Genotype;
use metanas_core::space::{edge_name, CellKind, Op, SearchSpace};

use crate::gpu::{self, CurveInstance, CurvesCallback};

/// The colour of `op` (the same in every space, view and figure).
pub fn op_colour(op: Op) -> egui::Color32 {
    hex_colour(op_colour_hex(op))
}

/// `"#1f77b4"` -> colour.
pub fn hex_colour(hex: &str) -> egui::Color32 {
    let [r, g, b] = rgb_of_hex(hex);
    egui::Color32::from_rgb(r, g, b)
}

/// What painting a cell gives back.
pub struct CellPaint {
    /// The drawing's response (clicks, hover).
    pub response: egui::Response,
    /// The op curve under the pointer, if any.
    pub hovered: Option<OpCurve>,
    /// The switched-off edge under the pointer, if any (and no op curve is).
    pub hovered_off: Option<OffEdge>,
}

impl CellPaint {
    /// The edge `(from, to)` under the pointer, live or switched off.
    pub fn hovered_edge(&self) -> Option<(usize, usize)> {
        self.hovered
            .as_ref()
            .map(|c| (c.from, c.to))
            .or_else(|| self.hovered_off.as_ref().map(|e| (e.from, e.to)))
    }
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
    let off = layout.switched_off(space, kind);
    let hovered_off = pointer.filter(|_| hovered.is_none()).and_then(|p| {
        off.iter()
            .map(|e| (distance_to_curve(&e.points, p), e))
            .filter(|(d, _)| *d < 6.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, e)| e.clone())
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
        let [r, g, b, _] = op_colour(space.ops[c.op]).to_array();
        let colour = egui::Color32::from_rgba_unmultiplied(r, g, b, (alpha * 255.0) as u8);
        let width = edge_stroke_width(p) * scale * if highlight { 1.6 } else { 1.0 };
        strokes.push((c.points.map(at), width, colour));
    }
    paint_strokes(&painter, response.rect, response.id, &strokes);
    let font = egui::FontId::proportional((11.0 * scale).max(9.0));
    // Switched-off edges dashed (clickable, to switch them back on), the lines into the
    // output dotted grey.
    for e in &off {
        let width = if hovered_off.as_ref() == Some(e) {
            2.5
        } else {
            1.5
        };
        dashed(
            &painter,
            &e.points,
            &at,
            egui::Stroke::new(width, egui::Color32::from_gray(150)),
            6.0,
        );
    }
    for n in 2..space.nodes + 2 {
        let stroke = egui::Stroke::new(1.0, egui::Color32::from_gray(170));
        dashed(&painter, &layout.output_curve(n), &at, stroke, 3.0);
    }
    for l in &labels {
        // A tie has no leading op: its label is in the text colour.
        let colour = if l.tied > 1 {
            text_colour
        } else {
            op_colour(space.ops[l.op])
        };
        painter.text(
            at(l.at),
            egui::Align2::CENTER_CENTER,
            l.text(space),
            font.clone(),
            colour,
        );
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
    CellPaint {
        response,
        hovered,
        hovered_off,
    }
}

/// A dashed quadratic curve (dash and gap `dash` points).
fn dashed(
    painter: &egui::Painter,
    points: &[Point; 3],
    at: &impl Fn(Point) -> egui::Pos2,
    stroke: egui::Stroke,
    dash: f32,
) {
    let path: Vec<egui::Pos2> = (0..=32)
        .map(|i| at(quadratic_point(points, i as f32 / 32.0)))
        .collect();
    painter.extend(egui::Shape::dashed_line(&path, stroke, dash, dash));
}

/// The hover card of an edge: every live op's probability as a bar, in op colours.
pub fn edge_card(
    ui: &mut egui::Ui,
    space: &SearchSpace,
    kind: CellKind,
    probs: &[Vec<f32>],
    c: &OpCurve,
) {
    let live = space.live_mask(kind);
    let row = probs.get(c.edge).map(Vec::as_slice).unwrap_or(&[]);
    ui.strong(format!(
        "{} cell, edge {}",
        kind.name(),
        edge_name(c.from, c.to, space.nodes)
    ));
    egui::Grid::new("edge-card").num_columns(3).show(ui, |ui| {
        for (k, op) in space.ops.iter().enumerate() {
            if !live
                .get(c.edge)
                .and_then(|r| r.get(k))
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            let p = row.get(k).copied().unwrap_or(0.0);
            let name = egui::RichText::new(op.name());
            ui.label(if k == c.op { name.strong() } else { name });
            let (rect, _) = ui.allocate_exact_size(egui::vec2(120.0, 10.0), egui::Sense::hover());
            ui.painter()
                .rect_filled(rect, 1.0, ui.visuals().faint_bg_color);
            let bar =
                egui::Rect::from_min_size(rect.min, egui::vec2(120.0 * p.clamp(0.0, 1.0), 10.0));
            ui.painter().rect_filled(bar, 1.0, op_colour(*op));
            ui.label(format!("{p:.3}"));
            ui.end_row();
        }
    });
    if c.kept {
        ui.label(format!(
            "{} is kept by the genotype",
            space.ops[c.op].name()
        ));
    }
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
        for op in &space.ops {
            let (rect, _) = ui.allocate_exact_size(egui::vec2(16.0, 8.0), egui::Sense::hover());
            ui.painter().rect_filled(rect, 1.0, op_colour(*op));
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
                paint
                    .response
                    .on_hover_ui(|ui| edge_card(ui, space, kind, probs, c));
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
            ui.label(egui::RichText::new(g.to_darts()).monospace());
        }
    });
}
