//! `metanas export`: the genotype of a run (JSON and DARTS text), its metrics as CSV and SVG
//! figures of its cells, written without a display; with `--png` also PNG figures (cells,
//! probability heat map, training curves) rendered offscreen by the drawing code that the
//! workbench's views use too (`crate::plots`).

use std::path::PathBuf;

use clap::Args;
use metanas_core::run::{write_atomic, MetricRecord, Session};
use serde_json::json;

use super::{warn_all, CliError, Common, Output, RunArg};
use crate::plots::{png_figures, RunHistory};

/// Arguments of `export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    run: RunArg,
    /// The folder to write into (created if needed).
    #[arg(long, value_name = "OUTDIR")]
    out: PathBuf,
    /// Also write PNG figures (cells.png, heatmap.png, metrics.png), rendered offscreen with
    /// wgpu (any GPU, or Mesa's software Vulkan).
    #[arg(long)]
    png: bool,
    /// Pixels per point of the PNG figures (2 gives 2800-pixel-wide cell figures).
    #[arg(long, default_value_t = 2.0, value_name = "SCALE")]
    scale: f32,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `export`.
pub fn run(a: &ExportArgs) -> Result<Output, CliError> {
    // Checked before anything is opened or created.
    if a.png && !(0.5..=8.0).contains(&a.scale) {
        return Err(CliError::Input(format!(
            "--scale {}: must be between 0.5 and 8 pixels per point",
            a.scale
        )));
    }
    let session = Session::open(&a.run.run, a.common.backend, true, None)?;
    if !session
        .learner
        .arch_probabilities()
        .flatten()
        .iter()
        .all(|p| p.is_finite())
    {
        return Err(super::not_finite(&session, "an architecture probability"));
    }
    // The figures need the run's whole history, which holds the metrics too; without them
    // the metrics alone are read.
    let history = a
        .png
        .then(|| RunHistory::read(&session))
        .transpose()
        .map_err(CliError::from)?;
    let plain;
    let (metrics, warnings) = match &history {
        Some(h) => (&h.metrics, h.warnings.clone()),
        None => {
            plain = session.dir.metrics().read::<MetricRecord>()?;
            let mut w = session.warnings.clone();
            w.extend(plain.warnings.iter().cloned());
            (&plain.records, w)
        }
    };
    warn_all(&warnings);
    std::fs::create_dir_all(&a.out)
        .map_err(|e| CliError::Input(format!("{}: cannot create: {e}", a.out.display())))?;
    let genotype = session.genotype();
    let mut files = session.export_files(metrics);
    if let Some(history) = &history {
        let figures = png_figures(history, a.scale)
            .map_err(|e| CliError::Internal(format!("PNG figures: {e}")))?;
        files.extend(figures);
    }
    let mut written = Vec::new();
    for (name, bytes) in &files {
        let path = a.out.join(name);
        write_atomic(&path, bytes).map_err(CliError::from)?;
        written.push(path);
    }
    let mut text = format!(
        "exported {} at meta-step {} to {}:\n",
        a.run.run.display(),
        session.steps_done(),
        a.out.display()
    );
    for p in &written {
        text += &format!("  {}\n", p.display());
    }
    Ok(Output {
        text,
        json: json!({
            "run": a.run.run,
            "step": session.steps_done(),
            "out": a.out,
            "files": written,
            "genotype": genotype,
        }),
    })
}
