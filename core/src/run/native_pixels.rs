//! The image datasets of a task distribution loaded again at their own resolution, so that
//! the raw-pixel baselines see what a user's own classifier would, not the network's
//! (possibly much smaller) input.

use std::sync::Arc;

use super::config::DatasetConfig;
use super::tasks::{load_at, TaskDistribution};
use crate::baselines::Pixels;

/// The raw pixels for the baselines of `tasks`, whose sources were loaded from `configs` (in
/// the same order). Each image source is loaded again with its own size; one that cannot be
/// (too large for its `max_dataset_mb`, unreadable now, or holding other samples than before)
/// keeps the network-size inputs, and a warning says so. Vector sources need nothing: their
/// inputs are the raw features.
pub fn native_pixels(tasks: &TaskDistribution, configs: &[DatasetConfig]) -> (Pixels, Vec<String>) {
    let mut pixels = Pixels::default();
    let mut warnings = Vec::new();
    let TaskDistribution::FewShot(f) = tasks else {
        return (pixels, warnings);
    };
    for (index, (source, d)) in f.sources().iter().zip(configs).enumerate() {
        let Some(network_size) = source.dataset.image_spec() else {
            continue;
        };
        let fallback = |why: String| {
            format!(
                "{}: the raw-pixel baselines use the network's {}x{} inputs ({why})",
                d.path, network_size.height, network_size.width
            )
        };
        match load_at(d, None, &mut |_, _, _| {}) {
            Ok(native) if native.labels != source.dataset.labels => warnings.push(fallback(
                "loaded at its own size, it holds other samples".into(),
            )),
            Ok(native) if native.image_spec() == Some(network_size) => {}
            Ok(native) => pixels.native.push((index, Arc::new(native))),
            Err(e) => warnings.push(fallback(e.to_string())),
        }
    }
    (pixels, warnings)
}
