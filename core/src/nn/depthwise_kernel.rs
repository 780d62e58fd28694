//! Depthwise convolution on plain `f32` buffers (NCHW): forward, and the gradients with
//! respect to the input and to the kernel, optionally of the convolution of `relu(x)` (the
//! ReLU that opens every DARTS conv op, fused so that it costs no pass of its own).
//!
//! The search cells spend most of their time in depthwise convolutions. Each plane is laid
//! out once by [`Phases`], so that every kernel tap is one long multiply-add over
//! contiguous values. Planes run in parallel; each output value and each kernel gradient is
//! summed by one thread in a fixed order, so the results are the same from run to run.

use rayon::prelude::*;

use super::cpu_kernel::CpuKernel;
use super::lanes::{self, accumulate};
use super::phases::Phases;
use super::simd::vectorized;
use super::window::Window;

/// Depthwise convolution of `x [n, c, h, w]` (or of `relu(x)`) by `weight [c, 1, kh, kw]`
/// as a [`CpuKernel`].
#[derive(Clone, Copy, Debug)]
pub struct Depthwise {
    /// Shapes and window.
    pub window: Window,
    /// Convolve `relu(x)` instead of `x`.
    pub relu: bool,
}

impl CpuKernel<2> for Depthwise {
    type Saved = ();

    fn forward(&self, [x, weight]: [&[f32]; 2]) -> (Vec<f32>, [usize; 4], ()) {
        let g = &self.window;
        let [ho, wo] = g.output();
        (forward(g, self.relu, x, weight), [g.n, g.c, ho, wo], ())
    }

    fn backward(
        &self,
        [x, weight]: [&[f32]; 2],
        _: &(),
        grad: &[f32],
        [want_x, want_weight]: [bool; 2],
    ) -> [Option<Vec<f32>>; 2] {
        let g = &self.window;
        [
            want_x.then(|| grad_input(g, self.relu, grad, weight, x)),
            want_weight.then(|| grad_weight(g, self.relu, grad, x)),
        ]
    }
}

fn input_map(relu: bool) -> impl Fn(f32) -> f32 {
    move |v| if relu { v.max(0.0) } else { v }
}

/// `y [n, c, ho, wo]` of `x [n, c, h, w]` (or `relu(x)`) and `weight [c, kh, kw]`.
pub fn forward(g: &Window, relu: bool, x: &[f32], weight: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out, taps) = (g.plane_in(), g.plane_out(), g.taps());
    let mut y = vec![0.0f32; g.n * g.c * plane_out];
    if plane_out == 0 {
        return y;
    }
    let layout = Phases::new(g);
    y.par_chunks_mut(plane_out).enumerate().for_each_init(
        || (Vec::new(), Vec::new()),
        |(buffer, grid), (plane, out)| {
            vectorized(
                #[inline(always)]
                || {
                    let k = &weight[(plane % g.c) * taps..(plane % g.c + 1) * taps];
                    layout.fill(
                        &x[plane * plane_in..(plane + 1) * plane_in],
                        0.0,
                        input_map(relu),
                        buffer,
                    );
                    grid.clear();
                    grid.resize(layout.grid_len(), 0.0);
                    accumulate(grid, k.len(), |t| (k[t], layout.tap(buffer, t)));
                    layout.from_grid(grid, out);
                },
            )
        },
    );
    y
}

/// Gradient with respect to `x` of the loss whose gradient at `y` is `grad [n, c, ho, wo]`
/// (`x` is read only for the ReLU's mask).
pub fn grad_input(g: &Window, relu: bool, grad: &[f32], weight: &[f32], x: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out, taps) = (g.plane_in(), g.plane_out(), g.taps());
    let mut dx = vec![0.0f32; g.n * g.c * plane_in];
    if plane_in == 0 || plane_out == 0 {
        return dx;
    }
    let layout = Phases::new(g);
    dx.par_chunks_mut(plane_in).enumerate().for_each_init(
        || (Vec::new(), Vec::new()),
        |(buffer, grid), (plane, dx)| {
            vectorized(
                #[inline(always)]
                || {
                    let k = &weight[(plane % g.c) * taps..(plane % g.c + 1) * taps];
                    layout.to_grid_padded(&grad[plane * plane_out..(plane + 1) * plane_out], grid);
                    buffer.clear();
                    buffer.resize(layout.buffer_len(), 0.0);
                    layout.scatter_taps(buffer, grid, k);
                    layout.gather(buffer, dx);
                    if relu {
                        let x = &x[plane * plane_in..(plane + 1) * plane_in];
                        for (d, &v) in dx.iter_mut().zip(x) {
                            *d = if v > 0.0 { *d } else { 0.0 };
                        }
                    }
                },
            )
        },
    );
    dx
}

/// Gradient with respect to the kernel `[c, kh, kw]`.
pub fn grad_weight(g: &Window, relu: bool, grad: &[f32], x: &[f32]) -> Vec<f32> {
    let (plane_in, plane_out, taps) = (g.plane_in(), g.plane_out(), g.taps());
    let layout = Phases::new(g);
    let per_channel: Vec<Vec<f32>> = (0..g.c)
        .into_par_iter()
        .map(|ch| {
            let mut acc = vec![0.0f32; taps];
            if plane_out == 0 {
                return acc;
            }
            let (mut buffer, mut grid) = (Vec::new(), Vec::new());
            vectorized(
                #[inline(always)]
                || {
                    for b in 0..g.n {
                        let plane = b * g.c + ch;
                        layout.fill(
                            &x[plane * plane_in..(plane + 1) * plane_in],
                            0.0,
                            input_map(relu),
                            &mut buffer,
                        );
                        layout
                            .to_grid(&grad[plane * plane_out..(plane + 1) * plane_out], &mut grid);
                        lanes::dots(&mut acc, &grid, |t| layout.tap(&buffer, t));
                    }
                },
            );
            acc
        })
        .collect();
    per_channel.concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_util::assert_unit_gradients;
    use crate::rng::SeededRng;

    /// Direct definition: every output, input and tap, with bounds checks.
    fn naive(g: &Window, x: &[f32], w: &[f32]) -> Vec<f32> {
        let [ho, wo] = g.output();
        let [h, wi] = g.input;
        let [kh, kw] = g.kernel;
        let mut y = vec![0.0; g.n * g.c * ho * wo];
        for b in 0..g.n {
            for ch in 0..g.c {
                for oh in 0..ho {
                    for ow in 0..wo {
                        let mut s = 0.0;
                        for i in 0..kh {
                            for j in 0..kw {
                                let ih = (oh * g.stride[0] + i * g.dilation[0]) as isize
                                    - g.padding[0] as isize;
                                let iw = (ow * g.stride[1] + j * g.dilation[1]) as isize
                                    - g.padding[1] as isize;
                                if ih < 0 || iw < 0 || ih >= h as isize || iw >= wi as isize {
                                    continue;
                                }
                                let xi = ((b * g.c + ch) * h + ih as usize) * wi + iw as usize;
                                s += w[(ch * kh + i) * kw + j] * x[xi];
                            }
                        }
                        y[((b * g.c + ch) * ho + oh) * wo + ow] = s;
                    }
                }
            }
        }
        y
    }

    #[test]
    fn forward_and_gradients_match_the_definition() {
        for (k, s, p, d, size) in [
            (3, 1, 1, 1, 6),
            (3, 2, 1, 1, 7),
            (5, 1, 2, 1, 5),
            (5, 2, 2, 1, 8),
            (3, 1, 2, 2, 6),
            (5, 2, 4, 2, 9),
            (3, 1, 0, 1, 4),
            (3, 2, 1, 1, 1),
        ] {
            let g = Window {
                n: 2,
                c: 3,
                input: [size, size + 1],
                kernel: [k, k],
                stride: [s, s],
                padding: [p, p],
                dilation: [d, d],
            };
            let mut rng = SeededRng::new(5);
            let x: Vec<f32> = rng.normal_vec(2 * 3 * size * (size + 1));
            let w: Vec<f32> = rng.normal_vec(3 * k * k);
            let what = format!("k{k} s{s} p{p} d{d} size{size}");
            let y = forward(&g, false, &x, &w);
            let expect = naive(&g, &x, &w);
            assert_eq!(y.len(), expect.len(), "{what}");
            for (a, b) in y.iter().zip(&expect) {
                assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{what}: {a} vs {b}");
            }
            // The convolution is linear in x and in w: the gradient of <probe, y> is exact
            // if <grad, e_i> equals <probe, y(e_i)> for unit inputs e_i.
            let probe: Vec<f32> = rng.normal_vec(y.len());
            let dx = grad_input(&g, false, &probe, &w, &x);
            let dw = grad_weight(&g, false, &probe, &x);
            let dx_what = format!("{what} dx");
            assert_unit_gradients(&dx, &probe, |e| naive(&g, e, &w), |_| true, false, &dx_what);
            let dw_what = format!("{what} dw");
            assert_unit_gradients(&dw, &probe, |e| naive(&g, &x, e), |_| true, true, &dw_what);
        }
    }
}
