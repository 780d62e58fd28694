//! 1x1 convolution (any stride, no padding) on plain `f32` buffers (NCHW), optionally of
//! `relu(x)`: forward and the gradients with respect to the input and to the kernel, as a
//! [`CpuKernel`] for [`super::conv::conv1x1`].
//!
//! Every separable and dilated op of the search cells ends in a 1x1 convolution and every
//! cell starts with two; as a batched matrix product through Burn they cost a permuted copy
//! of the kernel, a broadcast over the batch and, backward, products with transposed copies.
//! Here each image is a handful of multiply-adds over whole planes. Images run in parallel;
//! the kernel's gradient is summed over the images in a fixed order, so the results are the
//! same from run to run.

use rayon::prelude::*;

use super::cpu_kernel::CpuKernel;
use super::lanes::{self, accumulate};
use super::simd::vectorized;

/// 1x1 convolution of `x [n, c, h, w]` (or `relu(x)`) by `weight [o, c, 1, 1]`.
#[derive(Clone, Copy, Debug)]
pub struct Pointwise {
    /// Input shape `[n, c, h, w]`.
    pub shape: [usize; 4],
    /// Output channels `o`.
    pub out_channels: usize,
    /// Stride (h, w).
    pub stride: [usize; 2],
    /// Convolve `relu(x)` instead of `x`.
    pub relu: bool,
}

impl Pointwise {
    /// Output height and width.
    pub fn out_hw(&self) -> [usize; 2] {
        let [_, _, h, w] = self.shape;
        let [sh, sw] = self.stride.map(|s| s.max(1));
        [h.div_ceil(sh), w.div_ceil(sw)]
    }

    /// The input planes of image `b` at the output positions (strided), through the ReLU:
    /// `[c, ho·wo]`.
    #[inline(always)]
    fn sampled(&self, x: &[f32], b: usize, into: &mut Vec<f32>) {
        let [_, c, h, w] = self.shape;
        let [sh, sw] = self.stride.map(|s| s.max(1));
        let [ho, wo] = self.out_hw();
        into.clear();
        into.reserve(c * ho * wo);
        let image = &x[b * c * h * w..(b + 1) * c * h * w];
        if [sh, sw] == [1, 1] {
            // Every position: one pass over the image that the compiler vectorizes (a
            // stepping iterator takes one value at a time).
            if self.relu {
                into.extend(image.iter().map(|v| v.max(0.0)));
            } else {
                into.extend_from_slice(image);
            }
            return;
        }
        for plane in image.chunks_exact((h * w).max(1)).take(c) {
            for row in plane.chunks_exact(w.max(1)).step_by(sh).take(ho) {
                let values = row.iter().step_by(sw).take(wo);
                if self.relu {
                    into.extend(values.map(|v| v.max(0.0)));
                } else {
                    into.extend(values);
                }
            }
        }
    }
}

impl CpuKernel<2> for Pointwise {
    type Saved = ();

    fn forward(&self, [x, weight]: [&[f32]; 2]) -> (Vec<f32>, [usize; 4], ()) {
        let [n, c, _, _] = self.shape;
        let o = self.out_channels;
        let [ho, wo] = self.out_hw();
        let p = ho * wo;
        let mut y = vec![0.0f32; n * o * p];
        if p > 0 && c > 0 {
            y.par_chunks_mut(o * p)
                .enumerate()
                .for_each_init(Vec::new, |xs, (b, out)| {
                    vectorized(
                        #[inline(always)]
                        || {
                            self.sampled(x, b, xs);
                            let planes = out.chunks_exact_mut(p).zip(weight.chunks_exact(c));
                            for (out_plane, w_row) in planes {
                                accumulate(out_plane, c, |ch| {
                                    (w_row[ch], &xs[ch * p..(ch + 1) * p])
                                });
                            }
                        },
                    )
                });
        }
        (y, [n, o, ho, wo], ())
    }

    fn backward(
        &self,
        [x, weight]: [&[f32]; 2],
        _: &(),
        grad: &[f32],
        [want_x, want_weight]: [bool; 2],
    ) -> [Option<Vec<f32>>; 2] {
        let [n, c, h, w] = self.shape;
        let o = self.out_channels;
        let [ho, wo] = self.out_hw();
        let p = ho * wo;
        let [sh, sw] = self.stride.map(|s| s.max(1));
        let dx = want_x.then(|| {
            let mut dx = vec![0.0f32; x.len()];
            if p > 0 && c > 0 {
                dx.par_chunks_mut(c * h * w)
                    .enumerate()
                    .for_each_init(Vec::new, |sum, (b, dx)| {
                        vectorized(
                            #[inline(always)]
                            || {
                                let g = &grad[b * o * p..(b + 1) * o * p];
                                let xb = &x[b * c * h * w..(b + 1) * c * h * w];
                                for (ch, dx_plane) in dx.chunks_exact_mut(h * w).enumerate() {
                                    // Stride 1 sums straight into the plane; a stride sums the
                                    // sampled positions first and spreads them out.
                                    let strided = [sh, sw] != [1, 1];
                                    let target: &mut [f32] = if strided {
                                        sum.clear();
                                        sum.resize(p, 0.0);
                                        sum
                                    } else {
                                        dx_plane
                                    };
                                    accumulate(target, o, |oc| {
                                        (weight[oc * c + ch], &g[oc * p..(oc + 1) * p])
                                    });
                                    if strided {
                                        let rows =
                                            dx_plane.chunks_exact_mut(w).step_by(sh).take(ho);
                                        for (d_row, s_row) in rows.zip(sum.chunks_exact(wo)) {
                                            for (d, &v) in d_row.iter_mut().step_by(sw).zip(s_row) {
                                                *d = v;
                                            }
                                        }
                                    }
                                    if self.relu {
                                        let x_plane = &xb[ch * h * w..(ch + 1) * h * w];
                                        for (d, &v) in dx_plane.iter_mut().zip(x_plane) {
                                            *d = if v > 0.0 { *d } else { 0.0 };
                                        }
                                    }
                                }
                            },
                        )
                    });
            }
            dx
        });
        let dw = want_weight.then(|| {
            // Per image its own [o, c] products, then summed over the images in order.
            let partial: Vec<Vec<f32>> = (0..n)
                .into_par_iter()
                .map_init(Vec::new, |xs, b| {
                    vectorized(
                        #[inline(always)]
                        || {
                            self.sampled(x, b, xs);
                            let g = &grad[b * o * p..(b + 1) * o * p];
                            let mut out = Vec::with_capacity(o * c);
                            for g_plane in g.chunks_exact(p.max(1)).take(o) {
                                for x_plane in xs.chunks_exact(p.max(1)).take(c) {
                                    out.push(lanes::dot(g_plane, x_plane));
                                }
                            }
                            out.resize(o * c, 0.0);
                            out
                        },
                    )
                })
                .collect();
            let mut dw = vec![0.0f32; o * c];
            for part in &partial {
                for (d, v) in dw.iter_mut().zip(part) {
                    *d += v;
                }
            }
            dw
        });
        [dx, dw]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_util::assert_unit_gradients;
    use crate::rng::SeededRng;

    /// The definition: every output, input channel, with the stride and the ReLU.
    fn naive(k: &Pointwise, x: &[f32], w: &[f32]) -> Vec<f32> {
        let [n, c, h, wi] = k.shape;
        let o = k.out_channels;
        let [ho, wo] = k.out_hw();
        let mut y = vec![0.0; n * o * ho * wo];
        for b in 0..n {
            for oc in 0..o {
                for oh in 0..ho {
                    for ow in 0..wo {
                        let mut s = 0.0;
                        for ch in 0..c {
                            let v =
                                x[((b * c + ch) * h + oh * k.stride[0]) * wi + ow * k.stride[1]];
                            let v = if k.relu { v.max(0.0) } else { v };
                            s += w[oc * c + ch] * v;
                        }
                        y[((b * o + oc) * ho + oh) * wo + ow] = s;
                    }
                }
            }
        }
        y
    }

    #[test]
    fn forward_and_gradients_match_the_definition() {
        for (stride, size, relu) in [
            (1, 5, false),
            (1, 4, true),
            (2, 7, false),
            (2, 6, true),
            (2, 1, true),
        ] {
            let k = Pointwise {
                shape: [2, 3, size, size + 1],
                out_channels: 4,
                stride: [stride, stride],
                relu,
            };
            let mut rng = SeededRng::new(7);
            let x: Vec<f32> = rng.normal_vec(2 * 3 * size * (size + 1));
            let w: Vec<f32> = rng.normal_vec(4 * 3);
            let what = format!("stride {stride} size {size} relu {relu}");
            let (y, shape, ()) = k.forward([&x, &w]);
            let expect = naive(&k, &x, &w);
            assert_eq!(shape.iter().product::<usize>(), expect.len(), "{what}");
            for (a, b) in y.iter().zip(&expect) {
                assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{what}: {a} vs {b}");
            }
            // y is linear in w, and in x where the ReLU passes it (x ≠ 0): the gradient of
            // <probe, y> at x_i is <probe, y(e_i)> of the plain convolution if x_i > 0
            // (or without the ReLU), else 0.
            let probe: Vec<f32> = rng.normal_vec(y.len());
            let [dx, dw] = k.backward([&x, &w], &(), &probe, [true, true]);
            let (dx, dw) = (dx.unwrap(), dw.unwrap());
            let linear = Pointwise { relu: false, ..k };
            let passes = |i: usize| !relu || x[i] > 0.0;
            let dx_what = format!("{what} dx");
            assert_unit_gradients(
                &dx,
                &probe,
                |e| naive(&linear, e, &w),
                passes,
                false,
                &dx_what,
            );
            let dw_what = format!("{what} dw");
            assert_unit_gradients(&dw, &probe, |e| naive(&k, &x, e), |_| true, true, &dw_what);
        }
    }
}
