#!/usr/bin/env python3
"""Measures the broker (`treaty serve`) on a large store, in one run:

  - can-i-release latency: p50 and p99 of 10,000 requests from wrk in a
    second process (2 threads, 8 connections by default), 80% asking about
    the version of a component deployed in `production`, 20% about a random
    version of it; also at 1 connection, the unloaded service time;
  - acknowledged writes per second: wrk POSTing verifications for 10 s with a
    team's `publish` token, counting 2xx answers only (and checking that the
    store holds that many more rows);
  - the size of the store.

The store is built in three steps. The release broker starts once on an
empty database (migrations, the admin token), and teams, components,
interfaces, the `production` environment, a publish token and one version
per bundle variant are created through the API; then it stops and the store
is seeded directly with set-based SQL (python's sqlite3, or psql): 1,000
components with 1,000 versions each, one interface per component (even
components OpenAPI, odd ones JSON Schema; every version published, pointing
at one of 4 real bundles per kind), an expectation per component version on
the next component's interface (and the interface_consumers row that goes
with it), 1,000,000 verifications (4 per pair on 250,000 pairs, 1% failures) and 10 deployments per component in
`production` (the last one current). Then the broker restarts on it.

PostgreSQL: the server on 127.0.0.1:5432 (user postgres, trust, database
`test`); the store lives in a fresh schema, dropped at the end.
wrk is installed with apt-get when missing (needs root).

Usage: python3 bench/broker.py [--database sqlite|postgres] [--repeat N] [--treaty BINARY]
"""
import argparse, hashlib, http.client, json, os, re, shutil, signal, socket, sqlite3, statistics
import subprocess, sys, tempfile, time, urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREATY = os.path.join(ROOT, "target", "release", "treaty")
PG_SERVER = "postgres://postgres@127.0.0.1:5432/test"
PSQL = ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "test",
        "-v", "ON_ERROR_STOP=1"]

COMPONENTS = 1000
VERSIONS = 1000          # per component
TEAMS = 20               # component i belongs to team i % TEAMS
HISTORY = 9              # undeployed deployments per component before the current one
P99_TARGET_MS = 10.0
WRITES_TARGET = 2000.0
ENV = "production"


# The seeded world. Everything below is a function of the indices, so that
# the SQL, the wrk scripts and the checks agree.
def comp(i): return f"comp-{i:04d}"
def iface(i): return f"comp-{i:04d}-api"
def ver(j): return f"1.0.{j}"
def team(i): return f"team-{i % TEAMS:02d}"
def kind(i): return "openapi" if i % 2 == 0 else "jsonschema"
def variant(j): return (j // 3) % 4                       # the bundle version j publishes
def deployed(i): return (i * 37 % 125) * 8                # version of component i in production
def built_against(i, j): return (j * 13 + i) % 1000      # version of i+1's interface that i@j expects

# Verification k (k = 1000 m + p) is of producer p's interface, consumed by
# p - 1. Slot s = m // 4 (4 records per pair, the later ones newer): for an
# even slot, provider version 4s (a multiple of 8) against the consumer's
# deployed version; for an odd one, the provider's deployed version against
# consumer version 4s. Deployed versions are multiples of 8, so both pairs of
# a can-i-release on a deployed version are verified; a random version has a
# verified pair when it is a multiple of 4.


def openapi_variants():
    item = {"type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
    new_item = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    one = {"description": "the item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Items", "version": "1.0.0"},
        "paths": {
            "/items": {
                "get": {"operationId": "listItems", "responses": {"200": {"description": "all items", "content": {
                    "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}},
                "post": {"operationId": "createItem", "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}}},
                    "responses": {"201": one}},
            },
            "/items/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"operationId": "getItem", "responses": {"200": one, "404": {"description": "no such item"}}},
            },
        },
        "components": {"schemas": {"Item": item, "NewItem": new_item}},
    }
    out = [json.loads(json.dumps(doc))]
    item["properties"]["price"] = {"type": "number"}                      # v1: a new response field
    out.append(json.loads(json.dumps(doc)))
    doc["paths"]["/items/{id}"]["delete"] = {"operationId": "deleteItem",  # v2: a new operation
                                              "responses": {"204": {"description": "deleted"}}}
    out.append(json.loads(json.dumps(doc)))
    new_item["required"] = ["name", "price"]                              # v3: breaking, a required input
    new_item["properties"]["price"] = {"type": "number"}
    out.append(doc)
    return "openapi.json", out


def jsonschema_variants():
    doc = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Order", "type": "object",
           "required": ["id", "total"],
           "properties": {"id": {"type": "string"}, "total": {"type": "number"}, "note": {"type": "string"}}}
    out = [json.loads(json.dumps(doc))]
    doc["properties"]["currency"] = {"type": "string"}                    # v1: a new optional property
    out.append(json.loads(json.dumps(doc)))
    doc["properties"]["lines"] = {"type": "array", "items": {"type": "object", "properties": {
        "sku": {"type": "string"}, "quantity": {"type": "integer"}}}}     # v2: another
    out.append(json.loads(json.dumps(doc)))
    doc["properties"]["total"] = {"type": "integer"}                      # v3: breaking, narrowed type
    out.append(doc)
    return "schema.json", out


def bundles():
    """{(kind, variant): (hash, text)}: texts as the server stores them
    (treaty_compat::Bundle::canonical, serde_json's compact form)."""
    out = {}
    for k, (entry, docs) in (("openapi", openapi_variants()), ("jsonschema", jsonschema_variants())):
        for n, doc in enumerate(docs):
            text = json.dumps({"entry": entry, "files": {entry: json.dumps(doc, indent=2) + "\n"}},
                              ensure_ascii=False, separators=(",", ":"))
            out[(k, n)] = (hashlib.sha256(text.encode()).hexdigest(), text)
    return out


ARTIFACTS = "[]"
ARTIFACTS_HASH = hashlib.sha256(ARTIFACTS.encode()).hexdigest()


# --- the broker process ----------------------------------------------------

class Broker:
    def __init__(self, url, workdir, name):
        self.url = url
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = os.path.join(workdir, f"broker-{name}.log")
        self.conn = None
        self.proc = subprocess.Popen([TREATY, "serve", "--listen", f"127.0.0.1:{self.port}",
                                      "--database-url", url],
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "w"))
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                sys.exit(f"the broker exited ({self.proc.returncode}):\n{open(self.log).read()[-3000:]}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                sys.exit("the broker did not answer /healthz within 60 s")
            time.sleep(0.1)

    def admin_token(self):
        m = re.search(r"TREATY_TOKEN=(trt_[0-9a-f]+)", open(self.log).read())
        return m.group(1) if m else None

    def request(self, method, path, body=None, token=None):
        """(status, decoded JSON or text) over one kept-alive connection."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            r = self.conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, data.decode(errors="replace")

    def must(self, method, path, body=None, token=None, ok=(200, 201, 204)):
        status, out = self.request(method, path, body, token)
        if status not in ok:
            self.stop()
            sys.exit(f"{method} {path}: {status} {out}")
        return out

    def stop(self):
        if self.conn:
            self.conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def setup_through_api(url, workdir, blobs):
    """First start: migrate, bootstrap, and create what has to exist before
    seeding. Returns (admin token, publish token of team-00)."""
    b = Broker(url, workdir, "setup")
    admin = b.admin_token()
    if not admin:
        b.stop()
        sys.exit("the broker printed no TREATY_TOKEN on first start: is the database empty?")
    start = time.perf_counter()
    for t in range(TEAMS):
        b.must("POST", "/api/v1/teams", {"id": team(t), "name": f"Team {t}"}, admin)
    publisher = b.must("POST", "/api/v1/tokens", {"team": team(0), "scopes": ["publish"]}, admin)["token"]
    for i in range(COMPONENTS):
        b.must("PUT", f"/api/v1/components/{comp(i)}", {"team": team(i)}, admin)
        b.must("PUT", f"/api/v1/interfaces/{iface(i)}",
               {"component": comp(i), "kind": kind(i), "compatibility": "backward"}, admin)
    b.must("PUT", f"/api/v1/environments/{ENV}", None, admin)
    # One publish per bundle variant, through the API: proves the server
    # accepts the documents and stores exactly the text (and hash) seeded.
    for i in (0, 1):
        for n in range(4):
            j = 3 * n
            assert variant(j) == n
            bundle = json.loads(blobs[(kind(i), n)][1])
            out = b.must("PUT", f"/api/v1/interfaces/{iface(i)}/versions/{ver(j)}", bundle, admin)
            if out["bundle_hash"] != blobs[(kind(i), n)][0]:
                b.stop()
                sys.exit(f"the server stored bundle {kind(i)} v{n} as {out['bundle_hash']}, "
                         f"the seed computes {blobs[(kind(i), n)][0]}")
    print(f"setup through the API: {TEAMS} teams, {COMPONENTS} components and interfaces, "
          f"8 publishes in {time.perf_counter() - start:.1f} s")
    b.stop()
    return admin, publisher


# --- seeding ---------------------------------------------------------------

def q(s):
    return "'" + s.replace("'", "''") + "'"


def values(rows):
    return ",\n".join("(" + ", ".join(q(v) if isinstance(v, str) else str(v) for v in r) + ")" for r in rows)


def seed_statements(blobs, base):
    """(label, SQL) in order; the same SQL on SQLite and PostgreSQL. Helper
    tables of 1,000 components and 1,000 versions, then set-based inserts
    over their cross product, in primary-key order."""
    comps = [(i, comp(i), iface(i), team(i), kind(i), deployed(i), ver(deployed(i)),
              comp((i - 1) % COMPONENTS), ver(deployed((i - 1) % COMPONENTS)), iface((i + 1) % COMPONENTS),
              f"{i:016x}") for i in range(COMPONENTS)]
    vers = [(j, ver(j), variant(j), 1 if (j // 4) % 2 == 0 else 0, ver((j // 4) * 4 % 1000), f"{j:016x}")
            for j in range(VERSIONS)]
    return [
        ("helper tables", f"""
CREATE TEMP TABLE bc (i BIGINT PRIMARY KEY, id TEXT, iface TEXT, team TEXT, kind TEXT, dep BIGINT,
  dep_ver TEXT, prev_id TEXT, prev_dep_ver TEXT, next_iface TEXT, hx TEXT);
INSERT INTO bc VALUES {values(comps)};
CREATE TEMP TABLE bv (j BIGINT PRIMARY KEY, ver TEXT, variant BIGINT, even_slot BIGINT, slot_ver TEXT, hx TEXT);
INSERT INTO bv VALUES {values(vers)};
CREATE TEMP TABLE bb (kind TEXT, variant BIGINT, hash TEXT, PRIMARY KEY (kind, variant));
INSERT INTO bb VALUES {values([(k, n, h) for (k, n), (h, _) in blobs.items()])};
CREATE TEMP TABLE bh (n BIGINT PRIMARY KEY, hx TEXT);
INSERT INTO bh VALUES {values([(n, f"{n:016x}") for n in range(HISTORY + 1)])};
INSERT INTO blobs (hash, content) VALUES {values([(h, t) for h, t in blobs.values()] + [(ARTIFACTS_HASH, ARTIFACTS)])}
  ON CONFLICT (hash) DO NOTHING"""),
        ("component_versions", f"""
INSERT INTO component_versions (component_id, version, created_at)
SELECT c.id, v.ver, {base} + v.j FROM bc c CROSS JOIN bv v WHERE true ORDER BY c.id, v.ver
ON CONFLICT DO NOTHING"""),
        ("interface_versions", f"""
INSERT INTO interface_versions (interface_id, version, bundle_hash, created_at)
SELECT c.iface, v.ver, b.hash, {base} + v.j FROM bc c CROSS JOIN bv v JOIN bb b ON b.kind = c.kind AND b.variant = v.variant
WHERE true ORDER BY c.iface, v.ver
ON CONFLICT DO NOTHING"""),
        ("expectations", f"""
INSERT INTO expectations (component_id, version, interface_id, built_against, uses, artifacts_hash, created_at)
SELECT c.id, v.ver, c.next_iface, a.ver, '{{}}', '{ARTIFACTS_HASH}', {base} + v.j
FROM bc c CROSS JOIN bv v JOIN bv a ON a.j = (v.j * 13 + c.i) % 1000 -- built_against()
ORDER BY c.id, v.ver"""),
        ("interface_consumers", """
INSERT INTO interface_consumers (interface_id, component_id)
SELECT c.next_iface, c.id FROM bc c ORDER BY c.next_iface, c.id"""),
        ("verifications", f"""
INSERT INTO verifications (id, interface_id, provider_version, consumer_id, consumer_version, success, details, recorded_by, recorded_at)
SELECT 'ver_' || v.hx || c.hx, c.iface,
  CASE WHEN v.even_slot = 1 THEN v.slot_ver ELSE c.dep_ver END, c.prev_id,
  CASE WHEN v.even_slot = 1 THEN c.prev_dep_ver ELSE v.slot_ver END,
  CASE WHEN (v.j * 1000 + c.i) % 100 = 99 THEN 0 ELSE 1 END,
  CASE WHEN (v.j * 1000 + c.i) % 100 = 99 THEN 'seeded failure' END,
  c.team, {base} + v.j * 1000 + c.i
FROM bv v CROSS JOIN bc c ORDER BY v.j, c.i"""),
        ("deployments", f"""
INSERT INTO deployments (id, component_id, environment_id, version, deployed_at, undeployed_at, recorded_by)
SELECT 'dep_' || h.hx || c.hx, c.id, '{ENV}', CASE WHEN h.n = {HISTORY} THEN c.dep_ver ELSE v.ver END,
  {base} + 2000000 + h.n * 3600000, CASE WHEN h.n = {HISTORY} THEN NULL ELSE {base} + 2000000 + (h.n + 1) * 3600000 END,
  c.team
FROM bc c CROSS JOIN bh h JOIN bv v ON v.j = (c.dep + h.n + 1) % 1000 ORDER BY h.n, c.i"""),
    ]


def seed_sqlite(path, blobs, base):
    db = sqlite3.connect(path, isolation_level=None)
    # Bulk-load settings for this connection only; the broker sets WAL and
    # synchronous=FULL again when it connects. Foreign keys are checked.
    db.executescript("PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;"
                     "PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY;")
    for n, (label, sql) in enumerate(seed_statements(blobs, base)):
        start = time.perf_counter()
        if n == 0:
            db.executescript("BEGIN;" + sql)  # executescript would commit an open transaction
        else:
            db.execute(sql)
        print(f"  {label}: {time.perf_counter() - start:.1f} s")
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()


def seed_postgres(schema, blobs, base):
    script = [f"SET search_path TO {schema};", "SET synchronous_commit = off;",
              "SET maintenance_work_mem = '256MB';", "BEGIN;"]
    for label, sql in seed_statements(blobs, base):
        script += [f"\\echo '@{label}'", "\\timing on", sql.strip() + ";", "\\timing off"]
    script += ["COMMIT;", "\\echo '@analyze'", "\\timing on"]
    # What autovacuum would do shortly after such a load.
    script += [f"ANALYZE {t};" for t in ("components", "component_versions", "interfaces", "interface_versions",
                                         "blobs", "expectations", "interface_consumers", "verifications",
                                         "deployments", "tokens")]
    p = subprocess.run(PSQL, input="\n".join(script), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"psql failed: {p.stderr[-3000:]}")
    label, total = None, 0.0
    for line in p.stdout.splitlines():
        if line.startswith("@"):
            if label:
                print(f"  {label}: {total / 1000:.1f} s")
            label, total = line[1:], 0.0
        m = re.match(r"Time: ([0-9.]+) ms", line)
        if m:
            total += float(m.group(1))
    if label:
        print(f"  {label}: {total / 1000:.1f} s")


def psql_value(sql):
    p = subprocess.run(PSQL + ["-At", "-c", sql], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    return p.stdout.strip()


# --- measuring -------------------------------------------------------------

LUA_COMMON = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  math.randomseed(7919 * id + 17)
  ok, bad, seen, shown, finished = 0, 0, 0, false, false
end
function response(status, headers, body)
  seen = seen + 1
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
    if not shown then
      shown = true
      io.stderr:write(string.format("non-2xx answer %d: %s\n", status, string.sub(body or "", 1, 300)))
    end
  end
  if LIMIT > 0 and seen >= LIMIT and not finished then
    -- wrk's main thread sleeps for -d whatever the threads do: tell the
    -- caller, which interrupts it (SIGINT) once every thread is done.
    finished = true
    local f = io.open(DONE .. "/done-" .. id, "w")
    f:close()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local good, bad_ = 0, 0
  for _, t in ipairs(threads) do good = good + t:get("ok"); bad_ = bad_ + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d ok=%d bad=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f errors=%d\n",
    summary.requests, summary.duration, good, bad_, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.timeout))
end
"""


def read_script(token, limit, deployed_share):
    deps = ",".join(str(deployed(i)) for i in range(COMPONENTS))
    return f"LIMIT = {limit}\n" + LUA_COMMON + f"""
wrk.headers["Authorization"] = "Bearer {token}"
local dep = {{{deps}}}
function request()
  local c = math.random(0, {COMPONENTS - 1})
  local v = dep[c + 1]
  if math.random() >= {deployed_share} then v = math.random(0, {VERSIONS - 1}) end
  return wrk.format("GET", string.format(
    "/api/v1/can-i-release?component=comp-%04d&version=1.0.%d&environment={ENV}", c, v))
end
"""


def write_script(token):
    owned = ",".join(str(i) for i in range(COMPONENTS) if i % TEAMS == 0)  # team-00's components
    return "LIMIT = 0\n" + LUA_COMMON + f"""
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
local owned = {{{owned}}}
function request()
  local p = owned[math.random(#owned)]
  local body = string.format(
    '{{"interface":"comp-%04d-api","provider_version":"1.0.%d","consumer":"comp-%04d","consumer_version":"1.0.%d","success":true}}',
    p, math.random(0, {VERSIONS - 1}), (p + {COMPONENTS - 1}) % {COMPONENTS}, math.random(0, {VERSIONS - 1}))
  return wrk.format("POST", "/api/v1/verifications", nil, body)
end
"""


def wrk(broker, workdir, name, script, threads, connections, duration):
    """Runs wrk with a script made from LUA_COMMON; returns its RESULT line
    as a dict. A script with a request limit ends the run when every thread
    has reached it."""
    path = os.path.join(workdir, f"{name}.lua")
    done = os.path.join(workdir, f"{name}.done")
    shutil.rmtree(done, ignore_errors=True)
    os.makedirs(done)
    with open(path, "w") as f:
        f.write(f"DONE = {json.dumps(done)}\n" + script)
    p = subprocess.Popen(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                          "-s", path, f"http://127.0.0.1:{broker.port}"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while p.poll() is None:
        if len(os.listdir(done)) >= threads:
            p.send_signal(signal.SIGINT)
            break
        time.sleep(0.01)
    out, err = p.communicate()
    m = re.search(r"RESULT (.*)", out)
    if p.returncode != 0 or not m:
        sys.exit(f"wrk failed ({p.returncode}):\n{out}\n{err}")
    if err.strip():
        print("  wrk: " + err.strip().replace("\n", "\n  wrk: "))
    return {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def check_answers(broker, token):
    """A few can-i-release answers by hand: 200, two pairs each, outcomes."""
    outcomes = {}
    for c, v in [(c, deployed(c)) for c in (0, 1, 17, 500, 999)] + [(3, 5), (42, 12), (998, 777), (7, 3)]:
        path = "/api/v1/can-i-release?" + urllib.parse.urlencode(
            {"component": comp(c), "version": ver(v), "environment": ENV})
        status, out = broker.request("GET", path, token=token)
        if status != 200 or not isinstance(out, dict) or len(out.get("pairs", [])) != 2:
            sys.exit(f"unexpected answer to {path}: {status} {str(out)[:1000]}")
        for p in out["pairs"]:
            consumer, version = int(p["consumer"][5:]), int(p["consumer_version"].split(".")[-1])
            if p["built_against"] != ver(built_against(consumer, version)):
                sys.exit(f"unexpected pair in the answer to {path}: {p}")
            outcomes[p["outcome"]] = outcomes.get(p["outcome"], 0) + 1
    print(f"  checked 9 answers by hand: 200, 2 pairs each as seeded; outcomes {outcomes}")


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--repeat", type=int, default=3, help="measurements of each figure; medians are reported")
    ap.add_argument("--requests", type=int, default=10_000, help="can-i-release requests per measurement")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--connections", type=int, default=8, help="wrk connections")
    ap.add_argument("--write-seconds", type=int, default=10)
    ap.add_argument("--deployed-share", type=float, default=0.8,
                    help="share of can-i-release requests on a deployed version (the rest random)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory and the PostgreSQL schema")
    ap.add_argument("--treaty", help="a treaty binary to measure (default: build the release binary, "
                    "in $CARGO_TARGET_DIR when set)")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    global TREATY
    if args.treaty:
        TREATY = os.path.abspath(args.treaty)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "treaty-cli"], cwd=ROOT, check=True)
        if os.environ.get("CARGO_TARGET_DIR"):
            TREATY = os.path.join(os.environ["CARGO_TARGET_DIR"], "release", "treaty")
    if not shutil.which("wrk"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    workdir = tempfile.mkdtemp(prefix="treaty-broker-bench-")
    schema = None
    if args.database == "sqlite":
        db_path = os.path.join(workdir, "treaty.db")
        url = f"sqlite://{db_path}"
    else:
        schema = f"treaty_bench_{os.getpid()}_{int(time.time())}"
        psql_value(f"CREATE SCHEMA {schema}")
        url = f"{PG_SERVER}?options=-c%20search_path%3D{schema}"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"treaty at {commit or '?'}; store: {args.database} ({url}); work directory {workdir}")
    broker = None
    try:
        blobs = bundles()
        admin, publisher = setup_through_api(url, workdir, blobs)
        base = int(time.time() * 1000) - 3 * 86_400_000
        print(f"seeding {COMPONENTS:,} components x {VERSIONS:,} versions, "
              f"{COMPONENTS * VERSIONS:,} expectations and verifications:")
        start = time.perf_counter()
        if args.database == "sqlite":
            seed_sqlite(db_path, blobs, base)
        else:
            seed_postgres(schema, blobs, base)
        seed_s = time.perf_counter() - start
        print(f"  seeded in {seed_s:.1f} s")

        def count_verifications():
            if args.database == "sqlite":
                db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
                try:
                    return db.execute("SELECT COUNT(*) FROM verifications").fetchone()[0]
                finally:
                    db.close()
            return int(psql_value(f"SELECT COUNT(*) FROM {schema}.verifications"))

        def store_size():
            if args.database == "sqlite":
                return sum(os.path.getsize(db_path + s) for s in ("", "-wal", "-shm")
                           if os.path.exists(db_path + s))
            return int(psql_value(
                "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                f"ON n.oid = c.relnamespace WHERE n.nspname = '{schema}' AND c.relkind = 'r'"))

        seeded_size = store_size()
        broker = Broker(url, workdir, "bench")
        check_answers(broker, admin)
        wrk(broker, workdir, "warmup", read_script(admin, 1000 // args.threads, args.deployed_share),
            args.threads, args.connections, 60)

        per_thread = -(-args.requests // args.threads)
        loaded, unloaded, writes = [], [], []
        for r in range(args.repeat):
            run = wrk(broker, workdir, "read", read_script(admin, per_thread, args.deployed_share),
                      args.threads, args.connections, 300)
            loaded.append(run)
            print(f"  can-i-release, {args.threads} threads {args.connections} connections, run {r + 1}: "
                  f"{run['requests']:,} requests ({run['bad']} non-2xx, {run['errors']} socket errors), "
                  f"p50 {run['p50_us'] / 1000:.2f} ms, p99 {run['p99_us'] / 1000:.2f} ms, "
                  f"max {run['max_us'] / 1000:.1f} ms, {run['requests'] / run['duration_us'] * 1e6:,.0f} req/s")
            run = wrk(broker, workdir, "read1", read_script(admin, args.requests, args.deployed_share), 1, 1, 300)
            unloaded.append(run)
            print(f"  can-i-release, 1 connection, run {r + 1}: p50 {run['p50_us'] / 1000:.2f} ms, "
                  f"p99 {run['p99_us'] / 1000:.2f} ms ({run['bad']} non-2xx)")
            before = count_verifications()
            run = wrk(broker, workdir, "write", write_script(publisher), args.threads, args.connections,
                      args.write_seconds)
            stored = count_verifications() - before
            run["rate"] = run["ok"] / (run["duration_us"] / 1e6)
            writes.append(run)
            print(f"  verifications, {args.threads} threads {args.connections} connections, run {r + 1}: "
                  f"{run['ok']:,} acknowledged in {run['duration_us'] / 1e6:.1f} s = {run['rate']:,.0f}/s "
                  f"({run['bad']} non-2xx, {run['errors']} socket errors; {stored:,} rows stored), "
                  f"p50 {run['p50_us'] / 1000:.2f} ms, p99 {run['p99_us'] / 1000:.2f} ms")
            # Requests in flight when wrk stops are stored but not counted.
            if not run["ok"] <= stored <= run["ok"] + args.connections:
                print(f"  WARNING: {run['ok']} writes acknowledged but {stored} rows stored")
        broker.stop()
        broker = None
        final_size = store_size()

        p50, p99 = median(loaded, "p50_us") / 1000, median(loaded, "p99_us") / 1000
        u50, u99 = median(unloaded, "p50_us") / 1000, median(unloaded, "p99_us") / 1000
        rate = statistics.median(w["rate"] for w in writes)
        w50, w99 = median(writes, "p50_us") / 1000, median(writes, "p99_us") / 1000
        n = f"median of {args.repeat}"
        print(f"\nsummary ({args.database}, {n}):")
        print(f"seeding: {seed_s:.0f} s")
        print(f"can-i-release p50 ({args.threads} threads, {args.connections} connections): {p50:.2f} ms")
        print(f"can-i-release p99 ({args.threads} threads, {args.connections} connections): {p99:.2f} ms"
              f"  ratio to the 10 ms target: {p99 / P99_TARGET_MS:.2f} ({'met' if p99 < P99_TARGET_MS else 'MISSED'})")
        print(f"can-i-release p50 / p99 (1 connection): {u50:.2f} / {u99:.2f} ms"
              f"  ratio to the 10 ms target: {u99 / P99_TARGET_MS:.2f}")
        print(f"acknowledged writes/s ({args.threads} threads, {args.connections} connections): {rate:,.0f}"
              f"  ratio to the 2,000/s target: {rate / WRITES_TARGET:.2f} ({'met' if rate >= WRITES_TARGET else 'MISSED'})")
        print(f"write latency p50 / p99 ({args.threads} threads, {args.connections} connections): "
              f"{w50:.2f} / {w99:.2f} ms")
        print(f"store size: {seeded_size / 1e6:,.0f} MB seeded, {final_size / 1e6:,.0f} MB after the writes"
              + (" (database file + WAL)" if args.database == "sqlite" else " (tables, indexes, TOAST)"))
    finally:
        if broker:
            broker.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
            if schema:
                psql_value(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
