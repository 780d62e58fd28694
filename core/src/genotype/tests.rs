use proptest::prelude::*;

use super::*;
use crate::space::{Aggregate, Constraint, Domain, InputSpec};

/// Two intermediate nodes (5 edges: 0->2, 1->2, 0->3, 1->3, 2->3) over
/// [none, skip_connect, sep_conv_3x3, max_pool_3x3].
fn small_space() -> SearchSpace {
    SearchSpace {
        domain: Domain::Image,
        ops: vec![Op::None, Op::SkipConnect, Op::SepConv3x3, Op::MaxPool3x3],
        nodes: 2,
        cells: vec![CellKind::Normal, CellKind::Reduce],
        channels: 4,
        stem_multiplier: 1,
        aggregate: Aggregate::Concat,
        inputs: vec![InputSpec {
            name: "g".into(),
            channels: 1,
            height: 8,
            width: 8,
        }],
        num_outputs: 2,
        constraints: vec![],
    }
}

#[test]
fn derivation_on_hand_made_probabilities() {
    let space = small_space();
    let normal = vec![
        vec![0.10, 0.20, 0.60, 0.10], // 0->2: sep 0.6
        vec![0.70, 0.05, 0.05, 0.20], // 1->2: none strongest, then pool 0.2
        vec![0.25, 0.25, 0.25, 0.25], // 0->3: all 0.25; skip wins the op tie (earlier column)
        vec![0.90, 0.02, 0.03, 0.05], // 1->3: none 0.9 is ignored; pool 0.05
        vec![0.00, 0.50, 0.10, 0.40], // 2->3: skip 0.5
    ];
    let reduce = vec![
        vec![0.1, 0.3, 0.3, 0.3], // 0->2: three-way op tie at 0.3: skip (earliest column)
        vec![0.1, 0.3, 0.3, 0.3], // 1->2: same strength as 0->2
        vec![0.0, 0.2, 0.2, 0.6], // 0->3: pool 0.6
        vec![0.0, 0.6, 0.2, 0.2], // 1->3: skip 0.6, ties with 0->3: lower source first
        vec![0.4, 0.1, 0.1, 0.4], // 2->3: pool 0.4, dropped
    ];
    let g = Genotype::derive(&space, &normal, Some(&reduce));
    assert_eq!(
        g.normal,
        vec![
            (Op::SepConv3x3, 0),
            (Op::MaxPool3x3, 1),
            (Op::SkipConnect, 2),
            (Op::SkipConnect, 0),
        ]
    );
    assert_eq!(
        g.reduce,
        vec![
            (Op::SkipConnect, 0),
            (Op::SkipConnect, 1),
            (Op::MaxPool3x3, 0),
            (Op::SkipConnect, 1),
        ]
    );
    assert_eq!(g.normal_concat, vec![2, 3]);
    g.validate_for(&space).unwrap();
}

#[test]
fn derivation_never_picks_switched_off_ops() {
    let mut space = small_space();
    space.constraints = vec![Constraint {
        cell: CellKind::Normal,
        from: 0,
        to: 2,
        op: Some(Op::SepConv3x3),
    }];
    space.validate().unwrap();
    let normal = vec![
        vec![0.1, 0.1, 0.7, 0.1],
        vec![0.1, 0.3, 0.3, 0.3],
        vec![0.25; 4],
        vec![0.25; 4],
        vec![0.25; 4],
    ];
    let g = Genotype::derive(&space, &normal, Some(&normal));
    // 0->2's best live op is now skip (0.1 ties with pool; skip comes first).
    assert_eq!(g.normal[..2], [(Op::SkipConnect, 1), (Op::SkipConnect, 0)]);
    assert_eq!(g.reduce[0], (Op::SepConv3x3, 0));
}

#[test]
fn vector_space_has_no_reduce_cell() {
    let space = SearchSpace::default_vector();
    let probs = vec![vec![0.2, 0.3, 0.5]; space.num_edges()];
    let g = Genotype::derive(&space, &probs, None);
    assert!(g.reduce.is_empty() && g.reduce_concat.is_empty());
    assert_eq!(g.normal.len(), 6);
    assert_eq!(g.to_darts(), "Genotype(normal=[('linear', 0), ('linear', 1), ('linear', 0), ('linear', 1), ('linear', 0), ('linear', 1)], normal_concat=range(2, 5), reduce=[], reduce_concat=[])");
    assert_eq!(Genotype::from_darts(&g.to_darts()).unwrap(), g);
}

fn darts_v2() -> Genotype {
    Genotype {
        normal: vec![
            (Op::SepConv3x3, 0),
            (Op::SepConv3x3, 1),
            (Op::SepConv3x3, 0),
            (Op::SepConv3x3, 1),
            (Op::SepConv3x3, 1),
            (Op::SkipConnect, 0),
            (Op::SkipConnect, 0),
            (Op::DilConv3x3, 2),
        ],
        normal_concat: vec![2, 3, 4, 5],
        reduce: vec![
            (Op::MaxPool3x3, 0),
            (Op::MaxPool3x3, 1),
            (Op::SkipConnect, 2),
            (Op::MaxPool3x3, 1),
            (Op::MaxPool3x3, 0),
            (Op::SkipConnect, 2),
            (Op::SkipConnect, 2),
            (Op::MaxPool3x3, 1),
        ],
        reduce_concat: vec![2, 3, 4, 5],
    }
}

#[test]
fn reads_the_darts_v2_genotype_as_written_in_darts() {
    // As it stands in DARTS' genotypes.py.
    let text = "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";
    assert_eq!(Genotype::from_darts(text).unwrap(), darts_v2());
    let multiline = "Genotype(\n  normal=[(\"sep_conv_3x3\", 0), (\"sep_conv_3x3\", 1),\n ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2),],\n  reduce_concat=list(range(2, 6)),\n  reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],\n  normal_concat=range(2, 6),\n)\n";
    assert_eq!(Genotype::from_darts(multiline).unwrap(), darts_v2());
}

#[test]
fn darts_text_and_json_round_trip() {
    let g = darts_v2();
    let text = g.to_darts();
    assert!(text.starts_with("Genotype(normal=[('sep_conv_3x3', 0), "));
    assert!(text.contains("normal_concat=range(2, 6)"));
    assert_eq!(Genotype::from_darts(&text).unwrap(), g);
    assert_eq!(Genotype::from_json(&g.to_json()).unwrap(), g);
    let json: serde_json::Value = serde_json::from_str(&g.to_json()).unwrap();
    assert_eq!(json["normal"][7], serde_json::json!(["dil_conv_3x3", 2]));
}

#[test]
fn malformed_text_is_rejected_with_position_and_expectation() {
    let ok = darts_v2().to_darts();
    let cases: Vec<(String, &str, usize)> = vec![
        (String::new(), "`Genotype(`", 1),
        ("Genotyp(normal=[])".into(), "`Genotype(`", 1),
        ("Genotype normal=[]".into(), "`(`", 10),
        (
            ok.replace("'sep_conv_3x3', 0)", "'sep_conv_9x9', 0)"),
            "known op name",
            19,
        ),
        (
            ok.replace("('sep_conv_3x3', 0)", "('sep_conv_3x3' 0)"),
            "`,`",
            34,
        ),
        (
            ok.replace("('sep_conv_3x3', 0)", "('sep_conv_3x3', -1)"),
            "non-negative integer",
            35,
        ),
        (
            ok.replace("('sep_conv_3x3', 0)", "(sep_conv_3x3, 0)"),
            "quoted op name",
            19,
        ),
        (
            ok.replace("('sep_conv_3x3', 0)", "('sep_conv_3x3, 0)"),
            "closing quote",
            32,
        ),
        (
            ok.replace("normal_concat=range(2, 6)", "normal_concat=range(6, 2)"),
            "range end of at least 6",
            0,
        ),
        (
            ok.replace("normal_concat=range(2, 6)", "normal_concat=(2, 6)"),
            "`range(a, b)`",
            0,
        ),
        (
            ok.replace("reduce_concat=range(2, 6))", "reduce_concat=range(2, 6)"),
            "`)`",
            0,
        ),
        (
            ok.replace(", reduce_concat=range(2, 6))", ")"),
            "the field `reduce_concat`",
            0,
        ),
        (ok.replace("reduce=", "normal="), "each field once", 0),
        (ok.replace("reduce=", "reduction="), "one of the fields", 0),
        (ok.clone() + " extra", "end of text after `)`", 0),
        (
            ok.replace(
                "('sep_conv_3x3', 1)",
                "('sep_conv_3x3', 99999999999999999999)",
            ),
            "integer below",
            0,
        ),
    ];
    for (text, expected, column) in cases {
        let err = match Genotype::from_darts(&text) {
            Err(GenotypeError::Parse(e)) => e,
            other => panic!("{text:?} should not parse: {other:?}"),
        };
        let msg = err.to_string();
        assert!(msg.contains(expected), "{text:?}: {msg}");
        assert!(msg.starts_with("genotype text at line 1, column "), "{msg}");
        if column > 0 {
            assert_eq!(err.position.column, column, "{text:?}: {msg}");
        }
    }
}

#[test]
fn structurally_wrong_genotypes_are_rejected() {
    let ok = darts_v2().to_darts();
    // Node 2 (first node) reading from node 2: parses, fails validation.
    let bad = ok.replacen("('sep_conv_3x3', 0)", "('sep_conv_3x3', 2)", 1);
    let e = Genotype::from_darts(&bad).unwrap_err().to_string();
    assert!(
        e.contains("`normal[0]`") && e.contains("does not precede node 2"),
        "{e}"
    );
    let bad = ok.replacen("('sep_conv_3x3', 0)", "('none', 0)", 1);
    assert!(Genotype::from_darts(&bad)
        .unwrap_err()
        .to_string()
        .contains("`none` is never kept"));
    let bad = ok.replacen("normal_concat=range(2, 6)", "normal_concat=range(2, 7)", 1);
    assert!(Genotype::from_darts(&bad)
        .unwrap_err()
        .to_string()
        .contains("normal_concat[4]"));
    let bad = ok.replacen(", ('dil_conv_3x3', 2)", "", 1);
    assert!(Genotype::from_darts(&bad)
        .unwrap_err()
        .to_string()
        .contains("has 7 pairs"));
    // Does not fit the 2-node space.
    let e = darts_v2()
        .validate_for(&small_space())
        .unwrap_err()
        .to_string();
    assert!(e.contains("has 4 nodes; the space has 2"), "{e}");
    // JSON with a wrong type names the problem.
    assert!(Genotype::from_json("{\"normal\": 3}")
        .unwrap_err()
        .to_string()
        .starts_with("genotype JSON:"));
}

fn arb_genotype() -> impl Strategy<Value = Genotype> {
    let ops: Vec<Op> = Op::ALL.into_iter().filter(|o| *o != Op::None).collect();
    (1usize..6, any::<bool>()).prop_flat_map(move |(nodes, with_reduce)| {
        let ops = ops.clone();
        let cell = move |ops: Vec<Op>| {
            (0..nodes * INPUTS_PER_NODE)
                .map(|i| {
                    (
                        proptest::sample::select(ops.clone()),
                        0..(i / INPUTS_PER_NODE + 2),
                    )
                })
                .collect::<Vec<_>>()
        };
        (cell(ops.clone()), cell(ops)).prop_map(move |(normal, reduce)| Genotype {
            normal,
            normal_concat: (2..nodes + 2).collect(),
            reduce: if with_reduce { reduce } else { vec![] },
            reduce_concat: if with_reduce {
                (2..nodes + 2).collect()
            } else {
                vec![]
            },
        })
    })
}

proptest! {
    #[test]
    fn any_genotype_round_trips(g in arb_genotype()) {
        prop_assert_eq!(Genotype::from_darts(&g.to_darts()).unwrap(), g.clone());
        prop_assert_eq!(Genotype::from_json(&g.to_json()).unwrap(), g);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = Genotype::from_darts(&text);
    }

    #[test]
    fn mutated_genotype_text_never_panics(g in arb_genotype(), cut in 0usize..400, insert in "[()\\[\\],'=a-z0-9 ]{0,4}") {
        let mut text = g.to_darts();
        let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count()).unwrap_or(0);
        text.insert_str(at, &insert);
        let _ = Genotype::from_darts(&text);
    }
}
