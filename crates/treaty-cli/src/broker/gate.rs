//! The release gate asked of a broker: `GET /api/v1/trains/{id}/gate`,
//! for `treaty gate --broker`; the escalation steps it sent, `GET
//! /api/v1/trains/{id}/escalations`, for `treaty escalations --broker`;
//! and what `treaty review --broker` reads of a train: those steps and
//! its gate overrides.
//!
//! The broker answers `treaty_core::gate::GateVerdict` serialized; it is
//! read back as one, so that both modes print alike.

use std::collections::BTreeMap;

use treaty_core::gate::GateVerdict;

use super::http::{Broker, Result, enc};

/// Asks the broker whether `release` may ship to `environment` with the
/// component versions `shipping`; `now` (RFC 3339) only where the broker
/// allows it (tests).
pub fn ask(
    broker: &Broker,
    release: &str,
    environment: &str,
    shipping: &BTreeMap<String, String>,
    now: Option<&str>,
) -> Result<GateVerdict> {
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
    broker.get::<GateVerdict>(&path)
}

/// The escalation steps the broker sent for `release`, in the order sent.
pub fn escalations_sent(
    broker: &Broker,
    release: &str,
) -> Result<Vec<treaty_server::api::EscalationStepSent>> {
    broker.get(&format!("/api/v1/trains/{}/escalations", enc(release)))
}

/// What the broker recorded of a train for its review: the escalation
/// steps it sent and the gate overrides asked, with their decisions.
#[derive(Debug, Default)]
pub struct TrainRecords {
    pub escalations: Vec<treaty_server::api::EscalationStepSent>,
    pub overrides: Vec<treaty_server::api::Override>,
}

/// The records of `release`; `None` when the broker does not know the
/// train (it was never published).
pub fn train_records(broker: &Broker, release: &str) -> Result<Option<TrainRecords>> {
    let train = format!("/api/v1/trains/{}", enc(release));
    // Only whether it exists matters here, not the content.
    if broker
        .get_unless_missing::<serde::de::IgnoredAny>(&train)?
        .is_none()
    {
        return Ok(None);
    }
    Ok(Some(TrainRecords {
        escalations: escalations_sent(broker, release)?,
        overrides: broker.get(&format!("{train}/overrides"))?,
    }))
}

/// The status digests the broker sent `team`, the newest first.
pub fn digests_sent(broker: &Broker, team: &str) -> Result<Vec<treaty_server::api::DigestSent>> {
    broker.get(&format!("/api/v1/teams/{}/digests", enc(team)))
}
