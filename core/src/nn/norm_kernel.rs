//! Batch norm without affine parameters on plain `f32` buffers (NCHW), forward and
//! backward, as a [`CpuKernel`] for [`super::layers::batch_norm`]. Statistics are summed in
//! lanes per plane ([`super::lanes`]) and in `f64` across planes, one channel per thread in
//! a fixed order.

use rayon::prelude::*;

use super::cpu_kernel::CpuKernel;
use super::lanes;
use super::simd::vectorized;

/// Batch norm over `[n, c, h, w]` with statistics of the batch, epsilon `eps`.
#[derive(Clone, Copy, Debug)]
pub struct BatchNorm {
    /// Input shape.
    pub shape: [usize; 4],
    /// Added to the variance.
    pub eps: f64,
}

impl BatchNorm {
    /// The indices of the planes of channel `ch`.
    fn planes(&self, ch: usize) -> impl Iterator<Item = usize> {
        let [n, c, _, _] = self.shape;
        (0..n).map(move |b| b * c + ch)
    }

    fn plane(&self) -> usize {
        self.shape[2] * self.shape[3]
    }

    /// Per channel: the mean and 1 / sqrt(variance + eps) of `x`.
    fn stats(&self, x: &[f32]) -> Vec<(f32, f32)> {
        let [n, c, _, _] = self.shape;
        let p = self.plane();
        let count = (n * p).max(1) as f64;
        (0..c)
            .into_par_iter()
            .map(|ch| {
                vectorized(
                    #[inline(always)]
                    || {
                        let plane = |q: usize| &x[q * p..(q + 1) * p];
                        let sum: f64 = self
                            .planes(ch)
                            .map(|q| f64::from(lanes::sum(plane(q))))
                            .sum();
                        let mean = (sum / count) as f32;
                        let var = self
                            .planes(ch)
                            .map(|q| f64::from(lanes::sum_sq_dev(plane(q), mean)))
                            .sum::<f64>()
                            / count;
                        (mean, (1.0 / (var + self.eps).sqrt()) as f32)
                    },
                )
            })
            .collect()
    }
}

impl CpuKernel<1> for BatchNorm {
    /// Per channel: mean and inverse standard deviation.
    type Saved = Vec<(f32, f32)>;

    fn forward(&self, [x]: [&[f32]; 1]) -> (Vec<f32>, [usize; 4], Self::Saved) {
        let stats = self.stats(x);
        let [_, c, _, _] = self.shape;
        let p = self.plane();
        let mut y = vec![0.0f32; x.len()];
        if p > 0 {
            y.par_chunks_mut(p).enumerate().for_each(|(q, out)| {
                vectorized(
                    #[inline(always)]
                    || {
                        let (mean, inv) = stats[q % c];
                        for (o, &v) in out.iter_mut().zip(&x[q * p..(q + 1) * p]) {
                            *o = (v - mean) * inv;
                        }
                    },
                )
            });
        }
        (y, self.shape, stats)
    }

    fn backward(
        &self,
        [x]: [&[f32]; 1],
        stats: &Self::Saved,
        grad: &[f32],
        [want]: [bool; 1],
    ) -> [Option<Vec<f32>>; 1] {
        let [n, c, _, _] = self.shape;
        let p = self.plane();
        let count = (n * p).max(1) as f64;
        [want.then(|| {
            // Per channel: mean of the gradient and of gradient × normalised input.
            let means: Vec<(f32, f32)> = (0..c)
                .into_par_iter()
                .map(|ch| {
                    vectorized(
                        #[inline(always)]
                        || {
                            let (mean, inv) = stats[ch];
                            let (mut g_sum, mut gy_sum) = (0.0f64, 0.0f64);
                            for q in self.planes(ch) {
                                let (g, v) = (&grad[q * p..(q + 1) * p], &x[q * p..(q + 1) * p]);
                                g_sum += f64::from(lanes::sum(g));
                                gy_sum += f64::from(lanes::dot_centred(g, v, mean));
                            }
                            let gy_sum = gy_sum * f64::from(inv);
                            ((g_sum / count) as f32, (gy_sum / count) as f32)
                        },
                    )
                })
                .collect();
            let mut dx = vec![0.0f32; x.len()];
            if p > 0 {
                dx.par_chunks_mut(p).enumerate().for_each(|(q, out)| {
                    vectorized(
                        #[inline(always)]
                        || {
                            let (mean, inv) = stats[q % c];
                            let (g_mean, gy_mean) = means[q % c];
                            let range = q * p..(q + 1) * p;
                            for ((o, &gv), &v) in
                                out.iter_mut().zip(&grad[range.clone()]).zip(&x[range])
                            {
                                *o = inv * (gv - g_mean - (v - mean) * inv * gy_mean);
                            }
                        },
                    )
                });
            }
            dx
        })]
    }
}
