//! One cell as an SVG figure: the input nodes on the left, the intermediate nodes in order,
//! the output on the right; every live op of every edge is a curve whose width and opacity
//! grow with its probability; each edge is labelled with its most likely op and that
//! probability; the ops a genotype keeps are drawn over in black.

use std::fmt::Write;

use crate::genotype::Genotype;
use crate::space::{edges, CellKind, SearchSpace};

/// Colours of ops, by position in the space's op list (cycled).
pub const OP_COLOURS: [&str; 10] = [
    "#9e9e9e", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22",
];

/// Stroke width in pixels of an op drawn with probability `p`.
pub fn edge_stroke_width(p: f32) -> f32 {
    0.5 + 7.5 * p.clamp(0.0, 1.0)
}

fn node_label(node: usize, kind: CellKind) -> String {
    match (node, kind) {
        (0, _) => "c_{k-2}".into(),
        (1, _) => "c_{k-1}".into(),
        (n, _) => format!("{}", n - 2),
    }
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
    let live = space.live_mask(kind);
    let (w, h) = (260.0 + (nodes as f32 + 1.0) * 150.0, 420.0);
    let mid = h / 2.0 - 30.0;
    let pos = |n: usize| -> (f32, f32) {
        match n {
            0 => (70.0, mid - 90.0),
            1 => (70.0, mid + 90.0),
            n if n < nodes + 2 => {
                let zig = if n % 2 == 0 { -45.0 } else { 45.0 };
                (230.0 + (n - 2) as f32 * 150.0, mid + zig)
            }
            _ => (230.0 + nodes as f32 * 150.0, mid),
        }
    };
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
    let chosen: Vec<Vec<(crate::space::Op, usize)>> =
        genotype.map(|g| g.cell(kind)).unwrap_or_default();
    let n_ops = space.ops.len();
    let mut labels = String::new();
    for e in edges(nodes) {
        let row = probs.get(e.index).map(Vec::as_slice).unwrap_or(&[]);
        let (x0, y0) = pos(e.from);
        let (x1, y1) = pos(e.to);
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (nx, ny) = (-dy / len, dx / len);
        let mut best: Option<(usize, f32)> = None;
        for (k, op) in space.ops.iter().enumerate() {
            if !live
                .get(e.index)
                .and_then(|r| r.get(k))
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            let p = row.get(k).copied().unwrap_or(0.0);
            if best.is_none_or(|(_, bp)| p > bp) {
                best = Some((k, p));
            }
            let bend = 18.0 + 6.0 * (k as f32 - n_ops as f32 / 2.0);
            let (cx, cy) = ((x0 + x1) / 2.0 + nx * bend, (y0 + y1) / 2.0 + ny * bend);
            let kept = chosen
                .get(e.to - 2)
                .is_some_and(|pairs| pairs.iter().any(|&(o, src)| o == *op && src == e.from));
            if kept {
                let _ = writeln!(
                    s,
                    r#"<path d="M{x0:.1},{y0:.1} Q{cx:.1},{cy:.1} {x1:.1},{y1:.1}" fill="none" stroke="black" stroke-width="{:.2}" class="kept"/>"#,
                    edge_stroke_width(p) + 2.0
                );
            }
            let _ = writeln!(
                s,
                r#"<path d="M{x0:.1},{y0:.1} Q{cx:.1},{cy:.1} {x1:.1},{y1:.1}" fill="none" stroke="{}" stroke-width="{:.2}" stroke-opacity="{:.3}" data-edge="{}" data-op="{}" data-p="{p:.4}"><title>{} → {}: {} {p:.3}</title></path>"#,
                OP_COLOURS[k % OP_COLOURS.len()],
                edge_stroke_width(p),
                0.15 + 0.85 * p.clamp(0.0, 1.0),
                e.index,
                op.name(),
                node_label(e.from, kind),
                node_label(e.to, kind),
                op.name(),
            );
        }
        if let Some((k, p)) = best {
            let (lx, ly) = (x0 + dx * 0.55 + nx * 10.0, y0 + dy * 0.55 + ny * 10.0);
            let _ = writeln!(
                labels,
                r#"<text x="{lx:.1}" y="{ly:.1}" fill="{}" font-size="10">{} {p:.2}</text>"#,
                OP_COLOURS[k % OP_COLOURS.len()],
                space.ops[k].name()
            );
        }
    }
    let out = pos(nodes + 2);
    for n in 2..nodes + 2 {
        let (x, y) = pos(n);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{:.1}" stroke="#cccccc" stroke-width="1" stroke-dasharray="4 3"/>"##,
            out.0, out.1
        );
    }
    s.push_str(&labels);
    for n in 0..nodes + 3 {
        let (x, y) = pos(n);
        let (fill, label) = match n {
            0 | 1 => ("#c6dbef", node_label(n, kind)),
            n if n < nodes + 2 => ("#fdd0a2", node_label(n, kind)),
            _ => ("#c7e9c0", "c_{k}".to_string()),
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
            OP_COLOURS[k % OP_COLOURS.len()],
            x + 18.0,
            y,
            op.name()
        );
    }
    s.push_str("</svg>\n");
    s
}
