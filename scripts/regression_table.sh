#!/usr/bin/env bash
# Reproduces the toy-regression results table of the README (the shape of M-NAS's Table 1):
# each learner meta-trains on the four regression families from its example config for
# STEPS meta-steps, then the shared evaluation protocol adapts it to TASKS held-out 10-shot
# tasks for 5 steps and reports the query MSE (mean ± 95% CI).
#   scripts/regression_table.sh [STEPS] [TASKS]     (defaults 300 and 200)
# LEARNERS="maml reptile" runs only those rows; the maml row brings the DARTS-from-scratch row.
# Uses the binary built by `cargo build -p metanas-app` (set METANAS to use another, e.g. the
# release build: about 6 minutes for the whole table on 2 cores).
set -euo pipefail
steps=${1:-300}
tasks=${2:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${METANAS:-$root/target/debug/metanas}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
space="$root/assets/spaces/mnas_regression.toml"
config() { # learner config file, optional "variant = ..." line
  sed -e "s#^space = .*#space = { file = \"$space\" }#" "$root/assets/configs/$1" > "$work/$2.toml"
  if [ -n "${3:-}" ]; then sed -i "s#^variant = .*#$3#" "$work/$2.toml"; fi
}
config maml_regression.toml maml
config mnas_regression.toml mnas_nm 'variant = "no_modulation"'
config mnas_regression.toml mnas_shared 'variant = "shared"'
config mnas_regression.toml mnas
config base_regression.toml base
config reptile_regression.toml reptile
echo "| learner | meta-steps | MSE before adaptation | MSE after 5 steps | median after 5 steps | seconds per meta-step |"
echo "| --- | --- | --- | --- | --- | --- |"
for name in ${LEARNERS:-maml mnas_nm mnas_shared mnas base reptile}; do
  start=$(date +%s.%N)
  if ! "$bin" train --config "$work/$name.toml" --run "$work/$name" --max-steps "$steps" --json \
      > "$work/$name.train.json" 2> "$work/$name.train.err"; then
    # A run that fails (e.g. diverges) is a row of the table too.
    echo "| $name | $steps | failed: $(tail -n 1 "$work/$name.train.err") | | | |"
    continue
  fi
  end=$(date +%s.%N)
  # MAML's evaluation also runs DARTS from scratch (5 first-order DARTS steps over the same
  # space from a fresh network, default settings) on the same held-out tasks: the DARTS row.
  darts=()
  if [ "$name" = maml ]; then darts=(--darts); fi
  "$bin" eval --run "$work/$name" --tasks "$tasks" --steps 5 "${darts[@]}" --json > "$work/$name.eval.json"
  python3 - "$work/$name.eval.json" "$name" "$steps" "$start" "$end" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
def row(name, steps, report, secs):
    first, last = report["per_step"][0], report["per_step"][-1]
    # A mean or median that is not a number comes as null.
    mean_ci = lambda m: "NaN" if m["mean"] is None else f"{m['mean']:.3f} ± {m['ci95']:.3f}"
    median = "NaN" if last["median"] is None else f"{last['median']:.3f}"
    print(f"| {name} | {steps} | {mean_ci(first)} | {mean_ci(last)} | {median} | {secs} |")
row(sys.argv[2], sys.argv[3], e, f"{(float(sys.argv[5]) - float(sys.argv[4])) / int(sys.argv[3]):.2f}")
if "darts" in e:
    row("darts (from scratch)", 0, e["darts"], "")
PY
done
