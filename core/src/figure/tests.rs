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
