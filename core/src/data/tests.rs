//! Loader tests on small real files written here, the bundled digits, and Omniglot from
//! `../shared/datasets/`.

use std::io::Write;
use std::path::Path;

use super::*;

/// A fresh folder for one test, removed with everything in it when the guard is dropped.
pub(crate) fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("metanas-{name}-"))
        .tempdir()
        .expect("a temporary folder")
}

fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b.extend(data);
    b
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub(crate) fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

fn opts() -> LoadOptions<'static> {
    LoadOptions::default()
}

#[test]
fn idx_loads_exact_pixels_and_labels_plain_and_gzipped() {
    let dir_tmp = temp_dir("idx");
    let dir = dir_tmp.path();
    // Three 2x2 images, labels 7, 3, 7.
    let pixels: Vec<u8> = vec![0, 255, 51, 102, 10, 20, 30, 40, 255, 255, 0, 0];
    write(
        &dir.join("train-images-idx3-ubyte"),
        &idx_bytes(&[3, 2, 2], &pixels),
    );
    write(
        &dir.join("train-labels-idx1-ubyte"),
        &idx_bytes(&[3], &[7, 3, 7]),
    );
    write(
        &dir.join("t10k-images-idx3-ubyte.gz"),
        &gzip(&idx_bytes(&[1, 2, 2], &[1, 2, 3, 4])),
    );
    write(
        &dir.join("t10k-labels-idx1-ubyte.gz"),
        &gzip(&idx_bytes(&[1], &[3])),
    );
    let mut seen = Vec::new();
    let mut progress = |p: LoadProgress| seen.push(p);
    let mut o = LoadOptions {
        progress: Some(&mut progress),
        ..LoadOptions::default()
    };
    let d = load_path(dir, &CsvOptions::default(), &mut o).unwrap();
    assert_eq!(d.format, DatasetFormat::Idx);
    assert_eq!(d.len(), 4);
    assert_eq!(d.class_names, vec!["3", "7"]);
    // t10k sorts before train.
    assert_eq!(d.labels, vec![0, 1, 0, 1]);
    assert_eq!(
        d.samples.sample(0),
        &[1.0 / 255.0, 2.0 / 255.0, 3.0 / 255.0, 4.0 / 255.0]
    );
    assert_eq!(d.samples.sample(1), &[0.0, 1.0, 0.2, 0.4]);
    assert_eq!(
        d.origin_path(3).unwrap(),
        dir.join("train-images-idx3-ubyte")
    );
    assert_eq!(d.origins[3].item, 2);
    assert!(seen.contains(&LoadProgress { done: 3, total: 3 }));
    // Resized on load: 2x2 -> 1x1 averages (triangle filter).
    let mut o = LoadOptions {
        image: Some(ImageSpec {
            channels: 1,
            height: 1,
            width: 1,
        }),
        ..LoadOptions::default()
    };
    let small = load_idx(
        &dir.join("train-images-idx3-ubyte"),
        &dir.join("train-labels-idx1-ubyte"),
        &mut o,
    )
    .unwrap();
    assert_eq!(small.image_spec().unwrap().len(), 1);
    assert!(
        (small.samples.sample(0)[0] - 102.0 / 255.0).abs() < 2.0 / 255.0,
        "{:?}",
        small.samples.sample(0)
    );
}

#[test]
fn malformed_idx_inputs_give_their_specific_errors() {
    let p = Path::new("bad-images-idx3-ubyte");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "truncated: the IDX magic number needs 4 bytes"),
        (vec![1, 0, 8, 3, 0, 0], "wrong magic number 0x01000803"),
        (
            vec![0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0],
            "data type 0x0d is not supported",
        ),
        (vec![0, 0, 8, 0], "claims 0 dimensions"),
        (
            vec![0, 0, 8, 3, 0, 0, 0, 1],
            "the IDX header needs 16 bytes but the file holds 8",
        ),
        // The header claims 4 billion 4 billion-pixel images: refused without allocating.
        (
            idx_bytes(&[u32::MAX, u32::MAX, 1], &[1, 2, 3]),
            "truncated: an array of [4294967295, 4294967295, 1] bytes",
        ),
        (
            idx_bytes(&[u32::MAX, u32::MAX, 2], &[1, 2, 3]),
            "dimensions [4294967295, 4294967295, 2] overflow",
        ),
        (
            idx_bytes(&[2, 2, 2], &[0; 5]),
            "needs 24 bytes but the file holds 21",
        ),
        (
            idx_bytes(&[1, 2], &[0; 4]),
            "2 bytes follow the [1, 2] array",
        ),
    ];
    for (bytes, expect) in cases {
        let err = parse_idx(&bytes, p).unwrap_err().to_string();
        assert!(err.starts_with("bad-images-idx3-ubyte: "), "{err}");
        assert!(err.contains(expect), "expected `{expect}` in `{err}`");
    }
    let dir_tmp = temp_dir("idx-bad");
    let dir = dir_tmp.path();
    let images = dir.join("x-images-idx3-ubyte");
    let labels = dir.join("x-labels-idx1-ubyte");
    write(&images, &idx_bytes(&[2, 1, 1], &[1, 2]));
    write(&labels, &idx_bytes(&[3], &[0, 1, 2]));
    let err = load_idx(&images, &labels, &mut opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("holds 2 images but") && err.contains("holds 3 labels"),
        "{err}"
    );
    write(&labels, &idx_bytes(&[2, 1], &[0, 1]));
    assert!(load_idx(&images, &labels, &mut opts())
        .unwrap_err()
        .to_string()
        .contains("a labels file holds [n]"));
    write(&labels, &[0x1f, 0x8b, 8, 0, 1, 2, 3]);
    assert!(load_idx(&images, &labels, &mut opts())
        .unwrap_err()
        .to_string()
        .contains("broken gzip stream"));
    std::fs::remove_file(&labels).unwrap();
    let err = load_path(&images, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x-labels-idx1-ubyte")
            && err.contains("labels file for these images is missing"),
        "{err}"
    );
}

#[test]
fn cifar_records_are_planar_rgb_with_names() {
    let dir_tmp = temp_dir("cifar");
    let dir = dir_tmp.path();
    let mut rec = vec![4u8];
    rec.extend((0..3072).map(|i| (i / 1024 * 100) as u8)); // R=0, G=100, B=200
    let mut rec2 = vec![9u8];
    rec2.extend(vec![255u8; 3072]);
    write(&dir.join("data_batch_1.bin"), &[rec.clone(), rec2].concat());
    write(&dir.join("test_batch.bin"), &rec);
    let names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
    write(&dir.join("batches.meta.txt"), names.as_bytes());
    let d = load_path(dir, &CsvOptions::default(), &mut opts()).unwrap();
    assert_eq!(d.format, DatasetFormat::Cifar10);
    assert_eq!(d.len(), 3);
    assert_eq!(d.labels, vec![4, 9, 4]);
    assert_eq!(d.class_names[4], "deer");
    let s = d.samples.sample(0);
    assert_eq!(
        (s[0], s[1024], s[2048]),
        (0.0, 100.0 / 255.0, 200.0 / 255.0)
    );
    // CIFAR-100: coarse then fine label; the fine one is used.
    let dir100_tmp = temp_dir("cifar100");
    let dir100 = dir100_tmp.path();
    let mut r = vec![3u8, 77];
    r.extend(vec![0u8; 3072]);
    write(&dir100.join("train.bin"), &r);
    let d = load_path(dir100, &CsvOptions::default(), &mut opts()).unwrap();
    assert_eq!(
        (d.format, d.labels[0], d.class_names.len()),
        (DatasetFormat::Cifar100, 77, 100)
    );
}

#[test]
fn malformed_cifar_inputs() {
    let p = Path::new("data_batch_1.bin");
    let err = parse_cifar(&[0u8; 3000], CifarKind::Cifar10, p)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("truncated: 1 records of 3073 bytes needs 3073 bytes but the file holds 3000"),
        "{err}"
    );
    let mut rec = vec![12u8];
    rec.extend(vec![0u8; 3072]);
    let err = parse_cifar(&[rec.clone(), rec].concat(), CifarKind::Cifar10, p)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "data_batch_1.bin: label 12 of item 0 is out of range (0..10)"
    );
    assert!(parse_cifar(&[], CifarKind::Cifar100, p)
        .unwrap_err()
        .to_string()
        .contains("empty"));
}

#[test]
fn csv_classification_and_regression() {
    let dir_tmp = temp_dir("csv");
    let dir = dir_tmp.path();
    let path = dir.join("iris.csv");
    write(&path, b"sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n\"6.3\",6.0,virginica\n4.9,1.4,setosa\n");
    let d = load_path(&path, &CsvOptions::default(), &mut opts()).unwrap();
    assert_eq!(d.class_names, vec!["setosa", "versicolor", "virginica"]);
    assert_eq!(d.labels, vec![0, 1, 2, 0]);
    assert_eq!(d.samples.sample(2), &[6.3, 6.0]);
    let path = dir.join("sine.csv");
    write(&path, b"0.0,0.0\n1.5,0.997\n3.0,0.141\n");
    let d = load_csv(&path, &CsvOptions::default(), &mut opts()).unwrap();
    assert_eq!(d.targets.as_deref(), Some(&[0.0, 0.997, 0.141][..]));
    assert_eq!(d.samples.sample(1), &[1.5]);
    // A named target column in the middle; whole-number labels make classes in numeric order.
    let path = dir.join("mid.csv");
    write(&path, b"a,y,b\n1,10,2\n3,2,4\n");
    let d = load_csv(
        &path,
        &CsvOptions {
            target: Some("y".into()),
            ..Default::default()
        },
        &mut opts(),
    )
    .unwrap();
    assert_eq!(
        (d.class_names.clone(), d.labels.clone()),
        (vec!["2".to_string(), "10".to_string()], vec![1, 0])
    );
    assert_eq!(d.samples.sample(0), &[1.0, 2.0]);
}

#[test]
fn malformed_csv_inputs_name_line_and_column() {
    let dir_tmp = temp_dir("csv-bad");
    let dir = dir_tmp.path();
    let path = dir.join("bad.csv");
    let cases: Vec<(&[u8], CsvOptions, &str)> = vec![
        (b"", CsvOptions::default(), "has no rows"),
        (
            b"a,b,label\n",
            CsvOptions::default(),
            "header but no data rows",
        ),
        (
            b"a,label\n1,2\n3\n",
            CsvOptions::default(),
            "line 3: has 1 fields; the first row has 2",
        ),
        (
            b"a,label\n1,2\nx,3\n",
            CsvOptions::default(),
            "line 3: column `a` holds `x`, not a number",
        ),
        (
            b"a,label\n1,2\n",
            CsvOptions {
                target: Some("z".into()),
                kind: CsvKind::Auto,
            },
            "no column `z`",
        ),
        (
            b"a,label\n1,cat\n",
            CsvOptions {
                target: None,
                kind: CsvKind::Regression,
            },
            "holds `cat`, not a number",
        ),
        (
            b"label\n1\n",
            CsvOptions::default(),
            "at least one feature column",
        ),
        (
            b"a,label\ninf,1\n",
            CsvOptions::default(),
            "non-finite value",
        ),
    ];
    for (text, csv, expect) in cases {
        write(&path, text);
        let err = load_csv(&path, &csv, &mut opts()).unwrap_err().to_string();
        assert!(
            err.contains("bad.csv") && err.contains(expect),
            "expected `{expect}` in `{err}`"
        );
    }
}

pub(crate) fn png(value: u8, size: u32) -> Vec<u8> {
    let img = image::GrayImage::from_pixel(size, size, image::Luma([value]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn image_folder_with_a_bad_image_skipped_or_strict() {
    let dir_tmp = temp_dir("folder");
    let dir = dir_tmp.path();
    for (class, values) in [("cat", [10u8, 20, 30]), ("dog", [200, 210, 220])] {
        std::fs::create_dir_all(dir.join(class)).unwrap();
        for (i, v) in values.iter().enumerate() {
            write(&dir.join(class).join(format!("{i}.png")), &png(*v, 4));
        }
    }
    write(&dir.join("dog/broken.png"), b"not a png");
    write(&dir.join("dog/notes.txt"), b"ignored");
    let d = load_path(dir, &CsvOptions::default(), &mut opts()).unwrap();
    assert_eq!(d.format, DatasetFormat::ImageFolder);
    assert_eq!(d.class_names, vec!["cat", "dog"]);
    assert_eq!(d.labels, vec![0, 0, 0, 1, 1, 1]);
    assert_eq!(
        d.image_spec(),
        Some(ImageSpec {
            channels: 1,
            height: 4,
            width: 4
        })
    );
    assert_eq!(d.samples.sample(4), &[210.0 / 255.0; 16]);
    assert_eq!(d.problems.len(), 1);
    assert!(d.problems[0].path.ends_with("dog/broken.png"));
    let mut strict = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    let err = load_path(dir, &CsvOptions::default(), &mut strict)
        .unwrap_err()
        .to_string();
    assert!(err.contains("broken.png: unreadable image"), "{err}");
}

#[test]
fn folder_layout_errors() {
    let empty_tmp = temp_dir("empty");
    let empty = empty_tmp.path();
    let err = load_path(empty, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no images (png, jpg, jpeg, bmp) found"),
        "{err}"
    );
    let flat_tmp = temp_dir("flat");
    let flat = flat_tmp.path();
    write(&flat.join("a.png"), &png(0, 2));
    assert!(load_path(flat, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string()
        .contains("directly in the root"));
    std::fs::create_dir_all(flat.join("c/d")).unwrap();
    write(&flat.join("c/d/b.png"), &png(0, 2));
    assert!(load_path(flat, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string()
        .contains("folder depths [0, 2]"));
    let err = load_path(
        Path::new("/no/such/data"),
        &CsvOptions::default(),
        &mut opts(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "/no/such/data: cannot read: no such file or folder");
    let odd = empty.join("data.xyz");
    write(&odd, b"?");
    assert!(load_path(&odd, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string()
        .contains("not a dataset metanas can read"));
    let fake_zip = empty.join("data.zip");
    write(&fake_zip, b"PK?");
    assert!(load_path(&fake_zip, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string()
        .contains("not a readable zip archive"));
}

#[test]
fn a_dataset_over_the_memory_cap_is_refused_with_its_size() {
    let mut o = LoadOptions {
        max_dataset_mb: 0.3,
        ..LoadOptions::default()
    };
    let err = uci_digits(&mut o).unwrap_err().to_string();
    // 1797 images of 64 values in f32 = 0.46 MB.
    assert!(
        err.contains("needs 0.5 MB in memory, more than the cap of 0.3 MB; raise `max_dataset_mb`"),
        "{err}"
    );
    // Below even the compressed file's raw bytes (0.115 MB), decompression itself stops.
    o.max_dataset_mb = 0.1;
    let err = uci_digits(&mut o).unwrap_err().to_string();
    assert!(
        err.contains("decompresses to more than the cap of 0.1 MB"),
        "{err}"
    );
}

#[test]
fn idx_images_without_labels_or_of_zero_pixels_are_named() {
    let dir_tmp = temp_dir("idx-lonely");
    let dir = dir_tmp.path();
    let images = dir.join("x-images-idx3-ubyte");
    write(&images, &idx_bytes(&[2, 1, 1], &[1, 2]));
    let err = load_path(dir, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("x-images-idx3-ubyte") && err.contains("without its labels file"),
        "{err}"
    );
    write(&dir.join("x-labels-idx1-ubyte"), &idx_bytes(&[2], &[0, 1]));
    write(&images, &idx_bytes(&[2, 0, 0], &[]));
    let err = load_path(dir, &CsvOptions::default(), &mut opts())
        .unwrap_err()
        .to_string();
    assert!(err.contains("0x0 pixels"), "{err}");
}
