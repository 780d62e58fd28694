//! Writes `assets/data/omniglot28/`, the Omniglot drawings metanas compiles into its binary:
//! the two small background sets (`../shared/datasets/omniglot/images_background_small{1,2}.zip`)
//! at 28x28 grey, converted exactly as metanas loads the zips (`[[space.inputs]]` of 28x28:
//! triangle-filter resize, luma), one class per character. Greek and Latin are in both sets with
//! the same drawings; they are taken once, from the first set.
//!
//!   cargo run --release -p metanas-core --example bundle_omniglot [-- SHARED_OMNIGLOT_DIR OUT_DIR]

use std::io::Write;
use std::path::{Path, PathBuf};

use metanas_core::data::{load_image_folders, ImageSpec, LoadOptions, Samples};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = std::env::args().skip(1);
    let shared = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/datasets/omniglot"));
    let out = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("assets/data/omniglot28"));
    let spec = ImageSpec {
        channels: 1,
        height: 28,
        width: 28,
    };
    let mut names: Vec<String> = Vec::new();
    let mut labels: Vec<u8> = Vec::new();
    let mut pixels: Vec<u8> = Vec::new();
    for set in [
        "images_background_small1.zip",
        "images_background_small2.zip",
    ] {
        let mut opts = LoadOptions {
            image: Some(spec),
            strict: true,
            ..LoadOptions::default()
        };
        let d = load_image_folders(&[shared.join(set)], &mut opts)?;
        let Samples::Images { pixels: values, .. } = &d.samples else {
            return Err(format!("{set}: not images").into());
        };
        let first_new = names.len();
        for (class, name) in d.class_names.iter().enumerate() {
            if names[..first_new].contains(name) {
                continue;
            }
            let label = u8::try_from(names.len()).map_err(|_| "more than 256 characters")?;
            names.push(name.clone());
            for (i, _) in d.labels.iter().enumerate().filter(|(_, &l)| l == class) {
                let image = &values[i * spec.len()..(i + 1) * spec.len()];
                // Values are u8 / 255 after conversion, so this is exact.
                pixels.extend(image.iter().map(|v| (v * 255.0).round() as u8));
                labels.push(label);
            }
        }
    }
    std::fs::create_dir_all(&out)?;
    let n = labels.len() as u32;
    let mut images = vec![0, 0, 8, 3];
    for dim in [n, 28, 28] {
        images.extend(dim.to_be_bytes());
    }
    images.extend(&pixels);
    let mut label_file = vec![0, 0, 8, 1];
    label_file.extend(n.to_be_bytes());
    label_file.extend(&labels);
    gzip(&out.join("omniglot28-images-idx3-ubyte.gz"), &images)?;
    gzip(&out.join("omniglot28-labels-idx1-ubyte.gz"), &label_file)?;
    std::fs::write(out.join("classes.txt"), names.join("\n") + "\n")?;
    println!(
        "{} characters, {} drawings written to {}",
        names.len(),
        n,
        out.display()
    );
    Ok(())
}

fn gzip(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // No file name or time in the header, so the output is the same on every run.
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(std::fs::File::create(path)?, flate2::Compression::best());
    gz.write_all(bytes)?;
    gz.finish().map(|_| ())
}
