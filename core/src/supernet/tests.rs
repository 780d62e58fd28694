use burn::prelude::*;

use super::*;
use crate::genotype::Genotype;
use crate::nn::WeightSampler;
use crate::space::{Aggregate, CellKind, Domain, InputSpec, Op, SearchSpace};
use crate::CpuBackend as B;

fn image_space(
    ops: Vec<Op>,
    nodes: usize,
    cells: Vec<CellKind>,
    channels: usize,
    stem: usize,
) -> SearchSpace {
    SearchSpace {
        domain: Domain::Image,
        ops,
        nodes,
        cells,
        channels,
        stem_multiplier: stem,
        aggregate: Aggregate::Concat,
        inputs: vec![InputSpec {
            name: "g8".into(),
            channels: 1,
            height: 8,
            width: 8,
        }],
        num_outputs: 3,
        constraints: vec![],
    }
}

fn uniform_arch(space: &SearchSpace) -> ArchWeights<B> {
    let device = Default::default();
    let shape = [space.num_edges(), space.ops.len()];
    let v = 1.0 / space.ops.len() as f32;
    ArchWeights {
        normal: Tensor::full(shape, v, &device),
        reduce: space.has_reduce().then(|| Tensor::full(shape, v, &device)),
        paths: None,
    }
}

#[test]
fn image_shapes_through_cells_at_several_sizes() {
    let device = Default::default();
    let mut space = SearchSpace::default_image();
    space.cells = vec![
        CellKind::Normal,
        CellKind::Reduce,
        CellKind::Reduce,
        CellKind::Normal,
    ];
    space.inputs = [(1, 8), (1, 28), (3, 32)]
        .iter()
        .enumerate()
        .map(|(i, &(c, s))| InputSpec {
            name: format!("in{i}"),
            channels: c,
            height: s,
            width: s,
        })
        .collect();
    space.validate().unwrap();
    let net = Network::<B>::supernet(&space, NetworkInit::default(), &device);
    let arch = uniform_arch(&space);
    for (input, (c, s)) in [(1usize, 8usize), (1, 28), (3, 32)].into_iter().enumerate() {
        let x = Tensor::<B, 4>::ones([2, c, s, s], &device);
        let mut sampler = WeightSampler::mean();
        // Walk the cells by hand to check every intermediate shape.
        let Stem::Conv(conv) = &net.stems[input] else {
            panic!("image stem")
        };
        let stem = conv.forward(x.clone(), &mut sampler);
        assert_eq!(stem.dims(), [2, 24, s, s]);
        let (mut s0, mut s1) = (stem.clone(), stem);
        let mut expect_hw = s;
        let mut expect_c = 8;
        for cell in &net.cells {
            if cell.reduce {
                expect_hw = expect_hw.div_ceil(2);
                expect_c *= 2;
            }
            let out = cell.forward(s0, s1.clone(), arch.of(cell.reduce), &mut sampler);
            assert_eq!(
                out.dims(),
                [2, 4 * expect_c, expect_hw, expect_hw],
                "size {s}"
            );
            s0 = s1;
            s1 = out;
        }
        let y = net.forward(x, input, Some(&arch), &mut sampler).unwrap();
        assert_eq!(y.dims(), [2, 5]);
        assert!(y
            .into_data()
            .to_vec::<f32>()
            .unwrap()
            .iter()
            .all(|v| v.is_finite()));
    }
    assert!(net
        .forward(
            Tensor::ones([1, 1, 8, 8], &device),
            7,
            None,
            &mut WeightSampler::mean()
        )
        .is_none());
}

#[test]
fn vector_shapes() {
    let device = Default::default();
    let space = SearchSpace::default_vector();
    let net = Network::<B>::supernet(&space, NetworkInit::default(), &device);
    let x = Tensor::<B, 2>::ones([10, 1], &device);
    let y = net
        .forward_vectors(
            x,
            0,
            Some(&uniform_arch(&space)),
            &mut WeightSampler::mean(),
        )
        .unwrap();
    assert_eq!(y.dims(), [10, 1]);
    // Mean aggregation keeps the width: the head reads 50 features.
    assert_eq!(net.head.weight.mu.dims(), [50, 1]);
}

#[test]
fn parameter_count_matches_hand_count_image() {
    let device = Default::default();
    // stem 3x3 1->2: 18; pre0, pre1 1x1 2->2: 4 + 4; two sep_conv_3x3 edges, each twice
    // (depthwise 2*9 + pointwise 2*2) = 44; head 2->3: 6 + 3. Total 18 + 8 + 88 + 9 = 123.
    let space = image_space(
        vec![Op::None, Op::SkipConnect, Op::SepConv3x3],
        1,
        vec![CellKind::Normal],
        2,
        1,
    );
    space.validate().unwrap();
    let net = Network::<B>::supernet(&space, NetworkInit::default(), &device);
    assert_eq!(net.num_weights(), 123);
}

#[test]
fn parameter_and_mac_count_with_reduction() {
    let device = Default::default();
    // stem 18; normal cell pre 4 + 4 (skip and pool have no weights); reduction cell (4
    // channels) pre 8 + 8 and two stride-2 skips = factorized reductions of 2 * (4*2) = 16
    // each; head 4->3: 15. Total 18 + 8 + 16 + 32 + 15 = 89.
    let space = image_space(
        vec![Op::None, Op::SkipConnect, Op::MaxPool3x3],
        1,
        vec![CellKind::Normal, CellKind::Reduce],
        2,
        1,
    );
    space.validate().unwrap();
    let net = Network::<B>::supernet(&space, NetworkInit::default(), &device);
    assert_eq!(net.num_weights(), 89);
    // MACs at 8x8: stem 18*64; normal pre 2*4*64; reduce pre 2*8*64; factorized reductions
    // 2 edges * 2 convs * 8 weights * 16 outputs; head 12.
    let expect = 18 * 64 + 2 * 4 * 64 + 2 * 8 * 64 + 2 * 2 * 8 * 16 + 12;
    assert_eq!(net.macs(0, [8, 8]), expect as u64);
    // A single path runs one of the 3 live ops of each edge: each factorized reduction
    // (2 * 8 * 16 = 256 MACs) on a third of the paths, 85 in whole MACs.
    let single = 18 * 64 + 2 * 4 * 64 + 2 * 8 * 64 + 2 * 85 + 12;
    assert_eq!(net.single_path_macs(0, [8, 8]), single as u64);
}

#[test]
fn parameter_count_vector_and_fixed_network() {
    let device = Default::default();
    let mut space = SearchSpace::default_vector();
    space.nodes = 1;
    space.channels = 4;
    // stem 1->4: 8; two linear edges 4->4: 20 each; head 4->1: 5. Total 53.
    let net = Network::<B>::supernet(&space, NetworkInit::default(), &device);
    assert_eq!(net.num_weights(), 53);
    // A genotype keeping a skip and a linear: stem 8 + one linear 20 + head 5 = 33.
    let g = Genotype {
        normal: vec![(Op::Linear, 0), (Op::SkipConnect, 1)],
        normal_concat: vec![2],
        reduce: vec![],
        reduce_concat: vec![],
    };
    g.validate_for(&space).unwrap();
    let fixed = Network::<B>::fixed(&space, &g, NetworkInit::default(), &device).unwrap();
    assert_eq!(fixed.num_weights(), 33);
    // A genotype that does not fit the space is refused, not built wrong.
    let mut wrong = g.clone();
    wrong.normal[0] = (Op::SepConv3x3, 0);
    let err = Network::<B>::fixed(&space, &wrong, NetworkInit::default(), &device).unwrap_err();
    assert!(
        err.to_string()
            .contains("`sep_conv_3x3` is not an op of the space"),
        "{err}"
    );
    assert_eq!(fixed.macs(0, [1, 1]), 4 + 16 + 4);
    let y = fixed
        .forward_vectors(
            Tensor::ones([3, 1], &device),
            0,
            None,
            &mut WeightSampler::mean(),
        )
        .unwrap();
    assert_eq!(y.dims(), [3, 1]);
}

#[test]
fn fixed_image_network_from_genotype() {
    let device = Default::default();
    let space = SearchSpace::default_image();
    let g = Genotype::from_darts(
        "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), \
         ('skip_connect', 0), ('sep_conv_3x3', 1), ('dil_conv_3x3', 2), ('skip_connect', 0)], normal_concat=range(2, 6), \
         reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), \
         ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('conv_7x1_1x7', 1)], reduce_concat=range(2, 6))",
    )
    .unwrap();
    g.validate_for(&space).unwrap();
    let fixed = Network::<B>::fixed(&space, &g, NetworkInit::default(), &device).unwrap();
    let supernet = Network::<B>::supernet(&space, NetworkInit::default(), &device);
    assert!(fixed.num_weights() < supernet.num_weights() / 3);
    let y = fixed
        .forward(
            Tensor::ones([2, 1, 28, 28], &device),
            0,
            None,
            &mut WeightSampler::mean(),
        )
        .unwrap();
    assert_eq!(y.dims(), [2, 5]);
}

#[test]
fn constraints_remove_ops_from_the_supernet() {
    let device = Default::default();
    let mut space = image_space(
        vec![Op::None, Op::SkipConnect, Op::SepConv3x3],
        1,
        vec![CellKind::Normal],
        2,
        1,
    );
    space.constraints.push(crate::space::Constraint {
        cell: CellKind::Normal,
        from: 0,
        to: 2,
        op: Some(Op::SepConv3x3),
    });
    space.validate().unwrap();
    let net = Network::<B>::supernet(&space, NetworkInit::default(), &device);
    // One sep_conv (44 weights) fewer than the unconstrained 123.
    assert_eq!(net.num_weights(), 123 - 44);
}
