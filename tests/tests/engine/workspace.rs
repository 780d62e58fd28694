//! The workspace's shape: core stays GUI-free, the workbench's modules import only downward,
//! the binary runs, bundled spaces load.

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

/// The workbench's modules from the bottom up: each may import only modules ranked below it
/// (data, then messages, the worker, the state, the views, the window); nothing below the
/// views imports a view, and nothing imports upward, so the modules form no cycle.
const WORKBENCH_RANKS: [(&str, u32); 21] = [
    ("error", 0),
    ("tab", 0),
    ("retrain_job", 0),
    ("retrain_setup", 0),
    ("settings", 0),
    ("path_completion", 0),
    ("status_log", 0),
    ("arch_delta", 0),
    ("learner_text", 1),
    ("picker", 1),
    ("dataset_info", 1),
    ("comparison", 2),
    ("presets", 2),
    ("adaptations", 3),
    ("messages", 4),
    ("worker", 5),
    ("view_state", 6),
    ("state", 7),
    ("views", 8),
    ("apply_event", 8),
    ("mod", 9),
];

/// The workbench modules `code` names through `prefix` (e.g. `super::`), single or in a
/// `{...}` group; comments are skipped.
fn named_modules(code: &str, prefix: &str) -> Vec<String> {
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (at, _) in code.match_indices(prefix) {
        // `super::super::x` seen through `super::` is the outer one's business.
        if prefix == "super::" && code[..at].ends_with("super::") {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            out.extend(group.split(',').map(|item| ident(item.trim())));
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|m| WORKBENCH_RANKS.iter().any(|(n, _)| n == m));
    out
}

#[test]
fn workbench_modules_import_only_downward_and_plots_not_the_workbench() {
    let app = metanas_tests::workspace_root().join("app/src");
    let rank = |m: &str| WORKBENCH_RANKS.iter().find(|(n, _)| *n == m).map(|r| r.1);
    let mut wrong = Vec::new();
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for dir in ["workbench", "workbench/views"] {
        for e in std::fs::read_dir(app.join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "rs") {
                let module = if dir.ends_with("views") {
                    "views".to_string()
                } else {
                    path.file_stem().unwrap().to_string_lossy().into_owned()
                };
                files.push((module, path));
            }
        }
    }
    assert!(files.len() > 20, "the workbench's files were not found");
    for (module, path) in &files {
        let own = rank(module).unwrap_or_else(|| {
            panic!(
                "{}: a new workbench module; give it a rank in WORKBENCH_RANKS",
                path.display()
            )
        });
        let code = std::fs::read_to_string(path).unwrap();
        // From views/*.rs the workbench is `super::super::`; `super::` is views/mod.rs.
        let mut names = named_modules(&code, "crate::workbench::");
        if module == "views" {
            names.extend(named_modules(&code, "super::super::"));
        } else {
            names.extend(named_modules(&code, "super::"));
        }
        for name in names {
            let theirs = rank(&name).unwrap();
            if name != *module && theirs >= own {
                wrong.push(format!("{} ({module}) imports {name}", path.display()));
            }
        }
    }
    for dir in ["plots", "gpu"] {
        for e in std::fs::read_dir(app.join(dir)).unwrap() {
            let path = e.unwrap().path();
            let code = std::fs::read_to_string(&path).unwrap_or_default();
            if code.contains("crate::workbench") {
                wrong.push(format!("{} imports the workbench", path.display()));
            }
        }
    }
    let export = std::fs::read_to_string(app.join("cli/export.rs")).unwrap();
    if export.contains("crate::workbench") {
        wrong.push("cli/export.rs uses the workbench module".into());
    }
    assert!(
        wrong.is_empty(),
        "imports across the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_layer_check_sees_single_and_grouped_imports() {
    let code = "use super::state::Workbench;\nuse super::{worker::Command, views};\n// super::mod\nuse super::super::presets::PRESETS;";
    assert_eq!(named_modules(code, "super::"), ["state", "worker", "views"]);
    assert_eq!(named_modules(code, "super::super::"), ["presets"]);
}
