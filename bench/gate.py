#!/usr/bin/env python3
"""The release gate on the broker (issue 13, "Performance"):

  - gate decision latency through the API: p50 and p99 of sequential
    `GET /api/v1/trains/bench/gate` requests on one connection, for a
    release of 500 scope items with 5 criteria each (2,500 criteria) and
    100,000 evidence records (40 per criterion: 4 versions of the item's
    component, 10 runs each, the newest run of the version shipped
    passing); target under 50 ms p99;
  - evidence ingestion of a 50 MB JUnit file through the API, streamed
    (`POST /api/v1/trains/bench/evidence`), and the broker's peak resident
    memory (VmHWM in /proc/PID/status, read after the upload; it counts
    everything since start-up); target under 100 MB.

The train is published through the API (`PUT /api/v1/trains/bench`); the
100,000 records are then written straight into the SQLite store with
python's sqlite3 while the broker is stopped (as bench/broker.py seeds its
store), with the newest run of each criterion and version in
train_evidence_latest, and that run's records in train_evidence_newest, as
the broker keeps them; the broker restarts on it.

Usage: python3 bench/gate.py [--treaty BINARY] [--requests N]
(build it first: cargo build --release -p treaty-cli)"""
import argparse, http.client, json, os, re, socket, sqlite3, statistics, subprocess, sys
import tempfile, threading, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ITEMS, CRITERIA, VERSIONS, RUNS = 500, 5, 4, 10
COMPONENTS = 50
P99_TARGET_MS, RSS_TARGET_MB, JUNIT_MB = 50.0, 100.0, 50


def comp(i): return f"comp-{i % COMPONENTS:02d}"


def train():
    scope = []
    for i in range(ITEMS):
        scope.append({
            "id": f"item-{i:03d}", "title": f"Item {i}", "owner": "owners",
            "done": [{"id": f"c{k}", "description": "tests pass",
                      "evidence": {"kind": "junit", "source": f"reports/{i}/{k}/*.xml"},
                      "threshold": {"metric": "pass_rate", "min": 1.0}}
                     for k in range(CRITERIA)],
        })
    return {
        "release": {"id": "bench", "milestones": {"feature_freeze": "2027-01-08",
                    "code_freeze": "2027-01-15", "ship": "2027-01-22"}, "scope": scope},
        "governance": {}, "interfaces": [], "releases": [],
    }


class Broker:
    def __init__(self, treaty, db):
        self.treaty, self.db, self.proc, self.token = treaty, db, None, None

    def start(self):
        s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
        self.port = port
        self.proc = subprocess.Popen(
            [self.treaty, "serve", "--listen", f"127.0.0.1:{port}", "--database-url", f"sqlite://{self.db}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")})
        got = threading.Event()
        log = open(self.db + ".log", "a")
        def drain():
            for line in self.proc.stderr:
                log.write(line); log.flush()
                if line.startswith("TREATY_TOKEN="):
                    self.token = line.strip().split("=", 1)[1]; got.set()
        threading.Thread(target=drain, daemon=True).start()
        for _ in range(400):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    got.wait(2)
                    return
            except OSError:
                time.sleep(0.05)
        sys.exit("the broker did not start")

    def stop(self):
        self.proc.terminate(); self.proc.wait(20)

    def call(self, method, path, token, body=None, ctype="application/json"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = ctype
            if not isinstance(body, (bytes, str)) and not hasattr(body, "read"):
                body = json.dumps(body)
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse(); data = r.read()
        if r.status >= 300:
            sys.exit(f"{method} {path}: {r.status} {data[:500]}")
        return json.loads(data) if data else None

    def peak_rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024


def seed(db):
    """100,000 evidence records: for each criterion, 4 versions x 10 runs;
    the newest run of each version passes, older ones fail."""
    con = sqlite3.connect(db)
    passing = json.dumps({"format": "junit", "entries": [{"metrics": {
        "tests": {"value": 120.0}, "passed": {"value": 120.0}, "failed": {"value": 0.0},
        "errors": {"value": 0.0}, "skipped": {"value": 0.0}, "pass_rate": {"value": 1.0}}}]})
    failing = passing.replace('"passed": {"value": 120.0}', '"passed": {"value": 119.0}') \
                     .replace('"failed": {"value": 0.0}', '"failed": {"value": 1.0}') \
                     .replace('"pass_rate": {"value": 1.0}', '"pass_rate": {"value": 0.9916666666666667}')
    rows, latest, n = [], [], 0
    base = 1_790_000_000_000
    for i in range(ITEMS):
        for k in range(CRITERIA):
            subject = f"item-{i:03d}/c{k}"
            for v in range(1, VERSIONS + 1):
                for r in range(RUNS):
                    at = base + n
                    rows.append((f"evd_{n:08d}", "bench", subject, comp(i), f"1.0.{v}",
                                 f"run-{v}-{r}", passing if r == RUNS - 1 else failing, at, "owners"))
                    n += 1
                latest.append(("bench", subject, comp(i), f"1.0.{v}", f"run-{v}-{RUNS - 1}", at))
    con.executemany("INSERT INTO train_evidence (id, train_id, subject, component, version, run, measurements, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO train_evidence_latest (train_id, subject, component, version, run, recorded_at) VALUES (?, ?, ?, ?, ?, ?)", latest)
    # The newest runs' records apart, as `record_evidence` keeps them.
    con.execute("INSERT INTO train_evidence_newest SELECT e.id, e.train_id, e.subject, e.component, e.version, e.run, e.measurements, e.recorded_at, e.recorded_by FROM train_evidence_latest l CROSS JOIN train_evidence e WHERE e.train_id = l.train_id AND e.subject = l.subject AND e.component = l.component AND e.version = l.version AND e.run = l.run")
    con.commit(); con.close()
    return n


def write_junit(path, target):
    """A JUnit file of about `target` bytes: suites of 500 passing cases,
    1 in 10 failing with a nextest-sized output."""
    out = "\n".join(f"   {i}: frame::of::a::backtrace at ./src/lib.rs:{i}:9" for i in range(12))
    written, i = 0, 0
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="nextest-run">\n')
        while written < target:
            f.write(f'<testsuite name="suite-{i}">\n')
            for _ in range(500):
                name = f'<testcase name="tests::case_{i}" classname="crate::m{i % 97}" time="0.01"'
                if i % 10 == 3:
                    written += f.write(f'{name}>\n<failure message="assertion failed">{out}</failure>\n</testcase>\n')
                else:
                    written += f.write(f"{name}/>\n")
                i += 1
            f.write("</testsuite>\n")
        f.write("</testsuites>\n")
    return i


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--treaty", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "treaty"))
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="treaty-gate-bench-")
    db = os.path.join(tmp, "treaty.db")
    b = Broker(args.treaty, db)
    b.start()
    admin = b.token
    b.call("POST", "/api/v1/teams", admin, {"id": "owners", "name": "Owners"})
    token = b.call("POST", "/api/v1/tokens", admin, {"team": "owners", "scopes": ["publish"]})["token"]
    b.call("PUT", "/api/v1/environments/production", admin)
    b.call("PUT", "/api/v1/trains/bench", token, train())
    b.stop()
    records = seed(db)
    b.start()

    # Ingestion first, so that the peak is the upload's, not the gate's.
    junit = os.path.join(tmp, "big.xml")
    cases = write_junit(junit, JUNIT_MB * 1024 * 1024)
    size = os.path.getsize(junit) / 1024 / 1024
    t0 = time.perf_counter()
    with open(junit, "rb") as f:
        got = b.call("POST", "/api/v1/trains/bench/evidence?item=item-000&criterion=c0&component=comp-00&version=9.9.9&format=junit",
                     token, f, "application/octet-stream")
    upload_s = time.perf_counter() - t0
    tests = got["report"]["entries"][0]["metrics"]["tests"]["value"]
    assert int(tests) == cases, (tests, cases)
    peak = b.peak_rss_mb()

    ship = "&".join("ship=" + urllib.parse.quote(f"{comp(i)}=1.0.{VERSIONS}") for i in range(COMPONENTS))
    path = f"/api/v1/trains/bench/gate?environment=production&{ship}"
    c = http.client.HTTPConnection("127.0.0.1", b.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    verdict = None
    for _ in range(5):  # warm-up
        c.request("GET", path, headers=headers); verdict = json.loads(c.getresponse().read())
    lat = []
    for _ in range(args.requests):
        t0 = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse(); body = r.read()
        lat.append((time.perf_counter() - t0) * 1000)
        assert r.status == 200, body[:300]
    b.stop()
    live = sum(1 for i in verdict["items"] if i["state"] == "live")
    lat.sort()
    p50, p99 = statistics.median(lat), lat[int(len(lat) * 0.99) - 1]
    print(f"train: {ITEMS} items x {CRITERIA} criteria, {records} evidence records; verdict {verdict['decision']}, {live} items live")
    print(f"gate latency over {len(lat)} requests: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target < {P99_TARGET_MS:.0f} ms): {'met' if p99 < P99_TARGET_MS else 'MISSED'}")
    print(f"ingestion: {size:.1f} MB JUnit ({cases} cases) in {upload_s:.2f} s ({size / upload_s:.0f} MB/s); broker peak RSS {peak:.1f} MB (target < {RSS_TARGET_MB:.0f} MB): {'met' if peak < RSS_TARGET_MB else 'MISSED'}")


if __name__ == "__main__":
    main()
