//! Blockers of release trains and overrides of their gates: what
//! `/api/v1/trains/{id}/blockers` and `/api/v1/trains/{id}/overrides` take
//! and answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::LogReceipt;

/// Raise a blocker: the body of `POST /api/v1/trains/{id}/blockers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBlocker {
    /// What blocks, in a line.
    pub title: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// The scope item it blocks; absent: the whole release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The team that owns it; the caller's team when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// A link to its issue in the team's tracker (`https://…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker: Option<String>,
    /// Why it blocks, in more words than the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A change of a blocker: the body of `POST
/// /api/v1/trains/{id}/blockers/{blocker}/changes`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockerChangeRequest {
    /// `assign`, `set_severity`, `resolve` or `reopen`.
    pub action: String,
    /// `set_severity`: the new severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// `assign`: the team it is assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// `assign`: a member of that team, by handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// A link to its issue in a tracker, added or replaced with the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker: Option<String>,
    /// `resolve`: the criterion of the release whose newest run shows the
    /// fix, `ITEM/CRITERION` (where governance asks for evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Why.
    pub reason: String,
}

/// One change of a blocker, as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BlockerEvent {
    /// `raised`, `assigned`, `severity_changed`, `resolved` or `reopened`.
    pub kind: String,
    /// The team that made it.
    pub team: String,
    /// Why.
    pub reason: String,
    /// What changed (the severity from and to, the assignee, the fix...).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// When, in Unix milliseconds.
    pub at: i64,
}

/// A blocker as the broker keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Blocker {
    /// `b-N`.
    pub id: String,
    /// The release train it blocks.
    pub train: String,
    /// What blocks.
    pub title: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// The scope item it blocks; absent: the whole release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The team that owns it.
    pub team: String,
    /// The team it is assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_team: Option<String>,
    /// The member of that team it is assigned to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_handle: Option<String>,
    /// The link to its issue in a tracker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker: Option<String>,
    /// `open` or `resolved`.
    pub state: String,
    /// The evidence that showed the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The team that raised it.
    pub raised_by: String,
    /// When, in Unix milliseconds.
    pub raised_at: i64,
    /// When it must be resolved by (Unix milliseconds): the SLA of its
    /// severity, counted from `raised_at`; absent when governance sets
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
    /// Every change, oldest first.
    pub events: Vec<BlockerEvent>,
}

/// Ask for a gate override: the body of `POST /api/v1/trains/{id}/overrides`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOverride {
    /// The environment whose gate it lets through.
    pub environment: String,
    /// Why the release should ship anyway.
    pub reason: String,
}

/// A team's decision on an override: the body of `POST
/// /api/v1/trains/{id}/overrides/{override}/decisions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOverrideDecision {
    /// `approve` or `reject`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// The team deciding; the token's team when absent (any other is
    /// refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// One team's decision on an override.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverrideDecision {
    /// The team.
    pub team: String,
    /// `approve` or `reject`.
    pub decision: String,
    /// Why.
    pub reason: String,
    /// When, in Unix milliseconds.
    pub at: i64,
    /// Its entry in the decision log.
    pub log_index: i64,
}

/// A gate override as the broker keeps it, judged by governance today.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Override {
    /// `o-N`.
    pub id: String,
    /// The release train.
    pub train: String,
    /// The environment.
    pub environment: String,
    /// Why the release should ship anyway.
    pub reason: String,
    /// The team that asked.
    pub requested_by: String,
    /// When, in Unix milliseconds.
    pub requested_at: i64,
    /// `approved`, `rejected` or `pending`, by the approvers governance
    /// names for `gate_override` today.
    pub verdict: String,
    /// What it still waits on, in words (pending only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting_on: Vec<String>,
    /// Every decision, in the order taken.
    pub decisions: Vec<OverrideDecision>,
    /// Where the write that answered this was recorded in the decision
    /// log (absent on reads and repeats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogReceipt>,
}

impl From<treaty_store::BlockerRecord> for Blocker {
    fn from(r: treaty_store::BlockerRecord) -> Blocker {
        let s = r.blocker.state;
        Blocker {
            id: r.id,
            train: r.blocker.train,
            title: r.blocker.title,
            severity: s.severity,
            item: r.blocker.item,
            team: r.blocker.team,
            assignee_team: s.assignee_team,
            assignee_handle: s.assignee_handle,
            tracker: s.tracker,
            state: s.state,
            fix: s.fix,
            raised_by: r.raised_by,
            raised_at: r.raised_at,
            deadline: s.deadline,
            events: r
                .events
                .into_iter()
                .map(|e| BlockerEvent {
                    kind: e.kind,
                    team: e.team,
                    reason: e.reason,
                    details: e.details,
                    at: e.at,
                })
                .collect(),
        }
    }
}
