//! Gradients as flat tensors keyed by parameter id, and the vector arithmetic the meta-gradient
//! code does with them (steps that keep the autodiff graph, shifted copies, dot products).

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

/// One flat tensor per parameter id (a gradient, a direction, an optimiser moment).
pub type ParamGrads<B> = HashMap<ParamId, Tensor<B, 1>>;

/// The gradients of every parameter of `module` in `grads` (parameters without one are left
/// out). The tensors live on the inner backend, which is itself tracked under nested autodiff.
pub fn grads_of<B: AutodiffBackend, M: Module<B>>(
    module: &M,
    grads: &mut B::Gradients,
) -> ParamGrads<B::InnerBackend> {
    struct Collect<'a, B: AutodiffBackend> {
        grads: &'a mut B::Gradients,
        out: ParamGrads<B::InnerBackend>,
    }
    impl<B: AutodiffBackend> ModuleVisitor<B> for Collect<'_, B> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if let Some(g) = param.val().grad_remove(self.grads) {
                let n = g.dims().iter().product::<usize>();
                self.out.insert(param.id, g.reshape([n]));
            }
        }
    }
    let mut c = Collect {
        grads,
        out: HashMap::new(),
    };
    module.visit(&mut c);
    c.out
}

/// The ids of every float parameter of `module`.
pub fn param_ids<B: Backend, M: Module<B>>(module: &M) -> Vec<ParamId> {
    struct Ids(Vec<ParamId>);
    impl<B: Backend> ModuleVisitor<B> for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            self.0.push(param.id);
        }
    }
    let mut ids = Ids(Vec::new());
    module.visit(&mut ids);
    ids.0
}

/// `θ + Σ_k scale_k(id) · d_k(id)` for every parameter: each term is a direction and the
/// factor it gets for each parameter id (parameters absent from a direction, or with no
/// factor, are unchanged by that term). Keeps the autodiff graph: a step taken with this on
/// a tracked module can be differentiated through (second order).
pub fn shifted<B: Backend, M: Module<B>>(
    module: M,
    terms: &[(&ParamGrads<B>, &HashMap<ParamId, f64>)],
) -> M {
    struct Shift<'a, B: Backend> {
        terms: &'a [(&'a ParamGrads<B>, &'a HashMap<ParamId, f64>)],
    }
    impl<B: Backend> ModuleMapper<B> for Shift<'_, B> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            let id = param.id;
            let terms = self.terms;
            param.map(|t| {
                let dims = t.dims();
                let mut t = t;
                for (dir, scale) in terms {
                    if let (Some(d), Some(&s)) = (dir.get(&id), scale.get(&id)) {
                        if s != 0.0 {
                            t = t + d.clone().reshape(dims) * s;
                        }
                    }
                }
                t
            })
        }
    }
    module.map(&mut Shift { terms })
}

/// The same factor for every id in `ids`.
pub fn uniform_scale(ids: &[ParamId], scale: f64) -> HashMap<ParamId, f64> {
    ids.iter().map(|&id| (id, scale)).collect()
}

/// `a + s · b`, entry by entry (ids only in `b` count `a` as zero).
pub fn axpy<B: Backend>(a: &ParamGrads<B>, s: f64, b: &ParamGrads<B>) -> ParamGrads<B> {
    let mut out = a.clone();
    for (id, g) in b {
        let term = g.clone() * s;
        let v = match out.remove(id) {
            Some(x) => x + term,
            None => term,
        };
        out.insert(*id, v);
    }
    out
}

/// The entry-by-entry mean of some gradients (ids missing from one count as zero there).
pub fn mean_grads<'a, B: Backend + 'a>(
    all: impl ExactSizeIterator<Item = &'a ParamGrads<B>>,
) -> ParamGrads<B> {
    let n = all.len().max(1) as f64;
    all.fold(ParamGrads::new(), |acc, g| axpy(&acc, 1.0 / n, g))
}

/// `scale(id) · a(id)` entry by entry (ids without a factor are dropped).
pub fn scaled<B: Backend>(a: &ParamGrads<B>, scale: &HashMap<ParamId, f64>) -> ParamGrads<B> {
    a.iter()
        .filter_map(|(id, g)| scale.get(id).map(|&s| (*id, g.clone() * s)))
        .collect()
}

/// The entries of `g` for `ids` scaled together to Euclidean norm `max` when longer
/// (PyTorch's `clip_grad_norm_` over those parameters); the other entries are unchanged, and
/// so is everything when that norm is not a number.
pub(crate) fn clip_norm_of<B: Backend>(
    mut g: ParamGrads<B>,
    ids: &[ParamId],
    max: f64,
) -> ParamGrads<B> {
    let part: ParamGrads<B> = ids
        .iter()
        .filter_map(|id| g.remove(id).map(|t| (*id, t)))
        .collect();
    let n = norm(&part);
    let s = if max > 0.0 && n > max {
        max / (n + 1e-6)
    } else {
        1.0
    };
    g.extend(
        part.into_iter()
            .map(|(id, t)| (id, if s < 1.0 { t * s } else { t })),
    );
    g
}

/// The Euclidean norm over every entry, on the host: each tensor's sum of squares on the
/// device, read back together (one read on a GPU backend), added up in f64 in order.
pub fn norm<B: Backend>(a: &ParamGrads<B>) -> f64 {
    let sums: Vec<Tensor<B, 1>> = a.values().map(|g| g.clone().powi_scalar(2).sum()).collect();
    if sums.is_empty() {
        return 0.0;
    }
    Tensor::cat(sums, 0)
        .into_data()
        .convert::<f64>()
        .to_vec::<f64>()
        .map_or(f64::NAN, |v| v.iter().sum::<f64>())
        .sqrt()
}

/// A one-element tensor's value on the host (NaN if it cannot be read).
pub(crate) fn host_scalar<B: Backend>(t: Tensor<B, 1>) -> f64 {
    t.into_data()
        .convert::<f64>()
        .to_vec::<f64>()
        .ok()
        .and_then(|v| v.first().copied())
        .unwrap_or(f64::NAN)
}

/// Every factor negated: learning rates turned into descent factors for [`shifted`].
pub(crate) fn negated(scale: &HashMap<ParamId, f64>) -> HashMap<ParamId, f64> {
    scale.iter().map(|(id, s)| (*id, -s)).collect()
}
