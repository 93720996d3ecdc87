#!/usr/bin/env python3
"""Measures team decisions on change proposals: how many
`POST /api/v1/proposals/{id}/decisions` one broker (`treaty serve`, release
build, log key set) acknowledges per second, each one a new decision
written in one transaction with its decision-log leaf and answered 200
with the log's receipt (inclusion proof and signed checkpoint).

Per database: a fresh store (an SQLite file in a scratch directory, or a
fresh PostgreSQL schema dropped at the end) and one broker. Set-up through
the API: a producer team (`payments`) and consumer teams (`checkout`,
`fulfillment`, then `consumer-3`...), one token each (producer: publish and
approve; consumers: approve), `payments-api` published from
`examples/acme` with `treaty publish`, then proposals on it with
`POST /api/v1/proposals`, each with its own change set (the message varies)
and every team required. The decisions to take, one per (proposal, team),
are shuffled so that concurrent clients seldom touch the same proposal; the
last team to approve a proposal moves it to `approved` (a transition and,
with --webhooks, notifications to every team).

Measured, per run: the same client (worker processes of threads, each with
a keep-alive `http.client.HTTPConnection`) first sends token-authenticated
`GET /api/v1/whoami` for a fixed time (the baseline: the raw request rate of
this client against this broker), then takes its share of the run's
decisions. Only 200 answers with a receipt count (`"log"` with its
`checkpoint` in the body; every 50th answer is parsed and its receipt
checked in full); anything else is a failure, reported. After the runs the
log's size (from `GET /api/v1/log/checkpoint`) must have grown by the
number of decisions acknowledged.

Usage: python3 bench/decisions.py [--database sqlite|postgres|both]
       [--runs 3] [--decisions 6000] [--clients 16] [--procs 2]
       [--consumers 6] [--webhooks] [--client python|wrk] [--no-build | --treaty PATH]
With --client wrk the same decisions are sent by wrk (installed with
apt-get when missing): --procs threads, --procs x --threads connections,
each run --seconds long, taking the prepared decisions in order (a run
that uses them all up is refused: raise --decisions); a 200 with the log's
checkpoint in its body counts. It costs the two cores far less than the
Python client, so the broker gets more of them.
Profiling variants: --sqlite-dir /dev/shm (no disk flush for SQLite),
--pg-setting synchronous_commit=off (none for PostgreSQL), --procs 1
--threads 1 (one connection: the service time). See docs/PERFORMANCE.md,
"Decisions per second (issue 12)".
"""
import argparse, hashlib, http.client, http.server, json, multiprocessing, os, random, re, shlex
import shutil, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREATY = os.path.join(ROOT, "target", "release", "treaty")
PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
PSQL = ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "test",
        "-v", "ON_ERROR_STOP=1"]
INTERFACE = "payments-api"
PRODUCER = "payments"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def change_set_hash(interface, changes):
    """`treaty_core::governance::change_set_hash`."""
    lines = sorted({f"{rule}\t{message}" for rule, message in changes})
    h = hashlib.sha256(interface.encode())
    for line in lines:
        h.update(b"\n" + line.encode())
    return "sha256:" + h.hexdigest()


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook receiver answering 204 (only with --webhooks)."""
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Hook)
        self.count = 0


class Hook(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.count += 1
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Broker:
    def __init__(self, database, tmp, extra, store_dir=None, pg_settings=()):
        self.database = database
        self.schema = None
        if database == "sqlite":
            self.url = f"sqlite://{store_dir or tmp}/treaty.db"
        else:
            self.schema = f"treaty_bench_decisions_{os.getpid()}_{int(time.time() * 1000)}"
            subprocess.run(PSQL + ["-c", f"CREATE SCHEMA {self.schema}"], check=True)
            options = "".join(f"%20-c%20{kv.replace('=', '%3D')}" for kv in pg_settings)
            self.url = f"{PG_SERVER}?options=-c%20search_path%3D{self.schema}{options}"
        self.port = free_port()
        self.log = open(os.path.join(tmp, "broker.log"), "w+")
        # The log key in the scratch directory for both stores (SQLite's
        # default would be beside the file anyway).
        self.cmd = [TREATY, "serve", "--listen", f"127.0.0.1:{self.port}", "--database-url", self.url,
                    "--log-key", os.path.join(tmp, "log.key"), "--log-origin", "bench.example/decisions"] + extra
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=self.log,
                                     env={**os.environ, "RUST_LOG": "warn"})
        for _ in range(1000):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                break
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.01)
        else:
            self.stop()
            raise SystemExit("the broker did not start")
        if self.proc.poll() is not None:
            self.log.seek(0)
            raise SystemExit("the broker exited:\n" + self.log.read())
        self.token = None
        for _ in range(200):
            self.log.flush()
            with open(self.log.name) as f:
                for line in f:
                    if line.startswith("TREATY_TOKEN="):
                        self.token = line.strip().split("=", 1)[1]
            if self.token:
                break
            time.sleep(0.01)
        if not self.token:
            self.stop()
            raise SystemExit("no admin token on the broker's stderr")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        if self.schema:
            subprocess.run(PSQL + ["-c", f"DROP SCHEMA {self.schema} CASCADE"], check=True,
                           env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})
            self.schema = None


def call(port, token, method, path, body=None, raw=False):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data = r.read()
            return data.decode() if raw else json.loads(data or b"null")
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path}: {e.code} {e.read().decode(errors='replace')}")


def log_size(port, token):
    """The tree size of the log's current signed checkpoint (its 2nd line)."""
    return int(call(port, token, "GET", "/api/v1/log/checkpoint", raw=True).splitlines()[1])


def set_up(b, consumers, webhook):
    teams = [PRODUCER, "checkout", "fulfillment"] + [f"consumer-{i}" for i in range(3, consumers + 1)]
    teams = teams[:consumers + 1]
    tokens = {}
    for team in teams:
        body = {"id": team, "name": team}
        if webhook:
            body["webhook"] = f"{webhook}/{team}"
        call(b.port, b.token, "POST", "/api/v1/teams", body)
        scopes = ["publish", "approve"] if team == PRODUCER else ["approve"]
        tokens[team] = call(b.port, b.token, "POST", "/api/v1/tokens",
                            {"team": team, "scopes": scopes})["token"]
    subprocess.run([TREATY, "publish", INTERFACE, "--version", "1.4.0",
                    "--dir", os.path.join(ROOT, "examples", "acme"),
                    "--broker", f"http://127.0.0.1:{b.port}", "--token", tokens[PRODUCER]],
                   check=True, stdout=subprocess.DEVNULL)
    return teams, tokens


def new_proposal(n, teams):
    changes = [("enum-value-removed", f"Currency: value SEK removed (bench proposal {n})"),
               ("enum-value-removed", f"Currency: value CHF removed (bench proposal {n})")]
    required = [{"type": "team", "team": t,
                 "role": "producer" if t == PRODUCER else "affected_consumer"} for t in teams]
    return {"interface": INTERFACE, "title": f"Drop SEK and CHF ({n})",
            "change_set": change_set_hash(INTERFACE, changes),
            "changes": [{"rule": r, "message": m} for r, m in changes],
            "required": required,
            "rollback": "Restore the enum values and redeploy payments 1.4"}


def create_proposals(b, token, count, teams, start, threads=8):
    """`count` proposals (numbered from `start`), over `threads` clients:
    their ids and change sets."""
    out = [None] * count
    failures = []

    def work(k):
        conn = http.client.HTTPConnection("127.0.0.1", b.port, timeout=60)
        for i in range(k, count, threads):
            body = json.dumps(new_proposal(start + i, teams))
            conn.request("POST", "/api/v1/proposals", body=body,
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.status != 201:
                failures.append(f"{r.status} {data[:300]!r}")
                continue
            p = json.loads(data)
            out[i] = (p["id"], p["change_set"])
        conn.close()

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} proposals refused, first: {failures[0]}")
    return out


# ---- the measured client: worker processes, each of threads ----

def worker(port, tasks, threads, mode, seconds, token, barrier, results):
    """One client process. mode `whoami`: GET /api/v1/whoami with `token`
    for `seconds`; mode `decide`: each task (path, token, body) once."""
    lock = threading.Lock()
    lat, fails, checked = [], {}, [0]
    ok = [0]
    spans = []
    tasks = list(tasks)
    it = iter(tasks)

    def next_task():
        with lock:
            return next(it, None)

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        mine, my_ok, my_fails, n = [], 0, {}, 0
        pc = time.perf_counter
        t0 = time.monotonic()
        if mode == "whoami":
            headers = {"Authorization": f"Bearer {token}"}
            end = pc() + seconds
            while True:
                s = pc()
                if s >= end:
                    break
                conn.request("GET", "/api/v1/whoami", headers=headers)
                r = conn.getresponse()
                data = r.read()
                mine.append(pc() - s)
                if r.status == 200:
                    my_ok += 1
                else:
                    key = f"{r.status} {data[:200]!r}"
                    my_fails[key] = my_fails.get(key, 0) + 1
        else:
            while True:
                task = next_task()
                if task is None:
                    break
                path, tok, body = task
                s = pc()
                conn.request("POST", path, body=body,
                             headers={"Authorization": f"Bearer {tok}",
                                      "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                mine.append(pc() - s)
                n += 1
                if r.status == 200 and b'"log":{' in data and b'"checkpoint":' in data:
                    if n % 50 == 0:
                        receipt = json.loads(data)["log"]
                        assert receipt["checkpoint"].splitlines()[1] == str(receipt["tree_size"])
                        assert receipt["index"] < receipt["tree_size"] and receipt["entry"]
                        assert isinstance(receipt["inclusion"], list)
                        with lock:
                            checked[0] += 1
                    my_ok += 1
                else:
                    key = f"{r.status} {data[:200]!r}"
                    my_fails[key] = my_fails.get(key, 0) + 1
        t1 = time.monotonic()
        conn.close()
        with lock:
            lat.extend(mine)
            ok[0] += my_ok
            for k, v in my_fails.items():
                fails[k] = fails.get(k, 0) + v
            spans.append((t0, t1))

    barrier.wait()
    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    results.put({"ok": ok[0], "fails": fails, "lat": lat, "checked": checked[0],
                 "start": min(s for s, _ in spans), "end": max(e for _, e in spans)})


def drive(port, mode, procs, threads, tasks=(), seconds=0.0, token=None):
    """Runs the client; answers (acknowledged, failures, elapsed s, latencies, checked)."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(procs)
    results = ctx.Queue()
    shares = [tasks[i::procs] for i in range(procs)] if mode == "decide" else [()] * procs
    ps = [ctx.Process(target=worker, args=(port, shares[i], threads, mode, seconds, token,
                                          barrier, results)) for i in range(procs)]
    for p in ps:
        p.start()
    got = [results.get() for _ in ps]
    for p in ps:
        p.join()
    fails = {}
    for g in got:
        for k, v in g["fails"].items():
            fails[k] = fails.get(k, 0) + v
    elapsed = max(g["end"] for g in got) - min(g["start"] for g in got)
    lat = sorted(x for g in got for x in g["lat"])
    return sum(g["ok"] for g in got), fails, elapsed, lat, sum(g["checked"] for g in got)


WRK_DECIDE = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  local n = tonumber(args[1])
  tasks, next_task, ok, bad, shown, ran_out = {}, 0, 0, 0, false, 0
  local i = 0
  for line in io.lines(TASKS) do
    if i % n == id - 1 then
      local path, token, body = line:match("^([^	]*)	([^	]*)	(.*)$")
      table.insert(tasks, wrk.format("POST", path, {["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json"}, body))
    end
    i = i + 1
  end
  idle = wrk.format("GET", "/api/v1/whoami", {["Authorization"] = "Bearer " .. WHOAMI_TOKEN})
end
function request()
  next_task = next_task + 1
  -- A thread that runs out of decisions asks whoami (not counted) to the
  -- end of the run, which is then reported as too short of decisions.
  if next_task > #tasks then
    ran_out = 1
  end
  return tasks[next_task] or idle
end
function response(status, headers, body)
  local receipt = status == 200 and body:find('"log":{', 1, true) and body:find('"checkpoint":', 1, true)
  if receipt then
    ok = ok + 1
  elseif status ~= 200 or body:find('"change_set"', 1, true) then
    bad = bad + 1
    if not shown then
      shown = true
      io.stderr:write(string.format("%d %s\n", status, string.sub(body or "", 1, 200)))
    end
  end
end
function done(summary, latency, requests)
  local good, bad_, out = 0, 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok"); bad_ = bad_ + t:get("bad"); out = out + t:get("ran_out")
  end
  io.write(string.format("RESULT duration_us=%d ok=%d bad=%d ran_out=%d p50_us=%.0f p99_us=%.0f errors=%d\n",
    summary.duration, good, bad_, out, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

WRK_WHOAMI = r"""
function request()
  return wrk.format("GET", "/api/v1/whoami", {["Authorization"] = "Bearer " .. WHOAMI_TOKEN})
end
function done(summary, latency, requests)
  io.write(string.format("RESULT duration_us=%d ok=%d bad=%d ran_out=0 p50_us=%.0f p99_us=%.0f errors=%d\n",
    summary.duration, summary.requests - summary.errors.status, summary.errors.status,
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def drive_wrk(port, mode, connections, threads, tasks=(), seconds=0.0, token=None):
    """The same measurement as `drive`, with wrk as the client (a C load
    generator: far less CPU per request than Python on the broker's two
    cores), for `seconds`: decisions are taken from `tasks` until the run
    ends (a run that uses them all up is refused: too short of decisions).
    The few requests in flight when wrk stops are answered but not counted.
    Answers (acknowledged, failures, elapsed s, (p50 s, p99 s), 0)."""
    run_dir = tempfile.mkdtemp(prefix="treaty-bench-wrk-")
    script = os.path.join(run_dir, "run.lua")
    tasks_file = os.path.join(run_dir, "tasks.tsv")
    with open(tasks_file, "w") as f:
        for path, tok, body in tasks:
            f.write(f"{path}\t{tok}\t{body}\n")
    with open(script, "w") as f:
        f.write(f"TASKS = {json.dumps(tasks_file)}\nWHOAMI_TOKEN = {json.dumps(token)}\n"
                + (WRK_DECIDE if mode == "decide" else WRK_WHOAMI))
    p = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                        "--timeout", "60s", "-s", script, f"http://127.0.0.1:{port}", str(threads)],
                       capture_output=True, text=True)
    shutil.rmtree(run_dir, ignore_errors=True)
    m = re.search(r"RESULT (.*)", p.stdout)
    if not m:
        raise SystemExit(f"wrk failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    r = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    if r["ran_out"]:
        raise SystemExit(f"wrk ran out of decisions before the end of the run ({r['ok']} taken): "
                         "raise --decisions or lower --seconds")
    fails = {}
    if r["bad"] or r["errors"]:
        fails[f"{r['bad']} non-receipt answers, {r['errors']} socket errors; first: {p.stderr.strip()[:300]}"] = \
            r["bad"] + r["errors"]
    return r["ok"], fails, r["duration_us"] / 1e6, (r["p50_us"] / 1e6, r["p99_us"] / 1e6), 0


def measure(args, port, mode, tasks=(), seconds=0.0, token=None):
    """One measurement with the client chosen (--client): answers
    (acknowledged, failures, elapsed s, p50 ms, p99 ms, receipts checked)."""
    if args.client == "wrk":
        ok, fails, elapsed, (p50, p99), checked = drive_wrk(
            port, mode, args.procs * args.threads, args.procs, tasks,
            seconds if mode == "whoami" else args.seconds, token)
        return ok, fails, elapsed, p50 * 1000, p99 * 1000, checked
    ok, fails, elapsed, lat, checked = drive(port, mode, args.procs, args.threads, tasks, seconds, token)
    return ok, fails, elapsed, pct(lat, 0.5) * 1000, pct(lat, 0.99) * 1000, checked


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def decision_tasks(proposals, teams, tokens, tag):
    """One decision per (proposal, team), shuffled: (path, token, body)."""
    tasks = []
    for pid, cs in proposals:
        for team in teams:
            body = json.dumps({"decision": "approve", "change_set": cs,
                               "reason": f"{team} reviewed the impact ({tag})"})
            tasks.append((f"/api/v1/proposals/{pid}/decisions", tokens[team], body))
    random.Random(tag).shuffle(tasks)
    return tasks


def bench(database, args):
    tmp = tempfile.mkdtemp(prefix="treaty-bench-decisions-")
    receiver = None
    extra = []
    webhook = None
    if args.webhooks:
        receiver = Receiver()
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        webhook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        extra = ["--webhook-allow", "127.0.0.1/32"]
    store_dir = None
    if args.sqlite_dir:
        store_dir = tempfile.mkdtemp(prefix="treaty-bench-decisions-", dir=args.sqlite_dir)
    b = Broker(database, tmp, extra, store_dir, args.pg_setting)
    try:
        print(f"{database}: broker: {shlex.join(b.cmd)}", flush=True)
        teams, tokens = set_up(b, args.consumers, webhook)
        per_run = -(-args.decisions // len(teams))
        warm = max(1, 200 // len(teams))
        t = time.perf_counter()
        proposals = create_proposals(b, tokens[PRODUCER], warm + per_run * args.runs, teams, 0)
        t = time.perf_counter() - t
        print(f"{database}: {len(teams)} teams, {len(proposals)} proposals created in {t:.1f} s "
              f"({len(proposals) / t:.0f}/s)", flush=True)
        # Warm-up: a few decisions and whoami requests, not counted.
        ok, fails, _, _, _ = drive(b.port, "decide", args.procs, args.threads,
                                   decision_tasks(proposals[:warm], teams, tokens, "warm-up"))
        drive(b.port, "whoami", args.procs, args.threads, seconds=0.5, token=tokens["checkout"])
        if fails:
            raise SystemExit(f"warm-up decisions failed: {fails}")
        size0 = log_size(b.port, b.token)
        rows = []
        acknowledged = 0
        all_fails = {}
        for run in range(args.runs):
            base_ok, base_fails, base_t, base_p50, base_p99, _ = measure(
                args, b.port, "whoami", seconds=args.baseline_seconds, token=tokens["checkout"])
            chunk = proposals[warm + run * per_run: warm + (run + 1) * per_run]
            tasks = decision_tasks(chunk, teams, tokens, f"run {run + 1}")
            ok, fails, elapsed, p50, p99, checked = measure(
                args, b.port, "decide", tasks, token=tokens["checkout"])
            acknowledged += ok
            for k, v in list(fails.items()) + list(base_fails.items()):
                all_fails[k] = all_fails.get(k, 0) + v
            row = {"rate": ok / elapsed, "p50": p50, "p99": p99,
                   "base": base_ok / base_t, "base_p50": base_p50,
                   "base_p99": base_p99, "failed": sum(fails.values()),
                   "sent": len(tasks)}
            rows.append(row)
            print(f"{database} run {run + 1}: {ok} of {len(tasks)} decisions prepared acknowledged with a receipt "
                  f"in {elapsed:.2f} s: {row['rate']:.0f}/s, p50 {row['p50']:.2f} ms, p99 {row['p99']:.2f} ms"
                  f" ({checked} receipts checked in full); whoami baseline {row['base']:.0f}/s, "
                  f"p50 {row['base_p50']:.2f} ms, p99 {row['base_p99']:.2f} ms; "
                  f"ratio {row['rate'] / row['base']:.1%}; failures {row['failed']}", flush=True)
            for k, v in fails.items():
                print(f"  {v} x {k}", flush=True)
        size1 = log_size(b.port, b.token)
        in_flight = args.procs * args.threads * args.runs if args.client == "wrk" else 0
        if args.client == "wrk" and 0 <= size1 - size0 - acknowledged <= in_flight:
            print(f"{database}: the log grew by {size1 - size0} entries: the {acknowledged} decisions "
                  f"acknowledged and {size1 - size0 - acknowledged} answered as wrk stopped "
                  f"(at most {in_flight}: the connections, once per run)", flush=True)
        elif size1 - size0 != acknowledged:
            print(f"{database}: WARNING: the log grew by {size1 - size0}, "
                  f"but {acknowledged} decisions were acknowledged", flush=True)
        else:
            print(f"{database}: the log grew by {size1 - size0} entries, one per decision acknowledged",
                  flush=True)
        med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        target = 1500 if database == "sqlite" else 3000
        print(f"{database}: median of {args.runs} runs: {med['rate']:.0f} decisions/s "
              f"(p50 {med['p50']:.2f} ms, p99 {med['p99']:.2f} ms); whoami {med['base']:.0f}/s "
              f"(p50 {med['base_p50']:.2f} ms, p99 {med['base_p99']:.2f} ms); decisions/s = "
              f"{statistics.median(r['rate'] / r['base'] for r in rows):.1%} of the raw request rate; "
              f"target {target}/s: {'met' if med['rate'] >= target else 'NOT met'} "
              f"({med['rate'] / target:.2f}x); failures {sum(all_fails.values())}", flush=True)
        if receiver:
            print(f"{database}: webhook receiver got {receiver.count} notifications", flush=True)
        return med
    finally:
        b.stop()
        if receiver:
            receiver.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
        if store_dir:
            shutil.rmtree(store_dir, ignore_errors=True)


def postgres_reachable():
    try:
        r = subprocess.run(PSQL + ["-tAc", "SELECT 1"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if r.returncode != 0:
        return r.stderr.strip() or f"psql exited {r.returncode}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--decisions", type=int, default=6000, help="decisions per run")
    ap.add_argument("--procs", type=int, default=2, help="client processes")
    ap.add_argument("--threads", type=int, default=8, help="client threads per process")
    ap.add_argument("--consumers", type=int, default=6, help="consumer teams (each proposal asks all)")
    ap.add_argument("--baseline-seconds", type=float, default=3.0)
    ap.add_argument("--webhooks", action="store_true",
                    help="give every team a webhook (a local receiver answering 204)")
    ap.add_argument("--sqlite-dir", help="where the SQLite store goes (profiling: /dev/shm takes "
                    "the disk's fsync out); the log key stays under /tmp")
    ap.add_argument("--pg-setting", action="append", default=[],
                    help="a PostgreSQL setting for the broker's sessions, NAME=VALUE, sent in the "
                    "URL's options (profiling: synchronous_commit=off); repeatable")
    ap.add_argument("--client", choices=["python", "wrk"], default="python",
                    help="the measuring client: Python's http.client (procs x threads connections), or "
                    "wrk (procs threads, procs x threads connections; installed with apt-get when "
                    "missing), which leaves the broker more of the two cores")
    ap.add_argument("--seconds", type=float, default=3.0,
                    help="with --client wrk: the length of each run (--decisions must last that long)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--treaty", help="the binary to run (implies --no-build)")
    args = ap.parse_args()
    global TREATY
    if args.treaty:
        TREATY = os.path.abspath(args.treaty)
        args.no_build = True
    print("command: python3 bench/" + os.path.basename(__file__) + " " + shlex.join(sys.argv[1:]),
          flush=True)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "treaty-cli"],
                       cwd=ROOT, check=True)
    if args.client == "wrk" and not shutil.which("wrk"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    print(f"client: {args.client}, {args.procs} processes x {args.threads} threads = "
          f"{args.procs * args.threads} keep-alive connections; {os.cpu_count()} cores", flush=True)
    for database in (["sqlite", "postgres"] if args.database == "both" else [args.database]):
        if database == "postgres":
            why = postgres_reachable()
            if why:
                print(f"postgres: skipped: {' '.join(why.split())}", flush=True)
                continue
        bench(database, args)


if __name__ == "__main__":
    sys.exit(main())
