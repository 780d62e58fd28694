//! The papers' rule for reading a discrete cell off architecture probabilities.

use crate::space::{edges, CellKind, Op, SearchSpace};

/// For each intermediate node, keeps the [`super::INPUTS_PER_NODE`] strongest incoming edges,
/// where an edge's strength is the probability of its most probable live op other than
/// `none`, and records that op (BASE 002 Appendix B: "the 2 operations with the highest
/// probability of being sampled which are coming from different source nodes"; DARTS
/// `_parse`).
///
/// Ties are broken deterministically: the lower source node, then the earlier op column.
/// Pairs come strongest first within a node, as DARTS writes them. `probs[edge][op]` must
/// have the space's shape; ops switched off by constraints are never chosen.
pub fn derive_cell(space: &SearchSpace, kind: CellKind, probs: &[Vec<f32>]) -> Vec<(Op, usize)> {
    let live = space.live_mask(kind);
    let mut out = Vec::new();
    for to in 2..space.nodes + 2 {
        // (strength, source, op) of each edge into `to` that has a live non-none op.
        let mut candidates: Vec<(f32, usize, Op)> = edges(space.nodes)
            .into_iter()
            .filter(|e| e.to == to)
            .filter_map(|e| {
                let row = probs.get(e.index)?;
                let mut best: Option<(f32, Op)> = None;
                for (col, &op) in space.ops.iter().enumerate() {
                    if op == Op::None || !live[e.index][col] {
                        continue;
                    }
                    let p = row.get(col).copied().unwrap_or(f32::NEG_INFINITY);
                    let p = if p.is_nan() { f32::NEG_INFINITY } else { p };
                    if best.is_none_or(|(bp, _)| p > bp) {
                        best = Some((p, op));
                    }
                }
                best.map(|(p, op)| (p, e.from, op))
            })
            .collect();
        // Strongest first; equal strengths keep source order (the sort is stable).
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        out.extend(
            candidates
                .into_iter()
                .take(super::INPUTS_PER_NODE)
                .map(|(_, from, op)| (op, from)),
        );
    }
    out
}
