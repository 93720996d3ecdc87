//! The repository-only mode of change proposals: a failing interface
//! passes when a proposal in `proposals/` covers exactly its change set
//! (same hash) and has every approval governance asks for. The file's
//! decisions are trusted as the code review that merged them.

use serde::Serialize;
use treaty_core::Workspace;
use treaty_core::governance::{self, Decision, RequiredApprovals, Verdict};
use treaty_core::model::{Interface, Proposal, ProposalState};

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

/// A proposal as the check sees it, whether read from `proposals/` or
/// asked of a broker: the decisions are those taken on its change set.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    /// `cp-1`.
    pub id: String,
    /// The hash of the change set it asks for.
    pub change_set: String,
    /// Where it stands.
    pub state: ProposalState,
    /// Each decision, in the order taken: the team and what it decided.
    pub decisions: Vec<(String, Decision)>,
}

/// The workspace's proposal files about `interface`, as the check sees
/// them.
pub fn from_files(ws: &Workspace, interface: &str) -> Vec<Known> {
    ws.proposals
        .iter()
        .filter(|p| p.interface.value == interface)
        .map(|p: &Proposal| Known {
            id: p.id.value.clone(),
            change_set: p.change_set.value.clone(),
            state: p.state,
            decisions: governance::file_decisions(&p.decisions),
        })
        .collect()
}

/// Where the failing change set of `interface` stands with the proposals
/// about it (`about`). Of several proposals, one covering the change set
/// wins; its decisions are judged by `required`, the workspace's
/// governance, whatever the proposal itself lists.
pub fn standing(
    about: &[Known],
    interface: &Interface,
    hash: &str,
    required: &RequiredApprovals,
) -> ProposalStanding {
    let standing = |p: Option<&Known>, state, detail: String| ProposalStanding {
        id: p.map(|p| p.id.clone()),
        state,
        change_set: hash.to_owned(),
        detail,
    };
    // An open one before a closed one: a proposal withdrawn and proposed
    // again covers the same hash twice.
    let p = about
        .iter()
        .filter(|p| p.change_set == hash)
        .min_by_key(|p| p.state.is_closed());
    let Some(p) = p else {
        return match about.last() {
            Some(p) => standing(
                Some(p),
                "other_change_set",
                format!(
                    "proposal {} covers another change set ({}); this one is {hash}: propose it again",
                    p.id, p.change_set
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
                format!("proposal {} is closed ({})", p.id, p.state),
            );
        }
        ProposalState::Draft => {
            return standing(Some(p), "pending", format!("proposal {} is a draft", p.id));
        }
        ProposalState::Open | ProposalState::Approved | ProposalState::Rejected => {}
    }
    match governance::verdict(required, &p.decisions) {
        Verdict::Approved => standing(
            Some(p),
            "approved",
            format!("approved by proposal {}", p.id),
        ),
        Verdict::Rejected { by } => standing(
            Some(p),
            "rejected",
            format!("proposal {} was rejected by {}", p.id, by.join(", ")),
        ),
        Verdict::Pending { missing } => standing(
            Some(p),
            "pending",
            format!(
                "proposal {} awaits {}",
                p.id,
                missing
                    .iter()
                    .map(governance::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}
