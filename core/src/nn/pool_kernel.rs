//! 3x3-style max and average pooling on plain `f32` buffers (NCHW), forward and backward,
//! as [`CpuKernel`]s for [`super::pool`]. Max pooling remembers where each maximum came
//! from (the first of equal values in tap order); average pooling divides by the number of
//! window positions inside the input (padding not counted).

use rayon::prelude::*;

use super::cpu_kernel::CpuKernel;
use super::window::{column, Window};

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

impl CpuKernel<1> for MaxPool {
    /// Per output value, its input's index within its plane.
    type Saved = Vec<u32>;

    fn forward(&self, [x]: [&[f32]; 1]) -> (Vec<f32>, [usize; 4], Vec<u32>) {
        let g = &self.0;
        let (plane_in, plane_out) = (g.plane_in(), g.plane_out());
        let [w_in, sw] = [g.input[1], g.stride[1].max(1)];
        let wo = g.output()[1];
        let mut y = vec![f32::NEG_INFINITY; g.n * g.c * plane_out];
        let mut arg = vec![0u32; y.len()];
        if plane_out > 0 {
            y.par_chunks_mut(plane_out)
                .zip(arg.par_chunks_mut(plane_out))
                .enumerate()
                .for_each(|(plane, (out, arg))| {
                    let x = &x[plane * plane_in..(plane + 1) * plane_in];
                    g.for_each_row(|_, oh, ih, lo, hi, offset| {
                        let x_row = &x[ih * w_in..(ih + 1) * w_in];
                        let out_row = &mut out[oh * wo + lo..oh * wo + hi];
                        let arg_row = &mut arg[oh * wo + lo..oh * wo + hi];
                        for (k, (o, a)) in out_row.iter_mut().zip(arg_row).enumerate() {
                            let col = column(lo + k, sw, offset);
                            let v = x_row[col];
                            if v > *o {
                                *o = v;
                                *a = (ih * w_in + col) as u32;
                            }
                        }
                    });
                });
        }
        (y, out_shape(g), arg)
    }

    fn backward(
        &self,
        _: [&[f32]; 1],
        arg: &Vec<u32>,
        grad: &[f32],
        [want]: [bool; 1],
    ) -> [Option<Vec<f32>>; 1] {
        let g = &self.0;
        let (plane_in, plane_out) = (g.plane_in(), g.plane_out());
        [want.then(|| {
            let mut dx = vec![0.0f32; g.n * g.c * plane_in];
            if plane_in > 0 && plane_out > 0 {
                dx.par_chunks_mut(plane_in)
                    .enumerate()
                    .for_each(|(plane, dx)| {
                        let range = plane * plane_out..(plane + 1) * plane_out;
                        for (&at, &gv) in arg[range.clone()].iter().zip(&grad[range]) {
                            dx[at as usize] += gv;
                        }
                    });
            }
            dx
        })]
    }
}

/// 1 / (window positions inside the input), per output position of one plane.
fn inverse_counts(g: &Window) -> Vec<f32> {
    let wo = g.output()[1];
    let mut counts = vec![0u32; g.plane_out()];
    g.for_each_row(|_, oh, _, lo, hi, _| {
        for c in &mut counts[oh * wo + lo..oh * wo + hi] {
            *c += 1;
        }
    });
    counts.iter().map(|&c| 1.0 / c.max(1) as f32).collect()
}

impl CpuKernel<1> for AvgPool {
    /// 1 / count per output position of a plane.
    type Saved = Vec<f32>;

    fn forward(&self, [x]: [&[f32]; 1]) -> (Vec<f32>, [usize; 4], Vec<f32>) {
        let g = &self.0;
        let (plane_in, plane_out) = (g.plane_in(), g.plane_out());
        let [w_in, sw] = [g.input[1], g.stride[1].max(1)];
        let wo = g.output()[1];
        let scale = inverse_counts(g);
        let mut y = vec![0.0f32; g.n * g.c * plane_out];
        if plane_out > 0 {
            y.par_chunks_mut(plane_out)
                .enumerate()
                .for_each(|(plane, out)| {
                    let x = &x[plane * plane_in..(plane + 1) * plane_in];
                    g.for_each_row(|_, oh, ih, lo, hi, offset| {
                        let x_row = &x[ih * w_in..(ih + 1) * w_in];
                        let out_row = &mut out[oh * wo + lo..oh * wo + hi];
                        if sw == 1 {
                            let start = column(lo, 1, offset);
                            for (o, v) in out_row.iter_mut().zip(&x_row[start..]) {
                                *o += v;
                            }
                        } else {
                            for (k, o) in out_row.iter_mut().enumerate() {
                                *o += x_row[column(lo + k, sw, offset)];
                            }
                        }
                    });
                    for (v, s) in out.iter_mut().zip(&scale) {
                        *v *= s;
                    }
                });
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
        let [w_in, sw] = [g.input[1], g.stride[1].max(1)];
        let wo = g.output()[1];
        [want.then(|| {
            let mut dx = vec![0.0f32; g.n * g.c * plane_in];
            if plane_in > 0 && plane_out > 0 {
                dx.par_chunks_mut(plane_in)
                    .enumerate()
                    .for_each(|(plane, dx)| {
                        let gy = &grad[plane * plane_out..(plane + 1) * plane_out];
                        g.for_each_row(|_, oh, ih, lo, hi, offset| {
                            let dx_row = &mut dx[ih * w_in..(ih + 1) * w_in];
                            let rows = oh * wo + lo..oh * wo + hi;
                            let terms = gy[rows.clone()].iter().zip(&scale[rows]);
                            if sw == 1 {
                                let start = column(lo, 1, offset);
                                for (d, (gv, s)) in dx_row[start..].iter_mut().zip(terms) {
                                    *d += gv * s;
                                }
                            } else {
                                for (k, (gv, s)) in terms.enumerate() {
                                    dx_row[column(lo + k, sw, offset)] += gv * s;
                                }
                            }
                        });
                    });
            }
            dx
        })]
    }
}
