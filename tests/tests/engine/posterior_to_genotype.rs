//! Across the engine: a posterior's probabilities give a genotype that fits the space, whose
//! fixed network builds from the same modules and runs.

use burn::prelude::*;
use metanas_core::genotype::Genotype;
use metanas_core::nn::WeightSampler;
use metanas_core::posterior::{Posterior, PosteriorInit};
use metanas_core::space::SearchSpace;
use metanas_core::supernet::{Network, NetworkInit};
use metanas_core::CpuBackend as B;

#[test]
fn derived_genotype_builds_a_smaller_fixed_network() {
    let device = Default::default();
    let dir = metanas_tests::workspace_root().join("assets/spaces");
    for file in ["base_image.toml", "multi_size.toml", "mnas_regression.toml"] {
        let space = SearchSpace::load(&dir.join(file)).unwrap();
        let posterior = Posterior::<B>::new(
            &space,
            PosteriorInit {
                arch_scale: 1.0,
                ..Default::default()
            },
            &device,
        );
        let (normal, reduce) = posterior.arch.probability_tables();
        let genotype = Genotype::derive(&space, &normal, reduce.as_deref());
        genotype
            .validate_for(&space)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        // Through the DARTS text and back, as an export would go.
        let genotype = Genotype::from_darts(&genotype.to_darts()).unwrap();
        let fixed =
            Network::<B>::fixed(&space, &genotype, NetworkInit::default(), &device).unwrap();
        assert!(fixed.num_weights() < posterior.net.num_weights(), "{file}");
        assert!(
            fixed.macs(0, [8, 8]) < posterior.net.macs(0, [8, 8]),
            "{file}"
        );
        let input = &space.inputs[0];
        let x = Tensor::<B, 4>::ones(
            [2, input.channels, input.height.max(1), input.width.max(1)],
            &device,
        );
        let y = fixed
            .forward(x, 0, None, &mut WeightSampler::mean())
            .unwrap();
        assert_eq!(y.dims(), [2, space.num_outputs], "{file}");
    }
}
