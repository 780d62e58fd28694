//! Helpers for the end-to-end tests in `tests/tests/`.

pub mod workbench;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The `cargo` that runs these tests.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(workspace_root());
    cmd
}

/// Path of the `metanas` binary of this build profile, built (once per test process) so that
/// a test never runs a stale binary (`cargo test -p metanas-tests` alone does not rebuild it).
pub fn metanas_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_metanas).clone()
}

fn build_metanas() -> PathBuf {
    // Test executables live in target/<profile>/deps; the binary in target/<profile>.
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let bin = profile_dir.join(format!("metanas{}", std::env::consts::EXE_SUFFIX));
    {
        // The same packages, target kinds and features as the `cargo test --workspace` that
        // runs this, so that cargo finds the binary it built there up to date: an example is
        // a target that needs the packages' dev-dependencies, which turn on features of shared
        // crates (`-p metanas-app --bin metanas` alone resolves them without, and built Burn
        // and metanas a second time).
        let mut build = cargo();
        build.args(["build", "--workspace", "--bins", "--examples"]);
        let features: Vec<&str> = [
            (cfg!(feature = "wgpu"), "metanas-tests/wgpu"),
            (cfg!(feature = "cuda"), "metanas-tests/cuda"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if !features.is_empty() {
            build.args(["--features", &features.join(",")]);
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building metanas failed");
    }
    bin
}

/// `metanas train --config CONFIG --run RUN --max-steps STEPS`, which must succeed.
pub fn train_ok(config: &Path, run: &Path, steps: usize) -> Output {
    metanas_ok(&train_args(
        config,
        run,
        &["--max-steps", &steps.to_string()],
    ))
}

/// The arguments of `metanas train --config CONFIG --run RUN`, then `extra`.
pub fn train_args<'a>(config: &'a Path, run: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["train", "--config", s(config), "--run", s(run)];
    args.extend_from_slice(extra);
    args
}

/// The arguments of `metanas export --run RUN --out OUT`, then `extra`.
pub fn export_args<'a>(run: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["export", "--run", s(run), "--out", s(out)];
    args.extend_from_slice(extra);
    args
}

/// A fresh folder for one test, removed with everything in it when the guard is dropped.
pub fn tempdir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("metanas-cli-{name}-"))
        .tempdir()
        .expect("a temporary folder")
}

/// Runs the `metanas` binary in the workspace root.
pub fn metanas(args: &[&str]) -> Output {
    Command::new(metanas_binary())
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("metanas runs")
}

/// Runs the `metanas` binary and checks that it succeeded (showing its stderr if not).
pub fn metanas_ok(args: &[&str]) -> Output {
    let out = metanas(args);
    assert!(
        out.status.success(),
        "metanas {}: {}",
        args.join(" "),
        stderr(&out)
    );
    out
}

/// The one JSON object a command printed on stdout.
pub fn json_of(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}):\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// What a command printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `metanas COMMAND --run RUN ARGS... --json`, which must succeed, as its JSON object.
pub fn run_json(command: &str, run: &Path, args: &[&str]) -> serde_json::Value {
    let head = [command, "--run", s(run), "--json"];
    json_of(&metanas_ok(&[&head[..], args].concat()))
}

/// The `step` of every record of a run's JSON-lines stream at `path`.
pub fn stream_steps(path: &Path) -> Vec<u64> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["step"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

/// A path as `&str`.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small, fast regression run (written next to the run so paths resolve).
pub fn tiny_config(dir: &Path, checkpoint_every: usize) -> PathBuf {
    tiny_config_with(
        dir,
        "tiny.toml",
        checkpoint_every,
        "kind = \"base\"\ninner_steps = 2",
    )
}

/// The small vector space the test configs share (also used by metanas-core's tests).
const SPACE: &str = include_str!("../../core/tests/fixtures/small_vector_space.toml");

/// [`tiny_config`] with another `[learner]` section body, written to `dir/name`.
pub fn tiny_config_with(dir: &Path, name: &str, checkpoint_every: usize, learner: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            r#"seed = 3
{SPACE}

[tasks]
kind = "regression"
shots = 5
queries = 20

[learner]
{learner}

[training]
meta_batch = 2
max_steps = 40
checkpoint_every = {checkpoint_every}
keep_checkpoints = 3
snapshot_every = 5
snapshot_tasks = 1
validation_tasks = 3
adapt_steps = 2
eval_tasks = 4
"#
        ),
    )
    .unwrap();
    path
}

/// Writes `to` with the text of `from`, each `(old, new)` of `edits` replaced (every `old`
/// must occur), and returns `to`.
pub fn edited(from: &Path, to: &Path, edits: &[(&str, &str)]) -> PathBuf {
    let mut text = std::fs::read_to_string(from).unwrap();
    for (old, new) in edits {
        assert!(text.contains(old), "`{old}` is not in {}", from.display());
        text = text.replace(old, new);
    }
    std::fs::write(to, text).unwrap();
    to.to_path_buf()
}

/// Checks exit code 2, one `metanas: ` error line without a panic, and its words.
pub fn assert_bad_input(out: &Output, must_contain: &[&str]) {
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

/// Writes `classes` folders of 8x8 grey PNGs (ImageFolder layout).
pub fn image_folder(root: &Path, classes: usize, per_class: u8) {
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

/// The `[space]` section of a small image space on 8x8 grey input (input `grey8`) with a
/// `ways`-way classifier: one two-node normal cell of 4 channels.
pub fn tiny_image_space(ways: usize) -> String {
    IMAGE_SPACE.replace("num_outputs = 5", &format!("num_outputs = {ways}"))
}

/// A few-shot config on [`tiny_image_space`], written to `path`: `seed`, `ways`-way
/// `shots`-shot tasks with `queries` per class from the one dataset `dataset`, the class
/// `split` (a TOML inline table), then `rest` (the `[learner]` and `[training]` sections).
pub fn few_shot_config(
    path: &Path,
    seed: u64,
    [ways, shots, queries]: [usize; 3],
    split: &str,
    dataset: &str,
    rest: &str,
) -> PathBuf {
    let space = tiny_image_space(ways);
    std::fs::write(
        path,
        format!(
            r#"seed = {seed}
{space}
[tasks]
kind = "few_shot"
ways = {ways}
shots = {shots}
queries = {queries}
split = {split}
[[tasks.datasets]]
path = "{dataset}"

{rest}"#
        ),
    )
    .unwrap();
    path.to_path_buf()
}

/// The small image space the test configs share (also used by metanas-core's tests).
const IMAGE_SPACE: &str = include_str!("../../core/tests/fixtures/tiny_image_space.toml");
