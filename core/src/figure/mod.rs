//! Figures written without a window: SVG drawings of cells (edge width and label =
//! probability), the metric table as CSV, and the binned probability history behind the heat
//! map.

mod cell_layout;
mod cell_svg;
mod heat;
mod metrics_csv;
mod palette;

pub use cell_layout::{
    distance_to_curve, quadratic_point, CellLayout, EdgeLabel, OffEdge, OpCurve, Point, TIE,
};
pub use cell_svg::{cell_svg, edge_opacity, edge_stroke_width};
pub use heat::{HeatRow, ProbabilityHeat, HEAT_COLUMNS};
pub use metrics_csv::metrics_csv;
pub use palette::{category_colour_hex, op_colour_hex, rgb_of_hex, CATEGORY_COLOURS};

#[cfg(test)]
mod tests;
