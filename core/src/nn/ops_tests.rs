//! The candidate ops against hand-computed outputs: what each reads, its sizes, and what
//! batch norm does to `linear` and not to `linear_relu`.

use super::gaussian::WeightSampler;
use super::ops::*;
use super::test_util::{mu_values, search_init};
use crate::rng::SeededRng;
use crate::space::Op;
use crate::CpuBackend as B;
use burn::prelude::*;

fn standardise(v: &[f32]) -> Vec<f32> {
    let n = v.len() as f32;
    let mean = v.iter().sum::<f32>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n;
    v.iter().map(|x| (x - mean) / (var + 1e-5).sqrt()).collect()
}

#[test]
fn factorized_reduce_reads_even_and_shifted_pixels() {
    let device = Default::default();
    let mut rng = SeededRng::new(0);
    let mut init = search_init(&mut rng);
    let fr = FactorizedReduce::<B>::new(1, 2, &mut init, &device);
    let wa = mu_values(&fr.conv_a.weight)[0];
    let wb = mu_values(&fr.conv_b.weight)[0];
    // Input x[i][j] = (w·i + j)²: half a reads (even i, even j), half b reads (odd i,
    // odd j) and, past the edge of an odd size, the zero padding.
    for [h, w] in [[5usize, 5], [4, 6], [6, 5], [5, 4]] {
        let values: Vec<f32> = (0..h * w).map(|k| (k * k) as f32).collect();
        let x = Tensor::<B, 4>::from_data(TensorData::new(values, [1, 1, h, w]), &device);
        let y = fr.forward(x, &mut WeightSampler::mean());
        let [ho, wo] = [h.div_ceil(2), w.div_ceil(2)];
        assert_eq!(y.dims(), [1, 2, ho, wo]);
        let y = y.into_data().to_vec::<f32>().unwrap();
        let at = |i: usize, j: usize| ((w * i + j) * (w * i + j)) as f32;
        let half = |first: usize, weight: f32| -> Vec<f32> {
            (0..ho)
                .flat_map(|r| (0..wo).map(move |k| (first + 2 * r, first + 2 * k)))
                .map(|(i, j)| {
                    if i < h && j < w {
                        at(i, j) * weight
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let expect: Vec<f32> = standardise(&half(0, wa))
            .into_iter()
            .chain(standardise(&half(1, wb)))
            .collect();
        for (g, e) in y.iter().zip(&expect) {
            assert!((g - e).abs() < 1e-3, "{h}x{w}: {y:?} vs {expect:?}");
        }
    }
}

/// `linear_relu` is relu(x W + b) for each example on its own, computed here by hand from
/// the weights; `linear` standardises the same features by the batch, so one example's
/// output moves when the rest of its batch does.
#[test]
fn linear_relu_is_per_example_and_linear_standardises_by_the_batch() {
    let device = Default::default();
    let mut rng = SeededRng::new(3);
    let mut init = search_init(&mut rng);
    let c = 3;
    let Some(plain) = CandidateOp::<B>::new(Op::LinearRelu, c, 1, true, &mut init, &device) else {
        panic!("linear_relu built no op");
    };
    let CandidateOp::LinearRelu(layer) = &plain else {
        panic!("linear_relu built another op");
    };
    let w = mu_values(&layer.weight);
    let b = mu_values(&layer.bias);
    let by_hand = |x: &[f32]| -> Vec<f32> {
        (0..c)
            .map(|o| (b[o] + (0..c).map(|i| x[i] * w[i * c + o]).sum::<f32>()).max(0.0))
            .collect()
    };
    let rows = [[1.0f32, -2.0, 0.5], [3.0, 1.0, -1.0], [-0.5, 4.0, 2.0]];
    let batch = |rows: &[[f32; 3]]| {
        let values: Vec<f32> = rows.iter().flatten().copied().collect();
        Tensor::<B, 4>::from_data(TensorData::new(values, [rows.len(), c, 1, 1]), &device)
    };
    let run = |op: &CandidateOp<B>, rows: &[[f32; 3]]| -> Vec<f32> {
        op.forward(batch(rows), &mut WeightSampler::mean())
            .into_data()
            .to_vec::<f32>()
            .unwrap()
    };
    let all = run(&plain, &rows);
    for (k, row) in rows.iter().enumerate() {
        let alone = run(&plain, &rows[k..k + 1]);
        for o in 0..c {
            assert!((all[k * c + o] - by_hand(row)[o]).abs() < 1e-5, "{all:?}");
            assert_eq!(alone[o], all[k * c + o]);
        }
    }
    // `linear` on the same weights: relu(x W + b), then each feature standardised over
    // the batch.
    let with_bn = CandidateOp::Linear(LinearReluBn {
        linear: layer.clone(),
        norm: None,
    });
    let two = run(&with_bn, &rows[..2]);
    let three = run(&with_bn, &rows);
    for o in 0..c {
        let feature: Vec<f32> = rows.iter().map(|r| by_hand(r)[o]).collect();
        let expect = standardise(&feature);
        for k in 0..3 {
            assert!((three[k * c + o] - expect[k]).abs() < 1e-3, "{three:?}");
        }
    }
    assert!(
        (0..c).any(|o| (two[o] - three[o]).abs() > 1e-3),
        "the first example's output did not move with its batch: {two:?} {three:?}"
    );
}

#[test]
fn every_image_op_keeps_or_halves_the_size() {
    let device = Default::default();
    let mut rng = SeededRng::new(0);
    let mut init = search_init(&mut rng);
    for op in Op::base_image_set() {
        for stride in [1, 2] {
            let Some(m) = CandidateOp::<B>::new(op, 4, stride, true, &mut init, &device) else {
                assert_eq!(op, Op::None);
                continue;
            };
            for size in [7usize, 8] {
                let x = Tensor::<B, 4>::ones([2, 4, size, size], &device);
                let y = m.forward(x, &mut WeightSampler::mean());
                let out = if stride == 2 { size.div_ceil(2) } else { size };
                assert_eq!(
                    y.dims(),
                    [2, 4, out, out],
                    "{op} stride {stride} size {size}"
                );
                assert_eq!(m.macs([size, size]).1, [out, out], "{op}");
            }
        }
    }
}
