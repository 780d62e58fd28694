//! Where a cell's parts go in a drawing: the input nodes on the left, the intermediate nodes in
//! a zig-zag row, the output on the right, and one quadratic curve per live op of every edge,
//! bent apart so that the ops of one edge do not overlap. The SVG figure and the workbench's
//! cell view draw from this one layout, so that what a user sees is what they export.

use crate::genotype::Genotype;
use crate::space::{edges, CellKind, Op, SearchSpace};

/// A point in layout units (SVG pixels at scale 1).
pub type Point = (f32, f32);

/// Node positions of a cell with `nodes` intermediate nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellLayout {
    /// Intermediate nodes.
    pub nodes: usize,
    /// Width of the drawing.
    pub width: f32,
    /// Height of the drawing (the legend takes the bottom 60 units).
    pub height: f32,
}

/// One op of one edge as a curve from its source node to its target node.
#[derive(Clone, Debug, PartialEq)]
pub struct OpCurve {
    /// Edge row index (`[edge][op]` tables).
    pub edge: usize,
    /// Source node (0 and 1 are the cell inputs).
    pub from: usize,
    /// Target node.
    pub to: usize,
    /// Op index in the space's op list.
    pub op: usize,
    /// Its probability.
    pub probability: f32,
    /// Start, control and end points of the quadratic curve.
    pub points: [Point; 3],
    /// Whether the genotype keeps this op on this edge.
    pub kept: bool,
}

/// The most likely live op of an edge, for its label.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeLabel {
    /// Edge row index.
    pub edge: usize,
    /// Op index.
    pub op: usize,
    /// Its probability.
    pub probability: f32,
    /// Where the label goes.
    pub at: Point,
}

impl CellLayout {
    /// The layout of a cell with `nodes` intermediate nodes.
    pub fn new(nodes: usize) -> Self {
        Self {
            nodes,
            width: 260.0 + (nodes as f32 + 1.0) * 150.0,
            height: 420.0,
        }
    }

    /// Centre of node `n` (`0..nodes + 3`; the last is the cell output).
    pub fn node(&self, n: usize) -> Point {
        let mid = self.height / 2.0 - 30.0;
        match n {
            0 => (70.0, mid - 90.0),
            1 => (70.0, mid + 90.0),
            n if n < self.nodes + 2 => {
                let zig = if n % 2 == 0 { -45.0 } else { 45.0 };
                (230.0 + (n - 2) as f32 * 150.0, mid + zig)
            }
            _ => (230.0 + self.nodes as f32 * 150.0, mid),
        }
    }

    /// The label of node `n`: `c_{k-2}`, `c_{k-1}`, the intermediate number, `c_{k}`.
    pub fn node_label(&self, n: usize) -> String {
        match n {
            0 => "c_{k-2}".into(),
            1 => "c_{k-1}".into(),
            n if n < self.nodes + 2 => format!("{}", n - 2),
            _ => "c_{k}".into(),
        }
    }

    /// Every live op of every edge of `kind` cells as a curve, with `probs[edge][op]`
    /// (missing entries count as 0) and the ops `genotype` keeps marked.
    pub fn curves(
        &self,
        space: &SearchSpace,
        kind: CellKind,
        probs: &[Vec<f32>],
        genotype: Option<&Genotype>,
    ) -> (Vec<OpCurve>, Vec<EdgeLabel>) {
        let live = space.live_mask(kind);
        let chosen: Vec<Vec<(Op, usize)>> = genotype.map(|g| g.cell(kind)).unwrap_or_default();
        let n_ops = space.ops.len();
        let mut curves = Vec::new();
        let mut labels = Vec::new();
        for e in edges(self.nodes) {
            let row = probs.get(e.index).map(Vec::as_slice).unwrap_or(&[]);
            let (x0, y0) = self.node(e.from);
            let (x1, y1) = self.node(e.to);
            let (dx, dy) = (x1 - x0, y1 - y0);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (nx, ny) = (-dy / len, dx / len);
            let mut best: Option<(usize, f32)> = None;
            for (k, op) in space.ops.iter().enumerate() {
                let is_live = live
                    .get(e.index)
                    .and_then(|r| r.get(k))
                    .copied()
                    .unwrap_or(false);
                if !is_live {
                    continue;
                }
                let p = row.get(k).copied().unwrap_or(0.0);
                if best.is_none_or(|(_, bp)| p > bp) {
                    best = Some((k, p));
                }
                let bend = 18.0 + 6.0 * (k as f32 - n_ops as f32 / 2.0);
                let control = ((x0 + x1) / 2.0 + nx * bend, (y0 + y1) / 2.0 + ny * bend);
                let kept = chosen
                    .get(e.to - 2)
                    .is_some_and(|pairs| pairs.iter().any(|&(o, src)| o == *op && src == e.from));
                curves.push(OpCurve {
                    edge: e.index,
                    from: e.from,
                    to: e.to,
                    op: k,
                    probability: p,
                    points: [(x0, y0), control, (x1, y1)],
                    kept,
                });
            }
            if let Some((op, probability)) = best {
                labels.push(EdgeLabel {
                    edge: e.index,
                    op,
                    probability,
                    at: (x0 + dx * 0.55 + nx * 10.0, y0 + dy * 0.55 + ny * 10.0),
                });
            }
        }
        (curves, labels)
    }
}

/// The point at parameter `t` in `0..=1` of a quadratic curve.
pub fn quadratic_point(points: &[Point; 3], t: f32) -> Point {
    let [(x0, y0), (cx, cy), (x1, y1)] = *points;
    let u = 1.0 - t;
    (
        u * u * x0 + 2.0 * u * t * cx + t * t * x1,
        u * u * y0 + 2.0 * u * t * cy + t * t * y1,
    )
}

/// The distance from `p` to a quadratic curve, measured on 32 segments (for hover picking).
pub fn distance_to_curve(points: &[Point; 3], p: Point) -> f32 {
    let mut best = f32::INFINITY;
    let mut prev = points[0];
    for i in 1..=32 {
        let next = quadratic_point(points, i as f32 / 32.0);
        best = best.min(distance_to_segment(prev, next, p));
        prev = next;
    }
    best
}

fn distance_to_segment(a: Point, b: Point, p: Point) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_ends_are_its_nodes_and_its_middle_is_bent() {
        let layout = CellLayout::new(4);
        let space = SearchSpace::default_image();
        let probs = vec![vec![0.1; space.ops.len()]; space.num_edges()];
        let (curves, labels) = layout.curves(&space, CellKind::Normal, &probs, None);
        // `none` is drawn too: every op of every edge is live in the default space.
        assert_eq!(curves.len(), 14 * space.ops.len());
        assert_eq!(labels.len(), 14);
        let c = &curves[0];
        assert_eq!(quadratic_point(&c.points, 0.0), layout.node(c.from));
        assert_eq!(quadratic_point(&c.points, 1.0), layout.node(c.to));
        // At t = 1/2 a quadratic curve sits halfway between the chord's middle and the control.
        let (mx, my) = quadratic_point(&c.points, 0.5);
        let chord = (
            (c.points[0].0 + c.points[2].0) / 2.0,
            (c.points[0].1 + c.points[2].1) / 2.0,
        );
        assert!((mx - (chord.0 + c.points[1].0) / 2.0).abs() < 1e-4);
        assert!((my - (chord.1 + c.points[1].1) / 2.0).abs() < 1e-4);
        assert!(distance_to_curve(&c.points, (mx, my)) < 1e-3);
        assert!(distance_to_curve(&c.points, chord) > 1.0);
    }

    #[test]
    fn distance_to_a_straight_curve_is_the_distance_to_its_line() {
        let straight = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0)];
        assert!((distance_to_curve(&straight, (4.0, 3.0)) - 3.0).abs() < 1e-5);
        assert!((distance_to_curve(&straight, (13.0, 4.0)) - 5.0).abs() < 1e-5);
    }
}
