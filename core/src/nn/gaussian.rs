//! Gaussian weights ψ = (μ, σ) with the reparameterised sample θ = μ + ε·σ (BASE eq. 9).

use std::any::Any;
use std::sync::Arc;

use burn::module::{Module, Param};
use burn::prelude::*;
use burn::tensor::activation::softplus;

use crate::rng::SeededRng;

/// Whether a forward pass uses the posterior mean of the weights or a reparameterised sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightMode {
    /// θ = μ (evaluation, deterministic).
    Mean,
    /// θ = μ + ε·σ with ε ~ N(0, I) drawn from the sampler's seeded stream.
    Sample,
}

/// Draws the random parts of one forward pass: the weight noise ε, and the drop-path masks
/// of an evaluation network in training.
#[derive(Clone, Debug)]
pub struct WeightSampler {
    /// Mean or sample.
    pub mode: WeightMode,
    rng: SeededRng,
    /// Probability that an op's output is dropped for a sample (drop-path; 0 = never).
    drop_path: f64,
    /// Noise drawn ahead and uploaded as one buffer ([`Self::prefetch_noise`]).
    bank: Option<NoiseBank>,
}

/// Noise drawn ahead from a sampler's stream: the values on the host, and the same values
/// as one tensor on a device, handed out in order.
#[derive(Clone)]
struct NoiseBank {
    host: Arc<Vec<f32>>,
    /// A `Tensor<B, 1>` of `host` on the device it was uploaded to.
    device: Arc<dyn Any + Send + Sync>,
    /// The first value not handed out yet.
    next: usize,
}

impl std::fmt::Debug for NoiseBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoiseBank")
            .field("values", &self.host.len())
            .field("next", &self.next)
            .finish()
    }
}

impl WeightSampler {
    /// A sampler in `mode` seeded by `seed`.
    pub fn new(mode: WeightMode, seed: u64) -> Self {
        Self {
            mode,
            rng: SeededRng::new(seed),
            drop_path: 0.0,
            bank: None,
        }
    }

    /// This sampler dropping each op's output of a fixed network for a sample with probability
    /// `p` (DARTS' drop-path, Larsson et al. 2017), drawn from the same seeded stream.
    pub fn with_drop_path(mut self, p: f64) -> Self {
        self.drop_path = p.clamp(0.0, 1.0);
        self
    }

    /// `y [n, ...]` with each sample's values zeroed with the drop-path probability p and the
    /// rest divided by 1 - p (so the expectation is unchanged); `y` itself when p is 0.
    pub fn drop_path<B: Backend>(&mut self, y: Tensor<B, 4>) -> Tensor<B, 4> {
        let p = self.drop_path;
        if p <= 0.0 {
            return y;
        }
        let keep = 1.0 - p;
        let n = y.dims()[0];
        let mask: Vec<f32> = (0..n)
            .map(|_| {
                if self.rng.uniform() < keep {
                    (1.0 / keep) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let mask = Tensor::<B, 4>::from_data(TensorData::new(mask, [n, 1, 1, 1]), &y.device());
        y * mask
    }

    /// A sampler that always uses the mean (draws nothing).
    pub fn mean() -> Self {
        Self::new(WeightMode::Mean, 0)
    }

    /// Draws the noise of the next `count` weight values now and uploads it to `device` as
    /// one tensor; the weights that ask for noise next get slices of it, in order (a GPU
    /// backend then uploads once per forward pass instead of once per weight tensor). The
    /// values are the ones the weights would have drawn one by one, to the bit: the stream is
    /// read in the same order, a weight that needs more than is left gets the rest and then
    /// draws on, and values drawn ahead and not asked for are never used (a sampler serves
    /// one forward pass). Nothing is drawn ahead for the mean or with drop-path, whose draws
    /// interleave with the noise.
    pub fn prefetch_noise<B: Backend>(&mut self, count: usize, device: &B::Device) {
        if self.mode != WeightMode::Sample || self.drop_path > 0.0 || count == 0 {
            return;
        }
        let host = self.rng.normal_vec(count);
        let tensor = Tensor::<B, 1>::from_data(TensorData::new(host.clone(), [count]), device);
        self.bank = Some(NoiseBank {
            host: Arc::new(host),
            device: Arc::new(tensor),
            next: 0,
        });
    }

    fn noise<B: Backend, const D: usize>(
        &mut self,
        shape: [usize; D],
        device: &B::Device,
    ) -> Tensor<B, D> {
        let n: usize = shape.iter().product();
        if let Some(bank) = &mut self.bank {
            let start = bank.next;
            let left = bank.host.len() - start;
            if n <= left {
                if let Some(t) = bank.device.downcast_ref::<Tensor<B, 1>>() {
                    if t.device() == *device {
                        bank.next += n;
                        return t.clone().narrow(0, start, n).reshape(shape);
                    }
                }
            }
            // The rest of the bank, then the stream (or the bank's values from the host,
            // when they are on another device).
            let take = n.min(left);
            let mut values = bank.host[start..start + take].to_vec();
            bank.next += take;
            values.extend(self.rng.normal_vec(n - take));
            return Tensor::from_data(TensorData::new(values, shape), device);
        }
        Tensor::from_data(TensorData::new(self.rng.normal_vec(n), shape), device)
    }
}

/// Softplus inverse: the ρ for which softplus(ρ) = σ.
pub fn rho_for_sigma(sigma: f64) -> f64 {
    // ln(exp(σ) − 1), written to stay accurate for small σ.
    sigma + (-(-sigma).exp_m1()).ln()
}

/// A tensor of Gaussian weights: mean `mu` and scale σ = softplus(`rho`).
#[derive(Module, Debug)]
pub struct GaussianParam<B: Backend, const D: usize> {
    /// Posterior mean μ.
    pub mu: Param<Tensor<B, D>>,
    /// Unconstrained scale parameter; σ = softplus(ρ) = ln(1 + e^ρ).
    pub rho: Param<Tensor<B, D>>,
}

impl<B: Backend, const D: usize> GaussianParam<B, D> {
    /// Means drawn uniformly in [-bound, bound) from `rng` (PyTorch's default conv/linear
    /// init uses bound = 1/sqrt(fan_in)), scales all equal to `sigma`.
    pub fn init_uniform(
        shape: [usize; D],
        bound: f64,
        sigma: f64,
        rng: &mut SeededRng,
        device: &B::Device,
    ) -> Self {
        let n: usize = shape.iter().product();
        let mu = Tensor::from_data(TensorData::new(rng.symmetric_vec(n, bound), shape), device);
        let rho = Tensor::full(shape, rho_for_sigma(sigma), device);
        Self {
            mu: Param::from_tensor(mu),
            rho: Param::from_tensor(rho),
        }
    }

    /// The scale σ = softplus(ρ).
    pub fn sigma(&self) -> Tensor<B, D> {
        softplus(self.rho.val(), 1.0)
    }

    /// θ: the mean, or μ + ε·σ, as the sampler says.
    pub fn sample(&self, sampler: &mut WeightSampler) -> Tensor<B, D> {
        match sampler.mode {
            WeightMode::Mean => self.mu.val(),
            WeightMode::Sample => {
                let mu = self.mu.val();
                let eps = sampler.noise::<B, D>(mu.dims(), &mu.device());
                mu + eps * self.sigma()
            }
        }
    }

    /// Number of weights (entries of μ).
    pub fn numel(&self) -> usize {
        self.mu.val().dims().iter().product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::NdArray;

    type B = NdArray<f32>;

    #[test]
    fn drop_path_zeroes_whole_samples_and_rescales_the_rest() {
        let device = Default::default();
        let y = Tensor::<B, 4>::ones([400, 2, 3, 3], &device);
        let mut off = WeightSampler::mean();
        assert_eq!(off.drop_path(y.clone()).to_data(), y.to_data());
        let mut sampler = WeightSampler::mean().with_drop_path(0.25);
        let out = sampler.drop_path(y).into_data().to_vec::<f32>().unwrap();
        let mut dropped = 0;
        for sample in out.chunks(18) {
            // Every value of a sample is the same: 0, or 1 / 0.75.
            assert!(sample.iter().all(|&v| v == sample[0]), "{sample:?}");
            if sample[0] == 0.0 {
                dropped += 1;
            } else {
                assert!((sample[0] - 4.0 / 3.0).abs() < 1e-6);
            }
        }
        // 100 expected of 400; the binomial's sd is about 8.7.
        assert!((60..=140).contains(&dropped), "{dropped} dropped");
    }

    /// Samples of several weight tensors, drawn one by one or from noise drawn ahead.
    fn samples(prefetch: Option<usize>) -> Vec<Vec<f32>> {
        let device = Default::default();
        let mut rng = SeededRng::new(3);
        let params: Vec<GaussianParam<B, 2>> = [[2, 3], [4, 1], [1, 5]]
            .iter()
            .map(|&shape| GaussianParam::init_uniform(shape, 0.5, 0.2, &mut rng, &device))
            .collect();
        let mut sampler = WeightSampler::new(WeightMode::Sample, 21);
        if let Some(count) = prefetch {
            sampler.prefetch_noise::<B>(count, &device);
        }
        params
            .iter()
            .map(|p| p.sample(&mut sampler).into_data().to_vec::<f32>().unwrap())
            .collect()
    }

    #[test]
    fn noise_drawn_ahead_is_the_noise_drawn_one_by_one() {
        let one_by_one = samples(None);
        // 15 values are asked for: exactly, too many, and running out inside the second
        // tensor (6 + 4 values) and at a tensor's end.
        for count in [15, 40, 8, 6, 1] {
            assert_eq!(samples(Some(count)), one_by_one, "{count} drawn ahead");
        }
        // And it is noise: the three tensors differ from their means.
        let mean = {
            let device = Default::default();
            let mut rng = SeededRng::new(3);
            let p = GaussianParam::<B, 2>::init_uniform([2, 3], 0.5, 0.2, &mut rng, &device);
            p.mu.val().into_data().to_vec::<f32>().unwrap()
        };
        assert_ne!(one_by_one[0], mean);
    }

    #[test]
    fn rho_inverts_softplus() {
        for sigma in [1e-4, 1e-2, 0.5, 3.0] {
            let rho = rho_for_sigma(sigma);
            let back = (1.0 + rho.exp()).ln();
            assert!(
                (back - sigma).abs() < 1e-9 * sigma.max(1.0),
                "{sigma} {back}"
            );
        }
    }

    #[test]
    fn sample_is_mean_plus_scaled_noise() {
        let device = Default::default();
        let p = GaussianParam::<B, 1>::init_uniform([4], 0.5, 0.1, &mut SeededRng::new(0), &device);
        let mean = p.sample(&mut WeightSampler::mean());
        assert_eq!(mean.to_data(), p.mu.val().to_data());
        let theta = p.sample(&mut WeightSampler::new(WeightMode::Sample, 9));
        // The same noise, drawn independently: θ = μ + 0.1 ε.
        let eps = SeededRng::new(9).normal_vec(4);
        let mu = p.mu.val().into_data().to_vec::<f32>().unwrap();
        let got = theta.into_data().to_vec::<f32>().unwrap();
        for i in 0..4 {
            assert!((got[i] - (mu[i] + 0.1 * eps[i])).abs() < 1e-6);
        }
    }
}
