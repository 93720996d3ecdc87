#!/usr/bin/env python3
"""Diffs adjacent versions of the corpus specs with Treaty and with the
tools a user would pick instead, in one run, and prints wall time, peak
memory and the ratio to the fastest peer that completes.

Peers come from the npm registry, installed into bench/.peers:
  openapi-diff (Atlassian), @useoptic/optic 0.55 (`optic diff`; 1.0.9, the newest, fails
  on every input here with "Error compiling schema").
oasdiff has no packaged build on the registries this project reaches
(the npm name `oasdiff` is a placeholder), so it is not measured.

Usage: python3 bench/diff.py [CORPUS_DIR]   (default ../shared/corpus)"""
import os, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "corpus")
PEERS = os.path.join(ROOT, "bench", ".peers")
TREATY = os.path.join(ROOT, "target", "release", "treaty")
RUNS = 5
TIMEOUT = 300

PAIRS = [
    ("stripe 2022-04-07→04-12 (4 MB JSON)", "openapi/stripe/spec3.2022-04-07.json", "openapi/stripe/spec3.2022-04-12.json"),
    ("stripe 2021-03→2021-09 (3.7 MB JSON)", "openapi/stripe/spec3.2021-03-31.json", "openapi/stripe/spec3.2021-09-29.json"),
    ("openai 2026-07→08 (3.3 MB JSON, 3.1)", "openapi/openai/openapi.2026-07-16.json", "openapi/openai/openapi.2026-08-21.json"),
    ("openai 2024-09→12 (0.8 MB YAML)", "openapi/openai/openapi.2024-09-24.yaml", "openapi/openai/openapi.2024-12-18.yaml"),
    ("twilio api 2.6.6→2.6.7 (1.9 MB JSON)", "openapi/twilio/twilio_api_v2010.2.6.6.json", "openapi/twilio/twilio_api_v2010.2.6.7.json"),
]


def install_peers():
    if os.path.exists(os.path.join(PEERS, "node_modules", ".bin", "openapi-diff")):
        return
    os.makedirs(PEERS, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", PEERS, "--no-audit", "--no-fund", "--silent",
                    "openapi-diff@0.24.1", "@useoptic/optic@0.55.1"], check=False)


def tools():
    """(name, command, test that the output is a real result)."""
    bin_dir = os.path.join(PEERS, "node_modules", ".bin")
    yield "treaty", lambda a, b: [TREATY, "diff", a, b, "--format", "json"], lambda out: b'"summary"' in out
    if os.path.exists(os.path.join(bin_dir, "openapi-diff")):
        yield ("openapi-diff", lambda a, b: [os.path.join(bin_dir, "openapi-diff"), a, b],
               lambda out: b"breakingDifferencesFound" in out or b"No changes found" in out)
    if os.path.exists(os.path.join(bin_dir, "optic")):
        yield ("optic", lambda a, b: [os.path.join(bin_dir, "optic"), "diff", a, b, "--check"],
               lambda out: not out.lstrip().startswith(b"Error"))


TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def run(cmd, ok):
    """Wall time and peak RSS (KB) of one run, or an error string."""
    start = time.perf_counter()
    wrapped = [TIME, "-f", "%M"] + cmd if TIME else cmd
    try:
        p = subprocess.run(wrapped, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, None, f"timeout after {TIMEOUT}s"
    wall = time.perf_counter() - start
    peak = 0
    if TIME:
        lines = p.stderr.decode(errors="replace").strip().splitlines()
        if lines and lines[-1].isdigit():
            peak = int(lines[-1])
            p = subprocess.CompletedProcess(p.args, p.returncode, p.stdout, "\n".join(lines[:-1]).encode())
    # Exit 1 means "breaking changes found" for these tools, not failure;
    # whether the output is a real result tells.
    if p.returncode not in (0, 1) or not ok(p.stdout + p.stderr):
        err = (p.stderr or p.stdout).decode(errors="replace").strip().splitlines()
        return None, None, f"exit {p.returncode}: {err[0][:100] if err else ''}"
    return wall, peak, None


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "treaty-cli"], cwd=ROOT, check=True)
    install_peers()
    print(f"{'pair':40} {'tool':14} {'median s':>9} {'peak MB':>8}  ratio / note")
    for label, a, b in PAIRS:
        a, b = os.path.join(CORPUS, a), os.path.join(CORPUS, b)
        results = {}
        for name, cmd, ok in tools():
            times, peaks, error = [], [], None
            for _ in range(RUNS if name == "treaty" else 3):
                wall, peak, error = run(cmd(a, b), ok)
                if error:
                    break
                times.append(wall)
                peaks.append(peak)
                if wall > 10:
                    break  # one run of a slow peer is enough
            results[name] = (statistics.median(times), max(peaks) / 1024) if times and not error else error
        treaty = results.get("treaty")
        peers = [v[0] for k, v in results.items() if k != "treaty" and isinstance(v, tuple)]
        fastest = min(peers) if peers else None
        for name, v in results.items():
            if isinstance(v, tuple):
                note = ""
                if name == "treaty" and fastest:
                    note = f"{fastest / v[0]:.1f}x faster than the fastest peer"
                print(f"{label:40} {name:14} {v[0]:9.3f} {v[1]:8.0f}  {note}")
            else:
                print(f"{label:40} {name:14} {'-':>9} {'-':>8}  failed: {v}")


if __name__ == "__main__":
    main()
