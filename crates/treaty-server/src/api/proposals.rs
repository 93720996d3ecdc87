//! Change proposals and waivers: what a producer asks for, who must
//! approve it, and each team's decision, bound to the hash of the change
//! set it was taken on.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::LogReceipt;

/// A proposal to open: the body of `POST /api/v1/proposals`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposal {
    /// The interface it changes (registered in the broker; its owner
    /// proposes).
    pub interface: String,
    /// `breaking` (the default): ship a breaking change set;
    /// `waiver`: let the failures of `rules` through until `expires`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// What it is, in a line.
    pub title: String,
    /// A breaking proposal's change set hash, as `treaty check` reports
    /// it; the broker computes it again from `changes` and refuses a
    /// mismatch. A waiver's is computed from its terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_set: Option<String>,
    /// The breaking changes (rule and message), as `treaty check` found them.
    #[serde(default)]
    pub changes: Vec<ProposedChange>,
    /// Who must approve, as the workspace's governance says.
    pub required: Vec<RequiredApproval>,
    /// Who and what the change touches.
    #[serde(default)]
    pub impact: Impact,
    /// Why the change cannot be made compatible, or why the failure may
    /// wait (required for a waiver).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How to undo it if it goes wrong (required for a breaking change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    /// Whether the release needs it.
    #[serde(default)]
    pub essential: bool,
    /// The release it is meant to ship in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_release: Option<String>,
    /// A waiver's rules: the failures it lets through on the interface.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// A waiver's last day (`YYYY-MM-DD`, inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Open it as a draft: nobody is asked yet.
    #[serde(default)]
    pub draft: bool,
}

/// One change of a change set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposedChange {
    /// The rule id.
    pub rule: String,
    /// What changed, as the check said it.
    pub message: String,
}

/// One thing that must happen before a proposal is approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RequiredApproval {
    /// This team approves.
    Team {
        /// The team.
        team: String,
        /// Why: `producer`, `affected_consumer`, `consumer` or `named`.
        role: String,
    },
    /// At least `needed` of these teams approve.
    Quorum {
        /// The teams (a steering group).
        of: Vec<String>,
        /// How many of them.
        needed: u32,
        /// The freeze that demands it, when one does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        freeze: Option<String>,
    },
}

/// Who and what a change touches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    /// The consumer teams the changes touch.
    #[serde(default)]
    pub consumers: Vec<String>,
    /// The operations, channels or messages changed.
    #[serde(default)]
    pub operations: Vec<String>,
    /// The teams behind the consumers: those consuming their interfaces,
    /// transitively.
    #[serde(default)]
    pub behind: Vec<String>,
}

/// A proposal as the broker keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    /// `cp-3` for a breaking change, `w-1` for a waiver.
    pub id: String,
    /// `breaking` or `waiver`.
    pub kind: String,
    /// The interface.
    pub interface: String,
    /// The team that proposed it (the interface's owner).
    pub proposer: String,
    /// What it is.
    pub title: String,
    /// `draft`, `open`, `approved`, `rejected`, `withdrawn`, `shipped`
    /// or `rolled_back`.
    pub state: String,
    /// The hash of the change set (a waiver's: of its terms) decisions
    /// must be taken on.
    pub change_set: String,
    /// The changes.
    pub changes: Vec<ProposedChange>,
    /// Who must approve.
    pub required: Vec<RequiredApproval>,
    /// What is still missing, in words (empty once approved).
    pub missing: Vec<String>,
    /// Who and what it touches.
    pub impact: Impact,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How to undo it.
    pub rollback: String,
    /// Whether the release needs it.
    pub essential: bool,
    /// The release it is meant for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_release: Option<String>,
    /// A waiver's rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// A waiver's last day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Every decision, oldest first (those on an earlier change set
    /// included: `change_set` says which they cover).
    pub decisions: Vec<ProposalDecision>,
    /// Every move of state or change set, oldest first.
    pub transitions: Vec<ProposalTransition>,
    /// When it was proposed, Unix milliseconds.
    pub created_at: i64,
    /// Where the write that answered this was recorded in the decision
    /// log (absent on reads and repeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogReceipt>,
}

/// One team's decision on a proposal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalDecision {
    /// The team.
    pub team: String,
    /// `approve` or `reject`.
    pub decision: String,
    /// The change set it was taken on; only decisions on the proposal's
    /// current change set count.
    pub change_set: String,
    /// Why.
    pub reason: String,
    /// The id of the token it was taken with.
    pub token_id: String,
    /// When, Unix milliseconds.
    pub at: i64,
    /// Its entry in the decision log.
    pub log_index: i64,
}

/// A move of a proposal's state or change set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalTransition {
    /// The state before.
    pub from: String,
    /// The state after.
    pub to: String,
    /// The change set after.
    pub change_set: String,
    /// The team that moved it.
    pub team: String,
    /// Why.
    pub reason: String,
    /// When, Unix milliseconds.
    pub at: i64,
    /// Its entry in the decision log.
    pub log_index: i64,
}

/// A team's decision: the body of `POST /api/v1/proposals/{id}/decisions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposalDecision {
    /// The team deciding; the token's own team when absent. A token
    /// decides only for its own team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// `approve` or `reject`.
    pub decision: String,
    /// The change set hash the decider reviewed: refused when the
    /// proposal's has changed since.
    pub change_set: String,
    /// Why. Required.
    pub reason: String,
}

/// A move of state: the body of `POST /api/v1/proposals/{id}/state`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposalState {
    /// `open` (a draft), `withdrawn`, `shipped` or `rolled_back`.
    pub state: String,
    /// Why. Required.
    pub reason: String,
}

/// A new change set for a proposal: the body of
/// `PUT /api/v1/proposals/{id}/change-set`. Decisions on the old one no
/// longer count.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChangeSet {
    /// The new hash, as `treaty check` reports it.
    pub change_set: String,
    /// The changes it hashes.
    pub changes: Vec<ProposedChange>,
    /// Who must approve now.
    pub required: Vec<RequiredApproval>,
    /// Who and what it touches now.
    #[serde(default)]
    pub impact: Impact,
    /// Why the change set changed. Required.
    pub reason: String,
}

/// Which proposals to list.
#[derive(Debug, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    /// Only those about this interface.
    pub interface: Option<String>,
    /// Only `breaking` or only `waiver`.
    pub kind: Option<String>,
    /// At most 100; 100 by default.
    pub limit: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}
