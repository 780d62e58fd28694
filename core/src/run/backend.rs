//! The compute backend a run uses, chosen at run time among those built in (`cpu` always;
//! `wgpu` and `cuda` with the cargo features of the same names).

use std::str::FromStr;

use burn::backend::Autodiff;
use burn::tensor::backend::AutodiffBackend;

use super::config::{Engine, RunConfig};
use crate::learners::{
    Adaptation, Cluster, DartsConfig, DartsSearch, DeviceGroup, GradientLearner, LearnerError,
    MetaLearner, MnasLearner,
};
use crate::space::SearchSpace;
use crate::tasks::Episode;
use crate::value_error::UnknownName;

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

impl BackendKind {
    /// Reaches the backend's default device once (a one-value computation), so that a GPU
    /// backend without a usable device or driver is an error that says so instead of a panic
    /// in Burn's device thread. The CPU backend always answers.
    pub fn probe(self) -> Result<(), BackendChoiceError> {
        #[cfg(any(feature = "wgpu", feature = "cuda"))]
        fn on<B: burn::tensor::backend::Backend>() -> Result<(), String> {
            use std::sync::{Arc, Mutex};
            let said: Arc<Mutex<Option<String>>> = Arc::default();
            let previous = std::panic::take_hook();
            let keep = said.clone();
            std::panic::set_hook(Box::new(move |info| {
                let mut first = keep.lock().unwrap_or_else(|e| e.into_inner());
                if first.is_none() {
                    let payload = info.payload();
                    let text = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
                    *first = Some(text.unwrap_or_else(|| "the device thread panicked".into()));
                }
            }));
            let reached = std::panic::catch_unwind(|| {
                let device = B::Device::default();
                let t = burn::tensor::Tensor::<B, 1>::ones([1], &device);
                t.into_data().to_vec::<f32>().ok()
            });
            std::panic::set_hook(previous);
            match reached {
                Ok(Some(v)) if v == [1.0] => Ok(()),
                _ => Err(said
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .unwrap_or_else(|| "a one-value computation gave no answer".into())),
            }
        }
        let (result, hint): (Result<(), String>, &str) = match self {
            #[cfg(feature = "wgpu")]
            Self::Wgpu => (
                on::<burn::backend::Wgpu>(),
                "wgpu needs a Vulkan driver: a GPU's, or Mesa's software one \
                 (apt-get install mesa-vulkan-drivers libvulkan1)",
            ),
            #[cfg(feature = "cuda")]
            Self::Cuda => (
                on::<burn::backend::Cuda>(),
                "cuda needs an NVIDIA GPU and its driver (nvidia-smi lists them)",
            ),
            _ => (Ok(()), ""),
        };
        result.map_err(|reason| BackendChoiceError::NoDevice {
            name: self.name(),
            reason: reason
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect(),
            hint,
        })
    }
}

/// A backend name that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendChoiceError {
    /// Not a backend's name.
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    /// A GPU backend that is built in but found no device to run on.
    #[error("backend `{name}` found no device to run on ({reason}); {hint}")]
    NoDevice {
        /// The backend asked for.
        name: &'static str,
        /// What the backend said.
        reason: String,
        /// What to install or check.
        hint: &'static str,
    },
    /// A backend this binary was built without.
    #[error("backend `{name}` is not built into this binary (built in: {built_in}); rebuild with `--features {name}`")]
    NotBuiltIn {
        /// The backend asked for.
        name: &'static str,
        /// The backends built in, comma-separated.
        built_in: String,
    },
}

impl FromStr for BackendKind {
    type Err = BackendChoiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let built_in = Self::available().join(", ");
        let kind = match s {
            "cpu" => Self::Cpu,
            "wgpu" => Self::Wgpu,
            "cuda" => Self::Cuda,
            other => {
                return Err(UnknownName {
                    what: "backend",
                    given: other.into(),
                    expected: format!("one built in: {built_in}"),
                }
                .into())
            }
        };
        if !Self::available().contains(&kind.name()) {
            return Err(BackendChoiceError::NotBuiltIn {
                name: kind.name(),
                built_in,
            });
        }
        Ok(kind)
    }
}

/// Where a run computes: the backend, how many of its devices this process uses, and the
/// other processes when the run is spread over several machines. It is not part of the run:
/// a run trained on one device reopens on any number of them, and the other way round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compute {
    /// The backend.
    pub backend: BackendKind,
    /// Devices of this process (CPU: worker groups sharing the cores; wgpu: discrete GPUs
    /// 0..n; CUDA: devices 0..n). The tasks of a meta-batch are spread over them.
    pub devices: usize,
    /// The other processes, when there are some.
    pub cluster: Option<Cluster>,
}

impl From<BackendKind> for Compute {
    fn from(backend: BackendKind) -> Self {
        Self {
            backend,
            devices: 1,
            cluster: None,
        }
    }
}

impl Compute {
    /// One device and one process: the learner runs its tasks without the collective.
    pub fn is_single(&self) -> bool {
        self.devices <= 1 && self.cluster.is_none()
    }
}

/// The learner of `config` on `compute`, freshly initialised from the run's seed.
pub fn build_learner(
    config: &RunConfig,
    compute: impl Into<Compute>,
) -> Result<Box<dyn MetaLearner>, LearnerError> {
    let compute = compute.into();
    let n = compute.devices.max(1);
    match compute.backend {
        #[cfg(feature = "wgpu")]
        BackendKind::Wgpu => {
            let devices = match n {
                1 => vec![Default::default()],
                n => (0..n)
                    .map(burn::backend::wgpu::WgpuDevice::DiscreteGpu)
                    .collect(),
            };
            build::<Autodiff<burn::backend::Wgpu>>(config, devices, &compute)
        }
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => {
            let devices = (0..n)
                .map(|index| burn::backend::cuda::CudaDevice { index })
                .collect();
            build::<Autodiff<burn::backend::Cuda>>(config, devices, &compute)
        }
        // `FromStr` refuses backends that are not built in.
        _ => build::<Autodiff<crate::CpuBackend>>(config, vec![Default::default(); n], &compute),
    }
}

/// A DARTS search from scratch: `search(task, steps, seed)`.
pub type DartsFn = Box<dyn Fn(&Episode, usize, u64) -> Result<Adaptation, LearnerError>>;

/// DARTS from scratch over `space` on `backend`'s first device (the baseline of BASE's
/// Figure 4).
pub fn build_darts(space: &SearchSpace, config: DartsConfig, backend: BackendKind) -> DartsFn {
    fn boxed<B: AutodiffBackend + 'static>(search: DartsSearch<B>) -> DartsFn {
        Box::new(move |task, steps, seed| search.search(task, steps, seed))
    }
    let space = space.clone();
    match backend {
        #[cfg(feature = "wgpu")]
        BackendKind::Wgpu => boxed(DartsSearch::<Autodiff<burn::backend::Wgpu>>::new(
            space,
            config,
            Default::default(),
        )),
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => boxed(DartsSearch::<Autodiff<burn::backend::Cuda>>::new(
            space,
            config,
            Default::default(),
        )),
        _ => boxed(DartsSearch::<Autodiff<crate::CpuBackend>>::new(
            space,
            config,
            Default::default(),
        )),
    }
}

fn build<B: AutodiffBackend>(
    config: &RunConfig,
    devices: Vec<B::Device>,
    compute: &Compute,
) -> Result<Box<dyn MetaLearner>, LearnerError> {
    let engine = config
        .learner
        .engine(config.seed)
        .map_err(LearnerError::from)?;
    let space = config.space.clone();
    let device = devices[0].clone();
    let group = if compute.is_single() {
        None
    } else {
        Some(DeviceGroup::new(devices, compute.cluster.clone())?)
    };
    let mut learner: Box<dyn MetaLearner> = match engine {
        Engine::Gradient(plan) => {
            let learner = GradientLearner::<B>::new(space, plan, device)?;
            match group {
                Some(g) => Box::new(learner.on_devices(g)),
                None => Box::new(learner),
            }
        }
        Engine::Mnas(c) => {
            let learner = MnasLearner::<B>::new(space, c, device)?;
            match group {
                Some(g) => Box::new(learner.on_devices(g)),
                None => Box::new(learner),
            }
        }
    };
    learner.set_head_init(config.training.adapt_head);
    Ok(learner)
}
