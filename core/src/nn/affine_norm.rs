//! The batch norm of evaluation networks (DARTS `affine=True`): a learned per-channel scale
//! and shift after [`super::batch_norm`], and running statistics that a network in evaluation
//! uses instead of the batch's.
//!
//! Search and meta-learning networks have no such part (their ops hold `None` for it) and
//! always use the batch's statistics; see [`super::layers`].

use burn::module::{Module, Param, RunningState};
use burn::prelude::*;

use super::layers::{batch_norm, BN_EPS};

/// Weight of the newest batch in the running statistics (PyTorch's default momentum).
pub const RUNNING_MOMENTUM: f64 = 0.1;

/// Scale γ, shift β and running mean and variance of one batch norm.
///
/// Training or evaluation follows the backend, as in Burn's own batch norm: a network on an
/// autodiff backend trains (the batch's statistics, which also update the running ones); the
/// same network on the inner backend (`valid()`) evaluates with the running statistics.
#[derive(Module, Debug)]
pub struct AffineNorm<B: Backend> {
    /// Scale γ per channel (starts at 1).
    pub gamma: Param<Tensor<B, 1>>,
    /// Shift β per channel (starts at 0).
    pub beta: Param<Tensor<B, 1>>,
    /// Running mean (starts at 0).
    pub running_mean: RunningState<Tensor<B, 1>>,
    /// Running unbiased variance (starts at 1).
    pub running_var: RunningState<Tensor<B, 1>>,
}

impl<B: Backend> AffineNorm<B> {
    /// A batch norm over `channels` channels.
    pub fn new(channels: usize, device: &B::Device) -> Self {
        Self {
            gamma: Param::from_tensor(Tensor::ones([channels], device)),
            beta: Param::from_tensor(Tensor::zeros([channels], device)),
            running_mean: RunningState::new(Tensor::zeros([channels], device)),
            running_var: RunningState::new(Tensor::ones([channels], device)),
        }
    }

    /// Normalises `x [n, c, h, w]` and applies γ and β.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let device = x.device();
        let normalised = if B::ad_enabled(&device) {
            self.update_running(&x);
            batch_norm(x)
        } else {
            let mean = self.running_mean.value().to_device(&device);
            let var = self.running_var.value().to_device(&device);
            (x - per_channel(mean)) / per_channel(var.add_scalar(BN_EPS).sqrt())
        };
        normalised * per_channel(self.gamma.val()) + per_channel(self.beta.val())
    }

    /// Folds the batch's mean and unbiased variance into the running statistics.
    fn update_running(&self, x: &Tensor<B, 4>) {
        let [n, c, h, w] = x.dims();
        let count = (n * h * w) as f64;
        let x = x.clone().detach().swap_dims(0, 1).reshape([c, n * h * w]);
        let mean = x.clone().mean_dim(1).reshape([c]);
        let centred = x - mean.clone().reshape([c, 1]);
        let unbiased = (count / (count - 1.0).max(1.0)) as f32;
        let var = centred.powi_scalar(2).mean_dim(1).reshape([c]) * unbiased;
        let keep = 1.0 - RUNNING_MOMENTUM;
        let new_mean = self.running_mean.value_sync() * keep + mean * RUNNING_MOMENTUM;
        let new_var = self.running_var.value_sync() * keep + var * RUNNING_MOMENTUM;
        self.running_mean.update(new_mean.detach());
        self.running_var.update(new_var.detach());
    }

    /// Learned values (γ and β), for parameter counts.
    pub fn num_learned(&self) -> usize {
        2 * self.gamma.val().dims()[0]
    }
}

/// `[c]` as `[1, c, 1, 1]`.
fn per_channel<B: Backend>(v: Tensor<B, 1>) -> Tensor<B, 4> {
    let [c] = v.dims();
    v.reshape([1, c, 1, 1])
}

/// Batch norm without (`None`) or with an affine part and running statistics.
pub fn normalise<B: Backend>(x: Tensor<B, 4>, affine: &Option<AffineNorm<B>>) -> Tensor<B, 4> {
    match affine {
        Some(norm) => norm.forward(x),
        None => batch_norm(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::AutodiffModule;

    type B = crate::CpuBackend;
    type A = crate::CpuAutodiff;

    fn values<Bk: Backend, const D: usize>(t: Tensor<Bk, D>) -> Vec<f32> {
        t.into_data().convert::<f32>().to_vec::<f32>().unwrap()
    }

    /// One channel holding 1, 2, 3, 4 (mean 2.5, biased variance 1.25, unbiased 5/3), one
    /// holding 10 everywhere.
    fn batch<Bk: Backend>() -> Tensor<Bk, 4> {
        let v = vec![1.0, 2.0, 10.0, 10.0, 3.0, 4.0, 10.0, 10.0];
        Tensor::from_data(TensorData::new(v, [2, 2, 1, 2]), &Default::default())
    }

    #[test]
    fn training_uses_the_batch_and_moves_the_running_statistics() {
        let norm = AffineNorm::<A>::new(2, &Default::default());
        let norm = AffineNorm {
            gamma: Param::from_tensor(Tensor::from_floats([2.0, 1.0], &Default::default())),
            beta: Param::from_tensor(Tensor::from_floats([0.5, -1.0], &Default::default())),
            ..norm
        };
        let y = values(norm.forward(batch::<A>()));
        let z = |v: f32| (v - 2.5) / (1.25f32 + 1e-5).sqrt();
        // Channel 0 at [n][0][0][w]: 1, 2 then 3, 4.
        for (got, x) in [(y[0], 1.0), (y[1], 2.0), (y[4], 3.0), (y[5], 4.0)] {
            assert!((got - (2.0 * z(x) + 0.5)).abs() < 1e-4, "{y:?}");
        }
        assert!((y[2] + 1.0).abs() < 1e-4, "constant channel gives β: {y:?}");
        let mean = values(norm.running_mean.value_sync());
        let var = values(norm.running_var.value_sync());
        assert!((mean[0] - 0.25).abs() < 1e-6 && (mean[1] - 1.0).abs() < 1e-6);
        assert!((var[0] - (0.9 + 0.1 * 5.0 / 3.0)).abs() < 1e-5 && (var[1] - 0.9).abs() < 1e-6);
    }

    #[test]
    fn evaluation_uses_the_running_statistics() {
        let norm = AffineNorm::<A>::new(2, &Default::default());
        let _ = norm.forward(batch::<A>());
        let eval: AffineNorm<B> = norm.valid();
        let x = Tensor::<B, 4>::from_data(
            TensorData::new(vec![0.25f32, 1.25, 1.0, 1.0], [1, 2, 1, 2]),
            &Default::default(),
        );
        let y = values(eval.forward(x));
        let sd0 = (0.9f32 + 0.1 * 5.0 / 3.0 + 1e-5).sqrt();
        assert!(
            y[0].abs() < 1e-6 && (y[1] - 1.0 / sd0).abs() < 1e-5,
            "{y:?}"
        );
        assert!(y[2].abs() < 1e-6 && y[3].abs() < 1e-6, "{y:?}");
    }
}
