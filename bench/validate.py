#!/usr/bin/env python3
"""Times `treaty validate` on the example workspace and on a generated large
one (200 teams, 1,000 interfaces with their schema files, 10 releases of 50
scope items), and prints the median wall time of 15 runs each and its ratio
to the 1-second budget users expect. Usage: python3 bench/validate.py"""
import os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "treaty")
RUNS = 15


def build():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "treaty-cli"], cwd=ROOT, check=True)


def generate(root):
    teams, interfaces, releases = 200, 1000, 10
    os.makedirs(f"{root}/teams"); os.makedirs(f"{root}/interfaces")
    os.makedirs(f"{root}/releases"); os.makedirs(f"{root}/schemas")
    with open(f"{root}/treaty.yaml", "w") as f:
        f.write("version: 1\norganization: {id: big, name: Big}\n"
                "governance:\n  steering_group: [team-0, team-1]\n  quorum: 2\n")
    for t in range(teams):
        with open(f"{root}/teams/team-{t}.yaml", "w") as f:
            f.write(f"id: team-{t}\nname: Team {t}\nmembers:\n  - id: lead\n    name: Lead\n"
                    f"    email: lead{t}@example.com\ncontacts:\n  webhook: https://hooks.example.com/{t}\n"
                    f"escalation:\n  - to: lead\n    after: 1h\n  - to: team-{(t + 1) % teams}\n    after: 1d\n")
    for i in range(interfaces):
        consumers = "".join(f"  - team: team-{(i + k) % teams}\n    uses:\n      operations: [op{k}]\n"
                            for k in range(1, 4))
        with open(f"{root}/interfaces/api-{i}.yaml", "w") as f:
            f.write(f"id: api-{i}\nkind: openapi\nschema: schemas/api-{i}.yaml\nproducer: team-{i % teams}\n"
                    f"consumers:\n{consumers}compatibility: backward\n"
                    f"versioning: {{scheme: semver, current: 1.{i}.0}}\n")
        with open(f"{root}/schemas/api-{i}.yaml", "w") as f:
            f.write("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n")
            for p in range(20):
                f.write(f"  /things{p}/{{id}}:\n    get:\n      operationId: op{p}\n      responses:\n"
                        f"        '200': {{description: ok}}\n")
    for r in range(releases):
        with open(f"{root}/releases/r{r}.yaml", "w") as f:
            f.write(f"id: r{r}\nmilestones:\n  feature_freeze: 2030-01-01\n  ship: 2030-02-01\nscope:\n")
            for k in range(50):
                deps = f"    depends_on: [{{item: item-{k - 1}}}]\n" if k else ""
                f.write(f"  - id: item-{k}\n    title: Item {k}\n    owner: team-{k}\n"
                        f"    interfaces: [api-{k}]\n{deps}    done:\n      - id: tests\n"
                        f"        description: Tests pass\n        evidence: {{kind: junit, source: r.xml}}\n"
                        f"        threshold: {{metric: pass_rate, min: 1.0}}\n")


def median_time(ws):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        out = subprocess.run([BIN, "validate", ws, "--today", "2026-11-24"], capture_output=True)
        times.append(time.perf_counter() - start)
        if out.returncode != 0:
            sys.exit(f"validate failed on {ws}:\n{out.stdout.decode()[-2000:]}")
    return statistics.median(times)


def main():
    build()
    with tempfile.TemporaryDirectory() as tmp:
        generate(tmp)
        nfiles = sum(len(fs) for _, _, fs in os.walk(tmp))
        for name, ws in [("examples/acme", os.path.join(ROOT, "examples", "acme")),
                         (f"generated ({nfiles} files)", tmp)]:
            t = median_time(ws)
            print(f"{name:32} median {t * 1000:8.1f} ms  = {t:.3f}x the 1 s budget")


if __name__ == "__main__":
    main()
