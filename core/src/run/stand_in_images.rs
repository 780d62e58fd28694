//! Stand-in images for `metanas bench`: a bench config whose dataset is not on this machine
//! is timed on generated images of its input's size instead (the arithmetic does not depend
//! on the pixels), so that the bench needs no download.

use std::path::Path;

use super::config::{RunConfig, TaskConfig};
use super::dataset_path::DatasetPath;
use super::error::RunError;
use crate::data::is_bundled;
use crate::rng::SeededRng;
use crate::space::Domain;

/// Classes and images per class of a generated stand-in dataset (Omniglot's 20 drawings a
/// character).
const GENERATED_CLASSES: usize = 40;
const GENERATED_PER_CLASS: usize = 20;

/// Replaces each few-shot dataset of `config` whose files are absent by a folder under
/// `scratch` of generated PNGs (ImageFolder layout) of its input's size, so that a bench
/// config runs without its download. Returns the paths replaced.
pub(super) fn generate_missing(
    config: &mut RunConfig,
    scratch: &Path,
) -> Result<Vec<String>, RunError> {
    let TaskConfig::FewShot(f) = &mut config.tasks else {
        return Ok(Vec::new());
    };
    let mut replaced = Vec::new();
    for (i, d) in f.datasets.iter_mut().enumerate() {
        let absent = d
            .path
            .paths()
            .iter()
            .any(|p| !is_bundled(p) && !Path::new(p).exists());
        if !absent {
            continue;
        }
        let input = match &d.input {
            Some(name) => config.space.inputs.iter().find(|s| &s.name == name),
            None => config.space.inputs.first(),
        };
        let Some(input) = input.filter(|_| config.space.domain == Domain::Image) else {
            continue;
        };
        let root = scratch.join(format!("dataset{i}"));
        let mut rng = SeededRng::new(i as u64);
        for c in 0..GENERATED_CLASSES {
            let folder = root.join(format!("class{c:02}"));
            std::fs::create_dir_all(&folder).map_err(|e| RunError::io(&folder, e))?;
            for k in 0..GENERATED_PER_CLASS {
                let (w, h) = (input.width as u32, input.height as u32);
                let n = input.width * input.height;
                let path = folder.join(format!("{k:02}.png"));
                let saved = if input.channels == 1 {
                    let pixels = (0..n).map(|_| rng.below(256) as u8).collect();
                    image::GrayImage::from_raw(w, h, pixels).map(|img| img.save(&path))
                } else {
                    let pixels = (0..3 * n).map(|_| rng.below(256) as u8).collect();
                    image::RgbImage::from_raw(w, h, pixels).map(|img| img.save(&path))
                };
                match saved {
                    Some(Ok(())) => {}
                    Some(Err(e)) => return Err(RunError::io(&path, e)),
                    None => return Err(RunError::io(&path, "image size overflow")),
                }
            }
        }
        replaced.push(d.path.paths().join(", "));
        d.path = DatasetPath::one(root.to_string_lossy());
    }
    Ok(replaced)
}
