"""Verifies webhook deliveries captured by a Rust test with the reference
Python implementation of Standard Webhooks (`standardwebhooks` from PyPI),
which shares no code with the broker.

Input: a JSON file of cases, each {"name", "secret", "headers", "body",
"expect"} where "expect" is "valid" or the start of the error the library
must raise (e.g. "Message timestamp too old"). Prints one line per case and
"N passed, M failed"; exits 1 if any case did not go as expected.
"""

import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    passed = failed = 0
    for case in cases:
        outcome = "valid"
        try:
            Webhook(case["secret"]).verify(case["body"], case["headers"])
        except WebhookVerificationError as e:
            outcome = str(e)
        ok = outcome.startswith(case["expect"])
        passed += ok
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {case['name']}: expected {case['expect']!r}, got {outcome!r}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
