//! Runs nobody can lose (issue 28), through the CLI: one writer per run directory, readers
//! beside it, crash-resume with identical files, and exit code 2 with the file or field named
//! for every bad input.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use metanas_core::run::REPRODUCIBLE_FILES;
use metanas_tests::{
    assert_bad_input, edited, json_of, metanas, metanas_binary, metanas_ok, s, tempdir,
    tiny_config, train_args, train_ok,
};

fn spawn_train(config: &Path, run: &Path) -> Child {
    Command::new(metanas_binary())
        .args(train_args(config, run, &["--json"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn metric_lines(run: &Path) -> usize {
    std::fs::read_to_string(run.join("metrics.jsonl")).map_or(0, |t| t.lines().count())
}

fn wait_for(run: &Path, lines: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while metric_lines(run) < lines && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_second_writer_exits_2_naming_the_first_while_readers_work() {
    let tmp = tempdir("twowriters");
    let dir = tmp.path();
    let config = tiny_config(dir, 1000);
    edited(
        &config,
        &config,
        &[("max_steps = 40", "max_steps = 100000")],
    );
    let run = dir.join("run");
    let mut first = spawn_train(&config, &run);
    wait_for(&run, 2);
    let pid = format!("PID {}", first.id());
    let out = metanas(&["train", "--run", s(&run)]);
    assert_bad_input(&out, &[&pid, "another metanas process"]);
    let out = metanas(&train_args(&config, &run, &["--force"]));
    assert_bad_input(&out, &[&pid]);
    // Readers do not wait for the writer.
    let out = metanas_ok(&["eval", "--run", s(&run), "--tasks", "2", "--json"]);
    assert_eq!(json_of(&out)["step"], 0);
    first.kill().unwrap();
    first.wait().unwrap();
    // The lock dies with its process: the run resumes.
    let out = metanas_ok(&["train", "--run", s(&run), "--max-steps", "1", "--json"]);
    assert_eq!(json_of(&out)["start_step"], 0);
}

/// Kills `train` at 20 points of one run and resumes each time; every file but the wall
/// times in metrics.jsonl must equal an uninterrupted run's byte for byte.
#[test]
fn twenty_kills_and_resumes_leave_the_same_bytes_as_one_run() {
    let tmp = tempdir("twentykills");
    let dir = tmp.path();
    // About 5 ms a meta-step: 1000 steps with a checkpoint every 10 take about 5 seconds.
    let config = tiny_config(dir, 10);
    edited(
        &config,
        &config,
        &[
            ("max_steps = 40", "max_steps = 1000"),
            ("snapshot_every = 5", "snapshot_every = 50"),
            // Clipped inner steps: the tiny config's BASE diverges near step 100 without.
            (
                "inner_steps = 2",
                "inner_steps = 2\ngrad_clip = 5.0\nlr_weights = 0.005",
            ),
        ],
    );
    let straight = dir.join("straight");
    train_ok(&config, &straight, 1000);
    let run = dir.join("killed");
    // The first start is not killed before the run exists (its manifest and checkpoint 0).
    let mut child = spawn_train(&config, &run);
    wait_for(&run, 1);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut kills = 0;
    loop {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(100 + rng % 400));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        if kills == 20 {
            break;
        }
        child = spawn_train(&config, &run);
    }
    let out = metanas_ok(&train_args(&config, &run, &["--json"]));
    assert_eq!(json_of(&out)["steps_done"], 1000);
    assert!(
        kills >= 10,
        "only {kills} kills landed before the run finished"
    );
    let files = |root: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(root.join("checkpoints"))
            .unwrap()
            .map(|e| format!("checkpoints/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        names.sort();
        names
    };
    assert_eq!(files(&run), files(&straight));
    for f in files(&straight)
        .iter()
        .map(String::as_str)
        .chain(REPRODUCIBLE_FILES)
    {
        assert!(
            std::fs::read(run.join(f)).unwrap() == std::fs::read(straight.join(f)).unwrap(),
            "{f} differs after {kills} kills"
        );
    }
    let without_times = |root: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(root.join("metrics.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                let o = v.as_object_mut().unwrap();
                o.remove("step_seconds");
                o.remove("elapsed_seconds");
                v
            })
            .collect()
    };
    assert_eq!(without_times(&run), without_times(&straight));
}

#[test]
fn bad_paths_and_values_exit_2_naming_what_is_wrong() {
    let tmp = tempdir("badpaths");
    let dir = tmp.path();
    let config = tiny_config(dir, 4);
    let run = dir.join("run");
    let out = metanas(&train_args(&dir.join("nope.toml"), &run, &[]));
    assert_bad_input(&out, &["nope.toml", "cannot read the config"]);
    let out = metanas(&train_args(dir, &run, &[]));
    assert_bad_input(&out, &["is a folder, not a config file"]);
    let binary = dir.join("binary.toml");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let out = metanas(&train_args(&binary, &run, &[]));
    assert_bad_input(&out, &["binary.toml", "not UTF-8"]);
    let out = metanas(&["train", "--run", s(&config)]);
    assert_bad_input(&out, &["is a file, not a run directory"]);
    let nan = edited(
        &config,
        &dir.join("nan.toml"),
        &[("inner_steps = 2", "inner_steps = 2\nlr_weights = nan")],
    );
    let out = metanas(&train_args(&nan, &run, &[]));
    assert_bad_input(&out, &["nan.toml", "learner.lr_weights"]);
    let out = metanas(&train_args(&config, &run, &["--max-steps", "1000000000"]));
    assert_bad_input(&out, &["--max-steps"]);
    assert!(!run.exists(), "a refused config creates nothing");

    train_ok(&config, &run, 2);
    for (args, words) in [
        (
            vec!["adapt", "--ways", "7"],
            vec!["--ways", "few-shot tasks"],
        ),
        (vec!["adapt", "--shots", "0"], vec!["--shots"]),
        (vec!["adapt", "--tasks", "1000000000"], vec!["--tasks"]),
        (vec!["eval", "--steps", "1000000000"], vec!["--steps"]),
    ] {
        let mut all = args.clone();
        all.extend(["--run", s(&run)]);
        assert_bad_input(&metanas(&all), &words);
    }
    // A run whose manifest is gone is refused, not restarted.
    std::fs::remove_file(run.join("run.json")).unwrap();
    let out = metanas(&train_args(&config, &run, &[]));
    assert_bad_input(&out, &["no run.json", "metrics.jsonl", "--force"]);
    let out = metanas(&["train", "--run", s(&run)]);
    assert_bad_input(&out, &["no run.json"]);
    let out = metanas_ok(&train_args(
        &config,
        &run,
        &["--force", "--max-steps", "1", "--json"],
    ));
    assert_eq!(json_of(&out)["start_step"], 0);
}

#[test]
fn no_usable_checkpoint_exits_2_and_force_starts_over() {
    let tmp = tempdir("nockpt");
    let dir = tmp.path();
    let config = tiny_config(dir, 2);
    let run = dir.join("run");
    train_ok(&config, &run, 4);
    for e in std::fs::read_dir(run.join("checkpoints")).unwrap() {
        std::fs::write(e.unwrap().path(), b"MNASCKPT").unwrap();
    }
    let out = metanas(&["train", "--run", s(&run)]);
    assert_bad_input(&out, &["no usable checkpoint", "--force"]);
    let out = metanas(&["eval", "--run", s(&run), "--tasks", "1"]);
    assert_bad_input(&out, &["no usable checkpoint"]);
    let damaged = std::fs::read_dir(run.join("checkpoints"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".damaged")
        })
        .count();
    assert_eq!(damaged, 3);
    let out = metanas_ok(&train_args(
        &config,
        &run,
        &["--force", "--max-steps", "2", "--json"],
    ));
    assert_eq!(json_of(&out)["steps_done"], 2);
}

#[test]
fn inspect_takes_the_bundled_digits_by_the_name_configs_use() {
    let out = metanas_ok(&["inspect", "bundled:uci-digits", "--json"]);
    assert_eq!(json_of(&out)["classes"], 10);
}
