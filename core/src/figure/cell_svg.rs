//! One cell as an SVG figure: the input nodes on the left, the intermediate nodes in order,
//! the output on the right; every live op of every edge is a curve whose width and opacity
//! grow with its probability; each edge is labelled with its most likely op and that
//! probability; the ops a genotype keeps are drawn over in black.

use std::fmt::Write;

use super::cell_layout::CellLayout;
use super::palette::op_colour_hex;
use crate::genotype::Genotype;
use crate::space::{CellKind, SearchSpace};

/// Stroke width in pixels of an op drawn with probability `p`.
pub fn edge_stroke_width(p: f32) -> f32 {
    0.5 + 7.5 * p.clamp(0.0, 1.0)
}

/// Opacity in `0..=1` of an op drawn with probability `p`.
pub fn edge_opacity(p: f32) -> f32 {
    0.15 + 0.85 * p.clamp(0.0, 1.0)
}

/// The SVG of one cell. `probs[edge][op]` are the architecture probabilities of `kind` cells;
/// `genotype`, if given, is highlighted.
pub fn cell_svg(
    space: &SearchSpace,
    kind: CellKind,
    probs: &[Vec<f32>],
    genotype: Option<&Genotype>,
) -> String {
    let nodes = space.nodes;
    let layout = CellLayout::new(nodes);
    let (w, h) = (layout.width, layout.height);
    let pos = |n: usize| layout.node(n);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="12" y="20" font-size="14" font-weight="bold">{} cell</text>"#,
        kind.name()
    );
    let (curves, edge_labels) = layout.curves(space, kind, probs, genotype);
    for c in &curves {
        let [(x0, y0), (cx, cy), (x1, y1)] = c.points;
        let p = c.probability;
        if c.kept {
            let _ = writeln!(
                s,
                r#"<path d="M{x0:.1},{y0:.1} Q{cx:.1},{cy:.1} {x1:.1},{y1:.1}" fill="none" stroke="black" stroke-width="{:.2}" class="kept"/>"#,
                edge_stroke_width(p) + 2.0
            );
        }
        let op = space.ops[c.op];
        let _ = writeln!(
            s,
            r#"<path d="M{x0:.1},{y0:.1} Q{cx:.1},{cy:.1} {x1:.1},{y1:.1}" fill="none" stroke="{}" stroke-width="{:.2}" stroke-opacity="{:.3}" data-edge="{}" data-op="{}" data-p="{p:.4}"><title>{} → {}: {} {p:.3}</title></path>"#,
            op_colour_hex(space.ops[c.op]),
            edge_stroke_width(p),
            edge_opacity(p),
            c.edge,
            op.name(),
            layout.node_label(c.from),
            layout.node_label(c.to),
            op.name(),
        );
    }
    // Edges with every op switched off: dashed grey.
    for e in layout.switched_off(space, kind) {
        let [(x0, y0), (cx, cy), (x1, y1)] = e.points;
        let _ = writeln!(
            s,
            r##"<path d="M{x0:.1},{y0:.1} Q{cx:.1},{cy:.1} {x1:.1},{y1:.1}" fill="none" stroke="#999999" stroke-width="1.5" stroke-dasharray="6 4" data-edge="{}" class="off"><title>{} → {}: switched off</title></path>"##,
            e.edge,
            layout.node_label(e.from),
            layout.node_label(e.to),
        );
    }
    for n in 2..nodes + 2 {
        let [(x0, y0), (cx, cy), (x1, y1)] = layout.output_curve(n);
        let _ = writeln!(
            s,
            r##"<path d="M{x0:.1},{y0:.1} Q{cx:.1},{cy:.1} {x1:.1},{y1:.1}" fill="none" stroke="#bbbbbb" stroke-width="1" stroke-dasharray="4 3"/>"##,
        );
    }
    for l in &edge_labels {
        // Ties in the text colour: no op leads.
        let colour = if l.tied > 1 {
            "#333333"
        } else {
            op_colour_hex(space.ops[l.op])
        };
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" fill="{colour}" font-size="10" text-anchor="middle" dominant-baseline="middle">{}</text>"#,
            l.at.0,
            l.at.1,
            l.text(space)
        );
    }
    for n in 0..nodes + 3 {
        let (x, y) = pos(n);
        let (fill, label) = match n {
            0 | 1 => ("#c6dbef", layout.node_label(n)),
            n if n < nodes + 2 => ("#fdd0a2", layout.node_label(n)),
            _ => ("#c7e9c0", layout.node_label(n)),
        };
        let _ = writeln!(
            s,
            r##"<ellipse cx="{x:.1}" cy="{y:.1}" rx="30" ry="17" fill="{fill}" stroke="#333333"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"##,
            y + 4.0
        );
    }
    for (k, op) in space.ops.iter().enumerate() {
        let (x, y) = (
            12.0 + (k % 5) as f32 * 150.0,
            h - 44.0 + (k / 5) as f32 * 18.0,
        );
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="{:.1}" width="14" height="6" fill="{}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            y - 6.0,
            op_colour_hex(*op),
            x + 18.0,
            y,
            op.name()
        );
    }
    s.push_str("</svg>\n");
    s
}
