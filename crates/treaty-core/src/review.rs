//! The post-release review: what happened to a release, from the history
//! of its file and the decisions recorded, and what to amend.
//!
//! [`review`] takes the release file's revisions (oldest first, each with
//! its time), the proposals and waivers, the escalations and overrides
//! recorded (the broker's; none in the repository-only mode) and the
//! previous release's revisions and records, and returns the timeline, each item's
//! lead time, the unplanned coordination index against the previous
//! release, the commitments and whether they were kept, and lessons, each
//! with the contract-file amendment it suggests. Pure.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::governance::Decision;
use crate::model::{
    CalendarDate, ChangeKind, FileDecision, Governance, Proposal, Release, ReleaseStatus, Waiver,
};

/// One revision of a release file.
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    /// When it was committed.
    pub at: jiff::Timestamp,
    /// The commit, for the reader to look up.
    pub commit: &'a str,
    /// The release as that revision wrote it.
    pub release: &'a Release,
}

/// An escalation or override recorded elsewhere (the broker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// When.
    pub at: jiff::Timestamp,
    /// What, in words.
    pub what: String,
}

/// A team's decision on a proposal or waiver, on the day it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The team.
    pub team: String,
    /// What it decided.
    pub decision: Decision,
    /// The day (UTC).
    pub on: CalendarDate,
}

impl Decided {
    fn of_files(decisions: &[FileDecision]) -> Vec<Decided> {
        decisions
            .iter()
            .map(|d| Decided {
                team: d.team.value.clone(),
                decision: d.decision.into(),
                on: d.on,
            })
            .collect()
    }
}

/// A change proposal as the review reads it, from a file or the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRecord {
    /// `cp-12`.
    pub id: String,
    /// The interface it changes.
    pub interface: String,
    /// The release it is meant for, when it says.
    pub target_release: Option<String>,
    /// Its decisions, in the order taken.
    pub decisions: Vec<Decided>,
}

impl ProposalRecord {
    /// A proposal file.
    pub fn from_file(p: &Proposal) -> ProposalRecord {
        ProposalRecord {
            id: p.id.value.clone(),
            interface: p.interface.value.clone(),
            target_release: p.target_release.as_ref().map(|t| t.value.clone()),
            decisions: Decided::of_files(&p.decisions),
        }
    }
}

/// A waiver as the review reads it, from a file or the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverRecord {
    /// `w-2`.
    pub id: String,
    /// The interface it is about.
    pub interface: String,
    /// The rules it lets through.
    pub rules: Vec<String>,
    /// Its last day.
    pub expires: CalendarDate,
    /// Its decisions, in the order taken.
    pub decisions: Vec<Decided>,
}

impl WaiverRecord {
    /// A waiver file.
    pub fn from_file(w: &Waiver) -> WaiverRecord {
        WaiverRecord {
            id: w.id.value.clone(),
            interface: w.interface.value.clone(),
            rules: w.rules.value.iter().map(|r| r.value.clone()).collect(),
            expires: w.expires.value,
            decisions: Decided::of_files(&w.decisions),
        }
    }
}

/// Everything a review reads.
#[derive(Debug, Clone, Copy)]
pub struct ReviewInput<'a> {
    /// The release's revisions, oldest first; the last is the release now.
    pub revisions: &'a [Revision<'a>],
    /// The previous release's revisions, oldest first, when there is one.
    pub previous: &'a [Revision<'a>],
    /// The workspace's governance.
    pub governance: &'a Governance,
    /// Every proposal (the files', and the broker's when it was read).
    pub proposals: &'a [ProposalRecord],
    /// Every waiver (likewise).
    pub waivers: &'a [WaiverRecord],
    /// Escalations sent for the release.
    pub escalations: &'a [Recorded],
    /// Gate overrides approved for the release.
    pub overrides: &'a [Recorded],
    /// Escalations sent for the previous release.
    pub previous_escalations: &'a [Recorded],
    /// Gate overrides approved for the previous release.
    pub previous_overrides: &'a [Recorded],
}

/// One event of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When (a day, or a moment).
    pub on: String,
    /// `milestone-moved`, `scope-added`, `scope-removed`, `status`,
    /// `approval`, `waiver`, `escalation`, `override`.
    pub kind: &'static str,
    /// What happened, in words.
    pub text: String,
    /// Whether it counts towards the unplanned coordination index.
    pub unplanned: bool,
}

/// How much coordination nobody planned for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CoordinationIndex {
    /// Escalations sent.
    pub escalations: usize,
    /// Scope items added or removed after feature freeze.
    pub late_scope_changes: usize,
    /// Gate overrides.
    pub overrides: usize,
    /// Approvals given within 48 hours of the ship date.
    pub late_approvals: usize,
    /// The sum.
    pub total: usize,
}

/// A lesson and the amendment it suggests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lesson {
    /// What was seen.
    pub observation: String,
    /// The file to amend.
    pub file: String,
    /// The amendment: YAML to merge into the file when `yaml`, else
    /// words.
    pub amendment: String,
    /// Whether `amendment` is YAML.
    pub yaml: bool,
}

/// The review of a release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// The release's id.
    pub release: String,
    /// When it shipped (the revision that marked it shipped), if it did.
    pub shipped: Option<String>,
    /// Every event, in order.
    pub timeline: Vec<Event>,
    /// Days from each item's first appearance in the file to the ship.
    pub lead_times: Vec<(String, Option<i64>)>,
    /// This release's index.
    pub index: CoordinationIndex,
    /// The previous release's, when there is one.
    pub previous_index: Option<(String, CoordinationIndex)>,
    /// Each commitment: id, what, whether kept (unknown when not recorded).
    pub commitments: Vec<(String, String, Option<bool>)>,
    /// Lessons, each with an amendment.
    pub lessons: Vec<Lesson>,
}

fn day(t: jiff::Timestamp) -> jiff::civil::Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The timeline and index of one release from its revisions.
fn history(
    input: &ReviewInput<'_>,
    revisions: &[Revision<'_>],
) -> (Vec<Event>, CoordinationIndex, Option<jiff::Timestamp>) {
    let mut events = Vec::new();
    let mut index = CoordinationIndex::default();
    let Some(last) = revisions.last() else {
        return (events, index, None);
    };
    let release = last.release;
    let id = release.id.value.as_str();
    let freeze = release
        .milestones
        .feature_freeze
        .as_ref()
        .map(|f| f.value.0);
    let ship = release.milestones.ship.value.0;
    let mut shipped = None;
    for pair in revisions.windows(2) {
        let (a, b) = (pair[0].release, pair[1].release);
        let when = day(pair[1].at);
        let ma = [&a.milestones.feature_freeze, &a.milestones.code_freeze];
        let mb = [&b.milestones.feature_freeze, &b.milestones.code_freeze];
        for (name, (x, y)) in ["feature freeze", "code freeze"]
            .iter()
            .zip(ma.iter().zip(mb.iter()))
        {
            let (x, y) = (x.as_ref().map(|d| d.value), y.as_ref().map(|d| d.value));
            if x != y {
                events.push(Event {
                    on: when.to_string(),
                    kind: "milestone-moved",
                    text: format!(
                        "{name} moved from {} to {} ({})",
                        x.map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
                        y.map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
                        pair[1].commit
                    ),
                    unplanned: false,
                });
            }
        }
        if a.milestones.ship.value != b.milestones.ship.value {
            events.push(Event {
                on: when.to_string(),
                kind: "milestone-moved",
                text: format!(
                    "ship moved from {} to {} ({})",
                    a.milestones.ship.value, b.milestones.ship.value, pair[1].commit
                ),
                unplanned: false,
            });
        }
        let ids = |r: &Release| -> BTreeSet<String> {
            r.scope.iter().map(|i| i.id.value.clone()).collect()
        };
        let (before, after) = (ids(a), ids(b));
        let late = freeze.is_some_and(|f| when > f);
        for (kind, set, verb) in [
            (
                "scope-added",
                after.difference(&before).collect::<Vec<_>>(),
                "added",
            ),
            (
                "scope-removed",
                before.difference(&after).collect::<Vec<_>>(),
                "removed",
            ),
        ] {
            for item in set {
                if late {
                    index.late_scope_changes += 1;
                }
                events.push(Event {
                    on: when.to_string(),
                    kind,
                    text: format!(
                        "`{item}` {verb}{} ({})",
                        if late { " after feature freeze" } else { "" },
                        pair[1].commit
                    ),
                    unplanned: late,
                });
            }
        }
        if a.status != b.status {
            if b.status == ReleaseStatus::Shipped && shipped.is_none() {
                shipped = Some(pair[1].at);
            }
            events.push(Event {
                on: when.to_string(),
                kind: "status",
                text: format!("status {:?} → {:?}", a.status, b.status).to_lowercase(),
                unplanned: false,
            });
        }
    }
    if shipped.is_none() && revisions.len() == 1 && release.status == ReleaseStatus::Shipped {
        shipped = Some(last.at);
    }
    let interfaces: BTreeSet<&str> = release
        .scope
        .iter()
        .flat_map(|i| i.interfaces.iter().map(|x| x.value.as_str()))
        .collect();
    let ours = |interface: &str, target: Option<&str>| match target {
        Some(t) => t == id,
        None => interfaces.contains(interface),
    };
    let two_days_before = ship.checked_sub(jiff::Span::new().days(2)).unwrap_or(ship);
    for p in input
        .proposals
        .iter()
        .filter(|p| ours(&p.interface, p.target_release.as_deref()))
    {
        for d in &p.decisions {
            let after_freeze = freeze.is_some_and(|f| d.on.0 > f);
            let late = d.on.0 >= two_days_before;
            if late {
                index.late_approvals += 1;
            }
            events.push(Event {
                on: d.on.to_string(),
                kind: "approval",
                text: format!(
                    "{} {} proposal {} on `{}`{}{}",
                    d.team,
                    if d.decision == Decision::Approve {
                        "approved"
                    } else {
                        "rejected"
                    },
                    p.id,
                    p.interface,
                    if after_freeze {
                        ", after feature freeze"
                    } else {
                        ""
                    },
                    if late {
                        ", within 48 hours of ship"
                    } else {
                        ""
                    }
                ),
                unplanned: late,
            });
        }
    }
    for w in input
        .waivers
        .iter()
        .filter(|w| interfaces.contains(w.interface.as_str()))
    {
        events.push(Event {
            on: w
                .decisions
                .first()
                .map(|d| d.on.to_string())
                .unwrap_or_else(|| w.expires.to_string()),
            kind: "waiver",
            text: format!(
                "waiver {} let {} through on `{}` until {}",
                w.id,
                w.rules.join(", "),
                w.interface,
                w.expires
            ),
            unplanned: false,
        });
    }
    for (kind, list) in [
        ("escalation", input.escalations),
        ("override", input.overrides),
    ] {
        for r in list {
            events.push(Event {
                // To the second: the broker's clock counts milliseconds.
                on: jiff::Timestamp::from_second(r.at.as_second())
                    .unwrap_or(r.at)
                    .to_string(),
                kind,
                text: r.what.clone(),
                unplanned: true,
            });
        }
    }
    index.escalations = input.escalations.len();
    index.overrides = input.overrides.len();
    index.total =
        index.escalations + index.late_scope_changes + index.overrides + index.late_approvals;
    events.sort_by(|a, b| a.on.cmp(&b.on));
    (events, index, shipped)
}

/// Reviews the release whose revisions `input.revisions` holds.
pub fn review(input: &ReviewInput<'_>) -> Option<Review> {
    let last = input.revisions.last()?;
    let release = last.release;
    let (timeline, index, shipped) = history(input, input.revisions);
    let end = shipped.map(day).unwrap_or(release.milestones.ship.value.0);
    let lead_times = release
        .scope
        .iter()
        .map(|item| {
            let first = input
                .revisions
                .iter()
                .find(|r| r.release.scope.iter().any(|i| i.id == item.id))
                .map(|r| i64::from((end - day(r.at)).get_days()));
            (item.id.value.clone(), first)
        })
        .collect();
    // The previous release's own history: its proposals and waivers are
    // read the same way, its escalations and overrides are its own.
    let previous_index = input.previous.last().map(|p| {
        let prev_input = ReviewInput {
            escalations: input.previous_escalations,
            overrides: input.previous_overrides,
            ..*input
        };
        (
            p.release.id.value.clone(),
            history(&prev_input, input.previous).1,
        )
    });
    let commitments = release
        .commitments
        .iter()
        .map(|c| {
            (
                c.id.value.clone(),
                format!("{}: {}", c.by.value, c.promise),
                c.kept,
            )
        })
        .collect();
    let lessons = lessons(input, release, &timeline, &index);
    Some(Review {
        release: release.id.value.clone(),
        shipped: shipped.map(|t| t.to_string()),
        timeline,
        lead_times,
        index,
        previous_index,
        commitments,
        lessons,
    })
}

fn lessons(
    input: &ReviewInput<'_>,
    release: &Release,
    timeline: &[Event],
    index: &CoordinationIndex,
) -> Vec<Lesson> {
    let mut out = Vec::new();
    let id = &release.id.value;
    let moved = timeline
        .iter()
        .filter(|e| e.kind == "milestone-moved" && e.text.starts_with("ship"))
        .count();
    if moved > 0 {
        let first = input
            .revisions
            .first()
            .map(|r| r.release.milestones.ship.value.0);
        let slip = first
            .map(|f| i64::from((release.milestones.ship.value.0 - f).get_days()))
            .unwrap_or(0);
        out.push(Lesson {
            observation: format!("the ship date moved {moved} time(s), {slip} days in all"),
            file: "releases/NEXT.yaml".into(),
            amendment: format!(
                "plan the next train's milestones with the {slip} days {id} slipped, or mark its riskiest items `essential: false` with a flag that ships off"
            ),
            yaml: false,
        });
    }
    if index.late_scope_changes > 0 {
        let has_rule = input
            .governance
            .approvals
            .iter()
            .any(|r| r.change.value == ChangeKind::ScopeChange);
        out.push(Lesson {
            observation: format!("{} scope item(s) added or removed after feature freeze", index.late_scope_changes),
            file: "treaty.yaml".into(),
            amendment: if has_rule {
                "scope changes already need approval: move the decision before feature freeze by reviewing scope at the cross-team review before it".into()
            } else {
                "governance.approvals:\n  - change: scope_change\n    require: [steering_group]".into()
            },
            yaml: !has_rule,
        });
    }
    if index.late_approvals > 0 {
        let lead = input
            .governance
            .escalation
            .failing_gate_before_ship
            .as_ref()
            .map(|d| d.value.to_string());
        out.push(Lesson {
            observation: format!(
                "{} approval(s) given within 48 hours of ship",
                index.late_approvals
            ),
            file: "treaty.yaml".into(),
            amendment: format!(
                "governance.escalation:\n  failing_gate_before_ship: 1w{}",
                lead.map(|l| format!("   # was {l}"))
                    .unwrap_or_else(|| "   # not set".into())
            ),
            yaml: true,
        });
    }
    if index.escalations > 0 {
        out.push(Lesson {
            observation: format!("{} escalation(s) sent", index.escalations),
            file: "treaty.yaml".into(),
            amendment: "review blocker_slas and the escalation paths of the teams escalated to: an SLA that always runs out is not the team's real one".into(),
            yaml: false,
        });
    }
    for c in release.commitments.iter().filter(|c| c.kept == Some(false)) {
        out.push(Lesson {
            observation: format!("commitment `{}` of {} was not kept", c.id.value, c.by.value),
            file: "releases/NEXT.yaml".into(),
            amendment: format!(
                "restate `{}` with a promise {} can keep, or name a second team under `by` in a separate commitment",
                c.id.value, c.by.value
            ),
            yaml: false,
        });
    }
    out
}
