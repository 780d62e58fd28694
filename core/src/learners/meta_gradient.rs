//! Inner loops and the gradient of the outer loss through them (BASE few-shot, 002 appendix
//! A; MAML).
//!
//! The outer loss is the query loss of the adapted posterior plus, for BASE, its KL terms
//! against W (002 eq. 10). The inner loop takes S plain SGD steps `q_{k+1} = q_k − L ∇ℓ_k(q_k; W)` from `q_0 = W`
//! (L: per-parameter learning rates, ℓ_k: [`TaskObjective::inner_loss`], whose KL terms
//! depend on the meta-parameters W too). The meta-gradient is `d ℓ_out(q_S) / dW`:
//! - [`MetaGradient::Exact`]: the inner steps are built on nested autodiff
//!   (`Autodiff<Autodiff<B>>`), each step's gradient stays differentiable, and one backward
//!   pass gives the exact gradient. Every op of the engine is twice differentiable (Burn
//!   0.21's own pooling backward is not, so pooling is built from strided views of its input,
//!   see `nn::pool`). On nested autodiff the image ops run as tensor ops, not as the CPU loops
//!   of first-order passes.
//! - [`MetaGradient::FiniteDifference`]: backward through the steps with Hessian-vector
//!   products by central differences of gradients (the DARTS approximation):
//!   `v_k = v_{k+1} − H_k L v_{k+1}` with `H u ≈ (∇ℓ(q+εu) − ∇ℓ(q−εu)) / 2ε`,
//!   `ε = c / ‖u‖` (c = [`FD_SCALE`] by default); the KL terms' dependence on W is differenced the same way. Works with
//!   every op; two extra gradients per step.
//! - [`MetaGradient::FirstOrder`]: `∇ℓ_out(q_S)` taken as the gradient for W (first-order
//!   MAML).
//! - [`MetaGradient::Auto`]: exact for vector spaces, finite differences for image spaces
//!   (see [`MetaGradient::resolve`] for why).

use std::collections::HashMap;

use burn::backend::Autodiff;
use burn::module::ParamId;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use super::grads::{
    axpy, clip_norm_of, grads_of, host_scalar, negated, norm, param_ids, scaled, shifted,
    uniform_scale, ParamGrads,
};
use super::types::LearnerError;
use super::unroll::TaskObjective;
use super::update::trainable;
use crate::posterior::{Posterior, PriorTensors};
use crate::space::{Domain, SearchSpace};

/// How the outer gradient through the inner loop is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaGradient {
    /// Exact second order for vector spaces, finite differences for image spaces.
    Auto,
    /// Exact second order through nested autodiff.
    Exact,
    /// Second order with finite-difference Hessian-vector products.
    FiniteDifference,
    /// First order: the outer gradient at the adapted parameters.
    FirstOrder,
}

impl MetaGradient {
    /// `Auto` resolved for a space: exact for vector spaces, finite differences for image
    /// spaces. On nested autodiff the image ops run as tensor ops instead of the CPU loops of
    /// first-order passes, and every intermediate of the double backward is kept: measured
    /// (`cargo bench -p metanas-core --bench second_order`) exact took about twice the time
    /// and four to five times the memory of finite differences on image cells, with or
    /// without pooling, while finite differences agree with the exact gradient to 1e-4.
    pub fn resolve(self, space: &SearchSpace) -> Self {
        match self {
            MetaGradient::Auto if space.domain == Domain::Image => MetaGradient::FiniteDifference,
            MetaGradient::Auto => MetaGradient::Exact,
            other => other,
        }
    }
}

/// How to compute the meta-gradient.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetaGradientSpec {
    /// Method (`Auto` counts as exact here: resolve it for the space first).
    pub mode: MetaGradient,
    /// Finite-difference step `ε = fd_scale / ‖u‖`.
    pub fd_scale: f64,
}

/// Relative size of the finite-difference step: `ε = FD_SCALE / ‖u‖` (DARTS uses 0.01).
pub const FD_SCALE: f64 = 1e-2;

/// Per-parameter learning rates of the inner loop: one for the architecture logits, one for
/// the network's weights.
pub fn step_sizes<B: Backend>(
    q: &Posterior<B>,
    lr_weights: f64,
    lr_arch: f64,
) -> HashMap<ParamId, f64> {
    let mut out = uniform_scale(&param_ids(&q.net), lr_weights);
    out.extend(uniform_scale(&param_ids(&q.arch), lr_arch));
    out
}

pub(crate) fn missing_stem(stem: usize) -> LearnerError {
    LearnerError::Task(format!("the network has no input stem {stem}"))
}

/// The result of one unrolled inner loop and its meta-gradient.
pub struct Unrolled<B: Backend> {
    /// `d ℓ_out / dW` by parameter id.
    pub grads: ParamGrads<B>,
    /// The outer (query) loss after the inner loop.
    pub outer_loss: f64,
    /// Outputs on the outer batch after the inner loop.
    pub outputs: Tensor<B, 2>,
    /// The task loss of the last inner step.
    pub inner_loss: f64,
}

/// S first-order SGD steps from `start` on the inner objective against constant `prior`;
/// `after_step` sees the posterior after each step. With `clip`, each step's gradient of the
/// weights ψ = (μ, ρ) is scaled to that Euclidean norm when longer (the architecture's is
/// not). Returns the adapted posterior and the task loss of the last step.
pub fn inner_loop<B: AutodiffBackend>(
    start: &Posterior<B::InnerBackend>,
    prior: &Posterior<B::InnerBackend>,
    objective: &TaskObjective<'_>,
    (steps, clip): (usize, Option<f64>),
    lrs: &HashMap<ParamId, f64>,
    mut after_step: impl FnMut(&Posterior<B::InnerBackend>),
) -> Result<(Posterior<B::InnerBackend>, f64), LearnerError> {
    let prior = PriorTensors::<B>::constant(prior);
    let down = negated(lrs);
    let clip = clip.map(|max| (max, param_ids(&start.net)));
    let mut q = start.clone();
    // The last step's loss stays on the device until the loop ends (no read per step).
    let mut last = None;
    for k in 0..steps {
        crate::interrupt::check()?;
        let leaf: Posterior<B> = trainable(q.clone());
        let loss = objective
            .inner_loss(&leaf, &prior, k)
            .ok_or_else(|| missing_stem(objective.stem))?;
        last = Some(loss.task.inner());
        let g = grads_of(&leaf, &mut loss.total.backward());
        let g = match &clip {
            Some((max, weight_ids)) => clip_norm_of(g, weight_ids, *max),
            None => g,
        };
        q = shifted(q, &[(&g, &down)]);
        after_step(&q);
    }
    Ok((q, last.map_or(f64::NAN, host_scalar)))
}

/// The meta-gradient of one task's outer loss at meta-parameters `meta`.
pub fn meta_gradient<B: AutodiffBackend>(
    meta: &Posterior<B::InnerBackend>,
    objective: &TaskObjective<'_>,
    steps: usize,
    lrs: &HashMap<ParamId, f64>,
    spec: MetaGradientSpec,
) -> Result<Unrolled<B::InnerBackend>, LearnerError> {
    match spec.mode {
        MetaGradient::Exact | MetaGradient::Auto => exact::<B>(meta, objective, steps, lrs),
        MetaGradient::FiniteDifference => {
            finite_difference::<B>(meta, objective, steps, lrs, spec.fd_scale)
        }
        MetaGradient::FirstOrder => first_order::<B>(meta, objective, steps, lrs),
    }
}

/// What the outer loss at the adapted posterior gives: gradients with respect to it and to
/// the prior W (through the KL terms), its task loss and the outputs.
struct OuterAt<B: Backend> {
    to_adapted: ParamGrads<B>,
    to_prior: ParamGrads<B>,
    loss: f64,
    outputs: Tensor<B, 2>,
}

fn outer_at<B: AutodiffBackend>(
    q: &Posterior<B::InnerBackend>,
    meta: &Posterior<B::InnerBackend>,
    objective: &TaskObjective<'_>,
) -> Result<OuterAt<B::InnerBackend>, LearnerError> {
    let leaf: Posterior<B> = trainable(q.clone());
    let w: Posterior<B> = trainable(meta.clone());
    let (loss, out) = objective
        .outer_loss(&leaf, &PriorTensors::of(&w))
        .ok_or_else(|| missing_stem(objective.stem))?;
    let value = host_scalar(loss.task.inner());
    let mut grads = loss.total.backward();
    Ok(OuterAt {
        to_adapted: grads_of(&leaf, &mut grads),
        to_prior: grads_of(&w, &mut grads),
        loss: value,
        outputs: out.inner(),
    })
}

fn first_order<B: AutodiffBackend>(
    meta: &Posterior<B::InnerBackend>,
    objective: &TaskObjective<'_>,
    steps: usize,
    lrs: &HashMap<ParamId, f64>,
) -> Result<Unrolled<B::InnerBackend>, LearnerError> {
    let (q, inner_loss) = inner_loop::<B>(meta, meta, objective, (steps, None), lrs, |_| {})?;
    let outer = outer_at::<B>(&q, meta, objective)?;
    Ok(Unrolled {
        grads: axpy(&outer.to_adapted, 1.0, &outer.to_prior),
        outer_loss: outer.loss,
        outputs: outer.outputs,
        inner_loss,
    })
}

fn exact<B: AutodiffBackend>(
    meta: &Posterior<B::InnerBackend>,
    objective: &TaskObjective<'_>,
    steps: usize,
    lrs: &HashMap<ParamId, f64>,
) -> Result<Unrolled<B::InnerBackend>, LearnerError> {
    let down = negated(lrs);
    let w: Posterior<B> = trainable(meta.clone());
    let prior = PriorTensors::of(&w);
    let mut q = w.clone();
    let mut inner_loss = None;
    for k in 0..steps {
        crate::interrupt::check()?;
        // Each step's gradient is computed one autodiff level up and stays a tracked
        // function of q_k (and of W through the prior) on this level.
        let up: Posterior<Autodiff<B>> = trainable(q.clone());
        let prior_up = PriorTensors::<Autodiff<B>>::lift(prior.clone());
        let loss = objective
            .inner_loss(&up, &prior_up, k)
            .ok_or_else(|| missing_stem(objective.stem))?;
        inner_loss = Some(loss.task.inner().inner());
        let g = grads_of(&up, &mut loss.total.backward());
        q = shifted(q, &[(&g, &down)]);
    }
    let (loss, out) = objective
        .outer_loss(&q, &prior)
        .ok_or_else(|| missing_stem(objective.stem))?;
    let outer_loss = host_scalar(loss.task.inner());
    let grads = grads_of(&w, &mut loss.total.backward());
    Ok(Unrolled {
        grads,
        outer_loss,
        outputs: out.inner(),
        inner_loss: inner_loss.map_or(f64::NAN, host_scalar),
    })
}

/// Gradients with respect to the posterior and to the prior.
type GradientPair<B> = (ParamGrads<B>, ParamGrads<B>);

/// Gradients of inner step `k`'s loss at `q` with respect to q and to the prior W.
fn inner_gradients<B: AutodiffBackend>(
    q: &Posterior<B::InnerBackend>,
    meta: &Posterior<B::InnerBackend>,
    objective: &TaskObjective<'_>,
    k: usize,
) -> Result<GradientPair<B::InnerBackend>, LearnerError> {
    let leaf: Posterior<B> = trainable(q.clone());
    let w: Posterior<B> = trainable(meta.clone());
    let loss = objective
        .inner_loss(&leaf, &PriorTensors::of(&w), k)
        .ok_or_else(|| missing_stem(objective.stem))?;
    let mut grads = loss.total.backward();
    Ok((grads_of(&leaf, &mut grads), grads_of(&w, &mut grads)))
}

fn finite_difference<B: AutodiffBackend>(
    meta: &Posterior<B::InnerBackend>,
    objective: &TaskObjective<'_>,
    steps: usize,
    lrs: &HashMap<ParamId, f64>,
    fd_scale: f64,
) -> Result<Unrolled<B::InnerBackend>, LearnerError> {
    let ids = param_ids(meta);
    let mut path = vec![meta.clone()];
    let record = |q: &Posterior<B::InnerBackend>| path.push(q.clone());
    let (q_s, inner_loss) = inner_loop::<B>(meta, meta, objective, (steps, None), lrs, record)?;
    let outer = outer_at::<B>(&q_s, meta, objective)?;
    let mut v = outer.to_adapted;
    let mut through_prior = outer.to_prior;
    for k in (0..steps).rev() {
        let u = scaled(&v, lrs);
        let size = norm(&u);
        if !(size.is_finite() && size > 0.0) {
            continue;
        }
        let eps = fd_scale / size;
        let plus = shifted(path[k].clone(), &[(&u, &uniform_scale(&ids, eps))]);
        let minus = shifted(path[k].clone(), &[(&u, &uniform_scale(&ids, -eps))]);
        let (gq_plus, gw_plus) = inner_gradients::<B>(&plus, meta, objective, k)?;
        let (gq_minus, gw_minus) = inner_gradients::<B>(&minus, meta, objective, k)?;
        let h = 1.0 / (2.0 * eps);
        v = axpy(&axpy(&v, -h, &gq_plus), h, &gq_minus);
        through_prior = axpy(&axpy(&through_prior, -h, &gw_plus), h, &gw_minus);
    }
    Ok(Unrolled {
        grads: axpy(&v, 1.0, &through_prior),
        outer_loss: outer.loss,
        outputs: outer.outputs,
        inner_loss,
    })
}
