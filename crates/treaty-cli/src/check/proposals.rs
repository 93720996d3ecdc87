//! The repository-only mode of change proposals: a failing interface
//! passes when a proposal in `proposals/` covers exactly its change set
//! (same hash) and has every approval governance asks for. The file's
//! decisions are trusted as the code review that merged them.

use serde::Serialize;
use treaty_core::Workspace;
use treaty_core::governance::{self, Decision, RequiredApprovals, Verdict};
use treaty_core::model::{FileVerdict, Interface, Proposal, ProposalState};

use super::CheckChange;
use treaty_core::check::Standing;

/// What the proposals say about one failing interface.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalStanding {
    /// The proposal's id (`cp-1`), when one is about this interface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `approved`, `pending`, `rejected`, `closed` (withdrawn, shipped or
    /// rolled back), `other_change_set` or `none`.
    pub state: &'static str,
    /// The hash of the change set the check found.
    pub change_set: String,
    /// In words.
    pub detail: String,
}

/// The hash of `changes`' failing changes.
pub fn change_set(interface: &Interface, changes: &[CheckChange]) -> String {
    governance::change_set_hash(
        &interface.id.value,
        changes
            .iter()
            .filter(|c| c.standing == Standing::Fails)
            .map(|c| (c.change.rule, c.change.message.as_str())),
    )
}

/// Where the failing change set of `interface` stands with the workspace's
/// proposals. Of several proposals, one covering the change set wins.
pub fn standing(
    ws: &Workspace,
    interface: &Interface,
    hash: &str,
    required: &RequiredApprovals,
) -> ProposalStanding {
    let about: Vec<&Proposal> = ws
        .proposals
        .iter()
        .filter(|p| p.interface.value == interface.id.value)
        .collect();
    let standing = |p: Option<&Proposal>, state, detail: String| ProposalStanding {
        id: p.map(|p| p.id.value.clone()),
        state,
        change_set: hash.to_owned(),
        detail,
    };
    let Some(p) = about.iter().find(|p| p.change_set.value == hash).copied() else {
        return match about.last() {
            Some(p) => standing(
                Some(p),
                "other_change_set",
                format!(
                    "proposal {} covers another change set ({}); this one is {hash}: propose it again",
                    p.id.value, p.change_set.value
                ),
            ),
            None => standing(
                None,
                "none",
                format!(
                    "no proposal covers change set {hash}: `treaty propose {}` writes one",
                    interface.id.value
                ),
            ),
        };
    };
    match p.state {
        ProposalState::Withdrawn | ProposalState::Shipped | ProposalState::RolledBack => {
            return standing(
                Some(p),
                "closed",
                format!("proposal {} is closed ({:?})", p.id.value, p.state).to_lowercase(),
            );
        }
        ProposalState::Draft => {
            return standing(
                Some(p),
                "pending",
                format!("proposal {} is a draft", p.id.value),
            );
        }
        ProposalState::Open | ProposalState::Approved | ProposalState::Rejected => {}
    }
    let decisions: Vec<(String, Decision)> = p
        .decisions
        .iter()
        .map(|d| {
            let decision = match d.decision {
                FileVerdict::Approve => Decision::Approve,
                FileVerdict::Reject => Decision::Reject,
            };
            (d.team.value.clone(), decision)
        })
        .collect();
    match governance::verdict(required, &decisions) {
        Verdict::Approved => standing(
            Some(p),
            "approved",
            format!("approved by proposal {}", p.id.value),
        ),
        Verdict::Rejected { by } => standing(
            Some(p),
            "rejected",
            format!("proposal {} was rejected by {}", p.id.value, by.join(", ")),
        ),
        Verdict::Pending { missing } => standing(
            Some(p),
            "pending",
            format!(
                "proposal {} awaits {}",
                p.id.value,
                missing
                    .iter()
                    .map(governance::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}
