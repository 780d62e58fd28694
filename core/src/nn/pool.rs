//! 3x3 max and average pooling (padding 1): on the CPU backend our own loops
//! ([`super::pool_kernel`]), elsewhere element-wise ops over the window's shifted views
//! ([`super::taps`]).
//!
//! Burn 0.21's CPU pooling kernels are slow at the search cells' sizes, and their backward
//! cannot be differentiated again (nested autodiff panics). Built from views, `max` and
//! sums, the tensor-op versions are twice differentiable. Max pooling pads with the lowest finite
//! value, so padding never wins; average pooling leaves the padding out of the count (as
//! DARTS' `count_include_pad=False`). Burn's `max_pool2d` / `avg_pool2d` are the reference
//! they are tested against (outputs and gradients).

use burn::prelude::*;

use super::cpu_kernel;
use super::gpu_native;
use super::pool_kernel::{AvgPool, MaxPool};
use super::taps::Taps;
use super::window::Window;

/// The nine windows of a 3x3 pool with padding 1 and stride `stride`.
fn windows<B: Backend>(x: Tensor<B, 4>, stride: usize, fill: f32) -> (Taps<B>, Vec<Tensor<B, 4>>) {
    let taps = Taps::new(x, [3, 3], [stride, stride], [1, 1], [1, 1], fill);
    let views = (0..3)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| taps.view(i, j))
        .collect();
    (taps, views)
}

/// The window of a 3x3 pool with padding 1 over `x`.
fn window<B: Backend>(x: &Tensor<B, 4>, stride: usize) -> Window {
    let [n, c, h, w] = x.dims();
    Window {
        n,
        c,
        input: [h, w],
        kernel: [3, 3],
        stride: [stride, stride],
        padding: [1, 1],
        dilation: [1, 1],
    }
}

/// 3x3 max pooling of `x [n, c, h, w]`, padding 1: the CPU backend's own loops
/// ([`super::pool_kernel`]) where they apply, Burn's kernel on the GPU backends
/// ([`super::gpu_native`]), else [`max_pool_ops`].
pub fn max_pool_3x3<B: Backend>(x: Tensor<B, 4>, stride: usize) -> Tensor<B, 4> {
    match cpu_kernel::run(MaxPool(window(&x, stride)), [x]) {
        Ok(y) => y,
        Err([x]) if gpu_native::applies::<B>() => gpu_native::max_pool_3x3(x, stride),
        Err([x]) => max_pool_ops(x, stride),
    }
}

/// 3x3 average pooling of `x [n, c, h, w]`, padding 1, padding not counted: the CPU
/// backend's own loops where they apply, Burn's kernel on the GPU backends, else
/// [`avg_pool_ops`].
pub fn avg_pool_3x3<B: Backend>(x: Tensor<B, 4>, stride: usize) -> Tensor<B, 4> {
    match cpu_kernel::run(AvgPool(window(&x, stride)), [x]) {
        Ok(y) => y,
        Err([x]) if gpu_native::applies::<B>() => gpu_native::avg_pool_3x3(x, stride),
        Err([x]) => avg_pool_ops(x, stride),
    }
}

/// 3x3 max pooling as tensor ops (every backend, nested autodiff).
pub fn max_pool_ops<B: Backend>(x: Tensor<B, 4>, stride: usize) -> Tensor<B, 4> {
    let (_, views) = windows(x, stride, f32::MIN);
    let mut views = views.into_iter();
    let first = views.next().expect("nine windows");
    views.fold(first, |acc, v| acc.max_pair(v))
}

/// 3x3 average pooling as tensor ops (every backend, nested autodiff).
pub fn avg_pool_ops<B: Backend>(x: Tensor<B, 4>, stride: usize) -> Tensor<B, 4> {
    let [_, _, h, w] = x.dims();
    let device = x.device();
    let (taps, views) = windows(x, stride, 0.0);
    let [ho, wo] = taps.out;
    let sum = views
        .into_iter()
        .reduce(|acc, v| acc + v)
        .expect("nine windows");
    // How many of the nine taps fall inside the input, per output position.
    let inside = |o: usize, size: usize| {
        let centre = o * stride;
        (centre.saturating_sub(1)..=(centre + 1).min(size - 1)).count()
    };
    let counts: Vec<f32> = (0..ho)
        .flat_map(|r| (0..wo).map(move |c| (r, c)))
        .map(|(r, c)| 1.0 / (inside(r, h) * inside(c, w)) as f32)
        .collect();
    let scale = Tensor::<B, 4>::from_data(TensorData::new(counts, [1, 1, ho, wo]), &device);
    sum * scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_util::{assert_same_op, random};

    #[test]
    fn matches_burn_pooling_outputs_and_gradients() {
        for (stride, size) in [(1, 5), (2, 7), (2, 8), (1, 1), (2, 2)] {
            let x = random([2, 3, size, size], 1);
            let s = [stride, stride];
            let max =
                || burn::tensor::module::max_pool2d(x.clone(), [3, 3], s, [1, 1], [1, 1], false);
            let avg =
                || burn::tensor::module::avg_pool2d(x.clone(), [3, 3], s, [1, 1], false, false);
            let pairs = [
                ("max, CPU loops", max_pool_3x3(x.clone(), stride), max()),
                ("max, tensor ops", max_pool_ops(x.clone(), stride), max()),
                ("avg, CPU loops", avg_pool_3x3(x.clone(), stride), avg()),
                ("avg, tensor ops", avg_pool_ops(x.clone(), stride), avg()),
            ];
            for (kind, ours, reference) in pairs {
                let what = format!("{kind} stride {stride} size {size}");
                assert_same_op(ours, reference, &[("x", &x)], 1e-5, &what);
            }
        }
    }

    #[test]
    fn average_counts_only_the_input_hand_computed() {
        // 2x2 input 1, 2 / 3, 4: every 3x3 window with padding 1 covers all four values.
        let x = Tensor::<crate::CpuBackend, 4>::from_data(
            TensorData::new(vec![1.0f32, 2.0, 3.0, 4.0], [1, 1, 2, 2]),
            &Default::default(),
        );
        let avg = avg_pool_3x3(x.clone(), 1)
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert_eq!(avg, vec![2.5; 4]);
        let max = max_pool_3x3(x, 2).into_data().to_vec::<f32>().unwrap();
        assert_eq!(max, vec![4.0]);
    }
}
