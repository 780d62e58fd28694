//! Figures written without a window: SVG drawings of cells (edge width and label =
//! probability), the metric table as CSV, and the binned probability history behind the heat
//! map.

mod cell_layout;
mod cell_svg;
mod heat;
mod metrics_csv;

pub use cell_layout::{distance_to_curve, quadratic_point, CellLayout, EdgeLabel, OpCurve, Point};
pub use cell_svg::{cell_svg, edge_opacity, edge_stroke_width, OP_COLOURS};
pub use heat::{HeatRow, ProbabilityHeat, HEAT_COLUMNS};
pub use metrics_csv::metrics_csv;

#[cfg(test)]
mod tests;
