//! The `metanas` binary end to end: train, adapt, eval, export on the bundled regression
//! config and on a few-shot run; bad inputs.

use metanas_tests::{
    assert_bad_input, export_args, few_shot_config, image_folder, json_of, metanas, metanas_ok,
    run_json, s, stderr, tempdir, tiny_config, train_args, train_ok, workspace_root,
};

#[test]
fn train_adapt_eval_export_on_the_bundled_regression_config() {
    let dir_tmp = tempdir("e2e");
    let dir = dir_tmp.path();
    let run = dir.join("run");
    let out = metanas_ok(&[
        "train",
        "--config",
        "assets/configs/base_regression.toml",
        "--run",
        s(&run),
        "--max-steps",
        "2",
        "--json",
    ]);
    let j = json_of(&out);
    assert_eq!(j["steps_done"], 2);
    assert_eq!(j["stopped"], false);
    assert!(j["genotype"]["normal"]
        .as_array()
        .is_some_and(|a| a.len() == 6));
    for f in [
        "run.json",
        "config.toml",
        "metrics.jsonl",
        "arch.jsonl",
        "genotypes.jsonl",
    ] {
        assert!(run.join(f).is_file(), "{f} missing");
    }
    assert!(run.join("checkpoints/step-00000002.ckpt").is_file());

    let out = metanas_ok(&[
        "adapt",
        "--run",
        s(&run),
        "--tasks",
        "3",
        "--steps",
        "2",
        "--json",
    ]);
    let j = json_of(&out);
    for key in [
        "mse_before",
        "mse_after",
        "mse_before_ci95",
        "steps",
        "shots",
        "genotype",
    ] {
        assert!(!j[key].is_null(), "adapt --json lacks {key}: {j}");
    }
    assert_eq!(j["steps"], 2);
    assert_eq!(j["shots"], 10);
    assert_eq!(j["per_task"].as_array().map(Vec::len), Some(3));

    let eval = |extra: &[&str]| {
        run_json(
            "eval",
            &run,
            &[&["--tasks", "4", "--steps", "2"], extra].concat(),
        )
    };
    let j = eval(&[]);
    assert_eq!(j["metric"], "mse");
    assert_eq!(j["per_step"].as_array().map(Vec::len), Some(3));
    assert_eq!(j["per_step"][0]["n"], 4);
    assert!(j["per_step"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["median"].is_f64()));
    // DARTS from scratch beside it: the same tasks and steps, its own fresh supernets.
    let d = eval(&["--darts"]);
    assert_eq!(
        d["per_step"], j["per_step"],
        "the meta-network's numbers are unchanged"
    );
    let darts = d["darts"]["per_step"].as_array().unwrap();
    assert_eq!(darts.len(), 3);
    assert!(darts.iter().all(|m| m["n"] == 4 && m["mean"].is_f64()));
    assert_ne!(darts[0], j["per_step"][0], "DARTS starts from scratch");
    assert_eq!(d["darts"]["config"]["lr_weights"], 0.025);
    let out = metanas_ok(&[
        "eval",
        "--run",
        s(&run),
        "--tasks",
        "2",
        "--steps",
        "1",
        "--darts",
        "--darts-lr-weights",
        "0.01",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DARTS from scratch"), "{text}");
    // Single-path DARTS (GDAS): another search on the same tasks, named as such.
    let sp = eval(&["--darts", "--darts-single-path"]);
    assert_eq!(sp["darts"]["config"]["relaxation"], "single_path");
    assert_eq!(sp["per_step"], j["per_step"]);
    assert_ne!(sp["darts"]["per_step"][2], d["darts"]["per_step"][2]);
    let out = metanas(&[
        "eval",
        "--run",
        s(&run),
        "--darts",
        "--darts-lr-arch",
        "nan",
    ]);
    assert_bad_input(&out, &["--darts-lr-arch NaN", "finite"]);

    let export = dir.join("export");
    let out = metanas_ok(&export_args(&run, &export, &["--json"]));
    let genotype: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export.join("genotype.json")).unwrap())
            .unwrap();
    assert_eq!(genotype, json_of(&out)["genotype"]);
    let py = std::fs::read_to_string(export.join("genotype.py")).unwrap();
    let line = py.lines().find(|l| l.starts_with("Genotype(")).unwrap();
    assert_eq!(
        metanas_core::genotype::Genotype::from_darts(line).unwrap(),
        serde_json::from_value(genotype).unwrap()
    );
    let csv = std::fs::read_to_string(export.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "header and two steps:\n{csv}");
    assert!(csv.starts_with("step,loss,accuracy,mse,"));
    let svg = std::fs::read_to_string(export.join("normal.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(
        !export.join("reduce.svg").exists(),
        "the regression space has no reduction cell"
    );

    // PNG figures, rendered offscreen (Mesa's lavapipe where there is no GPU).
    let png = dir.join("png");
    let out = metanas_ok(&export_args(
        &run,
        &png,
        &["--png", "--scale", "1.5", "--json"],
    ));
    let files = json_of(&out)["files"].as_array().unwrap().len();
    assert_eq!(files, 7, "genotype x2, csv, svg and three PNGs");
    for name in ["cells.png", "heatmap.png", "metrics.png"] {
        let image = image::open(png.join(name)).unwrap().to_rgba8();
        let want = if name == "metrics.png" { 1500 } else { 2100 };
        assert_eq!(image.width(), want, "{name}: figure width times the scale");
        let white = image
            .pixels()
            .filter(|p| p.0 == [255, 255, 255, 255])
            .count();
        let total = image.pixels().count();
        assert!(
            white < total && white > total / 10,
            "{name}: {white} of {total} white"
        );
    }
    // The heat map's colours are viridis: two steps of near-uniform probabilities over three
    // ops (about 1/3) give viridis(1/3), a blue-green (matplotlib: 0.207, 0.372, 0.553).
    let heat = image::open(png.join("heatmap.png")).unwrap().to_rgba8();
    let near = heat
        .pixels()
        .filter(|p| {
            let d = |k: usize, v: f32| (p.0[k] as f32 - v * 255.0).abs();
            d(0, 0.207) < 30.0 && d(1, 0.372) < 30.0 && d(2, 0.553) < 30.0
        })
        .count();
    assert!(near > 1000, "{near} heat map pixels near viridis(1/3)");
    let bad = dir.join("png-bad");
    let out = metanas(&export_args(&run, &bad, &["--png", "--scale", "0"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--scale 0"), "{}", stderr(&out));
}

#[test]
fn bad_inputs_exit_with_2_and_a_clear_message() {
    let dir_tmp = tempdir("bad");
    let dir = dir_tmp.path();
    let good = std::fs::read_to_string(tiny_config(dir, 2)).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // A missing config field.
    let missing = write("missing.toml", &good.replace("kind = \"base\"\n", ""));
    let out = metanas(&train_args(&missing, &dir.join("r1"), &[]));
    assert_bad_input(&out, &["missing.toml", "missing field `kind`"]);
    assert!(
        !dir.join("r1").exists(),
        "nothing is created for a bad config"
    );
    // An unknown op in the space.
    let op = write(
        "op.toml",
        &good.replace("\"linear\"]", "\"linear\", \"conv_9x9\"]"),
    );
    let out = metanas(&train_args(&op, &dir.join("r2"), &[]));
    assert_bad_input(&out, &["op.toml", "conv_9x9"]);
    // Several machines: a rank outside the nodes, an address that is not ws://, no devices.
    let cfg = tiny_config(dir, 2);
    let spread = |extra: &[&str]| {
        let mut args = vec!["train", "--config", s(&cfg), "--run", "/nonexistent/never"];
        args.extend_from_slice(extra);
        metanas(&args)
    };
    let cluster = ["--nodes", "2", "--orchestrator", "ws://127.0.0.1:9"];
    let out = spread(
        &[
            &cluster[..],
            &["--rank", "2", "--address", "ws://127.0.0.1:8"],
        ]
        .concat(),
    );
    assert_bad_input(&out, &["--rank: 2 is not below nodes (2)"]);
    let out = spread(&[&cluster[..], &["--rank", "0", "--address", "http://x:1"]].concat());
    assert_bad_input(&out, &["--address", "does not start with ws://"]);
    let out = spread(&["--devices", "0"]);
    assert_bad_input(&out, &["--devices: must be at least 1"]);
    let out = spread(&["--nodes", "2"]);
    assert_eq!(out.status.code(), Some(2), "--nodes alone is refused");
    // A nonexistent data path.
    let out = metanas(&["inspect", "/nonexistent/omniglot"]);
    assert_bad_input(&out, &["/nonexistent/omniglot", "no such file"]);
    // A dataset with fewer classes than ways: two classes of images for 5-way tasks.
    let data = dir.join("two-classes");
    for class in ["a", "b"] {
        std::fs::create_dir_all(data.join(class)).unwrap();
        for i in 0..4u8 {
            image::GrayImage::from_pixel(8, 8, image::Luma([i * 40]))
                .save(data.join(class).join(format!("{i}.png")))
                .unwrap();
        }
    }
    let few = write(
        "few.toml",
        &format!(
            "seed = 0\nspace = {{ file = \"{}\" }}\n[tasks]\nkind = \"few_shot\"\nways = 5\nshots = 1\nsplit = {{ train = 1.0, val = 0.0 }}\n[[tasks.datasets]]\npath = \"{}\"\n[learner]\nkind = \"base\"\n",
            s(&workspace_root().join("assets/spaces/base_image.toml")),
            s(&data)
        ),
    );
    let out = metanas(&train_args(&few, &dir.join("r3"), &[]));
    assert_bad_input(&out, &["two-classes", "2 classes", "5-way"]);
    // A run directory that is not a run, and an unknown backend.
    let out = metanas(&["eval", "--run", s(dir)]);
    assert_bad_input(&out, &["not a metanas run"]);
    let out = metanas(&["eval", "--run", s(dir), "--backend", "tpu"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown backend `tpu`"));
}

#[test]
fn few_shot_run_adapts_to_a_dataset_given_on_the_command_line() {
    let dir_tmp = tempdir("fewshot");
    let dir = dir_tmp.path();
    let config = few_shot_config(
        &dir.join("digits.toml"),
        1,
        [5, 1, 3],
        "{ train = 0.5, val = 0.0 }",
        "bundled:uci-digits",
        r#"[learner]
kind = "base"
inner_steps = 2

[training]
meta_batch = 2
snapshot_every = 2
snapshot_tasks = 1
adapt_steps = 2
"#,
    );
    let run = dir.join("run");
    let out = train_ok(&config, &run, 2);
    // Multi-task BASE reports its tasks' query accuracy after the inner loops: the mean over
    // 2 tasks of 15 query images each is a multiple of 1/30.
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(", query accuracy "), "{text}");
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    for line in metrics.lines() {
        let j: serde_json::Value = serde_json::from_str(line).unwrap();
        let thirtieths = j["accuracy"].as_f64().expect("accuracy") * 30.0;
        assert!((thirtieths - thirtieths.round()).abs() < 1e-6, "{line}");
    }
    let split: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("split.json")).unwrap()).unwrap();
    assert_eq!(split[0][1]["train"].as_array().map(Vec::len), Some(5));
    // Lake et al.'s runs are 20-way: a 5-way network cannot be evaluated on them.
    let runs = workspace_root().join("../shared/datasets/omniglot/all_runs.zip");
    let out = metanas(&["eval", "--run", s(&run), "--episodes", s(&runs)]);
    assert_bad_input(
        &out,
        &["all_runs.zip", "a run has 20 classes", "classifies into 5"],
    );

    // An ImageFolder of 6 classes the run never saw, at another image size (converted).
    let data = dir.join("new-classes");
    image_folder(&data, 6, 4);
    let out = metanas_ok(&[
        "adapt",
        "--run",
        s(&run),
        "--data",
        s(&data),
        "--tasks",
        "2",
        "--json",
    ]);
    let j = json_of(&out);
    for key in [
        "accuracy_before",
        "accuracy_after",
        "steps",
        "ways",
        "shots",
        "genotype",
    ] {
        assert!(!j[key].is_null(), "adapt --json lacks {key}: {j}");
    }
    assert_eq!(
        (j["ways"].as_u64(), j["shots"].as_u64()),
        (Some(5), Some(1))
    );
    let acc = j["accuracy_after"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    // Every query prediction is one of 3 per class x 5 classes: accuracy is a multiple of 1/15.
    for t in j["per_task"].as_array().unwrap() {
        let a = t["after"].as_f64().unwrap() * 15.0;
        assert!((a - a.round()).abs() < 1e-6, "{a}");
    }

    // Fewer classes than ways, and ways the head cannot give.
    let two = dir.join("two-classes");
    image_folder(&two, 2, 4);
    let out = metanas(&["adapt", "--run", s(&run), "--data", s(&two)]);
    assert_bad_input(&out, &["two-classes", "2 classes", "5-way"]);
    let out = metanas(&["adapt", "--run", s(&run), "--data", s(&data), "--ways", "3"]);
    assert_bad_input(&out, &["--ways 3", "5 outputs"]);
    let out = metanas(&["adapt", "--run", s(&run), "--data", "/nonexistent/data"]);
    assert_bad_input(&out, &["/nonexistent/data", "no such file"]);
}

#[test]
fn png_export_includes_the_pca_of_the_posteriors_sampled_in_training() {
    let dir_tmp = tempdir("pca-figure");
    let dir = dir_tmp.path();
    let config = tiny_config(dir, 2);
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "snapshot_every = 5\nsnapshot_tasks = 1",
        "snapshot_every = 1\nsnapshot_tasks = 3",
    );
    std::fs::write(&config, text).unwrap();
    let run = dir.join("run");
    train_ok(&config, &run, 2);
    let png = dir.join("png");
    metanas_ok(&export_args(&run, &png, &["--png", "--scale", "1"]));
    let image = image::open(png.join("pca.png")).unwrap().to_rgba8();
    assert_eq!(image.width(), 1000, "figure width times the scale");
    // Six posteriors (two snapshot steps of three tasks) drawn as coloured discs: pixels far
    // from grey, which axes, grid, text and background never are.
    let coloured = image
        .pixels()
        .filter(|p| {
            let [r, g, b, _] = p.0.map(i32::from);
            r.max(g).max(b) - r.min(g).min(b) > 80
        })
        .count();
    assert!(coloured > 6 * 20, "{coloured} coloured pixels");
    let _ = std::fs::remove_dir_all(dir);
}
