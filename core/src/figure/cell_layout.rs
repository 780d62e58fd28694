//! Where a cell's parts go in a drawing, in the DARTS plots' order: every node on one row
//! from left to right (`c_{k-2}`, `c_{k-1}`, the intermediate nodes `0`, `1`, ... in order,
//! `c_{k}`), each edge an arc whose height grows with the number of nodes it spans (the edges
//! from `c_{k-2}` and into `c_{k}` below the row, the others above), and the ops of one edge
//! nested arcs 3 units apart. No edge passes through a node, and each edge's label sits at its
//! own arc's apex: two edges with the same apex position would be the same edge. The SVG
//! figure and the workbench's cell view draw from this one layout, so that what a user sees
//! is what they export.

use crate::genotype::Genotype;
use crate::space::{edges, CellKind, Op, SearchSpace};

/// Left and right margin.
const MARGIN: f32 = 60.0;
/// Distance between neighbouring nodes.
const GAP: f32 = 150.0;
/// Apex height of an edge per node it spans.
const SPAN_HEIGHT: f32 = 36.0;
/// Apex heights of one edge's ops differ by this much.
const OP_SPREAD: f32 = 3.0;
/// Two probabilities closer than this are a tie.
pub const TIE: f32 = 1e-4;

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
    /// The y of the row of nodes.
    pub baseline: f32,
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
    /// Op index (the first of the tied ones).
    pub op: usize,
    /// Its probability.
    pub probability: f32,
    /// How many live ops share the largest probability (1: no tie).
    pub tied: usize,
    /// The centre of the label.
    pub at: Point,
}

impl EdgeLabel {
    /// Its text: `sep_conv_3x3 0.41`, or `8 ops tied 0.12`.
    pub fn text(&self, space: &SearchSpace) -> String {
        if self.tied > 1 {
            format!("{} ops tied {:.2}", self.tied, self.probability)
        } else {
            let name = space.ops.get(self.op).map_or("?", |o| o.name());
            format!("{name} {:.2}", self.probability)
        }
    }
}

/// An edge with every op switched off: drawn dashed, so that it can be switched back on.
#[derive(Clone, Debug, PartialEq)]
pub struct OffEdge {
    /// Edge row index.
    pub edge: usize,
    /// Source node.
    pub from: usize,
    /// Target node.
    pub to: usize,
    /// The arc it would have.
    pub points: [Point; 3],
}

impl CellLayout {
    /// The layout of a cell with `nodes` intermediate nodes.
    pub fn new(nodes: usize) -> Self {
        let baseline = 40.0 + SPAN_HEIGHT * nodes as f32 + 24.0;
        Self {
            nodes,
            width: 2.0 * MARGIN + GAP * (nodes as f32 + 2.0),
            height: baseline + SPAN_HEIGHT * (nodes as f32 + 1.0) + 40.0 + 60.0,
            baseline,
        }
    }

    /// Centre of node `n` (`0..nodes + 3`; the last is the cell output).
    pub fn node(&self, n: usize) -> Point {
        (MARGIN + n.min(self.nodes + 2) as f32 * GAP, self.baseline)
    }

    /// The label of node `n`: `c_{k-2}`, `c_{k-1}`, the intermediate number, `c_{k}`.
    pub fn node_label(&self, n: usize) -> String {
        crate::space::node_name(n, self.nodes)
    }

    /// Whether the edge `from -> to` is drawn below the row of nodes.
    fn below(&self, from: usize, to: usize) -> bool {
        from == 0 || to >= self.nodes + 2
    }

    /// The arc from node `from` to node `to` whose apex is `height` from the row.
    fn arc(&self, from: usize, to: usize, height: f32) -> [Point; 3] {
        let (x0, y) = self.node(from);
        let (x1, _) = self.node(to);
        let sign = if self.below(from, to) { 1.0 } else { -1.0 };
        // A quadratic curve's apex is halfway between its chord and its control point.
        [(x0, y), ((x0 + x1) / 2.0, y + sign * 2.0 * height), (x1, y)]
    }

    /// The apex height of the edge `from -> to`.
    fn edge_height(&self, from: usize, to: usize) -> f32 {
        SPAN_HEIGHT * to.saturating_sub(from) as f32
    }

    /// The line from intermediate node `n` into the cell output (below the row, half as high
    /// as an edge of that span).
    pub fn output_curve(&self, n: usize) -> [Point; 3] {
        let out = self.nodes + 2;
        self.arc(n, out, 0.5 * self.edge_height(n, out))
    }

    /// Every edge of `kind` cells whose ops are all switched off.
    pub fn switched_off(&self, space: &SearchSpace, kind: CellKind) -> Vec<OffEdge> {
        let live = space.live_mask(kind);
        edges(self.nodes)
            .into_iter()
            .filter(|e| !live.get(e.index).is_some_and(|r| r.iter().any(|&l| l)))
            .map(|e| OffEdge {
                edge: e.index,
                from: e.from,
                to: e.to,
                points: self.arc(e.from, e.to, self.edge_height(e.from, e.to)),
            })
            .collect()
    }

    /// Every live op of every edge of `kind` cells as a curve, with `probs[edge][op]`
    /// (missing entries count as 0) and the ops `genotype` keeps marked; and each edge's label.
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
            let is_live = |k: usize| {
                live.get(e.index)
                    .and_then(|r| r.get(k))
                    .copied()
                    .unwrap_or(false)
            };
            let p_of = |k: usize| row.get(k).copied().unwrap_or(0.0);
            let height = self.edge_height(e.from, e.to);
            let mut best: Option<(usize, f32)> = None;
            for (k, op) in space.ops.iter().enumerate() {
                if !is_live(k) {
                    continue;
                }
                let p = p_of(k);
                if best.is_none_or(|(_, bp)| p > bp) {
                    best = Some((k, p));
                }
                let spread = OP_SPREAD * (k as f32 - (n_ops as f32 - 1.0) / 2.0);
                let kept = chosen
                    .get(e.to - 2)
                    .is_some_and(|pairs| pairs.iter().any(|&(o, src)| o == *op && src == e.from));
                curves.push(OpCurve {
                    edge: e.index,
                    from: e.from,
                    to: e.to,
                    op: k,
                    probability: p,
                    points: self.arc(e.from, e.to, height + spread),
                    kept,
                });
            }
            if let Some((op, probability)) = best {
                let tied = (0..n_ops)
                    .filter(|&k| is_live(k) && p_of(k) >= probability - TIE)
                    .count();
                let (x0, y) = self.node(e.from);
                let (x1, _) = self.node(e.to);
                let outward = height + OP_SPREAD * n_ops as f32 / 2.0 + 8.0;
                let sign = if self.below(e.from, e.to) { 1.0 } else { -1.0 };
                labels.push(EdgeLabel {
                    edge: e.index,
                    op,
                    probability,
                    tied,
                    at: ((x0 + x1) / 2.0, y + sign * outward),
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
    fn nodes_go_left_to_right_in_order_and_labels_never_share_a_place() {
        let layout = CellLayout::new(4);
        let xs: Vec<f32> = (0..7).map(|n| layout.node(n).0).collect();
        assert!(xs.windows(2).all(|w| w[1] - w[0] == GAP), "{xs:?}");
        assert!((0..7).all(|n| layout.node(n).1 == layout.baseline));
        let space = SearchSpace::default_image();
        let probs = vec![vec![0.1; space.ops.len()]; space.num_edges()];
        let (_, labels) = layout.curves(&space, CellKind::Normal, &probs, None);
        // Label boxes of 100 x 12 units around their centres overlap nowhere.
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                let apart = (a.at.0 - b.at.0).abs() >= 100.0 || (a.at.1 - b.at.1).abs() >= 12.0;
                assert!(apart, "labels of edges {} and {} collide", a.edge, b.edge);
            }
        }
        // Uniform probabilities: every edge is a tie of all its ops.
        assert!(labels.iter().all(|l| l.tied == space.ops.len()));
        assert_eq!(
            labels[0].text(&space),
            format!("{} ops tied 0.10", space.ops.len())
        );
        // Every arc stays on its side of the row: no edge passes through a node.
        let (curves, _) = layout.curves(&space, CellKind::Normal, &probs, None);
        for c in &curves {
            let (_, my) = quadratic_point(&c.points, 0.5);
            assert_ne!(my, layout.baseline);
            let below = c.from == 0;
            assert_eq!(my > layout.baseline, below, "edge {} -> {}", c.from, c.to);
        }
    }

    #[test]
    fn a_clear_leader_is_named_and_switched_off_edges_are_listed() {
        let layout = CellLayout::new(2);
        let mut space = SearchSpace::default_image();
        space.nodes = 2;
        let n = space.ops.len();
        let mut probs = vec![vec![1.0 / n as f32; n]; space.num_edges()];
        probs[1] = vec![0.0; n];
        probs[1][3] = 0.7;
        probs[1][4] = 0.3;
        let (_, labels) = layout.curves(&space, CellKind::Normal, &probs, None);
        assert_eq!((labels[1].op, labels[1].tied), (3, 1));
        assert_eq!(
            labels[1].text(&space),
            format!("{} 0.70", space.ops[3].name())
        );
        // Switch off every op of edge c_{k-2} -> 1 (index 2, from 0 to 3).
        space.constraints.push(crate::space::Constraint {
            cell: CellKind::Normal,
            from: 0,
            to: 3,
            op: None,
        });
        let off = layout.switched_off(&space, CellKind::Normal);
        assert_eq!(off.len(), 1);
        assert_eq!((off[0].from, off[0].to, off[0].edge), (0, 3, 2));
        assert_eq!(off[0].points[0], layout.node(0));
        assert_eq!(off[0].points[2], layout.node(3));
    }

    #[test]
    fn distance_to_a_straight_curve_is_the_distance_to_its_line() {
        let straight = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0)];
        assert!((distance_to_curve(&straight, (4.0, 3.0)) - 3.0).abs() < 1e-5);
        assert!((distance_to_curve(&straight, (13.0, 4.0)) - 5.0).abs() < 1e-5);
    }
}
