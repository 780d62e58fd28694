//! A retrain run on the backend chosen at run time (`cpu`, and `wgpu` / `cuda` when built
//! in), behind one object-safe trait for the CLI and the workbench.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use burn::backend::Autodiff;
use burn::tensor::backend::AutodiffBackend;

use super::config::RetrainConfig;
use super::run::{NetworkSize, RetrainRun, StepProgress};
use super::run_dir::EpochRecord;
use super::split::TrainTest;
use crate::run::{BackendKind, RunError};

/// An open retrain run, whatever its backend.
pub trait Retrain {
    /// The run directory.
    fn dir(&self) -> &Path;
    /// The config.
    fn config(&self) -> &RetrainConfig;
    /// The images.
    fn data(&self) -> &TrainTest;
    /// Warnings from opening it.
    fn warnings(&self) -> &[String];
    /// Steps done.
    fn steps_done(&self) -> usize;
    /// Steps per epoch.
    fn steps_per_epoch(&self) -> usize;
    /// Steps of the whole run.
    fn total_steps(&self) -> usize;
    /// Training seconds so far.
    fn elapsed_seconds(&self) -> f64;
    /// Parameters and multiply-accumulates.
    fn size(&self) -> NetworkSize;
    /// The finished epochs.
    fn epochs(&self) -> Result<Vec<EpochRecord>, RunError>;
    /// Trains to the end or until stopped (see [`RetrainRun::train`]); true when stopped.
    fn train(
        &mut self,
        stop: &AtomicBool,
        on_step: &mut dyn FnMut(StepProgress),
        on_epoch: &mut dyn FnMut(&EpochRecord),
    ) -> Result<bool, RunError>;
    /// Test top-1 and top-5 accuracy now.
    fn test(&self) -> Result<(f64, Option<f64>), RunError>;
    /// Digest of every learned value and running statistic.
    fn parameter_digest(&self) -> String;
}

impl<A: AutodiffBackend> Retrain for RetrainRun<A> {
    fn dir(&self) -> &Path {
        RetrainRun::dir(self)
    }
    fn config(&self) -> &RetrainConfig {
        &self.config
    }
    fn data(&self) -> &TrainTest {
        &self.data
    }
    fn warnings(&self) -> &[String] {
        &self.warnings
    }
    fn steps_done(&self) -> usize {
        RetrainRun::steps_done(self)
    }
    fn steps_per_epoch(&self) -> usize {
        RetrainRun::steps_per_epoch(self)
    }
    fn total_steps(&self) -> usize {
        RetrainRun::total_steps(self)
    }
    fn elapsed_seconds(&self) -> f64 {
        RetrainRun::elapsed_seconds(self)
    }
    fn size(&self) -> NetworkSize {
        RetrainRun::size(self)
    }
    fn epochs(&self) -> Result<Vec<EpochRecord>, RunError> {
        RetrainRun::epochs(self)
    }
    fn train(
        &mut self,
        stop: &AtomicBool,
        on_step: &mut dyn FnMut(StepProgress),
        on_epoch: &mut dyn FnMut(&EpochRecord),
    ) -> Result<bool, RunError> {
        RetrainRun::train(self, stop, on_step, on_epoch)
    }
    fn test(&self) -> Result<(f64, Option<f64>), RunError> {
        RetrainRun::test(self)
    }
    fn parameter_digest(&self) -> String {
        RetrainRun::parameter_digest(self)
    }
}

/// Starts a new retrain run in `dir` on `backend`'s first device.
pub fn create(
    backend: BackendKind,
    dir: &Path,
    config: RetrainConfig,
    force: bool,
) -> Result<Box<dyn Retrain>, RunError> {
    fn on<A: AutodiffBackend>(
        dir: &Path,
        config: RetrainConfig,
        force: bool,
    ) -> Result<Box<dyn Retrain>, RunError> {
        Ok(Box::new(RetrainRun::<A>::create(
            dir,
            config,
            force,
            Default::default(),
        )?))
    }
    match backend {
        #[cfg(feature = "wgpu")]
        BackendKind::Wgpu => on::<Autodiff<burn::backend::Wgpu>>(dir, config, force),
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => on::<Autodiff<burn::backend::Cuda>>(dir, config, force),
        // `BackendKind::from_str` refuses backends that are not built in.
        _ => on::<Autodiff<crate::CpuBackend>>(dir, config, force),
    }
}

/// Opens the retrain run in `dir` to go on training on `backend`'s first device.
pub fn open(backend: BackendKind, dir: &Path) -> Result<Box<dyn Retrain>, RunError> {
    fn on<A: AutodiffBackend>(dir: &Path) -> Result<Box<dyn Retrain>, RunError> {
        Ok(Box::new(RetrainRun::<A>::open(dir, Default::default())?))
    }
    match backend {
        #[cfg(feature = "wgpu")]
        BackendKind::Wgpu => on::<Autodiff<burn::backend::Wgpu>>(dir),
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => on::<Autodiff<burn::backend::Cuda>>(dir),
        _ => on::<Autodiff<crate::CpuBackend>>(dir),
    }
}
