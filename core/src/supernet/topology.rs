//! Which ops sit on which edges of a cell: every live op (supernet) or a genotype's choice.

use crate::genotype::Genotype;
use crate::space::{edges, CellKind, Op, SearchSpace};

/// One edge of a cell with the ops instantiated on it.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeOps {
    /// Row of the edge in `alpha[edge][op]`.
    pub row: usize,
    /// Source node.
    pub from: usize,
    /// Target node.
    pub to: usize,
    /// `(column in alpha, op)` for every op on the edge.
    pub ops: Vec<(usize, Op)>,
}

/// The edges of one kind of cell.
#[derive(Clone, Debug, PartialEq)]
pub struct CellTopology {
    /// Intermediate nodes.
    pub nodes: usize,
    /// Edges with their ops (edges without any op are left out).
    pub edges: Vec<EdgeOps>,
    /// Whether this is the one-shot supernet (every live op, weighted by an architecture
    /// sample) or a fixed network (one op per edge, unweighted).
    pub weighted: bool,
}

impl CellTopology {
    /// Every live op of `space` on every edge of a `kind` cell.
    pub fn supernet(space: &SearchSpace, kind: CellKind) -> Self {
        let live = space.live_mask(kind);
        let edges = edges(space.nodes)
            .into_iter()
            .map(|e| EdgeOps {
                row: e.index,
                from: e.from,
                to: e.to,
                ops: space
                    .ops
                    .iter()
                    .enumerate()
                    .filter(|(col, _)| live[e.index][*col])
                    .map(|(col, &op)| (col, op))
                    .collect(),
            })
            .filter(|e| !e.ops.is_empty())
            .collect();
        Self {
            nodes: space.nodes,
            edges,
            weighted: true,
        }
    }

    /// The edges a genotype keeps in a `kind` cell, one op each. The genotype must have been
    /// validated for `space` ([`Genotype::validate_for`]).
    pub fn fixed(space: &SearchSpace, genotype: &Genotype, kind: CellKind) -> Self {
        let cell = genotype.cell(kind);
        let mut edges = Vec::new();
        for (j, inputs) in cell.iter().enumerate() {
            for &(op, from) in inputs {
                edges.push(EdgeOps {
                    row: crate::space::edge_index(space.nodes, from, j + 2).unwrap_or(0),
                    from,
                    to: j + 2,
                    ops: vec![(space.op_index(op).unwrap_or(0), op)],
                });
            }
        }
        Self {
            nodes: cell.len(),
            edges,
            weighted: false,
        }
    }
}
