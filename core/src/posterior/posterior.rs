//! The BASE variational posterior over a task: architecture logits φ and Gaussian weights
//! ψ = (μ, σ) of the supernet. The shared prior W = (μ, σ, α) has the same type.

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use super::arch::{ArchLogits, Relaxation};
use super::kl::{categorical_kl, gaussian_kl};
use crate::genotype::{Genotype, GenotypeError};
use crate::nn::{WeightMode, WeightSampler};
use crate::rng::SeededRng;
use crate::space::SearchSpace;
use crate::supernet::{ArchWeights, Network, NetworkInit};

/// How a posterior is initialised.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PosteriorInit {
    /// Initial σ of every weight.
    pub sigma: f64,
    /// Scale of the initial architecture logits (`scale · N(0, 1)`, DARTS uses 1e-3).
    pub arch_scale: f64,
    /// Seed of all initial values.
    pub seed: u64,
}

impl Default for PosteriorInit {
    fn default() -> Self {
        Self {
            sigma: 0.05,
            arch_scale: 1e-3,
            seed: 0,
        }
    }
}

/// How one forward pass samples the posterior.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleSpec {
    /// Architecture relaxation.
    pub relaxation: Relaxation,
    /// Gumbel-softmax temperature τ.
    pub tau: f64,
    /// Mean weights or a reparameterised sample.
    pub weights: WeightMode,
}

/// How a forward pass uses the architecture logits φ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArchUse {
    /// A relaxed sample z drawn from φ.
    Sampled {
        /// Relaxation.
        relaxation: Relaxation,
        /// Temperature τ.
        tau: f64,
    },
    /// The mixture softmax(φ) itself, no noise (a supernet whose architecture is held fixed
    /// at its mixture, as MAML and Reptile on the supernet use it).
    Mixture,
    /// The single path of every edge's most probable op (no noise): how a supernet searched
    /// by single-path search is evaluated.
    MostProbablePath,
    /// None: the network is a fixed network derived from a genotype.
    Ignored,
}

impl ArchUse {
    /// How a learner that searches with `relaxation` at temperature `tau` uses φ in its
    /// losses: `Softmax` is the mixture itself, the others draw a sample.
    pub fn searching(relaxation: Relaxation, tau: f64) -> Self {
        match relaxation {
            Relaxation::Softmax => Self::Mixture,
            relaxation => Self::Sampled { relaxation, tau },
        }
    }

    /// How a supernet searched with `relaxation` is evaluated: on its most probable path
    /// after single-path search (whose ops were trained one at a time), else on the mixture.
    pub fn evaluating(relaxation: Relaxation) -> Self {
        if relaxation == Relaxation::SinglePath {
            Self::MostProbablePath
        } else {
            Self::Mixture
        }
    }
}

/// The KL terms of eq. (9) of one posterior against a prior.
#[derive(Clone, Debug)]
pub struct KlTerms<B: Backend> {
    /// Σ KL of the Gaussian weights.
    pub weights: Tensor<B, 1>,
    /// Σ KL of the categorical architecture distributions (normal and reduce).
    pub arch: Tensor<B, 1>,
}

/// Architecture logits and Gaussian weights of a supernet.
#[derive(Module, Debug)]
pub struct Posterior<B: Backend> {
    /// φ.
    pub arch: ArchLogits<B>,
    /// ψ: the supernet with Gaussian weights.
    pub net: Network<B>,
}

impl<B: Backend> Posterior<B> {
    /// A fresh posterior (or prior) for a validated space.
    pub fn new(space: &SearchSpace, init: PosteriorInit, device: &B::Device) -> Self {
        let mut rng = SeededRng::new(init.seed);
        let arch = ArchLogits::init(space, init.arch_scale, &mut rng, device);
        let net = Network::supernet(
            space,
            NetworkInit {
                sigma: init.sigma,
                seed: rng.next_u64(),
                affine_norm: false,
            },
            device,
        );
        Self { arch, net }
    }

    /// The fixed network of `genotype` (its architecture logits exist but are not used by
    /// the network); the error says where the genotype does not fit the space.
    pub fn fixed(
        space: &SearchSpace,
        genotype: &Genotype,
        init: PosteriorInit,
        device: &B::Device,
    ) -> Result<Self, GenotypeError> {
        let mut rng = SeededRng::new(init.seed);
        let arch = ArchLogits::init(space, init.arch_scale, &mut rng, device);
        let net = Network::fixed(
            space,
            genotype,
            NetworkInit {
                sigma: init.sigma,
                seed: rng.next_u64(),
                affine_norm: false,
            },
            device,
        )?;
        Ok(Self { arch, net })
    }

    /// One stochastic forward pass: draws z from φ and θ from ψ with `rng`, then runs the
    /// supernet on `x` from input source `input`. `None` if `input` has no stem.
    pub fn forward(
        &self,
        x: Tensor<B, 4>,
        input: usize,
        spec: SampleSpec,
        rng: &mut SeededRng,
    ) -> Option<Tensor<B, 2>> {
        let arch = ArchUse::Sampled {
            relaxation: spec.relaxation,
            tau: spec.tau,
        };
        self.forward_with(x, input, arch, spec.weights, rng)
    }

    /// A forward pass with the architecture used as `arch` says and the weights as `weights`
    /// says; noise (if any) comes from `rng`: first the architecture's, then the weights'.
    pub fn forward_with(
        &self,
        x: Tensor<B, 4>,
        input: usize,
        arch: ArchUse,
        weights: WeightMode,
        rng: &mut SeededRng,
    ) -> Option<Tensor<B, 2>> {
        let z = self.arch_weights(arch, rng);
        let mut sampler = WeightSampler::new(weights, rng.next_u64());
        if weights == WeightMode::Sample && crate::nn::gpu_native::applies::<B>() {
            // One upload of noise per forward pass on GPU backends, the same values: at most
            // every weight value of the network asks for noise.
            let count = crate::supernet::learned_values(&self.net);
            sampler.prefetch_noise::<B>(count, &x.device());
        }
        self.net.forward(x, input, z.as_ref(), &mut sampler)
    }

    /// The architecture weights `arch` says to use (a sample, the probabilities, the most
    /// probable path, or none), drawing from `rng` only for a sample.
    pub fn arch_weights(&self, arch: ArchUse, rng: &mut SeededRng) -> Option<ArchWeights<B>> {
        match arch {
            ArchUse::Sampled { relaxation, tau } => Some(self.arch.sample(relaxation, tau, rng)),
            ArchUse::Mixture => Some(self.arch.probabilities()),
            ArchUse::MostProbablePath => Some(self.arch.most_probable_path()),
            ArchUse::Ignored => None,
        }
    }

    /// KL(q ‖ p) of this posterior q against `prior` p, weights and architecture (eq. 9).
    pub fn kl(&self, prior: &Self) -> KlTerms<B> {
        self.kl_to(&PriorTensors::of(prior))
    }

    /// KL(q ‖ p) against prior tensors (e.g. a detached copy of the shared W).
    pub fn kl_to(&self, prior: &PriorTensors<B>) -> KlTerms<B> {
        let q = GaussianTensors::of(&self.net);
        let weights = gaussian_kl(
            q.mu,
            q.sigma,
            prior.weights.mu.clone(),
            prior.weights.sigma.clone(),
        );
        let mut arch = categorical_kl(self.arch.normal.val(), prior.arch_normal.clone());
        if let (Some(rq), Some(rp)) = (&self.arch.reduce, &prior.arch_reduce) {
            arch = arch + categorical_kl(rq.val(), rp.clone());
        }
        KlTerms { weights, arch }
    }
}

/// The tensors of a prior W = (μ, σ, α) that the KL terms need.
#[derive(Clone)]
pub struct PriorTensors<B: Backend> {
    /// All μ and σ of the weights.
    pub weights: GaussianTensors<B>,
    /// α of normal cells.
    pub arch_normal: Tensor<B, 2>,
    /// α of reduction cells.
    pub arch_reduce: Option<Tensor<B, 2>>,
}

impl<B: Backend> PriorTensors<B> {
    /// The tensors of `prior` (tracked by autodiff if `prior`'s parameters are).
    pub fn of(prior: &Posterior<B>) -> Self {
        Self {
            weights: GaussianTensors::of(&prior.net),
            arch_normal: prior.arch.normal.val(),
            arch_reduce: prior.arch.reduce.as_ref().map(|r| r.val()),
        }
    }
}

impl<B: burn::tensor::backend::AutodiffBackend> PriorTensors<B> {
    /// Constant (untracked) prior tensors on an autodiff backend from a plain prior.
    pub fn constant(prior: &Posterior<B::InnerBackend>) -> Self {
        Self::lift(PriorTensors::of(prior))
    }

    /// Inner-backend prior tensors as constants of this backend (under nested autodiff they
    /// stay tracked one level down).
    pub fn lift(inner: PriorTensors<B::InnerBackend>) -> Self {
        Self {
            weights: GaussianTensors {
                mu: Tensor::from_inner(inner.weights.mu),
                sigma: Tensor::from_inner(inner.weights.sigma),
            },
            arch_normal: Tensor::from_inner(inner.arch_normal),
            arch_reduce: inner.arch_reduce.map(Tensor::from_inner),
        }
    }
}

/// Every Gaussian weight of a module, flattened and concatenated in visiting order: μ and
/// σ = softplus(ρ) as two vectors of equal length.
#[derive(Clone)]
pub struct GaussianTensors<B: Backend> {
    /// All μ.
    pub mu: Tensor<B, 1>,
    /// All σ.
    pub sigma: Tensor<B, 1>,
}

impl<B: Backend> GaussianTensors<B> {
    /// Collects the `mu` / `rho` fields of every [`crate::nn::GaussianParam`] in `module`.
    pub fn of<M: Module<B>>(module: &M) -> Self {
        let mut v = Collector {
            path: Vec::new(),
            mu: Vec::new(),
            rho: Vec::new(),
        };
        module.visit(&mut v);
        let rho = Tensor::cat(v.rho, 0);
        Self {
            mu: Tensor::cat(v.mu, 0),
            sigma: burn::tensor::activation::softplus(rho, 1.0),
        }
    }
}

struct Collector<B: Backend> {
    path: Vec<String>,
    mu: Vec<Tensor<B, 1>>,
    rho: Vec<Tensor<B, 1>>,
}

impl<B: Backend> ModuleVisitor<B> for Collector<B> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let n = t.dims().iter().product::<usize>();
        let flat = t.reshape([n]);
        match self.path.last().map(String::as_str) {
            Some("mu") => self.mu.push(flat),
            Some("rho") => self.rho.push(flat),
            _ => {}
        }
    }
}
