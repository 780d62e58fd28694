//! A genotype drawn uniformly from a space: the random-architecture baseline NAS results are
//! judged against (Li & Talwalkar 2019; DARTS Table 1's "random search" row).

use super::{Genotype, INPUTS_PER_NODE};
use crate::rng::SeededRng;
use crate::space::{CellKind, Op, SearchSpace};

impl Genotype {
    /// For every intermediate node of each kind of cell of `space`: two distinct earlier
    /// nodes, each with an op drawn uniformly among the edge's live ops other than `none`
    /// (an edge with none left is not chosen). Every intermediate node forms the output.
    pub fn random(space: &SearchSpace, rng: &mut SeededRng) -> Self {
        let concat: Vec<usize> = (2..space.nodes + 2).collect();
        let mut cell = |kind: CellKind| -> Vec<(Op, usize)> {
            let live = space.live_mask(kind);
            let mut pairs = Vec::new();
            for to in 2..space.nodes + 2 {
                let choices = |from: usize| -> Vec<Op> {
                    let row = crate::space::edge_index(space.nodes, from, to).unwrap_or(0);
                    space
                        .ops
                        .iter()
                        .zip(&live[row])
                        .filter(|(op, &on)| on && **op != Op::None)
                        .map(|(&op, _)| op)
                        .collect()
                };
                let mut sources: Vec<usize> = (0..to).filter(|&f| !choices(f).is_empty()).collect();
                for _ in 0..INPUTS_PER_NODE.min(sources.len()) {
                    let from = sources.remove(rng.below(sources.len()));
                    let ops = choices(from);
                    pairs.push((ops[rng.below(ops.len())], from));
                }
            }
            pairs
        };
        let normal = cell(CellKind::Normal);
        let (reduce, reduce_concat) = if space.has_reduce() {
            (cell(CellKind::Reduce), concat.clone())
        } else {
            (Vec::new(), Vec::new())
        };
        Self {
            normal,
            normal_concat: concat,
            reduce,
            reduce_concat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_genotypes_fit_their_space_and_vary() {
        let mut space = SearchSpace::default_image();
        space.cells = vec![CellKind::Normal, CellKind::Reduce];
        let draws: Vec<Genotype> = (0..20)
            .map(|s| Genotype::random(&space, &mut SeededRng::new(s)))
            .collect();
        for g in &draws {
            assert_eq!(g.validate_for(&space), Ok(()), "{}", g.to_darts());
            assert_eq!(g.normal.len(), 2 * space.nodes);
            // Two distinct sources per node.
            for pair in g.normal.chunks(2) {
                assert_ne!(pair[0].1, pair[1].1, "{}", g.to_darts());
            }
        }
        assert!(draws.iter().any(|g| g != &draws[0]));
        assert_eq!(Genotype::random(&space, &mut SeededRng::new(4)), draws[4]);
    }
}
