#!/usr/bin/env bash
# Reproduces the retrain table of docs/results.md: four architectures trained from scratch
# with `metanas retrain` on MNIST and Fashion-MNIST, each with its test accuracy on the
# datasets' own 10,000 test images, parameters, multiply-accumulates and training time.
#   MNIST=DIR [FASHION=DIR] scripts/retrain_table.sh [EPOCHS] [TRAIN_LIMIT]
# (defaults 3 epochs on 10,000 training images; see ../shared/datasets/README.md for where
# MNIST and Fashion-MNIST come from; FASHION defaults to /usr/share/datasets/fashion-mnist).
# The architectures:
# - adapted: the workbench's image preset (assets/configs/digits_5way_1shot.toml, BASE on
#   the bundled digits) meta-trained to its max_steps, then adapted (metanas adapt, 10 steps)
#   to one 5-way 5-shot task of the dataset; the adapted genotype.
# - DARTS_V2: DARTS' published CIFAR-10 cell.
# - random: a genotype drawn uniformly from the same space as the preset (seed 1).
# - Conv-4: four 64-channel conv-BN-ReLU-pool blocks (the few-shot papers' network).
# Cell networks: 8 channels, 5 cells; everything else is the `small` preset's protocol.
# KEEP=DIR keeps the runs (and reuses finished ones). Uses the release binary
# (`cargo build --release -p metanas-app`; METANAS=... for another).
set -euo pipefail
epochs=${1:-3}
limit=${2:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${METANAS:-$root/target/release/metanas}
mnist=${MNIST:?MNIST=DIR: the folder with the MNIST IDX files}
fashion=${FASHION:-/usr/share/datasets/fashion-mnist}
. "$root/scripts/work_folder.sh"
meta=$work/digits-meta
if [ -f "$meta/run.json" ]; then
  "$bin" train --run "$meta" >&2
else
  "$bin" train --config "$root/assets/configs/digits_5way_1shot.toml" --run "$meta" >&2
fi
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
common=(--channels 8 --layers 5 --epochs "$epochs" --train-limit "$limit")
echo "| dataset | architecture | test top-1 | parameters | MACs per image | training time |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for name in mnist fashion; do
  data=$mnist
  [ "$name" = fashion ] && data=$fashion
  "$bin" adapt --run "$meta" --data "$data" --ways 5 --shots 5 --steps 10 --tasks 1 --json \
    > "$work/adapt-$name.json"
  field "$work/adapt-$name.json" genotype_darts > "$work/adapted-$name.txt"
  for arch in adapted darts_v2 random conv4; do
    out=$work/$name-$arch
    case $arch in
      adapted) args=(--genotype "$work/adapted-$name.txt" "${common[@]}") ;;
      darts_v2) args=(--genotype darts_v2 "${common[@]}") ;;
      random) args=(--random 1 --space "$meta" "${common[@]}") ;;
      conv4) args=(--conv4 64 --epochs "$epochs" --train-limit "$limit") ;;
    esac
    if [ -f "$out/retrain.json" ]; then
      "$bin" retrain --out "$out" --json > "$out.json"
    else
      "$bin" retrain --out "$out" --data "$data" "${args[@]}" --json > "$out.json"
    fi
    python3 "$root/scripts/retrain_row.py" "$out.json" "$name" "$arch"
  done
done
