#!/usr/bin/env python3
"""Server time of the dashboard's pages (`/ui/`) on the broker benchmark's
store: 1,000 components with 1,000 versions each, 1,000,000 expectations
and verifications, one version of each component deployed in `production`
(built and seeded exactly as bench/broker.py does, whose code this reuses).

The release broker starts on the seeded store; the script signs in through
the form with the admin token (as a browser would: pre-session cookie,
CSRF field, session cookie), then fetches each page over one kept-alive
loopback connection, one request at a time: a warm-up, then --requests
timed requests. Loopback round trips cost tens of microseconds, so the
times are the server's. Prints the median and p90 of each page, its size,
and the ratio of the median to issue 15's target of 100 ms.

Pages: the catalog's first page (200 interfaces), a search, an interface's
page, the matrix of `production` (can-i-release for up to 500 component
versions there), the list of release trains, the proposals (50 a page) and
the decision log's newest page (25 entries, each proof read and verified).
The benchmark store has no release train, so the release board of one
train is not among them (bench/gate.py measures the gate it lays out).

Usage: python3 bench/dashboard.py [--requests N] [--treaty BINARY] [--keep]
"""
import argparse, http.client, os, re, shutil, statistics, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import broker as bench  # noqa: E402  (bench/broker.py: the store and the broker process)

TARGET_MS = 100.0
PAGES = [
    ("catalog (first 200 interfaces)", "/ui/catalog"),
    ("catalog search", "/ui/catalog?q=comp-0500"),
    ("interface page", "/ui/interfaces/comp-0001-api"),
    ("matrix of production", "/ui/matrix?environment=production"),
    ("release trains", "/ui/releases"),
    ("proposals", "/ui/proposals"),
    ("decision log (newest 25)", "/ui/log"),
    ("release board of acme's 2027-01", "/ui/releases/2027-01?environment=production"),
    ("dependency graph (every team)", "/ui/graph"),
    ("dependency graph of one team", "/ui/graph?team=team-00"),
]


def cookie(response, name):
    for k, v in response.getheaders():
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0].split("=", 1)[1]
    return None


def sign_in(port, token):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/ui/sign-in")
    r = conn.getresponse()
    body = r.read().decode()
    pre = cookie(r, "treaty_sign_in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "token": token})
    conn.request("POST", "/ui/sign-in", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"treaty_sign_in={pre}"})
    r = conn.getresponse()
    r.read()
    session = cookie(r, "treaty_session")
    if r.status != 303 or not session:
        sys.exit(f"sign-in failed: {r.status}")
    return conn, session


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=20, help="timed requests per page")
    ap.add_argument("--treaty", help="a treaty binary (default: build the release binary)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if args.treaty:
        bench.TREATY = os.path.abspath(args.treaty)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "treaty-cli"], cwd=bench.ROOT, check=True)
        if os.environ.get("CARGO_TARGET_DIR"):
            bench.TREATY = os.path.join(os.environ["CARGO_TARGET_DIR"], "release", "treaty")
    workdir = tempfile.mkdtemp(prefix="treaty-dashboard-bench-")
    db_path = os.path.join(workdir, "treaty.db")
    url = f"sqlite://{db_path}"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=bench.ROOT,
                            capture_output=True, text=True).stdout.strip()
    print(f"treaty at {commit or '?'}; store: sqlite ({db_path})")
    broker = None
    try:
        blobs = bench.bundles()
        admin, _ = bench.setup_through_api(url, workdir, blobs)
        base = int(time.time() * 1000) - 3 * 86_400_000
        start = time.perf_counter()
        bench.seed_sqlite(db_path, blobs, base)
        print(f"  seeded in {time.perf_counter() - start:.1f} s")
        broker = bench.Broker(url, workdir, "dashboard")
        # The example workspace's January train, for the release board.
        env = dict(os.environ, TREATY_BROKER=f"http://127.0.0.1:{broker.port}", TREATY_TOKEN=admin)
        subprocess.run([bench.TREATY, "release", "publish", "2027-01", "--dir",
                        os.path.join(bench.ROOT, "examples", "acme")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        conn, session = sign_in(broker.port, admin)
        headers = {"Cookie": f"treaty_session={session}"}
        print(f"\nsummary (sqlite, {args.requests} sequential requests per page after one warm-up):")
        for name, path in PAGES:
            times, size = [], 0
            for n in range(args.requests + 1):
                t0 = time.perf_counter()
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                body = r.read()
                elapsed = (time.perf_counter() - t0) * 1000
                if r.status != 200:
                    sys.exit(f"{path}: {r.status} {body[:300]!r}")
                if n > 0:
                    times.append(elapsed)
                size = len(body)
            times.sort()
            med = statistics.median(times)
            p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
            print(f"{name} ({path}): median {med:.1f} ms, p90 {p90:.1f} ms, {size / 1000:,.0f} kB"
                  f"  ratio to the 100 ms target: {med / TARGET_MS:.2f}"
                  f" ({'met' if med < TARGET_MS else 'MISSED'})")
    finally:
        if broker:
            broker.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
