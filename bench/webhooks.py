#!/usr/bin/env python3
"""Measures webhook delivery: how many notifications per second one broker
(`treaty serve`, release build) claims, signs, POSTs to a receiver on
loopback and records as delivered.

Each run: a fresh store (SQLite file, or a fresh PostgreSQL schema); the
broker starts once to create a team whose webhook is the receiver (a
threaded Python HTTP server answering 204), then stops; N events are
written straight into the outbox (as if queued by N decisions), the broker
starts again, and the clock runs from its start until the receiver has
every `webhook-id` and the store shows every event delivered. The figure
is N / that time, so it includes the broker's start (about 0.1 s).

Usage: python3 bench/webhooks.py [--database sqlite|postgres] [--events N] [--repeat R]
"""
import argparse, http.server, json, os, socket, sqlite3, statistics, subprocess, sys
import tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREATY = os.path.join(ROOT, "target", "release", "treaty")
PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
PSQL = ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "test",
        "-v", "ON_ERROR_STOP=1"]


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.ids = set()
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        self.rfile.read(length)
        with self.server.lock:
            self.server.ids.add(self.headers.get("webhook-id"))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(db, port, log):
    proc = subprocess.Popen(
        [TREATY, "serve", "--listen", f"127.0.0.1:{port}", "--database-url", db,
         "--webhook-allow", "127.0.0.1/32", "--webhook-poll-ms", "50"],
        stdout=subprocess.DEVNULL, stderr=log, env={**os.environ, "RUST_LOG": "warn"})
    for _ in range(400):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.01)
    proc.kill()
    raise SystemExit("the broker did not start")


def call(port, token, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def rows(n, now_ms):
    body = json.dumps({"type": "bench", "timestamp": "2026-11-28T00:00:00Z",
                       "text": "a benchmark event", "data": {"n": 0}})
    for i in range(n):
        yield (f"msg_bench{i:08d}", "bench", "", "bench", body, now_ms, now_ms, 0, "pending")


def seed(database, db, n):
    now_ms = int(time.time() * 1000)
    if database == "sqlite":
        con = sqlite3.connect(db.removeprefix("sqlite://"))
        url = con.execute("SELECT webhook_url FROM teams WHERE id = 'bench'").fetchone()[0]
        con.executemany(
            "INSERT INTO notifications (id, team_id, url, event_type, payload, created_at, next_attempt_at, attempts, state) VALUES (?,?,?,?,?,?,?,?,?)",
            [(r[0], r[1], url) + r[3:] for r in rows(n, now_ms)])
        con.commit()
        con.close()
    else:
        schema = db.rsplit("search_path%3D", 1)[1]
        sql = f"""SET search_path = {schema};
INSERT INTO notifications (id, team_id, url, event_type, payload, created_at, next_attempt_at, attempts, state)
SELECT 'msg_bench' || lpad(g::text, 8, '0'), 'bench', t.webhook_url, 'bench',
       '{{"type":"bench","timestamp":"2026-11-28T00:00:00Z","text":"a benchmark event","data":{{"n":0}}}}',
       {now_ms}, {now_ms}, 0, 'pending'
FROM generate_series(0, {n - 1}) g, teams t WHERE t.id = 'bench';"""
        subprocess.run(PSQL + ["-c", sql], check=True)


def delivered(database, db):
    if database == "sqlite":
        con = sqlite3.connect(db.removeprefix("sqlite://"))
        n = con.execute("SELECT COUNT(*) FROM notifications WHERE state = 'delivered'").fetchone()[0]
        con.close()
        return n
    schema = db.rsplit("search_path%3D", 1)[1]
    out = subprocess.run(PSQL + ["-tA", "-c", f"SELECT COUNT(*) FROM {schema}.notifications WHERE state = 'delivered'"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip())


def one_run(database, n, receiver, log):
    tmp = tempfile.mkdtemp()
    if database == "sqlite":
        db = f"sqlite://{tmp}/treaty.db"
    else:
        schema = f"treaty_bench_{os.getpid()}_{int(time.time() * 1000)}"
        subprocess.run(PSQL + ["-c", f"CREATE SCHEMA {schema}"], check=True)
        db = f"{PG_SERVER}?options=-c%20search_path%3D{schema}"
    port = free_port()
    log.seek(0)
    log.truncate()
    broker = start_broker(db, port, log)
    time.sleep(0.2)
    log.flush()
    token = None
    with open(log.name) as f:
        for line in f:
            if line.startswith("TREATY_TOKEN="):
                token = line.strip().split("=", 1)[1]
    if not token:
        raise SystemExit("no admin token")
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    call(port, token, "POST", "/api/v1/teams", {"id": "bench", "name": "Bench", "webhook": hook})
    broker.terminate()
    broker.wait()
    seed(database, db, n)
    with receiver.lock:
        receiver.ids.clear()
    start = time.perf_counter()
    broker = start_broker(db, port, log)
    try:
        while True:
            with receiver.lock:
                got = len(receiver.ids)
            if got >= n and delivered(database, db) >= n:
                break
            if time.perf_counter() - start > 600:
                raise SystemExit(f"only {got} of {n} delivered after 600 s")
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
    finally:
        broker.terminate()
        broker.wait()
        if database == "postgres":
            subprocess.run(PSQL + ["-c", f"DROP SCHEMA {schema} CASCADE"], check=True)
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "treaty-cli"], cwd=ROOT, check=True)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    rates = []
    with tempfile.NamedTemporaryFile("w+") as log:
        for _ in range(args.repeat):
            elapsed = one_run(args.database, args.events, receiver, log)
            rates.append(args.events / elapsed)
            print(f"{args.events} events in {elapsed:.2f} s: {args.events / elapsed:.0f}/s", flush=True)
    print(f"{args.database}: median {statistics.median(rates):.0f} deliveries/s over {args.repeat} runs of {args.events}")
    receiver.shutdown()


if __name__ == "__main__":
    sys.exit(main())
