use super::*;

fn err_of(space: &SearchSpace) -> String {
    space.validate().unwrap_err().to_string()
}

#[test]
fn defaults_are_valid() {
    SearchSpace::default_image().validate().unwrap();
    SearchSpace::default_vector().validate().unwrap();
}

#[test]
fn toml_and_json_round_trip() {
    let mut space = SearchSpace::default_image();
    space.constraints.push(Constraint {
        cell: CellKind::Normal,
        from: 0,
        to: 3,
        op: Some(Op::MaxPool3x3),
    });
    let toml = space.to_toml_string();
    assert_eq!(SearchSpace::from_toml_str(&toml, "t.toml").unwrap(), space);
    let json = serde_json::to_string(&space).unwrap();
    assert_eq!(SearchSpace::from_json_str(&json, "t.json").unwrap(), space);
}

#[test]
fn unknown_op_is_named() {
    let toml = SearchSpace::default_image()
        .to_toml_string()
        .replace("\"sep_conv_3x3\"", "\"sep_conv_9x9\"");
    let err = SearchSpace::from_toml_str(&toml, "space.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("space.toml"), "{err}");
    assert!(err.contains("unknown op `sep_conv_9x9`"), "{err}");
}

#[test]
fn unknown_field_is_named() {
    let toml = SearchSpace::default_vector().to_toml_string() + "\nnode_count = 3\n";
    let err = SearchSpace::from_toml_str(&toml, "v.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("node_count"), "{err}");
}

#[test]
fn field_errors_name_the_field() {
    let mut s = SearchSpace::default_image();
    s.nodes = 0;
    assert!(err_of(&s).contains("`nodes`"));

    let mut s = SearchSpace::default_image();
    s.channels = 0;
    assert!(err_of(&s).contains("`channels`"));

    let mut s = SearchSpace::default_image();
    s.ops.push(Op::SepConv3x3);
    assert!(err_of(&s).contains("listed twice"));

    let mut s = SearchSpace::default_image();
    s.ops.push(Op::Linear);
    assert!(err_of(&s).contains("`ops[10]`"), "{}", err_of(&s));

    let mut s = SearchSpace::default_image();
    s.ops = vec![Op::None];
    assert!(err_of(&s).contains("other than `none`"));

    let mut s = SearchSpace::default_vector();
    s.cells.push(CellKind::Reduce);
    assert!(err_of(&s).contains("no reduction cells"));

    let mut s = SearchSpace::default_image();
    s.inputs[0].height = 0;
    assert!(err_of(&s).contains("`inputs[0]`"));

    let mut s = SearchSpace::default_image();
    s.inputs.push(s.inputs[0].clone());
    assert!(err_of(&s).contains("`inputs[1].name`"));
}

#[test]
fn constraint_errors() {
    let mut s = SearchSpace::default_image();
    s.constraints.push(Constraint {
        cell: CellKind::Normal,
        from: 3,
        to: 3,
        op: None,
    });
    assert!(err_of(&s).contains("constraints[0].from"));

    let mut s = SearchSpace::default_image();
    s.constraints.push(Constraint {
        cell: CellKind::Normal,
        from: 0,
        to: 9,
        op: None,
    });
    assert!(err_of(&s).contains("constraints[0].to"));

    // Node 2 has exactly two inputs: switching one off leaves it with one.
    let mut s = SearchSpace::default_image();
    s.constraints.push(Constraint {
        cell: CellKind::Reduce,
        from: 1,
        to: 2,
        op: None,
    });
    let e = err_of(&s);
    assert!(
        e.contains("node 0 (`to = 2`) of the reduce cell with 1 live input"),
        "{e}"
    );

    // Switching off every non-none op on an edge kills it just the same.
    let mut s = SearchSpace::default_vector();
    for op in [Op::SkipConnect, Op::Linear] {
        s.constraints.push(Constraint {
            cell: CellKind::Normal,
            from: 0,
            to: 2,
            op: Some(op),
        });
    }
    assert!(err_of(&s).contains("node 0 (`to = 2`) of the normal cell with 1 live input"));
}

#[test]
fn live_mask_applies_constraints() {
    let mut s = SearchSpace::default_image();
    s.constraints = vec![
        Constraint {
            cell: CellKind::Normal,
            from: 0,
            to: 3,
            op: Some(Op::MaxPool3x3),
        },
        Constraint {
            cell: CellKind::Normal,
            from: 2,
            to: 4,
            op: None,
        },
    ];
    s.validate().unwrap();
    let live = s.live_mask(CellKind::Normal);
    let pool = s.op_index(Op::MaxPool3x3).unwrap();
    let e03 = edge_index(4, 0, 3).unwrap();
    assert!(!live[e03][pool]);
    assert_eq!(live[e03].iter().filter(|l| !**l).count(), 1);
    assert!(live[edge_index(4, 2, 4).unwrap()].iter().all(|l| !l));
    assert!(s.live_mask(CellKind::Reduce).iter().flatten().all(|l| *l));
}

#[test]
fn summary_mentions_shape() {
    let text = SearchSpace::default_image().summary();
    assert!(text.contains("14 edges per cell"), "{text}");
    assert!(text.contains("1x28x28"), "{text}");
}
