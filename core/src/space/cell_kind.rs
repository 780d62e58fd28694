//! Normal and reduction cells, and how the edges of a cell are numbered.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The two kinds of cell. Cells of one kind share their architecture parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Keeps the resolution and the channel count.
    Normal,
    /// Halves the resolution (stride 2 on the edges from the input nodes) and doubles the
    /// channels.
    Reduce,
}

impl CellKind {
    /// `normal` or `reduce`.
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Normal => "normal",
            CellKind::Reduce => "reduce",
        }
    }
}

impl fmt::Display for CellKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One edge of a cell DAG: from node `from` into intermediate node `to`.
///
/// Nodes are numbered as in DARTS: 0 and 1 are the input nodes (outputs of the previous two
/// cells), `2..2 + nodes` are the intermediate nodes. Edges are ordered by target node, then
/// source node, which is the order of DARTS' `alpha[edge][op]` rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// Row of this edge in `alpha[edge][op]`.
    pub index: usize,
    /// Source node (0 and 1 are the cell inputs).
    pub from: usize,
    /// Target node (2 or more).
    pub to: usize,
}

/// The name of node `n` of a cell with `nodes` intermediate nodes, as every view, message
/// and figure shows it (the DARTS plots' names): `c_{k-2}` and `c_{k-1}` for the inputs,
/// `0`, `1`, ... for the intermediate nodes, `c_{k}` for the output (`n == nodes + 2`). Files
/// (genotypes, space constraints) keep DARTS' indices, where the intermediate node `i` is `i + 2`.
pub fn node_name(n: usize, nodes: usize) -> String {
    match n {
        0 => "c_{k-2}".into(),
        1 => "c_{k-1}".into(),
        n if n < nodes + 2 => (n - 2).to_string(),
        _ => "c_{k}".into(),
    }
}

/// An edge as views and messages name it: `c_{k-1} -> 0`.
pub fn edge_name(from: usize, to: usize, nodes: usize) -> String {
    format!("{} -> {}", node_name(from, nodes), node_name(to, nodes))
}

/// Number of edges in a cell with `nodes` intermediate nodes: `nodes * (nodes + 3) / 2`.
pub fn num_edges(nodes: usize) -> usize {
    nodes * (nodes + 3) / 2
}

/// Every edge of a cell with `nodes` intermediate nodes, in `alpha` row order.
pub fn edges(nodes: usize) -> Vec<Edge> {
    let mut out = Vec::with_capacity(num_edges(nodes));
    for to in 2..nodes + 2 {
        for from in 0..to {
            out.push(Edge {
                index: out.len(),
                from,
                to,
            });
        }
    }
    out
}

/// Row index of the edge `from -> to`, if such an edge exists.
pub fn edge_index(nodes: usize, from: usize, to: usize) -> Option<usize> {
    if to < 2 || to >= nodes + 2 || from >= to {
        return None;
    }
    // Target node `t` (intermediate index j = t - 2) is preceded by sum_{k<j} (k + 2) edges.
    let j = to - 2;
    Some(j * (j + 3) / 2 + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn darts_cell_has_14_edges() {
        assert_eq!(num_edges(4), 14);
        assert_eq!(edges(4).len(), 14);
        assert_eq!(num_edges(3), 9);
    }

    #[test]
    fn edge_index_matches_enumeration() {
        for nodes in 1..7 {
            for e in edges(nodes) {
                assert_eq!(edge_index(nodes, e.from, e.to), Some(e.index));
            }
        }
        // Hand-checked: node 3 (second intermediate) from node 2 is the 5th edge (index 4).
        assert_eq!(edge_index(4, 2, 3), Some(4));
        assert_eq!(edge_index(4, 3, 3), None);
        assert_eq!(edge_index(4, 0, 6), None);
    }
}

#[cfg(test)]
mod naming_tests {
    use super::*;

    #[test]
    fn nodes_are_named_as_the_darts_plots_name_them() {
        let names: Vec<String> = (0..7).map(|n| node_name(n, 4)).collect();
        assert_eq!(names, ["c_{k-2}", "c_{k-1}", "0", "1", "2", "3", "c_{k}"]);
        assert_eq!(edge_name(1, 3, 4), "c_{k-1} -> 1");
        assert_eq!(edge_name(2, 5, 4), "0 -> 3");
    }
}
