//! `metanas inspect`: load a dataset the way training would and report what was found.

use std::path::PathBuf;

use clap::Args;
use metanas_core::data::LoadOptions;
use metanas_core::run::load_dataset;
use serde_json::json;

use super::{CliError, Common, Output};

/// Arguments of `inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A dataset: folder or zip of images (ImageFolder or Omniglot layout), IDX files, CIFAR
    /// batches, a CSV file, or `bundled:uci-digits` (the built-in digits).
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `inspect`.
pub fn run(a: &InspectArgs) -> Result<Output, CliError> {
    let d = load_dataset(&a.path, &mut LoadOptions::default())?;
    let counts: Vec<usize> = d.indices_by_class().iter().map(Vec::len).collect();
    let (min, max) = (
        counts.iter().copied().min().unwrap_or(0),
        counts.iter().copied().max().unwrap_or(0),
    );
    let shape = d.input_shape();
    let image = d
        .image_spec()
        .map(|s| format!("{}x{}x{}", s.channels, s.height, s.width));
    let mut text = format!(
        "{}\n  format: {:?}\n  samples: {}\n",
        a.path.display(),
        d.format,
        d.len()
    );
    match &image {
        Some(i) => text += &format!("  image size (channels x height x width): {i}\n"),
        None => {
            text += &format!(
                "  features per sample: {}\n",
                shape.iter().product::<usize>()
            )
        }
    }
    if d.targets.is_some() {
        text += "  kind: regression (numeric targets)\n";
    } else {
        let names: Vec<&str> = d.class_names.iter().take(5).map(String::as_str).collect();
        text += &format!(
            "  classes: {} ({}{})\n  samples per class: {min}..{max}\n",
            d.num_classes(),
            names.join(", "),
            if d.num_classes() > 5 { ", ..." } else { "" }
        );
    }
    text += &format!("  problems: {}\n", d.problems.len());
    for p in d.problems.iter().take(20) {
        text += &format!("    {}: {}\n", p.path.display(), p.message);
    }
    if d.problems.len() > 20 {
        text += &format!("    ... and {} more\n", d.problems.len() - 20);
    }
    Ok(Output {
        text,
        json: json!({
            "path": a.path,
            "format": format!("{:?}", d.format),
            "samples": d.len(),
            "classes": if d.targets.is_some() { None } else { Some(d.num_classes()) },
            "class_names": d.class_names,
            "samples_per_class": counts,
            "image": d.image_spec().map(|s| json!({"channels": s.channels, "height": s.height, "width": s.width})),
            "input_shape": shape,
            "regression": d.targets.is_some(),
            "problems": d.problems,
        }),
    })
}
