//! How far an adaptation moved the architecture: from the prior's probabilities to the task
//! posterior's, per edge and in all (the delta the Adapt view states in words).

use metanas_core::learners::ArchTables;
use metanas_core::space::{edge_name, edges, CellKind, SearchSpace};

/// The change between two architecture tables of one space.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchDelta {
    /// Edges (of both cell kinds) compared.
    pub edges: usize,
    /// Edges whose most likely op differs.
    pub leaders_changed: usize,
    /// Mean over edges of the total variation distance `½ Σ |p - q|` (0: same, 1: disjoint).
    pub mean_total_variation: f32,
    /// The probability that moved most: `(cell edge op, before, after)`.
    pub largest: Option<(String, f32, f32)>,
}

/// The change from `prior` to `posterior` (tables of `space`).
pub fn arch_delta(space: &SearchSpace, prior: &ArchTables, posterior: &ArchTables) -> ArchDelta {
    let mut delta = ArchDelta {
        edges: 0,
        leaders_changed: 0,
        mean_total_variation: 0.0,
        largest: None,
    };
    let mut biggest = 0.0f32;
    let pairs = [
        (
            CellKind::Normal,
            Some(&prior.normal),
            Some(&posterior.normal),
        ),
        (
            CellKind::Reduce,
            prior.reduce.as_ref(),
            posterior.reduce.as_ref(),
        ),
    ];
    for (kind, before, after) in pairs {
        let (Some(before), Some(after)) = (before, after) else {
            continue;
        };
        for (e, (p, q)) in edges(space.nodes).iter().zip(before.iter().zip(after)) {
            delta.edges += 1;
            if leader(p) != leader(q) {
                delta.leaders_changed += 1;
            }
            let mut tv = 0.0;
            for (k, (a, b)) in p.iter().zip(q).enumerate() {
                tv += (a - b).abs();
                if (a - b).abs() > biggest {
                    biggest = (a - b).abs();
                    let op = space.ops.get(k).map_or("?", |o| o.name());
                    let label = format!(
                        "{} {} {op}",
                        kind.name(),
                        edge_name(e.from, e.to, space.nodes)
                    );
                    delta.largest = Some((label, *a, *b));
                }
            }
            delta.mean_total_variation += tv / 2.0;
        }
    }
    if delta.edges > 0 {
        delta.mean_total_variation /= delta.edges as f32;
    }
    delta
}

/// Index of the largest probability (the first of ties).
fn leader(p: &[f32]) -> Option<usize> {
    p.iter()
        .enumerate()
        .fold(None, |best: Option<(usize, f32)>, (i, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}

impl ArchDelta {
    /// One sentence for the Adapt view.
    pub fn text(&self) -> String {
        let mut s = format!(
            "Prior -> posterior: mean change per edge {:.3} (total variation); the leading op \
             changed on {} of {} edges",
            self.mean_total_variation, self.leaders_changed, self.edges
        );
        if let Some((label, a, b)) = &self.largest {
            s += &format!("; largest move: {label} {a:.3} -> {b:.3} ({:+.3})", b - a);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_computed_change() {
        // The vector space with one node: two edges; tables hand-made over its ops.
        let mut space = SearchSpace::default_vector();
        space.nodes = 1;
        let n = space.ops.len();
        assert!(n >= 3);
        let row = |head: [f32; 3]| {
            let mut r = vec![0.0; n];
            r[..3].copy_from_slice(&head);
            r
        };
        let prior = ArchTables {
            normal: vec![row([0.5, 0.3, 0.2]), row([0.5, 0.3, 0.2])],
            reduce: None,
        };
        // Edge 1 (c_{k-1} -> 0): op 0 loses 0.3, op 1 gains 0.2 and leads, op 2 gains 0.1.
        let posterior = ArchTables {
            normal: vec![row([0.5, 0.3, 0.2]), row([0.2, 0.5, 0.3])],
            reduce: None,
        };
        let d = arch_delta(&space, &prior, &posterior);
        assert_eq!(d.edges, 2);
        assert_eq!(d.leaders_changed, 1);
        // Edge 1 moved ½ (0.3 + 0.2 + 0.1) = 0.3, edge 0 nothing: mean 0.15.
        assert!((d.mean_total_variation - 0.15).abs() < 1e-6);
        let (label, a, b) = d.largest.clone().unwrap();
        assert_eq!(
            label,
            format!("normal c_{{k-1}} -> 0 {}", space.ops[0].name())
        );
        assert_eq!((a, b), (0.5, 0.2));
        assert!(d.text().contains("changed on 1 of 2 edges"));
        assert!(d.text().contains("0.500 -> 0.200 (-0.300)"));
    }
}
