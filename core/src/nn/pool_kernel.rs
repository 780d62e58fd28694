//! 3x3-style max and average pooling on plain `f32` buffers (NCHW), forward and backward,
//! as [`CpuKernel`]s for [`super::pool`], each plane laid out by [`Phases`] so that every
//! window tap is one contiguous run. Max pooling remembers where each maximum came from (the
//! first of equal values in tap order); average pooling divides by the number of window
//! positions inside the input (padding not counted).

use rayon::prelude::*;

use super::cpu_kernel::CpuKernel;
use super::lanes::accumulate;
use super::phases::{axpy, Phases};
use super::simd::vectorized;
use super::window::Window;

/// Max pooling over a [`Window`].
#[derive(Clone, Copy, Debug)]
pub struct MaxPool(pub Window);

/// Average pooling over a [`Window`], padding not counted.
#[derive(Clone, Copy, Debug)]
pub struct AvgPool(pub Window);

fn out_shape(g: &Window) -> [usize; 4] {
    let [ho, wo] = g.output();
    [g.n, g.c, ho, wo]
}

/// Marks an output whose window holds no input value (cannot happen with padding 1 and a 3x3
/// window; kept so that the backward pass never indexes padding).
const NOWHERE: u8 = u8::MAX;

/// Per tap (row-major over the kernel): the input index it reads less the index of its
/// output's window corner.
fn tap_offsets(g: &Window) -> Vec<isize> {
    let w_in = g.input[1] as isize;
    (0..g.kernel[0])
        .flat_map(|i| (0..g.kernel[1]).map(move |j| (i, j)))
        .map(|(i, j)| {
            let r = (i * g.dilation[0]) as isize - g.padding[0] as isize;
            let c = (j * g.dilation[1]) as isize - g.padding[1] as isize;
            r * w_in + c
        })
        .collect()
}

impl CpuKernel<1> for MaxPool {
    /// Per output value, the tap its maximum came from (`u8::MAX` for none).
    type Saved = Vec<u8>;

    fn forward(&self, [x]: [&[f32]; 1]) -> (Vec<f32>, [usize; 4], Vec<u8>) {
        let g = &self.0;
        assert!(
            g.taps() < usize::from(NOWHERE),
            "a pooling window of at most 254 taps"
        );
        let (plane_in, plane_out) = (g.plane_in(), g.plane_out());
        let mut y = vec![0.0f32; g.n * g.c * plane_out];
        let mut arg = vec![NOWHERE; y.len()];
        if plane_out == 0 {
            return (y, out_shape(g), arg);
        }
        let layout = Phases::new(g);
        y.par_chunks_mut(plane_out)
            .zip(arg.par_chunks_mut(plane_out))
            .enumerate()
            .for_each_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(buffer, best, tap_of), (plane, (out, arg))| {
                    vectorized(
                        #[inline(always)]
                        || {
                            let x = &x[plane * plane_in..(plane + 1) * plane_in];
                            layout.fill(x, f32::NEG_INFINITY, |v| v, buffer);
                            // The maximum first (a loop that vectorizes), then per output the
                            // first tap that holds it, scanning the taps from the last; an
                            // output whose maximum is the padding's -inf has none (only with
                            // -inf inputs).
                            best.clear();
                            best.resize(layout.grid_len(), f32::NEG_INFINITY);
                            for t in 0..layout.taps() {
                                for (b, &v) in best.iter_mut().zip(layout.tap(buffer, t)) {
                                    *b = b.max(v);
                                }
                            }
                            tap_of.clear();
                            tap_of.resize(layout.grid_len(), NOWHERE);
                            for t in (0..layout.taps()).rev() {
                                let run = layout.tap(buffer, t);
                                let cells = tap_of.iter_mut().zip(best.iter()).zip(run);
                                for ((a, &b), &v) in cells {
                                    let holds = v == b && b > f32::NEG_INFINITY;
                                    *a = if holds { t as u8 } else { *a };
                                }
                            }
                            layout.from_grid(best, out);
                            layout.from_grid(tap_of, arg);
                        },
                    )
                },
            );
        (y, out_shape(g), arg)
    }

    fn backward(
        &self,
        _: [&[f32]; 1],
        arg: &Vec<u8>,
        grad: &[f32],
        [want]: [bool; 1],
    ) -> [Option<Vec<f32>>; 1] {
        let g = &self.0;
        let (plane_in, plane_out) = (g.plane_in(), g.plane_out());
        let [_, wo] = g.output();
        let (stride, w_in) = (g.stride.map(|s| s.max(1)), g.input[1]);
        let offsets = tap_offsets(g);
        [want.then(|| {
            let mut dx = vec![0.0f32; g.n * g.c * plane_in];
            if plane_in > 0 && plane_out > 0 {
                dx.par_chunks_mut(plane_in)
                    .enumerate()
                    .for_each(|(plane, dx)| {
                        let range = plane * plane_out..(plane + 1) * plane_out;
                        let rows = arg[range.clone()].chunks_exact(wo);
                        for (oh, (taps, gs)) in rows.zip(grad[range].chunks_exact(wo)).enumerate() {
                            let base = (oh * stride[0] * w_in) as isize;
                            for (ow, (&t, &gv)) in taps.iter().zip(gs).enumerate() {
                                if t != NOWHERE {
                                    let at =
                                        base + (ow * stride[1]) as isize + offsets[usize::from(t)];
                                    dx[at as usize] += gv;
                                }
                            }
                        }
                    });
            }
            dx
        })]
    }
}

/// 1 / (window positions inside the input), per output position of one plane.
fn inverse_counts(layout: &Phases, g: &Window) -> Vec<f32> {
    let mut buffer = Vec::new();
    layout.fill(&vec![1.0; g.plane_in()], 0.0, |v| v, &mut buffer);
    let mut counts = vec![0.0f32; layout.grid_len()];
    for t in 0..layout.taps() {
        axpy(&mut counts, 1.0, layout.tap(&buffer, t));
    }
    let mut plane = vec![0.0f32; g.plane_out()];
    layout.from_grid(&counts, &mut plane);
    plane.iter().map(|&c| 1.0 / c.max(1.0)).collect()
}

impl CpuKernel<1> for AvgPool {
    /// 1 / count per output position of a plane.
    type Saved = Vec<f32>;

    fn forward(&self, [x]: [&[f32]; 1]) -> (Vec<f32>, [usize; 4], Vec<f32>) {
        let g = &self.0;
        let (plane_in, plane_out) = (g.plane_in(), g.plane_out());
        let layout = Phases::new(g);
        let scale = inverse_counts(&layout, g);
        let mut y = vec![0.0f32; g.n * g.c * plane_out];
        if plane_out > 0 {
            y.par_chunks_mut(plane_out).enumerate().for_each_init(
                || (Vec::new(), Vec::new()),
                |(buffer, grid), (plane, out)| {
                    vectorized(
                        #[inline(always)]
                        || {
                            let x = &x[plane * plane_in..(plane + 1) * plane_in];
                            layout.fill(x, 0.0, |v| v, buffer);
                            grid.clear();
                            grid.resize(layout.grid_len(), 0.0);
                            accumulate(grid, layout.taps(), |t| (1.0, layout.tap(buffer, t)));
                            layout.from_grid(grid, out);
                            for (v, s) in out.iter_mut().zip(&scale) {
                                *v *= s;
                            }
                        },
                    )
                },
            );
        }
        (y, out_shape(g), scale)
    }

    fn backward(
        &self,
        _: [&[f32]; 1],
        scale: &Vec<f32>,
        grad: &[f32],
        [want]: [bool; 1],
    ) -> [Option<Vec<f32>>; 1] {
        let g = &self.0;
        let (plane_in, plane_out) = (g.plane_in(), g.plane_out());
        [want.then(|| {
            let mut dx = vec![0.0f32; g.n * g.c * plane_in];
            if plane_in > 0 && plane_out > 0 {
                let layout = Phases::new(g);
                let ones = vec![1.0f32; layout.taps()];
                dx.par_chunks_mut(plane_in).enumerate().for_each_init(
                    || (Vec::new(), Vec::new(), Vec::new()),
                    |(buffer, grid, scaled), (plane, dx)| {
                        vectorized(
                            #[inline(always)]
                            || {
                                let gy = &grad[plane * plane_out..(plane + 1) * plane_out];
                                scaled.clear();
                                scaled.extend(gy.iter().zip(scale).map(|(gv, s)| gv * s));
                                layout.to_grid_padded(scaled, grid);
                                buffer.clear();
                                buffer.resize(layout.buffer_len(), 0.0);
                                layout.scatter_taps(buffer, grid, &ones);
                                layout.gather(buffer, dx);
                            },
                        )
                    },
                );
            }
            dx
        })]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(input: [usize; 2]) -> Window {
        Window {
            n: 1,
            c: 1,
            input,
            kernel: [3, 3],
            stride: [1, 1],
            padding: [1, 1],
            dilation: [1, 1],
        }
    }

    #[test]
    fn max_pool_sends_each_gradient_to_the_first_maximum_in_tap_order() {
        // 5 1 5 / 5 2 -inf: every window's maximum is 5. In tap order (row-major over the
        // window) the first 5 is x[0][0] for the windows at columns 0 and 1, and x[0][2] for
        // column 2 (whose window does not reach column 0).
        let kernel = MaxPool(window([2, 3]));
        let x = [5.0, 1.0, 5.0, 5.0, 2.0, f32::NEG_INFINITY];
        let (y, shape, arg) = kernel.forward([&x]);
        assert_eq!(shape, [1, 1, 2, 3]);
        assert_eq!(y, vec![5.0; 6]);
        let grad = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let [dx] = kernel.backward([&x], &arg, &grad, [true]);
        assert_eq!(
            dx.unwrap(),
            vec![1.0 + 2.0 + 4.0 + 5.0, 0.0, 3.0 + 6.0, 0.0, 0.0, 0.0]
        );
    }

    #[test]
    fn a_max_pool_window_of_minus_infinity_passes_no_gradient() {
        let kernel = MaxPool(window([1, 1]));
        let x = [f32::NEG_INFINITY];
        let (y, _, arg) = kernel.forward([&x]);
        assert_eq!(y, vec![f32::NEG_INFINITY]);
        let [dx] = kernel.backward([&x], &arg, &[1.0], [true]);
        assert_eq!(dx.unwrap(), vec![0.0]);
    }
}
