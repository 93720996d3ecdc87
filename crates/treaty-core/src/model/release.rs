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
    pub id: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub status: ReleaseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<Cadence>,
    pub milestones: Milestones,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<ScopeItem>,
    /// Technical debt accepted to ship this release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub debt: Vec<Debt>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseStatus {
    #[default]
    Planned,
    Active,
    Shipped,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Weekly,
    Biweekly,
    Monthly,
    Quarterly,
    AdHoc,
}

/// Dates of a release, in the order they must come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Milestones {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_freeze: Option<Spanned<CalendarDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_freeze: Option<Spanned<CalendarDate>>,
    pub ship: Spanned<CalendarDate>,
}

/// One piece of work in a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeItem {
    pub id: Spanned<String>,
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
    pub depends_on: Vec<Dependency>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mitigations: Vec<Mitigation>,
}

fn yes() -> bool {
    true
}

/// An acceptance criterion: evidence and the threshold it must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: Spanned<String>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// Where it comes from: a report path or glob, a benchmark name, an
    /// interface id for contract verification.
    pub source: String,
}

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
    pub item: Spanned<String>,
    /// How uncertain the other item's delivery date is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variability: Option<Variability>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Variability {
    Low,
    Medium,
    High,
}

/// A way to ship safely without the item: a feature flag and its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mitigation {
    pub flag: String,
    pub default: FlagState,
    /// Teams allowed to flip the flag in production.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flippable_by: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagState {
    On,
    Off,
}

/// Technical debt accepted now, to be repaid by a later release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Debt {
    pub id: Spanned<String>,
    pub description: String,
    #[schemars(required)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Spanned<String>>,
    /// The id of the release that repays it.
    pub repay_by: Spanned<String>,
}
