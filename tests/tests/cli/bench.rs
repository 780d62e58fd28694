//! `metanas bench` on a tiny config: the JSON fields the speed tables are made of, with the
//! arithmetic counted by hand for the small vector space (336 multiply-accumulates an example:
//! a linear stem 1 -> 8, five `linear` 8 -> 8 edges, a linear head 8 -> 1).

use metanas_tests::{assert_bad_input, json_of, metanas, metanas_ok, s, tempdir, tiny_config};

/// `bench --config CONFIG --steps 1 --warmup 0 --json` with `extra` options, as JSON.
fn one_step(config: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let args = [
        "bench",
        "--config",
        s(config),
        "--steps",
        "1",
        "--warmup",
        "0",
        "--json",
    ];
    json_of(&metanas_ok(&[&args[..], extra].concat()))
}

#[test]
fn bench_reports_time_arithmetic_rate_and_peak() {
    let tmp = tempdir("bench");
    let config = tiny_config(tmp.path(), 4);
    let out = metanas_ok(&[
        "bench",
        "--config",
        s(&config),
        "--steps",
        "3",
        "--warmup",
        "1",
        "--json",
    ]);
    let j = json_of(&out);
    assert_eq!(j["backend"], "cpu");
    assert_eq!(j["learner"], "base");
    assert_eq!(j["timed_steps"], 3);
    assert_eq!(j["macs_per_example"], 336);
    // 2 tasks x (2 inner steps x 6 FLOPs per MAC x 5 support points + 2 x 20 query points).
    let flops = 2.0 * (2.0 * 6.0 * 336.0 * 5.0 + 2.0 * 336.0 * 20.0);
    assert_eq!(j["flops_per_meta_step"].as_f64().unwrap(), flops);
    let s = &j["seconds_per_meta_step"];
    let (median, min, max) = (
        s["median"].as_f64().unwrap(),
        s["min"].as_f64().unwrap(),
        s["max"].as_f64().unwrap(),
    );
    assert!(0.0 < min && min <= median && median <= max, "{s}");
    let achieved = j["achieved_gflops"].as_f64().unwrap();
    assert!((achieved - flops / median / 1e9).abs() <= 1e-9 * achieved.max(1.0));
    assert!(j["peak_gflops"].as_f64().unwrap() > 0.0);
    assert!(j["forward_s"].as_f64().unwrap() > 0.0);
    assert!(j["backward_s"].as_f64().unwrap() > 0.0);
    let peak = j["peak_memory_bytes"].as_u64().unwrap();
    assert!(peak > 1_000_000);
    // One task's inner step holds heap (its activations, graph and gradients), counted by the
    // binary's allocator: some, and less than the whole process at its peak.
    let per_task = j["memory_per_task_bytes"].as_u64().unwrap();
    assert!(0 < per_task && per_task < peak, "{per_task} of {peak}");
    // Counted from /proc on Linux, where the tests run.
    assert!(j["minor_page_faults_per_meta_step"].as_f64().unwrap() >= 0.0);
    assert!(j["kernel_launches_per_inner_step"].is_null());
    assert_bad_input(&metanas(&["bench", "--steps", "0"]), &["--steps"]);
}

/// Single-path search runs one of each edge's 3 live ops: each `linear` edge's 64 MACs count
/// a third (21 in whole MACs), and the bench says it counted a single path.
#[test]
fn bench_counts_a_single_path() {
    let tmp = tempdir("bench-single-path");
    let config = metanas_tests::tiny_config_with(
        tmp.path(),
        "single_path.toml",
        4,
        "kind = \"base\"\ninner_steps = 2\nrelaxation = \"single_path\"",
    );
    let j = one_step(&config, &[]);
    assert_eq!(j["single_path"], true);
    assert_eq!(j["macs_per_example"], 8 + 5 * 21 + 8);
}

/// `--single-path` turns a relaxed config's search into single-path search (same count as
/// the config that asks for it), says so in the text, and is refused for MAML, which searches
/// no architecture.
#[test]
fn bench_single_path_flag() {
    let tmp = tempdir("bench-single-path-flag");
    let config = tiny_config(tmp.path(), 4);
    let j = one_step(&config, &[]);
    assert_eq!(j["single_path"], false);
    assert_eq!(j["macs_per_example"], 336);
    let j = one_step(&config, &["--single-path"]);
    assert_eq!(j["single_path"], true);
    assert_eq!(j["macs_per_example"], 8 + 5 * 21 + 8);
    let args = [
        "bench",
        "--config",
        s(&config),
        "--steps",
        "1",
        "--warmup",
        "0",
    ];
    let out = metanas_ok(&[&args[..], &["--single-path"]].concat());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("single path"), "{text}");
    let maml = metanas_tests::tiny_config_with(tmp.path(), "maml.toml", 4, "kind = \"maml\"");
    assert_bad_input(
        &metanas(&["bench", "--config", s(&maml), "--single-path"]),
        &["--single-path", "MAML"],
    );
}

/// A bench config whose dataset is absent runs on generated images of its input's size, and
/// says so; no folder is left behind.
#[test]
fn bench_stands_in_generated_images_for_an_absent_dataset() {
    let tmp = tempdir("bench-absent");
    let config = tmp.path().join("absent.toml");
    std::fs::write(
        &config,
        format!(
            "seed = 1\n{}\n[tasks]\nkind = \"few_shot\"\nways = 3\nshots = 1\nqueries = 2\n\
             [[tasks.datasets]]\npath = \"no/such/omniglot.zip\"\n[learner]\nkind = \"base\"\n\
             inner_steps = 1\n[training]\nmeta_batch = 2\nsnapshot_every = 0\n",
            metanas_tests::tiny_image_space(3)
        ),
    )
    .unwrap();
    let scratch = std::env::temp_dir();
    let j = one_step(&config, &[]);
    assert_eq!(j["generated_images"], true);
    assert_eq!(j["meta_batch"], 2);
    assert!(j["seconds_per_meta_step"]["median"].as_f64().unwrap() > 0.0);
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("metanas-bench-")
        })
        .collect();
    assert!(left.is_empty(), "{left:?} left behind");
}
