//! The evaluation network against hand-computed sizes, a learning test on the bundled digits,
//! and resume equality.

use std::sync::atomic::AtomicBool;

use burn::prelude::*;

use super::*;
use crate::genotype::Genotype;
use crate::run::BUNDLED_DIGITS;

type A = crate::CpuAutodiff;
type B = crate::CpuBackend;

/// DARTS' parameter count of `NetworkCIFAR` for DARTS_V2, written out from DARTS'
/// `model.py` and `operations.py` (convolutions without bias, batch norms with γ and β, a
/// linear classifier with bias; the auxiliary head counted apart, as DARTS'
/// `count_parameters_in_MB` leaves it out).
fn darts_v2_count(in_channels: usize, c: usize, layers: usize, classes: usize) -> (usize, usize) {
    let bn = |ch: usize| 2 * ch;
    let sep = |ch: usize, k: usize| 2 * (ch * k * k + ch * ch + bn(ch));
    let dil = |ch: usize, k: usize| ch * k * k + ch * ch + bn(ch);
    let fr = |ci: usize, co: usize| 2 * ci * (co / 2) + bn(co);
    let rcb = |ci: usize, co: usize| ci * co + bn(co);
    let stem = 3 * c;
    let mut total = in_channels * stem * 9 + bn(stem);
    let (mut cpp, mut cp, mut cc) = (stem, stem, c);
    let mut reduction_prev = false;
    let mut aux_in = 0;
    for i in 0..layers {
        let reduce = i == layers / 3 || i == 2 * layers / 3;
        if reduce {
            cc *= 2;
        }
        total += if reduction_prev {
            fr(cpp, cc)
        } else {
            rcb(cpp, cc)
        } + rcb(cp, cc);
        total += if reduce {
            // max pools and skips: skips from the inputs (stride 2) are factorized reductions;
            // DARTS_V2's reduce cell has none (its skips come from node 2).
            0
        } else {
            // 5 sep_conv_3x3, 2 skips (identity), 1 dil_conv_3x3.
            5 * sep(cc, 3) + dil(cc, 3)
        };
        reduction_prev = reduce;
        cpp = cp;
        cp = 4 * cc;
        if i == 2 * layers / 3 {
            aux_in = cp;
        }
    }
    total += cp * classes + classes;
    let aux = aux_in * 128 + bn(128) + 128 * 768 * 4 + bn(768) + 768 * classes + classes;
    (total, aux)
}

/// Multiply-accumulates of one image through DARTS_V2's network, written out the same way:
/// every convolution's `c_out · c_in / groups · kh · kw · oh · ow`, pooling and batch norm free.
fn darts_v2_macs(in_channels: usize, c: usize, layers: usize, classes: usize, side: usize) -> u64 {
    let sq = |hw: usize| hw * hw;
    let stem = 3 * c;
    let mut total = in_channels * stem * 9 * sq(side);
    let (mut cpp, mut cp, mut cc) = (stem, stem, c);
    let (mut hw0, mut hw1) = (side, side);
    let mut reduction_prev = false;
    for i in 0..layers {
        let reduce = i == layers / 3 || i == 2 * layers / 3;
        if reduce {
            cc *= 2;
        }
        total += if reduction_prev {
            // Two 1x1 stride-2 convolutions to half the channels each.
            2 * cpp * (cc / 2) * sq(hw0.div_ceil(2))
        } else {
            cpp * cc * sq(hw0)
        };
        total += cp * cc * sq(hw1);
        if !reduce {
            // A separable 3x3 is twice (depthwise 3x3 + pointwise); a dilated one once.
            let dil = (cc * 9 + cc * cc) * sq(hw1);
            total += 5 * 2 * dil + dil;
        }
        let out = if reduce { hw1.div_ceil(2) } else { hw1 };
        (hw0, hw1) = (hw1, out);
        reduction_prev = reduce;
        cpp = cp;
        cp = 4 * cc;
    }
    (total + cp * classes) as u64
}

fn darts_v2() -> Genotype {
    Genotype::from_darts(DARTS_V2).unwrap()
}

#[test]
fn darts_v2_on_cifar_has_darts_parameter_count() {
    let io = NetIo {
        channels: 3,
        height: 32,
        width: 32,
        classes: 10,
    };
    let shape = Preset::Darts.shape();
    let net = EvalNetwork::<B>::new(&darts_v2(), shape, io, 0, &Default::default()).unwrap();
    let (expect, aux) = darts_v2_count(3, 36, 20, 10);
    assert_eq!(net.num_params(), expect);
    assert_eq!(net.num_aux_params(), aux);
    assert_eq!(net.macs([32, 32]), darts_v2_macs(3, 36, 20, 10, 32));
    // The DARTS paper reports 3.3M parameters for this network.
    assert_eq!((expect as f64 / 1e5).round(), 33.0, "{expect}");
}

#[test]
fn small_network_shapes_and_sizes() {
    let io = NetIo {
        channels: 1,
        height: 28,
        width: 28,
        classes: 7,
    };
    let shape = NetShape {
        channels: 4,
        layers: 5,
        auxiliary: true,
    };
    let net = EvalNetwork::<A>::new(&darts_v2(), shape, io, 1, &Default::default()).unwrap();
    assert_eq!(net.num_params(), darts_v2_count(1, 4, 5, 7).0);
    assert_eq!(net.macs([28, 28]), darts_v2_macs(1, 4, 5, 7, 28));
    assert_eq!(reduction_cells(5), [1, 3]);
    let x = Tensor::<A, 4>::ones([2, 1, 28, 28], &Default::default());
    let out = net.forward(x, &mut crate::nn::WeightSampler::mean(), true);
    assert_eq!(out.logits.dims(), [2, 7]);
    // The auxiliary head reads the 7x7 map of cell 3, pools it to 1x1.
    assert_eq!(out.aux_logits.map(|t| t.dims()), Some([2, 7]));
    let aux = net.aux.as_ref().unwrap();
    assert_eq!(aux.pool, 5);
    // Tiny and oblong images go through too (every map stays at least one pixel).
    for (h, w) in [(1, 1), (2, 2), (3, 5), (5, 3)] {
        let io = NetIo {
            height: h,
            width: w,
            ..io
        };
        let small = EvalNetwork::<A>::new(&darts_v2(), shape, io, 1, &Default::default()).unwrap();
        let x = Tensor::<A, 4>::ones([2, 1, h, w], &Default::default());
        let out = small.forward(x, &mut crate::nn::WeightSampler::mean(), true);
        assert_eq!(out.logits.dims(), [2, 7], "{h}x{w}");
        assert_eq!(out.aux_logits.map(|t| t.dims()), Some([2, 7]), "{h}x{w}");
    }
    // 4 channels doubled twice, 4 nodes concatenated: 64 in, 1x1 second convolution.
    assert_eq!(
        net.num_aux_params(),
        64 * 128 + 256 + 128 * 768 + 1536 + 768 * 7 + 7
    );
}

#[test]
fn genotypes_that_do_not_fit_are_refused_by_field() {
    let io = NetIo {
        channels: 1,
        height: 8,
        width: 8,
        classes: 3,
    };
    let shape = Preset::Small.shape();
    let mut g = darts_v2();
    g.normal_concat = vec![2, 3];
    let e = EvalNetwork::<B>::new(&g, shape, io, 0, &Default::default()).unwrap_err();
    assert!(e.to_string().contains("normal_concat"), "{e}");
    let mut g = darts_v2();
    g.reduce.clear();
    g.reduce_concat.clear();
    let e = EvalNetwork::<B>::new(&g, shape, io, 0, &Default::default()).unwrap_err();
    assert!(e.to_string().contains("reduce"), "{e}");
}

fn digits_config(epochs: usize) -> RetrainConfig {
    let mut protocol = Preset::Small.protocol();
    protocol.epochs = epochs;
    protocol.batch_size = 32;
    protocol.learning_rate = 0.05;
    protocol.augment = Augment::NONE;
    protocol.checkpoint_every = 7;
    RetrainConfig {
        seed: 3,
        architecture: Architecture::Cells {
            genotype: darts_v2(),
            source: "DARTS_V2".into(),
        },
        data: RetrainData {
            path: BUNDLED_DIGITS.into(),
            test_path: None,
            test_fraction: 0.2,
            train_limit: Some(600),
        },
        network: NetShape {
            channels: 4,
            layers: 3,
            auxiliary: true,
        },
        protocol,
    }
}

#[test]
fn learns_the_bundled_digits_in_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let mut run = RetrainRun::<A>::create(
        &dir.path().join("r"),
        digits_config(3),
        false,
        Default::default(),
    )
    .unwrap();
    // 20% of each class, rounded: 359 of the 1797 digits.
    let by_class = [178usize, 182, 177, 183, 181, 182, 181, 179, 174, 180];
    let held: usize = by_class
        .iter()
        .map(|&n| (n as f64 * 0.2).round() as usize)
        .sum();
    assert_eq!(run.data.test.len(), held);
    let (before, _) = run.test().unwrap();
    let stopped = run.train(&AtomicBool::new(false), |_| {}, |_| {}).unwrap();
    assert!(!stopped);
    let epochs = run.epochs().unwrap();
    assert_eq!(epochs.len(), 3);
    let last = epochs.last().unwrap();
    // Ten classes: chance is 0.1.
    assert!(before < 0.3, "before training {before}");
    assert!(last.test_top1 > 0.8, "{epochs:?}");
    assert!(last.test_top5.unwrap() >= last.test_top1);
    assert!(epochs[0].train_loss > last.train_loss, "{epochs:?}");
}

#[test]
fn a_resumed_retrain_ends_with_the_same_bits() {
    let dir = tempfile::tempdir().unwrap();
    let straight = dir.path().join("straight");
    let mut run =
        RetrainRun::<A>::create(&straight, digits_config(2), false, Default::default()).unwrap();
    run.train(&AtomicBool::new(false), |_| {}, |_| {}).unwrap();
    let expect = (run.parameter_digest(), run.epochs().unwrap());
    drop(run);

    let broken = dir.path().join("broken");
    let stop = AtomicBool::new(false);
    let mut run =
        RetrainRun::<A>::create(&broken, digits_config(2), false, Default::default()).unwrap();
    // Stop mid-epoch between two checkpoints (every 7 steps; 15 steps an epoch).
    let stopped = run
        .train(
            &stop,
            |p| {
                if p.step == 10 {
                    stop.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            },
            |_| {},
        )
        .unwrap();
    assert!(stopped);
    drop(run);
    let mut run = RetrainRun::<A>::open(&broken, Default::default()).unwrap();
    assert_eq!(run.steps_done(), 10);
    run.train(&AtomicBool::new(false), |_| {}, |_| {}).unwrap();
    let mut got = (run.parameter_digest(), run.epochs().unwrap());
    // Wall time differs; everything else is equal.
    for (a, b) in got.1.iter_mut().zip(&expect.1) {
        a.elapsed_seconds = b.elapsed_seconds;
    }
    assert_eq!(got, expect);
    // A second writer is refused while this one holds the lock.
    assert!(RetrainRun::<A>::open(&broken, Default::default()).is_err());
}
