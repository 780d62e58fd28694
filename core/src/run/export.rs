//! What exporting a run writes: the genotype (JSON and DARTS text), the metrics as CSV and an
//! SVG figure of each cell. The CLI's `export` and the workbench's Export view both write these.

use super::records::MetricRecord;
use super::session::Session;
use crate::figure::{cell_svg, metrics_csv};
use crate::space::CellKind;

impl Session {
    /// The export files of this run at its current step, as `(file name, bytes)`. A learner
    /// without a genotype (MAML and Reptile on the supernet) gets no genotype files.
    pub fn export_files(&self, metrics: &[MetricRecord]) -> Vec<(String, Vec<u8>)> {
        let space = &self.config.space;
        let genotype = self.genotype();
        let arch = self.learner.arch_probabilities();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        if let Some(genotype) = &genotype {
            let darts = format!(
                "# Genotype of {} at meta-step {} (metanas {}).\n# Load with DARTS' `from genotypes import Genotype`.\n{}\n",
                self.dir.root().display(),
                self.steps_done(),
                env!("CARGO_PKG_VERSION"),
                genotype.to_darts()
            );
            files.push(("genotype.json".into(), genotype.to_json().into_bytes()));
            files.push(("genotype.py".into(), darts.into_bytes()));
        }
        files.push(("metrics.csv".into(), metrics_csv(metrics).into_bytes()));
        files.push((
            "normal.svg".into(),
            cell_svg(space, CellKind::Normal, &arch.normal, genotype.as_ref()).into_bytes(),
        ));
        if let Some(reduce) = &arch.reduce {
            files.push((
                "reduce.svg".into(),
                cell_svg(space, CellKind::Reduce, reduce, genotype.as_ref()).into_bytes(),
            ));
        }
        files
    }
}
