//! The `metanas` binary end to end: train, adapt, eval, export on the bundled regression
//! config; kill-and-resume bit for bit; damaged checkpoints and streams; bad inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use metanas_tests::{metanas_binary, workspace_root};

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("metanas-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn metanas(args: &[&str]) -> Output {
    Command::new(metanas_binary())
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("metanas runs")
}

fn json_of(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small, fast regression run (written next to the run so paths resolve).
fn tiny_config(dir: &Path, checkpoint_every: usize) -> PathBuf {
    let path = dir.join("tiny.toml");
    std::fs::write(
        &path,
        format!(
            r#"seed = 3
[space]
domain = "vector"
ops = ["none", "skip_connect", "linear"]
nodes = 2
cells = ["normal"]
channels = 8
aggregate = "mean"
num_outputs = 1
[[space.inputs]]
name = "x"
channels = 1

[tasks]
kind = "regression"
shots = 5
queries = 20

[learner]
kind = "base"
inner_steps = 2

[training]
meta_batch = 2
max_steps = 40
checkpoint_every = {checkpoint_every}
keep_checkpoints = 3
snapshot_every = 5
snapshot_tasks = 1
adapt_steps = 2
eval_tasks = 4
"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn train_adapt_eval_export_on_the_bundled_regression_config() {
    let dir = tempdir("e2e");
    let run = dir.join("run");
    let out = metanas(&[
        "train",
        "--config",
        "assets/configs/mnas_regression.toml",
        "--run",
        s(&run),
        "--max-steps",
        "2",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
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

    let out = metanas(&[
        "adapt",
        "--run",
        s(&run),
        "--tasks",
        "3",
        "--steps",
        "2",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
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

    let out = metanas(&[
        "eval",
        "--run",
        s(&run),
        "--tasks",
        "4",
        "--steps",
        "2",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j = json_of(&out);
    assert_eq!(j["metric"], "mse");
    assert_eq!(j["per_step"].as_array().map(Vec::len), Some(3));
    assert_eq!(j["per_step"][0]["n"], 4);

    let export = dir.join("export");
    let out = metanas(&["export", "--run", s(&run), "--out", s(&export), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
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
}

/// Trains `tiny` to 40 steps in one go, and again with a SIGKILL in the middle and a resume;
/// the parameters must be bit-identical.
#[test]
fn kill_and_resume_is_bit_for_bit() {
    let dir = tempdir("kill");
    let config = tiny_config(&dir, 4);
    let straight = dir.join("straight");
    let out = metanas(&[
        "train",
        "--config",
        s(&config),
        "--run",
        s(&straight),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = json_of(&out)["parameter_digest"].clone();

    let killed = dir.join("killed");
    let mut child = Command::new(metanas_binary())
        .args([
            "train",
            "--config",
            s(&config),
            "--run",
            s(&killed),
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let lines = std::fs::read_to_string(killed.join("metrics.jsonl"))
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 18 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the run finished before it could be killed"
    );
    let out = metanas(&["train", "--run", s(&killed), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j = json_of(&out);
    assert!(j["resumed"].as_bool().unwrap());
    let start = j["start_step"].as_u64().unwrap();
    assert!(
        start > 0 && start < 40 && start.is_multiple_of(4),
        "resumed at {start}"
    );
    assert_eq!(j["parameter_digest"], want);
    let metrics = std::fs::read_to_string(killed.join("metrics.jsonl")).unwrap();
    let steps: Vec<u64> = metrics
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["step"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(steps, (1..=40).collect::<Vec<_>>());
}

#[test]
fn a_corrupt_newest_checkpoint_and_a_torn_metric_line_are_survived() {
    let dir = tempdir("corrupt");
    let config = tiny_config(&dir, 2);
    let run = dir.join("run");
    let out = metanas(&[
        "train",
        "--config",
        s(&config),
        "--run",
        s(&run),
        "--max-steps",
        "6",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let newest = run.join("checkpoints/step-00000006.ckpt");
    let mut bytes = std::fs::read(&newest).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0x5a;
    std::fs::write(&newest, bytes).unwrap();
    let mut metrics = std::fs::OpenOptions::new()
        .append(true)
        .open(run.join("metrics.jsonl"))
        .unwrap();
    std::io::Write::write_all(&mut metrics, b"{\"step\": 7, \"loss\": 0.").unwrap();
    drop(metrics);

    let export = dir.join("export");
    let out = metanas(&["export", "--run", s(&run), "--out", s(&export), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("step-00000006.ckpt") && err.contains("checksum"),
        "{err}"
    );
    assert!(
        err.contains("metrics.jsonl:7") && err.contains("torn"),
        "{err}"
    );
    assert_eq!(
        json_of(&out)["step"],
        4,
        "falls back to the previous checkpoint"
    );
    let csv = std::fs::read_to_string(export.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "header and six steps");

    // Resuming continues from step 4 and cuts the streams back to it.
    let out = metanas(&["train", "--run", s(&run), "--max-steps", "6", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["start_step"], 4);
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 6);
}

fn assert_bad_input(out: &Output, must_contain: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("metanas: ")).collect();
    assert_eq!(errors.len(), 1, "one error line: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    for m in must_contain {
        assert!(errors[0].contains(m), "`{m}` not in: {err}");
    }
}

#[test]
fn bad_inputs_exit_with_2_and_a_clear_message() {
    let dir = tempdir("bad");
    let good = std::fs::read_to_string(tiny_config(&dir, 2)).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // A missing config field.
    let missing = write("missing.toml", &good.replace("kind = \"base\"\n", ""));
    let out = metanas(&[
        "train",
        "--config",
        s(&missing),
        "--run",
        s(&dir.join("r1")),
    ]);
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
    let out = metanas(&["train", "--config", s(&op), "--run", s(&dir.join("r2"))]);
    assert_bad_input(&out, &["op.toml", "conv_9x9"]);
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
    let out = metanas(&["train", "--config", s(&few), "--run", s(&dir.join("r3"))]);
    assert_bad_input(&out, &["two-classes", "2 classes", "5-way"]);
    // A run directory that is not a run, and an unknown backend.
    let out = metanas(&["eval", "--run", s(&dir)]);
    assert_bad_input(&out, &["not a metanas run"]);
    let out = metanas(&["eval", "--run", s(&dir), "--backend", "tpu"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown backend `tpu`"));
}

#[test]
fn an_existing_run_is_resumed_not_overwritten() {
    let dir = tempdir("exists");
    let config = tiny_config(&dir, 2);
    let run = dir.join("run");
    let out = metanas(&[
        "train",
        "--config",
        s(&config),
        "--run",
        s(&run),
        "--max-steps",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let other = dir.join("other.toml");
    std::fs::write(
        &other,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("seed = 3", "seed = 4"),
    )
    .unwrap();
    let out = metanas(&["train", "--config", s(&other), "--run", s(&run)]);
    assert_bad_input(&out, &["different config", "--force"]);
    let out = metanas(&[
        "train",
        "--config",
        s(&config),
        "--run",
        s(&run),
        "--max-steps",
        "3",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["start_step"], 2);
    let out = metanas(&[
        "train",
        "--config",
        s(&other),
        "--run",
        s(&run),
        "--max-steps",
        "1",
        "--force",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out)["start_step"], 0);
}

#[test]
fn ctrl_c_checkpoints_and_exits_cleanly() {
    let dir = tempdir("sigint");
    let config = tiny_config(&dir, 100);
    let run = dir.join("run");
    let child = Command::new(metanas_binary())
        .args(["train", "--config", s(&config), "--run", s(&run), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_to_string(run.join("metrics.jsonl")).map_or(0, |t| t.lines().count()) < 3
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let j = json_of(&out);
    let steps = j["steps_done"].as_u64().unwrap();
    assert_eq!(j["stopped"], true, "{j}");
    assert!(steps < 40);
    assert!(run
        .join(format!("checkpoints/step-{steps:08}.ckpt"))
        .is_file());
}

/// Writes `classes` folders of 8x8 grey PNGs (ImageFolder layout).
fn image_folder(root: &Path, classes: usize, per_class: u8) {
    for c in 0..classes {
        let dir = root.join(format!("class{c}"));
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..per_class {
            image::GrayImage::from_fn(8, 8, |x, y| {
                image::Luma([((x + y) as u8 * 9 + i * 7) ^ c as u8])
            })
            .save(dir.join(format!("{i}.png")))
            .unwrap();
        }
    }
}

#[test]
fn few_shot_run_adapts_to_a_dataset_given_on_the_command_line() {
    let dir = tempdir("fewshot");
    let config = dir.join("digits.toml");
    std::fs::write(
        &config,
        r#"seed = 1
[space]
domain = "image"
ops = ["none", "skip_connect", "avg_pool_3x3", "sep_conv_3x3"]
nodes = 2
cells = ["normal"]
channels = 4
stem_multiplier = 1
aggregate = "concat"
num_outputs = 5
[[space.inputs]]
name = "grey8"
channels = 1
height = 8
width = 8

[tasks]
kind = "few_shot"
ways = 5
shots = 1
queries = 3
split = { train = 0.5, val = 0.0 }
[[tasks.datasets]]
path = "bundled:uci-digits"

[learner]
kind = "base"
inner_steps = 2

[training]
meta_batch = 2
snapshot_every = 2
snapshot_tasks = 1
adapt_steps = 2
"#,
    )
    .unwrap();
    let run = dir.join("run");
    let out = metanas(&[
        "train",
        "--config",
        s(&config),
        "--run",
        s(&run),
        "--max-steps",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let split: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("split.json")).unwrap()).unwrap();
    assert_eq!(split[0][1]["train"].as_array().map(Vec::len), Some(5));

    // An ImageFolder of 6 classes the run never saw, at another image size (converted).
    let data = dir.join("new-classes");
    image_folder(&data, 6, 4);
    let out = metanas(&[
        "adapt",
        "--run",
        s(&run),
        "--data",
        s(&data),
        "--tasks",
        "2",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
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

/// A write that fails mid-run (here: a file-size limit, which fails writes like a full disk)
/// stops training with exit code 1 and a message naming the file; the run resumes from its
/// last checkpoint and still ends bit-identical to an uninterrupted run.
#[test]
fn a_failing_write_stops_cleanly_and_damages_nothing() {
    let dir = tempdir("full");
    let config = tiny_config(&dir, 4);
    let straight = dir.join("straight");
    let out = metanas(&[
        "train",
        "--config",
        s(&config),
        "--run",
        s(&straight),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = json_of(&out)["parameter_digest"].clone();

    let run = dir.join("run");
    // `ulimit -f 12`: no file may grow past 12 KiB; SIGXFSZ ignored, so writes fail with EFBIG.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f 12; trap '' XFSZ; exec '{}' train --config '{}' --run '{}'",
            s(&metanas_binary()),
            s(&config),
            s(&run)
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("metanas: "))
        .unwrap_or_default();
    assert!(line.contains(s(&run)) && line.contains(".jsonl"), "{err}");
    let out = metanas(&["train", "--run", s(&run), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j = json_of(&out);
    assert!(j["start_step"].as_u64().unwrap() > 0, "{j}");
    assert_eq!(j["parameter_digest"], want);
}
