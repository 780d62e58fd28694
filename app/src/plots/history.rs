//! A run as the workbench and the exported figures show it: its config and everything its
//! streams recorded (metrics, the architecture after each meta-step, task posteriors). Plain
//! data; no tensors.

use std::path::PathBuf;

use metanas_core::figure::{ProbabilityHeat, HEAT_COLUMNS};
use metanas_core::genotype::Genotype;
use metanas_core::run::{
    ArchRecord, MetricRecord, RunConfig, RunError, Session, SnapshotRecord, ValidationRecord,
};

/// At most this many architecture records are kept for the cell view's time slider; longer
/// histories are thinned evenly (the newest record is always kept).
pub const ARCH_HISTORY_CAP: usize = 2048;

/// A run as the workbench shows it.
#[derive(Clone, Debug)]
pub struct RunHistory {
    /// Its directory.
    pub dir: PathBuf,
    /// Its config.
    pub config: RunConfig,
    /// The learner's name.
    pub learner: String,
    /// Meta-steps done.
    pub steps: usize,
    /// Per-step metrics.
    pub metrics: Vec<MetricRecord>,
    /// Shared architecture probabilities over training (thinned, see [`ARCH_HISTORY_CAP`]).
    pub arch: Vec<ArchRecord>,
    /// Task posteriors sampled during training.
    pub snapshots: Vec<SnapshotRecord>,
    /// Meta-validation results, one per checkpoint.
    pub validation: Vec<ValidationRecord>,
    /// The shared genotype now.
    pub genotype: Option<Genotype>,
    /// Names of the task sources (datasets or regression families).
    pub sources: Vec<String>,
    /// Warnings from opening the run.
    pub warnings: Vec<String>,
    /// Steps between kept architecture records.
    pub arch_stride: usize,
    /// Every architecture record, binned for the heat map.
    pub heat: ProbabilityHeat,
}

impl RunHistory {
    /// A history with nothing recorded yet.
    pub fn new(dir: PathBuf, config: RunConfig, learner: String) -> Self {
        let heat = ProbabilityHeat::new(&config.space, HEAT_COLUMNS);
        Self {
            dir,
            config,
            learner,
            steps: 0,
            metrics: Vec::new(),
            arch: Vec::new(),
            snapshots: Vec::new(),
            validation: Vec::new(),
            genotype: None,
            sources: Vec::new(),
            warnings: Vec::new(),
            arch_stride: 1,
            heat,
        }
    }

    /// Reads what `session`'s run recorded.
    pub fn read(session: &Session) -> Result<Self, RunError> {
        let metrics = session.dir.metrics().read::<MetricRecord>()?;
        let arch = session.dir.arch().read::<ArchRecord>()?;
        let snapshots = session.dir.posteriors().read::<SnapshotRecord>()?;
        let validation = session.dir.validation().read::<ValidationRecord>()?;
        let mut warnings = session.warnings.clone();
        warnings.extend(metrics.warnings);
        warnings.extend(arch.warnings);
        warnings.extend(snapshots.warnings);
        warnings.extend(validation.warnings);
        let mut history = Self::new(
            session.dir.root().to_path_buf(),
            session.config.clone(),
            session.learner.name().to_string(),
        );
        history.steps = session.steps_done();
        history.metrics = metrics.records;
        history.snapshots = snapshots.records;
        history.validation = validation.records;
        history.genotype = session.genotype();
        history.sources = session.tasks.source_names();
        history.warnings = warnings;
        for record in arch.records {
            history.push_arch(record);
        }
        Ok(history)
    }

    /// Appends one meta-step's architecture. The history keeps the steps that are multiples of
    /// a stride, plus the newest; the stride doubles whenever the cap is passed.
    pub fn push_arch(&mut self, record: ArchRecord) {
        self.heat.push(&record);
        // The previous newest record was kept only for being the newest.
        if self
            .arch
            .last()
            .is_some_and(|r| !r.step.is_multiple_of(self.arch_stride))
        {
            self.arch.pop();
        }
        self.arch.push(record);
        while self.arch.len() > ARCH_HISTORY_CAP {
            self.arch_stride *= 2;
            let (stride, last) = (self.arch_stride, self.arch.len() - 1);
            let mut i = 0;
            self.arch.retain(|r| {
                let keep = r.step.is_multiple_of(stride) || i == last;
                i += 1;
                keep
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_even_spacing_the_first_and_the_newest() {
        let mut h = RunHistory::new(
            PathBuf::new(),
            RunConfig::load(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../assets/configs/base_regression.toml"),
            )
            .unwrap(),
            String::new(),
        );
        for step in 0..=5001 {
            h.push_arch(ArchRecord {
                step,
                normal: vec![],
                reduce: None,
            });
        }
        assert!(h.arch.len() <= ARCH_HISTORY_CAP);
        assert_eq!(h.arch.first().unwrap().step, 0);
        assert_eq!(h.arch.last().unwrap().step, 5001);
        // 5002 records under a cap of 2048: every 4th step, then the newest.
        assert_eq!(h.arch_stride, 4);
        let n = h.arch.len();
        assert!(h.arch[..n - 1]
            .windows(2)
            .all(|w| w[1].step - w[0].step == 4));
        assert_eq!(h.arch[n - 2].step, 5000);
    }
}
