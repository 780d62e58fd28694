//! Every learner kind through the binary: trains, stops, resumes bit for bit (the optimiser
//! state travels in the checkpoints), and MAML trains the genotype a BASE run exported.

use std::path::Path;

use metanas_tests::{
    export_args, json_of, metanas, metanas_ok, s, tempdir, tiny_config_with, train_args,
};

/// Trains `config` straight to its end, and again in two parts (`--max-steps 20`, then a
/// resume); returns both parameter digests.
fn straight_and_resumed(dir: &Path, config: &Path) -> (serde_json::Value, serde_json::Value) {
    let straight = dir.join("straight");
    let out = metanas_ok(&train_args(config, &straight, &["--json"]));
    let want = json_of(&out)["parameter_digest"].clone();
    let parts = dir.join("parts");
    let args = ["train", "--config", s(config), "--run", s(&parts), "--json"];
    let first = json_of(&metanas_ok(&[&args[..], &["--max-steps", "20"]].concat()));
    assert_eq!(first["steps_done"], 20, "{first}");
    let second = json_of(&metanas_ok(&args));
    assert_eq!(second["resumed"], true, "{second}");
    (want, second["parameter_digest"].clone())
}

#[test]
fn each_learner_kind_trains_and_resumes_bit_for_bit() {
    for (name, learner) in [
        (
            "base_few_shot",
            "kind = \"base_few_shot\"\ninner_steps = 2\nlr_weights = 0.005",
        ),
        (
            "maml",
            "kind = \"maml\"\ninner_steps = 2\nlr_weights = 0.005",
        ),
        (
            "maml_first_order",
            "kind = \"maml\"\ninner_steps = 2\nmeta_gradient = \"first_order\"",
        ),
        ("reptile", "kind = \"reptile\"\ninner_steps = 2"),
        (
            "mnas",
            "kind = \"mnas\"\ninner_steps = 2\nlr_inner = 0.005\nembed_dim = 8\ntask_dim = 8",
        ),
        (
            "mnas_shared",
            "kind = \"mnas\"\nvariant = \"shared\"\ninner_steps = 2\nembed_dim = 8",
        ),
        (
            "mnas_nm",
            "kind = \"mnas\"\nvariant = \"no_modulation\"\ninner_steps = 2\nembed_dim = 8",
        ),
    ] {
        let dir_tmp = tempdir(&format!("learner-{name}"));
        let dir = dir_tmp.path();
        // A checkpoint every 7 steps: the resume starts from step 14, not from 20.
        let config = tiny_config_with(dir, "run.toml", 7, learner);
        let (want, got) = straight_and_resumed(dir, &config);
        assert_eq!(
            want, got,
            "{name}: resumed run differs from the straight one"
        );
        let eval = json_of(&metanas_ok(&[
            "eval",
            "--run",
            s(&dir.join("parts")),
            "--json",
        ]));
        assert!(
            eval["per_step"].as_array().is_some_and(|v| v.len() == 3),
            "{eval}"
        );
    }
}

#[test]
fn maml_trains_the_fixed_architecture_a_base_run_exported() {
    let dir_tmp = tempdir("fixed-arch");
    let dir = dir_tmp.path();
    let base = tiny_config_with(dir, "base.toml", 10, "kind = \"base\"\ninner_steps = 2");
    let run = dir.join("base-run");
    metanas_ok(&train_args(&base, &run, &["--max-steps", "10"]));
    let export = dir.join("export");
    metanas_ok(&export_args(&run, &export, &[]));
    let genotype = export.join("genotype.json");
    assert!(genotype.is_file());

    let learner = "kind = \"maml\"\ninner_steps = 2\narchitecture = { genotype_file = \"export/genotype.json\" }";
    let config = tiny_config_with(dir, "fixed.toml", 10, learner);
    let fixed = dir.join("fixed-run");
    let out = metanas_ok(&train_args(
        &config,
        &fixed,
        &["--max-steps", "5", "--json"],
    ));
    assert_eq!(json_of(&out)["steps_done"], 5);
    // The run keeps the genotype itself, not the path.
    let resolved = std::fs::read_to_string(fixed.join("config.toml")).unwrap();
    assert!(
        resolved.contains("[learner.architecture.genotype]"),
        "{resolved}"
    );
    assert!(!resolved.contains("genotype_file"), "{resolved}");
    // Adapting reports that genotype.
    let adapt = json_of(&metanas_ok(&["adapt", "--run", s(&fixed), "--json"]));
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&genotype).unwrap()).unwrap();
    assert_eq!(adapt["genotype"], exported, "{adapt}");

    // A genotype file that does not exist, and one of the wrong space, are bad input (exit 2).
    let missing = "kind = \"maml\"\narchitecture = { genotype_file = \"nope.json\" }";
    let config = tiny_config_with(dir, "missing.toml", 10, missing);
    let out = metanas(&train_args(&config, &dir.join("x"), &[]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope.json"), "{err}");
}

#[test]
fn maml_on_the_supernet_reports_no_genotype() {
    // Its architecture stays at the uniform mixture: a genotype derived from it would be a
    // tie-break artefact, so train, adapt and export say there is none.
    let dir_tmp = tempdir("maml-supernet");
    let dir = dir_tmp.path();
    let config = tiny_config_with(dir, "run.toml", 5, "kind = \"maml\"\ninner_steps = 1");
    let run = dir.join("run");
    let args = ["train", "--config", s(&config), "--run", s(&run)];
    let text =
        String::from_utf8_lossy(&metanas_ok(&[&args[..], &["--max-steps", "5"]].concat()).stdout)
            .to_string();
    assert!(text.contains("genotype: none (maml"), "{text}");
    let adapt = json_of(&metanas_ok(&["adapt", "--run", s(&run), "--json"]));
    assert!(adapt["genotype"].is_null(), "{adapt}");
    assert!(adapt["prior_genotype"].is_null(), "{adapt}");
    let out = dir.join("export");
    let export = json_of(&metanas_ok(&export_args(&run, &out, &["--json"])));
    assert!(export["genotype"].is_null(), "{export}");
    assert!(!out.join("genotype.json").exists());
    assert!(out.join("normal.svg").is_file() && out.join("metrics.csv").is_file());
}
