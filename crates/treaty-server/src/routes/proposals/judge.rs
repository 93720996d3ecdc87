//! A stored proposal seen through `treaty_core::governance`: its
//! requirements, the decisions that count (those on its current change
//! set), the state they put it in, and the announcements a move makes.

use serde::Deserialize;
use treaty_core::governance::{self, Decision, RequiredApprovals, Requirement, Role, Verdict};
use treaty_core::model::{ChangeKind, ProposalState};
use treaty_store::{Announcement, ProposalRecord};

use crate::api::{self, RequiredApproval};
use crate::error::ApiError;

/// The kind of change a proposal's approvals are judged for.
pub(super) fn change_kind(kind: &str) -> ChangeKind {
    if kind == "waiver" {
        ChangeKind::Waiver
    } else {
        ChangeKind::Breaking
    }
}

/// The wire requirements as governance's.
pub(super) fn requirements(
    kind: ChangeKind,
    wire: &[RequiredApproval],
) -> Result<RequiredApprovals, String> {
    let requirements = wire
        .iter()
        .map(|r| match r {
            RequiredApproval::Team { team, role } => Ok(Requirement::Team {
                team: team.clone(),
                role: Role::parse(role).ok_or_else(|| {
                    format!(
                        "unknown role `{role}`: expected producer, affected_consumer, consumer or named"
                    )
                })?,
            }),
            RequiredApproval::Quorum { of, needed, freeze } => {
                if *needed == 0 || *needed as usize > of.len() {
                    return Err(format!(
                        "a quorum of {needed} out of {} teams can never be met or is always met",
                        of.len()
                    ));
                }
                Ok(Requirement::Quorum {
                    of: of.clone(),
                    needed: *needed,
                    freeze: freeze.clone(),
                })
            }
        })
        .collect::<Result<_, String>>()?;
    Ok(RequiredApprovals { kind, requirements })
}

/// A stored proposal's requirements (they were checked when written).
pub(super) fn stored_requirements(p: &ProposalRecord) -> Result<RequiredApprovals, ApiError> {
    let corrupt = |e: String| {
        ApiError::Internal(format!("proposal `{}`: its stored requirements: {e}", p.id))
    };
    let wire: Vec<RequiredApproval> =
        Deserialize::deserialize(&p.proposal.required).map_err(|e| corrupt(e.to_string()))?;
    requirements(change_kind(&p.proposal.kind), &wire).map_err(corrupt)
}

/// The decisions that count: those taken on the current change set, in
/// order, with `extra` (a decision being taken) last.
pub(super) fn current_decisions(
    p: &ProposalRecord,
    extra: Option<(&str, Decision)>,
) -> Vec<(String, Decision)> {
    p.decisions
        .iter()
        .filter(|d| d.change_set == p.proposal.change_set)
        // Stored decisions were parsed when taken; an unknown one counts
        // as nothing rather than as an approval.
        .filter_map(|d| Some((d.team.clone(), Decision::parse(&d.decision)?)))
        .chain(extra.map(|(t, d)| (t.to_owned(), d)))
        .collect()
}

/// The state the decisions put a live proposal in.
pub(super) fn state_of(verdict: &Verdict) -> ProposalState {
    match verdict {
        Verdict::Approved => ProposalState::Approved,
        Verdict::Rejected { .. } => ProposalState::Rejected,
        Verdict::Pending { .. } => ProposalState::Open,
    }
}

/// A stored proposal's state.
pub(super) fn stored_state(p: &ProposalRecord) -> Result<ProposalState, ApiError> {
    ProposalState::parse(&p.proposal.state).ok_or_else(|| {
        ApiError::Internal(format!(
            "proposal `{}`: unknown stored state `{}`",
            p.id, p.proposal.state
        ))
    })
}

/// Every team asked to approve, but `except`.
pub(super) fn asked(required: &RequiredApprovals, except: &str) -> Vec<String> {
    required
        .teams()
        .into_iter()
        .filter(|t| *t != except)
        .map(str::to_owned)
        .collect()
}

/// One event for each of `teams`.
pub(super) fn tell(
    teams: impl IntoIterator<Item = String>,
    event_type: &'static str,
    text: &str,
    p: &ProposalRecord,
) -> Vec<Announcement> {
    let data = serde_json::json!({
        "proposal": p.id,
        "kind": p.proposal.kind,
        "interface": p.proposal.interface,
        "proposer": p.proposal.proposer,
        "title": p.proposal.title,
        "change_set": p.proposal.change_set,
    });
    teams
        .into_iter()
        .map(|team| Announcement {
            team,
            event_type,
            text: text.to_owned(),
            data: data.clone(),
        })
        .collect()
}

/// The wire proposal of a stored one.
pub(crate) fn wire(p: &ProposalRecord) -> Result<api::Proposal, ApiError> {
    let corrupt = |field: &str, e: serde_json::Error| {
        ApiError::Internal(format!("proposal `{}`: its stored {field}: {e}", p.id))
    };
    let required = stored_requirements(p)?;
    let missing = match governance::verdict(&required, &current_decisions(p, None)) {
        Verdict::Pending { missing } => missing.iter().map(governance::describe).collect(),
        Verdict::Approved | Verdict::Rejected { .. } => Vec::new(),
    };
    let n = &p.proposal;
    Ok(api::Proposal {
        id: p.id.clone(),
        kind: n.kind.clone(),
        interface: n.interface.clone(),
        proposer: n.proposer.clone(),
        title: n.title.clone(),
        state: n.state.clone(),
        change_set: n.change_set.clone(),
        changes: Deserialize::deserialize(&n.changes).map_err(|e| corrupt("changes", e))?,
        required: Deserialize::deserialize(&n.required).map_err(|e| corrupt("required", e))?,
        missing,
        impact: Deserialize::deserialize(&n.impact).map_err(|e| corrupt("impact", e))?,
        reason: n.reason.clone(),
        rollback: n.rollback.clone(),
        essential: n.essential,
        target_release: n.target_release.clone(),
        rules: n.rules.clone(),
        expires: n.expires.clone(),
        decisions: p
            .decisions
            .iter()
            .map(|d| api::ProposalDecision {
                team: d.team.clone(),
                decision: d.decision.clone(),
                change_set: d.change_set.clone(),
                reason: d.reason.clone(),
                token_id: d.token_id.clone(),
                at: d.at,
                log_index: d.log_index,
            })
            .collect(),
        transitions: p
            .transitions
            .iter()
            .map(|t| api::ProposalTransition {
                from: t.from.clone(),
                to: t.to.clone(),
                change_set: t.change_set.clone(),
                team: t.team.clone(),
                reason: t.reason.clone(),
                at: t.at,
                log_index: t.log_index,
            })
            .collect(),
        created_at: p.created_at,
        log: None,
    })
}
