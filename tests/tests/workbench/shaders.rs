//! Every WGSL file in `shaders/` parses and validates with naga (the WGSL front end of wgpu
//! 29) as the app compiles it (the prelude `colour.wgsl` followed by the file), has the
//! entry points the pipelines use, and is the file the app compiles in.

use metanas_app::gpu::{PRELUDE, SHADERS};
use metanas_tests::workspace_root;

#[test]
fn every_shader_validates_with_naga_and_has_its_entry_points() {
    let dir = workspace_root().join("shaders");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wgsl"))
        .collect();
    on_disk.sort();
    let mut compiled: Vec<String> = SHADERS.iter().map(|(n, _)| n.to_string()).collect();
    compiled.push(PRELUDE.0.to_string());
    compiled.sort();
    assert_eq!(
        on_disk, compiled,
        "every .wgsl in shaders/ is used by the app"
    );
    let prelude = std::fs::read_to_string(dir.join(PRELUDE.0)).unwrap();
    assert_eq!(prelude, PRELUDE.1, "the compiled-in prelude is the file");
    for (name, source) in SHADERS {
        assert_eq!(
            prelude.clone() + &std::fs::read_to_string(dir.join(name)).unwrap(),
            source,
            "{name}: the compiled-in copy is the prelude and the file"
        );
        let module = naga::front::wgsl::parse_str(source)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(source)));
        let entries: Vec<&str> = module
            .entry_points
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        for entry in ["vs_main", "fs_gamma", "fs_linear"] {
            assert!(
                entries.contains(&entry),
                "{name}: no `{entry}` in {entries:?}"
            );
        }
    }
}
