//! Waivers in `treaty check`: an approved waiver of an interface lets the
//! failing changes of the rules it lists through until it expires.
//!
//! Pure: the caller reads the waivers (files in the repository-only mode,
//! or a broker) into [`KnownWaiver`]s and passes the day. Who must approve
//! a waiver is governance's rule for [`ChangeKind::Waiver`] on the
//! interface's subject, the affected consumers being those the failing
//! changes of its rules touch. Waivers apply before change proposals: a
//! proposal's change set is what still fails after them.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Facts, InterfaceCheck, Standing, outcome};
use crate::governance::{self, Decision, Subject, Verdict};
use crate::model::{CalendarDate, ChangeKind, Governance, ProposalState};

/// A waiver as the check sees it, whatever it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownWaiver {
    /// `w-2`.
    pub id: String,
    /// The interface it is about.
    pub interface: String,
    /// The rule ids it lets through.
    pub rules: Vec<String>,
    /// The last day it applies (inclusive).
    pub expires: CalendarDate,
    /// Where it stands.
    pub state: ProposalState,
    /// Each decision, in the order taken: the team and what it decided.
    pub decisions: Vec<(String, Decision)>,
}

impl KnownWaiver {
    /// A waiver file (the repository-only mode) as the check sees it.
    pub fn from_file(w: &crate::model::Waiver) -> KnownWaiver {
        KnownWaiver {
            id: w.id.value.clone(),
            interface: w.interface.value.clone(),
            rules: w.rules.value.iter().map(|r| r.value.clone()).collect(),
            expires: w.expires.value,
            state: w.state,
            decisions: governance::file_decisions(&w.decisions),
        }
    }
}

/// What the waivers of one interface are judged against.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The interface checked: waivers about others are ignored.
    pub interface: &'a str,
    /// The workspace's governance.
    pub governance: &'a Governance,
    /// The interface's producer team (empty when it has none).
    pub producer: &'a str,
    /// Every consumer team of the interface.
    pub consumers: &'a BTreeSet<String>,
    /// The day of the check.
    pub today: CalendarDate,
}

/// Where one waiver stands on the day of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaiverState {
    /// Approved and not expired: it waives its rules.
    Approved,
    /// A draft, or waiting for approvals.
    Pending,
    /// A team whose approval is required rejected it.
    Rejected,
    /// Its last day has passed: it waives nothing.
    Expired,
    /// Withdrawn (or, wrongly, shipped): it waives nothing.
    Closed,
}

/// One waiver judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JudgedWaiver {
    /// `w-2`.
    pub id: String,
    /// Where it stands.
    pub state: WaiverState,
    /// The rule ids it lists.
    pub rules: Vec<String>,
    /// Its last day.
    pub expires: CalendarDate,
    /// How many failing changes it let through.
    pub waived: usize,
    /// In words.
    pub detail: String,
}

/// The waivers of one interface judged, and which changes they let
/// through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Every waiver of the interface, in the order given.
    pub waivers: Vec<JudgedWaiver>,
    /// For each change of the check (same positions), the id of the
    /// waiver that let it through.
    pub waived_by: Vec<Option<String>>,
}

/// Judges the waivers of `context.interface` and lets through every
/// failing change of `check` whose rule an approved, unexpired waiver
/// lists (the first such waiver, in the order given, is named). When no
/// change fails any more the outcome becomes a pass whose notes name the
/// waivers. `facts` are those `check` was judged from.
pub fn apply(
    check: &mut InterfaceCheck,
    facts: &Facts<'_>,
    waivers: &[KnownWaiver],
    context: &Context<'_>,
) -> Applied {
    let (comparisons, accepted) = match facts {
        Facts::Compared {
            comparisons,
            accepted,
            ..
        } => (comparisons.as_slice(), accepted.as_deref()),
        Facts::NewAtBase { .. } | Facts::Removed { .. } => (&[][..], None),
    };
    // The failing changes: (index in `check.changes`, rule, teams touched).
    let failing: Vec<(usize, &str, &[String])> = check
        .changes
        .iter()
        .enumerate()
        .filter(|(_, k)| k.standing == Standing::Fails)
        .filter_map(|(i, k)| {
            let found = comparisons.get(k.comparison)?.get(k.position)?;
            Some((i, found.rule, found.affects))
        })
        .collect();
    let mut judged: Vec<JudgedWaiver> = waivers
        .iter()
        .filter(|w| w.interface == context.interface)
        .map(|w| {
            let affected = failing
                .iter()
                .filter(|(_, rule, _)| w.rules.iter().any(|r| r == rule))
                .flat_map(|(_, _, teams)| teams.iter().cloned())
                .collect();
            judge(w, affected, context)
        })
        .collect();
    let mut waived_by: Vec<Option<String>> = vec![None; check.changes.len()];
    let mut ids: Vec<Option<String>> = vec![None; check.changes.len()];
    for (i, rule, _) in &failing {
        let Some(w) = judged
            .iter_mut()
            .find(|w| w.state == WaiverState::Approved && w.rules.iter().any(|r| r == rule))
        else {
            continue;
        };
        w.waived += 1;
        waived_by[*i] = Some(format!("{} until {}", w.id, w.expires));
        ids[*i] = Some(w.id.clone());
        if let Some(k) = check.changes.get_mut(*i) {
            k.standing = Standing::Waived;
        }
    }
    if waived_by.iter().any(Option::is_some) {
        check.outcome = outcome(comparisons, &check.changes, accepted, &waived_by);
    }
    Applied {
        waivers: judged,
        waived_by: ids,
    }
}

/// Where one waiver stands: closed, then expired, then as its decisions
/// and governance say.
fn judge(w: &KnownWaiver, affected: BTreeSet<String>, context: &Context<'_>) -> JudgedWaiver {
    let (state, detail) = if w.state.is_closed() {
        (
            WaiverState::Closed,
            format!("waiver {} is closed ({})", w.id, w.state),
        )
    } else if context.today > w.expires {
        (
            WaiverState::Expired,
            format!("waiver {} expired on {}", w.id, w.expires),
        )
    } else if w.state == ProposalState::Draft {
        (WaiverState::Pending, format!("waiver {} is a draft", w.id))
    } else {
        let subject = Subject {
            producer: context.producer.to_owned(),
            affected_consumers: affected,
            consumers: context.consumers.clone(),
        };
        let required = governance::required_approvals(
            context.governance,
            ChangeKind::Waiver,
            &subject,
            context.today,
        );
        match governance::verdict(&required, &w.decisions) {
            Verdict::Approved => (
                WaiverState::Approved,
                format!(
                    "waiver {} lets {} through until {}",
                    w.id,
                    w.rules
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    w.expires
                ),
            ),
            Verdict::Rejected { by } => (
                WaiverState::Rejected,
                format!("waiver {} was rejected by {}", w.id, by.join(", ")),
            ),
            Verdict::Pending { missing } => (
                WaiverState::Pending,
                format!(
                    "waiver {} awaits {}",
                    w.id,
                    missing
                        .iter()
                        .map(governance::describe)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    };
    JudgedWaiver {
        id: w.id.clone(),
        state,
        rules: w.rules.clone(),
        expires: w.expires,
        waived: 0,
        detail,
    }
}

#[cfg(test)]
mod tests;
