//! The broker's records of a train as `treaty review --broker` counts
//! them: each escalation step sent, at the moment it was sent; each gate
//! override the broker judges approved, at the moment governance's
//! approvers were all in, with who asked, for which environment and why.
//! Overrides pending or rejected are not counted: nothing shipped on them.
//! And the broker's proposals and waivers, each with the decisions taken
//! on its current change set (or terms), on the day each was taken.

use treaty_core::governance::{self, Decision, Subject};
use treaty_core::model::{CalendarDate, ChangeKind, Governance};
use treaty_core::review::{Decided, ProposalRecord, Recorded, WaiverRecord};
use treaty_server::api::{self, EscalationStepSent, Override};

use crate::broker::Broker;
use crate::broker::gate::{TrainRecords, train_records};

/// A train's escalations and approved overrides, for the review.
#[derive(Debug, Default)]
pub struct Records {
    pub escalations: Vec<Recorded>,
    pub overrides: Vec<Recorded>,
}

/// The records of `release`, which the broker must know.
pub fn of_release(
    broker: &Broker,
    release: &str,
    governance: &Governance,
) -> Result<Records, String> {
    match train_records(broker, release).map_err(|e| e.0)? {
        Some(records) => convert(&records, governance),
        None => Err(format!(
            "the broker at {} has no release train `{release}`: publish it with `treaty release publish {release}`, or review without --broker",
            broker.url
        )),
    }
}

/// The records of the previous release: none when the broker never had
/// its train (it may predate the broker).
pub fn of_previous(
    broker: &Broker,
    release: &str,
    governance: &Governance,
) -> Result<Records, String> {
    match train_records(broker, release).map_err(|e| e.0)? {
        Some(records) => convert(&records, governance),
        None => Ok(Records::default()),
    }
}

fn convert(records: &TrainRecords, governance: &Governance) -> Result<Records, String> {
    let escalations = records
        .escalations
        .iter()
        .map(escalation)
        .collect::<Result<_, _>>()?;
    let mut overrides = Vec::new();
    for o in &records.overrides {
        if let Some(r) = approved_override(o, governance)? {
            overrides.push(r);
        }
    }
    Ok(Records {
        escalations,
        overrides,
    })
}

fn escalation(s: &EscalationStepSent) -> Result<Recorded, String> {
    let at: jiff::Timestamp = s.sent_at.parse().map_err(|e| {
        format!(
            "the broker's escalation step `{}` was sent at `{}`, which is not an RFC 3339 moment: {e}",
            s.key, s.sent_at
        )
    })?;
    Ok(Recorded {
        at,
        what: format!(
            "escalation step `{}` ({}) sent to {} on {}'s path: {}",
            s.key, s.rule, s.to, s.team, s.message
        ),
    })
}

/// An override the broker judges approved, at the moment it became so.
fn approved_override(o: &Override, governance: &Governance) -> Result<Option<Recorded>, String> {
    if o.verdict != "approved" {
        return Ok(None);
    }
    let moment = |ms: i64, what: &str| {
        jiff::Timestamp::from_millisecond(ms).map_err(|e| {
            format!(
                "the broker's override {} has {what} at {ms} ms, not a moment: {e}",
                o.id
            )
        })
    };
    let mut decisions = Vec::with_capacity(o.decisions.len());
    for d in &o.decisions {
        let decision = Decision::parse(&d.decision).ok_or_else(|| {
            format!(
                "the broker says {} decided `{}` on override {}, a decision this Treaty does not know",
                d.team, d.decision, o.id
            )
        })?;
        decisions.push((d.team.clone(), decision, moment(d.at, "a decision")?));
    }
    let approved_by: Vec<&str> = decisions
        .iter()
        .filter(|(_, d, _)| *d == Decision::Approve)
        .map(|(team, _, _)| team.as_str())
        .collect();
    // The broker judges by its train's governance; when the workspace's
    // reads the decisions otherwise, the last approval is when it was.
    let at = match governance::approved_at(
        governance,
        ChangeKind::GateOverride,
        &Subject::default(),
        &decisions,
    ) {
        Some(at) => at,
        None => match decisions
            .iter()
            .rev()
            .find(|(_, d, _)| *d == Decision::Approve)
        {
            Some((_, _, at)) => *at,
            None => moment(o.requested_at, "been asked")?,
        },
    };
    Ok(Some(Recorded {
        at,
        what: format!(
            "override {} of the {} gate asked by {}, approved by {}: {}",
            o.id,
            o.environment,
            o.requested_by,
            if approved_by.is_empty() {
                "nobody".to_owned()
            } else {
                approved_by.join(", ")
            },
            o.reason
        ),
    }))
}

/// Every proposal and waiver on the broker (its newest thousand of each),
/// as the review reads them; the review picks those of its releases.
pub fn proposals(broker: &Broker) -> Result<(Vec<ProposalRecord>, Vec<WaiverRecord>), String> {
    let read = |kind| crate::broker::proposals::list_all(broker, kind).map_err(|e| e.0);
    let proposals = read("breaking")?
        .iter()
        .map(|p| {
            Ok(ProposalRecord {
                id: p.id.clone(),
                interface: p.interface.clone(),
                target_release: p.target_release.clone(),
                decisions: decided(p)?,
            })
        })
        .collect::<Result<_, String>>()?;
    let waivers = read("waiver")?
        .iter()
        .map(|w| {
            let expires = w.expires.as_deref().unwrap_or_default();
            let expires: CalendarDate = expires.parse().map_err(|e| {
                format!(
                    "the broker's waiver {} has no readable last day (`{expires}`): {e}",
                    w.id
                )
            })?;
            Ok(WaiverRecord {
                id: w.id.clone(),
                interface: w.interface.clone(),
                rules: w.rules.clone(),
                expires,
                decisions: decided(w)?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok((proposals, waivers))
}

/// The decisions on `p`'s current change set, as the check counts them.
fn decided(p: &api::Proposal) -> Result<Vec<Decided>, String> {
    p.decisions
        .iter()
        .filter(|d| d.change_set == p.change_set)
        .map(|d| {
            let decision = Decision::parse(&d.decision).ok_or_else(|| {
                format!(
                    "the broker says {} decided `{}` on {}, a decision this Treaty does not know",
                    d.team, d.decision, p.id
                )
            })?;
            let at = jiff::Timestamp::from_millisecond(d.at).map_err(|e| {
                format!(
                    "the broker's decision of {} on {} is at {} ms, not a moment: {e}",
                    d.team, p.id, d.at
                )
            })?;
            Ok(Decided {
                team: d.team.clone(),
                decision,
                on: CalendarDate(at.to_zoned(jiff::tz::TimeZone::UTC).date()),
            })
        })
        .collect()
}
