//! The search space: candidate ops, cells and their edges, the network motif, constraints.

mod cell_kind;
mod op;
mod search_space;

pub use cell_kind::{edge_index, edge_name, edges, node_name, num_edges, CellKind, Edge};
pub use op::{Domain, Op, UnknownOp};
pub use search_space::{Aggregate, Constraint, InputSpec, SearchSpace, SpaceError};

#[cfg(test)]
mod tests;
