//! Discrete architectures: derived from architecture probabilities, written and read as JSON
//! and as the DARTS `Genotype(...)` text.

mod darts_text;
mod derive;
mod random;

use serde::{Deserialize, Serialize};

pub use darts_text::{GenotypeParseError, Position};
pub use derive::derive_cell;

use crate::space::{CellKind, Op, SearchSpace};

/// A genotype that does not fit a search space, or is malformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenotypeError {
    /// The DARTS text could not be parsed.
    #[error(transparent)]
    Parse(#[from] GenotypeParseError),
    /// A field holds a value that cannot be a genotype (or not one of this space).
    #[error("genotype field `{field}`: {message}")]
    Invalid {
        /// The field, e.g. `normal[3]`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// JSON that is not a genotype.
    #[error("genotype JSON: {0}")]
    Json(String),
}

/// Inputs kept per intermediate node (the papers' rule keeps 2).
pub const INPUTS_PER_NODE: usize = 2;

/// A discrete cell architecture in DARTS layout: for each intermediate node, in order, its
/// [`INPUTS_PER_NODE`] `(op, source node)` pairs, flattened; and which nodes form the output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genotype {
    /// Normal cell: `(op, source)` pairs, two per intermediate node.
    pub normal: Vec<(Op, usize)>,
    /// Nodes concatenated (or averaged) into the normal cell's output.
    pub normal_concat: Vec<usize>,
    /// Reduction cell pairs (empty for spaces without reduction cells).
    pub reduce: Vec<(Op, usize)>,
    /// Nodes forming the reduction cell's output.
    pub reduce_concat: Vec<usize>,
}

impl Genotype {
    /// The pairs of one kind of cell grouped by intermediate node.
    pub fn cell(&self, kind: CellKind) -> Vec<Vec<(Op, usize)>> {
        let pairs = match kind {
            CellKind::Normal => &self.normal,
            CellKind::Reduce => &self.reduce,
        };
        pairs.chunks(INPUTS_PER_NODE).map(<[_]>::to_vec).collect()
    }

    /// Checks the structure: pairs come two per node, each source precedes its node, `none`
    /// is not kept, and the concat lists name intermediate nodes.
    pub fn validate(&self) -> Result<(), GenotypeError> {
        for (name, pairs, concat) in [
            ("normal", &self.normal, &self.normal_concat),
            ("reduce", &self.reduce, &self.reduce_concat),
        ] {
            if pairs.len() % INPUTS_PER_NODE != 0 {
                return Err(invalid(
                    name,
                    format!(
                        "has {} pairs; expected {INPUTS_PER_NODE} per node",
                        pairs.len()
                    ),
                ));
            }
            let nodes = pairs.len() / INPUTS_PER_NODE;
            for (i, &(op, from)) in pairs.iter().enumerate() {
                let to = i / INPUTS_PER_NODE + 2;
                if from >= to {
                    return Err(invalid(
                        format!("{name}[{i}]"),
                        format!(
                            "source {from} does not precede node {to} (node {} in the cell \
                             view; sources are 0 and 1 for the cell inputs, then the \
                             earlier nodes' indices)",
                            crate::space::node_name(to, nodes)
                        ),
                    ));
                }
                if op == Op::None {
                    return Err(invalid(
                        format!("{name}[{i}]"),
                        "`none` is never kept in a genotype",
                    ));
                }
            }
            for (i, &node) in concat.iter().enumerate() {
                if node < 2 || node >= nodes + 2 {
                    return Err(invalid(
                        format!("{name}_concat[{i}]"),
                        format!("{node} is not an intermediate node (2..{})", nodes + 2),
                    ));
                }
            }
        }
        if self.normal.is_empty() {
            return Err(invalid("normal", "has no nodes"));
        }
        Ok(())
    }

    /// Checks that the genotype fits `space`: node count, ops of the space, no op switched
    /// off by a constraint.
    pub fn validate_for(&self, space: &SearchSpace) -> Result<(), GenotypeError> {
        self.validate()?;
        let mut kinds = vec![CellKind::Normal];
        if space.has_reduce() {
            kinds.push(CellKind::Reduce);
        } else if !self.reduce.is_empty() {
            return Err(invalid("reduce", "the space has no reduction cell"));
        }
        for kind in kinds {
            let cell = self.cell(kind);
            if cell.len() != space.nodes {
                return Err(invalid(
                    kind.name(),
                    format!("has {} nodes; the space has {}", cell.len(), space.nodes),
                ));
            }
            let live = space.live_mask(kind);
            for (j, inputs) in cell.iter().enumerate() {
                for &(op, from) in inputs {
                    let field = format!("{}[{}]", kind.name(), j * INPUTS_PER_NODE);
                    let Some(col) = space.op_index(op) else {
                        return Err(invalid(field, format!("`{op}` is not an op of the space")));
                    };
                    let row = crate::space::edge_index(space.nodes, from, j + 2).unwrap_or(0);
                    if !live[row][col] {
                        return Err(invalid(
                            field,
                            format!(
                                "`{op}` on edge {} is switched off",
                                crate::space::edge_name(from, j + 2, space.nodes)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Derives the genotype of a space from architecture probabilities `probs[edge][op]` of
    /// the normal and (if any) reduction cells, by the papers' rule (see [`derive_cell`]).
    pub fn derive(space: &SearchSpace, normal: &[Vec<f32>], reduce: Option<&[Vec<f32>]>) -> Self {
        let concat: Vec<usize> = (2..space.nodes + 2).collect();
        let (reduce, reduce_concat) = match reduce {
            Some(p) if space.has_reduce() => {
                (derive_cell(space, CellKind::Reduce, p), concat.clone())
            }
            _ => (Vec::new(), Vec::new()),
        };
        Self {
            normal: derive_cell(space, CellKind::Normal, normal),
            normal_concat: concat,
            reduce,
            reduce_concat,
        }
    }

    /// JSON text (pretty).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses and validates JSON text.
    pub fn from_json(text: &str) -> Result<Self, GenotypeError> {
        let g: Self = serde_json::from_str(text).map_err(|e| GenotypeError::Json(e.to_string()))?;
        g.validate()?;
        Ok(g)
    }

    /// The DARTS text `Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=...)`.
    pub fn to_darts(&self) -> String {
        darts_text::write(self)
    }

    /// Parses DARTS text (an optional `NAME = ` before it is allowed) and validates it.
    pub fn from_darts(text: &str) -> Result<Self, GenotypeError> {
        let g = darts_text::parse(text)?;
        g.validate()?;
        Ok(g)
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> GenotypeError {
    GenotypeError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests;
