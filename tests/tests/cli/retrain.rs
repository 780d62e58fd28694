//! `metanas retrain`: a genotype's network trained on the bundled UCI digits (real data), a
//! run's own genotype, a SIGKILL and a resume that ends bit for bit like an uninterrupted
//! run, and bad input named by file or option.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use metanas_tests::{
    assert_bad_input, edited, json_of, metanas, metanas_binary, metanas_ok, s, tempdir, train_ok,
};

/// A small, fast retrain on the digits (no crop: 8x8 digits do not survive a shift of two
/// pixels).
const SMALL: [&str; 16] = [
    "--crop-padding",
    "0",
    "--data",
    "bundled:uci-digits",
    "--channels",
    "4",
    "--layers",
    "3",
    "--batch-size",
    "32",
    "--train-limit",
    "600",
    "--lr",
    "0.05",
    "--checkpoint-every",
    "5",
];

fn retrain(out: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let head = ["retrain", "--out", s(out), "--json"];
    json_of(&metanas_ok(&[&head[..], extra].concat()))
}

#[test]
fn darts_v2_learns_the_digits_and_reports_its_size() {
    let dir = tempdir("retrain");
    let out = dir.path().join("r");
    let j = retrain(
        &out,
        &[&["--genotype", "darts_v2", "--epochs", "3"], &SMALL[..]].concat(),
    );
    assert_eq!(j["epochs_done"], 3);
    assert_eq!(j["epochs"].as_array().unwrap().len(), 3);
    let top1 = j["test_top1"].as_f64().unwrap();
    assert!(top1 > 0.6, "ten digit classes, chance 0.1: {j}");
    assert!(j["test_top5"].as_f64().unwrap() >= top1);
    assert_eq!(j["test_images"], 359);
    assert!(j["params"].as_u64().unwrap() > 0 && j["macs"].as_u64().unwrap() > 0);
    assert!(j["genotype_darts"]
        .as_str()
        .unwrap()
        .contains("dil_conv_3x3"));
    // The run directory holds what the docs say.
    for f in ["retrain.json", "epochs.jsonl", "checkpoints", "writer.lock"] {
        assert!(out.join(f).exists(), "{f}");
    }
    // Finished: running it again resumes, trains nothing, reports the same result.
    let again = retrain(&out, &[]);
    assert_eq!(again["resumed"], true);
    assert_eq!(again["parameter_digest"], j["parameter_digest"]);
}

#[test]
fn a_killed_retrain_resumes_bit_for_bit() {
    let dir = tempdir("retrain-kill");
    let args = [&["--random", "5", "--epochs", "2"], &SMALL[..]].concat();
    let want = retrain(&dir.path().join("straight"), &args)["parameter_digest"].clone();

    let killed = dir.path().join("killed");
    let mut child = Command::new(metanas_binary())
        .args([&["retrain", "--out", s(&killed), "--json"], &args[..]].concat())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once the first epoch has ended (checkpoints also every 5 steps).
    let deadline = Instant::now() + Duration::from_secs(120);
    while !killed.join("epochs.jsonl").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success(), "finished before the kill");
    let j = retrain(&killed, &[]);
    assert_eq!(j["resumed"], true);
    assert_eq!(j["epochs_done"], 2);
    assert_eq!(j["parameter_digest"], want);
}

#[test]
fn a_runs_derived_genotype_and_conv4_retrain() {
    let dir = tempdir("retrain-run");
    let config = dir.path().join("digits.toml");
    std::fs::copy(
        metanas_tests::workspace_root().join("assets/configs/digits_5way_1shot.toml"),
        &config,
    )
    .unwrap();
    let run = dir.path().join("meta");
    train_ok(&config, &run, 1);
    let small = [&["--epochs", "1"], &SMALL[..]].concat();
    let j = retrain(
        &dir.path().join("from-run"),
        &[&["--run", s(&run), "--checkpoint", "last"], &small[..]].concat(),
    );
    assert!(
        j["architecture"]
            .as_str()
            .unwrap()
            .contains("derived, meta-step 1"),
        "{j}"
    );
    assert_eq!(j["genotype"]["normal"].as_array().unwrap().len(), 8);
    let c = retrain(
        &dir.path().join("conv4"),
        &[&["--conv4", "8"], &small[..]].concat(),
    );
    // Conv-4 with 8 channels on 8x8 grey digits: convolutions, batch norms, classifier.
    assert_eq!(c["params"], 8 * 9 + 3 * 8 * 8 * 9 + 4 * 16 + 8 * 10 + 10);
    assert_eq!(c["aux_params"], 0);
}

#[test]
fn bad_input_is_named() {
    let dir = tempdir("retrain-bad");
    let out = dir.path().join("r");
    // No architecture, no data.
    assert_bad_input(
        &metanas(&["retrain", "--out", s(&out), "--data", "bundled:uci-digits"]),
        &["--genotype"],
    );
    assert_bad_input(
        &metanas(&["retrain", "--out", s(&out), "--genotype", "darts_v2"]),
        &["--data"],
    );
    // A malformed genotype file is named.
    let bad = dir.path().join("g.txt");
    std::fs::write(&bad, "Genotype(normal=[('sep_conv_9x9', 0)])").unwrap();
    assert_bad_input(
        &metanas(
            &[
                &["retrain", "--out", s(&out), "--genotype", s(&bad)],
                &SMALL[..],
            ]
            .concat(),
        ),
        &["g.txt", "sep_conv_9x9"],
    );
    // An option out of range names it.
    assert_bad_input(
        &metanas(
            &[
                &[
                    "retrain",
                    "--out",
                    s(&out),
                    "--genotype",
                    "darts_v2",
                    "--momentum",
                    "2",
                ],
                &SMALL[..],
            ]
            .concat(),
        ),
        &["--momentum", "protocol.momentum"],
    );
    // A run whose space has no reduction cell has no genotype for an evaluation network.
    let config = edited(
        &metanas_tests::workspace_root().join("assets/configs/digits_5way_1shot.toml"),
        &dir.path().join("normal-only.toml"),
        &[("cells = [\"normal\", \"reduce\"]", "cells = [\"normal\"]")],
    );
    let run = dir.path().join("meta");
    train_ok(&config, &run, 1);
    assert_bad_input(
        &metanas(
            &[
                &[
                    "retrain",
                    "--out",
                    s(&out),
                    "--run",
                    s(&run),
                    "--checkpoint",
                    "last",
                ],
                &SMALL[..],
            ]
            .concat(),
        ),
        &["reduce", "reduction cell"],
    );
    assert!(!out.join("retrain.json").exists(), "nothing written");
    // An existing run is resumed, not silently changed.
    let r = retrain(
        &out,
        &[&["--genotype", "darts_v2", "--epochs", "1"], &SMALL[..]].concat(),
    );
    assert_eq!(r["epochs_done"], 1);
    assert_bad_input(
        &metanas(&["retrain", "--out", s(&out), "--epochs", "5"]),
        &["holds a retrain run", "--force"],
    );
    // A meta-training run is not a retrain run.
    assert_bad_input(
        &metanas(&["retrain", "--out", s(&run)]),
        &["meta-training run"],
    );
}
