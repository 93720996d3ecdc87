"""Verifies provider `payments` with pact-python's verifier (the Pact
FFI's, written in Rust) against the pacts a Pact broker selects for it,
and publishes the results there: what a provider's CI runs.

Usage: verify.py BROKER_URL TOKEN PROVIDER_URL PROVIDER_VERSION
Run by crates/treaty-cli/tests/pact_verifier.rs."""

import sys

from pact import Verifier

broker, token, provider_url, version = sys.argv[1:5]
(
    Verifier("payments", host="127.0.0.1")
    .add_transport(url=provider_url)
    .broker_source(broker, token=token, use_env=False)
    .set_publish_options(version=version, branch="main")
    .verify()
)
print("verified and published")
