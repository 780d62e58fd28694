#!/usr/bin/env python3
"""Converts the UCI 8x8 optical-recognition digits (CC BY 4.0; 1797 images, 10 classes) as
shipped inside scikit-learn's wheel (sklearn/datasets/data/digits.csv.gz: 64 pixel values in
0..16 and the label, per row) into the two gzipped IDX files metanas bundles.

Pixels are scaled to 0..255 as round(v * 255 / 16). Run once:

    pip download --no-deps scikit-learn -d /tmp/skl
    python3 assets/data/uci-digits/convert.py /tmp/skl/scikit_learn-*.whl assets/data/uci-digits
"""
import gzip
import io
import struct
import sys
import zipfile


def main(wheel: str, out_dir: str) -> None:
    with zipfile.ZipFile(wheel) as z:
        text = gzip.decompress(z.read("sklearn/datasets/data/digits.csv.gz")).decode()
    rows = [list(map(float, line.split(","))) for line in text.strip().splitlines()]
    assert all(len(r) == 65 for r in rows), "expected 64 pixels and a label per row"
    n = len(rows)
    images = io.BytesIO()
    images.write(struct.pack(">BBBBIII", 0, 0, 8, 3, n, 8, 8))
    labels = io.BytesIO()
    labels.write(struct.pack(">BBBBI", 0, 0, 8, 1, n))
    for r in rows:
        images.write(bytes(round(v * 255 / 16) for v in r[:64]))
        labels.write(bytes([int(r[64])]))
    # mtime=0 keeps the output byte-identical between runs.
    for name, buf in [("digits-images-idx3-ubyte.gz", images), ("digits-labels-idx1-ubyte.gz", labels)]:
        with open(f"{out_dir}/{name}", "wb") as f:
            f.write(gzip.compress(buf.getvalue(), mtime=0))
    print(f"wrote {n} digits to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
