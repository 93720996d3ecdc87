//! Talking to a broker (`client`, over `http`, with typed `requests`;
//! `notifications` for webhooks and their deliveries; `releases` for
//! released versions; `trains` for release trains and their evidence,
//! `gate` for the release gate on the broker, `blockers` for a train's
//! blockers and gate overrides) and running one
//! (`serve`).

pub mod blockers;
pub mod client;
pub mod gate;
mod http;
pub mod log;
pub mod notifications;
pub mod proposals;
pub mod releases;
pub mod serve;
pub mod trains;

use crate::exit::{self, Exit};

pub use http::{Broker, Failure};

/// A broker command's outcome: its line on stdout and 0, or the failure
/// on stderr and 2.
pub fn report(outcome: Result<String, Failure>) -> Exit {
    outcome.map_or_else(failed, |line| {
        crate::commands::say(format_args!("{line}"));
        Exit::Success
    })
}

/// A broker command that failed: its message, exit 2.
pub fn failed(Failure(message): Failure) -> Exit {
    exit::error(message)
}
