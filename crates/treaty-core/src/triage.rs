//! Whether a triage action on a blocker is allowed: raising, assigning,
//! changing its severity, resolving and reopening it, by the caller's
//! team, as `governance.triage` says.
//!
//! [`judge`] is a pure function of governance, the release's owning teams,
//! the blocker as it stands, the action and the caller; the broker gathers
//! these (and, for a resolution that needs it, the evidence of the fix,
//! judged against its criterion) and writes only what this allows.
//!
//! The rules, in short (docs/gates.md has them in full):
//! - any team of the workspace may raise a blocker, at any severity;
//! - a severity is changed only by the teams `triage.severity_by` names,
//!   else by the release's owning teams (the owners of its scope items and
//!   the steering group);
//! - the blocker's owning team, its assignee's team and the teams that may
//!   change its severity assign it and reopen it;
//! - the owning team or the assignee's team resolves it; at or above
//!   `triage.fix_evidence_from` only with a passing run of a criterion of
//!   the release recorded after the blocker was raised;
//! - at or above `triage.tracker_link_from` a blocker needs a tracker link;
//! - an admin token may do what any team may, but not skip what a blocker
//!   needs (the tracker link, the evidence of the fix).

use jiff::Timestamp;

use crate::model::{Governance, Severity};

/// A blocker as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockerFacts<'a> {
    /// The team that owns it.
    pub owner: &'a str,
    /// The team of whoever it is assigned to, when assigned.
    pub assignee_team: Option<&'a str>,
    /// How bad it is now.
    pub severity: Severity,
    /// Whether it links to an issue in a tracker.
    pub tracked: bool,
    /// When it was raised.
    pub raised_at: Timestamp,
    /// Open (else resolved).
    pub open: bool,
}

/// The evidence offered for a fix, as the caller judged it against its
/// criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct FixEvidence {
    /// Where it came from, in words (`evidence evd_…`).
    pub origin: String,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// Whether it meets its criterion: `Err` says why not.
    pub meets: Result<(), String>,
}

/// What is asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Raise a new blocker.
    Raise {
        /// Its severity.
        severity: Severity,
        /// Whether it links to an issue in a tracker.
        tracked: bool,
    },
    /// Assign it to a team (or one of its members).
    Assign,
    /// Change its severity; `tracked` says whether it will link to an
    /// issue (a link may come with the change).
    SetSeverity {
        /// The new severity.
        to: Severity,
        /// Whether it will link to an issue in a tracker.
        tracked: bool,
    },
    /// Resolve it, with the evidence of the fix when some is offered.
    Resolve {
        /// The evidence offered.
        fix: Option<FixEvidence>,
    },
    /// Open a resolved blocker again.
    Reopen,
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller<'a> {
    /// The team whose token it is.
    pub team: &'a str,
    /// Whether the token is an admin's.
    pub admin: bool,
}

/// What the decision is taken on besides the blocker.
#[derive(Debug, Clone, Copy)]
pub struct TriageContext<'a> {
    /// The workspace's governance (the train's, as published).
    pub governance: &'a Governance,
    /// The release's owning teams: the owners of its scope items and the
    /// steering group.
    pub release_owners: &'a [String],
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's team may not do it.
    NotAllowed(String),
    /// Something the blocker needs is missing (a tracker link, the
    /// evidence of the fix).
    Incomplete(String),
    /// The blocker is not in a state the action applies to.
    Conflict(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotAllowed(m) | Refusal::Incomplete(m) | Refusal::Conflict(m) => {
                f.write_str(m)
            }
        }
    }
}

impl TriageContext<'_> {
    /// The teams that may change a severity.
    pub fn severity_teams(&self) -> Vec<&str> {
        let named = &self.governance.triage.severity_by;
        if named.is_empty() {
            self.release_owners.iter().map(String::as_str).collect()
        } else {
            named.iter().map(|t| t.value.as_str()).collect()
        }
    }

    fn needs_tracker(&self, severity: Severity) -> bool {
        self.governance
            .triage
            .tracker_link_from
            .is_some_and(|from| severity >= from)
    }

    fn needs_fix_evidence(&self, severity: Severity) -> bool {
        self.governance
            .triage
            .fix_evidence_from
            .is_some_and(|from| severity >= from)
    }
}

/// Whether `caller` may take `action` on `blocker` (none for a raise).
pub fn judge(
    cx: &TriageContext<'_>,
    blocker: Option<&BlockerFacts<'_>>,
    action: &Action,
    caller: Caller<'_>,
) -> Result<(), Refusal> {
    let b = match (action, blocker) {
        (Action::Raise { severity, tracked }, _) => {
            return tracker(cx, *severity, *tracked);
        }
        (_, Some(b)) => b,
        (_, None) => {
            return Err(Refusal::Conflict(
                "there is no such blocker: raise it first".into(),
            ));
        }
    };
    let triagers = cx.severity_teams();
    let owner_or_assignee = caller.team == b.owner || b.assignee_team == Some(caller.team);
    let one_of = |teams: &[&str]| caller.admin || teams.contains(&caller.team);
    match action {
        Action::Raise { .. } => Ok(()),
        Action::Assign => {
            open(b, "assigned")?;
            if !(caller.admin || owner_or_assignee || triagers.contains(&caller.team)) {
                return Err(not_allowed(caller, "assign", b, &triagers));
            }
            Ok(())
        }
        Action::SetSeverity { to, tracked } => {
            open(b, "triaged")?;
            if !one_of(&triagers) {
                return Err(Refusal::NotAllowed(format!(
                    "team `{}` may not change a blocker's severity: governance lets {} do it{}",
                    caller.team,
                    list(&triagers),
                    if cx.governance.triage.severity_by.is_empty() {
                        " (the release's owning teams; `governance.triage.severity_by` names others)"
                    } else {
                        " (`governance.triage.severity_by`)"
                    }
                )));
            }
            tracker(cx, *to, *tracked)
        }
        Action::Resolve { fix } => {
            open(b, "resolved")?;
            if !(caller.admin || owner_or_assignee) {
                return Err(Refusal::NotAllowed(format!(
                    "team `{}` may not resolve this blocker: its owning team `{}`{} does",
                    caller.team,
                    b.owner,
                    b.assignee_team
                        .filter(|t| *t != b.owner)
                        .map(|t| format!(" or its assignee's team `{t}`"))
                        .unwrap_or_default()
                )));
            }
            if !cx.needs_fix_evidence(b.severity) {
                return Ok(());
            }
            let from = cx
                .governance
                .triage
                .fix_evidence_from
                .map_or("", |s| s.as_str());
            let Some(fix) = fix else {
                return Err(Refusal::Incomplete(format!(
                    "a {} blocker is resolved only with evidence of the fix (governance asks for it from {from}): name a criterion of the release whose newest run passes",
                    b.severity.as_str()
                )));
            };
            if fix.recorded_at < b.raised_at {
                return Err(Refusal::Incomplete(format!(
                    "{} was recorded at {}, before the blocker was raised ({}): it cannot show the fix; push a new run",
                    fix.origin, fix.recorded_at, b.raised_at
                )));
            }
            fix.meets.clone().map_err(|why| {
                Refusal::Incomplete(format!("{} does not show the fix: {why}", fix.origin))
            })
        }
        Action::Reopen => {
            if b.open {
                return Err(Refusal::Conflict("the blocker is open already".into()));
            }
            if !(caller.admin || owner_or_assignee || triagers.contains(&caller.team)) {
                return Err(not_allowed(caller, "reopen", b, &triagers));
            }
            Ok(())
        }
    }
}

fn open(b: &BlockerFacts<'_>, what: &str) -> Result<(), Refusal> {
    if b.open {
        Ok(())
    } else {
        Err(Refusal::Conflict(format!(
            "the blocker is resolved: it cannot be {what}; reopen it first"
        )))
    }
}

fn tracker(cx: &TriageContext<'_>, severity: Severity, tracked: bool) -> Result<(), Refusal> {
    if tracked || !cx.needs_tracker(severity) {
        return Ok(());
    }
    Err(Refusal::Incomplete(format!(
        "a {} blocker needs a link to its issue in the team's tracker (governance asks for one from {})",
        severity.as_str(),
        cx.governance
            .triage
            .tracker_link_from
            .map_or("", |s| s.as_str())
    )))
}

fn not_allowed(caller: Caller<'_>, verb: &str, b: &BlockerFacts<'_>, triagers: &[&str]) -> Refusal {
    let mut may = vec![b.owner];
    may.extend(b.assignee_team);
    may.extend(triagers.iter().copied());
    may.sort_unstable();
    may.dedup();
    Refusal::NotAllowed(format!(
        "team `{}` may not {verb} this blocker: its owning team, its assignee's team and the teams that triage ({}) may",
        caller.team,
        list(&may)
    ))
}

fn list(teams: &[&str]) -> String {
    if teams.is_empty() {
        "no team".to_owned()
    } else {
        teams.join(", ")
    }
}
