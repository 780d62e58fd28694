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

#[test]
fn the_one_shot_runs_load_as_a_dataset_of_their_400_characters() {
    let zip = shared_omniglot().join("all_runs.zip");
    let spec = ImageSpec {
        channels: 1,
        height: 28,
        width: 28,
    };
    let mut o = LoadOptions {
        image: Some(spec),
        ..LoadOptions::default()
    };
    // Recognised from its contents by the loader every dataset path goes through.
    let d = load_path(&zip, &CsvOptions::default(), &mut o).unwrap();
    assert_eq!(d.format, DatasetFormat::OneShotRuns);
    // 20 runs of 20 characters; each drawn once in training/ and once in test/.
    assert_eq!(d.num_classes(), 400);
    assert!(d.indices_by_class().iter().all(|c| c.len() == 2));
    assert_eq!(d.class_names[0], "run01/class01");
    // run01/class_labels.txt, line 1: `run01/test/item01.png run01/training/class08.png`, so
    // class08's second image is item01, with the pixels of the PNG converted directly.
    let class08 = d
        .class_names
        .iter()
        .position(|n| n == "run01/class08")
        .unwrap();
    let [first, second] = d.indices_by_class()[class08][..] else {
        panic!("class08 holds two images")
    };
    assert!(d.files[first].ends_with("run01/training/class08.png"));
    assert!(d.files[second].ends_with("run01/test/item01.png"));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("run01/test/item01.png").unwrap(),
        &mut bytes,
    )
    .unwrap();
    let direct = convert_image(&image::load_from_memory(&bytes).unwrap(), spec);
    assert_eq!(d.samples.sample(second), &direct[..]);
    // Without a size, the images keep their own (105x105 grey), as image folders do.
    let native = load_path(&zip, &CsvOptions::default(), &mut opts()).unwrap();
    assert_eq!(native.samples.sample_len(), 105 * 105);
    // The memory cap holds for this format too: 800 images of 105x105 values in f32.
    let mut capped = LoadOptions {
        max_dataset_mb: 30.0,
        ..LoadOptions::default()
    };
    let err = load_path(&zip, &CsvOptions::default(), &mut capped)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("all_runs.zip")
            && err.contains("needs 35.3 MB in memory, more than the cap of 30.0 MB"),
        "{err}"
    );
}

#[test]
fn bundled_omniglot_is_the_small_background_sets_as_loaded_at_28x28() {
    let bundled = omniglot28(&mut opts()).unwrap();
    assert_eq!(bundled.format, DatasetFormat::BundledOmniglot);
    // 242 characters (Greek and Latin, in both sets, once), 20 drawings each.
    assert_eq!(bundled.num_classes(), 242);
    assert!(bundled.indices_by_class().iter().all(|c| c.len() == 20));
    assert_eq!(
        bundled.image_spec(),
        Some(ImageSpec {
            channels: 1,
            height: 28,
            width: 28
        })
    );
    // Every character's drawings are the zips' own, converted as a 28x28 input converts them.
    let mut o = LoadOptions {
        image: bundled.image_spec(),
        ..LoadOptions::default()
    };
    let dir = shared_omniglot();
    for set in [
        "images_background_small1.zip",
        "images_background_small2.zip",
    ] {
        let zip = load_image_folders(&[dir.join(set)], &mut o).unwrap();
        let zip_classes = zip.indices_by_class();
        let ours = bundled.indices_by_class();
        for (c, name) in zip.class_names.iter().enumerate() {
            let b = bundled.class_names.iter().position(|n| n == name).unwrap();
            for (&i, &j) in zip_classes[c].iter().zip(&ours[b]) {
                assert_eq!(zip.samples.sample(i), bundled.samples.sample(j), "{name}");
            }
        }
    }
    // Named as configs name it, and refused with the built-in names listed otherwise.
    let by_name = bundled_dataset(BUNDLED_OMNIGLOT, &mut opts()).unwrap();
    assert_eq!(by_name.class_names, bundled.class_names);
    let err = bundled_dataset("bundled:mnist", &mut opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bundled:mnist") && err.contains(BUNDLED_OMNIGLOT),
        "{err}"
    );
}
