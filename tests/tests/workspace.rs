//! The workspace's shape: core stays GUI-free, the binary runs, bundled spaces load.

use metanas_core::space::SearchSpace;
use metanas_tests::{cargo, metanas_binary, workspace_root};

#[test]
fn core_has_no_gui_dependencies() {
    let out = cargo()
        .args([
            "tree",
            "-p",
            "metanas-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(tree.contains("burn v0.21.0"), "unexpected tree:\n{tree}");
    for line in tree.lines() {
        let name = line.split_whitespace().next().unwrap_or_default();
        for gui in ["egui", "eframe", "winit", "rfd", "wgpu"] {
            assert!(!name.starts_with(gui), "metanas-core depends on {name}");
        }
    }
}

#[test]
fn info_prints_version_and_space_summaries() {
    let out = std::process::Command::new(metanas_binary())
        .arg("info")
        .output()
        .expect("metanas runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("metanas {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(
        text.contains("4 intermediate nodes (14 edges per cell)"),
        "{text}"
    );
    assert!(
        text.contains("ops (3): none, skip_connect, linear"),
        "{text}"
    );
}

#[test]
fn bundled_spaces_load_and_match_the_built_in_defaults() {
    let dir = workspace_root().join("assets/spaces");
    let load = |name: &str| SearchSpace::load(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(load("base_image.toml"), SearchSpace::default_image());
    assert_eq!(load("mnas_regression.toml"), SearchSpace::default_vector());
    let darts = load("darts8_search.toml");
    assert_eq!(darts.ops.len(), 8);
    let multi = load("multi_size.toml");
    assert_eq!(multi.inputs.len(), 2);
    assert_eq!(multi.constraints.len(), 1);
}

#[test]
fn a_missing_space_file_is_named() {
    let err = SearchSpace::load(std::path::Path::new("/nonexistent/space.toml")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/space.toml"), "{err}");
}
