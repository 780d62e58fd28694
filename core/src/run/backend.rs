//! The compute backend a run uses, chosen at run time among those built in (`cpu` always;
//! `wgpu` and `cuda` with the cargo features of the same names).

use std::str::FromStr;

use burn::backend::Autodiff;
use burn::tensor::backend::AutodiffBackend;

use super::config::{Engine, RunConfig};
use crate::learners::{GradientLearner, LearnerError, MetaLearner, MnasLearner};

/// A backend name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BackendKind {
    /// Burn's ndarray backend (multi-threaded CPU).
    #[default]
    Cpu,
    /// Burn's wgpu backend (Vulkan/Metal/DX12).
    Wgpu,
    /// Burn's CUDA backend.
    Cuda,
}

impl BackendKind {
    /// Backends built into this binary.
    pub fn available() -> Vec<&'static str> {
        let mut v = vec!["cpu"];
        if cfg!(feature = "wgpu") {
            v.push("wgpu");
        }
        if cfg!(feature = "cuda") {
            v.push("cuda");
        }
        v
    }

    /// The name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Wgpu => "wgpu",
            Self::Cuda => "cuda",
        }
    }
}

impl FromStr for BackendKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let kind = match s {
            "cpu" => Self::Cpu,
            "wgpu" => Self::Wgpu,
            "cuda" => Self::Cuda,
            other => {
                return Err(format!(
                    "unknown backend `{other}` (built in: {})",
                    Self::available().join(", ")
                ))
            }
        };
        if !Self::available().contains(&kind.name()) {
            return Err(format!(
                "backend `{s}` is not built into this binary (built in: {}); rebuild with `--features {s}`",
                Self::available().join(", ")
            ));
        }
        Ok(kind)
    }
}

/// The learner of `config` on `backend`, freshly initialised from the run's seed.
pub fn build_learner(
    config: &RunConfig,
    backend: BackendKind,
) -> Result<Box<dyn MetaLearner>, LearnerError> {
    match backend {
        #[cfg(feature = "wgpu")]
        BackendKind::Wgpu => build::<Autodiff<burn::backend::Wgpu>>(config, Default::default()),
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => build::<Autodiff<burn::backend::Cuda>>(config, Default::default()),
        // `FromStr` refuses backends that are not built in.
        _ => build::<Autodiff<crate::CpuBackend>>(config, Default::default()),
    }
}

fn build<B: AutodiffBackend>(
    config: &RunConfig,
    device: B::Device,
) -> Result<Box<dyn MetaLearner>, LearnerError> {
    let engine = config
        .learner
        .engine(config.seed)
        .map_err(LearnerError::Task)?;
    let space = config.space.clone();
    Ok(match engine {
        Engine::Gradient(plan) => Box::new(GradientLearner::<B>::new(space, plan, device)?),
        Engine::Mnas(c) => Box::new(MnasLearner::<B>::new(space, c, device)?),
    })
}
