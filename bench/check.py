#!/usr/bin/env python3
"""Times `treaty check --base HEAD` on the generated workspace of
bench/validate.py (1,000 interfaces, 2,211 files) committed to a scratch git
repository, with 5 schemas changed in the working tree (one of them
breaking), against `treaty validate` of the same workspace in the same run.
Prints the medians of 15 runs each and the ratios to validate and to the
0.2 s target.

Usage: python3 bench/check.py [--no-build] [--treaty BIN] [--runs N]"""
import argparse, os, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate  # noqa: E402  (the generator)

ROOT = validate.ROOT
CHANGED = 5


def git(ws, *args):
    subprocess.run(["git", "-C", ws, *args], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.com",
                        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.com"})


def change(ws):
    """Changes the schemas of the first CHANGED interfaces: an added
    operation in each, and one operation removed in the first (breaking
    for its consumers, which use op1..op3)."""
    for i in range(CHANGED):
        path = f"{ws}/schemas/api-{i}.yaml"
        with open(path) as f:
            text = f.read()
        if i == 0:
            block = ("  /things1/{id}:\n    get:\n      operationId: op1\n      responses:\n"
                     "        '200': {description: ok}\n")
            assert block in text, "the generator changed"
            text = text.replace(block, "")
        text += ("  /added/{id}:\n    get:\n      operationId: added\n      responses:\n"
                 "        '200': {description: ok}\n")
        with open(path, "w") as f:
            f.write(text)


def median(cmd, want):
    times = []
    for _ in range(ARGS.runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - start)
        if out.returncode != want:
            sys.exit(f"{' '.join(cmd)} exited {out.returncode}, not {want}:\n"
                     f"{out.stdout.decode()[-2000:]}{out.stderr.decode()[-2000:]}")
    return statistics.median(times)


def main():
    if not ARGS.no_build:
        validate.build()
    binary = ARGS.treaty or validate.BIN
    with tempfile.TemporaryDirectory() as tmp:
        validate.generate(tmp)
        git(tmp, "init", "-q")
        git(tmp, "add", "-A")
        git(tmp, "commit", "-q", "-m", "generated")
        change(tmp)
        v = median([binary, "validate", tmp, "--today", "2026-11-24"], 0)
        c = median([binary, "check", tmp, "--base", "HEAD", "--today", "2026-11-24"], 1)
        print(f"validate          median {v * 1000:8.1f} ms")
        print(f"check --base HEAD median {c * 1000:8.1f} ms  = {c / v:.2f}x validate, "
              f"{c / 0.2:.2f}x the 0.2 s target ({CHANGED} of 1,000 schemas changed)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--treaty", help="the treaty binary (default target/release/treaty)")
    parser.add_argument("--runs", type=int, default=15)
    ARGS = parser.parse_args()
    main()
