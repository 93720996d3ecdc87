#!/usr/bin/env python3
"""Peak memory of a served broker under the bundle floods of issue 11,
item 7 (figures in docs/PERFORMANCE.md, "Broker memory").

Usage: python3 bench/broker_memory.py target/debug/treaty SCENARIO [serve flags...]
SCENARIO: flood1 | flood2 (one or two 16,000,000-node bundles at once),
budget | budget2 (one or two bundles just under the node budget),
downloads (40 clients that do not read a 31 MiB bundle).
The first run creates /tmp/membroker/measure.db and a publish token; each
run starts its own `treaty serve` on 127.0.0.1:18491 and stops it; delete
/tmp/membroker afterwards."""
import json, os, pathlib, re, socket, subprocess, sys, threading, time, urllib.request

BIN, SCEN = sys.argv[1], sys.argv[2]
EXTRA = sys.argv[3:]
DB = "/tmp/membroker/measure.db"
PORT = 18491
BASE = f"http://127.0.0.1:{PORT}"

def status(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) // 1024  # MiB
    return -1

def call(method, path, token, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

def start():
    fresh = not os.path.exists(DB)
    log = open("/tmp/membroker/serve.log", "a")
    p = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{PORT}", "--database-url", f"sqlite://{DB}", *EXTRA],
                         stderr=subprocess.PIPE, stdout=log, text=True)
    admin = None
    for line in p.stderr:
        log.write(line)
        m = re.search(r"TREATY_TOKEN=(\S+)", line)
        if m: admin = m.group(1)
        if "listening" in line.lower(): break
    threading.Thread(target=lambda: [log.write(l) for l in p.stderr], daemon=True).start()
    return p, admin

def filler_bundle(nodes):
    doc = '{"openapi":"3.1.0","info":{"title":"Big","version":"1"},"paths":{},"x-filler":[' + "0," * (nodes - 1) + "0]}"
    return json.dumps({"entry": "api/big.json", "files": {"api/big.json": doc}}).encode()

def bytes_bundle(size):
    doc = json.dumps({"openapi": "3.1.0", "info": {"title": "Big", "version": "1", "description": "x" * size}, "paths": {}})
    return json.dumps({"entry": "api/big.json", "files": {"api/big.json": doc}}).encode()

pathlib.Path("/tmp/membroker").mkdir(exist_ok=True)
p, admin = start()
try:
    if admin:  # first start: set up
        call("POST", "/api/v1/teams", admin, {"id": "catalog", "name": "Catalog"})
        s, b = call("POST", "/api/v1/tokens", admin, {"team": "catalog", "scopes": ["publish"]})
        tok = json.loads(b)["token"]
        open("/tmp/membroker/token", "w").write(tok)
        call("PUT", "/api/v1/components/catalog-svc", tok, {"team": "catalog"})
        call("PUT", "/api/v1/interfaces/catalog-api", tok, {"component": "catalog-svc", "kind": "openapi"})
    tok = open("/tmp/membroker/token").read()
    base_rss = status(p.pid, "VmRSS")
    t0 = time.time()
    results = []
    if SCEN in ("flood1", "flood2"):
        n = 1 if SCEN == "flood1" else 2
        body = filler_bundle(16_000_000)
        print(f"bundle: {len(body)/2**20:.1f} MiB, 16,000,000 filler nodes")
        def up(i):
            results.append(call("PUT", f"/api/v1/interfaces/catalog-api/versions/flood-{i}", tok, raw=body))
        ts = [threading.Thread(target=up, args=(i,)) for i in range(n)]
        [t.start() for t in ts]; [t.join() for t in ts]
    elif SCEN == "budget":
        body = filler_bundle(990_000)
        print(f"bundle: {len(body)/2**20:.1f} MiB, 990,000 filler nodes")
        results.append(call("PUT", "/api/v1/interfaces/catalog-api/versions/near-budget", tok, raw=body))
    elif SCEN == "budget2":
        body = filler_bundle(990_000)
        def up(i):
            results.append(call("PUT", f"/api/v1/interfaces/catalog-api/versions/near-budget-{i}", tok, raw=body))
        ts = [threading.Thread(target=up, args=(i,)) for i in range(2)]
        [t.start() for t in ts]; [t.join() for t in ts]
    elif SCEN == "downloads":
        body = bytes_bundle(31 * 2**20)
        print(f"bundle: {len(body)/2**20:.1f} MiB")
        results.append(call("PUT", "/api/v1/interfaces/catalog-api/versions/big-bytes", tok, raw=body)[:1])
        mid = status(p.pid, "VmRSS")
        print(f"after publishing it: VmHWM {status(p.pid,'VmHWM')} MiB, VmRSS {mid} MiB")
        socks = []
        for i in range(40):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", PORT))
            s.sendall(f"GET /api/v1/interfaces/catalog-api/versions/big-bytes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\r\n".encode())
            socks.append(s)
        time.sleep(8)
        codes = {}
        for s in socks:
            s.settimeout(2)
            try:
                head = s.recv(64).decode(errors="replace").split("\r\n")[0]
            except Exception as e:
                head = "no answer"
            codes[head] = codes.get(head, 0) + 1
        results.append(codes)
        print(f"40 unread downloads held: VmRSS {status(p.pid, 'VmRSS')} MiB (anon {status(p.pid, 'RssAnon')}, file {status(p.pid, 'RssFile')}), VmHWM {status(p.pid, 'VmHWM')}")
        [s.close() for s in socks]
        time.sleep(2)
    print("answers:", [(r[0], r[1][:160]) if isinstance(r, tuple) and len(r) > 1 else r for r in results])
    print(f"{SCEN}: {time.time()-t0:.1f} s; VmRSS before {base_rss} MiB, peak VmHWM {status(p.pid,'VmHWM')} MiB, VmRSS after {status(p.pid,'VmRSS')} MiB (anon {status(p.pid,'RssAnon')}, file {status(p.pid,'RssFile')})")
finally:
    p.terminate(); p.wait()
