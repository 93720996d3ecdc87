//! The decision record: what the log's leaves hold. A leaf's bytes are
//! the record's canonical JSON — keys in a fixed order (the struct's, and
//! sorted inside `details`), no whitespace — so that the same decision is
//! always the same leaf, and a record read back is refused unless it is
//! exactly in that form.

use serde::{Deserialize, Serialize};

/// Largest leaf (one decision's canonical JSON) accepted, in bytes.
pub const MAX_LEAF_BYTES: usize = 64 * 1024;

/// What was decided. Serialised in snake_case; a kind this build does not
/// know is refused on read, never guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// A team approved a change proposal.
    Approval,
    /// A team rejected a change proposal.
    Rejection,
    /// A named failure let through until an expiry.
    Waiver,
    /// A check overridden by an administrator.
    Override,
    /// A proposal's change set changed (its approvals no longer cover it).
    ScopeChange,
    /// A change proposal was opened.
    ProposalOpened,
    /// A proposal moved to another state (withdrawn, shipped, rolled back...).
    ProposalState,
    /// A broker token was issued.
    TokenCreated,
    /// A broker token was revoked.
    TokenRevoked,
    /// An escalation step was taken: someone was told, by rule, that a
    /// release is in trouble (recorded by the broker itself).
    Escalation,
}

/// Who decided: a team, through one of its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// The team.
    pub team: String,
    /// The id (not the secret) of the token used; `None` for what the
    /// broker did itself (the first admin token at first start).
    pub token_id: Option<String>,
}

/// One decision, as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Its position in the log, from 0.
    pub index: u64,
    /// When it was recorded, Unix seconds (passed in by the caller).
    pub at: i64,
    /// What was decided.
    pub kind: DecisionKind,
    /// Who decided.
    pub actor: Actor,
    /// What it is about: `CP-12`, `token:tok_...`.
    pub subject: String,
    /// Why, in the decider's words.
    pub reason: String,
    /// Anything else of the decision, as JSON (a change set's hash, the
    /// scopes of a token...).
    pub details: serde_json::Value,
}

/// Why a leaf is not a decision record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// Over [`MAX_LEAF_BYTES`].
    #[error("the record is {0} bytes; at most {MAX_LEAF_BYTES} are allowed")]
    TooLarge(usize),
    /// Not JSON of a decision (unknown kind or field, missing field...).
    #[error("not a decision record: {0}")]
    Invalid(String),
    /// A decision, but not written in canonical form: the bytes were edited.
    #[error("the record is not in canonical form (fixed key order, no whitespace)")]
    NotCanonical,
}

impl Decision {
    /// The leaf bytes: canonical JSON.
    pub fn to_leaf(&self) -> Result<String, DecisionError> {
        // serde_json sorts object keys (no `preserve_order`), and the
        // struct's fields serialise in declaration order.
        let text =
            serde_json::to_string(self).map_err(|e| DecisionError::Invalid(e.to_string()))?;
        if text.len() > MAX_LEAF_BYTES {
            return Err(DecisionError::TooLarge(text.len()));
        }
        Ok(text)
    }

    /// The decision a leaf holds; refused unless the bytes are exactly its
    /// canonical form.
    pub fn from_leaf(leaf: &[u8]) -> Result<Decision, DecisionError> {
        if leaf.len() > MAX_LEAF_BYTES {
            return Err(DecisionError::TooLarge(leaf.len()));
        }
        let decision: Decision =
            serde_json::from_slice(leaf).map_err(|e| DecisionError::Invalid(e.to_string()))?;
        if decision.to_leaf()?.as_bytes() != leaf {
            return Err(DecisionError::NotCanonical);
        }
        Ok(decision)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Decision {
        Decision {
            index: 3,
            at: 1_700_000_000,
            kind: DecisionKind::TokenCreated,
            actor: Actor {
                team: "admin".into(),
                token_id: Some("tok_1".into()),
            },
            subject: "token:tok_2".into(),
            reason: "issued".into(),
            details: serde_json::json!({"team": "payments", "scopes": ["publish"]}),
        }
    }

    #[test]
    fn the_leaf_is_canonical_json_and_reads_back() {
        let leaf = sample().to_leaf().unwrap();
        assert_eq!(
            leaf,
            r#"{"index":3,"at":1700000000,"kind":"token_created","actor":{"team":"admin","token_id":"tok_1"},"subject":"token:tok_2","reason":"issued","details":{"scopes":["publish"],"team":"payments"}}"#
        );
        assert_eq!(Decision::from_leaf(leaf.as_bytes()).unwrap(), sample());
    }

    #[test]
    fn unknown_kinds_fields_and_reformatting_are_refused() {
        let leaf = sample().to_leaf().unwrap();
        let unknown = leaf.replace("token_created", "token_stolen");
        assert!(matches!(
            Decision::from_leaf(unknown.as_bytes()),
            Err(DecisionError::Invalid(_))
        ));
        let spaced = leaf.replace(":3,", ": 3,");
        assert_eq!(
            Decision::from_leaf(spaced.as_bytes()),
            Err(DecisionError::NotCanonical)
        );
        let extra = leaf.replace("{\"index\"", "{\"x\":1,\"index\"");
        assert!(Decision::from_leaf(extra.as_bytes()).is_err());
    }
}
