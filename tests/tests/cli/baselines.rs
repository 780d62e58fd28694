//! `adapt` and `eval` report the baselines beside the adapted network, on the same tasks:
//! checked on data where the raw-pixel answer is known (every class one grey level), at the
//! dataset's own size, and on a regression run (only the network from scratch applies).

use std::path::Path;

use metanas_tests::{
    edited, json_of, metanas_ok, s, tempdir, tiny_config, tiny_image_space, train_ok,
};

/// 5 classes of 16x16 grey PNGs, class c at grey level 40 c + 20 with a small per-image
/// offset: nearest class mean on the pixels gets every query right.
fn grey_levels(root: &Path) {
    for c in 0..5u8 {
        let dir = root.join(format!("level{c}"));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..4u8 {
            image::GrayImage::from_fn(16, 16, |x, _| {
                image::Luma([40 * c + 20 + i + (x % 2) as u8])
            })
            .save(dir.join(format!("{i}.png")))
            .unwrap();
        }
    }
}

fn digits_run(dir: &Path) -> std::path::PathBuf {
    digits_run_on(dir, 0)
}

/// [`digits_run`] with `learner.threads = threads` (0: one per core), in `dir/run<threads>`.
fn digits_run_on(dir: &Path, threads: usize) -> std::path::PathBuf {
    let learner = format!("kind = \"base\"\ninner_steps = 1\nthreads = {threads}\n");
    digits_run_with(dir, &format!("run{threads}"), &learner, "")
}

/// A 2-meta-step run in `dir/name` on the bundled digits with the `[learner]` table's
/// `learner` lines and `training` added to the `[training]` table.
fn digits_run_with(dir: &Path, name: &str, learner: &str, training: &str) -> std::path::PathBuf {
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "seed = 1\n{}\n[tasks]\nkind = \"few_shot\"\nways = 5\nshots = 1\nqueries = 3\n\
             split = {{ train = 0.5, val = 0.0 }}\n[[tasks.datasets]]\npath = \"bundled:uci-digits\"\n\
             [learner]\n{learner}[training]\n\
             meta_batch = 2\nsnapshot_every = 0\nadapt_steps = 2\neval_tasks = 3\n{training}",
            tiny_image_space(5)
        ),
    )
    .unwrap();
    let run = dir.join(name);
    train_ok(&config, &run, 2);
    run
}

/// `adapt --tasks 4 --json` on `run`.
fn adapt_four(run: &Path) -> serde_json::Value {
    json_of(&metanas_ok(&[
        "adapt",
        "--run",
        s(run),
        "--tasks",
        "4",
        "--json",
    ]))
}

fn fifteenths(v: &serde_json::Value) {
    let x = v.as_f64().unwrap() * 15.0;
    assert!(
        (x - x.round()).abs() < 1e-6 && (0.0..=15.0).contains(&x),
        "{v}"
    );
}

#[test]
fn adapt_reports_baselines_on_the_same_tasks_at_the_datasets_size() {
    let tmp = tempdir("baselines-adapt");
    let run = digits_run(tmp.path());
    let data = tmp.path().join("levels");
    grey_levels(&data);
    let (run, data) = (s(&run), s(&data));
    let args = ["adapt", "--run", run, "--data", data, "--tasks", "3"];
    let j = json_of(&metanas_ok(&[&args[..], &["--json"]].concat()));
    assert_eq!(j["baseline_pixels"], "16x16 grey");
    let b = &j["baselines"];
    assert_eq!(b["nearest_class_mean_pixels"]["mean"], 1.0);
    assert_eq!(b["nearest_class_mean_pixels"]["ci95"], 0.0);
    for key in [
        "linear_pixels",
        "from_scratch",
        "nearest_class_mean_features",
    ] {
        assert!(b[key]["ci95"].as_f64().unwrap() >= 0.0, "{key}: {b}");
    }
    for t in j["per_task"].as_array().unwrap() {
        assert_eq!(t["baselines"]["nearest_class_mean_pixels"], 1.0);
        for key in [
            "linear_pixels",
            "from_scratch",
            "nearest_class_mean_features",
        ] {
            fifteenths(&t["baselines"][key]);
        }
    }
    // The adapted network of 2 meta-steps is far from perfect on these: the pixels win.
    let beating = j["baselines_beating_adapted"].as_array().unwrap();
    assert!(
        beating.iter().any(|k| k == "nearest_class_mean_pixels"),
        "{j}"
    );
    let text = String::from_utf8_lossy(&metanas_ok(&args).stdout).to_string();
    assert!(
        text.contains("nearest class mean, raw pixels (16x16 grey)"),
        "{text}"
    );
    assert!(text.contains("WARNING: the adapted network"), "{text}");
    let j = json_of(&metanas_ok(
        &[&args[..], &["--no-baselines", "--json"]].concat(),
    ));
    assert!(j.get("baselines").is_none(), "{j}");
    assert!(j["per_task"][0].get("baselines").is_none(), "{j}");
}

/// Two datasets feeding one input share its name: the raw-pixel baselines of the run's own
/// held-out tasks read each task's pixels from its own dataset (here the digits, at the
/// network's 8x8), not from the other one's (16x16 grey levels, all in meta-training).
#[test]
fn held_out_baselines_of_a_run_with_two_datasets_read_their_own_pixels() {
    let tmp = tempdir("baselines-two-sources");
    let data = tmp.path().join("levels");
    grey_levels(&data);
    let config = tmp.path().join("two.toml");
    std::fs::write(
        &config,
        format!(
            "seed = 1\n{}\n[tasks]\nkind = \"few_shot\"\nways = 5\nshots = 1\nqueries = 3\n\
             split = {{ train = 0.5, val = 0.0 }}\n[[tasks.datasets]]\npath = \"bundled:uci-digits\"\n\
             [[tasks.datasets]]\npath = \"{}\"\nsplit = {{ train = 1.0, val = 0.0 }}\n\
             [learner]\nkind = \"base\"\ninner_steps = 1\n[training]\nmeta_batch = 2\n\
             snapshot_every = 0\nadapt_steps = 2\n",
            tiny_image_space(5),
            data.display()
        ),
    )
    .unwrap();
    let run = tmp.path().join("run");
    train_ok(&config, &run, 1);
    let j = json_of(&metanas_ok(&[
        "adapt",
        "--run",
        s(&run),
        "--tasks",
        "3",
        "--json",
    ]));
    assert_eq!(j["baseline_pixels"], "8x8 grey", "{j}");
    for t in j["per_task"].as_array().unwrap() {
        fifteenths(&t["baselines"]["nearest_class_mean_pixels"]);
    }
}

/// Adaptation and the baselines run their tasks `learner.threads` at a time; every task has
/// its own seed, so one thread and two give the same numbers, task by task.
#[test]
fn adapt_gives_the_same_numbers_on_one_thread_and_two() {
    let tmp = tempdir("baselines-threads");
    let report = |threads| {
        let run = digits_run_on(tmp.path(), threads);
        let j = adapt_four(&run);
        (j["per_task"].clone(), j["baselines"].clone())
    };
    let (one, two) = (report(1), report(2));
    assert_eq!(one.0.as_array().map(Vec::len), Some(4), "{:?}", one.0);
    assert_eq!(one, two);
}

/// Without --data, --shots and --queries reshape the run's own held-out tasks (the run
/// meta-trained 1-shot with 3 queries); its held-out digits hold enough images for them.
#[test]
fn adapt_to_held_out_classes_at_other_shots() {
    let tmp = tempdir("baselines-heldout-shots");
    let run = digits_run(tmp.path());
    let j = json_of(&metanas_ok(&[
        "adapt",
        "--run",
        s(&run),
        "--tasks",
        "2",
        "--shots",
        "4",
        "--queries",
        "2",
        "--no-baselines",
        "--json",
    ]));
    assert_eq!(
        (j["ways"].as_u64(), j["shots"].as_u64()),
        (Some(5), Some(4)),
        "{j}"
    );
    // The run's record of its class split: [[source, {train, val, test}]].
    let split: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("split.json")).unwrap()).unwrap();
    let test = split[0][1]["test"].as_array().unwrap();
    assert_eq!(test.len(), 5, "{split}");
    for t in j["per_task"].as_array().unwrap() {
        // 5 ways x 2 queries: accuracies in tenths.
        let x = t["after"].as_f64().unwrap() * 10.0;
        assert!((x - x.round()).abs() < 1e-9, "{t}");
        // Every task is the held-out digits.
        let mut classes = t["classes"].as_array().unwrap().clone();
        classes.sort_by_key(|c| c.as_u64());
        assert_eq!(&classes, test, "{t}");
    }
    let out = metanas_tests::metanas(&["adapt", "--run", s(&run), "--ways", "3"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--ways 3: the run's network has 5 outputs"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn eval_reports_baselines_and_regression_has_its_own() {
    let tmp = tempdir("baselines-eval");
    let run = digits_run(tmp.path());
    let j = json_of(&metanas_ok(&["eval", "--run", s(&run), "--json"]));
    // The bundled digits are 8x8, the network's own input size.
    assert_eq!(j["baseline_pixels"], "8x8 grey");
    let keys: Vec<&String> = j["baselines"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{j}");

    let reg = tmp.path().join("reg");
    std::fs::create_dir_all(&reg).unwrap();
    let config = tiny_config(&reg, 4);
    let run = reg.join("run");
    train_ok(&config, &run, 2);
    let run = s(&run);
    let j = json_of(&metanas_ok(&[
        "adapt", "--run", run, "--tasks", "2", "--json",
    ]));
    let b = j["baselines"].as_object().unwrap();
    let mut keys: Vec<&str> = b.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["from_scratch", "least_squares_inputs", "support_mean"],
        "{j}"
    );
    for key in keys {
        assert!(b[key]["mean"].as_f64().unwrap() >= 0.0, "{j}");
    }
}

/// `eval --per-family` on a run of two regression families reports the baselines family by
/// family beside the adapted network: the least-squares line fits the linear family's
/// noiseless lines exactly (MSE 0, whatever the network does), so it beats the network there
/// and a warning names the family; each family's adapted value is its `by_source` one.
#[test]
fn eval_reports_the_baselines_family_by_family() {
    let tmp = tempdir("baselines-family");
    let config = edited(
        &tiny_config(tmp.path(), 4),
        &tmp.path().join("two_families.toml"),
        &[(
            "kind = \"regression\"",
            "kind = \"regression\"\nfamilies = [\"sinusoid\", \"linear\"]",
        )],
    );
    let run = tmp.path().join("run");
    train_ok(&config, &run, 2);
    let eval = ["eval", "--run", s(&run), "--per-family", "3"];
    let j = json_of(&metanas_ok(&[&eval[..], &["--json"]].concat()));
    let rows = j["baselines_by_source"].as_array().expect("per family");
    let names: Vec<&str> = rows.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(names, ["sinusoid", "linear"], "{j}");
    for (row, adapted) in rows.iter().zip(j["by_source"].as_array().unwrap()) {
        let last = adapted["per_step"].as_array().unwrap().last().unwrap();
        assert_eq!(row["adapted"]["mean"], last["mean"], "{j}");
    }
    let line = rows[1]["baselines"]["least_squares_inputs"]["mean"]
        .as_f64()
        .unwrap();
    assert!(line < 1e-6, "a line through noiseless lines: {line}");
    assert!(
        rows[1]["beating_adapted"]
            .as_array()
            .unwrap()
            .contains(&"least_squares_inputs".into()),
        "{j}"
    );
    // Three tasks of each family: the overall mean is the mean of the two families' means.
    let mean = |v: &serde_json::Value| v["support_mean"]["mean"].as_f64().unwrap();
    let both = (mean(&rows[0]["baselines"]) + mean(&rows[1]["baselines"])) / 2.0;
    assert!(
        (mean(&j["baselines"]) - both).abs() < 1e-9 * both.max(1.0),
        "{j}"
    );
    let text = String::from_utf8_lossy(&metanas_ok(&eval).stdout).to_string();
    assert!(text.contains("baselines by source (mse"), "{text}");
    assert!(
        text.contains("WARNING: on linear, the adapted network"),
        "{text}"
    );
}

/// `--head prototypes` starts adaptation at the meta-features' nearest class mean (the same
/// accuracy before any step, on the same tasks), says so in the JSON, and an unknown head is
/// refused naming the option.
#[test]
fn adapt_with_the_prototype_head() {
    let tmp = tempdir("baselines-head");
    let run = digits_run(tmp.path());
    let adapt = ["adapt", "--run", s(&run), "--tasks", "4", "--json"];
    let j = json_of(&metanas_ok(
        &[&adapt[..], &["--head", "prototypes"]].concat(),
    ));
    assert_eq!(j["head"], "prototypes");
    let features = &j["baselines"]["nearest_class_mean_features"]["mean"];
    assert_eq!(j["accuracy_before"], *features, "{j}");
    let j = json_of(&metanas_ok(&adapt));
    assert_eq!(j["head"], "meta");
    let out = metanas_tests::metanas(&["adapt", "--run", s(&run), "--head", "proto"]);
    assert_eq!(out.status.code(), Some(2));
    let err = metanas_tests::stderr(&out);
    assert!(
        err.contains("--head") && err.contains("expected `meta` or `prototypes`"),
        "{err}"
    );
}

/// M-NAS meta-trained from prototype heads (`learner.inner_head`) adapts from the prototypes
/// (the meta-features' nearest class mean before any step), and `--head meta`, which would
/// start from a head meta-training never trained, is refused naming the option and the
/// setting.
#[test]
fn a_run_meta_trained_from_prototypes_adapts_from_them_only() {
    let tmp = tempdir("baselines-inner-head");
    let run = digits_run_with(
        tmp.path(),
        "proto",
        "kind = \"mnas\"\ninner_steps = 1\ninner_head = \"prototypes\"\n",
        "adapt_head = \"prototypes\"\n",
    );
    let j = adapt_four(&run);
    assert_eq!(j["head"], "prototypes");
    let features = &j["baselines"]["nearest_class_mean_features"]["mean"];
    assert_eq!(j["accuracy_before"], *features, "{j}");
    let out = metanas_tests::metanas(&["adapt", "--run", s(&run), "--head", "meta"]);
    assert_eq!(out.status.code(), Some(2));
    let err = metanas_tests::stderr(&out);
    assert!(
        err.contains("--head meta") && err.contains("inner_head"),
        "{err}"
    );
}
