#!/usr/bin/env bash
# What a newcomer waits for: the README's two commands on a fresh clone
# with an empty cargo cache (crates downloaded from crates.io), timed one
# after the other, plus the size of target/ afterwards.
#
#   bash bench/fresh-build.sh            # clones HEAD of this repository
#
# Prints wall time, CPU time and peak memory of each command. Reads the two
# commands from the README, so the figures are for what the README says.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

run_cmd="$(grep -m1 -E '^cargo run ' "$repo/README.md")"
test_cmd="$(grep -m1 -E '^cargo test ' "$repo/README.md")"

git clone -q "$repo" "$scratch/treaty"
export CARGO_HOME="$scratch/cargo-home"
mkdir -p "$CARGO_HOME"
# The toolchain stays where rustup put it; only the registry cache is new.
cd "$scratch/treaty"

measure() {
  local label="$1" cmd="$2"
  echo "== $label: $cmd"
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M KB peak" \
    bash -c "$cmd" >"$scratch/$label.log" 2>&1 || {
    tail -n 30 "$scratch/$label.log"
    exit 1
  }
  tail -n 1 "$scratch/$label.log"
}

measure run "$run_cmd"
measure test "$test_cmd"
echo "target/: $(du -sh target | cut -f1)"
echo "crates compiled: $(find target -maxdepth 3 -name '*.rlib' | wc -l) rlibs"
