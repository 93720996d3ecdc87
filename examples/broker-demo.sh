#!/usr/bin/env bash
# A tour of the broker on the example workspace: start `treaty serve` on a
# temporary SQLite file, publish catalog-api 3.2.0, record that checkout 41
# was built against it, deploy both to production, then ask whether a
# catalog 3.3.0 that drops an operation checkout uses may be released.
#
#   bash examples/broker-demo.sh        (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p treaty-cli
treaty=target/release/treaty
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

$treaty serve --listen 127.0.0.1:18089 --database-url "sqlite://$work/treaty.db" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 1 50); do grep -q TREATY_TOKEN= "$work/serve.log" && break; sleep 0.1; done
export TREATY_BROKER=http://127.0.0.1:18089
admin=$(sed -n 's/^TREATY_TOKEN=//p' "$work/serve.log")
for _ in $(seq 1 50); do curl -sf "$TREATY_BROKER/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

run() {
  echo "\$ treaty $*"
  local status=0
  "$treaty" "$@" || status=$?
  echo "(exit $status)"
  echo
  return $status
}

export TREATY_TOKEN=$admin
run team create catalog --name Catalog
run team create checkout --name Checkout
run environment create production
catalog=$("$treaty" token create --team catalog --scope publish 2>/dev/null)
checkout=$("$treaty" token create --team checkout --scope publish 2>/dev/null)

TREATY_TOKEN=$catalog run publish catalog-api --version 3.2.0 --dir examples/acme
TREATY_TOKEN=$checkout run expect catalog-api --component checkout --version 41 --built-against 3.2.0 --dir examples/acme
TREATY_TOKEN=$checkout run record-deployment --component checkout --version 41 --environment production
TREATY_TOKEN=$catalog run record-deployment --component catalog --version 3.2.0 --environment production

# catalog 3.3.0 drops GET /products/{sku}, which checkout uses.
cp -r examples/acme "$work/acme"
python3 - "$work/acme/schemas/catalog-api.openapi.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
del doc["paths"]["/products/{sku}"]
json.dump(doc, open(path, "w"), indent=2)
PY
TREATY_TOKEN=$catalog run publish catalog-api --version 3.3.0 --dir "$work/acme"
TREATY_TOKEN=$catalog run can-i-release --component catalog --version 3.3.0 --environment production || true
TREATY_TOKEN=$catalog run can-i-release --component catalog --version 3.2.0 --environment production
