#!/usr/bin/env python3
"""An independent check of a Treaty decision log export, written from the
specifications alone (C2SP signed-note, C2SP tlog-checkpoint, RFC 6962)
with the `cryptography` package's Ed25519: the verifier key's id, the
checkpoint's signature, and the tree head recomputed from the entries.

usage: verify_export.py VERIFIER_KEY EXPORT_FILE
Prints `ok <origin> <size> <root-base64>` and exits 0, or says why not and
exits 1.
"""

import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(why):
    print(f"FAILED: {why}")
    sys.exit(1)


def parse_verifier(text):
    name, key_id, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64)
    if raw[0] != 0x01 or len(raw) != 33:
        fail("not an Ed25519 verifier key")
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if expected.hex() != key_id:
        fail("the key id does not match the name and key")
    return name, expected, Ed25519PublicKey.from_public_bytes(raw[1:])


def open_note(note, name, key_id, key):
    split = note.rindex("\n\n")
    body, sigs = note[: split + 1], note[split + 2 :]
    for line in sigs.rstrip("\n").split("\n"):
        if not line.startswith("\u2014 "):
            fail(f"not a signature line: {line!r}")
        signer, b64 = line[2:].split(" ", 1)
        raw = base64.b64decode(b64)
        if signer == name and raw[:4] == key_id:
            try:
                key.verify(raw[4:], body.encode())
            except InvalidSignature:
                fail("the checkpoint's signature does not verify")
            return body
    fail("no signature by the key")


def mth(hashes):
    """RFC 6962 MTH over leaf hashes, split at the largest power of two."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def main():
    key_text, path = sys.argv[1], sys.argv[2]
    name, key_id, key = parse_verifier(key_text)
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    trailer = json.loads(lines.pop())
    body = open_note(trailer["checkpoint"], name, key_id, key)
    origin, size, root = body.rstrip("\n").split("\n")[:3]
    leaves = [hashlib.sha256(b"\x00" + line).digest() for line in lines]
    for i, line in enumerate(lines):
        if json.loads(line)["index"] != i:
            fail(f"line {i + 1}: index out of place")
    if int(size) != len(leaves):
        fail(f"{len(leaves)} entries, checkpoint says {size}")
    computed = mth(leaves) if leaves else hashlib.sha256(b"").digest()
    if base64.b64encode(computed).decode() != root:
        fail("the entries do not hash to the signed root")
    print(f"ok {origin} {size} {root}")


main()
