"""One row of the retrain table (scripts/retrain_table.sh) from a `metanas retrain --json` report.

    python3 scripts/retrain_row.py REPORT.json DATASET ARCH
"""
import json
import sys

report, dataset, arch = sys.argv[1:4]
j = json.load(open(report))
label = {
    "adapted": "adapted (digits preset)",
    "darts_v2": "DARTS_V2",
    "random": "random (seed 1)",
    "conv4": "Conv-4 (64)",
}[arch]
dataset = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}[dataset]
print(
    f"| {dataset} | {label} | {j['test_top1']:.4f} | {j['params']:,} "
    f"| {j['macs'] / 1e6:.2f}M | {j['training_seconds'] / 60:.1f} min |"
)
