//! The CPU loops compiled for the widest vector instructions the processor has.
//!
//! A release build targets the x86-64 baseline (SSE2: four `f32` lanes), because the binary
//! must start on any x86-64 machine. [`vectorized`] runs a loop body through `pulp`'s
//! run-time dispatch instead: on a processor with AVX2 (x86-64-v3, or AVX-512 where a
//! dependency turns that level on) the body is compiled a second time with those
//! instructions enabled and that copy runs. Everything the body inlines (the helpers of
//! [`super::lanes`] and [`super::phases`] are `#[inline(always)]`, and so is every body
//! passed here) gets the wider vectors.
//!
//! The results are the same bits on every path: the loops do the same IEEE operations in
//! the same order, only more of them per instruction. Rust never fuses `a * b + c` into one
//! rounding on its own, so the AVX2 path's fused multiply-add instructions are not used
//! unless a loop asks for them, and none does. The tests below run every kernel both ways.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set: [`vectorized`] runs its bodies as compiled for the baseline (for the tests that
/// compare the two paths; either path gives the same bits, so other work running meanwhile
/// is not affected).
static BASELINE: AtomicBool = AtomicBool::new(false);

/// Runs `f`, compiled for the best vector instructions detected at run time.
#[inline(always)]
pub fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    if BASELINE.load(Ordering::Relaxed) {
        f()
    } else {
        pulp::Arch::new().dispatch(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::cpu_kernel::CpuKernel;
    use crate::nn::depthwise_kernel::Depthwise;
    use crate::nn::norm_kernel::BatchNorm;
    use crate::nn::pointwise_kernel::Pointwise;
    use crate::nn::pool_kernel::{AvgPool, MaxPool};
    use crate::nn::weighted_sum::WeightedSum;
    use crate::nn::window::Window;
    use crate::rng::SeededRng;

    /// Forward output and every input gradient, as bits.
    fn bits<K: CpuKernel<N>, const N: usize>(
        k: &K,
        inputs: [&[f32]; N],
        probe: &[f32],
    ) -> Vec<u32> {
        let (y, _, saved) = k.forward(inputs);
        let grads = k.backward(inputs, &saved, &probe[..y.len()], [true; N]);
        let mut out: Vec<u32> = y.iter().map(|v| v.to_bits()).collect();
        for g in grads.into_iter().flatten() {
            out.extend(g.iter().map(|v| v.to_bits()));
        }
        out
    }

    /// Runs `f` vectorized and on the baseline and asserts the same bits.
    fn same_bits(name: &str, f: impl Fn() -> Vec<u32>) {
        BASELINE.store(false, Ordering::SeqCst);
        let fast = f();
        BASELINE.store(true, Ordering::SeqCst);
        let base = f();
        BASELINE.store(false, Ordering::SeqCst);
        assert_eq!(fast.len(), base.len(), "{name}");
        let differ = fast.iter().zip(&base).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ, 0,
            "{name}: {differ} values differ between the two paths"
        );
    }

    fn window(k: usize, stride: usize, dilation: usize, size: usize) -> Window {
        Window {
            n: 3,
            c: 5,
            input: [size, size + 3],
            kernel: [k, k],
            stride: [stride, stride],
            padding: [dilation * (k - 1) / 2; 2],
            dilation: [dilation, dilation],
        }
    }

    #[test]
    fn every_kernel_gives_the_same_bits_vectorized_and_on_the_baseline() {
        let mut rng = SeededRng::new(11);
        // Odd plane sizes, so that blocks, lanes and tails all occur.
        let x: Vec<f32> = rng.normal_vec(3 * 5 * 29 * 32);
        let probe: Vec<f32> = rng.normal_vec(3 * 7 * 29 * 32);
        let dw: Vec<f32> = rng.normal_vec(5 * 25);
        let pw: Vec<f32> = rng.normal_vec(7 * 5);
        for (k, s, d, size) in [(3, 1, 1, 29), (5, 1, 2, 29), (5, 2, 1, 28), (3, 2, 1, 7)] {
            let g = window(k, s, d, size);
            let x = &x[..g.n * g.c * g.plane_in()];
            let kernel = Depthwise {
                window: g,
                relu: true,
            };
            same_bits(&format!("depthwise k{k} s{s} d{d} size{size}"), || {
                bits(&kernel, [x, &dw[..g.c * k * k]], &probe)
            });
        }
        for (k, s, size) in [(3, 1, 29), (3, 2, 28)] {
            let g = window(k, s, 1, size);
            let x = &x[..g.n * g.c * g.plane_in()];
            same_bits(&format!("max pool k{k} s{s}"), || {
                bits(&MaxPool(g), [x], &probe)
            });
            same_bits(&format!("avg pool k{k} s{s}"), || {
                bits(&AvgPool(g), [x], &probe)
            });
        }
        for (stride, size) in [(1, 29), (2, 28)] {
            let shape = [3, 5, size, size + 3];
            let x = &x[..shape.iter().product::<usize>()];
            let k = Pointwise {
                shape,
                out_channels: 7,
                stride: [stride; 2],
                relu: true,
            };
            same_bits(&format!("1x1 convolution stride {stride}"), || {
                bits(&k, [x, &pw], &probe)
            });
            let bn = BatchNorm { shape, eps: 1e-5 };
            same_bits(&format!("batch norm size {size}"), || {
                bits(&bn, [x], &probe)
            });
            let n = x.len();
            let mix = WeightedSum {
                shape,
                columns: vec![2, 0, 1],
            };
            let weights = [0.3f32, -1.1, 0.7];
            let reversed: Vec<f32> = x.iter().rev().copied().collect();
            same_bits(&format!("weighted sum size {size}"), || {
                bits(&mix, [&weights, x, &probe[..n], &reversed], &probe)
            });
        }
    }
}
