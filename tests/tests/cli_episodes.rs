//! `metanas eval --episodes`: a 20-way run meta-trained on Omniglot's background subsets
//! (`../shared/datasets/omniglot/`) evaluated on Lake et al.'s 20 one-shot runs
//! (`all_runs.zip`), beside DARTS from scratch; and the inputs it refuses.

use metanas_tests::{assert_bad_input, json_of, metanas, metanas_ok, s, tempdir, train_ok};

#[test]
fn a_20_way_run_is_evaluated_on_the_one_shot_runs() {
    let dir = tempdir("episodes");
    let omniglot = metanas_tests::workspace_root().join("../shared/datasets/omniglot");
    let config = dir.join("omniglot20.toml");
    std::fs::write(
        &config,
        format!(
            r#"seed = 2
[space]
domain = "image"
ops = ["skip_connect", "max_pool_3x3"]
nodes = 1
cells = ["normal"]
channels = 4
stem_multiplier = 1
aggregate = "concat"
num_outputs = 20
[[space.inputs]]
name = "grey8"
channels = 1
height = 8
width = 8

[tasks]
kind = "few_shot"
ways = 20
shots = 1
queries = 1
split = {{ train = 0.7, val = 0.1 }}
[[tasks.datasets]]
path = "{}"

[learner]
kind = "base"
inner_steps = 1

[training]
meta_batch = 1
snapshot_every = 0
"#,
            omniglot.join("images_background_small1.zip").display()
        ),
    )
    .unwrap();
    let run = dir.join("run");
    train_ok(&config, &run, 1);
    let runs = omniglot.join("all_runs.zip");
    let out = metanas_ok(&[
        "eval",
        "--run",
        s(&run),
        "--episodes",
        s(&runs),
        "--steps",
        "1",
        "--darts",
        "--json",
    ]);
    let j = json_of(&out);
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
    let text = String::from_utf8_lossy(
        &metanas_ok(&[
            "eval",
            "--run",
            s(&run),
            "--episodes",
            s(&runs),
            "--steps",
            "1",
        ])
        .stdout,
    )
    .into_owned();
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
    let out = metanas(&["eval", "--run", s(&run), "--episodes", s(&dir)]);
    assert_bad_input(&out, &[s(&dir), "no run folders found"]);
    let missing = dir.join("missing.zip");
    let out = metanas(&["eval", "--run", s(&run), "--episodes", s(&missing)]);
    assert_bad_input(&out, &["missing.zip"]);
}
