//! Parameter updates shared by the learners: a plain SGD step with separate learning rates
//! for weights and architecture, and the Reptile-style interpolation
//! `W ← W + λ · mean_c(W_c − W)` (BASE Algorithm 1, line 10).

use std::collections::HashMap;

use burn::module::{AutodiffModule, Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use super::grads::ParamGrads;

/// `θ ← θ − lr · g` for every parameter of a module that has a gradient; the result is a
/// fresh leaf (first-order: no graph through the step).
pub fn sgd_step<B: AutodiffBackend, M: Module<B>>(
    module: M,
    grads: &mut GradientsParams,
    lr: f64,
) -> M {
    struct Step<'a> {
        grads: &'a mut GradientsParams,
        lr: f64,
    }
    impl<B: AutodiffBackend> ModuleMapper<B> for Step<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let Some(g) = self.grads.remove::<B::InnerBackend, D>(param.id) else {
                return param;
            };
            let lr = self.lr;
            param.map(|t| Tensor::from_inner(t.inner() - g * lr).require_grad())
        }
    }
    module.map(&mut Step { grads, lr })
}

/// Every float parameter of a module, flattened, by id.
pub fn flat_params<B: Backend, M: Module<B>>(module: &M) -> HashMap<ParamId, Tensor<B, 1>> {
    struct Collect<B: Backend> {
        out: HashMap<ParamId, Tensor<B, 1>>,
    }
    impl<B: Backend> ModuleVisitor<B> for Collect<B> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let t = param.val();
            let n = t.dims().iter().product::<usize>();
            self.out.insert(param.id, t.reshape([n]));
        }
    }
    let mut c = Collect {
        out: HashMap::new(),
    };
    module.visit(&mut c);
    c.out
}

/// Every float parameter value of a module, in visiting order (independent of parameter ids,
/// so two modules built alike compare equal when their values are equal).
pub fn param_values<B: Backend, M: Module<B>>(module: &M) -> Vec<f32> {
    struct Collect {
        out: Vec<f32>,
    }
    impl<B: Backend> ModuleVisitor<B> for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let data = param.val().into_data().convert::<f32>();
            self.out.extend(data.to_vec::<f32>().unwrap_or_default());
        }
    }
    let mut c = Collect { out: Vec::new() };
    module.visit(&mut c);
    c.out
}

/// `W + λ · (mean_c W_c − W)` for every parameter (matched by id; the task copies must come
/// from `W` by cloning and stepping, which keeps the ids). Parameters missing from a task
/// copy count as unchanged.
pub fn interpolate_towards_mean<B: Backend, M: Module<B>>(
    w: M,
    task_copies: &[M],
    lambda: f64,
) -> M {
    let mean = mean_params(&w, task_copies);
    interpolate_towards(w, &mean, lambda)
}

/// `mean_c W_c` for every parameter of `w`, flattened (a parameter missing from a copy
/// counts as `w`'s value there); empty when there are no copies.
pub fn mean_params<B: Backend, M: Module<B>>(w: &M, task_copies: &[M]) -> ParamGrads<B> {
    if task_copies.is_empty() {
        return ParamGrads::new();
    }
    let copies: Vec<HashMap<ParamId, Tensor<B, 1>>> = task_copies.iter().map(flat_params).collect();
    flat_params(w)
        .into_iter()
        .map(|(id, flat)| {
            let mut sum = flat.zeros_like();
            for c in &copies {
                sum = sum + c.get(&id).cloned().unwrap_or_else(|| flat.clone());
            }
            (id, sum / copies.len() as f64)
        })
        .collect()
}

/// `W + λ · (mean − W)` for every parameter that `mean` (flat, by id) has; the others are
/// unchanged.
pub fn interpolate_towards<B: Backend, M: Module<B>>(w: M, mean: &ParamGrads<B>, lambda: f64) -> M {
    struct Towards<'a, B: Backend> {
        mean: &'a ParamGrads<B>,
        lambda: f64,
    }
    impl<B: Backend> ModuleMapper<B> for Towards<'_, B> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let Some(mean) = self.mean.get(&param.id).cloned() else {
                return param;
            };
            let lambda = self.lambda;
            param.map(|w| {
                let dims = w.dims();
                let n: usize = dims.iter().product();
                let flat = w.reshape([n]);
                (flat.clone() + (mean - flat) * lambda).reshape(dims)
            })
        }
    }
    w.map(&mut Towards { mean, lambda })
}

/// An autodiff copy of a plain module whose every float parameter is tracked.
///
/// `AutodiffModule::from_inner` keeps each parameter's `require_grad` flag, and a module built
/// or updated on a plain backend has it off; the inner loops need gradients for all of them.
pub fn trainable<B: AutodiffBackend, M: AutodiffModule<B>>(inner: M::InnerModule) -> M {
    struct Track;
    impl<B: AutodiffBackend> ModuleMapper<B> for Track {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            param.set_require_grad(true)
        }
    }
    M::from_inner(inner).map(&mut Track)
}
