#!/usr/bin/env python3
"""Diffs Protobuf snapshots of the corpus with Treaty and with `buf breaking`
(from the npm registry, installed into bench/.peers) under the WIRE_JSON
category, in one run: wall time, peak memory, the ratio, and whether both
report the same findings (matched by file and line).

Usage: python3 bench/proto.py [CORPUS_DIR]   (default ../shared/corpus)"""
import json, os, shutil, statistics, subprocess, sys, time

if any(a in ("-h", "--help") for a in sys.argv[1:]):
    print(__doc__)
    sys.exit(0)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "corpus")
PEERS = os.path.join(ROOT, "bench", ".peers")
TREATY = os.path.join(ROOT, "target", "release", "treaty")
BUF = os.path.join(PEERS, "node_modules", ".bin", "buf")
TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
BUF_CONFIG = '{"version":"v2","breaking":{"use":["WIRE_JSON"]}}'

PAIRS = [
    ("googleapis 2025-08 → 2026-08 (~7,000 files)", "proto/googleapis/2025-08-22", "proto/googleapis/2026-08-22", 3),
    ("otel v0.9.0 → v0.20.0", "proto/otel/v0.9.0", "proto/otel/v0.20.0", 5),
    ("otel v1.0.0 → v1.11.0", "proto/otel/v1.0.0", "proto/otel/v1.11.0", 5),
]

# buf rule → Treaty rule (buf reports a deletion once per reason).
MAP = {
    "FIELD_SAME_JSON_NAME": "proto-field-name-or-json-name",
    "FIELD_SAME_NAME": "proto-field-name-or-json-name",
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE": "proto-field-type-changed",
    "FIELD_WIRE_COMPATIBLE_TYPE": "proto-field-type-changed",
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED": "proto-field-removed",
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED": "proto-field-removed",
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED": "proto-enum-value-removed",
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED": "proto-enum-value-removed",
    "ENUM_VALUE_SAME_NAME": "proto-enum-value-name-changed",
    "FIELD_SAME_ONEOF": "proto-field-oneof-changed",
    "FIELD_SAME_CARDINALITY": "proto-field-cardinality-changed",
    "FIELD_WIRE_COMPATIBLE_CARDINALITY": "proto-field-cardinality-changed",
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY": "proto-field-cardinality-changed",
    "RPC_SAME_REQUEST_TYPE": "proto-method-request-changed",
    "RPC_SAME_RESPONSE_TYPE": "proto-method-response-changed",
    "RPC_SAME_CLIENT_STREAMING": "proto-method-streaming-changed",
    "RPC_SAME_SERVER_STREAMING": "proto-method-streaming-changed",
}


def run(cmd):
    wrapped = [TIME, "-f", "%M"] + cmd if TIME else cmd
    start = time.perf_counter()
    p = subprocess.run(wrapped, capture_output=True)
    wall = time.perf_counter() - start
    lines = p.stderr.decode(errors="replace").strip().splitlines()
    peak = int(lines[-1]) if TIME and lines and lines[-1].isdigit() else 0
    return wall, peak, p.stdout.decode(errors="replace"), p.returncode


def rel(path, base):
    path = os.path.realpath(path) if os.path.isabs(path) else os.path.realpath(os.path.join(base, path))
    return os.path.relpath(path, os.path.realpath(base))


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "treaty-cli"], cwd=ROOT, check=True)
    if not os.path.exists(BUF):
        subprocess.run(["npm", "install", "--prefix", PEERS, "--no-audit", "--no-fund", "--silent", "@bufbuild/buf@1.75.0"], check=False)
    print(f"{'pair':44} {'tool':7} {'median s':>9} {'peak MB':>8}  note")
    for label, old, new, runs in PAIRS:
        old, new = os.path.join(CORPUS, old), os.path.join(CORPUS, new)
        results = {}
        for name, cmd in [
            ("treaty", [TREATY, "diff", old, new, "--format", "json", "--proto-category", "wire_json"]),
            ("buf", [BUF, "breaking", new, "--against", old, "--config", BUF_CONFIG, "--error-format", "json"]),
        ]:
            if name == "buf" and not os.path.exists(BUF):
                continue
            times, peaks, out = [], [], ""
            for _ in range(runs):
                wall, peak, out, _ = run(cmd)
                times.append(wall)
                peaks.append(peak)
            results[name] = (statistics.median(times), max(peaks) / 1024, out)
        t = results["treaty"]
        ours = {(c["new"]["file"] and rel(c["new"]["file"], new), c["new"]["line"],
                 "proto-field-name-or-json-name" if c["rule"] in ("proto-field-name-changed", "proto-field-json-name-changed") else c["rule"])
                for c in json.loads(t[2])["changes"] if c["level"] == "breaking" and c.get("new")}
        note = ""
        if "buf" in results:
            b = results["buf"]
            theirs = set()
            for line in b[2].splitlines():
                j = json.loads(line)
                theirs.add((rel(j.get("path", ""), new), j.get("start_line"), MAP.get(j["type"], j["type"])))
            # The same finding may be placed a line apart (buf points at a
            # field's `json_name` option, Treaty at the field).
            def near(f, pool):
                return any(f[0] == g[0] and f[2] == g[2] and abs((f[1] or 0) - (g[1] or 0)) <= 2 for g in pool)
            same = sum(1 for f in ours if near(f, theirs))
            note = f"{b[0] / t[0]:.1f}x faster than buf; findings: {len(ours)} Treaty, {len(theirs)} buf, {same} the same"
            extra_ours = sorted(f for f in ours if not near(f, theirs))[:5]
            extra_buf = sorted(f for f in theirs if not near(f, ours))[:5]
        print(f"{label:44} {'treaty':7} {t[0]:9.3f} {t[1]:8.0f}  {note}")
        if "buf" in results:
            print(f"{label:44} {'buf':7} {results['buf'][0]:9.3f} {results['buf'][1]:8.0f}")
            for e in extra_ours:
                print(f"    only Treaty: {e}")
            for e in extra_buf:
                print(f"    only buf:    {e}")


if __name__ == "__main__":
    main()
