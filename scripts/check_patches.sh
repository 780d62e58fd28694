#!/usr/bin/env bash
# Checks that each patched crate under patches/ is its published crates.io version plus
# exactly the changes in patches/<crate>/fixes.diff (which PATCH.md explains change by
# change). The pristine sources come from cargo's registry folder; a crate missing there is
# fetched through a throwaway project (needs the network once).
#   scripts/check_patches.sh            check
#   scripts/check_patches.sh --write    rewrite fixes.diff from the sources
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
registry=${CARGO_HOME:-$HOME/.cargo}/registry/src
status=0
for dir in "$root"/patches/*/; do
  crate=$(basename "$dir")
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$dir/Cargo.toml" | head -n 1)
  pristine=$(ls -d "$registry"/*/"$crate-$version" 2>/dev/null | head -n 1 || true)
  if [ -z "$pristine" ]; then
    tmp=$(mktemp -d)
    mkdir -p "$tmp/src" && touch "$tmp/src/lib.rs"
    printf '[package]\nname = "fetch-pristine"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = "=%s"\n' \
      "$crate" "$version" > "$tmp/Cargo.toml"
    (cd "$tmp" && cargo fetch -q)
    rm -rf "$tmp"
    pristine=$(ls -d "$registry"/*/"$crate-$version" | head -n 1)
  fi
  if ! cmp -s "$pristine/Cargo.toml" "$dir/Cargo.toml"; then
    echo "$crate $version: Cargo.toml differs from the published one"
    status=1
  fi
  work=$(mktemp -d)
  cp -r "$pristine/src" "$work/a" && cp -r "$dir/src" "$work/b"
  # Paths as a/src/... and b/src/..., no timestamps: the diff is stable.
  (cd "$work" && diff -ru a b || true) \
    | sed -e 's#^\(---\|+++\) \([ab]\)/\([^\t]*\)\t.*#\1 \2/src/\3#' \
          -e 's#^diff -ru a/\(.*\) b/\(.*\)#diff -ru a/src/\1 b/src/\2#' > "$work/fixes.diff"
  if [ "${1:-}" = --write ]; then
    cp "$work/fixes.diff" "$dir/fixes.diff"
    echo "$crate $version: wrote fixes.diff ($(grep -c '^@@' "$dir/fixes.diff") hunks)"
  elif cmp -s "$work/fixes.diff" "$dir/fixes.diff"; then
    echo "$crate $version: the published source plus fixes.diff, nothing else"
  else
    echo "$crate $version: differs from the published source plus fixes.diff:"
    diff "$dir/fixes.diff" "$work/fixes.diff" || true
    status=1
  fi
  rm -rf "$work"
done
exit $status
