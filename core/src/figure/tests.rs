use super::*;
use crate::genotype::Genotype;
use crate::space::{edges, CellKind, SearchSpace};

/// Attribute `name="..."` values of every `<path ... data-edge=...>` element.
fn op_paths(svg: &str) -> Vec<(usize, String, f32, f32)> {
    svg.lines()
        .filter(|l| l.contains("data-edge="))
        .map(|l| {
            let attr = |name: &str| {
                let start = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                let end = start + l[start..].find('"').unwrap();
                l[start..end].to_string()
            };
            (
                attr("data-edge").parse().unwrap(),
                attr("data-op"),
                attr("data-p").parse().unwrap(),
                attr("stroke-width").parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_live_op_of_every_edge_is_drawn_with_its_probability() {
    let space = SearchSpace::default_image();
    let n_edges = edges(space.nodes).len();
    let n_ops = space.ops.len();
    // Edge e puts probability 0.5 + 0.03 e on op (e mod n_ops), the rest spread evenly.
    let probs: Vec<Vec<f32>> = (0..n_edges)
        .map(|e| {
            let top = 0.5 + 0.03 * e as f32;
            (0..n_ops)
                .map(|k| {
                    if k == e % n_ops {
                        top
                    } else {
                        (1.0 - top) / (n_ops - 1) as f32
                    }
                })
                .collect()
        })
        .collect();
    let svg = cell_svg(&space, CellKind::Normal, &probs, None);
    let paths = op_paths(&svg);
    let live: usize = space
        .live_mask(CellKind::Normal)
        .iter()
        .map(|r| r.iter().filter(|&&b| b).count())
        .sum();
    assert_eq!(paths.len(), live);
    for (e, op, p, width) in paths {
        let k = space.ops.iter().position(|o| o.name() == op).unwrap();
        assert!((p - probs[e][k]).abs() < 1e-4);
        assert!(
            (width - (0.5 + 7.5 * probs[e][k])).abs() < 0.01,
            "width {width} for p {p}"
        );
    }
    // Each edge is labelled with its most likely op and that probability.
    let first = format!("{} 0.50<", space.ops[0].name());
    assert!(svg.contains(&first), "label of edge 0 missing");
}

#[test]
fn the_genotype_is_highlighted() {
    let space = SearchSpace::default_image();
    let n_ops = space.ops.len();
    let probs = vec![vec![1.0 / n_ops as f32; n_ops]; edges(space.nodes).len()];
    let g = Genotype::derive(&space, &probs, Some(&probs));
    let svg = cell_svg(&space, CellKind::Reduce, &probs, Some(&g));
    assert_eq!(svg.matches("class=\"kept\"").count(), g.reduce.len());
    let none = cell_svg(&space, CellKind::Reduce, &probs, None);
    assert_eq!(none.matches("class=\"kept\"").count(), 0);
}

/// A one-node vector space (two edges, three ops) with `linear` switched off on edge 1 -> 2.
fn small_space() -> SearchSpace {
    let mut space = SearchSpace::default_vector();
    space.nodes = 1;
    space.constraints.push(crate::space::Constraint {
        cell: CellKind::Normal,
        from: 1,
        to: 2,
        op: Some(space.ops[0]),
    });
    space
}

/// Edge 0 gets `[v, 1 - v, 0]`, edge 1 `[0, v, 1 - v]`.
fn record(step: usize, v: f32) -> crate::run::ArchRecord {
    crate::run::ArchRecord {
        step,
        normal: vec![vec![v, 1.0 - v, 0.0], vec![0.0, v, 1.0 - v]],
        reduce: None,
    }
}

#[test]
fn heat_map_bins_merge_in_pairs_and_keep_exact_means() {
    let space = small_space();
    let mut heat = ProbabilityHeat::new(&space, 4);
    assert_eq!(heat.rows().len(), 6);
    assert_eq!(
        heat.rows()[3].label,
        // Nodes named as the cell view names them: input c_{k-1} to node 0 (index 2).
        format!("normal c_{{k-1}} -> 0 {}", space.ops[0].name())
    );
    assert!(!heat.rows()[3].live);
    // Nine records with v = step / 10: at 5 records the bins become pairs, at 9 quadruples.
    for step in 0..9 {
        heat.push(&record(step, step as f32 / 10.0));
    }
    assert_eq!(heat.records(), 9);
    assert_eq!(heat.records_per_column(), 4);
    assert_eq!(heat.columns(), 3);
    assert_eq!(heat.column_steps(0), Some((0, 3)));
    assert_eq!(heat.column_steps(1), Some((4, 7)));
    assert_eq!(heat.column_steps(2), Some((8, 8)));
    // Means by hand: (0 + .1 + .2 + .3) / 4 = .15, (.4 + ... + .7) / 4 = .55, .8.
    for (column, mean) in [(0, 0.15f32), (1, 0.55), (2, 0.8)] {
        assert!((heat.value(0, column).unwrap() - mean).abs() < 1e-6);
        assert!((heat.value(1, column).unwrap() - (1.0 - mean)).abs() < 1e-6);
        assert_eq!(heat.value(2, column), Some(0.0));
        assert_eq!(heat.value(3, column), None, "switched-off op");
        assert!((heat.value(4, column).unwrap() - mean).abs() < 1e-6);
    }
    // The next three records fill the partial column before a new one starts.
    for step in 9..12 {
        heat.push(&record(step, 0.5));
    }
    assert_eq!(heat.columns(), 3);
    assert_eq!(heat.column_steps(2), Some((8, 11)));
    assert!((heat.value(0, 2).unwrap() - (0.8 + 1.5) / 4.0).abs() < 1e-6);
    let grid = heat.grid();
    assert_eq!(grid.len(), 6 * 3);
    assert!((grid[1] - 0.55).abs() < 1e-6, "row-major: row 0, column 1");
    assert!(grid[3 * 3].is_nan(), "switched-off row");
}

#[test]
fn heat_map_skips_records_of_another_shape_and_stays_bounded() {
    let space = small_space();
    let mut heat = ProbabilityHeat::new(&space, 64);
    let mut wrong = record(0, 0.5);
    wrong.normal.push(vec![1.0, 0.0, 0.0]);
    heat.push(&wrong);
    assert_eq!((heat.records(), heat.skipped()), (0, 1));
    for step in 0..100_000 {
        heat.push(&record(step, (step % 10) as f32 / 10.0));
    }
    assert!(heat.columns() <= 64 && heat.columns() > 32);
    // The first column holds the first `per` records; its mean by summing them here.
    let per = heat.records_per_column();
    assert_eq!(per, 2048, "100000 records in at most 64 columns");
    let (first, last) = heat.column_steps(0).unwrap();
    assert_eq!((first, last), (0, per - 1));
    let exact: f32 = (0..per).map(|s| (s % 10) as f32 / 10.0).sum::<f32>() / per as f32;
    assert!((heat.value(0, 0).unwrap() - exact).abs() < 1e-4);
}
