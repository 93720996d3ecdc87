//! The release gate asked of a broker: `GET /api/v1/trains/{id}/gate`,
//! for `treaty gate --broker`.
//!
//! The broker answers `treaty_core::gate::GateVerdict` serialized; that
//! type is not deserializable (its reason codes are `&'static str`), so the
//! answer is handed back as JSON, with [`BrokerVerdict::is_go`] for the
//! exit code.

use std::collections::BTreeMap;

use super::http::{Broker, Result, enc};

/// The broker's verdict, as it sent it.
#[derive(Debug, Clone)]
pub struct BrokerVerdict(pub serde_json::Value);

impl BrokerVerdict {
    /// Whether the broker answered go.
    pub fn is_go(&self) -> bool {
        self.0["decision"] == "go"
    }
}

/// Asks the broker whether `release` may ship to `environment` with the
/// component versions `shipping`; `now` (RFC 3339) only where the broker
/// allows it (tests).
pub fn ask(
    broker: &Broker,
    release: &str,
    environment: &str,
    shipping: &BTreeMap<String, String>,
    now: Option<&str>,
) -> Result<BrokerVerdict> {
    let mut path = format!(
        "/api/v1/trains/{}/gate?environment={}",
        enc(release),
        enc(environment)
    );
    for (component, version) in shipping {
        path.push_str(&format!("&ship={}", enc(&format!("{component}={version}"))));
    }
    if let Some(now) = now {
        path.push_str(&format!("&now={}", enc(now)));
    }
    broker.get::<serde_json::Value>(&path).map(BrokerVerdict)
}
