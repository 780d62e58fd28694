//! The PCA of task posteriors drawn as a scatter: each task's architecture probabilities and
//! weight sketch projected on their two principal components, coloured by source.

use metanas_core::analysis::{pca_2d, posterior_features, PosteriorFeatures, Projection};
use metanas_core::genotype::Genotype;
use metanas_core::run::SnapshotRecord;

use super::cells::hex_colour;
use super::scatter::{scatter_plot, Scatter};
use metanas_core::figure::category_colour_hex;

/// One task in the projection.
#[derive(Clone, Debug)]
pub struct TaskPoint {
    /// Its source (dataset or regression family).
    pub source: String,
    /// What the hover shows.
    pub label: String,
    /// Its genotype.
    pub genotype: Genotype,
}

/// One task's features: its architecture probabilities and its weight sketch.
pub type FeatureRow<'a> = (&'a [f32], &'a [f32]);

/// The feature rows and the points of some training snapshots.
pub fn snapshot_points<'a>(
    snapshots: impl Iterator<Item = &'a SnapshotRecord>,
) -> (Vec<FeatureRow<'a>>, Vec<TaskPoint>) {
    snapshots
        .map(|s| {
            let row = (s.arch.as_slice(), s.weight_sketch.as_slice());
            let point = TaskPoint {
                source: s.source_name.clone(),
                label: format!(
                    "snapshot at step {}, task {}: {} -> {}",
                    s.step,
                    s.task,
                    fmt(s.before),
                    fmt(s.after)
                ),
                genotype: s.genotype.clone(),
            };
            (row, point)
        })
        .unzip()
}

/// The PCA figure of a run (for PNG export): every task posterior sampled during training
/// (architecture and weights), coloured by source, with the explained variance. Nothing is
/// drawn when the run has too few snapshots to project.
pub fn pca_figure(ui: &mut egui::Ui, title: &str, snapshots: &[SnapshotRecord]) -> bool {
    let (rows, points) = snapshot_points(snapshots.iter());
    let Ok(projection) = pca_2d(&posterior_features(&rows, PosteriorFeatures::Both)) else {
        return false;
    };
    ui.label(format!(
        "{title} · {} task posteriors sampled during training · PC1 explains {:.1}% and PC2 {:.1}% of the variance",
        points.len(),
        100.0 * projection.explained[0],
        100.0 * projection.explained[1]
    ));
    let scatter = scatter_of(&projection, &points);
    let height = ui.available_height() - 8.0;
    scatter_plot(ui, "pca-figure", &scatter, None, height, true);
    true
}

/// The projection's points coloured by source.
pub fn scatter_of(projection: &Projection, points: &[TaskPoint]) -> Scatter {
    let mut sources: Vec<&str> = points.iter().map(|p| p.source.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    let group = points
        .iter()
        .map(|p| sources.iter().position(|s| *s == p.source).unwrap_or(0) as u16)
        .collect();
    let groups = sources
        .iter()
        .map(|s| (s.to_string(), hex_colour(category_colour_hex(s, &sources))))
        .collect();
    Scatter::new(&projection.points, group, groups)
}

/// A metric value, or a dash.
pub fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.3}"))
}
