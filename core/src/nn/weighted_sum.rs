//! The mixed op's weighted sum `Σ_k w[col_k] · y_k` of its candidate ops' outputs, as one
//! loop forward and one backward on the CPU.
//!
//! As Burn tensor ops the sum is a slice of the weight, a broadcast product and an addition
//! per candidate op, each a pass over a whole activation and a node of the autodiff graph,
//! and backward a product and a reduction per op for the weight's gradient. Here the forward
//! pass keeps each block of the sum in registers over all terms ([`lanes::accumulate`]) and
//! the backward pass gives every term's gradient and every weight's gradient from one node.
//! Same-shaped terms only (every candidate op of an edge has the edge's output shape).
//!
//! [`weighted_sum`] takes this loop on the CPU backend and its first-order autodiff, one matrix
//! product on the GPU backends (when the terms' columns of `z` are side by side, as they are
//! in every shipped space), and the tensor ops everywhere else (`f64`, nested autodiff).

use burn::prelude::*;
use rayon::prelude::*;

use super::cpu_kernel::{self, CpuKernel};
use super::gpu_native;
use super::lanes::{self, accumulate};
use super::simd::vectorized;

/// `Σ_k weights[columns[k]] · y_k` over same-shaped `[n, c, h, w]` terms; the first input
/// is the row of weights, shaped `[1, 1, 1, width]`, the others the terms.
#[derive(Clone, Debug)]
pub struct WeightedSum {
    /// Shape of every term and of the sum.
    pub shape: [usize; 4],
    /// Column of the weights of each term.
    pub columns: Vec<usize>,
}

impl WeightedSum {
    /// Values of one image.
    fn image_len(&self) -> usize {
        self.shape[1..].iter().product()
    }
}

impl<const N: usize> CpuKernel<N> for WeightedSum {
    type Saved = ();

    fn forward(&self, inputs: [&[f32]; N]) -> (Vec<f32>, [usize; 4], ()) {
        let mut y = vec![0.0f32; self.shape.iter().product()];
        let len = self.image_len();
        if let ([weights, terms @ ..], true) = (&inputs[..], len > 0) {
            let pairs: Vec<(f32, &[f32])> = terms
                .iter()
                .zip(&self.columns)
                .map(|(term, &col)| (weights[col], *term))
                .collect();
            y.par_chunks_mut(len).enumerate().for_each(|(b, out)| {
                vectorized(
                    #[inline(always)]
                    || {
                        accumulate(out, pairs.len(), |k| {
                            (pairs[k].0, &pairs[k].1[b * len..(b + 1) * len])
                        })
                    },
                )
            });
        }
        (y, self.shape, ())
    }

    fn backward(
        &self,
        inputs: [&[f32]; N],
        _: &(),
        grad: &[f32],
        wanted: [bool; N],
    ) -> [Option<Vec<f32>>; N] {
        let mut out: [Option<Vec<f32>>; N] = std::array::from_fn(|_| None);
        let ([weights, terms @ ..], [want_weights, want_terms @ ..]) = (&inputs[..], &wanted[..])
        else {
            return out;
        };
        let len = self.image_len().max(1);
        if *want_weights {
            // Per image the dot product of the gradient with each term, then summed over the
            // images in order, so the result is the same on every run.
            let partial: Vec<Vec<f32>> = grad
                .par_chunks(len)
                .enumerate()
                .map(|(b, g)| {
                    vectorized(
                        #[inline(always)]
                        || {
                            terms
                                .iter()
                                .map(|t| lanes::dot(g, &t[b * len..(b + 1) * len]))
                                .collect()
                        },
                    )
                })
                .collect();
            let mut dw = vec![0.0f32; weights.len()];
            for part in &partial {
                for (&col, v) in self.columns.iter().zip(part) {
                    dw[col] += v;
                }
            }
            out[0] = Some(dw);
        }
        for (k, (&want, &col)) in want_terms.iter().zip(&self.columns).enumerate() {
            if want {
                let w = weights[col];
                // One vectorized pass that writes each value once (no zero fill first).
                let dy: Vec<f32> = vectorized(
                    #[inline(always)]
                    || grad.iter().map(|&g| g * w).collect(),
                );
                out[k + 1] = Some(dy);
            }
        }
        out
    }
}

/// `Σ_k z[row][columns[k]] · terms[k]`, the terms in order (`None` without terms): one loop
/// and one autodiff node on the CPU, one matrix product on the GPU backends, else a product
/// and a sum per term.
pub fn weighted_sum<B: Backend>(
    z: &Tensor<B, 2>,
    row: usize,
    columns: &[usize],
    terms: Vec<Tensor<B, 4>>,
) -> Option<Tensor<B, 4>> {
    let first = terms.first()?;
    let kernel = WeightedSum {
        shape: first.dims(),
        columns: columns.to_vec(),
    };
    let same_shapes = terms.iter().all(|t| t.dims() == kernel.shape);
    let contiguous = columns.windows(2).all(|pair| pair[1] == pair[0] + 1);
    if same_shapes && contiguous && columns.len() == terms.len() && gpu_native::applies::<B>() {
        return Some(as_product(z, row, columns[0], terms));
    }
    let terms = if same_shapes && columns.len() == terms.len() {
        let width = z.dims()[1];
        let weights = z
            .clone()
            .slice([row..row + 1, 0..width])
            .reshape([1, 1, 1, width]);
        match fused(kernel, weights, terms) {
            Ok(sum) => return Some(sum),
            Err(terms) => terms,
        }
    } else {
        terms
    };
    let mut acc: Option<Tensor<B, 4>> = None;
    for (term, &col) in terms.into_iter().zip(columns) {
        let w = z
            .clone()
            .slice([row..row + 1, col..col + 1])
            .reshape([1, 1, 1, 1]);
        let term = term * w;
        acc = Some(match acc {
            Some(a) => a + term,
            None => term,
        });
    }
    acc
}

/// The sum as one matrix product on the GPU backends: the terms side by side as the rows of
/// a `[k, values]` matrix, multiplied by the row's `k` weights from column `first` on. Burn's
/// GPU backends concatenate with one launch per term, and the backward pass is two matrix
/// products and the rows of the terms' gradient taken as views (no launch where a term's size
/// keeps the rows aligned): about 20 launches for 7 terms, where a product, a sum and a slice
/// of `z` per term took about 80 (docs/speed.md, "The GPU path so far").
fn as_product<B: Backend>(
    z: &Tensor<B, 2>,
    row: usize,
    first: usize,
    terms: Vec<Tensor<B, 4>>,
) -> Tensor<B, 4> {
    let shape = terms[0].dims();
    let values: usize = shape.iter().product();
    let k = terms.len();
    let rows: Vec<Tensor<B, 2>> = terms.into_iter().map(|t| t.reshape([1, values])).collect();
    let weights = z.clone().slice([row..row + 1, first..first + k]);
    weights.matmul(Tensor::cat(rows, 0)).reshape(shape)
}

/// The kernel on `[weights, terms...]` when the backend takes it and the arity is one of
/// those compiled (up to 16 terms), else the terms back.
fn fused<B: Backend>(
    kernel: WeightedSum,
    weights: Tensor<B, 4>,
    terms: Vec<Tensor<B, 4>>,
) -> Result<Tensor<B, 4>, Vec<Tensor<B, 4>>> {
    let mut all = Vec::with_capacity(terms.len() + 1);
    all.push(weights);
    all.extend(terms);
    let without_weights = |mut all: Vec<Tensor<B, 4>>| {
        all.remove(0);
        all
    };
    macro_rules! arities {
        ($($n:literal)*) => {
            match all.len() {
                $($n => {
                    let inputs: [Tensor<B, 4>; $n] = match all.try_into() {
                        Ok(inputs) => inputs,
                        Err(all) => return Err(without_weights(all)),
                    };
                    cpu_kernel::run(kernel, inputs).map_err(|inputs| without_weights(inputs.into()))
                })*
                _ => Err(without_weights(all)),
            }
        };
    }
    arities!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::cpu_kernel::without_kernels;
    use crate::nn::test_util::{assert_same_op, assert_unit_gradients, random, Ad};

    /// The sum of 3 terms with weights from a row of 5 columns, against the tensor ops.
    #[test]
    fn matches_the_tensor_ops_in_value_and_gradients() {
        let shape = [3, 4, 5, 7];
        let z2: Tensor<Ad, 2> = random([1, 1, 2, 5], 1).reshape([2, 5]);
        let z2 = z2.detach().require_grad();
        let terms: Vec<Tensor<Ad, 4>> = (0..3).map(|s| random(shape, 10 + s)).collect();
        let columns = [4, 0, 2];
        let both = || {
            let ours = weighted_sum(&z2, 1, &columns, terms.clone()).expect("terms");
            let reference =
                without_kernels(|| weighted_sum(&z2, 1, &columns, terms.clone())).expect("terms");
            (ours, reference)
        };
        let named: Vec<(String, &Tensor<Ad, 4>)> = terms
            .iter()
            .enumerate()
            .map(|(k, t)| (format!("term {k}"), t))
            .collect();
        let inputs: Vec<(&str, &Tensor<Ad, 4>)> =
            named.iter().map(|(n, t)| (n.as_str(), *t)).collect();
        let (ours, reference) = both();
        assert_same_op(ours, reference, &inputs, 1e-5, "weighted sum");
        // The weights' gradient, a 2-D input, compared apart (a backward pass frees its graph).
        let (ours, reference) = both();
        let probe = random(shape, 3).detach();
        let g1 = (ours * probe.clone()).sum().backward();
        let g2 = (reference * probe).sum().backward();
        let d1 = z2
            .grad(&g1)
            .expect("ours")
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        let d2 = z2
            .grad(&g2)
            .expect("reference")
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        for (i, (a, b)) in d1.iter().zip(&d2).enumerate() {
            assert!(
                (a - b).abs() < 1e-3 * (1.0 + b.abs()),
                "dz[{i}]: {a} vs {b}"
            );
        }
        // Row 0 and the unused columns 1 and 3 of row 1 get no gradient.
        for i in [0, 1, 2, 3, 4, 6, 8] {
            assert_eq!(d1[i], 0.0, "dz[{i}]");
        }
    }

    /// Hand-computed: two terms, weights 2 and -1 from columns 1 and 0.
    #[test]
    fn a_hand_computed_sum_and_its_gradients() {
        let kernel = WeightedSum {
            shape: [2, 1, 1, 2],
            columns: vec![1, 0],
        };
        let weights = [-1.0f32, 2.0];
        let a = [1.0f32, 2.0, 3.0, 4.0];
        let b = [10.0f32, 20.0, 30.0, 40.0];
        let (y, shape, ()) = CpuKernel::<3>::forward(&kernel, [&weights, &a, &b]);
        assert_eq!(shape, [2, 1, 1, 2]);
        assert_eq!(y, vec![-8.0, -16.0, -24.0, -32.0]);
        let g = [1.0f32, 0.0, -1.0, 0.5];
        let [_, da, db] = CpuKernel::<3>::backward(&kernel, [&weights, &a, &b], &(), &g, [true; 3]);
        assert_eq!(da.unwrap(), vec![2.0, 0.0, -2.0, 1.0]);
        assert_eq!(db.unwrap(), vec![-1.0, 0.0, 1.0, -0.5]);
        let g = [1.0f32, 1.0, 0.0, 2.0];
        let [dw, da, db] =
            CpuKernel::<3>::backward(&kernel, [&weights, &a, &b], &(), &g, [true, false, false]);
        // dw[1] = <g, a> = 1 + 2 + 0 + 8, dw[0] = <g, b> = 10 + 20 + 0 + 80.
        assert_eq!(dw.unwrap(), vec![110.0, 11.0]);
        assert!(da.is_none() && db.is_none());
    }

    /// The terms' gradients against the definition, unit input by unit input.
    #[test]
    fn term_gradients_by_unit_inputs() {
        let kernel = WeightedSum {
            shape: [2, 2, 3, 3],
            columns: vec![2, 0],
        };
        let n: usize = kernel.shape.iter().product();
        let weights = [0.5f32, 9.0, -1.5];
        let other: Vec<f32> = (0..n).map(|i| (i as f32 * 0.3).sin()).collect();
        let probe: Vec<f32> = (0..n).map(|i| (i as f32 * 0.7).cos()).collect();
        let [_, d0, _] = CpuKernel::<3>::backward(
            &kernel,
            [&weights, &other, &other],
            &(),
            &probe,
            [false, true, false],
        );
        assert_unit_gradients(
            &d0.unwrap(),
            &probe,
            |e| CpuKernel::<3>::forward(&kernel, [&weights, e, &vec![0.0; n]]).0,
            |_| true,
            true,
            "d term 0",
        );
    }
}
