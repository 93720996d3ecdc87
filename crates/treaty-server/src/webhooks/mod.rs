//! Webhook notifications, from the outbox to the teams' receivers:
//! `deliver` is the worker `treaty serve` runs (claim, POST, log,
//! reschedule), `sign` the Standard Webhooks signature, `schedule` the
//! retry schedule (pure: attempts in, delay out), `address` the SSRF
//! guard's decision (pure) and `resolve` the resolver that applies it to
//! every name the client connects to.

pub mod address;
mod deliver;
mod resolve;
pub mod schedule;
pub mod sign;

use std::time::Duration;

pub(crate) use deliver::error_chain;
pub use deliver::{DeliveryWorker, StartError};
use ipnet::IpNet;
pub use schedule::Backoff;

/// How the broker delivers webhooks; the CLI fills it from flags.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Address ranges deliveries may go to although they are not public
    /// (`treaty serve --webhook-allow CIDR`): a receiver on the operator's
    /// own network, or a test's on loopback.
    pub allow: Vec<IpNet>,
    /// The retry schedule (scaled down only by tests).
    pub backoff: Backoff,
    /// How long a claimed event is this broker's: longer than a delivery
    /// may take. A broker that dies holding a claim loses it after this.
    pub lease: Duration,
    /// Longest one delivery (connect, send, answer) may take; at most half
    /// the lease (the worker shortens it if needed).
    pub timeout: Duration,
    /// How often the outbox is looked at when it had nothing due.
    pub poll: Duration,
    /// Events claimed and delivered at once, at most.
    pub batch: i64,
}

impl Default for WebhookConfig {
    fn default() -> WebhookConfig {
        WebhookConfig {
            allow: Vec::new(),
            backoff: Backoff::default(),
            lease: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            batch: 16,
        }
    }
}
