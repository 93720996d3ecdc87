//! Release trains: what the gate needs of a workspace for one release
//! (published by `treaty release publish`), the evidence pushed for it and
//! the gate's answer.

use serde::{Deserialize, Serialize};
use treaty_core::model::{Governance, Interface, Release, Team};
use utoipa::{IntoParams, ToSchema};

/// What a train holds: the body of `PUT /api/v1/trains/{id}`, as the
/// workspace's model serializes it. The model's types read from Treaty's
/// syntax tree (their values carry spans), so JSON is read back with
/// [`TrainContent::read`], not with `serde_json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrainContent {
    /// The release (`releases/ID.yaml`); its id is the train's.
    #[schema(value_type = Object)]
    pub release: Release,
    /// The workspace's governance (`treaty.yaml`).
    #[schema(value_type = Object)]
    pub governance: Governance,
    /// The interfaces the release's scope items change: their producers,
    /// consumers and SLOs.
    #[schema(value_type = Vec<Object>)]
    pub interfaces: Vec<Interface>,
    /// Every other release of the workspace, with its milestones and debt
    /// (its scope left out): debt names the release repaying it.
    #[schema(value_type = Vec<Object>)]
    pub releases: Vec<Release>,
    /// The workspace's teams (`teams/*.yaml`): their members, contacts
    /// and escalation paths, which the broker's escalation timers walk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub teams: Vec<Team>,
}

/// An escalation step the broker sent for a train (`GET
/// /api/v1/trains/{id}/escalations`): recorded once, with its decision log
/// entry and the notifications queued for it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EscalationStepSent {
    /// The step's stable key: the escalation's and the step's position
    /// (`code-freeze/2027-01/checkout#2`).
    pub key: String,
    /// What called for it: `blocker_overdue`, `code_freeze_missed`,
    /// `ship_date_missed`, `dependency_open` or `gate_failing`.
    pub rule: String,
    /// The team whose escalation path the step is on.
    pub team: String,
    /// Who was told, as the path names them: a team, or a member's handle.
    pub to: String,
    /// What is wrong, in words.
    pub message: String,
    /// When the condition began (RFC 3339).
    pub since: String,
    /// When the step fell due (RFC 3339).
    pub due_at: String,
    /// When the broker sent it (RFC 3339, on the broker's clock).
    pub sent_at: String,
    /// The notifications queued for it (`GET /api/v1/notifications/{id}`).
    pub notifications: Vec<String>,
}

/// A revision of a train.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Train {
    /// The release's id.
    pub id: String,
    /// 1 for the first publish, one more for each publish that changed it.
    pub revision: i64,
    /// SHA-256 of the stored content: the same content has the same hash.
    pub content_hash: String,
    /// The teams owning a scope item (they may publish and push evidence).
    pub owners: Vec<String>,
    /// The team that published this revision.
    pub published_by: String,
    /// When, in Unix milliseconds.
    pub published_at: i64,
    /// What it holds: a [`TrainContent`], as published.
    #[schema(value_type = TrainContent)]
    pub content: serde_json::Value,
}

/// What a pushed report is evidence for: `POST
/// /api/v1/trains/{id}/evidence`'s query. The body is the report itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// The scope item (with `criterion`).
    pub item: Option<String>,
    /// The criterion of `item`.
    pub criterion: Option<String>,
    /// Instead of `item` and `criterion`: an SLO, `INTERFACE/SLO NAME`.
    pub slo: Option<String>,
    /// The component the report was produced from.
    pub component: Option<String>,
    /// The component's version: evidence for another version of a shipped
    /// component does not count.
    pub version: Option<String>,
    /// The run: reports of one run for one subject are combined (shards).
    pub run: Option<String>,
    /// `junit`, `sarif`, `metrics` or `criterion`; `junit` unless said.
    pub format: Option<String>,
}

/// A report stored as evidence: what it measured, not the file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordedEvidence {
    /// Its id (`evd_…`).
    pub id: String,
    /// The train.
    pub train: String,
    /// `item/criterion` or `slo:INTERFACE/SLO NAME`.
    pub subject: String,
    /// The component it was produced from, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// The component's version, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The run it belongs to (its own id when none was given).
    pub run: String,
    /// When it was recorded, in Unix milliseconds.
    pub recorded_at: i64,
    /// The team that pushed it.
    pub recorded_by: String,
    /// What the report measured (`treaty_evidence::Report`).
    #[schema(value_type = Object)]
    pub report: treaty_evidence::Report,
}

impl TrainContent {
    /// Reads a train's JSON text (within `max_bytes`) into the model: the
    /// error names the line and what is wrong.
    pub fn read(text: &str, max_bytes: usize) -> Result<TrainContent, String> {
        let limits = treaty_syntax::Limits {
            max_bytes,
            ..treaty_syntax::Limits::SCHEMA_FILE
        };
        let at = |offset: u32, message: &str| {
            let p = treaty_syntax::SourceFile::new("train", text).position(offset as usize);
            format!("line {}, column {}: {message}", p.line, p.column)
        };
        let node = treaty_syntax::parse(text, treaty_syntax::SourceId(0), &limits)
            .map_err(|e| at(e.span.start, &e.message))?;
        treaty_syntax::from_node::<TrainContent>(&node).map_err(|e| match e.span {
            Some(span) => at(span.start, &e.message),
            None => e.message,
        })
    }

    /// What a train holds of release `id` of a loaded workspace (which the
    /// caller has validated); `None` when it has no such release.
    pub fn from_workspace(ws: &treaty_core::Workspace, id: &str) -> Option<TrainContent> {
        let release = ws.releases.iter().find(|r| r.id.value == id)?.clone();
        let governance = ws
            .workspace
            .as_ref()
            .map(|w| w.governance.clone())
            .unwrap_or_default();
        let interfaces = ws
            .interfaces
            .iter()
            .filter(|i| {
                release
                    .scope
                    .iter()
                    .any(|item| item.interfaces.iter().any(|x| x.value == i.id.value))
            })
            .cloned()
            .collect();
        // Other releases matter for their debt and ship dates only.
        let releases = ws
            .releases
            .iter()
            .filter(|r| r.id.value != id)
            .map(|r| Release {
                scope: Vec::new(),
                ..r.clone()
            })
            .collect();
        Some(TrainContent {
            release,
            governance,
            interfaces,
            releases,
            teams: ws.teams.clone(),
        })
    }
}
