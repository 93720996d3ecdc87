//! When something goes wrong with a release, who hears of it, by rule.
//!
//! [`escalations`] lists the conditions that call for one, each with a
//! stable key, the team whose escalation path is walked and the moment the
//! condition began: a blocker past the deadline its severity's SLA gives
//! ([`blocker_deadline`]), an essential item still missing after code
//! freeze, a release past its ship date and not shipped, a dependency of
//! high variability still open shortly before feature freeze, a gate
//! failing shortly before the ship date. [`due_steps`] walks each team's
//! path (`escalation` in its file: who, and how long after the condition
//! began) and returns the steps due by `now`, each keyed so that whoever
//! sends them can send each exactly once.
//!
//! Pure: the time and every fact are arguments; the broker keeps the
//! timers and the record of what was sent.

use serde::Serialize;

use crate::gate::{GateInput, GateVerdict, ItemState, Weight};
use crate::model::{BlockerSlas, ReleaseStatus, Severity, Team, Variability};

/// What calls for an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationRule {
    /// A blocker is still open past its deadline.
    BlockerOverdue,
    /// An essential scope item is still missing after code freeze.
    CodeFreezeMissed,
    /// The ship date passed and the release is not shipped.
    ShipDateMissed,
    /// A dependency of high variability is still open shortly before
    /// feature freeze.
    DependencyOpen,
    /// The gate says no-go shortly before the ship date.
    GateFailing,
}

/// A condition that calls for an escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    /// Stable for as long as the condition lasts (`blocker/b-1`,
    /// `gate/2027-01/production`): the steps sent are recorded under it.
    pub key: String,
    /// Why.
    pub rule: EscalationRule,
    /// The team whose escalation path is walked.
    pub team: String,
    /// When the condition began: each step's `after` counts from here.
    pub since: jiff::Timestamp,
    /// What is wrong, in words.
    pub message: String,
}

/// One step of an escalation that is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueStep {
    /// The escalation's key and the step's position: `blocker/b-1#2`.
    pub key: String,
    /// Who is told, as the path names it: a member of the team (by
    /// handle) or another team.
    pub to: String,
    /// The moment the step became due.
    pub due_at: jiff::Timestamp,
    /// The escalation it belongs to.
    pub escalation: Escalation,
}

/// When a blocker of `severity` raised at `raised_at` must be resolved
/// by, from governance's SLA for that severity; none when governance sets
/// none.
pub fn blocker_deadline(
    slas: &BlockerSlas,
    severity: Severity,
    raised_at: jiff::Timestamp,
) -> Option<jiff::Timestamp> {
    let sla = match severity {
        Severity::Critical => slas.critical.as_ref(),
        Severity::High => slas.high.as_ref(),
        Severity::Medium => slas.medium.as_ref(),
        Severity::Low => slas.low.as_ref(),
    }?;
    let minutes = i64::try_from(sla.value.minutes()).ok()?;
    raised_at
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .ok()
}

/// The start of a day, in UTC.
fn midnight(date: jiff::civil::Date) -> Option<jiff::Timestamp> {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn days_before(date: jiff::civil::Date, lead: crate::model::Duration) -> Option<jiff::Timestamp> {
    let minutes = i64::try_from(lead.minutes()).ok()?;
    midnight(date)?
        .checked_sub(jiff::SignedDuration::from_mins(minutes))
        .ok()
}

/// Every condition of `input.release` that calls for an escalation at
/// `input.now`, given the gate's `verdict` on the same input.
pub fn escalations(input: &GateInput<'_>, verdict: &GateVerdict) -> Vec<Escalation> {
    let mut out = Vec::new();
    let release = input.release;
    let id = release.id.value.as_str();
    let now = input.now;
    let owner_of = |item: &str| {
        release
            .scope
            .iter()
            .find(|i| i.id.value == item)
            .and_then(|i| i.owner.as_ref())
            .map(|o| o.value.clone())
    };
    for b in input.blockers {
        if let Some(deadline) = b.deadline.filter(|d| *d <= now) {
            out.push(Escalation {
                key: format!("blocker/{}", b.id),
                rule: EscalationRule::BlockerOverdue,
                team: b.team.clone(),
                since: deadline,
                message: format!(
                    "{} blocker {} of release {id} passed its deadline {deadline}: {}",
                    b.severity.as_str(),
                    b.id,
                    b.title
                ),
            });
        }
    }
    let open = matches!(
        release.status,
        ReleaseStatus::Planned | ReleaseStatus::Active
    );
    if !open {
        return out;
    }
    let m = &release.milestones;
    // A milestone is missed from the day after it.
    let after = |d: jiff::civil::Date| d.tomorrow().ok().and_then(midnight);
    if let Some(since) = m.code_freeze.as_ref().and_then(|c| after(c.value.0))
        && since <= now
    {
        for item in verdict
            .items
            .iter()
            .filter(|i| i.state == ItemState::Missing)
        {
            out.push(Escalation {
                key: format!("code-freeze/{id}/{}", item.id),
                rule: EscalationRule::CodeFreezeMissed,
                team: item.owner.clone(),
                since,
                message: format!(
                    "`{}` of release {id} is essential and still not done after code freeze ({})",
                    item.id,
                    m.code_freeze
                        .as_ref()
                        .map(|c| c.value.to_string())
                        .unwrap_or_default()
                ),
            });
        }
    }
    if let Some(since) = after(m.ship.value.0)
        && since <= now
    {
        let late: Vec<&str> = verdict
            .items
            .iter()
            .filter(|i| i.state == ItemState::Missing)
            .map(|i| i.id.as_str())
            .collect();
        let mut teams: Vec<String> = verdict
            .items
            .iter()
            .filter(|i| i.state == ItemState::Missing)
            .map(|i| i.owner.clone())
            .collect();
        if teams.is_empty() {
            teams = input
                .governance
                .steering_group
                .iter()
                .map(|t| t.value.clone())
                .collect();
        }
        teams.sort();
        teams.dedup();
        for team in teams {
            out.push(Escalation {
                key: format!("ship/{id}/{team}"),
                rule: EscalationRule::ShipDateMissed,
                team,
                since,
                message: if late.is_empty() {
                    format!(
                        "release {id} was due on {} and is not marked shipped",
                        m.ship.value
                    )
                } else {
                    format!(
                        "release {id} was due on {} and has not shipped: {} still missing",
                        m.ship.value,
                        late.join(", ")
                    )
                },
            });
        }
    }
    let rules = &input.governance.escalation;
    if let (Some(freeze), Some(lead)) = (
        m.feature_freeze.as_ref(),
        rules.open_dependency_before_feature_freeze.as_ref(),
    ) && let Some(since) = days_before(freeze.value.0, lead.value)
        && since <= now
    {
        for item in &release.scope {
            for dep in item
                .depends_on
                .iter()
                .filter(|d| d.variability == Some(Variability::High))
            {
                let live = verdict
                    .items
                    .iter()
                    .any(|v| v.id == dep.item.value && v.state == ItemState::Live);
                let Some(team) = owner_of(&dep.item.value) else {
                    continue;
                };
                if live {
                    continue;
                }
                out.push(Escalation {
                    key: format!("dependency/{id}/{}/{}", item.id.value, dep.item.value),
                    rule: EscalationRule::DependencyOpen,
                    team,
                    since,
                    message: format!(
                        "`{}` depends on `{}` (high variability), still not done {} before feature freeze ({})",
                        item.id.value, dep.item.value, lead.value, freeze.value
                    ),
                });
            }
        }
    }
    if let Some(lead) = rules.failing_gate_before_ship.as_ref()
        && let Some(since) = days_before(m.ship.value.0, lead.value)
        && since <= now
        && !verdict.is_go()
    {
        let mut teams: Vec<String> = verdict
            .items
            .iter()
            .filter(|i| i.state == ItemState::Missing)
            .map(|i| i.owner.clone())
            .collect();
        if teams.is_empty()
            || verdict
                .reasons
                .iter()
                .any(|r| r.weight == Weight::Blocking && !r.code.starts_with("item-"))
        {
            teams.extend(
                input
                    .governance
                    .steering_group
                    .iter()
                    .map(|t| t.value.clone()),
            );
        }
        teams.sort();
        teams.dedup();
        let why: Vec<String> = verdict
            .blocking()
            .map(|r| format!("{} {}", r.code, r.subject))
            .collect();
        for team in teams {
            out.push(Escalation {
                key: format!("gate/{id}/{}/{team}", verdict.environment),
                rule: EscalationRule::GateFailing,
                team,
                since,
                message: format!(
                    "the gate of release {id} to {} says no-go {} before the ship date {}: {}",
                    verdict.environment,
                    lead.value,
                    m.ship.value,
                    why.join(", ")
                ),
            });
        }
    }
    out
}

/// The steps of `escalations` due by `now`, walking each team's path
/// (a team without one is told itself, at once). In the order they fell
/// due.
pub fn due_steps(escalations: &[Escalation], teams: &[Team], now: jiff::Timestamp) -> Vec<DueStep> {
    let mut out = Vec::new();
    for e in escalations {
        let path: Vec<(String, u64)> = match teams.iter().find(|t| t.id.value == e.team) {
            Some(t) if !t.escalation.is_empty() => t
                .escalation
                .iter()
                .map(|s| (s.to.value.clone(), s.after.value.minutes()))
                .collect(),
            _ => vec![(e.team.clone(), 0)],
        };
        for (i, (to, after)) in path.into_iter().enumerate() {
            let Some(due_at) = i64::try_from(after)
                .ok()
                .and_then(|m| e.since.checked_add(jiff::SignedDuration::from_mins(m)).ok())
            else {
                continue;
            };
            if due_at <= now {
                out.push(DueStep {
                    key: format!("{}#{}", e.key, i + 1),
                    to,
                    due_at,
                    escalation: e.clone(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Duration;
    use treaty_syntax::Spanned;

    #[test]
    fn a_deadline_is_the_sla_of_the_severity_after_raising() {
        let slas = BlockerSlas {
            critical: Some(Spanned::new(
                Duration::from_minutes(240),
                Default::default(),
            )),
            high: Some(Spanned::new(
                Duration::from_minutes(60 * 24),
                Default::default(),
            )),
            ..BlockerSlas::default()
        };
        let raised: jiff::Timestamp = "2027-01-10T09:30:00Z".parse().unwrap_or_default();
        let at = |s: &str| s.parse::<jiff::Timestamp>().ok();
        assert_eq!(
            blocker_deadline(&slas, Severity::Critical, raised),
            at("2027-01-10T13:30:00Z")
        );
        assert_eq!(
            blocker_deadline(&slas, Severity::High, raised),
            at("2027-01-11T09:30:00Z")
        );
        assert_eq!(blocker_deadline(&slas, Severity::Low, raised), None);
    }
}
