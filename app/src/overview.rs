//! `metanas info`: the version, the default search spaces with their sizes, the built-in
//! datasets and the commands.

use metanas_core::data::{bundled_credit, bundled_dataset, LoadOptions, BUNDLED_DATASETS};
use metanas_core::space::SearchSpace;
use metanas_core::supernet::{Network, NetworkInit};
use metanas_core::CpuBackend;

/// Prints the overview.
pub fn print() {
    println!("metanas {}", env!("CARGO_PKG_VERSION"));
    let device = Default::default();
    for (label, space) in [
        ("default image space", SearchSpace::default_image()),
        (
            "default vector space (M-NAS regression)",
            SearchSpace::default_vector(),
        ),
    ] {
        let net = Network::<CpuBackend>::supernet(&space, NetworkInit::default(), &device);
        let input = &space.inputs[0];
        let hw = [input.height.max(1), input.width.max(1)];
        println!("\n{label}:\n{}", space.summary());
        println!(
            "supernet: {} weights (each a Gaussian mean and scale), {} multiply-accumulates per sample",
            net.num_weights(),
            net.macs(0, hw)
        );
    }
    for name in BUNDLED_DATASETS {
        match bundled_dataset(name, &mut LoadOptions::default()) {
            Ok(d) => {
                let spec = d
                    .image_spec()
                    .map(|s| format!("{}x{}x{}", s.channels, s.height, s.width))
                    .unwrap_or_default();
                println!(
                    "\nbuilt-in dataset `{name}`: {} images of {spec}, {} classes ({})",
                    d.len(),
                    d.num_classes(),
                    bundled_credit(name)
                );
            }
            Err(e) => eprintln!("built-in dataset {name}: {e}"),
        }
    }
    println!(
        "\ncommands: metanas (the workbench) | gui | train | adapt | eval | export | inspect | bench | info  (metanas help <command>)"
    );
}
