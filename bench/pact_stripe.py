#!/usr/bin/env python3
"""A Pact file of 82 interactions against Stripe's OpenAPI description,
for timing `treaty pact check` on a large description (docs/PERFORMANCE.md).

Each interaction is a GET of one of the first 82 GET operations (path
parameters filled with `x`), expecting 200 and the body Stripe's list
endpoints answer, so that every response body is validated against its
schema. Findings do not matter here; the time does.

Usage: bench/pact_stripe.py SPEC.json > target/stripe-pact.json
"""
import json
import re
import sys

spec = json.load(open(sys.argv[1]))
interactions = []
for path, item in sorted(spec["paths"].items()):
    if "get" not in item:
        continue
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    interactions.append({
        "description": f"get {path}",
        "request": {"method": "GET", "path": concrete},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": {"object": "list", "data": [], "has_more": False, "url": concrete},
        },
    })
    if len(interactions) == 82:
        break
json.dump({
    "consumer": {"name": "bench"},
    "provider": {"name": "stripe"},
    "interactions": interactions,
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
}, sys.stdout, indent=1)
