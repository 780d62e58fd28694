//! M-NAS's meta-parameters Θ = (W_E, W_A, W_M, w̃) (paper 003, eq. 9) and how one task's
//! starting point (α_i, w̃_i = τ_i ⊙ w̃) is generated from them, on any backend: on the
//! plain backend to run the inner loop, on the autodiff backend to carry the meta-gradient
//! back to Θ.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::config::{MnasConfig, MnasVariant};
use super::encoder::{pair_width, TaskEncoder};
use super::layers::{logistic, Dense};
use crate::posterior::{ArchLogits, Posterior};
use crate::rng::SeededRng;
use crate::space::SearchSpace;

/// The task-aware architecture controller A: an MLP from z to a change of the logits.
#[derive(Module, Debug)]
pub struct Controller<B: Backend> {
    /// z → hidden (ReLU).
    pub hidden: Dense<B>,
    /// hidden → one value per (edge, op) of the normal then the reduction table; starts at
    /// zero, so every task starts from the shared logits.
    pub out: Dense<B>,
}

/// Θ: the supernet's meta-weights w̃ and shared logits (the controller's bias, or M-NAS-Shared's
/// free α), the task encoder, the controller and the modulator.
#[derive(Module, Debug)]
pub struct MnasParams<B: Backend> {
    /// w̃ (the means; σ is unused) and the shared logits.
    pub meta: Posterior<B>,
    /// F, GRU encoder and decoder.
    pub encoder: TaskEncoder<B>,
    /// A (absent in M-NAS-Shared).
    pub controller: Option<Controller<B>>,
    /// M: z → one value per meta-weight, τ = 2 σ(M z) (absent in M-NAS-NM). Starts at zero
    /// weights, so τ = 1 until it learns otherwise.
    pub modulator: Option<Dense<B>>,
}

/// One task's starting point and reconstruction loss.
pub struct TaskStart<B: Backend> {
    /// (α_i, τ_i ⊙ w̃) with the parameter ids of Θ's meta-network.
    pub start: Posterior<B>,
    /// Eq. 5.
    pub recon: Tensor<B, 1>,
}

fn weight_count<B: Backend>(meta: &Posterior<B>) -> usize {
    crate::posterior::GaussianTensors::of(&meta.net).mu.dims()[0]
}

impl<B: Backend> MnasParams<B> {
    /// Fresh parameters for a validated space.
    pub fn new(space: &SearchSpace, config: &MnasConfig, device: &B::Device) -> Self {
        let meta = Posterior::new(space, config.init, device);
        let mut rng = SeededRng::new(crate::learners::splitmix64(config.seed ^ 0x3a5));
        let encoder = TaskEncoder::new(
            pair_width(space),
            config.embed_dim,
            config.task_dim,
            &mut rng,
            device,
        );
        let tables = 1 + usize::from(space.has_reduce());
        let logits = tables * space.num_edges() * space.ops.len();
        let controller = config.variant.has_controller().then(|| Controller {
            hidden: Dense::new(
                config.task_dim,
                config.controller_hidden,
                1.0,
                &mut rng,
                device,
            ),
            out: Dense::new(config.controller_hidden, logits, 0.0, &mut rng, device),
        });
        let modulator = config
            .variant
            .has_modulator()
            .then(|| Dense::new(config.task_dim, weight_count(&meta), 0.0, &mut rng, device));
        Self {
            meta,
            encoder,
            controller,
            modulator,
        }
    }

    /// The variant these parameters belong to.
    pub fn variant(&self) -> MnasVariant {
        match (self.controller.is_some(), self.modulator.is_some()) {
            (false, _) => MnasVariant::Shared,
            (true, false) => MnasVariant::NoModulation,
            (true, true) => MnasVariant::Full,
        }
    }

    /// τ_i = 2 σ(M z) `[weights]`, when there is a modulator.
    pub fn modulation(&self, z: Tensor<B, 2>) -> Option<Tensor<B, 1>> {
        self.modulator.as_ref().map(|m| {
            let t = logistic(m.forward(z)) * 2.0;
            let n = t.dims()[1];
            t.reshape([n])
        })
    }

    /// The starting point of a task whose F inputs, in encoder order, are `rows`. Ops listed
    /// in `dropped` (normal, reduce flags by `edge * ops + op`) are switched off.
    pub fn task_start(
        &self,
        rows: &[Vec<f32>],
        dropped: Option<&(Vec<bool>, Vec<bool>)>,
    ) -> TaskStart<B> {
        let device = self.meta.arch.normal.val().device();
        let (z, recon) = self.encoder.encode(rows, &device);
        let mut start = self.meta.clone();
        if let Some(c) = &self.controller {
            let delta = c.out.forward(relu(c.hidden.forward(z.clone())));
            start.arch = shifted_logits(start.arch, delta);
        }
        if let Some(tau) = self.modulation(z) {
            start.net = modulated(start.net, tau);
        }
        if let Some((normal, reduce)) = dropped {
            switch_off(&mut start.arch.dead_normal, normal);
            switch_off(&mut start.arch.dead_reduce, reduce);
        }
        TaskStart { start, recon }
    }
}

fn switch_off(dead: &mut [bool], dropped: &[bool]) {
    for (d, &x) in dead.iter_mut().zip(dropped) {
        *d |= x;
    }
}

/// The logits plus `delta` `[1, normal + reduce entries]`, ids kept.
fn shifted_logits<B: Backend>(arch: ArchLogits<B>, delta: Tensor<B, 2>) -> ArchLogits<B> {
    let [edges, ops] = arch.normal.val().dims();
    let n = edges * ops;
    let total = delta.dims()[1];
    let part = |from: usize| {
        delta
            .clone()
            .slice([0..1, from..from + n])
            .reshape([edges, ops])
    };
    let normal_delta = part(0);
    let reduce_delta = (total >= 2 * n).then(|| part(n));
    ArchLogits {
        normal: arch.normal.map(|t| t + normal_delta),
        reduce: match (arch.reduce, reduce_delta) {
            (Some(r), Some(d)) => Some(r.map(|t| t + d)),
            (r, _) => r,
        },
        dead_normal: arch.dead_normal,
        dead_reduce: arch.dead_reduce,
    }
}

/// Every weight mean μ_k of `module` multiplied by τ_k (τ in the order the means are visited,
/// as [`crate::posterior::GaussianTensors`] collects them); σ untouched, ids kept.
pub fn modulated<B: Backend, M: Module<B>>(module: M, tau: Tensor<B, 1>) -> M {
    struct Modulate<B: Backend> {
        tau: Tensor<B, 1>,
        offset: usize,
        path: Vec<String>,
    }
    impl<B: Backend> ModuleMapper<B> for Modulate<B> {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
            if self.path.last().map(String::as_str) != Some("mu") {
                return param;
            }
            let shape = param.val().dims();
            let n: usize = shape.iter().product();
            let factor = self.tau.clone().narrow(0, self.offset, n).reshape(shape);
            self.offset += n;
            param.map(|t| t * factor)
        }
    }
    module.map(&mut Modulate {
        tau,
        offset: 0,
        path: Vec::new(),
    })
}

/// `Σ_id ⟨g(id), θ(id)⟩` over the parameters of `module` that `g` has: the surrogate whose
/// gradient carries a cotangent `g` on the module's values back to whatever produced them.
pub fn dot_with<B: Backend, M: Module<B>>(
    module: &M,
    g: &HashMap<ParamId, Tensor<B, 1>>,
    device: &B::Device,
) -> Tensor<B, 1> {
    struct Dot<'a, B: Backend> {
        g: &'a HashMap<ParamId, Tensor<B, 1>>,
        total: Option<Tensor<B, 1>>,
    }
    impl<B: Backend> ModuleVisitor<B> for Dot<'_, B> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            if let Some(g) = self.g.get(&param.id) {
                let t = param.val();
                let n = t.dims().iter().product::<usize>();
                let term = (t.reshape([n]) * g.clone()).sum();
                self.total = Some(match self.total.take() {
                    Some(s) => s + term,
                    None => term,
                });
            }
        }
    }
    let mut dot = Dot { g, total: None };
    module.visit(&mut dot);
    dot.total.unwrap_or_else(|| Tensor::zeros([1], device))
}

/// Path dropout: each live op of each edge dropped with probability `p`, unless that would
/// leave the edge without a live op. Flags by `edge * ops + op`, normal then reduce.
pub fn path_dropout<B: Backend>(
    arch: &ArchLogits<B>,
    ops: usize,
    p: f64,
    rng: &mut SeededRng,
) -> (Vec<bool>, Vec<bool>) {
    let mut table = |dead: &[bool]| -> Vec<bool> {
        let mut out = vec![false; dead.len()];
        for (edge, row) in dead.chunks(ops.max(1)).enumerate() {
            let draws: Vec<bool> = row.iter().map(|&d| !d && rng.uniform() < p).collect();
            let survivors = row.iter().zip(&draws).filter(|(&d, &x)| !d && !x).count();
            if survivors > 0 {
                out[edge * ops..edge * ops + row.len()].copy_from_slice(&draws);
            }
        }
        out
    };
    let normal = table(&arch.dead_normal);
    let reduce = table(&arch.dead_reduce);
    (normal, reduce)
}
