//! Loader tests on real data: the bundled UCI digits and Omniglot from `../shared/datasets/`.

use std::path::{Path, PathBuf};

use super::*;

fn opts() -> LoadOptions<'static> {
    LoadOptions::default()
}

fn shared_omniglot() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/omniglot")
}

#[test]
fn bundled_digits_match_the_uci_source() {
    let d = uci_digits(&mut opts()).unwrap();
    assert_eq!(d.len(), 1797);
    assert_eq!(d.num_classes(), 10);
    let counts: Vec<usize> = d.indices_by_class().iter().map(Vec::len).collect();
    // Class sizes of the UCI test set as published with the data.
    assert_eq!(
        counts,
        vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    // First row of digits.csv: 0,0,5,13,9,1,0,0,... label 0; pixels scaled by 255/16.
    let first: Vec<f32> = d.samples.sample(0)[..8].to_vec();
    let expect: Vec<f32> = [0.0f32, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]
        .iter()
        .map(|v| (v * 255.0 / 16.0).round() / 255.0)
        .collect();
    assert_eq!(first, expect);
    assert_eq!(d.labels[0], 0);
}

#[test]
fn omniglot_small_sets_from_shared_zips() {
    let dir = shared_omniglot();
    let roots = [
        dir.join("images_background_small1.zip"),
        dir.join("images_background_small2.zip"),
    ];
    for r in &roots {
        assert!(
            r.exists(),
            "{} is missing: the tests read ../shared/datasets",
            r.display()
        );
    }
    let mut o = LoadOptions {
        image: Some(ImageSpec {
            channels: 1,
            height: 28,
            width: 28,
        }),
        ..LoadOptions::default()
    };
    let d = load_image_folders(&roots, &mut o).unwrap();
    assert_eq!(d.format, DatasetFormat::Omniglot);
    // 136 + 156 characters, Greek and Latin shared: 242 classes, 5840 drawings.
    assert_eq!(d.num_classes(), 242);
    assert_eq!(d.len(), 2720 + 3120);
    assert!(d.problems.is_empty());
    let greek = d
        .class_names
        .iter()
        .position(|c| c == "Greek/character01")
        .unwrap();
    assert_eq!(d.indices_by_class()[greek].len(), 40);
    assert_eq!(d.class_names[0], "Balinese/character01");
    // At native size the first drawing (0108_01.png) has 881 black pixels of 105x105,
    // counted independently by decoding the PNG by hand.
    let native = load_image_folders(&roots[..1], &mut opts()).unwrap();
    assert_eq!(
        native.image_spec(),
        Some(ImageSpec {
            channels: 1,
            height: 105,
            width: 105
        })
    );
    let ink: f32 = native.samples.sample(0).iter().map(|v| 1.0 - v).sum();
    assert_eq!(ink.round(), 881.0);
    assert!(native.files[0].ends_with("images_background_small1/Balinese/character01/0108_01.png"));
}
