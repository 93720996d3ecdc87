//! A team's status digest: what changed since the last one, the risk of
//! its scope items and of the items it waits on, blockers, decisions
//! waiting on it, upcoming milestones, reviews and liaison turns, and the
//! promises made to it and by it.
//!
//! Pure: the caller judges each open release with the gate and the risk
//! ([`ReleaseView`]), passes the governance, the time and the previous
//! digest, and gets the next digest back. The broker sends it on the
//! cadence governance sets; `treaty digest` prints it.

mod render;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::gate::{GateInput, GateVerdict, ItemState};
use crate::governance::{self, Requirement, Subject, Verdict};
use crate::model::{ChangeKind, Communication, DigestCadence, Governance, ProposalState};
use crate::risk::ItemRisk;

/// One open release, judged.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseView<'a> {
    /// What the gate was asked.
    pub input: &'a GateInput<'a>,
    /// What it answered.
    pub verdict: &'a GateVerdict,
    /// Each scope item's risk.
    pub risks: &'a [ItemRisk],
}

/// A scope item as a digest shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    /// `release/item`.
    pub item: String,
    /// The team delivering it.
    pub owner: String,
    /// live, dark, dropped or missing.
    pub state: String,
    /// low to critical.
    pub risk: String,
    /// Why, the worst first.
    pub reasons: Vec<String>,
}

/// A dated event ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upcoming {
    /// The day.
    pub on: String,
    /// What happens.
    pub what: String,
}

/// A team's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// The team it is for.
    pub team: String,
    /// When it was made.
    pub at: String,
    /// Gate headlines of the releases the team has scope in.
    pub gates: Vec<String>,
    /// The team's scope items.
    pub items: Vec<ItemLine>,
    /// Items of other teams that the team's items depend on, not live.
    pub waiting_on: Vec<ItemLine>,
    /// Open blockers of the team, or on its items.
    pub blockers: Vec<String>,
    /// Proposals, waivers and overrides that wait on the team's decision.
    pub decisions: Vec<String>,
    /// Milestones, reviews and liaison turns ahead (four weeks).
    pub upcoming: Vec<Upcoming>,
    /// Who holds each liaison role now.
    pub liaisons: Vec<String>,
    /// Promises made by the team or to it, in force now or ahead.
    pub commitments: Vec<String>,
    /// What changed since the previous digest, in words.
    pub changes: Vec<String>,
}

const AHEAD_DAYS: i64 = 28;

/// The digests of `teams` over the open releases `inputs`: each release
/// judged once by the gate and the risk, then each team's digest, with
/// its previous one (`previous`, in the order of `teams`; none for a
/// first digest).
pub fn digests(
    teams: &[&str],
    inputs: &[GateInput<'_>],
    governance: &Governance,
    now: jiff::Timestamp,
    previous: &[Option<Digest>],
) -> Vec<Digest> {
    let verdicts: Vec<GateVerdict> = inputs.iter().map(crate::gate::decide).collect();
    let risks: Vec<Vec<ItemRisk>> = inputs
        .iter()
        .zip(&verdicts)
        .map(|(i, v)| crate::risk::assess(i, v))
        .collect();
    let views: Vec<ReleaseView<'_>> = inputs
        .iter()
        .zip(&verdicts)
        .zip(&risks)
        .map(|((input, verdict), risks)| ReleaseView {
            input,
            verdict,
            risks,
        })
        .collect();
    teams
        .iter()
        .enumerate()
        .map(|(n, team)| {
            let prev = previous.get(n).and_then(Option::as_ref);
            digest(team, &views, governance, now, prev)
        })
        .collect()
}

/// 1970-01-05, a Monday, in days since the Unix epoch: weekly and
/// biweekly periods start on Mondays counted from it.
const FIRST_MONDAY: i64 = 4;
const DAY_MS: i64 = 86_400_000;

/// The digest period `now` falls in under `cadence`: a period starts at
/// 00:00 UTC every day (daily), every Monday (weekly) or every other
/// Monday from 1970-01-05 (biweekly). A team gets one digest a period.
pub fn period(cadence: DigestCadence, now: jiff::Timestamp) -> i64 {
    let days = now.as_millisecond().div_euclid(DAY_MS);
    (days - FIRST_MONDAY).div_euclid(cadence.days())
}

/// When `period` (as [`period`] numbers them) begins.
pub fn period_start(cadence: DigestCadence, period: i64) -> jiff::Timestamp {
    let days = period
        .saturating_mul(cadence.days())
        .saturating_add(FIRST_MONDAY);
    jiff::Timestamp::from_millisecond(days.saturating_mul(DAY_MS)).unwrap_or(jiff::Timestamp::MAX)
}

impl Digest {
    /// Whether the digest says anything the team must act on or know:
    /// a release it has scope or promises in, a blocker, a decision
    /// waiting on it. A team with none of these is not sent one.
    pub fn has_news(&self) -> bool {
        !(self.gates.is_empty() && self.blockers.is_empty() && self.decisions.is_empty())
    }
}

/// The digest of `team` at `now` over `releases` (each open release
/// judged), with `previous` the last one sent (none: the first).
pub fn digest(
    team: &str,
    releases: &[ReleaseView<'_>],
    governance: &Governance,
    now: jiff::Timestamp,
    previous: Option<&Digest>,
) -> Digest {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut d = Digest {
        team: team.to_owned(),
        // To the second: a digest is read by people.
        at: now.round(jiff::Unit::Second).unwrap_or(now).to_string(),
        gates: Vec::new(),
        items: Vec::new(),
        waiting_on: Vec::new(),
        blockers: Vec::new(),
        decisions: Vec::new(),
        upcoming: Vec::new(),
        liaisons: Vec::new(),
        commitments: Vec::new(),
        changes: Vec::new(),
    };
    for view in releases {
        let release = view.input.release;
        let rid = release.id.value.as_str();
        let ours: Vec<&str> = release
            .scope
            .iter()
            .filter(|i| i.owner.as_ref().is_some_and(|o| o.value == team))
            .map(|i| i.id.value.as_str())
            .collect();
        let promised = release
            .commitments
            .iter()
            .any(|c| c.by.value == team || c.to.iter().any(|t| t.value == team));
        if ours.is_empty() && !promised {
            continue;
        }
        d.gates.push(format!(
            "{rid} to {}: {}",
            view.verdict.environment,
            if view.verdict.is_go() { "go" } else { "no-go" }
        ));
        let line = |id: &str| -> Option<ItemLine> {
            let v = view.verdict.items.iter().find(|i| i.id == id)?;
            let r = view.risks.iter().find(|r| r.item == id)?;
            Some(ItemLine {
                item: format!("{rid}/{id}"),
                owner: v.owner.clone(),
                state: match &v.state {
                    ItemState::Live => "live".into(),
                    ItemState::Dark { flag } => format!("dark behind `{flag}`"),
                    ItemState::Dropped => "dropped".into(),
                    ItemState::Missing => "missing".into(),
                },
                risk: r.level.as_str().into(),
                reasons: r.reasons.clone(),
            })
        };
        for item in release
            .scope
            .iter()
            .filter(|i| ours.contains(&i.id.value.as_str()))
        {
            d.items.extend(line(&item.id.value));
            for dep in &item.depends_on {
                let other = release.scope.iter().find(|i| i.id.value == dep.item.value);
                let theirs =
                    other.is_some_and(|o| o.owner.as_ref().is_none_or(|t| t.value != team));
                if let Some(l) = line(&dep.item.value).filter(|l| theirs && l.state != "live")
                    && !d.waiting_on.contains(&l)
                {
                    d.waiting_on.push(l);
                }
            }
        }
        for b in view.input.blockers {
            let on_ours = b.item.as_deref().is_some_and(|i| ours.contains(&i));
            if b.team == team || on_ours {
                d.blockers
                    .push(format!("{} ({}): {}", b.id, b.severity.as_str(), b.title));
            }
        }
        let m = &release.milestones;
        for (name, date) in [
            ("feature freeze", m.feature_freeze.as_ref()),
            ("code freeze", m.code_freeze.as_ref()),
            ("ship", Some(&m.ship)),
        ] {
            if let Some(date) = date {
                let days = i64::from((date.value.0 - today).get_days());
                if (0..=AHEAD_DAYS).contains(&days) {
                    d.upcoming.push(Upcoming {
                        on: date.value.to_string(),
                        what: format!("{rid} {name}"),
                    });
                }
            }
        }
        for c in &release.commitments {
            let mine = c.by.value == team;
            let to_me = c.to.is_empty() || c.to.iter().any(|t| t.value == team);
            let ended = c.until.as_ref().is_some_and(|u| u.value.0 < today);
            if (mine || to_me) && !ended && !(c.to.is_empty() && mine && !promised) {
                let to: Vec<&str> = c.to.iter().map(|t| t.value.as_str()).collect();
                d.commitments.push(format!(
                    "{rid}/{}: {} promises {}: {}",
                    c.id.value,
                    c.by.value,
                    if to.is_empty() {
                        "every team".to_owned()
                    } else {
                        to.join(", ")
                    },
                    c.promise
                ));
            }
        }
    }
    if let Some(first) = releases.first() {
        decisions(team, first.input, governance, &mut d.decisions);
    }
    communication(team, &governance.communication, today, &mut d);
    d.upcoming
        .sort_by(|a, b| a.on.cmp(&b.on).then_with(|| a.what.cmp(&b.what)));
    d.upcoming.dedup();
    if let Some(prev) = previous {
        d.changes = changes(prev, &d);
    }
    d
}

/// Proposals, waivers and overrides waiting on `team`'s decision.
fn decisions(team: &str, input: &GateInput<'_>, governance: &Governance, out: &mut Vec<String>) {
    let today = input.today();
    let asks = |missing: &[Requirement]| {
        missing.iter().any(|r| match r {
            Requirement::Team { team: t, .. } => t == team,
            Requirement::Quorum { of, .. } => of.iter().any(|t| t == team),
        })
    };
    for p in input
        .proposals
        .iter()
        .filter(|p| matches!(p.state, ProposalState::Open))
    {
        let subject = Subject::among(input.interfaces, &p.interface, p.affected.clone());
        let required =
            governance::required_approvals(governance, ChangeKind::Breaking, &subject, today);
        if let Verdict::Pending { missing } = governance::verdict(&required, &p.decisions)
            && asks(&missing)
        {
            out.push(format!(
                "proposal {} (breaking change on `{}`)",
                p.id, p.interface
            ));
        }
    }
    for w in input
        .waivers
        .iter()
        .filter(|w| matches!(w.state, ProposalState::Open) && w.expires >= today)
    {
        let subject = Subject::among(input.interfaces, &w.interface, Default::default());
        let required =
            governance::required_approvals(governance, ChangeKind::Waiver, &subject, today);
        if let Verdict::Pending { missing } = governance::verdict(&required, &w.decisions)
            && asks(&missing)
        {
            out.push(format!(
                "waiver {} on `{}` until {}",
                w.id, w.interface, w.expires
            ));
        }
    }
    let required = governance::required_approvals(
        governance,
        ChangeKind::GateOverride,
        &Default::default(),
        today,
    );
    for o in input.overrides {
        if let Verdict::Pending { missing } = governance::verdict(&required, &o.decisions)
            && asks(&missing)
        {
            out.push(format!("gate override {} for {}", o.id, o.environment));
        }
    }
}

/// Reviews ahead that the team takes part in, and liaison turns.
fn communication(team: &str, c: &Communication, today: jiff::civil::Date, d: &mut Digest) {
    let days = |every: &crate::model::Duration| (every.minutes() / (60 * 24)) as i64;
    for r in &c.reviews {
        let step = days(&r.every.value);
        if step == 0 || !(r.teams.is_empty() || r.teams.iter().any(|t| t.value == team)) {
            continue;
        }
        let first = r.first.value.0;
        let since = i64::from((today - first).get_days()).max(0);
        let n = (since + step - 1) / step;
        if let Ok(next) = first.checked_add(jiff::Span::new().days(n * step))
            && i64::from((next - today).get_days()) <= AHEAD_DAYS
        {
            d.upcoming.push(Upcoming {
                on: next.to_string(),
                what: r.name.clone(),
            });
        }
    }
    for l in &c.liaisons {
        let step = days(&l.every.value);
        let count = l.rotation.len() as i64;
        if step == 0 || count == 0 {
            continue;
        }
        let from = l.from.value.0;
        let elapsed = i64::from((today - from).get_days());
        if elapsed < 0 {
            continue;
        }
        let turn = elapsed / step;
        let holder = &l.rotation[(turn % count) as usize].value;
        let next = &l.rotation[((turn + 1) % count) as usize].value;
        let ends = from
            .checked_add(jiff::Span::new().days((turn + 1) * step))
            .ok();
        d.liaisons.push(format!(
            "{}: {holder}{}",
            l.role,
            ends.map(|e| format!(" until {e}, then {next}"))
                .unwrap_or_default()
        ));
        if next == team
            && holder != team
            && let Some(e) = ends
        {
            d.upcoming.push(Upcoming {
                on: e.to_string(),
                what: format!("{team} becomes {}", l.role),
            });
        }
    }
}

/// What differs between two digests of one team, in words.
pub fn changes(before: &Digest, now: &Digest) -> Vec<String> {
    let mut out = Vec::new();
    let by_item = |list: &[ItemLine]| -> BTreeMap<String, (String, String)> {
        list.iter()
            .map(|i| (i.item.clone(), (i.state.clone(), i.risk.clone())))
            .collect()
    };
    // What the team waits on: a change there matters as much as its own.
    let (waited, waiting) = (by_item(&before.waiting_on), by_item(&now.waiting_on));
    for (item, (state, risk)) in &waiting {
        match waited.get(item) {
            None => out.push(format!("you now wait on {item} ({state}, risk {risk})")),
            Some((s, r)) if s != state || r != risk => out.push(format!(
                "{item}, which you wait on: {s}, risk {r} → {state}, risk {risk}"
            )),
            Some(_) => {}
        }
    }
    for item in waited.keys().filter(|k| !waiting.contains_key(*k)) {
        out.push(format!("{item} no longer holds you up"));
    }
    let (old, new) = (by_item(&before.items), by_item(&now.items));
    for (item, (state, risk)) in &new {
        match old.get(item) {
            None => out.push(format!(
                "{item} is new in your scope ({state}, risk {risk})"
            )),
            Some((s, r)) => {
                if s != state {
                    out.push(format!("{item}: {s} → {state}"));
                }
                if r != risk {
                    out.push(format!("{item}: risk {r} → {risk}"));
                }
            }
        }
    }
    for item in old.keys().filter(|k| !new.contains_key(*k)) {
        out.push(format!("{item} left your scope"));
    }
    for (what, a, b) in [
        ("gate", &before.gates, &now.gates),
        ("blocker", &before.blockers, &now.blockers),
        ("decision waiting", &before.decisions, &now.decisions),
    ] {
        for x in b.iter().filter(|x| !a.contains(x)) {
            out.push(format!("new {what}: {x}"));
        }
        for x in a.iter().filter(|x| !b.contains(x)) {
            out.push(format!("no longer {what}: {x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use proptest::prelude::*;

    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::MIN)
    }

    #[test]
    fn weekly_periods_turn_on_monday_at_midnight_utc() {
        let w = DigestCadence::Weekly;
        // 2027-01-04 is a Monday.
        let sunday = period(w, at("2027-01-03T23:59:59Z"));
        let monday = period(w, at("2027-01-04T00:00:00Z"));
        assert_eq!(monday, sunday + 1);
        assert_eq!(period(w, at("2027-01-10T23:59:59Z")), monday);
        assert_eq!(period_start(w, monday), at("2027-01-04T00:00:00Z"));
        let d = DigestCadence::Daily;
        assert_eq!(
            period(d, at("2027-01-05T00:00:00Z")),
            period(d, at("2027-01-04T23:59:59Z")) + 1
        );
        // Every other Monday: the 4th and the 18th, not the 11th.
        let b = DigestCadence::Biweekly;
        let first = period(b, at("2027-01-04T00:00:00Z"));
        assert_eq!(period(b, at("2027-01-11T00:00:00Z")), first);
        assert_eq!(period(b, at("2027-01-18T00:00:00Z")), first + 1);
        assert!(period(b, at("2027-01-03T23:59:59Z")) < first);
    }

    proptest! {
        #[test]
        fn a_moment_lies_in_the_period_it_is_numbered_with(
            ms in -2_000_000_000_000i64..4_000_000_000_000i64,
            cadence in prop_oneof![
                Just(DigestCadence::Daily),
                Just(DigestCadence::Weekly),
                Just(DigestCadence::Biweekly),
            ],
        ) {
            let now = Timestamp::from_millisecond(ms).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let p = period(cadence, now);
            prop_assert!(period_start(cadence, p) <= now);
            prop_assert!(now < period_start(cadence, p + 1));
        }
    }
}
