//! One run as two processes on loopback: `metanas orchestrator` and two `metanas train
//! --nodes 2 --rank R`, combined with Burn's global collective all-reduce (burn-collective
//! patched in `patches/`: 0.21 hung on the second global operation). Both processes end with
//! the same parameters, and every meta-step's loss is the one of the same run in one process.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use metanas_tests::{metanas_binary, tempdir, tiny_config_with};

/// A port nothing listens on now (on loopback).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// Kills the child when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `child` at most `limit`; its stdout when it exited with 0.
fn finish(mut child: Killed, limit: Duration, what: &str) -> serde_json::Value {
    let start = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            let mut out = String::new();
            let mut err = String::new();
            use std::io::Read;
            if let Some(s) = child.0.stdout.as_mut() {
                s.read_to_string(&mut out).unwrap();
            }
            if let Some(s) = child.0.stderr.as_mut() {
                s.read_to_string(&mut err).unwrap();
            }
            assert!(status.success(), "{what} failed ({status}): {err}");
            return serde_json::from_str(out.trim())
                .unwrap_or_else(|e| panic!("{what}: {e} in its output `{out}`; stderr: {err}"));
        }
        assert!(
            start.elapsed() < limit,
            "{what} did not finish in {limit:?}: hung"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn train(config: &Path, run: &Path, extra: &[String]) -> Killed {
    Killed(
        Command::new(metanas_binary())
            .args(["train", "--json", "--max-steps", "3", "--config"])
            .arg(config)
            .arg("--run")
            .arg(run)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

fn losses(run: &Path) -> Vec<f64> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["loss"]
                .as_f64()
                .unwrap()
        })
        .collect()
}

#[test]
fn two_processes_train_one_run_like_one_process() {
    let dir_tmp = tempdir("cluster");
    let dir = dir_tmp.path();
    let config = tiny_config_with(dir, "run.toml", 3, "kind = \"base\"\ninner_steps = 2");
    let port = free_port();
    let _orchestrator = Killed(
        Command::new(metanas_binary())
            .args(["orchestrator", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let nodes: Vec<Killed> = (0..2)
        .map(|rank| {
            let args = [
                "--nodes".to_string(),
                "2".into(),
                "--rank".into(),
                rank.to_string(),
                "--orchestrator".into(),
                format!("ws://127.0.0.1:{port}"),
                "--address".into(),
                format!("ws://127.0.0.1:{}", free_port()),
            ];
            train(&config, &dir.join(format!("rank{rank}")), &args)
        })
        .collect();
    let single = finish(
        train(&config, &dir.join("single"), &[]),
        Duration::from_secs(120),
        "the one-process run",
    );
    let outs: Vec<_> = nodes
        .into_iter()
        .enumerate()
        .map(|(rank, child)| finish(child, Duration::from_secs(120), &format!("rank {rank}")))
        .collect();
    assert_eq!(outs[0]["steps_done"], 3);
    assert_eq!(
        outs[0]["parameter_digest"], outs[1]["parameter_digest"],
        "every process applies the same all-reduced update"
    );
    assert_eq!(single["steps_done"], 3);
    let one = losses(&dir.join("single"));
    for rank in 0..2 {
        let two = losses(&dir.join(format!("rank{rank}")));
        assert_eq!(one.len(), two.len());
        for (step, (a, b)) in one.iter().zip(&two).enumerate() {
            // The loss is summed in f32 across processes; a task run twice or not at all
            // changes it by far more.
            assert!(
                (a - b).abs() <= 1e-5 * a.abs(),
                "step {}: loss {a} in one process, {b} in two (rank {rank})",
                step + 1
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
