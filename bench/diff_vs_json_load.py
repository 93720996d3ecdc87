#!/usr/bin/env python3
"""Times `treaty diff` on the Stripe pair against Python reading the same
two files with `json.load`, in one run, and prints the medians, Treaty's
peak memory and the ratio.

Both are timed as whole processes (start-up included: Treaty's time is
what a user waits for). `json.load` alone, inside one interpreter, is
printed too; the ratio to it is the stricter one.

Usage: python3 bench/diff_vs_json_load.py [--treaty BIN] [--runs N] [--no-build] [CORPUS_DIR]
(default corpus ../shared/corpus; default binary target/release/treaty, or
$CARGO_TARGET_DIR/release/treaty)"""
import argparse, json, os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD = "openapi/stripe/spec3.2022-04-07.json"
NEW = "openapi/stripe/spec3.2022-04-12.json"


def wall(cmd):
    """Wall time of one run and its peak RSS in KB (from /usr/bin/time)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True)
    elapsed = time.perf_counter() - start
    lines = p.stderr.decode(errors="replace").strip().splitlines()
    if p.returncode not in (0, 1) or not lines or not lines[-1].isdigit():
        sys.exit(f"{cmd[0]} failed (exit {p.returncode}): {p.stderr.decode(errors='replace')[:300]}")
    return elapsed, int(lines[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--treaty")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    treaty = args.treaty or os.path.join(target, "release", "treaty")
    if not args.treaty and not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "treaty-cli"], cwd=ROOT, check=True)
    old, new = os.path.join(args.corpus, OLD), os.path.join(args.corpus, NEW)
    for path in (old, new):
        if not os.path.exists(path):
            sys.exit(f"missing corpus file {path}")
    load = ("import json,sys\n"
            "for p in sys.argv[1:]:\n"
            "    with open(p, 'rb') as f: json.load(f)\n")
    treaty_runs, python_runs, in_process = [], [], []
    # Interleaved, so that load from elsewhere on the machine falls on both.
    for _ in range(args.runs):
        treaty_runs.append(wall([treaty, "diff", old, new, "--format", "json"]))
        python_runs.append(wall([sys.executable, "-c", load, old, new]))
        start = time.perf_counter()
        for path in (old, new):
            with open(path, "rb") as f:
                json.load(f)
        in_process.append(time.perf_counter() - start)
    t = statistics.median(w for w, _ in treaty_runs)
    p = statistics.median(w for w, _ in python_runs)
    j = statistics.median(in_process)
    peak = max(m for _, m in treaty_runs) / 1024
    print(f"runs: {args.runs}, binary: {treaty}")
    print(f"treaty diff (process)           median {t:.3f} s  peak {peak:.0f} MB")
    print(f"python3 json.load both (process) median {p:.3f} s  peak {max(m for _, m in python_runs) / 1024:.0f} MB")
    print(f"json.load both (in process)      median {j:.3f} s")
    print(f"ratio treaty / python process:   {t / p:.2f}x")
    print(f"ratio treaty / json.load alone:  {t / j:.2f}x")


if __name__ == "__main__":
    main()
