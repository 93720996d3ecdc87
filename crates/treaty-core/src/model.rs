//! The contract files, format version 1, as Rust types.
//!
//! These types are the source of truth for the file format: the JSON
//! Schemas under `schemas/` are generated from them, and `docs/format.md`
//! documents them. Fields that other checks refer to are [`Spanned`] so
//! that a finding points at the exact place in the file.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use treaty_syntax::Spanned;

/// The format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// `treaty.yaml`: the organization, its governance and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty workspace (treaty.yaml)")]
pub struct WorkspaceFile {
    /// Format version of the contract files; this build reads `1`.
    pub version: Spanned<u32>,
    pub organization: Organization,
    #[serde(default)]
    pub governance: Governance,
    #[serde(default)]
    pub defaults: Defaults,
    /// Teams may be declared here, or one per file under `teams/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<Team>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Short, stable identifier (kebab-case).
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Who decides what, and how fast problems must be resolved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Governance {
    /// Teams whose representatives form the steering group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steering_group: Vec<Spanned<String>>,
    /// How many steering-group teams must approve where the steering group
    /// is required. At most the size of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<Spanned<u32>>,
    /// Who must approve each kind of change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalRule>,
    /// How long a blocker of each severity may stay open before it escalates.
    #[serde(default)]
    pub blocker_slas: BlockerSlas,
    /// Periods in which only some kinds of change may ship.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freezes: Vec<Freeze>,
}

/// The approvals one kind of change needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    pub change: Spanned<ChangeKind>,
    /// Every approver listed must approve.
    pub require: Vec<Approver>,
}

/// A kind of change that governance rules can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A change that breaks at least one consumer under the interface's policy.
    Breaking,
    /// Marking an operation, message or field deprecated.
    Deprecation,
    /// A change that breaks nobody.
    Compatible,
    /// Adding or removing scope items of a release after feature freeze.
    ScopeChange,
    /// Waiving a failed check or criterion, with an expiry.
    Waiver,
    /// Overriding a failed release gate.
    GateOverride,
}

/// Who must approve: a role, resolved per change, or a named team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    /// The team that owns the interface.
    Producer,
    /// Every consumer team that uses the changed part.
    AffectedConsumers,
    /// Every consumer team of the interface.
    AllConsumers,
    /// A quorum of the steering group.
    SteeringGroup,
    /// One named team.
    Team(Spanned<String>),
}

/// Resolution deadlines of blockers, per severity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockerSlas {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<Spanned<Duration>>,
}

/// A period (both days included) in which only the listed kinds of change ship.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Freeze {
    pub name: String,
    pub from: Spanned<CalendarDate>,
    pub to: Spanned<CalendarDate>,
    /// Kinds of change still allowed during the freeze.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<ChangeKind>,
}

/// What interfaces get when they do not say otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<Compatibility>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_notice: Option<Spanned<Duration>>,
}

/// A team: the unit that owns interfaces, consumes them and approves changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty team (teams/*.yaml)")]
pub struct Team {
    /// Short, stable identifier (kebab-case), used in every reference.
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    #[serde(default)]
    pub contacts: Contacts,
    /// Who is told, in order, when a blocker of this team passes its deadline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<EscalationStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Handle, unique within the team, used by escalation steps.
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// How to reach a team.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// An `https://` (or `http://`) URL that receives signed notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Spanned<String>>,
    /// A chat channel, such as `#payments`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<String>,
}

/// One step of an escalation path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// A member of this team (by handle) or another team (by id).
    pub to: Spanned<String>,
    /// How long after the deadline this step is taken.
    pub after: Spanned<Duration>,
}

/// An API surface or data contract, owned by exactly one producer team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Treaty interface (interfaces/*.yaml)")]
pub struct Interface {
    pub id: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub kind: Spanned<InterfaceKind>,
    /// The schema file, relative to the workspace root.
    pub schema: Spanned<String>,
    /// Protobuf only: directories (relative to the workspace root) that
    /// imports are resolved against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_paths: Vec<Spanned<String>>,
    /// Protobuf only: how strict the check is, as `buf breaking` names it.
    /// Defaults to `wire_json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto_category: Option<ProtoCategory>,
    /// The team that owns the interface. Required.
    #[schemars(required)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<Consumer>,
    /// Defaults to the workspace default, else `backward`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<Spanned<Compatibility>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<Versioning>,
    /// How long a deprecated part stays before it may be removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecation_notice: Option<Spanned<Duration>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slos: Vec<Slo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failure_modes: Vec<FailureMode>,
}

/// The format of an interface's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterfaceKind {
    Openapi,
    Jsonschema,
    Protobuf,
    Avro,
    Asyncapi,
}

impl InterfaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceKind::Openapi => "openapi",
            InterfaceKind::Jsonschema => "jsonschema",
            InterfaceKind::Protobuf => "protobuf",
            InterfaceKind::Avro => "avro",
            InterfaceKind::Asyncapi => "asyncapi",
        }
    }
}

/// How strict a Protobuf check is, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProtoCategory {
    /// The binary encoding keeps working.
    Wire,
    /// The binary and the JSON encodings keep working.
    WireJson,
    /// Generated code keeps compiling, package by package.
    Package,
    /// Generated code keeps compiling, file by file.
    File,
}

/// A team that depends on an interface, and what of it the team uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consumer {
    pub team: Spanned<String>,
    /// What the team uses; absent means everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<Uses>,
    /// The team's own expectations: example payloads or Pact files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
}

/// Narrows a consumer to the parts of an interface it uses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Uses {
    /// OpenAPI `operationId`s or `METHOD /path`; protobuf `Service.Method`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Spanned<String>>,
    /// Message names (AsyncAPI, protobuf, Avro records).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Spanned<String>>,
    /// AsyncAPI channels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Spanned<String>>,
    /// Field paths, dot-separated from a schema or message name
    /// (`Payment.amount`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub kind: ExpectationKind,
    /// Relative to the workspace root.
    pub file: Spanned<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectationKind {
    /// An example payload the consumer relies on being valid.
    Example,
    /// A Pact contract file.
    Pact,
}

/// A compatibility policy, named as schema registries name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Compatibility {
    /// A new version serves clients of the previous version.
    Backward,
    /// Like `backward`, against every earlier version.
    BackwardTransitive,
    /// Clients of a new version work with the previous provider.
    Forward,
    ForwardTransitive,
    /// Both backward and forward.
    Full,
    FullTransitive,
    /// Any change is allowed.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Versioning {
    pub scheme: VersioningScheme,
    /// The version of the schema in the working tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersioningScheme {
    Semver,
    Calver,
}

/// A service-level objective the producer commits to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    pub name: String,
    pub objective: Spanned<Threshold>,
    pub window: Spanned<Duration>,
}

/// Who acts when the interface fails in a known way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureMode {
    pub scenario: String,
    /// The team that rolls back.
    pub rollback: Spanned<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<FlagOwner>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagOwner {
    pub flag: String,
    /// The team that may flip it.
    pub owner: Spanned<String>,
}

/// An objective bound on a measured value: at least `min`, at most `max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// The measured quantity, as the evidence names it (`pass_rate`,
    /// `p99_latency`, `high_findings`).
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

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

/// Serializes a type as its `Display` text and reads it back with
/// `FromStr`, whose error message becomes the diagnostic.
macro_rules! serde_as_text {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A calendar day written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate(pub jiff::civil::Date);

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for CalendarDate {
    type Err = String;

    fn from_str(s: &str) -> Result<CalendarDate, String> {
        let well_formed = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !well_formed {
            return Err(format!(
                "`{s}` is not a date: write YYYY-MM-DD, such as `2027-01-22`"
            ));
        }
        s.parse::<jiff::civil::Date>()
            .map(CalendarDate)
            .map_err(|_| format!("`{s}` is not a day of the calendar"))
    }
}

serde_as_text!(CalendarDate);

impl JsonSchema for CalendarDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CalendarDate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "description": "A calendar day: YYYY-MM-DD."
        })
    }
}

/// A length of time written as a number and a unit: `30m`, `4h`, `2d`, `1w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    minutes: u64,
}

impl Duration {
    pub fn from_minutes(minutes: u64) -> Duration {
        Duration { minutes }
    }

    pub fn minutes(self) -> u64 {
        self.minutes
    }
}

impl std::str::FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Duration, String> {
        let err = || {
            format!(
                "`{s}` is not a duration: write a number and a unit, such as `30m`, `4h`, `2d` or `1w`"
            )
        };
        let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (num, unit) = s.split_at(split);
        let n: u64 = num.parse().map_err(|_| err())?;
        let factor = match unit {
            "m" => 1,
            "h" => 60,
            "d" => 60 * 24,
            "w" => 60 * 24 * 7,
            _ => return Err(err()),
        };
        n.checked_mul(factor)
            .map(Duration::from_minutes)
            .ok_or_else(|| format!("`{s}` is too long a duration"))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.minutes;
        for (unit, size) in [("w", 60 * 24 * 7), ("d", 60 * 24), ("h", 60)] {
            if m != 0 && m.is_multiple_of(size) {
                return write!(f, "{}{unit}", m / size);
            }
        }
        write!(f, "{m}m")
    }
}

serde_as_text!(Duration);

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]+[mhdw]$",
            "description": "A number and a unit: m (minutes), h (hours), d (days), w (weeks)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_days() {
        assert_eq!(
            "2027-01-22".parse::<CalendarDate>().map(|d| d.to_string()),
            Ok("2027-01-22".to_owned())
        );
        assert!(
            "2026-11-31"
                .parse::<CalendarDate>()
                .is_err_and(|e| e.contains("not a day"))
        );
        assert!(
            "15.12.2026"
                .parse::<CalendarDate>()
                .is_err_and(|e| e.contains("YYYY-MM-DD"))
        );
        assert!("2026-1-5".parse::<CalendarDate>().is_err());
    }

    #[test]
    fn durations_round_trip() {
        for s in ["30m", "4h", "2d", "1w", "90m"] {
            assert_eq!(
                s.parse::<Duration>().map(|d| d.to_string()),
                Ok(s.to_owned())
            );
        }
        assert_eq!(
            "48h".parse::<Duration>().map(|d| d.to_string()),
            Ok("2d".to_owned())
        );
        assert!("4".parse::<Duration>().is_err());
        assert!("h".parse::<Duration>().is_err());
        assert!("4 hours".parse::<Duration>().is_err());
        assert!("99999999999999999w".parse::<Duration>().is_err());
    }
}
