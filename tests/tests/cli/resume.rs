//! Runs survive: SIGKILL and resume bit for bit, Ctrl-C, a damaged checkpoint, a torn metric
//! line, a failing write, an existing run.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use metanas_tests::{
    assert_bad_input, edited, export_args, json_of, metanas, metanas_binary, metanas_ok, s, stderr,
    stream_steps, tempdir, tiny_config, train_args, train_ok,
};

/// The parameter digest of `config` trained to its end in one go.
fn uninterrupted_digest(dir: &Path, config: &Path) -> serde_json::Value {
    let run = dir.join("straight");
    let out = metanas_ok(&train_args(config, &run, &["--json"]));
    json_of(&out)["parameter_digest"].clone()
}

/// Trains `tiny` to 40 steps in one go, and again with a SIGKILL in the middle and a resume;
/// the parameters must be bit-identical.
#[test]
fn kill_and_resume_is_bit_for_bit() {
    let dir_tmp = tempdir("kill");
    let dir = dir_tmp.path();
    let config = tiny_config(dir, 4);
    let want = uninterrupted_digest(dir, &config);

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
    let out = metanas_ok(&["train", "--run", s(&killed), "--json"]);
    let j = json_of(&out);
    assert!(j["resumed"].as_bool().unwrap());
    let start = j["start_step"].as_u64().unwrap();
    assert!(
        start > 0 && start < 40 && start.is_multiple_of(4),
        "resumed at {start}"
    );
    assert_eq!(j["parameter_digest"], want);
    let steps = stream_steps(&killed.join("metrics.jsonl"));
    assert_eq!(steps, (1..=40).collect::<Vec<_>>());
}

#[test]
fn a_corrupt_newest_checkpoint_and_a_torn_metric_line_are_survived() {
    let dir_tmp = tempdir("corrupt");
    let dir = dir_tmp.path();
    let config = tiny_config(dir, 2);
    let run = dir.join("run");
    train_ok(&config, &run, 6);
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
    let out = metanas_ok(&export_args(&run, &export, &["--json"]));
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
    let out = metanas_ok(&["train", "--run", s(&run), "--max-steps", "6", "--json"]);
    assert_eq!(json_of(&out)["start_step"], 4);
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 6);
}

#[test]
fn an_existing_run_is_resumed_not_overwritten() {
    let dir_tmp = tempdir("exists");
    let dir = dir_tmp.path();
    let config = tiny_config(dir, 2);
    let run = dir.join("run");
    train_ok(&config, &run, 2);
    let other = edited(
        &config,
        &dir.join("other.toml"),
        &[("seed = 3", "seed = 4")],
    );
    let out = metanas(&train_args(&other, &run, &[]));
    assert_bad_input(&out, &["different config", "--force"]);
    let out = metanas_ok(&train_args(&config, &run, &["--max-steps", "3", "--json"]));
    assert_eq!(json_of(&out)["start_step"], 2);
    let out = metanas_ok(&train_args(
        &other,
        &run,
        &["--max-steps", "1", "--force", "--json"],
    ));
    assert_eq!(json_of(&out)["start_step"], 0);
}

#[test]
fn ctrl_c_checkpoints_and_exits_with_130() {
    let dir_tmp = tempdir("sigint");
    let dir = dir_tmp.path();
    let config = tiny_config(dir, 100);
    let run = dir.join("run");
    let child = Command::new(metanas_binary())
        .args(train_args(&config, &run, &["--json"]))
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
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let j = json_of(&out);
    let steps = j["steps_done"].as_u64().unwrap();
    assert_eq!(j["stopped"], true, "{j}");
    assert!(steps < 40);
    assert!(run
        .join(format!("checkpoints/step-{steps:08}.ckpt"))
        .is_file());
}

/// A write that fails mid-run (here: a file-size limit, which fails writes like a full disk)
/// stops training with exit code 1 and a message naming the file; the run resumes from its
/// last checkpoint and still ends bit-identical to an uninterrupted run.
#[test]
fn a_failing_write_stops_cleanly_and_damages_nothing() {
    let dir_tmp = tempdir("full");
    let dir = dir_tmp.path();
    let config = tiny_config(dir, 4);
    let want = uninterrupted_digest(dir, &config);

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
    let out = metanas_ok(&["train", "--run", s(&run), "--json"]);
    let j = json_of(&out);
    assert!(j["start_step"].as_u64().unwrap() > 0, "{j}");
    assert_eq!(j["parameter_digest"], want);
}
