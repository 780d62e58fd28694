//! The small deterministic layers of M-NAS's task encoder, controller and modulator: a dense
//! layer written as a matmul (Burn 0.21's `nn::Linear` has no nested-autodiff backward, and
//! these layers must draw their initial values from the learner's seed) and a GRU cell.

use burn::module::{Module, Param};
use burn::prelude::*;

use crate::rng::SeededRng;

/// The logistic function 1 / (1 + e^−x), in the tensor's own precision (Burn 0.21's
/// `activation::sigmoid` computes in f32 even on f64 backends, which spoils f64 gradient
/// checks).
pub fn logistic<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    (x.neg().exp() + 1.0).recip()
}

/// `y = x W + b`, W `[inputs, outputs]`.
#[derive(Module, Debug)]
pub struct Dense<B: Backend> {
    /// Weights `[inputs, outputs]`.
    pub weight: Param<Tensor<B, 2>>,
    /// Bias `[outputs]`.
    pub bias: Param<Tensor<B, 1>>,
}

impl<B: Backend> Dense<B> {
    /// Weights uniform in ±`scale`/√inputs (PyTorch's default with scale 1), zero bias.
    pub fn new(
        inputs: usize,
        outputs: usize,
        scale: f64,
        rng: &mut SeededRng,
        device: &B::Device,
    ) -> Self {
        let bound = scale / (inputs.max(1) as f64).sqrt();
        let w = rng.symmetric_vec(inputs * outputs, bound);
        Self {
            weight: Param::from_tensor(Tensor::from_data(
                TensorData::new(w, [inputs, outputs]),
                device,
            )),
            bias: Param::from_tensor(Tensor::zeros([outputs], device)),
        }
    }

    /// `x W + b` for `x` of shape `[n, inputs]`.
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        x.matmul(self.weight.val()) + self.bias.val().unsqueeze_dim(0)
    }
}

/// A GRU cell (the PyTorch gate layout):
/// r = σ(W_ir x + W_hr h), u = σ(W_iu x + W_hu h), n = tanh(W_in x + r ⊙ (W_hn h)),
/// h' = (1 − u) ⊙ n + u ⊙ h, each product with its bias.
#[derive(Module, Debug)]
pub struct GruCell<B: Backend> {
    /// Input to the three gates `[inputs, 3 hidden]` (r, u, n).
    pub input: Dense<B>,
    /// State to the three gates `[hidden, 3 hidden]`.
    pub state: Dense<B>,
    /// State size.
    pub hidden: usize,
}

impl<B: Backend> GruCell<B> {
    /// A cell with PyTorch's initial range ±1/√hidden.
    pub fn new(inputs: usize, hidden: usize, rng: &mut SeededRng, device: &B::Device) -> Self {
        let scale = (inputs.max(1) as f64 / hidden.max(1) as f64).sqrt();
        Self {
            input: Dense::new(inputs, 3 * hidden, scale, rng, device),
            state: Dense::new(hidden, 3 * hidden, 1.0, rng, device),
            hidden,
        }
    }

    /// The next state for inputs `x` `[n, inputs]` and states `h` `[n, hidden]`.
    pub fn step(&self, x: Tensor<B, 2>, h: Tensor<B, 2>) -> Tensor<B, 2> {
        let hd = self.hidden;
        let gi = self.input.forward(x);
        let gh = self.state.forward(h.clone());
        let n = gi.dims()[0];
        let part = |t: &Tensor<B, 2>, k: usize| t.clone().slice([0..n, k * hd..(k + 1) * hd]);
        let r = logistic(part(&gi, 0) + part(&gh, 0));
        let u = logistic(part(&gi, 1) + part(&gh, 1));
        let c = (part(&gi, 2) + r * part(&gh, 2)).tanh();
        (u.clone().neg() + 1.0) * c + u * h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CpuBackend;

    #[test]
    fn gru_step_matches_the_gate_equations_by_hand() {
        // One input, one state unit: every weight and bias set by hand.
        let device = Default::default();
        let mut cell = GruCell::<CpuBackend>::new(1, 1, &mut SeededRng::new(0), &device);
        let set = |v: &[f32]| {
            Param::from_tensor(Tensor::from_data(
                TensorData::new(v.to_vec(), [1, 3]),
                &device,
            ))
        };
        let bias = |v: &[f32]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(v.to_vec(), [3]), &device))
        };
        cell.input.weight = set(&[0.5, -1.0, 2.0]);
        cell.input.bias = bias(&[0.1, 0.0, -0.2]);
        cell.state.weight = set(&[1.5, 0.3, -0.7]);
        cell.state.bias = bias(&[0.0, 0.2, 0.4]);
        let (x, h) = (0.8f64, -0.6f64);
        let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
        let r = sig(0.5 * x + 0.1 + 1.5 * h);
        let u = sig(-x + 0.3 * h + 0.2);
        let n = (2.0 * x - 0.2 + r * (-0.7 * h + 0.4)).tanh();
        let expect = (1.0 - u) * n + u * h;
        let got = cell
            .step(
                Tensor::from_data(TensorData::new(vec![x as f32], [1, 1]), &device),
                Tensor::from_data(TensorData::new(vec![h as f32], [1, 1]), &device),
            )
            .into_data()
            .convert::<f32>()
            .to_vec::<f32>()
            .unwrap()[0];
        assert!((got as f64 - expect).abs() < 1e-6, "{got} vs {expect}");
    }
}
