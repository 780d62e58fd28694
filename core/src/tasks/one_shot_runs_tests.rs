//! The one-shot runs loader on Omniglot's `all_runs.zip` from `../shared/datasets/` and on
//! small runs written here (hand-made labels, and every kind of bad input).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::*;
use crate::data::tests::{png, temp_dir, write};
use crate::data::{convert_image, DataError, ImageSpec, CLASS_LABELS};

const GREY28: ImageSpec = ImageSpec {
    channels: 1,
    height: 28,
    width: 28,
};

fn all_runs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/omniglot/all_runs.zip")
}

fn classes(b: &Batch) -> Vec<usize> {
    match &b.targets {
        Targets::Classes(v) => v.clone(),
        Targets::Values(_) => Vec::new(),
    }
}

#[test]
fn all_runs_zip_gives_twenty_20_way_1_shot_episodes() {
    let runs = load_one_shot_runs(&all_runs(), GREY28, "grey28").unwrap();
    assert_eq!(runs.len(), 20);
    for run in &runs {
        assert_eq!(classes(&run.support), (0..20).collect::<Vec<_>>());
        // Each class has exactly one query in Lake et al.'s runs.
        let mut q = classes(&run.query);
        q.sort();
        assert_eq!(q, (0..20).collect::<Vec<_>>());
        assert_eq!(run.input_shape, vec![1, 28, 28]);
        assert_eq!(run.support.inputs.len(), 20 * 28 * 28);
        assert_eq!(run.source_name, "grey28");
    }
    // run01/class_labels.txt, line 1: `run01/test/item01.png run01/training/class08.png`;
    // line 4: item04 -> class19.
    assert_eq!(classes(&runs[0].query)[0], 7);
    assert_eq!(classes(&runs[0].query)[3], 18);
    // The first query's values are those of the PNG decoded and converted directly.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(all_runs()).unwrap()).unwrap();
    let mut bytes = Vec::new();
    zip.by_name("run01/test/item01.png")
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    let direct = convert_image(&image::load_from_memory(&bytes).unwrap(), GREY28);
    assert_eq!(&runs[0].query.inputs[..28 * 28], &direct[..]);
    // Strokes are dark on white: most of a drawing is background.
    let white = direct.iter().filter(|&&v| v > 0.9).count();
    assert!(white > 28 * 28 / 2, "{white}");
}

/// A run folder `root/run01` with training images of values 10, 20, 30 and test images of
/// values 1, 2, 3, and `labels` as its class_labels.txt.
fn small_run(name: &str, labels: &str) -> tempfile::TempDir {
    let root_tmp = temp_dir(name);
    let root = root_tmp.path();
    let run = root.join("run01");
    for sub in ["training", "test"] {
        std::fs::create_dir_all(run.join(sub)).unwrap();
    }
    for i in 1..=3u8 {
        write(
            &run.join(format!("training/class0{i}.png")),
            &png(10 * i, 2),
        );
        write(&run.join(format!("test/item0{i}.png")), &png(i, 2));
    }
    write(&run.join(CLASS_LABELS), labels.as_bytes());
    root_tmp
}

const SPEC: ImageSpec = ImageSpec {
    channels: 1,
    height: 2,
    width: 2,
};

#[test]
fn a_hand_made_run_is_labelled_by_its_lines() {
    // Paths relative to the folder holding the run (as in all_runs.zip) and to the run.
    let root_tmp = small_run(
        "runs-ok",
        "run01/test/item01.png run01/training/class03.png\n\
         test/item02.png training/class01.png\n\n\
         run01/test/item03.png run01/training/class02.png\n",
    );
    let root = root_tmp.path();
    let runs = load_one_shot_runs(root, SPEC, "x").unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(classes(&runs[0].support), vec![0, 1, 2]);
    assert_eq!(classes(&runs[0].query), vec![2, 0, 1]);
    let first = |b: &Batch, i: usize| (b.inputs[4 * i] * 255.0).round() as u8;
    assert_eq!(
        (0..3)
            .map(|i| first(&runs[0].support, i))
            .collect::<Vec<_>>(),
        vec![10, 20, 30]
    );
    assert_eq!(
        (0..3).map(|i| first(&runs[0].query, i)).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

#[test]
fn bad_runs_are_refused_with_the_file_and_line_named() {
    let ok = "test/item01.png training/class01.png\ntest/item02.png training/class02.png\n";
    for (name, labels, expect) in [
        (
            "runs-fields",
            "test/item01.png\n",
            "line 1: expected two paths (a test image and its training image), found 1",
        ),
        (
            "runs-missing",
            "test/item09.png training/class01.png\n",
            "line 1: test/item09.png: no such image",
        ),
        (
            "runs-wrong-side",
            "training/class02.png training/class01.png\n",
            "line 1: class02.png is not in the run's test/",
        ),
        (
            "runs-class",
            "test/item01.png test/item02.png\n",
            "line 1: item02.png is not in the run's training/",
        ),
        ("runs-unlabelled", ok, "test image item03.png has no line"),
        (
            "runs-twice",
            "test/item01.png training/class01.png\ntest/item01.png training/class02.png\n",
            "line 2: item01.png is labelled twice",
        ),
    ] {
        let root_tmp = small_run(name, labels);
        let root = root_tmp.path();
        let err = load_one_shot_runs(root, SPEC, "x").unwrap_err().to_string();
        assert!(
            err.contains("run01/class_labels.txt") && err.contains(expect),
            "{name}: expected `{expect}` in `{err}`"
        );
    }
    // An undecodable image is named.
    let root_tmp = small_run(
        "runs-broken",
        "test/item01.png training/class01.png\ntest/item02.png training/class02.png\n\
         test/item03.png training/class03.png\n",
    );
    let root = root_tmp.path();
    write(&root.join("run01/test/item02.png"), b"not a png");
    let err = load_one_shot_runs(root, SPEC, "x").unwrap_err();
    assert!(
        matches!(&err, DataError::BadImage { path, .. } if path.ends_with("run01/test/item02.png")),
        "{err}"
    );
    // A folder without runs, and a run without test images.
    let empty_tmp = temp_dir("runs-none");
    let empty = empty_tmp.path();
    write(&empty.join("a.png"), &png(0, 2));
    let err = load_one_shot_runs(empty, SPEC, "x")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no run folders found"), "{err}");
    let root_tmp = small_run("runs-no-test", ok);
    let root = root_tmp.path();
    std::fs::remove_dir_all(root.join("run01/test")).unwrap();
    let err = load_one_shot_runs(root, SPEC, "x").unwrap_err().to_string();
    assert!(err.contains("needs images in training/ and test/"), "{err}");
    // A path that does not exist.
    let err = load_one_shot_runs(&empty.join("nope.zip"), SPEC, "x").unwrap_err();
    assert!(err.to_string().contains("nope.zip"), "{err}");
}
