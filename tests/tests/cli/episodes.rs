//! `metanas eval --episodes`: a 20-way run meta-trained on Omniglot's background subsets
//! (`../shared/datasets/omniglot/`) evaluated on Lake et al.'s 20 one-shot runs
//! (`all_runs.zip`), beside DARTS from scratch and adaptation with the architecture frozen;
//! and the inputs it refuses.

use metanas_tests::{
    assert_bad_input, few_shot_config, json_of, metanas, metanas_ok, s, tempdir, train_ok,
};

#[test]
fn a_20_way_run_is_evaluated_on_the_one_shot_runs() {
    let dir_tmp = tempdir("episodes");
    let dir = dir_tmp.path();
    let omniglot = metanas_tests::workspace_root().join("../shared/datasets/omniglot");
    let config = few_shot_config(
        &dir.join("omniglot20.toml"),
        2,
        [20, 1, 1],
        "{ train = 0.7, val = 0.1 }",
        s(&omniglot.join("images_background_small1.zip")),
        r#"[learner]
kind = "base"
inner_steps = 1

[training]
meta_batch = 1
snapshot_every = 0
"#,
    );
    let run = dir.join("run");
    train_ok(&config, &run, 1);
    let runs = omniglot.join("all_runs.zip");
    let eval = |more: &[&str]| {
        let mut args = vec![
            "eval",
            "--run",
            s(&run),
            "--episodes",
            s(&runs),
            "--steps",
            "1",
        ];
        args.extend_from_slice(more);
        metanas_ok(&args)
    };
    let j = json_of(&eval(&["--darts", "--json"]));
    assert_eq!(j["tasks"], 20);
    assert_eq!(j["metric"], "accuracy");
    for per_step in [&j["per_step"], &j["darts"]["per_step"]] {
        let steps = per_step.as_array().unwrap();
        assert_eq!(steps.len(), 2);
        for m in steps {
            assert_eq!(m["n"], 20);
            let acc = m["mean"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&acc), "{m}");
        }
    }
    // Adapting the weights only starts where the usual adaptation starts.
    let f = json_of(&eval(&["--frozen-arch", "--json"]));
    assert_eq!(f["frozen_arch"]["per_step"][0], f["per_step"][0]);
    assert_eq!(
        f["frozen_arch"]["per_step"].as_array().map(Vec::len),
        Some(2)
    );
    let text = String::from_utf8_lossy(&eval(&["--frozen-arch"]).stdout).into_owned();
    assert!(text.contains("arch frozen"), "{text}");
    assert!(
        text.contains("over the runs in") && text.contains("all_runs.zip"),
        "{text}"
    );

    // Not both ways of choosing tasks; a path without runs; a missing path.
    let out = metanas(&[
        "eval",
        "--run",
        s(&run),
        "--episodes",
        s(&runs),
        "--tasks",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = metanas(&["eval", "--run", s(&run), "--episodes", s(dir)]);
    assert_bad_input(&out, &[s(dir), "no run folders found"]);
    let missing = dir.join("missing.zip");
    let out = metanas(&["eval", "--run", s(&run), "--episodes", s(&missing)]);
    assert_bad_input(&out, &["missing.zip"]);
}
