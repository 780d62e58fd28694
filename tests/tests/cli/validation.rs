//! Through the binary: `train` names its best-validation checkpoint, `eval` and `adapt` use it
//! unless `--checkpoint last`, and `eval --per-family` evaluates the same number of tasks of
//! every regression family and reports them together and family by family, with the query
//! points where the run puts them or around the support (`--query-points`).

use metanas_tests::{
    json_of, metanas, metanas_ok, run_json, s, stream_steps, tempdir, tiny_config, train_args,
    train_ok,
};

#[test]
fn eval_and_adapt_use_the_best_validation_checkpoint_unless_told_otherwise() {
    let tmp = tempdir("cli-best");
    let config = tiny_config(tmp.path(), 5);
    let run = tmp.path().join("r");
    let trained = json_of(&metanas_ok(&train_args(&config, &run, &["--json"])));
    let best = &trained["best_validation"];
    // The tiny config validates on 3 tasks at every checkpoint: steps 0, 5, ..., 40.
    let steps = stream_steps(&run.join("validation.jsonl"));
    assert_eq!(steps, (0..=40).step_by(5).collect::<Vec<u64>>());
    let best_step = best["step"].as_u64().unwrap();
    assert!(steps.contains(&best_step), "{best}");

    let eval = |extra: &[&str]| {
        run_json(
            "eval",
            &run,
            &[&["--tasks", "2", "--no-baselines"], extra].concat(),
        )
    };
    let e = eval(&[]);
    assert_eq!(e["checkpoint"]["choice"], "best");
    assert_eq!(e["checkpoint"]["step"], best_step);
    assert_eq!(e["checkpoint"]["last_step"], 40);
    assert_eq!(e["step"], best_step);
    assert_eq!(&e["checkpoint"]["validation"], best);
    let e = eval(&["--checkpoint", "last"]);
    assert_eq!(
        (e["step"].as_u64(), e["checkpoint"]["choice"].as_str()),
        (Some(40), Some("last"))
    );
    let a = json_of(&metanas_ok(&[
        "adapt",
        "--run",
        s(&run),
        "--no-baselines",
        "--json",
        "--checkpoint",
        "last",
    ]));
    assert_eq!(a["checkpoint"]["step"], 40);

    let out = metanas(&["eval", "--run", s(&run), "--checkpoint", "newest"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown checkpoint `newest`"), "{err}");
}

#[test]
fn per_family_evaluation_gives_each_family_the_same_number_of_tasks() {
    let tmp = tempdir("cli-per-family");
    let config = tiny_config(tmp.path(), 20);
    let run = tmp.path().join("r");
    train_ok(&config, &run, 4);
    let e = json_of(&metanas_ok(&[
        "eval",
        "--run",
        s(&run),
        "--per-family",
        "3",
        "--no-baselines",
        "--json",
    ]));
    assert_eq!(e["tasks"], 12);
    let families: Vec<&str> = e["by_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["source"].as_str().unwrap())
        .collect();
    assert_eq!(families, ["sinusoid", "linear", "quadratic", "harmonics"]);
    // Equal counts: the overall mean is the mean of the families' means.
    let last = |v: &serde_json::Value| {
        v["per_step"].as_array().unwrap().last().unwrap()["mean"]
            .as_f64()
            .unwrap()
    };
    let by_family: f64 = e["by_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["tasks"], 3);
            last(f)
        })
        .sum::<f64>()
        / 4.0;
    assert!(
        (last(&e) - by_family).abs() < 1e-9 * by_family.abs().max(1.0),
        "{e}"
    );

    // --per-family with --tasks is refused by the parser.
    let out = metanas(&[
        "eval",
        "--run",
        s(&run),
        "--per-family",
        "3",
        "--tasks",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn eval_can_put_the_query_and_support_points_elsewhere() {
    let tmp = tempdir("cli-query-points");
    let config = tiny_config(tmp.path(), 20);
    let run = tmp.path().join("r");
    train_ok(&config, &run, 4);
    let eval = |extra: &[&str]| {
        run_json(
            "eval",
            &run,
            &[
                &["--per-family", "2", "--steps", "1", "--no-baselines"],
                extra,
            ]
            .concat(),
        )
    };
    let grid = eval(&[]);
    assert_eq!(grid["query_points"], "grid");
    assert_eq!(grid["support_points"], "concentrated");
    let near = eval(&["--query-points", "like_support"]);
    assert_eq!(near["query_points"], "like_support");
    assert_eq!(near["tasks"], 8);
    // The same functions and support points, other query points: other errors.
    let first = |v: &serde_json::Value| v["per_step"][0]["mean"].as_f64().unwrap();
    assert_ne!(first(&grid), first(&near));

    let out = metanas(&["eval", "--run", s(&run), "--query-points", "middle"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown query points `middle`"), "{err}");

    // The support drawn over the grid instead: the same functions and query grid, so the
    // same errors before adaptation, and other support points, so others after its step.
    let uniform = eval(&["--support-points", "uniform"]);
    assert_eq!(uniform["support_points"], "uniform");
    assert_eq!(uniform["query_points"], "grid");
    assert_eq!(first(&grid), first(&uniform));
    let after = |v: &serde_json::Value| v["final"]["mean"].as_f64().unwrap();
    assert_ne!(after(&grid), after(&uniform));
    let out = metanas(&["eval", "--run", s(&run), "--support-points", "wide"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown support points `wide`: expected `concentrated` or `uniform`"),
        "{err}"
    );
}
