//! Pact files as consumer expectations, checked against the provider's
//! OpenAPI description (what is sold elsewhere as bi-directional contract
//! testing).
//!
//! [`read`] turns the bytes of a Pact file (specification v2, v3 or v4)
//! into a [`Pact`]: HTTP interactions and messages with their matching
//! rules; plugin interactions are read and listed in [`Pact::skipped`].
//! [`compare`] checks every HTTP interaction against an OpenAPI 3.0 or 3.1
//! document, given as a `serde_json::Value` (the caller parses YAML;
//! [`to_json`] turns a `treaty_syntax` tree into one), and returns
//! [`Finding`]s with the result codes of PactFlow's comparator
//! (`request.path-or-method.unknown`, `response.body.incompatible`, …;
//! [`CODES`] lists them).
//!
//! What it is not: a Pact mock server or verifier (nothing is sent over
//! the network), nor a reader of files or URLs: it takes bytes and values,
//! and has no clock.
//!
//! [`compare_messages`] checks the messages a consumer expects (v3 message
//! pacts, v4 `Asynchronous/Messages`) and both sides of v4
//! `Synchronous/Messages` (the request against what the provider
//! receives, the replies against an AsyncAPI 3 operation's `reply`)
//! against an AsyncAPI 2.x or 3.x document's messages, with Treaty's own
//! `message.*` codes.

#![warn(missing_docs)]

mod compare;
mod matching;
mod pact;

pub use compare::{
    CODES, Finding, Level, compare, compare_each, compare_messages, compare_messages_each,
};
pub use matching::{Matcher, Rules};
pub use pact::{
    Body, CHANNEL_KEYS, Exchange, Interaction, LIMITS, MAX_INTERACTIONS, Message, Pact, PactError,
    Request, Response, Skipped, read, to_json,
};
