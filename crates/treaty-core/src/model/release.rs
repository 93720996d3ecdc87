//! `releases/*.yaml`: a release train, its milestones, scope and debt.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use treaty_syntax::Spanned;

use super::{CalendarDate, Threshold};

/// A release train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty release (releases/*.yaml)")]
pub struct Release {
    /// Short, stable identifier, used in every reference.
    pub id: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A human-readable name.
    pub name: Option<String>,
    #[serde(default)]
    /// Where the release stands; `planned` unless said.
    pub status: ReleaseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// How often releases of this train ship.
    pub cadence: Option<Cadence>,
    /// Its dates.
    pub milestones: Milestones,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// The work in the release.
    pub scope: Vec<ScopeItem>,
    /// Technical debt accepted to ship this release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub debt: Vec<Debt>,
    /// What teams promise one another for this release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commitments: Vec<Commitment>,
}

/// A promise one team makes to others for a release: remediation time,
/// on-call support during a freeze, shared capacity at a peak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// Identifier, unique within the release.
    pub id: Spanned<String>,
    /// The team that promises.
    pub by: Spanned<String>,
    /// The teams it is promised to; every other team with scope in the
    /// release when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Spanned<String>>,
    /// What kind of promise it is.
    pub kind: CommitmentKind,
    /// The promise, in words.
    pub promise: String,
    /// The first day it holds; from the start unless said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Spanned<CalendarDate>>,
    /// The last day it holds; to the ship date unless said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Spanned<CalendarDate>>,
    /// Whether it was kept, recorded after the fact (for the review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<bool>,
}

/// A kind of promise between teams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentKind {
    /// How fast reported defects are fixed.
    RemediationTime,
    /// Someone on call to help, such as during a freeze.
    OnCall,
    /// People or capacity shared at a peak.
    Capacity,
    /// Anything else.
    Other,
}

/// Where a release stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    #[default]
    /// Not started.
    Planned,
    /// In progress.
    Active,
    /// Shipped.
    Shipped,
    /// Abandoned.
    Cancelled,
}

/// How often a release train ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every week.
    Weekly,
    /// Every two weeks.
    Biweekly,
    /// Every month.
    Monthly,
    /// Every quarter.
    Quarterly,
    /// When needed.
    AdHoc,
}

/// Dates of a release, in the order they must come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestones {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// After it, no new scope items.
    pub feature_freeze: Option<Spanned<CalendarDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// After it, only fixes.
    pub code_freeze: Option<Spanned<CalendarDate>>,
    /// The day the release ships.
    pub ship: Spanned<CalendarDate>,
}

/// One piece of work in a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeItem {
    /// Identifier, unique within the release.
    pub id: Spanned<String>,
    /// What the work is, in a line.
    pub title: String,
    /// The team that delivers it. Required.
    #[schemars(required)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Spanned<String>>,
    /// Whether the release waits for it (`true`) or ships without it.
    #[serde(default = "yes")]
    pub essential: bool,
    /// Interfaces the item changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<Spanned<String>>,
    /// The definition of done: every criterion must be met.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub done: Vec<Criterion>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Other scope items of the release that must be done first.
    pub depends_on: Vec<Dependency>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Ways to ship without this item.
    pub mitigations: Vec<Mitigation>,
}

fn yes() -> bool {
    true
}

/// An acceptance criterion: evidence and the threshold it must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Identifier, unique within the scope item.
    pub id: Spanned<String>,
    /// What must be true, in words.
    pub description: String,
    /// The evidence that decides it. Required.
    #[schemars(required)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// The objective bound the evidence must meet. Required.
    #[schemars(required)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Spanned<Threshold>>,
}

/// Where the evidence for a criterion comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// What kind of evidence it is.
    pub kind: EvidenceKind,
    /// Where it comes from: a report path or glob, a benchmark name, an
    /// interface id for contract verification.
    pub source: String,
}

/// A kind of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// Test reports in JUnit XML.
    Junit,
    /// Benchmark results as JSON metrics.
    Benchmark,
    /// Security scans in SARIF.
    Sarif,
    /// Contract verification results from the broker.
    Verification,
    /// SLO measurements.
    Slo,
}

/// A dependency on another scope item of the same release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    /// The id of the scope item depended on.
    pub item: Spanned<String>,
    /// How uncertain the other item's delivery date is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variability: Option<Variability>,
}

/// How uncertain a delivery date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Variability {
    /// Likely on time.
    Low,
    /// May slip.
    Medium,
    /// Often slips.
    High,
}

/// A way to ship safely without the item: a feature flag and its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    /// The flag's name.
    pub flag: String,
    /// The state the flag ships in.
    pub default: FlagState,
    /// Teams allowed to flip the flag in production.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flippable_by: Vec<Spanned<String>>,
}

/// The state of a feature flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagState {
    /// The feature is enabled.
    On,
    /// The feature is disabled.
    Off,
}

/// Technical debt accepted now, to be repaid by a later release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Debt {
    /// Identifier, unique within the release.
    pub id: Spanned<String>,
    /// What was accepted, in words.
    pub description: String,
    #[schemars(required)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The team that repays it. Required.
    pub owner: Option<Spanned<String>>,
    /// The id of the release that repays it.
    pub repay_by: Spanned<String>,
    /// The day it was repaid; absent while it is owed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repaid: Option<Spanned<CalendarDate>>,
}
