#!/usr/bin/env python3
"""Writes the official SARIF 2.1.0 JSON Schema (OASIS) to a file, for the
test that validates Treaty's SARIF against it (crates/treaty-cli/tests/
ci_formats.rs, which reads it from TREATY_SARIF_SCHEMA).

The schema is taken from the serde-sarif crate on crates.io, which ships
it unchanged as src/schema.json (its "$id" is the OASIS sarif-spec
repository's Schemata/sarif-schema-2.1.0.json). Both the crate archive
and the schema are pinned by SHA-256: another file is refused.

Usage: sarif-schema.py OUT_FILE
"""

import hashlib
import io
import sys
import tarfile
import urllib.request

CRATE_URL = "https://static.crates.io/crates/serde-sarif/serde-sarif-0.8.0.crate"
CRATE_SHA256 = "a053c46f18a8043570d4e32fefc4c6377f82bf29ec310a33e93f273048e3b0be"
MEMBER = "serde-sarif-0.8.0/src/schema.json"
SCHEMA_SHA256 = "af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    try:
        with open(out, "rb") as f:
            if sha256(f.read()) == SCHEMA_SHA256:
                return 0
    except OSError:
        pass
    with urllib.request.urlopen(CRATE_URL, timeout=60) as response:
        crate = response.read()
    if sha256(crate) != CRATE_SHA256:
        print(f"error: {CRATE_URL} is not the pinned archive", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(crate), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            print(f"error: {MEMBER} is missing from the archive", file=sys.stderr)
            return 1
        schema = member.read()
    if sha256(schema) != SCHEMA_SHA256:
        print(f"error: {MEMBER} is not the pinned schema", file=sys.stderr)
        return 1
    with open(out, "wb") as f:
        f.write(schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
