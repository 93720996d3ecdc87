#!/usr/bin/env python3
"""Peak resident memory and throughput of reading a large JUnit report
(issue 13: "evidence ingestion of a 50 MB JUnit file in bounded memory,
under 100 MB resident"). Figures in docs/PERFORMANCE.md, "Evidence
ingestion".

Usage:
    cargo build --release -p treaty-evidence --example read_report
    python3 bench/evidence_rss.py $CARGO_TARGET_DIR/release/examples/read_report

It writes JUnit files of about 5 MB and 50 MB (nested suites; passing,
failing, erroring, skipped and flaky cases with nextest-sized output), and
two of 50 MB that are one test's output (as text, and as CDATA), and two
50 MB SARIF logs (rules before results, and after), to a temporary
directory, runs the example on each under /usr/bin/time -v
three times, checks that the counts it prints are the ones generated, and
prints the peak resident MB (the largest of the runs) and the throughput
(MB/s, median run). Streaming shows as the same peak for every JUnit
file; a SARIF log whose results come before its rules keeps a small
record per finding until the rules arrive."""
import json, os, re, statistics, subprocess, sys, tempfile, time

BIN = sys.argv[1] if len(sys.argv) > 1 else None
if not BIN or not os.path.exists(BIN):
    sys.exit(__doc__)

OUTPUT = "\n".join(f"   {i}: frame::of::a::backtrace at ./src/lib.rs:{i}:9" for i in range(12))

def case(i):
    """A test case and its outcome: 1 in 10 fails, 1 in 50 errors, 1 in 20
    is skipped, 1 in 25 is flaky (passed on a rerun)."""
    name = f'<testcase name="tests::case_{i}" classname="crate::module_{i % 97}" time="0.{i % 1000:03d}"'
    if i % 10 == 3:
        return "failed", (f'{name}>\n<failure message="assertion failed" type="test failure">'
                          f"thread panicked at src/lib.rs:{i}:9\n{OUTPUT}</failure>\n"
                          f"<system-out>running 1 test\n{OUTPUT}</system-out>\n</testcase>\n")
    if i % 50 == 7:
        return "error", f'{name}>\n<error message="setup failed">{OUTPUT}</error>\n</testcase>\n'
    if i % 20 == 11:
        return "skipped", f'{name}>\n<skipped message="ignored"/>\n</testcase>\n'
    if i % 25 == 13:
        return "passed", (f'{name}>\n<flakyFailure message="first attempt failed">{OUTPUT}'
                          f"<system-out>{OUTPUT}</system-out></flakyFailure>\n</testcase>\n")
    return "passed", f"{name}/>\n"

def write(path, target_bytes):
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    written, i = 0, 0
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="nextest-run">\n')
        while written < target_bytes:
            f.write(f'<testsuite name="suite-{i}">\n')
            for _ in range(500):
                outcome, text = case(i)
                counts[outcome] += 1
                written += f.write(text)
                i += 1
            f.write("</testsuite>\n")
        f.write("</testsuites>\n")
    counts["tests"] = i
    return counts

def run(path, fmt):
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", BIN, fmt, path], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"read_report failed: {p.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    report = json.loads(p.stdout)
    metrics = {k: v["value"] for k, v in report["entries"][0]["metrics"].items()}
    return wall, rss_kb / 1024, metrics

def write_one_output(path, target_bytes, cdata):
    """One test case whose output is the whole file: in a <system-out> as
    nextest writes it, or in a CDATA section as surefire does."""
    line = "x" * 99 + "\n"
    with open(path, "w") as f:
        f.write('<testsuite name="chatty">\n<testcase name="prints" time="1.5">\n<system-out>')
        f.write("<![CDATA[" if cdata else "")
        for _ in range(target_bytes // len(line)):
            f.write(line)
        f.write("]]>" if cdata else "")
        f.write("</system-out>\n</testcase>\n</testsuite>\n")
    return {"tests": 1, "passed": 1, "failed": 0, "error": 0, "skipped": 0}

def write_sarif(path, target_bytes, tool_first):
    """A SARIF log of one run with 50 rules and results of about 300 bytes
    each; its `tool` before or after its `results` (SARIF does not order
    them, clippy-sarif writes results first)."""
    rules = [{"id": f"r{i}", "defaultConfiguration": {"level": ["error", "warning", "note"][i % 3]},
              "properties": {"security-severity": str(i % 10 + 0.5)}} for i in range(50)]
    tool = '"tool":' + json.dumps({"driver": {"name": "gen", "rules": rules}})
    n, size = 0, 0
    with open(path, "w") as f:
        f.write('{"version":"2.1.0","runs":[{' + (tool + "," if tool_first else "") + '"results":[\n')
        while size < target_bytes:
            result = {"ruleId": f"r{n % 50}", "ruleIndex": n % 50,
                      "message": {"text": "something suspicious happens here " * 3},
                      "locations": [{"physicalLocation": {"artifactLocation": {"uri": f"src/module_{n % 300}.rs"},
                                                          "region": {"startLine": n % 1000 + 1, "startColumn": 5}}}]}
            size += f.write(("," if n else "") + json.dumps(result) + "\n")
            n += 1
        f.write("]" + ("" if tool_first else "," + tool) + "}]}\n")
    return {"findings": n}

CASES = (
    ("5 MB JUnit", lambda p: write(p, 5_000_000)),
    ("50 MB JUnit", lambda p: write(p, 50_000_000)),
    ("50 MB JUnit, one <system-out>", lambda p: write_one_output(p, 50_000_000, cdata=False)),
    ("50 MB JUnit, one CDATA section", lambda p: write_one_output(p, 50_000_000, cdata=True)),
    ("50 MB SARIF, tool first", lambda p: write_sarif(p, 50_000_000, tool_first=True)),
    ("50 MB SARIF, results first", lambda p: write_sarif(p, 50_000_000, tool_first=False)),
)

with tempfile.TemporaryDirectory() as tmp:
    for label, generate in CASES:
        fmt = "sarif" if "SARIF" in label else "junit"
        path = os.path.join(tmp, "report." + fmt)
        counts = generate(path)
        mb = os.path.getsize(path) / 1e6
        runs = [run(path, fmt) for _ in range(3)]
        metrics = runs[0][2]
        if fmt == "sarif":
            expected = counts
        else:
            expected = {"tests": counts["tests"], "passed": counts["passed"], "failures": counts["failed"],
                        "errors": counts["error"], "skipped": counts["skipped"]}
        for k, v in expected.items():
            if metrics[k] != v:
                sys.exit(f"{label}: {k} read as {metrics[k]}, generated {v}")
        wall = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        items = f"{counts['findings']} results" if fmt == "sarif" else f"{counts['tests']} test cases"
        print(f"{label} ({mb:.1f} MB, {items}): "
              f"peak resident {peak:.1f} MB, {mb / wall:.0f} MB/s (median of 3, {wall:.2f} s)")
