#!/usr/bin/env bash
# M-NAS's Table 1 at paper length: MAML and M-NAS meta-trained on the four regression
# families (10-shot, support x ~ N(u, 2), u ~ U[-4, 4]) from their example configs for STEPS
# meta-steps, then adapted for 5 steps to PER_FAMILY held-out tasks of each family
# (`eval --per-family`, the paper's 1000). Prints the averaged MSE of the four families and
# the harmonics MSE beside the paper's numbers, with the query points on the [-5, 5] grid
# (extrapolation, the runs' own) and drawn around the support (`--query-points
# like_support`: the same functions and support points; the paper does not say where its
# query points lie).
#   scripts/paper_regression.sh [STEPS] [PER_FAMILY]      (defaults 30000 and 1000)
# The runs live in KEEP (default runs/paper_reg) and resume where they stopped: run the
# script again after an interruption. LEARNERS="mnas" runs only that row. SPACE=FILE trains
# both in another space file (default assets/spaces/mnas_regression.toml). SUPPORT=uniform
# draws the support inputs uniformly over [-5, 5] (`tasks.support_points`, the protocol of
# the MuMoMAML and HSML papers) instead of around a centre. Uses METANAS (default: the
# release build).
set -euo pipefail
steps=${1:-30000}
per_family=${2:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${METANAS:-$root/target/release/metanas}
keep=${KEEP:-$root/runs/paper_reg}
mkdir -p "$keep"
space=${SPACE:-$root/assets/spaces/mnas_regression.toml}
space=$(cd "$(dirname "$space")" && pwd)/$(basename "$space")
support=${SUPPORT:-concentrated}
echo "| learner | meta-steps used (best validation) of | average MSE, 4 families | harmonics MSE | the same, query points around the support | paper: average / harmonics | training wall time |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
# The baselines of the same tasks (docs/baselines.md) go to a second table, after the runs.
baselines=$(mktemp)
families=$(mktemp)
trap 'rm -f "$baselines" "$families"' EXIT
for name in ${LEARNERS:-maml mnas}; do
  sed -e "s#^space = .*#space = { file = \"$space\" }#" \
    -e "s#^\[tasks\]#[tasks]\nsupport_points = \"$support\"#" \
    "$root/assets/configs/${name}_regression.toml" > "$keep/$name.toml"
  "$bin" train --config "$keep/$name.toml" --run "$keep/$name" --max-steps "$steps" --json \
    > "$keep/$name.train.json" 2> "$keep/$name.train.err"
  "$bin" eval --run "$keep/$name" --per-family "$per_family" --steps 5 --json > "$keep/$name.eval.json"
  "$bin" eval --run "$keep/$name" --per-family "$per_family" --steps 5 --query-points like_support \
    --json > "$keep/$name.eval_near.json"
  python3 - "$keep/$name.eval.json" "$keep/$name/metrics.jsonl" "$name" "$keep/$name.eval_near.json" "$baselines" "$families" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
near = json.load(open(sys.argv[4]))
last = None
for line in open(sys.argv[2]):
    try:
        last = json.loads(line)
    except ValueError:
        pass
paper = {"maml": "1.941 ± 0.376 / 2.210 ± 0.364", "mnas": "0.352 ± 0.032 / 1.232 ± 0.121"}
fmt = lambda m: "NaN" if m["mean"] is None else f"{m['mean']:.3f} ± {m['ci95']:.3f}"
def harmonics(r):
    h = [s for s in r["by_source"] if s["source"] == "harmonics"]
    return fmt(h[0]["per_step"][-1]) if h else "-"
ck = e["checkpoint"]
hours = last["elapsed_seconds"] / 3600 if last else float("nan")
print(f"| {sys.argv[3]} | {ck['step']} of {ck['last_step']} | {fmt(e['final'])} | {harmonics(e)} | {fmt(near['final'])} / {harmonics(near)} | {paper.get(sys.argv[3], '-')} | {hours:.2f} h |")
with open(sys.argv[5], "a") as out:
    for key, grid in e.get("baselines", {}).items():
        around = near.get("baselines", {}).get(key)
        out.write(f"| {sys.argv[3]} | {key} | {fmt(grid)} | {fmt(around) if around else '-'} |\n")
with open(sys.argv[6], "a") as out:
    for row in near.get("baselines_by_source", []):
        cells = [fmt(row["adapted"]) if row.get("adapted") else "-"]
        cells += [fmt(row["baselines"][k]) if k in row["baselines"] else "-"
                  for k in ("least_squares_inputs", "support_mean", "from_scratch")]
        print_row = f"| {sys.argv[3]} | {row['source']} | " + " | ".join(cells) + " |\n"
        out.write(print_row)
PY
done
echo
echo "Baselines on the same tasks (average MSE of the 4 families, after the same 5 steps for the network from scratch):"
echo
echo "| run | baseline | query grid over [-5, 5] | query points around the support |"
echo "| --- | --- | --- | --- |"
cat "$baselines"
echo
echo "By family, query points around the support (after 5 steps):"
echo
echo "| run | family | adapted | least_squares_inputs | support_mean | from_scratch |"
echo "| --- | --- | --- | --- | --- | --- |"
cat "$families"
