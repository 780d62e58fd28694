//! `metanas bench`: times a config's meta-steps on a backend and prints seconds per
//! meta-step, where an inner step's time goes, the arithmetic, the rate achieved and the
//! backend's peak rate, side by side.

use std::path::{Path, PathBuf};

use clap::Args;
use metanas_core::device_counts::DeviceCounts;
use metanas_core::posterior::Relaxation;
use metanas_core::run::{bench, BenchOptions, BenchReport, RunConfig};
use serde_json::json;

use super::{check_count, CliError, Common, Output};

/// The reference config, built in (also `assets/configs/bench_reference.toml`).
const REFERENCE: &str = include_str!("../../../assets/configs/bench_reference.toml");

/// Arguments of `bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The run config to time; default: the reference meta-step
    /// (`assets/configs/bench_reference.toml`, built in).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Meta-steps timed (the median and the least are reported).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub steps: usize,
    /// Untimed meta-steps first (kernel compilation and autotuning on GPU backends).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub warmup: usize,
    /// Time single-path search instead of the config's relaxation (`relaxation =
    /// "single_path"`: one sampled op per edge runs), for BASE and M-NAS configs.
    #[arg(long)]
    pub single_path: bool,
    /// Common options.
    #[command(flatten)]
    pub common: Common,
}

/// Runs `bench`.
pub fn run(a: &BenchArgs) -> Result<Output, CliError> {
    check_count("--steps", a.steps, 1, 1000)?;
    check_count("--warmup", a.warmup, 0, 1000)?;
    let (mut config, mut name) = match &a.config {
        Some(path) => (RunConfig::load(path)?, path.display().to_string()),
        None => (
            RunConfig::parse(REFERENCE, Path::new("bench_reference.toml"), Path::new("."))?,
            "the reference meta-step (bench_reference.toml)".to_string(),
        ),
    };
    if a.single_path {
        config
            .learner
            .set_relaxation(Relaxation::SinglePath)
            .map_err(|e| CliError::Input(format!("--single-path: {e}")))?;
        name += ", single path";
    }
    let quiet = a.common.json;
    let mut progress = |what: &str| {
        if !quiet {
            eprintln!("bench: {what}");
        }
    };
    let opts = BenchOptions {
        steps: a.steps,
        warmup: a.warmup,
    };
    let r = bench(&config, a.common.backend, opts, &mut progress)?;
    let text = table(&name, &r);
    let mut json = serde_json::to_value(&r).map_err(|e| CliError::Internal(e.to_string()))?;
    json["config"] = json!(name);
    Ok(Output { text, json })
}

fn table(name: &str, r: &BenchReport) -> String {
    let opt = |v: Option<f64>| v.map_or_else(|| "not measured".into(), |s| format!("{s:.4} s"));
    let s = r.seconds_per_meta_step;
    let mut t = format!(
        "{name} on {}: {} learner, {} tasks per meta-step, {} inner steps on {} examples\n",
        r.backend, r.learner, r.meta_batch, r.inner_steps, r.examples_per_inner_step
    );
    t += &format!(
        "  seconds per meta-step   median {:.3}  min {:.3}  max {:.3}  ({} timed after {} warm-up)\n",
        s.median, s.min, s.max, r.timed_steps, r.warmup_steps
    );
    t += &format!("  one inner step, forward {}\n", opt(r.forward_s));
    t += &format!("  one inner step, backward {}\n", opt(r.backward_s));
    t += &format!(
        "  arithmetic              {:.2} GFLOP per inner step, {:.1} GFLOP per meta-step ({} MACs per example{})\n",
        r.flops_per_inner_step / 1e9,
        r.flops_per_meta_step / 1e9,
        r.macs_per_example,
        if r.single_path {
            ", single path: expected over uniformly drawn ops"
        } else {
            ""
        }
    );
    t += &format!(
        "  rate                    {:.1} GFLOP/s achieved, {:.1} GFLOP/s peak (1024x1024 matrix product): {:.0}% of peak\n",
        r.achieved_gflops,
        r.peak_gflops,
        100.0 * r.achieved_gflops / r.peak_gflops
    );
    let mb = |b: Option<u64>| {
        b.map_or_else(
            || "not measured".into(),
            |b| format!("{:.1} MB", b as f64 / 1e6),
        )
    };
    let (peak, per_task) = if r.backend == "cpu" {
        ("resident", "heap, at its peak")
    } else {
        (
            "device, held by the pools",
            "device, in use after forward / backward",
        )
    };
    t += &format!(
        "  peak memory             {} ({peak})\n",
        mb(r.peak_memory_bytes)
    );
    t += &format!(
        "  memory per task         {} (one inner step of one task; {per_task})\n",
        mb(r.memory_per_task_bytes)
    );
    if let Some(f) = r.minor_page_faults_per_meta_step {
        t += &format!("  page faults             {f:.0} minor faults per meta-step\n");
    }
    t += &counts_lines(r);
    t
}

/// The launch and transfer rows: counted on GPU backends, absent on the CPU.
fn counts_lines(r: &BenchReport) -> String {
    let Some(c) = r.device_counts_per_task_inner_step else {
        return "  kernel launches         counted on GPU backends only\n".into();
    };
    let row = |what: &str, d: &DeviceCounts| {
        format!(
            "  {what:<24}{} kernel launches, {} uploads ({:.1} MB), {} reads\n",
            d.launches,
            d.uploads,
            d.upload_bytes as f64 / 1e6,
            d.reads
        )
    };
    let mut t = row("one task, forward", &c.forward);
    t += &row("one task, backward", &c.backward);
    if let (Some(l), Some(u)) = (
        r.kernel_launches_per_inner_step,
        r.host_transfers_per_inner_step,
    ) {
        t += &format!(
            "  one inner step          {l} kernel launches, {u} uploads over the {} tasks\n",
            r.meta_batch
        );
    }
    if let Some(m) = &r.device_counts_per_meta_step {
        t += &row("one meta-step", m);
    }
    t
}
