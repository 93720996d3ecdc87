//! `proposals/*.yaml`: a change proposal in the repository-only mode, for
//! teams without a broker. The file holds the change set it asks for (by
//! hash), why, the rollback plan and the decisions taken on it; the
//! decisions are trusted as the code review that merged them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use treaty_syntax::Spanned;

use super::CalendarDate;

/// A proposal to ship a breaking change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty change proposal (proposals/*.yaml)")]
pub struct Proposal {
    /// Short, stable identifier (`cp-12`), the file's name.
    pub id: Spanned<String>,
    /// What the change is, in a line.
    pub title: String,
    /// The interface it changes.
    pub interface: Spanned<String>,
    /// The team proposing it (the interface's producer).
    pub proposer: Spanned<String>,
    /// The hash of the normalised change set approved
    /// (`sha256:` and 64 hex digits), as `treaty propose` wrote it: a
    /// different change set is not covered.
    pub change_set: Spanned<String>,
    /// The changes, as `treaty check` reported them when it was proposed
    /// (for reviewers; the hash decides).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ProposedChange>,
    /// Why the change cannot be made compatible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether the release needs it (`false`: it may be deferred).
    #[serde(default)]
    pub essential: bool,
    /// How to undo it if it goes wrong. Required.
    pub rollback: Spanned<String>,
    /// The release it is meant to ship in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_release: Option<Spanned<String>>,
    /// Where it stands; `open` unless said.
    #[serde(default)]
    pub state: ProposalState,
    /// Approvals and rejections, in the order taken; a team's latest
    /// counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<FileDecision>,
}

/// One change of a proposal's change set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposedChange {
    /// The rule id.
    pub rule: String,
    /// What changed, as the check said it.
    pub message: String,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Being written; asks nobody yet.
    Draft,
    /// Waiting for its approvals.
    #[default]
    Open,
    /// Every approval governance asks for was given.
    Approved,
    /// A required team rejected it.
    Rejected,
    /// Its proposer took it back.
    Withdrawn,
    /// It shipped.
    Shipped,
    /// It shipped and was rolled back.
    RolledBack,
}

impl ProposalState {
    /// Every state, in the order of the life cycle.
    pub const ALL: [ProposalState; 7] = [
        ProposalState::Draft,
        ProposalState::Open,
        ProposalState::Approved,
        ProposalState::Rejected,
        ProposalState::Withdrawn,
        ProposalState::Shipped,
        ProposalState::RolledBack,
    ];

    /// The name in files and on the wire (`rolled_back`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Draft => "draft",
            ProposalState::Open => "open",
            ProposalState::Approved => "approved",
            ProposalState::Rejected => "rejected",
            ProposalState::Withdrawn => "withdrawn",
            ProposalState::Shipped => "shipped",
            ProposalState::RolledBack => "rolled_back",
        }
    }

    /// The state named `s` (see [`ProposalState::as_str`]).
    pub fn parse(s: &str) -> Option<ProposalState> {
        ProposalState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether nothing more happens to a proposal in this state but
    /// (for `shipped`) a rollback.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ProposalState::Withdrawn | ProposalState::Shipped | ProposalState::RolledBack
        )
    }

    /// Whether a person may move a proposal from `self` to `to`.
    /// `approved` and `rejected` are never asked for: the decisions decide
    /// them. The life cycle: draft → open → (approved | rejected) →
    /// withdrawn at any time before shipping; only an approved proposal
    /// ships, and only a shipped one is rolled back.
    pub fn may_become(self, to: ProposalState) -> Result<(), String> {
        use ProposalState::*;
        let allowed = match to {
            Open => self == Draft,
            Withdrawn => matches!(self, Draft | Open | Approved | Rejected),
            Shipped => self == Approved,
            RolledBack => self == Shipped,
            Draft | Approved | Rejected => {
                return Err(format!(
                    "`{}` is not asked for: the decisions of the required teams decide it",
                    to.as_str()
                ));
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(format!(
                "a proposal that is {} cannot become {}{}",
                self.as_str(),
                to.as_str(),
                match to {
                    Shipped => ": only an approved proposal ships",
                    RolledBack => ": only a shipped proposal is rolled back",
                    Open => ": only a draft is opened",
                    _ => "",
                }
            ))
        }
    }
}

impl std::fmt::Display for ProposalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One team's decision on a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileDecision {
    /// The team deciding.
    pub team: Spanned<String>,
    /// `approve` or `reject`.
    pub decision: FileVerdict,
    /// Who in the team decided.
    pub by: String,
    /// The day.
    pub on: CalendarDate,
    /// Why. Required.
    pub reason: String,
}

/// A decision in a proposal file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileVerdict {
    /// The team approves.
    Approve,
    /// The team rejects.
    Reject,
}

#[cfg(test)]
mod tests {
    use super::ProposalState::{self, *};

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in ProposalState::ALL {
            assert_eq!(ProposalState::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).ok();
            assert_eq!(json, Some(format!("\"{}\"", s.as_str())));
        }
        assert_eq!(ProposalState::parse("merged"), None);
    }

    #[test]
    fn life_cycle() {
        assert!(Draft.may_become(Open).is_ok());
        assert!(Open.may_become(Withdrawn).is_ok());
        assert!(Approved.may_become(Shipped).is_ok());
        assert!(Shipped.may_become(RolledBack).is_ok());
        assert!(
            Open.may_become(Shipped)
                .is_err_and(|e| e.contains("only an approved"))
        );
        assert!(Approved.may_become(RolledBack).is_err());
        assert!(Shipped.may_become(Withdrawn).is_err());
        assert!(
            Open.may_become(Approved)
                .is_err_and(|e| e.contains("decisions"))
        );
        assert!(Withdrawn.may_become(Open).is_err());
    }
}
