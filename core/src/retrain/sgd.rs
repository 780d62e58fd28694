//! SGD with momentum and weight decay (PyTorch's `torch.optim.SGD`, the optimiser of DARTS'
//! and BASE's evaluation protocol), with its state as bytes for checkpoints.

use burn::module::{Module, ModuleMapper, Param};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use crate::learners::{moments_from_bytes, moments_to_bytes, OptimiserStateError, ParamGrads};

/// The momentum buffers of every parameter that has had a gradient.
#[derive(Clone, Debug)]
pub struct Sgd<B: Backend> {
    /// Momentum μ.
    pub momentum: f64,
    /// L2 weight decay λ (added to the gradient as λθ).
    pub weight_decay: f64,
    velocity: ParamGrads<B>,
}

impl<B: Backend> Sgd<B> {
    /// Fresh buffers.
    pub fn new(momentum: f64, weight_decay: f64) -> Self {
        Self {
            momentum,
            weight_decay,
            velocity: ParamGrads::new(),
        }
    }

    /// For every parameter with a gradient g: `d = g + λθ`, `v ← μv + d` (`v = d` the first
    /// time), `θ ← θ − lr · v`. The module's parameters become fresh tracked leaves.
    pub fn step<A, M>(&mut self, module: M, grads: &ParamGrads<B>, lr: f64) -> M
    where
        A: AutodiffBackend<InnerBackend = B>,
        M: Module<A>,
    {
        struct Step<'a, B: Backend> {
            sgd: &'a mut Sgd<B>,
            grads: &'a ParamGrads<B>,
            lr: f64,
        }
        impl<A: AutodiffBackend> ModuleMapper<A> for Step<'_, A::InnerBackend> {
            fn map_float<const D: usize>(
                &mut self,
                param: Param<Tensor<A, D>>,
            ) -> Param<Tensor<A, D>> {
                let Some(g) = self.grads.get(&param.id) else {
                    return param;
                };
                let id = param.id;
                let (mu, wd, lr) = (self.sgd.momentum, self.sgd.weight_decay, self.lr);
                let velocity = &mut self.sgd.velocity;
                param.map(|t| {
                    let dims = t.dims();
                    let theta = t.inner();
                    let n = dims.iter().product::<usize>();
                    let flat = theta.clone().reshape([n]);
                    let d = if wd != 0.0 {
                        g.clone() + flat * wd
                    } else {
                        g.clone()
                    };
                    let v = match velocity.remove(&id) {
                        Some(v) if mu != 0.0 => v * mu + d,
                        _ => d,
                    };
                    let next = theta - v.clone().reshape(dims) * lr;
                    velocity.insert(id, v);
                    Tensor::from_inner(next).require_grad()
                })
            }
        }
        module.map(&mut Step {
            sgd: self,
            grads,
            lr,
        })
    }

    /// The buffers as bytes, in the parameter order of `module`.
    pub fn to_bytes<M: Module<B>>(&self, module: &M) -> Vec<u8> {
        moments_to_bytes(module, &[&self.velocity])
    }

    /// Reads [`Sgd::to_bytes`] for `module` (same architecture).
    pub fn from_bytes<M: Module<B>>(
        bytes: &[u8],
        module: &M,
        momentum: f64,
        weight_decay: f64,
    ) -> Result<Self, OptimiserStateError> {
        let [velocity] = moments_from_bytes(bytes, module, 0)?;
        Ok(Self {
            momentum,
            weight_decay,
            velocity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::AutodiffModule;

    type Ad = crate::CpuAutodiff;
    type Cpu = crate::CpuBackend;

    #[derive(Module, Debug)]
    struct One<B: Backend> {
        w: Param<Tensor<B, 1>>,
    }

    fn value(m: &One<Ad>) -> Vec<f32> {
        m.w.val().into_data().to_vec::<f32>().unwrap()
    }

    #[test]
    fn matches_pytorch_sgd_by_hand() {
        // θ = 1, g = 2 both steps, μ = 0.9, λ = 0.1, lr = 0.5.
        // Step 1: d = 2 + 0.1 = 2.1, v = 2.1, θ = 1 - 1.05 = -0.05.
        // Step 2: d = 2 - 0.005 = 1.995, v = 1.89 + 1.995 = 3.885, θ = -0.05 - 1.9425.
        let device = Default::default();
        let mut m = One::<Ad> {
            w: Param::from_tensor(Tensor::from_floats([1.0], &device)),
        };
        let mut sgd = Sgd::<Cpu>::new(0.9, 0.1);
        for expect in [-0.05f32, -1.9925] {
            let grads: ParamGrads<Cpu> = [(m.w.id, Tensor::from_floats([2.0], &device))]
                .into_iter()
                .collect();
            m = sgd.step::<Ad, _>(m, &grads, 0.5);
            assert!((value(&m)[0] - expect).abs() < 1e-6, "{:?}", value(&m));
        }
        let inner: One<Cpu> = <One<Ad> as AutodiffModule<Ad>>::valid(&m);
        let bytes = sgd.to_bytes(&inner);
        let back = Sgd::<Cpu>::from_bytes(&bytes, &inner, 0.9, 0.1).unwrap();
        assert_eq!(back.to_bytes(&inner), bytes);
        assert!(Sgd::<Cpu>::from_bytes(&bytes[..bytes.len() - 1], &inner, 0.9, 0.1).is_err());
    }
}
